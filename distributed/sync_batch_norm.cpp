#include "xgrad/distributed/sync_batch_norm.hpp"

#include "xgrad/core/autograd.hpp"
#include "xgrad/core/factory.hpp"
#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/core/ops/reduction.hpp"
#include "xgrad/core/ops/shape_ops.hpp"
#include "xgrad/distributed/collectives.hpp"
#include "xgrad/distributed/process_group.hpp"

namespace xgrad::distributed {

SyncBatchNorm::SyncBatchNorm(std::int64_t n, nn::BatchNormOptions o) : BatchNorm("SyncBatchNorm", n, o, 2, 4) {}

Tensor SyncBatchNorm::forward(const Tensor& x) {
  if (!is_training() || !is_initialized() || world_size() == 1) return BatchNorm::forward(x);
  if (!x.defined()) fail("SyncBatchNorm", "the input is undefined");
  const Shape s = x.shape();
  if (s.size() < 2 || s.size() > 4 || s[1] != num_features)
    fail("SyncBatchNorm", "expected an input (N, ", num_features, "[, ...]) of 2 to 4 dims, got shape ", to_string(s));
  std::vector<std::int64_t> dims{0}, channel_shape(s.size(), 1);
  for (std::size_t d = 2; d < s.size(); ++d) dims.push_back(std::int64_t(d));
  channel_shape[1] = std::int64_t(num_features);

  // Values per channel over all ranks: the ranks' batches may differ in size (the last one).
  Tensor count = full({}, double(x.numel() / num_features), kInt64);
  all_reduce(count, ReduceOp::Sum);
  const double n = double(count.data<std::int64_t>()());
  if (n <= 1) fail("SyncBatchNorm", "expected more than 1 value per channel over all ranks, got ", n);

  Tensor mean = all_reduce_sum(sum(x, dims)) * (1.0 / n);
  Tensor centered = x - reshape(mean, channel_shape);
  Tensor var = all_reduce_sum(sum(centered * centered, dims)) * (1.0 / n);
  Tensor y = centered / sqrt(reshape(var, channel_shape) + options.eps);
  if (options.affine) y = y * reshape(weight, channel_shape) + reshape(bias, channel_shape);

  if (options.track_running_stats) {
    NoGradGuard no_grad;
    const std::int64_t batches = num_batches_tracked.data<std::int64_t>()() + 1;
    const double m = options.momentum ? *options.momentum : 1.0 / double(batches);
    Tensor mean_now = mean.detach(), var_now = var.detach() * (n / (n - 1));
    running_mean.copy_(running_mean * (1 - m) + mean_now * m);
    running_var.copy_(running_var * (1 - m) + var_now * m);
    num_batches_tracked.data<std::int64_t>()() = batches;
  }
  return y;
}

}  // namespace xgrad::distributed
