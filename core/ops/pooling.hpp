#pragma once
// Pooling over the last two dims of (N, C, H, W) tensors, as torch.nn.functional's *_pool2d
// with ceil_mode=False. Output sizes are (H + 2 padding.h - kernel.h) / stride.h + 1 and the
// same for W. A stride of 0 (the default) means the kernel size, like stride=None in PyTorch.
#include "xgrad/core/ops/conv.hpp"

namespace xgrad {

// The max of each window; padding is -inf and at most half the kernel. The gradient goes to the
// first maximum of each window in row-major order (to the last NaN if the window holds NaNs),
// the element PyTorch's max_pool2d returns as its index.
Tensor max_pool2d(const Tensor& x, Size2 kernel, Size2 stride = 0, Size2 padding = 0);

// The mean of each window; padding is zero and at most half the kernel. With count_include_pad
// the divisor is the whole window kernel.h * kernel.w, else only the pixels inside the input.
Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride = 0, Size2 padding = 0, bool count_include_pad = true);

// Averages over output_size.h x output_size.w windows covering the input: window i of n spans
// rows floor(i H / n) to ceil((i + 1) H / n). Output size 1 is global average pooling.
Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size);

}  // namespace xgrad
