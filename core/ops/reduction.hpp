#pragma once
// Reductions. An empty `dims` list means all dims, as in PyTorch.
#include <cstdint>
#include <vector>

#include "xgrad/core/tensor.hpp"

namespace xgrad {

Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
// Over one dim, as x.sum(1) in PyTorch (sum(x, {1}) picks these too).
Tensor sum(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor mean(const Tensor& x, std::int64_t dim, bool keepdim = false);

// Over all elements: the gradient is shared evenly by every element equal to the max (PyTorch's
// rule for a full reduction). Along one dim: it goes to the first index holding the max, the one
// argmax returns (PyTorch's rule for max(dim)). Along a dim they return the values and their int64
// indices, as torch.max(x, dim): auto [values, indices] = max(x, 1); a ValuesIndices converts to
// its values, so Tensor m = max(x, 1) works as before.
Tensor max(const Tensor& x);
ValuesIndices max(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor min(const Tensor& x);
ValuesIndices min(const Tensor& x, std::int64_t dim, bool keepdim = false);

// int64 indices of the first max/min along dim; without dim, into the flattened tensor.
Tensor argmax(const Tensor& x);
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x);
Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim = false);

}  // namespace xgrad
