#pragma once
// Inverse trigonometric functions, elementwise and differentiable (float32 and float64).
//
//   atan(x)       in (-pi/2, pi/2);   d/dx = 1 / (1 + x^2)
//   atan2(y, x)   the angle of the point (x, y), in [-pi, pi], as std::atan2 and torch.atan2;
//                 y and x broadcast;  d/dy = x / (x^2 + y^2),  d/dx = -y / (x^2 + y^2)
//
// atan2(y, x) = atan(y / x) for x > 0, and it stays defined where the quotient does not: pi/2 at
// x = 0 < y, and 0 at the origin. At the origin its gradient is 0 (PyTorch's is NaN), so that
// code using it for a box's aspect angle atan2(w, h) (core/ops/boxes.hpp) keeps finite gradients
// for a box of zero size.
#include "xgrad/core/tensor.hpp"

namespace xgrad {

Tensor atan(const Tensor& x);
Tensor atan2(const Tensor& y, const Tensor& x);

}  // namespace xgrad
