#include "xgrad/data/distributed_sampler.hpp"

#include <xtensor/xbuilder.hpp>
#include <xtensor/xtensor.hpp>

#include "xgrad/core/error.hpp"
#include "xgrad/core/factory.hpp"
#include "xgrad/core/generator.hpp"

namespace xgrad::data {

DistributedSampler::DistributedSampler(std::size_t examples, int world_size, int rank,
                                       DistributedSamplerOptions options)
    : examples_(examples), world_size_(world_size), rank_(rank), options_(options) {
  if (world_size < 1) fail("DistributedSampler", "world_size must be at least 1, got ", world_size);
  if (rank < 0 || rank >= world_size) fail("DistributedSampler", "rank ", rank, " is not in [0, ", world_size, ")");
  if (examples == 0) fail("DistributedSampler", "the dataset is empty");
  const std::size_t w = std::size_t(world_size);
  if (options.drop_last && examples < w)
    fail("DistributedSampler", "with drop_last, ", examples, " examples leave nothing for ", w, " ranks");
  per_rank_ = options.drop_last ? examples / w : (examples + w - 1) / w;
}

Tensor DistributedSampler::epoch_order(std::uint64_t epoch) const {
  xt::xarray<std::int64_t> order;
  if (options_.shuffle) {
    // A generator of its own seeded by seed + epoch: the same permutation on every rank, the same
    // as randperm after manual_seed(seed + epoch), and the program's own random stream untouched.
    Generator generator(options_.seed + epoch);
    order = randperm(std::int64_t(examples_), generator).data<std::int64_t>();
  } else {
    order = xt::arange<std::int64_t>(std::int64_t(examples_));
  }
  const std::size_t total = total_size();
  xt::xarray<std::int64_t> out = xt::empty<std::int64_t>({total});
  for (std::size_t i = 0; i < total; ++i) out(i) = order(i % examples_);  // pads by wrapping around
  return from_xarray(std::move(out));
}

Tensor DistributedSampler::indices(std::uint64_t epoch) const {
  const Tensor all = epoch_order(epoch);
  const auto& a = all.data<std::int64_t>();
  xt::xarray<std::int64_t> mine = xt::empty<std::int64_t>({per_rank_});
  for (std::size_t i = 0; i < per_rank_; ++i) mine(i) = a(std::size_t(rank_) + i * std::size_t(world_size_));
  return from_xarray(std::move(mine));
}

}  // namespace xgrad::data
