#include "xgrad/data/batches.hpp"

#include <algorithm>
#include <variant>
#include <vector>
#include <xtensor/xbuilder.hpp>

#include "xgrad/core/error.hpp"
#include "xgrad/core/factory.hpp"
#include "xgrad/core/shape.hpp"
#include "xgrad/data/detail/prefetch.hpp"

namespace xgrad::data {

namespace {

// Rows rows[0..count) of t along dim 0, for any dtype (index_select takes only float tensors);
// rows[count..known) are the next batch's, prefetched while this one is copied.
Tensor take_rows(const Tensor& t, const std::int64_t* rows, std::size_t count, std::size_t known) {
  return std::visit(
      [&]<class T>(const xt::xarray<T>& a) {
        Shape shape(a.shape().begin(), a.shape().end());
        const std::size_t width = a.size() / shape[0];
        shape[0] = count;
        xt::xarray<T> out = xt::empty<T>(shape);
        // Fashion-MNIST's 469 batches of 128 float rows: 23 ms -> 13 ms per epoch with the prefetch.
        constexpr std::size_t kAhead = detail::kPrefetchAhead;
        for (std::size_t i = 0; i < count; ++i) {
          if (i + kAhead < known) detail::prefetch(a.data() + std::size_t(rows[i + kAhead]) * width, width * sizeof(T));
          std::copy_n(a.data() + std::size_t(rows[i]) * width, width, out.data() + i * width);
        }
        return Tensor(Storage(std::move(out)));
      },
      t.storage());
}

// The inputs' shape; a tensor's must be defined.
Shape shape_of(const Inputs& inputs) {
  if (const auto* images = std::get_if<ByteImages>(&inputs)) return images->shape();
  const Tensor& t = std::get<Tensor>(inputs);
  if (!t.defined()) fail("Batches", "inputs and targets must be defined tensors");
  return t.shape();
}

// The number of examples, once inputs and targets are checked to hold the same number.
std::size_t checked_examples(const Inputs& inputs, const Tensor& targets) {
  const Shape shape = shape_of(inputs);
  if (!targets.defined()) fail("Batches", "inputs and targets must be defined tensors");
  if (shape.empty() || targets.dim() == 0)
    fail("Batches", "inputs ", to_string(shape), " and targets ", to_string(targets.shape()),
         " need a first dim of examples");
  const std::size_t examples = shape[0];
  if (targets.size(0) != examples)
    fail("Batches", examples, " inputs but ", targets.size(0), " targets; shapes ", to_string(shape), " and ",
         to_string(targets.shape()));
  return examples;
}

}  // namespace

Batches::Batches(Inputs inputs, Tensor targets, std::size_t batch_size, bool shuffle, Generator* generator)
    : inputs_(std::move(inputs)),
      targets_(std::move(targets)),
      sampler_(checked_examples(inputs_, targets_), batch_size,
               {.shuffle = shuffle, .generator = generator, .name = "Batches"}) {}

Batch Batches::next() {
  const std::size_t known = sampler_.indices_left();
  const std::span<const std::int64_t> rows = sampler_.next();
  Tensor inputs = std::holds_alternative<ByteImages>(inputs_)
                      ? std::get<ByteImages>(inputs_).rows(rows, {rows.data() + rows.size(), known - rows.size()})
                      : take_rows(std::get<Tensor>(inputs_), rows.data(), rows.size(), known);
  return {std::move(inputs), take_rows(targets_, rows.data(), rows.size(), known)};
}

}  // namespace xgrad::data
