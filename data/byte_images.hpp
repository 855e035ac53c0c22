#pragma once
// Images kept as the bytes their files hold, a quarter of float32's memory, and handed out as
// float32 pixel / 255 (torchvision's ToTensor) a batch at a time: Fashion-MNIST's 60,000 training
// images take 47 MB instead of 188. The rows come out bit for bit as a float32 tensor of the same
// images would give them.
//
//   xg::data::ByteImages images(std::move(pixels), {60000, 784});
//   xg::Tensor x = images.rows(indices);     // float32 (indices.size(), 784)
//   xg::Tensor all = images.to_tensor();     // float32 (60000, 784)
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "xgrad/core/shape.hpp"
#include "xgrad/core/tensor.hpp"

namespace xgrad::data {

class ByteImages {
 public:
  ByteImages() = default;
  // `pixels` row-major, `shape` (N, ...) with at least one dim and as many elements as pixels.
  ByteImages(std::vector<std::uint8_t> pixels, Shape shape);

  const Shape& shape() const { return shape_; }
  std::size_t examples() const { return shape_.empty() ? 0 : shape_[0]; }
  // The pixels of one image: the product of the dims after the first.
  std::size_t row_size() const { return row_size_; }
  std::span<const std::uint8_t> bytes() const;

  // float32 (rows.size(), ...): image rows[i] / 255. `next` names the rows asked for after these,
  // fetched from memory ahead while these are converted. Throws naming a row out of range.
  Tensor rows(std::span<const std::int64_t> rows, std::span<const std::int64_t> next = {}) const;
  // float32 images begin..end-1.
  Tensor slice(std::size_t begin, std::size_t end) const;
  Tensor to_tensor() const { return slice(0, examples()); }

 private:
  std::shared_ptr<const std::vector<std::uint8_t>> pixels_;  // copies of a dataset share it
  Shape shape_;
  std::size_t row_size_ = 0;
};

}  // namespace xgrad::data
