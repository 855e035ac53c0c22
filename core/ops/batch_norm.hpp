#pragma once
// Batch normalization as one op, forward and backward side by side, as
// torch.nn.functional.batch_norm (nn::BatchNorm1d/2d call it).
#include "xgrad/core/tensor.hpp"

namespace xgrad {

// input (N, C, ...) with at least 2 dims, channels in dim 1; running_mean, running_var, weight and
// bias (C) each, or undefined. Per channel, over every dim but 1:
//   y = (x - mean) / sqrt(var + eps) * weight + bias   (weight 1 and bias 0 when undefined).
// training: mean and var are the batch's (var biased), and if the running statistics are given
// they are updated in place, outside the graph:
//   running_mean = (1 - momentum) running_mean + momentum mean,
//   running_var  = (1 - momentum) running_var  + momentum var n / (n - 1),  n values per channel.
// Otherwise the running statistics stand in for the batch's (they are then required).
// Differentiable with respect to input, weight and bias. Sums run in a fixed order (float lanes
// over pieces of at most 1024 values, each piece added in double), so results are the same for
// any thread count.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight = {},
                  const Tensor& bias = {}, bool training = false, double momentum = 0.1, double eps = 1e-5);

}  // namespace xgrad
