// The core's two speed goals: matmul forward + backward near BLAS speed, and a small per-op
// overhead of the graph itself. Run: build/release/bench/bench_core (OPENBLAS_NUM_THREADS=1 for
// one thread). Compare the ratios, not the absolute times: the machines are shared.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <random>
#include <xgrad/core/detail/small_gemm.hpp>
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

// The small gemm behind matmul and linear (core/detail/small_gemm.hpp) against cblas_sgemm, the pairs
// with the same arguments: layout (0: A B, 1: A Bᵀ, 2: Aᵀ B), m, n, k. The skinny products of the
// Fashion-MNIST models, then shapes at the edges of the rule in small_gemm_wins, which this
// reproduces: OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 build/ha/bench/bench_core
// --benchmark_filter=Skinny. The small gemm runs whichever path the CPU takes (AVX-512 or not).
template <bool kSmall>
void BM_SkinnyGemm(benchmark::State& state) {
  const int layout = int(state.range(0));
  const auto m = std::size_t(state.range(1)), n = std::size_t(state.range(2)), k = std::size_t(state.range(3));
  const bool ta = layout == 2, tb = layout == 1;
  std::mt19937 gen(0);
  std::normal_distribution<float> normal;
  std::vector<float> a(m * k), b(k * n), c(m * n);
  for (float& x : a) x = normal(gen);
  for (float& x : b) x = normal(gen);
  for (auto _ : state) {
    if (kSmall)
      xg::detail::small_sgemm(ta, tb, m, n, k, a.data(), b.data(), 0.0f, c.data());
    else
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m), int(n), int(k),
                  1.0f, a.data(), int(ta ? m : k), b.data(), int(tb ? k : n), 0.0f, c.data(), int(n));
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * double(m) * double(n) * double(k) / 1e9, kRate);
}
void skinny_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"layout", "m", "n", "k"});
  for (auto s : std::vector<std::vector<std::int64_t>>{{1, 128, 10, 784},
                                                       {2, 10, 784, 128},
                                                       {0, 128, 784, 10},  // softmax regression: y, dW, (dx)
                                                       {1, 128, 10, 256},
                                                       {2, 10, 256, 128},
                                                       {0, 128, 256, 10},  // the MLP's second layer
                                                       {1, 128, 16, 256},
                                                       {1, 128, 16, 128},
                                                       {1, 64, 10, 784},
                                                       {1, 128, 128, 10},  // A Bᵀ edges
                                                       {2, 32, 256, 256},
                                                       {2, 64, 256, 256},
                                                       {0, 10, 64, 784},
                                                       {0, 16, 2048, 2048}})  // op(A) B edges
    b->Args(s);
}
BENCHMARK_TEMPLATE(BM_SkinnyGemm, true)->Apply(skinny_shapes)->Unit(benchmark::kMicrosecond);
BENCHMARK_TEMPLATE(BM_SkinnyGemm, false)->Apply(skinny_shapes)->Unit(benchmark::kMicrosecond);

}  // namespace
