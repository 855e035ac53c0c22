#pragma once
// Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_ in PyTorch 1.13.
// Both change the gradients in place, between backward() and the optimizer's step():
//
//   loss.backward();
//   double norm = xg::nn::utils::clip_grad_norm_(net.parameters(), 1.0);
//   opt.step();
//
// Parameters without a gradient are skipped.
#include <vector>

#include "xgrad/core/tensor.hpp"

namespace xgrad::nn::utils {

// Treats all gradients as one vector, computes its norm of order norm_type (a number > 0 or
// infinity for the largest magnitude), and scales every gradient by
// min(1, max_norm / (norm + 1e-6)). Returns the norm before clipping (0 if no gradient). With
// error_if_nonfinite, a NaN or infinite norm throws instead of being used.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// Clamps every gradient element into [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

}  // namespace xgrad::nn::utils
