#!/usr/bin/env bash
# Submit a fastlakare experiment to Slurm as N shards (one job-array task each) and a merge
# that waits for all of them (afterok). Prints the two job ids.
#
#   scripts/slurm/submit.sh [--wait] CONFIG N OUT [-- RUN_FLAGS...]
#
#   CONFIG     the experiment config, e.g. configs/baseline.toml
#   N          the number of shards (array tasks)
#   OUT        the merged results folder, e.g. results/baseline-1e6; the shards go to
#              OUT.shards/K-of-N and stay there (delete them once the merge is checked)
#   RUN_FLAGS  passed to every `run`, e.g. -- --runs 1000000 --seed 7
#   --wait     block until the merge job ends; exit with its status (used by the test)
#
# Environment: FASTLAKARE_BIN (default: target/release/fastlakare if built, else fastlakare
# on PATH); SBATCH_ARGS, extra sbatch flags for both jobs (e.g. "--partition=short
# --account=proj123 --time=01:00:00"); FASTLAKARE_MERGE_ARGS, extra `merge` flags.
# Paths are made absolute, as the jobs may start in another directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
wait=()
if [ "${1:-}" = --wait ]; then wait=(--wait); shift; fi
if [ $# -lt 3 ]; then
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
config=$1 n=$2 out=$3
shift 3
if [ "${1:-}" = -- ]; then shift; fi
case $n in
  '' | *[!0-9]* | 0) echo "submit.sh: N must be a whole number >= 1, got '$n'" >&2; exit 2 ;;
esac
[ -f "$config" ] || { echo "submit.sh: no config at $config" >&2; exit 2; }
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
config=$(abs "$config")
out=$(abs "$out")
bin=${FASTLAKARE_BIN:-}
if [ -z "$bin" ]; then
  if [ -x "$here/../../target/release/fastlakare" ]; then
    bin=$(cd "$here/../../target/release" && pwd)/fastlakare
  else
    bin=$(command -v fastlakare) || { echo "submit.sh: no fastlakare binary (cargo build --release)" >&2; exit 2; }
  fi
fi
bin=$(abs "$bin")
# The jobs read these from the environment sbatch copies at submission (--export=ALL,
# its default), which keeps spaces and commas in the run flags intact.
export FASTLAKARE_BIN="$bin" FASTLAKARE_CONFIG="$config" FASTLAKARE_OUT="$out" \
  FASTLAKARE_SHARDS="$n" FASTLAKARE_ARGS="$*" FASTLAKARE_MERGE_ARGS="${FASTLAKARE_MERGE_ARGS:-}"
logs="$out.shards/logs"
mkdir -p "$logs"
# shellcheck disable=SC2086  # SBATCH_ARGS is a list of flags
array=$(sbatch --parsable --export=ALL ${SBATCH_ARGS:-} --array="1-$n" --chdir="$PWD" \
  --output="$logs/shard-%a.log" \
  "$here/shard.sbatch")
array=${array%%;*}
echo "shards: job $array (array 1-$n) -> $out.shards/"
# shellcheck disable=SC2086
merge=$(sbatch --parsable --export=ALL ${SBATCH_ARGS:-} "${wait[@]}" --dependency="afterok:$array" \
  --kill-on-invalid-dep=yes --chdir="$PWD" --output="$logs/merge.log" \
  "$here/merge.sbatch")
merge=${merge%%;*}
echo "merge:  job $merge (after all shards succeed) -> $out"
if [ ${#wait[@]} -gt 0 ]; then
  # sbatch --wait exits 0 when a job is cancelled before it starts (as the merge is when a
  # shard fails), so the job's final state decides.
  state=$(scontrol show job -o "$merge" 2>/dev/null | grep -o 'JobState=[A-Z_]*' || true)
  echo "merge:  ${state:-JobState=unknown}"
  [ "$state" = JobState=COMPLETED ] || exit 1
fi
