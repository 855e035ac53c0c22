#pragma once
// Matrix product with torch.matmul's shape rules: 1-D operands are promoted to a row or a column
// and the extra dim dropped again; leading (batch) dims broadcast. Each product is one BLAS gemm,
// forward and backward, with transposes passed as flags, never copied.
#include "xgrad/core/tensor.hpp"

namespace xgrad {

Tensor matmul(const Tensor& a, const Tensor& b);

}  // namespace xgrad
