#include "xgrad/losses/mse.hpp"

#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/losses/checks.hpp"

namespace xgrad::losses {

void MSELossOptions::validate() const { check_reduction("mse_loss", reduction); }

Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossOptions& options) {
  options.validate();
  detail::check_pair("mse_loss", input, target);
  return reduce(pow(input - target, 2.0), options.reduction, "mse_loss");
}

}  // namespace xgrad::losses
