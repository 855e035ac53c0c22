// The core's two speed goals: matmul forward + backward near BLAS speed, and a small per-op
// overhead of the graph itself. Run: build/release/bench/bench_core (OPENBLAS_NUM_THREADS=1 for
// one thread). Compare the ratios, not the absolute times: the machines are shared.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <xgrad/xgrad.hpp>

namespace xg = xgrad;

namespace {

constexpr auto kRate = benchmark::Counter::kIsIterationInvariantRate;

// C = A B, then the two backward products dA = dC Bᵀ and dB = Aᵀ dC, through xgrad.
void BM_MatmulForwardBackward(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  xg::manual_seed(0);
  xg::Tensor a = xg::randn({n, n}).requires_grad_(), b = xg::randn({n, n}).requires_grad_();
  const xg::Tensor dc = xg::randn({n, n});
  for (auto _ : state) {
    a.set_grad({});
    b.set_grad({});
    xg::matmul(a, b).backward(dc);
    benchmark::DoNotOptimize(b.grad().data<float>().data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(3 * 2.0 * n * n * n / 1e9, kRate);
}
BENCHMARK(BM_MatmulForwardBackward)->Arg(1024)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same three products, calling cblas_sgemm directly on preallocated buffers.
void BM_CblasThreeGemms(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  xg::manual_seed(0);
  xg::Tensor a = xg::randn({std::size_t(n), std::size_t(n)}), b = xg::randn({std::size_t(n), std::size_t(n)});
  xg::Tensor dc = xg::randn({std::size_t(n), std::size_t(n)});
  std::vector<float> c(std::size_t(n) * n), da(c.size()), db(c.size());
  const float *pa = a.data<float>().data(), *pb = b.data<float>().data(), *pdc = dc.data<float>().data();
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, pa, n, pb, n, 0, c.data(), n);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1, pdc, n, pb, n, 0, da.data(), n);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, n, 1, pa, n, pdc, n, 0, db.data(), n);
    benchmark::DoNotOptimize(db.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(3 * 2.0 * n * n * n / 1e9, kRate);
}
BENCHMARK(BM_CblasThreeGemms)->Arg(1024)->Unit(benchmark::kMillisecond)->UseRealTime();

// 500 x (x = x * 1.0001 + 0.001; x = tanh(x)) on a 4x4 tensor — 1,500 ops — then sum and
// backward. "per_op" is the time of one op's forward and backward together.
void BM_SmallOpOverhead(benchmark::State& state) {
  xg::manual_seed(0);
  xg::Tensor x0 = xg::randn({4, 4}).requires_grad_();
  for (auto _ : state) {
    xg::Tensor x = x0;
    for (int i = 0; i < 500; ++i) x = xg::tanh(x * 1.0001 + 0.001);
    x.sum().backward();
    benchmark::DoNotOptimize(x0.grad().data<float>().data());
    x0.set_grad({});
  }
  state.counters["per_op"] = benchmark::Counter(1500, kRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_SmallOpOverhead)->Unit(benchmark::kMicrosecond);

// The same chain on a (1024, 1024) tensor: here the elementwise loops dominate, which is where
// xsimd (XGRAD_USE_XSIMD) and -march=native pay off.
void BM_LargeElementwise(benchmark::State& state) {
  xg::manual_seed(0);
  xg::Tensor x0 = xg::randn({1024, 1024}).requires_grad_();
  for (auto _ : state) {
    xg::Tensor x = xg::tanh(x0 * 1.0001 + 0.001);
    x.sum().backward();
    benchmark::DoNotOptimize(x0.grad().data<float>().data());
    x0.set_grad({});
  }
}
BENCHMARK(BM_LargeElementwise)->Unit(benchmark::kMillisecond);

}  // namespace
