#pragma once
// Sigmoid focal loss (Lin et al., RetinaNet), as torchvision.ops.sigmoid_focal_loss, on logits z
// and binary (or soft) targets t of the same shape:
//
//   p = sigmoid(z),  p_t = p t + (1 - p)(1 - t),  alpha_t = alpha t + (1 - alpha)(1 - t)
//   loss_i = alpha_t (1 - p_t)^gamma binary_cross_entropy_with_logits(z, t)
//
// (1 - p_t)^gamma shrinks the loss of examples already classified well, so the many easy
// negatives of dense detection stop drowning the few hard ones; gamma = 0 and alpha < 0 give plain
// BCE. alpha in [0, 1] weights the positives; a negative alpha turns the weighting off, as in
// torchvision. gamma must be >= 0. The default reduction is Mean like every xgrad loss, where
// torchvision's is none. An empty batch: Mean is NaN (torchvision's mean of nothing).
#include "xgrad/core/tensor.hpp"
#include "xgrad/losses/loss_module.hpp"
#include "xgrad/losses/reduction.hpp"

namespace xgrad::losses {

struct SigmoidFocalLossOptions {
  double alpha = 0.25;  // in [0, 1], or negative for no weighting
  double gamma = 2.0;   // >= 0
  Reduction reduction = Reduction::Mean;
  void validate() const;
};

Tensor sigmoid_focal_loss(const Tensor& input, const Tensor& target, const SigmoidFocalLossOptions& options = {});

class SigmoidFocalLoss : public LossModule<SigmoidFocalLossOptions, sigmoid_focal_loss> {
 public:
  using LossModule::LossModule;
};

}  // namespace xgrad::losses
