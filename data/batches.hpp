#pragma once
// Mini-batches of a dataset held in memory: rows of `inputs` with the same rows of `targets`, in a
// new random order each epoch (data::EpochSampler: xg::randperm from the Batches' generator or
// the default one, so manual_seed makes the order reproducible). The last batch of an epoch holds what is left, as
// PyTorch's DataLoader does without drop_last.
//
//   xg::data::Batches batches(train.images, train.labels, 128);
//   for (int epoch = 0; epoch < epochs; ++epoch)
//     for (batches.start_epoch(); batches.has_next();) {
//       auto [x, y] = batches.next();
//       ...
//     }
//
// For checkpoints: order() and position() say where an epoch stands, resume() puts them back.
#include <cstddef>
#include <variant>

#include "xgrad/core/generator.hpp"
#include "xgrad/core/tensor.hpp"
#include "xgrad/data/byte_images.hpp"
#include "xgrad/data/epoch_sampler.hpp"

namespace xgrad::data {

// What a batch's inputs are cut from: a tensor, or images kept as bytes (data/byte_images.hpp),
// whose batches come out as float32 pixel / 255.
using Inputs = std::variant<Tensor, ByteImages>;

struct Batch {
  Tensor inputs, targets;
};

class Batches {
 public:
  // inputs (a tensor of float32, float64 or int64, or ByteImages) and targets (a tensor) share
  // their first dim, the examples. The order is drawn from `generator` if given (it must outlive
  // the Batches), else the default one.
  Batches(Inputs inputs, Tensor targets, std::size_t batch_size, bool shuffle = true, Generator* generator = nullptr);

  std::size_t examples() const { return sampler_.examples(); }
  std::size_t batch_size() const { return sampler_.batch_size(); }
  std::size_t batches_per_epoch() const { return sampler_.batches_per_epoch(); }

  // Draws the epoch's order (a permutation, or 0..N-1 without shuffling) and goes to batch 0.
  void start_epoch() { sampler_.start_epoch(); }
  bool has_next() const { return sampler_.has_next(); }
  // The next batch's rows, copied; throws when the epoch is over or not started.
  Batch next();

  // The epoch's order (int64, (N)) and the number of batches already taken.
  const Tensor& order() const { return sampler_.order(); }
  std::size_t position() const { return sampler_.position(); }
  // Continues an epoch from a checkpoint: `order` must be a permutation of 0..N-1 and `position`
  // at most batches_per_epoch().
  void resume(const Tensor& order, std::size_t position) { sampler_.resume(order, position); }

 private:
  Inputs inputs_;
  Tensor targets_;
  EpochSampler sampler_;
};

}  // namespace xgrad::data
