#!/bin/sh
# Times the tiny-YOLO conv stack (forward + backward) in xgrad and in PyTorch on this machine, in
# the same run, with 1 and 2 threads, and prints xgrad's time over PyTorch's (below 1: faster).
#
#   bench/compare_conv.sh [BUILD_DIR] [ROUNDS]   (default build/release and 3; BUILD_DIR needs
#                                                 -DXGRAD_BUILD_BENCH=ON and bench_conv built)
#
# Each side runs 8 repetitions of about 0.3 s per round, rounds alternating between the two, and
# keeps its best repetition: on a shared machine the minimum is the time least disturbed by
# other work. With one thread the process CPU times are compared too; a busy machine disturbs
# them least. xgrad's thread count is OPENBLAS_NUM_THREADS (conv2d shares OpenBLAS's setting).
#
# Debian's PyTorch calls the system OpenBLAS (libblas.so.3) too, so both sides run with
# OPENBLAS_NUM_THREADS set to the thread count: left unset, OpenBLAS would use every core even
# under torch.set_num_threads(1). Half of xgrad's time is OpenBLAS's sgemm, and OpenBLAS 0.3.21
# does not know AVX-512 CPUs newer than it (AMD Zen 4 and 5): it picks its AVX2 Haswell kernels
# there. OPENBLAS_CORETYPE=SkylakeX selects its AVX-512 kernels, for both sides; the first line
# printed names the kernels in use.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build/release}
rounds=${2:-3}
bench=$build/bench/bench_conv
[ -x "$bench" ] || { echo "no $bench: configure with -DXGRAD_BUILD_BENCH=ON and build bench_conv" >&2; exit 1; }

xgrad_once() {  # prints "real_ms cpu_ms" of the best repetitions
  OPENBLAS_NUM_THREADS=$1 "$bench" --benchmark_filter='^BM_TinyYoloConvStack/' --benchmark_min_time=0.3 \
    --benchmark_repetitions=8 --benchmark_format=json 2>/dev/null |
    /usr/bin/python3 -c 'import json, sys
rows = [r for r in json.load(sys.stdin)["benchmarks"] if r.get("run_type") == "iteration"]
print(min(r["real_time"] for r in rows), min(r["cpu_time"] for r in rows))'
}
torch_once() {  # the same from PyTorch, whose BLAS calls go to the same OpenBLAS
  OPENBLAS_NUM_THREADS=$1 /usr/bin/python3 "$here/conv_torch.py" --threads "$1" | sed 's/.*min_ms=\([0-9.]*\).*cpu_ms=\([0-9.]*\).*/\1 \2/'
}
min() { echo "$1 $2" | awk '{print ($1 < $2) ? $1 : $2}'; }
ratio() { echo "$1 $2" | awk '{printf "%.2f", $1 / $2}'; }

echo "OpenBLAS kernels: $(OPENBLAS_VERBOSE=2 "$bench" --benchmark_filter=none 2>&1 | sed -n 's/^Core: //p')"
printf '%-8s %10s %10s %7s %11s %11s %7s\n' threads xgrad_ms torch_ms ratio xgrad_cpu torch_cpu ratio
for threads in 1 2; do
  x=1e9 t=1e9 xc=1e9 tc=1e9
  i=0
  while [ "$i" -lt "$rounds" ]; do
    r=$(xgrad_once "$threads")
    x=$(min "$x" "${r% *}") xc=$(min "$xc" "${r#* }")
    r=$(torch_once "$threads")
    t=$(min "$t" "${r% *}") tc=$(min "$tc" "${r#* }")
    i=$((i + 1))
  done
  if [ "$threads" = 1 ]; then
    printf '%-8s %10.3f %10.3f %7s %11.3f %11.3f %7s\n' 1 "$x" "$t" "$(ratio "$x" "$t")" "$xc" "$tc" "$(ratio "$xc" "$tc")"
  else  # xgrad's CPU time is its main thread's, PyTorch's all threads': not comparable
    printf '%-8s %10.3f %10.3f %7s\n' "$threads" "$x" "$t" "$(ratio "$x" "$t")"
  fi
done
