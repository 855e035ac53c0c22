#pragma once
// SyncBatchNorm: batch normalization whose training statistics are those of the whole global
// batch, every rank's examples together, as torch.nn.SyncBatchNorm. With plain BatchNorm under
// data parallelism each rank normalizes with its own B/N examples' statistics (a smaller,
// noisier batch, and a training that no longer matches one process with batch B); SyncBatchNorm
// all-reduces the per-channel sums, so N ranks with B/N examples each compute exactly what
// BatchNorm computes on the B examples in one process, forward, backward and running statistics.
//
// Per channel, n the values per channel over all ranks:
//   mean = allreduce(sum x) / n,  var = allreduce(sum (x - mean)²) / n   (biased; two passes)
//   y = (x - mean) / sqrt(var + eps) * weight + bias
// built from differentiable ops and all_reduce_sum, whose backward all-reduces the gradients,
// so autograd gives each rank its share of the global batch's gradient. The running statistics
// follow BatchNorm's rule with the unbiased var * n / (n - 1). In eval mode, or on one rank,
// it is BatchNorm itself. Every rank must call forward the same number of times (a collective).
#include "xgrad/nn/batchnorm.hpp"

namespace xgrad::distributed {

class SyncBatchNorm : public nn::BatchNorm {
 public:
  // Over (N, C), (N, C, L) or (N, C, H, W).
  explicit SyncBatchNorm(std::int64_t num_features, nn::BatchNormOptions options = {});
  Tensor forward(const Tensor& x) override;
};

}  // namespace xgrad::distributed
