#include "xgrad/nn/batchnorm.hpp"

#include <sstream>

#include "xgrad/core/arithmetic.hpp"
#include "xgrad/core/autograd.hpp"
#include "xgrad/core/factory.hpp"
#include "xgrad/core/function.hpp"
#include "xgrad/core/reduction.hpp"
#include "xgrad/core/shape_ops.hpp"
#include "xgrad/core/unary.hpp"

namespace xgrad::nn {

namespace {
// running = (1 - m) running + m batch, in place in the buffer's storage.
template <class T>
void blend(Tensor running, const Tensor& batch, double m, double scale) {
  auto& r = running.data<T>();
  const auto& b = batch.data<T>();
  for (std::size_t i = 0; i < r.size(); ++i) r.data()[i] = T(1 - m) * r.data()[i] + T(m) * (b.data()[i] * T(scale));
}
}  // namespace

BatchNorm::BatchNorm(const char* layer, std::int64_t features, BatchNormOptions opts, std::size_t min_dim,
                     std::size_t max_dim)
    : num_features(features > 0 ? std::size_t(features) : 0),
      options(opts),
      layer_(layer),
      min_dim_(min_dim),
      max_dim_(max_dim) {
  if (features < 1) fail(layer, ": num_features must be positive, got ", features);
  if (!(opts.eps >= 0)) fail(layer, ": eps must be non-negative, got ", opts.eps);
  if (opts.momentum && !(*opts.momentum >= 0 && *opts.momentum <= 1))
    fail(layer, ": momentum must be in [0, 1], got ", *opts.momentum);
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
  running_mean.impl()->data = zeros({num_features}, running_mean.dtype()).storage();
  running_var.impl()->data = ones({num_features}, running_var.dtype()).storage();
  num_batches_tracked.impl()->data = zeros({}, kInt64).storage();
}

void BatchNorm::reset_parameters() {
  reset_running_stats();
  if (!options.affine) return;
  weight.impl()->data = ones({num_features}, weight.dtype()).storage();
  bias.impl()->data = zeros({num_features}, bias.dtype()).storage();
}

Tensor BatchNorm::forward(const Tensor& x) {
  if (!x.defined()) fail(layer_, ": the input is undefined");
  const Shape s = x.shape();
  if (s.size() < min_dim_ || s.size() > max_dim_)
    fail(layer_, ": expected a ", min_dim_ == max_dim_ ? "4-D input (N, C, H, W)" : "2-D or 3-D input (N, C[, L])",
         ", got shape ", to_string(s));
  if (s[1] != num_features)
    fail(layer_, ": the input has shape ", to_string(s), " with ", s[1], " channels but num_features is ",
         num_features);
  const Tensor& reference = options.affine ? weight : running_mean;
  if (reference.defined() && x.dtype() != reference.dtype())
    fail(layer_, ": the input is ", x.dtype(), " but the layer is ", reference.dtype(),
         "; convert one of them with .to()");

  // Statistics over every dim but 1; per-channel tensors broadcast as (1, C, 1, ...).
  std::vector<std::int64_t> dims{0}, channel_shape{1, std::int64_t(num_features)};
  for (std::size_t d = 2; d < s.size(); ++d) {
    dims.push_back(std::int64_t(d));
    channel_shape.push_back(1);
  }
  const std::size_t n = x.numel() / num_features;  // values per channel
  const bool batch_stats = is_training() || !options.track_running_stats;

  Tensor y;
  if (batch_stats) {
    if (is_training() && n <= 1)
      fail(layer_, ": expected more than 1 value per channel when training, got input shape ", to_string(s));
    const Tensor mean = xgrad::mean(x, dims, /*keepdim=*/true);
    const Tensor centered = x - mean;
    const Tensor var = xgrad::mean(centered * centered, dims, /*keepdim=*/true);  // biased
    y = centered / sqrt(var + options.eps);
    if (is_training() && options.track_running_stats) {
      NoGradGuard no_grad;
      const auto count = ++num_batches_tracked.data<std::int64_t>()();
      const double m = options.momentum ? *options.momentum : 1.0 / double(count);
      const double unbias = n > 1 ? double(n) / double(n - 1) : 1.0;
      visit_float(layer_, x, [&]<class T>(const xt::xarray<T>&) {
        blend<T>(running_mean, mean, m, 1.0);
        blend<T>(running_var, var, m, unbias);
        return 0;
      });
    }
  } else {
    y = (x - reshape(running_mean, channel_shape)) / sqrt(reshape(running_var, channel_shape) + options.eps);
  }
  if (options.affine) y = y * reshape(weight, channel_shape) + reshape(bias, channel_shape);
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
