#!/usr/bin/env bash
# A training under mpirun (issue 22): data parallel on 2 ranks, printing from rank 0 only; a rank
# killed with SIGKILL mid-run ends the job, and --resume on 2 ranks ends bit for bit where an
# uninterrupted 2-rank run does; a resume on another world size is refused naming both; one rank
# under mpirun is the single-process program, bit for bit.
#   data_parallel.sh WORKDIR MPIRUN EXAMPLE [ARGS...]
work=$1 mpirun=$2 bin=$3
shift 3
args=("$@")
source "$(dirname "$0")/lib.sh"
rm -rf "$work" && mkdir -p "$work"
export OPENBLAS_NUM_THREADS=1  # one BLAS thread per rank: two ranks on two cores
mpi=("$mpirun" --allow-run-as-root --oversubscribe)

# same_checkpoint WHAT A B: every tensor bit-identical, wall-clock times ("seconds", "time") aside.
same_checkpoint() {
  python3 "$(dirname "$0")/same_checkpoint.py" "$@" || failures=$((failures + 1))
}

# 1. Two ranks to the end; rank 0 alone prints (one line per epoch).
expect 0 "data parallel: 2 ranks" "${mpi[@]}" -np 2 "$bin" --out "$work/a" "${args[@]}" || finish
lines=$(grep -c "^epoch " "$work/last.out")
[[ $(grep -c "^BLAS: " "$work/last.out") == 1 ]] ||
  { echo "FAIL: more than rank 0 printed ($lines epoch lines)"; failures=$((failures + 1)); }

# 2. Killed mid-run (a rank, SIGKILL), then resumed on 2 ranks.
k=$work/killed
mkdir -p "$k"
"${mpi[@]}" -np 2 "$bin" --out "$k" "${args[@]}" --checkpoint-every 1 >"$k/log" 2>&1 &
pid=$!
for _ in $(seq 1 3000); do
  (($(grep -c "checkpoint" "$k/log" || true) >= 3)) && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.01
done
ranks=$(ps -o pid= --ppid $pid | tr -d ' ')
victim=$(echo "$ranks" | tail -1)
if [[ -z $victim ]] || ! kill -KILL "$victim" 2>/dev/null; then
  echo "FAIL: no rank to kill (the run ended first?)"
  failures=$((failures + 1))
fi
start=$SECONDS
wait $pid
code=$?
((code != 0)) || { echo "FAIL: the job went on after a rank was killed"; failures=$((failures + 1)); }
((SECONDS - start < 30)) || { echo "FAIL: the job took $((SECONDS - start)) s to end"; failures=$((failures + 1)); }
echo "ok: killed rank pid $victim after $(grep -c checkpoint "$k/log") checkpoint lines; mpirun exited $code"
expect 0 "resumed from $k/checkpoint.safetensors" "${mpi[@]}" -np 2 "$bin" --out "$k" "${args[@]}" --resume
same_checkpoint "2 ranks killed and resumed vs uninterrupted" "$work/a/checkpoint.safetensors" "$k/checkpoint.safetensors"

# 3. Another world size: refused, naming both.
cp -r "$work/a" "$work/other"
expect 2 "mpirun -np 1: the checkpoint $work/other/checkpoint.safetensors is of a run with mpirun -np 2" \
  "$bin" --out "$work/other" "${args[@]}" --resume
expect 2 "mpirun -np 3: the checkpoint $work/other/checkpoint.safetensors is of a run with mpirun -np 2" \
  "${mpi[@]}" -np 3 "$bin" --out "$work/other" "${args[@]}" --resume

# 4. One rank under mpirun is the single-process program.
expect 0 "" "${mpi[@]}" -np 1 "$bin" --out "$work/one" "${args[@]}"
expect 0 "" "$bin" --out "$work/plain" "${args[@]}"
same_checkpoint "1 rank under mpirun vs no mpirun" "$work/one/checkpoint.safetensors" "$work/plain/checkpoint.safetensors"
finish
