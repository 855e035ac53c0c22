#include "xgrad/losses/kl_div.hpp"

#include "xgrad/core/factory.hpp"
#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/core/ops/reduction.hpp"
#include "xgrad/losses/checks.hpp"

namespace xgrad::losses {

namespace {
// x log x with 0 log 0 = 0. The inner where keeps log away from 0, so no 0 * -inf = NaN appears in
// the gradient either (the outer where alone would still backpropagate through log(0)).
Tensor x_log_x(const Tensor& x) {
  const Tensor zero = eq(x, 0.0);
  return where(zero, zeros({}, x.dtype()), x * log(where(zero, ones({}, x.dtype()), x)));
}
}  // namespace

void KLDivLossOptions::validate() const {
  if (reduction != Reduction::None && reduction != Reduction::Mean && reduction != Reduction::Sum &&
      reduction != Reduction::BatchMean)
    fail("kl_div", "unknown reduction ", static_cast<int>(reduction));
}

Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivLossOptions& options) {
  options.validate();
  detail::check_pair("kl_div", input, target);
  const Tensor loss = options.log_target ? exp(target) * (target - input) : x_log_x(target) - target * input;
  if (options.reduction != Reduction::BatchMean) return reduce(loss, options.reduction, "kl_div");
  if (input.dim() == 0) return sum(loss);
  return sum(loss) / static_cast<double>(input.shape()[0]);  // 0/0 = NaN for an empty batch, as PyTorch
}

}  // namespace xgrad::losses
