#!/usr/bin/env bash
# The binomial core's milliseconds per pass for two or more bench binaries, in turn
# (the order is the same every round; compare medians, and rounds side by side).
#
#   scripts/core-ab.sh ROUNDS BENCH_BINARY...
#
# A pass is the time of 16 passes less the time of 1 (FASTLAKARE_CORE_PASSES), so the
# bench's set-up (config, parameter draws) drops out. For a change to the core worth a
# few per cent on a machine whose speed drifts: two criterion runs minutes apart move
# by more than that. Bench binaries: `cargo bench --bench model --no-run` prints the
# path; copy it before rebuilding.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 ROUNDS BENCH_BINARY..." >&2
  exit 2
fi
rounds=$1
shift
ms_now() { date +%s%N; }
pass_ms() { # BINARY -> milliseconds of one core pass
  local s1 e1 s2 e2
  s1=$(ms_now); FASTLAKARE_CORE_PASSES=1 "$1" --bench >/dev/null 2>&1; e1=$(ms_now)
  s2=$(ms_now); FASTLAKARE_CORE_PASSES=16 "$1" --bench >/dev/null 2>&1; e2=$(ms_now)
  awk -v ns=$(( (e2 - s2) - (e1 - s1) )) 'BEGIN { printf "%.1f", ns / 15e6 }'
}
declare -A times
for _ in $(seq "$rounds"); do
  for b in "$@"; do
    times[$b]="${times[$b]:-} $(pass_ms "$b")"
  done
done
for b in "$@"; do
  # shellcheck disable=SC2086
  median=$(printf '%s\n' ${times[$b]} | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
  echo "$b: median $median ms a pass (rounds:${times[$b]})"
done
