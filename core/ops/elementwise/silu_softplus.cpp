// The smooth activations SiLU and softplus.
#include <xsimd/xsimd.hpp>
#include <xtensor/xmath.hpp>

#include "xgrad/core/detail/kernels.hpp"
#include "xgrad/core/detail/parallel.hpp"
#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/elementwise.hpp"

namespace xgrad {

namespace {
// Below two pieces of this many elements, waking a worker costs more than it saves.
constexpr std::size_t kParallelGrain = 16384;
}  // namespace

// Elementwise loops over SIMD batches, split over the worker threads (core/parallel): on tiny
// YOLO, SiLU was a tenth of the step, and with 2 threads it ran on one while the other waited.
Tensor silu(const Tensor& x) {
  return visit_float("silu", x, [&]<class T>(const xt::xarray<T>& a) {
    using Batch = xsimd::batch<T>;
    xt::xarray<T> y = xt::empty<T>(a.shape());
    detail::parallel_ranges(a.size(), kParallelGrain, [&](std::size_t begin, std::size_t end) {
      kernels::simd_map(
          begin, end, y.data(), [](Batch v) { return v / (Batch(T(1)) + xsimd::exp(-v)); }, a.data());
    });
    return record<T>("silu", std::move(y), {x}, [](const Backward<T>& b) {
      // d/dx x σ(x) = σ(x) (1 + x (1 − σ(x))), σ computed once per element and kept in a register
      // (an xtensor expression evaluates it twice: two exps, two divisions).
      xt::xarray<T> dx = xt::empty<T>(b.grad.shape());
      detail::parallel_ranges(dx.size(), kParallelGrain, [&](std::size_t begin, std::size_t end) {
        kernels::simd_map(
            begin, end, dx.data(),
            [](Batch v, Batch g) {
              const Batch s = Batch(T(1)) / (Batch(T(1)) + xsimd::exp(-v));
              return g * s * (Batch(T(1)) + v * (Batch(T(1)) - s));
            },
            b.input(0).data(), b.grad.data());
      });
      b.add(0, std::move(dx));
    });
  });
}

Tensor softplus(const Tensor& x, double beta, double threshold) {
  if (!(beta > 0)) fail("softplus", "beta must be positive, got ", beta);
  return visit_float("softplus", x, [&]<class T>(const xt::xarray<T>& a) {
    const T bt = static_cast<T>(beta), th = static_cast<T>(threshold);
    // Above the threshold log1p(exp(z)) == z to working precision, and exp(z) may overflow.
    return record<T>("softplus", xt::where(a * bt > th, a, xt::log1p(xt::exp(a * bt)) / bt), {x},
                     [bt, th](const Backward<T>& b) {
                       const auto& a = b.input(0);
                       const auto z = xt::exp(a * bt);
                       b.add(0, xt::where(a * bt > th, b.grad, b.grad * z / (z + T(1))));
                     });
  });
}

}  // namespace xgrad
