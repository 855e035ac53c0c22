#include <limits>
#include <xtensor/xmath.hpp>

#include "xgrad/core/detail/unary_op.hpp"
#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/elementwise.hpp"

namespace xgrad {

using detail::unary;

Tensor exp(const Tensor& x) {
  return unary(
      "exp", x, [](const auto& a) { return xt::exp(a); },
      [](const auto& dy, const auto&, const auto& y) { return dy * y; });
}

Tensor log(const Tensor& x) {
  return unary(
      "log", x, [](const auto& a) { return xt::log(a); },
      [](const auto& dy, const auto& a, const auto&) { return dy / a; });
}

Tensor log1p(const Tensor& x) {
  return unary(
      "log1p", x, [](const auto& a) { return xt::log1p(a); },
      [](const auto& dy, const auto& a, const auto&) { return dy / (1 + a); });
}

Tensor sqrt(const Tensor& x) {
  return unary(
      "sqrt", x, [](const auto& a) { return xt::sqrt(a); },
      [](const auto& dy, const auto&, const auto& y) { return dy / (2 * y); });
}

Tensor abs(const Tensor& x) {
  return unary(
      "abs", x, [](const auto& a) { return xt::abs(a); },
      [](const auto& dy, const auto& a, const auto&) { return dy * xt::sign(a); });  // sign(0) = 0
}

Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max) {
  if (min && max && *min > *max) fail("clamp", "min ", *min, " is greater than max ", *max);
  const double lo = min.value_or(-std::numeric_limits<double>::infinity());
  const double hi = max.value_or(std::numeric_limits<double>::infinity());
  return visit_float("clamp", x, [&]<class T>(const xt::xarray<T>& a) {
    const T l = static_cast<T>(lo), h = static_cast<T>(hi);
    return record<T>("clamp", xt::clip(a, l, h), {x}, [l, h](const Backward<T>& b) {
      const auto& a = b.input(0);
      b.add(0, xt::where(a >= l && a <= h, b.grad, T(0)));
    });
  });
}

}  // namespace xgrad
