#!/bin/bash
# Alternates two Google Benchmark binaries: A B A B ..., each --benchmark_repetitions=5, JSON out.
# usage: alt_gbench.sh OUTDIR ROUNDS nameA binA nameB binB
out=$1; rounds=$2; na=$3; ba=$4; nb=$5; bb=$6
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Zen}
mkdir -p $out
for r in $(seq 1 $rounds); do
  for pair in "$na $ba" "$nb $bb"; do
    set -- $pair
    echo "# round $r $1 $(uptime)" >&2
    nice -n 19 $2 --benchmark_repetitions=5 --benchmark_format=json --benchmark_out_format=json \
      --benchmark_out=$out/$1_$r.json > /dev/null
  done
done
