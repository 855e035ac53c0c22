#pragma once
// Batch normalization, as torch.nn.BatchNorm1d/2d:
//   y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (dim 1).
// In training (or without running statistics) mean and var are the batch's, over every dim
// but 1, var biased; each training step also updates the running statistics
//   running = (1 - momentum) running + momentum batch_stat,
// with the unbiased var (times n / (n - 1)), n the values per channel. In eval mode the running
// statistics stand in for the batch's. momentum = nullopt takes the cumulative average instead
// (momentum 1 / num_batches_tracked).
#include <cstdint>
#include <optional>
#include <string>

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

struct BatchNormOptions {
  std::optional<double> momentum = 0.1;
  bool affine = true;               // learn weight (ones) and bias (zeros)
  bool track_running_stats = true;  // keep running_mean, running_var, num_batches_tracked
  double eps = 1e-5;
};

// What BatchNorm1d and BatchNorm2d share; they differ only in the input dims they accept.
class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_running_stats();
  void reset_parameters();

  const std::size_t num_features;
  const BatchNormOptions options;
  Tensor weight, bias;                                    // (C) each, if affine
  Tensor running_mean, running_var, num_batches_tracked;  // (C), (C), int64 0-d, if tracked

 protected:
  BatchNorm(const char* layer, std::int64_t num_features, BatchNormOptions options, std::size_t min_dim,
            std::size_t max_dim);

 private:
  const char* layer_;
  std::size_t min_dim_, max_dim_;
};

// Over (N, C) or (N, C, L).
class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(std::int64_t num_features, BatchNormOptions options = {});
};

// Over (N, C, H, W).
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(std::int64_t num_features, BatchNormOptions options = {});
};

}  // namespace xgrad::nn
