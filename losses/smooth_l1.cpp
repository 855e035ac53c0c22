#include "xgrad/losses/smooth_l1.hpp"

#include <cmath>

#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/losses/checks.hpp"
#include "xgrad/losses/l1.hpp"

namespace xgrad::losses {

void SmoothL1LossOptions::validate() const {
  check_reduction("smooth_l1_loss", reduction);
  if (!(beta >= 0) || !std::isfinite(beta)) fail("smooth_l1_loss", "beta must be non-negative and finite, got ", beta);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossOptions& options) {
  options.validate();
  detail::check_pair("smooth_l1_loss", input, target);
  const double beta = options.beta;
  if (beta == 0) return l1_loss(input, target, {.reduction = options.reduction});  // as PyTorch does
  const Tensor z = abs(input - target);
  return reduce(where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta), options.reduction, "smooth_l1_loss");
}

}  // namespace xgrad::losses
