#include "xgrad/losses/focal.hpp"

#include <cmath>

#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/losses/binary_cross_entropy.hpp"
#include "xgrad/losses/checks.hpp"

namespace xgrad::losses {

void SigmoidFocalLossOptions::validate() const {
  check_reduction("sigmoid_focal_loss", reduction);
  if (!(alpha <= 1) || std::isnan(alpha))
    fail("sigmoid_focal_loss", "alpha must be in [0, 1] (or negative for no weighting), got ", alpha);
  if (!(gamma >= 0) || !std::isfinite(gamma))
    fail("sigmoid_focal_loss", "gamma must be non-negative and finite, got ", gamma);
}

Tensor sigmoid_focal_loss(const Tensor& input, const Tensor& target, const SigmoidFocalLossOptions& options) {
  options.validate();
  detail::check_pair("sigmoid_focal_loss", input, target);
  const Tensor p = sigmoid(input);
  const Tensor ce = binary_cross_entropy_with_logits(input, target, {.reduction = Reduction::None});
  const Tensor p_t = p * target + (1 - p) * (1 - target);
  Tensor loss = ce * pow(1 - p_t, options.gamma);
  if (options.alpha >= 0) loss = (options.alpha * target + (1 - options.alpha) * (1 - target)) * loss;
  return reduce(loss, options.reduction, "sigmoid_focal_loss");
}

}  // namespace xgrad::losses
