#pragma once
// Activation functions and the (log-)softmax.
#include <cstdint>

#include "xgrad/core/tensor.hpp"

namespace xgrad {

Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor relu(const Tensor& x);  // relu'(0) = 0
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor silu(const Tensor& x);  // x * sigmoid(x)
// log(1 + exp(beta x)) / beta, and x itself where beta x > threshold, as torch.nn.Softplus.
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
// Along `dim`, shifted by the max so large logits do not overflow.
Tensor softmax(const Tensor& x, std::int64_t dim);
Tensor log_softmax(const Tensor& x, std::int64_t dim);

}  // namespace xgrad
