#pragma once
// Mean squared error (L2 loss), as torch.nn.functional.mse_loss:
//
//   loss_i = (input_i - target_i)^2,   then reduced (default: mean)
//
// The maximum-likelihood loss for Gaussian noise. The gradient 2 (input - target) grows with the
// error, so a few outliers dominate the fit: see docs/losses.md.
#include "xgrad/core/tensor.hpp"
#include "xgrad/losses/loss_module.hpp"
#include "xgrad/losses/reduction.hpp"

namespace xgrad::losses {

struct MSELossOptions {
  Reduction reduction = Reduction::Mean;
  void validate() const;
};

// input and target: float tensors of one shape and dtype (a target of another shape is an error,
// where PyTorch broadcasts it with a warning).
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossOptions& options = {});

class MSELoss : public LossModule<MSELossOptions, mse_loss> {
 public:
  using LossModule::LossModule;
};

}  // namespace xgrad::losses
