// The smooth activations SiLU and softplus.
#include <algorithm>
#include <array>
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

// y[i] = x[i] σ(x[i]) and, if s is not null, s[i] = σ(x[i]) for i in [begin, end), over SIMD
// batches (a partial last one zero-padded, as kernels::simd_map): y = x / e and σ = 1 / e with
// e = 1 + exp(-x), the expressions the forward and the backward always used.
template <class T>
void silu_map(std::size_t begin, std::size_t end, const T* x, T* y, T* s) {
  using Batch = xsimd::batch<T>;
  const auto one = [](Batch v, T* out_y, T* out_s) {
    const Batch e = Batch(T(1)) + xsimd::exp(-v);
    (v / e).store_unaligned(out_y);
    if (out_s) (Batch(T(1)) / e).store_unaligned(out_s);
  };
  std::size_t i = begin;
  for (; i + Batch::size <= end; i += Batch::size) one(Batch::load_unaligned(x + i), y + i, s ? s + i : nullptr);
  if (i == end) return;
  std::array<T, Batch::size> in{}, out_y, out_s;
  std::copy(x + i, x + end, in.begin());
  one(Batch::load_unaligned(in.data()), out_y.data(), s ? out_s.data() : nullptr);
  std::copy(out_y.begin(), out_y.begin() + (end - i), y + i);
  if (s) std::copy(out_s.begin(), out_s.begin() + (end - i), s + i);
}

// Elementwise loops over SIMD batches, split over the worker threads (core/parallel): on tiny
// YOLO, SiLU was a tenth of the step, and with 2 threads it ran on one while the other waited.
// When a graph is built, the forward keeps σ(x) for the backward, which then needs no exp and
// no division: one more division and store in the forward, the backward's exp and division
// saved (tiny YOLO's SiLU forward + backward 1.4x faster at the same bits).
Tensor silu(const Tensor& x) {
  return visit_float("silu", x, [&]<class T>(const xt::xarray<T>& a) {
    using Batch = xsimd::batch<T>;
    const bool keep = is_grad_enabled() && x.requires_grad();
    xt::xarray<T> y = xt::empty<T>(a.shape());
    xt::xarray<T> sig = keep ? xt::xarray<T>(xt::empty<T>(a.shape())) : xt::xarray<T>();
    detail::parallel_ranges(a.size(), kParallelGrain, [&](std::size_t begin, std::size_t end) {
      silu_map(begin, end, a.data(), y.data(), keep ? sig.data() : nullptr);
    });
    return record<T>("silu", std::move(y), {x}, [sig = std::move(sig)](const Backward<T>& b) {
      // d/dx x σ(x) = σ(x) (1 + x (1 − σ(x))).
      xt::xarray<T> dx = xt::empty<T>(b.grad.shape());
      detail::parallel_ranges(dx.size(), kParallelGrain, [&](std::size_t begin, std::size_t end) {
        kernels::simd_map(
            begin, end, dx.data(),
            [](Batch v, Batch g, Batch s) { return g * s * (Batch(T(1)) + v * (Batch(T(1)) - s)); }, b.input(0).data(),
            b.grad.data(), sig.data());
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
