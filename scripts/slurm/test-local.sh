#!/usr/bin/env bash
# The Slurm path proven on a real one-node Slurm cluster (slurmctld + slurmd + munge on
# this machine, as ../shared/recipes/local-slurm.md sets up): submit.sh runs a scenario
# config as N = 3 array tasks and a dependent merge, and the merged folder must equal an
# unsharded run with the same seed, byte for byte (summary, bands, runs), with its charts.
# Then a failing shard must keep the merge from running. CI runs this (.ci/run).
#
#   scripts/slurm/test-local.sh        (root; installs nothing: .ci/run installs
#                                       slurm-wlm and munge first)
#
# Daemons this script starts it stops again, by their process ids; daemons already
# running are used and left alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in sbatch slurmctld slurmd munged; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
    echo "test-local.sh: $tool is missing (apt-get install slurm-wlm munge)" >&2; exit 2; }
done
cargo build --release --quiet
bin=$PWD/target/release/fastlakare
work=$(mktemp -d /tmp/fastlakare-slurm.XXXXXX)
started=()
cleanup() {
  local rc=$?
  if [ ${#started[@]} -gt 0 ]; then
    for d in "${started[@]}"; do
      case $d in
        slurm) scontrol shutdown >/dev/null 2>&1 || true ;;
        munged:*) kill "${d#munged:}" 2>/dev/null || true ;;
      esac
    done
  fi
  if [ $rc -ne 0 ]; then
    echo "--- slurm logs (last lines) ---" >&2
    tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log 2>/dev/null >&2 || true
    find "$work" -name '*.log' -exec tail -n 20 {} + >&2 2>/dev/null || true
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT

# --- a one-node cluster, as in the recipe --------------------------------------------
if ! pgrep -x munged >/dev/null; then
  mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
  [ -f /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
  chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
  chmod 400 /etc/munge/munge.key
  runuser -u munge -- /usr/sbin/munged
  sleep 0.5
  started+=("munged:$(pgrep -x munged | head -n1)")
fi
if ! pgrep -x slurmctld >/dev/null; then
  H=$(hostname -s); C=$(nproc)
  mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
  if [ ! -f /etc/slurm/slurm.conf ]; then
    cat > /etc/slurm/slurm.conf <<CONF
ClusterName=local
SlurmctldHost=$H(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
NodeName=$H NodeAddr=127.0.0.1 CPUs=$C RealMemory=4000 State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
  fi
  /usr/sbin/slurmctld
  pgrep -x slurmd >/dev/null || /usr/sbin/slurmd
  started+=(slurm)
fi
for _ in $(seq 1 60); do
  sinfo -h -o %T 2>/dev/null | grep -qx idle && break
  sleep 0.5
done
sinfo -h -o %T | grep -qx idle || { echo "test-local.sh: the Slurm node never became idle" >&2; sinfo >&2; exit 1; }
echo "slurm: $(sinfo -h -o '%P %D %T %c cpus')"

# --- N = 3 shards and a merge through Slurm vs one unsharded run ---------------------
# 2 500 runs: three shards of 834/833/833 runs, so the slices are uneven and each
# crosses no chunk boundary the unsharded run has, plus both scenarios of the config.
# The absolute path, as submit.sh passes it: the config path is part of the provenance
# each Parquet file carries in its metadata.
config=$PWD/configs/scenarios.toml
flags=(--runs 2500 --seed 20261124)
"$bin" run "$config" "${flags[@]}" --quiet --no-charts --out "$work/direct"
FASTLAKARE_BIN=$bin SBATCH_ARGS="--cpus-per-task=1" \
  scripts/slurm/submit.sh --wait "$config" 3 "$work/merged" -- "${flags[@]}"
for k in 1 2 3; do
  [ -f "$work/merged.shards/$k-of-3/shard.json" ] || { echo "shard $k/3 missing" >&2; exit 1; }
done
for f in summary.parquet summary.csv bands.parquet ages.parquet runs.parquet; do
  cmp "$work/direct/$f" "$work/merged/$f"
  echo "same bytes: $f"
done
ls "$work/merged/charts" | grep -q '\.png$' || { echo "the merge wrote no charts" >&2; exit 1; }

# --- a failing shard: the merge must never run -----------------------------------------
if FASTLAKARE_BIN=$bin SBATCH_ARGS="--cpus-per-task=1" \
  scripts/slurm/submit.sh --wait "$config" 3 "$work/broken" -- --runs 0 \
  >"$work/broken.out" 2>&1; then
  echo "a merge ran after failed shards" >&2; cat "$work/broken.out" >&2; exit 1
fi
[ ! -e "$work/broken" ] || { echo "failed shards left a merged folder" >&2; exit 1; }
grep -q "runs must be at least 1" "$work/broken.shards/logs/shard-1.log" || {
  echo "the shards failed for another reason than the one given" >&2; exit 1; }
echo "failed shards: merge cancelled ($(grep -o 'JobState=[A-Z_]*' "$work/broken.out")), nothing written"
echo "slurm test passed"
