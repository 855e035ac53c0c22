#pragma once
// Picking parts of tensors and putting tensors together. Index tensors are int64.
#include <cstdint>
#include <vector>

#include "xgrad/core/tensor.hpp"

namespace xgrad {

// Python-style x[..., start:end:step, ...] along dim: negative start/end count from the end and
// are clamped to the size; step must be positive. Without end (or with end = kEnd) it runs to
// the end of the dim: slice(x, 1, 2) is x[:, 2:]. Float and int64 tensors alike.
Tensor slice(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t end = kEnd, std::int64_t step = 1);
// x[..., index, ...]: drops dim.
Tensor select(const Tensor& x, std::int64_t dim, std::int64_t index);
Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim = 0);
// out[i][j] = x[i][index[i][j]] for dim = 1 (and likewise for any dim), as torch.gather.
Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index);
// The entries index (1-D) of dim, in that order, as torch.index_select (float or int64 x).
Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index);
// index_select(flatten(x, 0, end_dim), 0, index) without flatten's copy of x (and of its
// gradient): the rows of x at the flat row-major positions `index` (1-D) over dims 0 to end_dim,
// shape (index.size, x.shape[end_dim + 1:]...). YOLO's loss takes its matched predictions so.
Tensor index_select_flat(const Tensor& x, std::int64_t end_dim, const Tensor& index);
// (N) int64 labels in [0, num_classes) -> (N, num_classes) of 0 and 1 in `dtype`, as
// torch.nn.functional.one_hot (which returns int64; pass kInt64 for that).
Tensor one_hot(const Tensor& labels, std::size_t num_classes, Dtype dtype = kFloat32);

}  // namespace xgrad
