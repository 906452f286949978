#!/usr/bin/env bash
# End-to-end benchmark of the main job: configs/baseline.toml (21 regions x 10 000
# runs x 100 years, binomial), on 1 thread and on all cores, side by side in one
# hyperfine session; then `plot` and `report` on its results; then peak memory
# from GNU time. Needs hyperfine and GNU time
# (Debian: apt-get install hyperfine time).
#
#   scripts/bench-baseline.sh [RUNS_OF_EACH]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5}
cargo build --release --quiet
bin=target/release/fastlakare
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
hyperfine --warmup 1 --runs "$n" --export-markdown "$out/bench.md" --export-json "$out/bench.json" \
  -n "baseline, 1 thread" "$bin run configs/baseline.toml --quiet --force --threads 1 --out $out/t1" \
  -n "baseline, all cores ($(nproc))" "$bin run configs/baseline.toml --quiet --force --out $out/tn"
cat "$out/bench.md"
python3 - "$out/bench.json" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
for r in res:
    print(f"median {r['median']:.3f} s  ({r['command']}, {len(r['times'])} runs)")
print(f"speed-up of the medians: {res[0]['median'] / res[1]['median']:.2f}x")
PY
# Charts and report from the Parquet files of the last run (no simulation).
hyperfine --warmup 1 --runs "$n" \
  -n "plot (every chart, PNG + SVG)" "$bin plot $out/tn --format both" \
  -n "report.html" "$bin report $out/tn"
for t in 1 "$(nproc)"; do
  /usr/bin/time -f "peak RSS with $t thread(s): %M KB (wall %e s)" \
    "$bin" run configs/baseline.toml --quiet --force --threads "$t" --out "$out/m$t"
done
