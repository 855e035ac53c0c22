#pragma once
// Kullback-Leibler divergence, as torch.nn.functional.kl_div. The input is log-probabilities
// log q (log_softmax of a model's output); the target is probabilities p, or log p with
// log_target = true:
//
//   loss_i = p_i (log p_i - input_i)        = xlogy(p_i, p_i) - p_i input_i
//          = exp(t_i) (t_i - input_i)        with log_target (t = log p)
//
// 0 log 0 = 0: a target entry of 0 contributes -0 * input = 0 whatever the input, and its gradient
// is finite (the input's is -p = 0). A negative target gives NaN, as in PyTorch. The gradient with
// respect to a zero target entry is -input (the t log t term's contribution is taken as 0), where
// PyTorch gives NaN.
//
// Reductions: BatchMean = sum / input.size(0) is the true KL(p || q) averaged over the batch (for a
// 0-d input: the sum). Mean divides by every element, N times the number of classes, so it is the
// KL divided by C as well: PyTorch keeps it for compatibility and warns; so does this comment. Use
// BatchMean. An empty batch: Mean and BatchMean are NaN, Sum is 0.
#include "xgrad/core/tensor.hpp"
#include "xgrad/losses/loss_module.hpp"
#include "xgrad/losses/reduction.hpp"

namespace xgrad::losses {

struct KLDivLossOptions {
  bool log_target = false;
  Reduction reduction = Reduction::Mean;  // PyTorch's default; BatchMean is the KL divergence
  void validate() const;
};

Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivLossOptions& options = {});
inline Tensor kl_div_loss(const Tensor& input, const Tensor& target, const KLDivLossOptions& options = {}) {
  return kl_div(input, target, options);
}

class KLDivLoss : public LossModule<KLDivLossOptions, kl_div> {
 public:
  using LossModule::LossModule;
};

}  // namespace xgrad::losses
