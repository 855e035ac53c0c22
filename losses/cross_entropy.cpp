#include "xgrad/losses/cross_entropy.hpp"

#include <cmath>

#include "xgrad/core/detail/kernels.hpp"
#include "xgrad/core/factory.hpp"
#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/core/ops/reduction.hpp"
#include "xgrad/core/ops/shape_ops.hpp"
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
    fail(kOp, "a float target holds class probabilities and must have the input's dtype ", input.dtype(), ", got ",
         target.dtype(), " (class indices must be int64)");
  if (target.shape() != input.shape())
    fail(kOp, "a float target holds class probabilities and needs the input's shape ", to_string(input.shape()),
         ", got ", to_string(target.shape()), " (class indices must be int64)");
  const std::size_t classes = input.shape()[1];
  if (o.weight.defined() && o.weight.shape() != Shape{classes})
    fail(kOp, "weight has shape ", to_string(o.weight.shape()), " but the input has ", classes,
         " classes; pass one weight per class, shape (", classes, ")");
  if (o.weight.defined() && o.weight.dtype() != input.dtype())
    fail(kOp, "weight is ", o.weight.dtype(), " but the input is ", input.dtype(), "; they must match");
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
// The common case as one op: class indices into an (N, C) input, no class weights, no label
// smoothing. Forward, log_softmax's own steps and the loss in the same pass; backward, PyTorch's
// formula d input[n] = g_n (softmax(input[n]) - onehot(t_n)), 0 for an ignored row. The
// composition nll_loss(log_softmax(x, 1), t) is nine ops (gather, squeeze, mul, neg, where, sum,
// div...), each with its arrays and graph node: the W2 step spent ~10 us of ~36 there. The values
// are the composition's to the bit (tests/losses: IsNllOfLogSoftmax). Undefined when a target is
// out of range or the shapes are off: the general path then names the error.
Tensor fused_with_indices(const Tensor& input, const Tensor& target, std::int64_t ignore_index, Reduction reduction) {
  const std::size_t rows = input.shape()[0], classes = input.shape()[1];
  if (classes == 0 || target.shape() != Shape{rows}) return {};
  std::vector<std::int64_t> picked(rows);  // the target class of each row, -1 if ignored
  std::size_t counted = 0;
  for (std::size_t n = 0; n < rows; ++n) {
    const std::int64_t c = target.data<std::int64_t>().data()[n];
    if (c != ignore_index && (c < 0 || c >= static_cast<std::int64_t>(classes))) return {};
    picked[n] = c == ignore_index ? -1 : c;
    counted += c == ignore_index ? 0 : 1;
  }
  return visit_float(kOp, input, [&]<class T>(const xt::xarray<T>& x) {
    xt::xarray<T> logp = kernels::log_softmax_dim(x, 1);  // log_softmax's own values, moved into the backward
    // -logp[n, t_n], 0 where ignored, summed in row order as sum() does
    xt::xarray<T> losses = xt::empty<T>(Shape{rows});
    for (std::size_t n = 0; n < rows; ++n)
      losses.data()[n] = picked[n] < 0 ? T(0) : -logp.data()[n * classes + picked[n]];
    xt::xarray<T> out;
    if (reduction == Reduction::None) {
      out = std::move(losses);
    } else {
      T total = rows == 0 ? T(0) : losses.data()[0];
      for (std::size_t n = 1; n < rows; ++n) total += losses.data()[n];
      out = xt::empty<T>(Shape{});
      out.data()[0] = reduction == Reduction::Sum ? total : total / static_cast<T>(counted);  // 0/0 = NaN, as PyTorch
    }
    return record<T>(kOp, std::move(out), {input},
                     [logp = std::move(logp), picked = std::move(picked), counted, reduction](const Backward<T>& b) {
                       xt::xarray<T> dx = xt::exp(logp);
                       const std::size_t classes = logp.shape()[1];
                       for (std::size_t n = 0; n < picked.size(); ++n) {
                         T* row = dx.data() + n * classes;
                         if (picked[n] < 0) {
                           std::fill_n(row, classes, T(0));
                           continue;
                         }
                         const T g = reduction == Reduction::None  ? b.grad.data()[n]
                                     : reduction == Reduction::Sum ? b.grad.data()[0]
                                                                   : b.grad.data()[0] / static_cast<T>(counted);
                         for (std::size_t c = 0; c < classes; ++c) row[c] *= g;
                         row[picked[n]] -= g;
                       }
                       b.add(0, std::move(dx));
                     });
  });
}
}  // namespace

void CrossEntropyLossOptions::validate() const {
  check_reduction(kOp, reduction);
  if (weight.defined()) detail::check_float(kOp, "weight", weight);
  if (!(label_smoothing >= 0 && label_smoothing <= 1))
    fail(kOp, "label_smoothing must be in [0, 1], got ", label_smoothing);
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& options) {
  options.validate();
  detail::check_float(kOp, "input", input);
  if (!target.defined()) fail(kOp, "target is undefined");
  if (input.dim() == 1) {  // one sample: (C) with a 0-d class index or (C) probabilities
    const bool indices = target.dtype() == kInt64;
    if (indices ? target.dim() != 0 : target.shape() != input.shape())
      fail(kOp, "an input of shape ", to_string(input.shape()), " (one sample) needs a 0-d int64 class index or ",
           to_string(input.shape()), " probabilities, got ", target.dtype(), " of shape ", to_string(target.shape()));
    const Tensor loss =
        cross_entropy(unsqueeze(input, 0), indices ? target.reshape({1}) : unsqueeze(target, 0), options);
    return options.reduction == Reduction::None ? loss.reshape({}) : loss;
  }
  if (input.dim() == 0) fail(kOp, "input must have shape (N, C), (N, C, d1, ..., dk) or (C), got ()");

  if (target.dtype() != kInt64) return with_probabilities(input, log_softmax(input, 1), target, options);

  if (input.dim() == 2 && !options.weight.defined() && options.label_smoothing == 0) {
    const Tensor fused = fused_with_indices(input, target, options.ignore_index, options.reduction);
    if (fused.defined()) return fused;
  }
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
