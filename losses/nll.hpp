#pragma once
// Negative log-likelihood, as torch.nn.functional.nll_loss, on log-probabilities (the output of
// log_softmax) and int64 class indices:
//
//   loss_n = -weight[t_n] input[n, t_n]          (0 where t_n == ignore_index)
//   Mean   = sum_n loss_n / sum_n weight[t_n]    over the targets not ignored
//
// input (N, C) with target (N), input (N, C, d1, ..., dk) with target (N, d1, ..., dk) (one class
// per pixel), or input (C) with a 0-d target. `weight` is one weight per class, shape (C).
// Every target ignored (or an empty batch): Mean is 0/0 = NaN, exactly as PyTorch, and the input's
// gradient is all zeros; Sum is 0. A target outside [0, C) that is not ignore_index is an error
// naming the target and C. cross_entropy(x, t) is nll_loss(log_softmax(x, 1), t).
#include <cstdint>

#include "xgrad/core/tensor.hpp"
#include "xgrad/losses/loss_module.hpp"
#include "xgrad/losses/reduction.hpp"

namespace xgrad::losses {

struct NLLLossOptions {
  Tensor weight = {};  // (C) weight per class, the input's dtype; undefined: all 1
  std::int64_t ignore_index = -100;
  Reduction reduction = Reduction::Mean;
  void validate() const;
};

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& options = {});

class NLLLoss : public LossModule<NLLLossOptions, nll_loss> {
 public:
  using LossModule::LossModule;
};

namespace detail {
// Class-index targets, checked against an (N, C, d1, ..., dk) input and prepared for nll_loss and
// cross_entropy.
struct ClassTargets {
  Tensor index;             // int64 (N, 1, d1, ..., dk): the targets, ignored ones set to 0, for gather
  Tensor ignored;           // the input's dtype, (N, d1, ..., dk): 1 where the target is ignore_index
  Tensor weight;            // the input's dtype, (N, d1, ..., dk): weight[target], 0 where ignored
  double total_weight = 0;  // the sum of `weight`: what Mean divides by
};
ClassTargets class_targets(const char* op, const Tensor& input, const Tensor& target, const Tensor& class_weight,
                           std::int64_t ignore_index);
// -weight[t] logp[n, t, ...] per element (0 where ignored), reduced as nll_loss reduces it.
Tensor nll(const char* op, const Tensor& logp, const ClassTargets& targets, Reduction reduction);
}  // namespace detail

}  // namespace xgrad::losses
