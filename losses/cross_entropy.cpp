#include "xgrad/losses/cross_entropy.hpp"

#include <cmath>

#include "xgrad/core/activation.hpp"
#include "xgrad/core/arithmetic.hpp"
#include "xgrad/core/compare.hpp"
#include "xgrad/core/factory.hpp"
#include "xgrad/core/reduction.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/losses/checks.hpp"
#include "xgrad/losses/nll.hpp"

namespace xgrad::losses {

namespace {
constexpr const char* kOp = "cross_entropy";

// The class weights shaped (1, C, 1, ..., 1) to broadcast against an input of `ndim` dims.
Tensor weight_view(const Tensor& weight, std::size_t ndim) {
  std::vector<std::int64_t> shape(ndim, 1);
  shape[1] = -1;
  return weight.reshape(shape);
}

Tensor with_probabilities(const Tensor& input, const Tensor& logp, const Tensor& target,
                          const CrossEntropyLossOptions& o) {
  if (target.dtype() != input.dtype())
    fail(kOp, ": a float target holds class probabilities and must have the input's dtype ", input.dtype(), ", got ",
         target.dtype(), " (class indices must be int64)");
  if (target.shape() != input.shape())
    fail(kOp, ": a float target holds class probabilities and needs the input's shape ", to_string(input.shape()),
         ", got ", to_string(target.shape()), " (class indices must be int64)");
  const std::size_t classes = input.shape()[1];
  if (o.weight.defined() && o.weight.shape() != Shape{classes})
    fail(kOp, ": weight has shape ", to_string(o.weight.shape()), " but the input has ", classes,
         " classes; pass one weight per class, shape (", classes, ")");
  if (o.weight.defined() && o.weight.dtype() != input.dtype())
    fail(kOp, ": weight is ", o.weight.dtype(), " but the input is ", input.dtype(), "; they must match");
  const double e = o.label_smoothing;
  const Tensor p = e > 0 ? target * (1 - e) + e / static_cast<double>(classes) : target;
  Tensor terms = logp * p;
  if (o.weight.defined()) terms = terms * weight_view(o.weight, input.dim());
  switch (o.reduction) {
    case Reduction::None: return -sum(terms, {1});
    case Reduction::Sum: return -sum(terms);
    default: {  // Mean over the N d1 ... dk samples; NaN for none, as in PyTorch
      const std::size_t samples = classes == 0 ? 0 : input.numel() / classes;
      return -sum(terms) / static_cast<double>(samples);
    }
  }
}
}  // namespace

void CrossEntropyLossOptions::validate() const {
  check_reduction(kOp, reduction);
  if (weight.defined()) detail::check_float(kOp, "weight", weight);
  if (!(label_smoothing >= 0 && label_smoothing <= 1))
    fail(kOp, ": label_smoothing must be in [0, 1], got ", label_smoothing);
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& options) {
  options.validate();
  detail::check_float(kOp, "input", input);
  if (!target.defined()) fail(kOp, ": target is undefined");
  if (input.dim() == 1) {  // one sample: (C) with a 0-d class index or (C) probabilities
    const bool indices = target.dtype() == kInt64;
    if (indices ? target.dim() != 0 : target.shape() != input.shape())
      fail(kOp, ": an input of shape ", to_string(input.shape()), " (one sample) needs a 0-d int64 class index or ",
           to_string(input.shape()), " probabilities, got ", target.dtype(), " of shape ", to_string(target.shape()));
    const Tensor loss =
        cross_entropy(unsqueeze(input, 0), indices ? target.reshape({1}) : unsqueeze(target, 0), options);
    return options.reduction == Reduction::None ? loss.reshape({}) : loss;
  }
  if (input.dim() == 0) fail(kOp, ": input must have shape (N, C), (N, C, d1, ..., dk) or (C), got ()");

  if (target.dtype() != kInt64) return with_probabilities(input, log_softmax(input, 1), target, options);

  const auto targets = detail::class_targets(kOp, input, target, options.weight, options.ignore_index);
  const Tensor logp = log_softmax(input, 1);
  const Tensor nll = detail::nll(kOp, logp, targets, options.reduction);
  const double e = options.label_smoothing;
  if (e == 0) return nll;

  // PyTorch's smoothing term: -sum_c weight[c] logp[n, c], zero where ignored, reduced like nll.
  const Tensor weighted = options.weight.defined() ? logp * weight_view(options.weight, logp.dim()) : logp;
  const Tensor smooth = where(targets.ignored, zeros({}, logp.dtype()), -sum(weighted, {1}));
  Tensor reduced;
  switch (options.reduction) {
    case Reduction::None: reduced = smooth; break;
    case Reduction::Sum: reduced = sum(smooth); break;
    default: reduced = sum(smooth) / targets.total_weight; break;
  }
  const double classes = static_cast<double>(input.shape()[1]);
  return (1 - e) * nll + reduced * (e / classes);
}

}  // namespace xgrad::losses
