#include "xgrad/losses/huber.hpp"

#include <cmath>

#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/losses/checks.hpp"

namespace xgrad::losses {

void HuberLossOptions::validate() const {
  check_reduction("huber_loss", reduction);
  if (!(delta > 0) || !std::isfinite(delta)) fail("huber_loss", "delta must be positive and finite, got ", delta);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossOptions& options) {
  options.validate();
  detail::check_pair("huber_loss", input, target);
  const double delta = options.delta;
  const Tensor z = abs(input - target);
  // Written as PyTorch's kernel writes it, so the values round the same way.
  return reduce(where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta)), options.reduction, "huber_loss");
}

}  // namespace xgrad::losses
