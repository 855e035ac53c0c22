#pragma once
// Soft Dice loss, for segmentation masks: with probabilities p and targets t of one shape (N, ...),
// summed over every dim but the batch dim,
//
//   loss_n = 1 - (2 sum(p t) + smooth) / (sum(p) + sum(t) + smooth),   then reduced (default: mean)
//
// 1 - the Dice coefficient (F1 score) of each sample: it measures overlap relative to size, so a
// small foreground object counts as much as a large one, where per-pixel BCE is dominated by the
// background. smooth (>= 0) keeps an empty mask with an empty prediction at loss 0, not 0/0.
// docs/extending.md builds this file step by step, and dice_loss_explicit below: the same loss as
// one op with a hand-written backward.
#include "xgrad/core/tensor.hpp"
#include "xgrad/losses/loss_module.hpp"
#include "xgrad/losses/reduction.hpp"

namespace xgrad::losses {

struct DiceLossOptions {
  double smooth = 1.0;
  Reduction reduction = Reduction::Mean;
  void validate() const;
};

// Composed from core ops: autograd derives the backward (dice.cpp).
Tensor dice_loss(const Tensor& input, const Tensor& target, const DiceLossOptions& options = {});
// The same values, as one op whose backward is written by hand (dice_explicit.cpp).
Tensor dice_loss_explicit(const Tensor& input, const Tensor& target, const DiceLossOptions& options = {});

class DiceLoss : public LossModule<DiceLossOptions, dice_loss> {
 public:
  using LossModule::LossModule;
};

}  // namespace xgrad::losses
