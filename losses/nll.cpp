#include "xgrad/losses/nll.hpp"

#include <string_view>

#include "xgrad/core/factory.hpp"
#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/core/ops/indexing.hpp"
#include "xgrad/core/ops/reduction.hpp"
#include "xgrad/core/ops/shape_ops.hpp"
#include "xgrad/losses/checks.hpp"

namespace xgrad::losses {

void NLLLossOptions::validate() const {
  check_reduction("nll_loss", reduction);
  if (weight.defined()) detail::check_float("nll_loss", "weight", weight);
}

namespace detail {

ClassTargets class_targets(const char* op, const Tensor& input, const Tensor& target, const Tensor& class_weight,
                           std::int64_t ignore_index) {
  check_float(op, "input", input);
  const Shape in = input.shape();
  if (in.size() < 2)
    fail(op, "input must have shape (N, C) or (N, C, d1, ..., dk), or (C) for one sample, got ", to_string(in));
  if (!target.defined() || target.dtype() != kInt64)
    fail(op, "class-index targets must be int64, got ", target.defined() ? dtype_name(target.dtype()) : "undefined",
         op == std::string_view("cross_entropy") ? " (a float target holds class probabilities of the input's shape)"
                                                 : "");
  Shape expected = in;
  expected.erase(expected.begin() + 1);
  if (target.shape() != expected)
    fail(op, "input of shape ", to_string(in), " needs a target of shape ", to_string(expected),
         " (the input's shape without the class dim 1), got ", to_string(target.shape()));
  const std::size_t classes = in[1];
  if (class_weight.defined()) {
    check_float(op, "weight", class_weight);
    if (class_weight.dtype() != input.dtype())
      fail(op, "weight is ", class_weight.dtype(), " but the input is ", input.dtype(), "; they must match");
    if (class_weight.shape() != Shape{classes})
      fail(op, "weight has shape ", to_string(class_weight.shape()), " but the input has ", classes,
           " classes; pass one weight per class, shape (", classes, ")");
  }

  const auto& t = target.data<std::int64_t>();
  Shape index_shape = in;
  index_shape[1] = 1;
  xt::xarray<std::int64_t> index = xt::empty<std::int64_t>(index_shape);  // same flat order as t
  const auto n = static_cast<std::int64_t>(classes);
  for (std::size_t j = 0; j < t.size(); ++j) {
    const std::int64_t c = t.data()[j];
    if (c != ignore_index && (c < 0 || c >= n))
      fail(op, "target ", c, " (flat index ", j, ") is out of range for ", classes, " classes (valid: 0 to ", n - 1,
           ", or ignore_index ", ignore_index, ")");
    index.data()[j] = c == ignore_index ? 0 : c;
  }

  ClassTargets out;
  out.index = from_xarray(std::move(index));
  visit_float(op, input, [&]<class T>(const xt::xarray<T>&) {
    xt::xarray<T> ignored = xt::empty<T>(expected), weight = xt::empty<T>(expected);
    for (std::size_t j = 0; j < t.size(); ++j) {
      const std::int64_t c = t.data()[j];
      const bool skip = c == ignore_index;
      ignored.data()[j] = skip ? T(1) : T(0);
      weight.data()[j] = skip ? T(0) : class_weight.defined() ? class_weight.data<T>().data()[c] : T(1);
      out.total_weight += static_cast<double>(weight.data()[j]);
    }
    out.ignored = from_xarray(std::move(ignored));
    out.weight = from_xarray(std::move(weight));
    return 0;
  });
  return out;
}

Tensor nll(const char* op, const Tensor& logp, const ClassTargets& targets, Reduction reduction) {
  check_reduction(op, reduction);
  const Tensor picked = squeeze(gather(logp, 1, targets.index), 1);  // logp[n, t_n, ...]
  // `where`, not a multiplication by a 0/1 mask: an ignored entry gets exactly 0, never 0 * inf,
  // and no gradient, even when Mean divides by a total weight of 0.
  const Tensor loss = where(targets.ignored, zeros({}, logp.dtype()), -(picked * targets.weight));
  switch (reduction) {
    case Reduction::None: return loss;
    case Reduction::Sum: return sum(loss);
    default: return sum(loss) / targets.total_weight;  // Mean; 0/0 = NaN when every target is ignored
  }
}

}  // namespace detail

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& options) {
  options.validate();
  detail::check_float("nll_loss", "input", input);
  if (input.dim() == 1) {  // one sample: (C) with a 0-d target
    if (!target.defined() || target.dim() != 0)
      fail("nll_loss", "an input of shape ", to_string(input.shape()), " (one sample) needs a 0-d target, got ",
           target.defined() ? to_string(target.shape()) : "undefined");
    const Tensor loss = nll_loss(unsqueeze(input, 0), target.reshape({1}), options);
    return options.reduction == Reduction::None ? loss.reshape({}) : loss;
  }
  const auto targets = detail::class_targets("nll_loss", input, target, options.weight, options.ignore_index);
  return detail::nll("nll_loss", input, targets, options.reduction);
}

}  // namespace xgrad::losses
