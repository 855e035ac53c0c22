#pragma once
// Mean absolute error (L1 loss), as torch.nn.functional.l1_loss:
//
//   loss_i = |input_i - target_i|,   then reduced (default: mean)
//
// The maximum-likelihood loss for Laplace noise; its minimizer is the median. Every residual pulls
// with the same force (gradient ±1, and 0 at exactly 0), so outliers cannot dominate the fit, but
// the step does not shrink near the optimum: see docs/losses.md.
#include "xgrad/core/tensor.hpp"
#include "xgrad/losses/loss_module.hpp"
#include "xgrad/losses/reduction.hpp"

namespace xgrad::losses {

struct L1LossOptions {
  Reduction reduction = Reduction::Mean;
  void validate() const;
};

Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossOptions& options = {});

class L1Loss : public LossModule<L1LossOptions, l1_loss> {
 public:
  using LossModule::LossModule;
};

}  // namespace xgrad::losses
