#pragma once
// Matrix product with torch.matmul's shape rules: 1-D operands are promoted to a row or a column
// and the extra dim dropped again; leading (batch) dims broadcast. Each product is one BLAS gemm,
// forward and backward, with transposes passed as flags, never copied.
#include "xgrad/core/tensor.hpp"

namespace xgrad {

Tensor matmul(const Tensor& a, const Tensor& b);

// y = x Wᵀ + b over the last dim of x, as torch.nn.functional.linear: input (..., in), weight
// (out, in), bias (out) or undefined; the result is (..., out). One gemm forward (the bias
// written first, added by the gemm as PyTorch's addmm does) and one per gradient backward, the
// weight read in place through a transpose flag: no transposed copy, no broadcast add.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {});

}  // namespace xgrad
