#!/usr/bin/env bash
# Issue 22's fault test: rank 1 of a 2-rank data-parallel training dies by SIGKILL at step 50.
# The job must end (no rank left waiting in an allreduce) within 30 s, with a non-zero exit
# code and a message naming the lost rank. Usage: kill_rank.sh MPIRUN WORKER
set -uo pipefail
mpirun=$1 worker=$2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s%N)
timeout 60 "$mpirun" --allow-run-as-root --oversubscribe -np 2 "$worker" 100000 1 50 >"$log" 2>&1
rc=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
elapsed="$((elapsed_ms / 1000)).$(printf %03d $((elapsed_ms % 1000)))"
cat "$log"
echo "kill_rank: exit code $rc after ${elapsed} s"
fail() { echo "kill_rank: FAILED: $*"; exit 1; }
((rc == 124)) && fail "the job hung: timeout killed it after 60 s"
((rc != 0)) || fail "the job exited 0 although rank 1 was killed"
((elapsed_ms < 30000)) || fail "the job took ${elapsed} s to end (limit 30 s)"
grep -q "rank 1 kills itself at step 50" "$log" || fail "rank 1 never reached step 50"
grep -Eq "process rank 1 .*signal 9" "$log" || fail "no message names the lost rank 1 and its signal"
grep -q "finished" "$log" && fail "rank 0 claims to have finished"
echo "kill_rank: ok: the job ended in ${elapsed} s naming rank 1"
