#pragma once
// DistributedSampler: which examples each rank of a data-parallel training takes in an epoch, as
// torch.utils.data.DistributedSampler. Every rank draws the same permutation of the N examples,
// seeded by (seed + epoch) only, so no communication is needed and every run gives the same
// shards; rank r takes every world_size-th entry starting at r. Needs no MPI: rank and world
// size are plain numbers (distributed::rank() / world_size() in a program).
//
// Equal shares, as PyTorch: without drop_last the permutation is padded by repeating its first
// entries up to a multiple of world_size (a few examples are seen twice per epoch); with
// drop_last its tail is cut to a multiple (a few are not seen). Each rank gets
// per_rank() = ceil(N / W) (or floor(N / W) with drop_last) indices.
//
// The epoch's permutation is exactly xg::randperm(N) drawn right after xg::manual_seed(seed +
// epoch) (the global generator itself is left untouched), and with world size 1 the shard is
// that permutation: one process with world size 1 sees the single-process order.
//
// Rank r's batch k of size B/W, over all ranks, is the single-process batch k of size B.
#include <cstdint>

#include "xgrad/core/tensor.hpp"

namespace xgrad::data {

struct DistributedSamplerOptions {
  bool shuffle = true;     // false: 0..N-1 in order, then the same padding and striding
  std::uint64_t seed = 0;  // the same on every rank
  bool drop_last = false;  // cut instead of pad
};

class DistributedSampler {
 public:
  DistributedSampler(std::size_t examples, int world_size, int rank, DistributedSamplerOptions options = {});

  // This rank's indices for `epoch` (int64, (per_rank())), into the dataset's first dim.
  Tensor indices(std::uint64_t epoch) const;
  // The whole epoch's order, padded or cut, before it is split (total_size() entries).
  Tensor epoch_order(std::uint64_t epoch) const;

  std::size_t examples() const { return examples_; }
  std::size_t per_rank() const { return per_rank_; }
  std::size_t total_size() const { return per_rank_ * std::size_t(world_size_); }

 private:
  std::size_t examples_;
  int world_size_, rank_;
  DistributedSamplerOptions options_;
  std::size_t per_rank_;
};

}  // namespace xgrad::data
