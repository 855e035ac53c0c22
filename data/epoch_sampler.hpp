#pragma once
// The order in which one epoch visits a dataset's examples, cut into batches of indices: a new
// random permutation each epoch, drawn with xg::randperm from the global generator (manual_seed
// makes it reproducible), or 0..N-1 without shuffling. The last batch holds what is left, as
// PyTorch's DataLoader does, or, with drop_last, is dropped so that every batch is full (with
// fewer examples than batch_size, one batch of all of them). data::Batches and the detection
// trainer both draw their epochs from it.
//
//   xg::data::EpochSampler sampler(dataset_size, 16, {.drop_last = true});
//   for (sampler.start_epoch(); sampler.has_next();) {
//     std::span<const std::int64_t> indices = sampler.next();
//     ...
//   }
//
// For checkpoints: order() and position() say where an epoch stands, resume() puts them back.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "xgrad/core/tensor.hpp"

namespace xgrad::data {

struct EpochSamplerOptions {
  bool shuffle = true;
  bool drop_last = false;
  std::string name = "EpochSampler";  // who samples, for error messages ("Batches::next: ...")
};

class EpochSampler {
 public:
  EpochSampler(std::size_t examples, std::size_t batch_size, EpochSamplerOptions options = {});

  std::size_t examples() const { return examples_; }
  std::size_t batch_size() const { return batch_size_; }
  std::size_t batches_per_epoch() const;

  // Draws the epoch's order and goes to batch 0.
  void start_epoch();
  bool has_next() const { return order_.defined() && position_ < batches_per_epoch(); }
  // The next batch's indices, a view into order() valid until the next start_epoch() or resume();
  // throws when the epoch is over or not started.
  std::span<const std::int64_t> next();
  // How many indices of the order start at the next batch's first (the next batch's and every
  // later one's), for prefetching past the batch.
  std::size_t indices_left() const;

  // The epoch's order (int64, (N); undefined before the first epoch) and the batches taken.
  const Tensor& order() const { return order_; }
  std::size_t position() const { return position_; }
  // Continues an epoch from a checkpoint: `order` must be a permutation of 0..N-1 and `position`
  // at most batches_per_epoch().
  void resume(const Tensor& order, std::size_t position);

 private:
  std::size_t examples_, batch_size_;
  EpochSamplerOptions options_;
  Tensor order_;
  std::size_t position_ = 0;
};

}  // namespace xgrad::data
