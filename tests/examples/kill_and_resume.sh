#!/usr/bin/env bash
# Kill-and-resume and determinism for one training example (issue 9):
#   kill_and_resume.sh WORKDIR EXAMPLE [ARGS...]
# 1. runs EXAMPLE ARGS to the end, twice with one BLAS thread and once with two: the final
#    checkpoints (model, optimizer, RNG, counters) and the loss columns of metrics.csv must be
#    bit-identical across the three;
# 2. runs it again with --checkpoint-every, SIGKILLs it after its KILL_AFTER-th checkpoint line,
#    then reruns it with --resume: the final checkpoint must equal the uninterrupted run's,
#    tensor for tensor, bit for bit (wall-clock times aside).
# EXAMPLE must accept --out DIR, --checkpoint-every N and --resume, and write DIR/checkpoint.safetensors
# and DIR/metrics.csv. CHECKPOINT_EVERY (default 1) sets how often the killed run saves.
set -euo pipefail
work=$1
shift
example=("$@")
every=${CHECKPOINT_EVERY:-1}
rm -rf "$work"
mkdir -p "$work"

run() {  # run THREADS DIR [extra args]: one full run, its output in DIR/log
  local threads=$1 dir=$2
  shift 2
  mkdir -p "$dir"
  OPENBLAS_NUM_THREADS=$threads "${example[@]}" --out "$dir" "$@" >"$dir/log" 2>&1 ||
    { echo "FAIL: run in $dir exited $?"; tail -20 "$dir/log"; exit 1; }
}

# The loss columns of metrics.csv (every column whose header mentions loss or map or accuracy);
# time columns differ from run to run by nature.
losses() {
  python3 - "$1" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
keep = [i for i, h in enumerate(rows[0]) if any(k in h.lower() for k in ("loss", "map", "acc", "norm", "weight", "bias"))]
if not keep:
    sys.exit(f"{sys.argv[1]}: no loss column in {rows[0]}")
for r in rows:
    print(",".join(r[i] for i in keep))
PY
}

same() {  # same WHAT FILE_A FILE_B: byte-identical files
  if ! cmp -s "$2" "$3"; then
    echo "FAIL: $1 differ: $2 vs $3"
    diff "$2" "$3" | head -5 || true
    exit 1
  fi
  echo "ok: $1 identical"
}

# same_checkpoint WHAT A B: every tensor of two safetensors files bit-identical, except wall-clock
# times (names with "seconds" or "time"), which a checkpoint keeps for the resumed run's report.
same_checkpoint() {
  python3 "$(dirname "$0")/same_checkpoint.py" "$@" || exit 1
}

run 1 "$work/a"
run 1 "$work/b"
run 2 "$work/c"
same_checkpoint "checkpoints of two runs" "$work/a/checkpoint.safetensors" "$work/b/checkpoint.safetensors"
same_checkpoint "checkpoints with 1 and 2 BLAS threads" "$work/a/checkpoint.safetensors" "$work/c/checkpoint.safetensors"
for r in a b c; do losses "$work/$r/metrics.csv" >"$work/$r/losses"; done
same "losses of two runs" "$work/a/losses" "$work/b/losses"
same "losses with 1 and 2 BLAS threads" "$work/a/losses" "$work/c/losses"

# The killed run: started in the background and killed with SIGKILL as soon as it has printed
# KILL_AFTER (default 2) lines about checkpoints, so mid-training and perhaps mid-save (saves are
# atomic: a temporary file renamed over the last one).
killed=$work/killed
mkdir -p "$killed"
OPENBLAS_NUM_THREADS=1 "${example[@]}" --out "$killed" --checkpoint-every "$every" >"$killed/log" 2>&1 &
pid=$!
for _ in $(seq 1 30000); do
  (($(grep -c -i checkpoint "$killed/log" || true) >= ${KILL_AFTER:-2})) && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.01
done
if ! kill -KILL $pid 2>/dev/null; then
  echo "FAIL: the run ended before it could be killed; give it more work"
  exit 1
fi
wait $pid 2>/dev/null || true
[[ -e "$killed/checkpoint.safetensors" ]] || { echo "FAIL: killed before any checkpoint"; exit 1; }
echo "killed pid $pid after: $(grep -c checkpoint "$killed/log" || true) checkpoint lines; resuming"
OPENBLAS_NUM_THREADS=1 "${example[@]}" --out "$killed" --checkpoint-every "$every" --resume >"$killed/resume.log" 2>&1 ||
  { echo "FAIL: --resume exited $?"; tail -20 "$killed/resume.log"; exit 1; }
grep -m1 -i "resum" "$killed/resume.log" || true
same_checkpoint "final checkpoints of the killed-and-resumed and the uninterrupted run" "$work/a/checkpoint.safetensors" \
  "$killed/checkpoint.safetensors"
echo "PASS"
