#!/bin/bash
# Alternates compare_xgrad of two builds: A B A B ... per round, for threads 1 and 2.
# usage: alt_compare.sh OUT.jsonl ROUNDS WORKLOADS nameA binA nameB binB
out=$1; rounds=$2; wl=$3; na=$4; ba=$5; nb=$6; bb=$7
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Zen}
for r in $(seq 1 $rounds); do
  for t in 1 2; do
    for pair in "$na $ba" "$nb $bb"; do
      set -- $pair
      echo "# round $r threads $t $1 $(uptime)" >&2
      nice -n 19 $2 --workloads $wl --threads $t --repetitions 7 --seconds 0.3 \
        | sed "s/^{/{\"rev\": \"$1\", \"round\": $r, \"uptime\": \"$(uptime | sed 's/.*load average: //')\", /" >> $out
    done
  done
done
