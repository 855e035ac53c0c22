#include "xgrad/losses/l1.hpp"

#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/losses/checks.hpp"

namespace xgrad::losses {

void L1LossOptions::validate() const { check_reduction("l1_loss", reduction); }

Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossOptions& options) {
  options.validate();
  detail::check_pair("l1_loss", input, target);
  return reduce(abs(input - target), options.reduction, "l1_loss");
}

}  // namespace xgrad::losses
