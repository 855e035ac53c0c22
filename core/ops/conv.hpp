#pragma once
// 2-D convolution on NCHW tensors (a cross-correlation, as in PyTorch), and Size2, the
// (height, width) pair that kernel sizes, strides and paddings are given as.
#include <cstddef>
#include <cstdint>
#include <ostream>

#include "xgrad/core/tensor.hpp"

namespace xgrad {

// A (height, width) pair; one number means both: conv2d(x, w, b, 2, 1) or conv2d(x, w, b, {2, 1}, {1, 0}).
// Signed, so that a negative value reaches the op's check instead of wrapping around.
struct Size2 {
  std::int64_t h = 0, w = 0;
  constexpr Size2(std::int64_t both = 0) : h(both), w(both) {}  // implicit on purpose: 3 means (3, 3)
  constexpr Size2(std::int64_t height, std::int64_t width) : h(height), w(width) {}
  friend constexpr bool operator==(const Size2&, const Size2&) = default;
};
inline std::ostream& operator<<(std::ostream& os, Size2 s) { return os << '(' << s.h << ", " << s.w << ')'; }

// input (N, C, H, W), weight (O, C, kh, kw), bias (O) or undefined; the output is
// (N, O, (H + 2 padding.h - kh) / stride.h + 1, (W + 2 padding.w - kw) / stride.w + 1).
// Zero padding. Forward and backward run through im2col and BLAS gemms, the batch split over
// OpenBLAS's thread count (OPENBLAS_NUM_THREADS); any thread count gives the same bits. The
// graph keeps only the inputs: the backward rebuilds the columns it needs.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, Size2 stride = 1, Size2 padding = 0);

}  // namespace xgrad
