#pragma once
// Changing a tensor's shape. Unlike PyTorch these return copies, never views: xgrad has no
// aliasing, so writing into one tensor's data() never changes another.
#include <cstdint>
#include <vector>

#include "xgrad/core/tensor.hpp"

namespace xgrad {

// One entry may be -1, inferred from the others.
Tensor reshape(const Tensor& x, const std::vector<std::int64_t>& shape);
Tensor flatten(const Tensor& x, std::int64_t start_dim = 0, std::int64_t end_dim = -1);
Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1);
Tensor permute(const Tensor& x, const std::vector<std::int64_t>& dims);
Tensor unsqueeze(const Tensor& x, std::int64_t dim);
Tensor squeeze(const Tensor& x);                    // drops every dim of size 1
Tensor squeeze(const Tensor& x, std::int64_t dim);  // drops dim if it has size 1

}  // namespace xgrad
