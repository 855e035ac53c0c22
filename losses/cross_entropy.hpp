#pragma once
// Cross-entropy on logits (unnormalized scores), as torch.nn.functional.cross_entropy, with either
// kind of target:
//
// int64 class indices t (shape: the input's without the class dim 1), with label smoothing e:
//   loss_n = (1 - e) nll_n + (e / C) smooth_n
//   nll_n    = -weight[t_n] logp[n, t_n]               logp = log_softmax(input, 1)
//   smooth_n = -sum_c weight[c] logp[n, c]             (both 0 where t_n == ignore_index)
//   Mean divides each sum by sum_n weight[t_n] over the targets not ignored (PyTorch's rule, also
//   for the smoothing term). Every target ignored or an empty batch: Mean is 0/0 = NaN as in
//   PyTorch, with an all-zero gradient; Sum is 0.
//
// float class probabilities p (the input's shape and dtype), smoothed to p (1 - e) + e / C:
//   loss_n = -sum_c weight[c] p[n, c] logp[n, c]
//   Mean divides by the number of samples N d1 ... dk, not by the weights; ignore_index is unused.
//
// Shapes: input (N, C) or (N, C, d1, ..., dk), or (C) for one sample. Cross-entropy is the KL
// divergence from the label distribution to the prediction plus the label distribution's entropy,
// a constant; its gradient softmax - onehot is large when the prediction is confidently wrong.
// log_softmax subtracts the row's max, so logits of 1e4 are fine.
#include <cstdint>

#include "xgrad/core/tensor.hpp"
#include "xgrad/losses/loss_module.hpp"
#include "xgrad/losses/reduction.hpp"

namespace xgrad::losses {

struct CrossEntropyLossOptions {
  Tensor weight = {};  // (C) weight per class, the input's dtype; undefined: all 1
  std::int64_t ignore_index = -100;
  double label_smoothing = 0.0;  // in [0, 1]
  Reduction reduction = Reduction::Mean;
  void validate() const;
};

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& options = {});
// The same function under the xg::losses::<name>_loss spelling.
inline Tensor cross_entropy_loss(const Tensor& input, const Tensor& target,
                                 const CrossEntropyLossOptions& options = {}) {
  return cross_entropy(input, target, options);
}

class CrossEntropyLoss : public LossModule<CrossEntropyLossOptions, cross_entropy> {
 public:
  using LossModule::LossModule;
};

}  // namespace xgrad::losses
