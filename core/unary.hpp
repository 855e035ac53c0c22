#pragma once
// Elementwise math functions.
#include <optional>

#include "xgrad/core/tensor.hpp"

namespace xgrad {

Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);  // log(1 + x), exact for tiny x
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);  // |x|'(0) = 0
// Limits x to [min, max]; either bound may be absent. The gradient passes where
// min <= x <= max, bounds included, as in PyTorch.
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max);

}  // namespace xgrad
