#include "xgrad/data/epoch_sampler.hpp"

#include <algorithm>
#include <vector>
#include <xtensor/xbuilder.hpp>

#include "xgrad/core/error.hpp"
#include "xgrad/core/factory.hpp"
#include "xgrad/core/shape.hpp"

namespace xgrad::data {

EpochSampler::EpochSampler(std::size_t examples, std::size_t batch_size, EpochSamplerOptions options)
    : examples_(examples), batch_size_(batch_size), options_(std::move(options)) {
  if (examples_ == 0) fail(options_.name.c_str(), "the dataset is empty");
  if (batch_size_ == 0) fail(options_.name.c_str(), "the batch size must be positive");
}

std::size_t EpochSampler::batches_per_epoch() const {
  if (options_.drop_last) return std::max<std::size_t>(1, examples_ / batch_size_);
  return (examples_ + batch_size_ - 1) / batch_size_;
}

void EpochSampler::start_epoch() {
  const auto n = std::int64_t(examples_);
  order_ = options_.shuffle ? randperm(n) : from_xarray(xt::xarray<std::int64_t>(xt::arange<std::int64_t>(n)));
  position_ = 0;
}

std::span<const std::int64_t> EpochSampler::next() {
  if (!has_next())
    fail((options_.name + "::next").c_str(), "no batch left (position ", position_, " of ", batches_per_epoch(),
         "); call start_epoch() first");
  const std::size_t begin = position_ * batch_size_, count = std::min(batch_size_, examples_ - begin);
  ++position_;
  return {order_.data<std::int64_t>().data() + begin, count};
}

std::size_t EpochSampler::indices_left() const {
  const std::size_t begin = position_ * batch_size_;
  return begin < examples_ ? examples_ - begin : 0;
}

void EpochSampler::resume(const Tensor& order, std::size_t position) {
  const std::string op = options_.name + "::resume";
  if (!order.defined() || order.dtype() != kInt64 || order.dim() != 1 || order.numel() != examples_)
    fail(op.c_str(), "the order must be an int64 tensor of shape (", examples_, "), got ",
         order.defined() ? to_string(order.shape()) + " " + dtype_name(order.dtype()) : std::string("undefined"));
  std::vector<bool> seen(examples_, false);
  for (std::int64_t i : order.data<std::int64_t>()) {
    if (i < 0 || std::size_t(i) >= examples_ || seen[std::size_t(i)])
      fail(op.c_str(), "the order is not a permutation of 0..", examples_ - 1, " (entry ", i, ")");
    seen[std::size_t(i)] = true;
  }
  if (position > batches_per_epoch())
    fail(op.c_str(), "position ", position, " is past the epoch's ", batches_per_epoch(), " batches");
  order_ = order.detach();
  position_ = position;
}

}  // namespace xgrad::data
