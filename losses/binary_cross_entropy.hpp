#pragma once
// Binary cross-entropy, on probabilities and on logits.
//
// binary_cross_entropy, as torch.nn.functional.binary_cross_entropy, on probabilities x in [0, 1]:
//   loss_i = -weight_i (t_i max(log x_i, -100) + (1 - t_i) max(log(1 - x_i), -100))
// Each log is clamped at -100, as PyTorch does, so a confident wrong answer costs 100, not inf.
// It is one op with its own backward, PyTorch's formula
//   dloss/dx = weight (x - t) / max(x (1 - x), 1e-12)         (1e-12 rounded to float, as PyTorch)
// which keeps pushing a saturated wrong prediction (x = 0, t = 1 gives -1e12) where the composed
// clamp(log x) would pass no gradient at all; gradcheck covers the interior. input and target must
// lie in [0, 1] (PyTorch checks only the input): anything else, NaN included, is an error.
//
// binary_cross_entropy_with_logits, as torch.nn.functional.binary_cross_entropy_with_logits, on
// logits z, with pos_weight p (broadcast along the last dim, e.g. one per class):
//   loss_i = weight_i ((1 - t_i) z_i + (1 + (p - 1) t_i) log(1 + exp(-z_i)))
// = weight_i (-p t_i log sigmoid(z_i) - (1 - t_i) log(1 - sigmoid(z_i))), computed as PyTorch does
// with log(1 + exp(-z)) = log(exp(-m) + exp(-z - m)) + m, m = max(-z, 0): no exp overflows, so
// logits of +-100 (or 1e4) give exact, finite losses and gradients. Prefer it to sigmoid followed by
// binary_cross_entropy. pos_weight > 1 raises recall, < 1 raises precision. Without pos_weight it
// is one op with PyTorch's backward formulas, dloss/dz = weight (sigmoid(z) - t) and
// dloss/dt = -weight z; with pos_weight it is composed of ops (pos_weight gets a gradient too).
//
// Shapes: target has the input's shape; weight and pos_weight broadcast to it.
#include "xgrad/core/tensor.hpp"
#include "xgrad/losses/loss_module.hpp"
#include "xgrad/losses/reduction.hpp"

namespace xgrad::losses {

struct BCELossOptions {
  Tensor weight = {};  // broadcast to the input's shape; undefined: 1
  Reduction reduction = Reduction::Mean;
  void validate() const;
};

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BCELossOptions& options = {});
inline Tensor binary_cross_entropy_loss(const Tensor& input, const Tensor& target, const BCELossOptions& options = {}) {
  return binary_cross_entropy(input, target, options);
}

class BCELoss : public LossModule<BCELossOptions, binary_cross_entropy> {
 public:
  using LossModule::LossModule;
};

struct BCEWithLogitsLossOptions {
  Tensor weight = {};      // broadcast to the input's shape; undefined: 1
  Tensor pos_weight = {};  // weight of the positive term, broadcast to the input's shape; undefined: 1
  Reduction reduction = Reduction::Mean;
  void validate() const;
};

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BCEWithLogitsLossOptions& options = {});
inline Tensor binary_cross_entropy_with_logits_loss(const Tensor& input, const Tensor& target,
                                                    const BCEWithLogitsLossOptions& options = {}) {
  return binary_cross_entropy_with_logits(input, target, options);
}

class BCEWithLogitsLoss : public LossModule<BCEWithLogitsLossOptions, binary_cross_entropy_with_logits> {
 public:
  using LossModule::LossModule;
};

}  // namespace xgrad::losses
