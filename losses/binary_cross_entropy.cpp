#include "xgrad/losses/binary_cross_entropy.hpp"

#include <xtensor/xmath.hpp>

#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/losses/checks.hpp"

namespace xgrad::losses {

void BCELossOptions::validate() const {
  check_reduction("binary_cross_entropy", reduction);
  if (weight.defined()) detail::check_float("binary_cross_entropy", "weight", weight);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BCELossOptions& options) {
  constexpr const char* op = "binary_cross_entropy";
  options.validate();
  detail::check_pair(op, input, target);
  detail::check_weight(op, "weight", options.weight, input);
  detail::check_unit_interval(op, "input", input,
                              "; it takes probabilities: pass logits to binary_cross_entropy_with_logits");
  detail::check_unit_interval(op, "target", target);
  Tensor loss = visit_float(op, input, target, [&]<class T>(const xt::xarray<T>& x, const xt::xarray<T>& t) {
    // PyTorch 1.13's kernel, term for term (log(1 - x), not log1p(-x), so values match exactly).
    xt::xarray<T> out = (t - T(1)) * xt::maximum(xt::log(T(1) - x), T(-100)) - t * xt::maximum(xt::log(x), T(-100));
    return record<T>(op, std::move(out), {input, target}, [](const Backward<T>& b) {
      const auto& x = b.input(0);
      const auto& t = b.input(1);
      // d/dx = (x - t) / (x (1 - x)), the denominator kept >= PyTorch's EPSILON, which is the
      // float nearest 1e-12 (9.99999996e-13): a double 1e-12 would differ by 4e-9 at x = 0 or 1.
      constexpr T eps = static_cast<T>(1e-12f);
      if (b.needs(0)) b.add(0, b.grad * (x - t) / xt::maximum((T(1) - x) * x, eps));
      // d/dt = log(1 - x) - log x = -logit(x), unclamped as in PyTorch.
      if (b.needs(1)) b.add(1, b.grad * -xt::log(x / (T(1) - x)));
    });
  });
  if (options.weight.defined()) loss = loss * options.weight;
  return reduce(loss, options.reduction, op);
}

}  // namespace xgrad::losses
