#include <algorithm>
#include <xsimd/xsimd.hpp>
#include <xtensor/xmath.hpp>

#include "xgrad/core/detail/kernels.hpp"
#include "xgrad/core/detail/parallel.hpp"
#include "xgrad/core/detail/unary_op.hpp"
#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/elementwise.hpp"

namespace xgrad {

using detail::unary;

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

}  // namespace xgrad
