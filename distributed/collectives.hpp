#pragma once
// Collectives over the process group (process_group.hpp), in place on a tensor's values, as
// torch.distributed's: every rank calls the same collectives in the same order with tensors of
// the same shape and dtype. Float32, float64 and (broadcast, sum) int64.
//
//   xg::distributed::all_reduce(t, xg::distributed::ReduceOp::Mean);   // t = the ranks' mean
//   xg::distributed::broadcast_module(net);                            // rank 0's weights everywhere
#include <cstdint>
#include <string>

#include "xgrad/core/tensor.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::distributed {

enum class ReduceOp { Sum, Mean };

// t's values become the ranks' sum (or mean), the same bits on every rank. Not recorded by
// autograd (like writing through data<T>()); for a differentiable sum see all_reduce_sum.
void all_reduce(Tensor& t, ReduceOp op = ReduceOp::Sum);
// t's values become rank `root`'s.
void broadcast(Tensor& t, int root = 0);
// Every parameter and buffer takes rank `root`'s values, after check_same_model(module, false).
void broadcast_module(const nn::Module& module, int root = 0);

// Throws on every rank, with one message naming the first difference, unless every rank holds
// a module with the same parameters and buffers (count, names, shapes, dtypes) and, with
// `values`, the same values (a 64-bit checksum per tensor).
void check_same_model(const nn::Module& module, bool values = true);
// Throws on every rank unless every rank passed the same value: "batch size: 64 on rank 0, 32 on rank 1".
void check_same_value(const std::string& what, std::int64_t value);

// The ranks' sum of x as a differentiable op: its backward sums the ranks' gradients, as
// torch.distributed.nn.all_reduce. SyncBatchNorm's statistics go through it.
Tensor all_reduce_sum(const Tensor& x);

}  // namespace xgrad::distributed
