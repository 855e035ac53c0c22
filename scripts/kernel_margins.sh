#!/usr/bin/env bash
# The margin of every training-threshold test under each OpenBLAS kernel this CPU can run
# (the CPU's own choice, Prescott, Haswell, and SkylakeX where there is AVX-512), with 1 and 2
# threads, over N seeds (tests/common/margins.hpp):
#
#   bash scripts/kernel_margins.sh [SEEDS=5] [BUILD_DIR=build/release]
#
# Prints, per test and value, the worst seed's value under each kernel, next to the threshold;
# the raw lines go to BUILD_DIR/kernel_margins.txt (MARGINS_SUMMARY_ONLY=1 summarises that file again).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seeds=${1:-5}
build=${2:-build/release}
filter='TinyYoloTrainer.LossFalls:TinyYoloTrainer.OverfitsEightImages:Classifiers.EachReallyTrains:'
filter+='Classifiers.SoftmaxRegressionLearnsFashionMnist:LinearRegressionTrainer.GradientDescentReachesTheClosedForm'
kernels=("" Prescott Haswell)
grep -qw avx512f /proc/cpuinfo && kernels+=(SkylakeX)
raw=$build/kernel_margins.txt
[ -n "${MARGINS_SUMMARY_ONLY:-}" ] || : >"$raw"
[ -n "${MARGINS_SUMMARY_ONLY:-}" ] && kernels=()
for k in "${kernels[@]}"; do
  for threads in 1 2; do
    echo "kernel_margins: kernels ${k:-as loaded}, $threads thread(s), $seeds seeds" >&2
    env ${k:+OPENBLAS_CORETYPE=$k} OPENBLAS_NUM_THREADS=$threads XGRAD_MARGIN_SEEDS=$seeds \
      "$build/tests/test_models" --gtest_filter="$filter" | grep '^margin:' >>"$raw" || true
  done
done
/usr/bin/python3 - "$raw" <<'EOF'
import collections, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = [x.strip() for x in line[len("margin:"):].split("|")]
    test, what, (seed, kernels, threads, value, threshold) = f[0], "|".join(f[1:-5]), f[-5:]
    rows[(test, what, float(threshold.split()[1]))].append((kernels.split()[1], threads.split()[1], seed.split()[1], float(value.split()[1])))
print("| test | value | threshold | worst under each kernel (1 and 2 threads, all seeds) | seeds x runs |")
print("|---|---|---|---|---|")
for (test, what, thr), vals in rows.items():
    # Which side is good: thresholds below 1 that are upper bounds are marked by the test's name.
    lower_is_better = any(w in what for w in ("last/first", "grad norm", "distance"))
    per = collections.defaultdict(list)
    for k, t, s, v in vals:
        per[k].append(v)
    worst = {k: (max(v) if lower_is_better else min(v)) for k, v in per.items()}
    cells = ", ".join(f"{k} {w:.4g}" for k, w in worst.items())
    print(f"| {test} | {what} | {'<' if lower_is_better else '>'} {thr:g} | {cells} | {len(vals)} |")
EOF
