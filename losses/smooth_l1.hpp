#pragma once
// Smooth L1 loss, as torch.nn.functional.smooth_l1_loss: with z = |input - target|,
//
//   loss_i = 0.5 z^2 / beta     if z < beta
//            z - 0.5 beta       otherwise,        then reduced (default: mean)
//
// Huber loss divided by beta (huber_delta(z) = beta smooth_l1_beta(z) for delta = beta): the slope
// beyond beta is 1 whatever beta is. beta = 0 is exactly l1_loss; beta must be >= 0. Fast R-CNN's
// box-regression loss.
#include "xgrad/core/tensor.hpp"
#include "xgrad/losses/loss_module.hpp"
#include "xgrad/losses/reduction.hpp"

namespace xgrad::losses {

struct SmoothL1LossOptions {
  double beta = 1.0;
  Reduction reduction = Reduction::Mean;
  void validate() const;
};

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossOptions& options = {});

class SmoothL1Loss : public LossModule<SmoothL1LossOptions, smooth_l1_loss> {
 public:
  using LossModule::LossModule;
};

}  // namespace xgrad::losses
