#pragma once
// Huber loss, as torch.nn.functional.huber_loss: with z = |input - target|,
//
//   loss_i = 0.5 z^2                  if z < delta
//            delta (z - 0.5 delta)    otherwise,        then reduced (default: mean)
//
// Quadratic (MSE-like) for small residuals and linear (MAE-like) beyond delta, so it is smooth at
// the optimum yet robust to outliers: their gradient is capped at ±delta. delta must be > 0.
#include "xgrad/core/tensor.hpp"
#include "xgrad/losses/loss_module.hpp"
#include "xgrad/losses/reduction.hpp"

namespace xgrad::losses {

struct HuberLossOptions {
  double delta = 1.0;
  Reduction reduction = Reduction::Mean;
  void validate() const;
};

Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossOptions& options = {});

class HuberLoss : public LossModule<HuberLossOptions, huber_loss> {
 public:
  using LossModule::LossModule;
};

}  // namespace xgrad::losses
