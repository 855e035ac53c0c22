#include "xgrad/nn/batchnorm.hpp"

#include <limits>
#include <sstream>

#include "xgrad/core/factory.hpp"
#include "xgrad/core/ops/batch_norm.hpp"

namespace xgrad::nn {

BatchNorm::BatchNorm(const char* layer, std::int64_t features, BatchNormOptions opts, std::size_t min_dim,
                     std::size_t max_dim)
    : num_features(features > 0 ? std::size_t(features) : 0),
      options(opts),
      layer_(layer),
      min_dim_(min_dim),
      max_dim_(max_dim) {
  if (features < 1) fail(layer, "num_features must be positive, got ", features);
  if (!(opts.eps >= 0)) fail(layer, "eps must be non-negative, got ", opts.eps);
  if (opts.momentum && !(*opts.momentum >= 0 && *opts.momentum <= 1))
    fail(layer, "momentum must be in [0, 1], got ", *opts.momentum);
  if (opts.affine) {
    weight = register_parameter("weight", ones({num_features}));
    bias = register_parameter("bias", zeros({num_features}));
  }
  if (opts.track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({num_features}));
    running_var = register_buffer("running_var", ones({num_features}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
}

BatchNorm1d::BatchNorm1d(std::int64_t n, BatchNormOptions o) : BatchNorm("BatchNorm1d", n, o, 2, 3) {}
BatchNorm2d::BatchNorm2d(std::int64_t n, BatchNormOptions o) : BatchNorm("BatchNorm2d", n, o, 4, 4) {}

void BatchNorm::reset_running_stats() {
  if (!options.track_running_stats) return;
  running_mean.set_data(zeros({num_features}, running_mean.dtype()));
  running_var.set_data(ones({num_features}, running_var.dtype()));
  num_batches_tracked.set_data(zeros({}, kInt64));
}

void BatchNorm::reset_parameters() {
  reset_running_stats();
  if (!options.affine) return;
  weight.set_data(ones({num_features}, weight.dtype()));
  bias.set_data(zeros({num_features}, bias.dtype()));
}

Tensor BatchNorm::forward(const Tensor& x) {
  if (!x.defined()) fail(layer_, "the input is undefined");
  const Shape s = x.shape();
  if (s.size() < min_dim_ || s.size() > max_dim_)
    fail(layer_, "expected a ", min_dim_ == max_dim_ ? "4-D input (N, C, H, W)" : "2-D or 3-D input (N, C[, L])",
         ", got shape ", to_string(s));
  if (s[1] != num_features)
    fail(layer_, "the input has shape ", to_string(s), " with ", s[1], " channels but num_features is ", num_features);
  const Tensor& reference = options.affine ? weight : running_mean;
  if (reference.defined() && x.dtype() != reference.dtype())
    fail(layer_, "the input is ", x.dtype(), " but the layer is ", reference.dtype(),
         "; convert one of them with .to()");

  const std::size_t n = x.numel() / num_features;  // values per channel
  if (is_training() && n <= 1)
    fail(layer_, "expected more than 1 value per channel when training, got input shape ", to_string(s));
  // As PyTorch's module: batch statistics in training and whenever there are no running ones;
  // momentum None means the cumulative average, 1 / num_batches_tracked.
  // The count moves only once the step has gone through.
  const bool update = is_training() && options.track_running_stats;
  // The count may come from a checkpoint: one the step cannot increment (2^63 - 1 overflowed) or
  // a negative one (momentum None would divide by zero or less) is the file's error, named here.
  const std::int64_t tracked = update ? num_batches_tracked.data<std::int64_t>()() : 0;
  if (update && (tracked < 0 || tracked == std::numeric_limits<std::int64_t>::max()))
    fail(layer_, "num_batches_tracked is ", tracked, " (from a checkpoint?); it must be in [0, 2^63 - 1)");
  const std::int64_t count = update ? tracked + 1 : 0;
  const double momentum = !update ? 0.0 : options.momentum ? *options.momentum : 1.0 / double(count);
  const bool batch_stats = is_training() || !options.track_running_stats;
  Tensor y = batch_norm(x, running_mean, running_var, weight, bias, batch_stats, momentum, options.eps);
  if (update) num_batches_tracked.data<std::int64_t>()() = count;
  return y;
}

std::string BatchNorm::extra_repr() const {
  std::ostringstream s;
  s << num_features << ", eps=" << options.eps << ", momentum=";
  if (options.momentum)
    s << *options.momentum;
  else
    s << "None";
  s << ", affine=" << (options.affine ? "true" : "false")
    << ", track_running_stats=" << (options.track_running_stats ? "true" : "false");
  return s.str();
}

}  // namespace xgrad::nn
