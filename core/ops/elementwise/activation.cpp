#include <algorithm>
#include <xsimd/xsimd.hpp>
#include <xtensor/xmath.hpp>

#include "xgrad/core/detail/kernels.hpp"
#include "xgrad/core/detail/parallel.hpp"
#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/elementwise.hpp"

namespace xgrad {

namespace {
template <class Forward, class Grad>
Tensor unary(const char* op, const Tensor& x, Forward forward, Grad grad) {
  return visit_float(op, x, [&]<class T>(const xt::xarray<T>& a) {
    return record<T>(op, forward(a), {x},
                     [grad](const Backward<T>& b) { b.add(0, grad(b.grad, b.input(0), b.output())); });
  });
}

// Below two pieces of this many elements, waking a worker costs more than it saves.
constexpr std::size_t kParallelGrain = 16384;

using kernels::max_dim;
using kernels::sum_dim;
}  // namespace

Tensor sigmoid(const Tensor& x) {
  return unary(
      "sigmoid", x, [](const auto& a) { return 1 / (1 + xt::exp(-a)); },
      [](const auto& dy, const auto&, const auto& y) { return dy * (1 - y) * y; });
}

Tensor tanh(const Tensor& x) {
  return unary(
      "tanh", x, [](const auto& a) { return xt::tanh(a); },
      [](const auto& dy, const auto&, const auto& y) { return dy * (1 - y * y); });
}

Tensor relu(const Tensor& x) {
  // where(a > 0, a, 0) is what maximum(a, 0) computes (a NaN gives 0), but xsimd vectorizes it;
  // maximum against zeros_like(a) ran element by element, 40x slower.
  return visit_float("relu", x, [&]<class T>(const xt::xarray<T>& a) {
    return record<T>("relu", xt::where(a > T(0), a, T(0)), {x},
                     [](const Backward<T>& b) { b.add(0, xt::where(b.output() > T(0), b.grad, T(0))); });
  });
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return visit_float("leaky_relu", x, [&]<class T>(const xt::xarray<T>& a) {
    const T s = static_cast<T>(negative_slope);
    return record<T>("leaky_relu", xt::where(a > 0, a, a * s), {x},
                     [s](const Backward<T>& b) { b.add(0, xt::where(b.input(0) > 0, b.grad, b.grad * s)); });
  });
}

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

Tensor softmax(const Tensor& x, std::int64_t dim) {
  return visit_float("softmax", x, [&]<class T>(const xt::xarray<T>& a) {
    const std::size_t d = normalize_dim("softmax", dim, a.dimension());
    xt::xarray<T> e = xt::exp(a - max_dim(a, d));
    xt::xarray<T> y = e / sum_dim(e, d);
    return record<T>("softmax", std::move(y), {x}, [d](const Backward<T>& b) {
      // dx = y (dy − Σ dy·y)
      b.add(0, b.output() * (b.grad - sum_dim(xt::xarray<T>(b.grad * b.output()), d)));
    });
  });
}

Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  return visit_float("log_softmax", x, [&]<class T>(const xt::xarray<T>& a) {
    const std::size_t d = normalize_dim("log_softmax", dim, a.dimension());
    xt::xarray<T> y = kernels::log_softmax_dim(a, d);
    return record<T>("log_softmax", std::move(y), {x}, [d](const Backward<T>& b) {
      // dx = dy − exp(y) Σ dy
      const kernels::AxisSplit s = kernels::split_at(b.grad.shape(), d);
      const xt::xarray<T> total = sum_dim(b.grad, d);
      xt::xarray<T> dx = xt::exp(b.output());
      for (std::size_t o = 0; o < s.outer; ++o)
        for (std::size_t j = 0; j < s.n; ++j)
          for (std::size_t k = 0; k < s.inner; ++k) {
            const std::size_t i = (o * s.n + j) * s.inner + k;
            dx.data()[i] = b.grad.data()[i] - dx.data()[i] * total.data()[o * s.inner + k];
          }
      b.add(0, std::move(dx));
    });
  });
}

}  // namespace xgrad
