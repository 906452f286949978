#!/usr/bin/env bash
# Instructions and mispredicted branches of one pass of the binomial core over the
# benchmark's 5 376 region-runs x 100 years, counted by valgrind's cachegrind (its
# branch predictor is a simple model, but the same for every binary): figures the
# machine's load does not move, to compare two builds where timings drift.
#
#   scripts/core-instructions.sh [BENCH_BINARY ...]
#
# Without arguments it builds and counts the current bench binary (cargo bench
# --no-run). A pass is the count of two passes less the count of one, so the set-up
# (config, parameter draws) drops out. Needs valgrind; takes about a minute a binary.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
  bin=$(cargo bench --bench model --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -1)
  set -- "$bin"
fi
count() { # BINARY PASSES -> "instructions mispredicts"
  FASTLAKARE_CORE_PASSES=$2 valgrind --tool=cachegrind --cache-sim=no --branch-sim=yes \
    --cachegrind-out-file=/dev/null "$1" 2>&1 |
    awk '/I *refs:/ {gsub(",", "", $NF); i=$NF} /Mispredicts:/ {gsub(",", "", $3); m=$3} END {print i, m}'
}
for b in "$@"; do
  read -r i1 m1 < <(count "$b" 1)
  read -r i2 m2 < <(count "$b" 2)
  awk -v b="$b" -v i=$((i2 - i1)) -v m=$((m2 - m1)) 'BEGIN {
    y = 5376 * 100
    printf "%s: %.1f M instructions (%.0f a region-run-year), %.2f M mispredicted branches (%.2f a region-run-year) per pass\n", b, i / 1e6, i / y, m / 1e6, m / y }'
done
