#include "xgrad/data/byte_images.hpp"

#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>

#include "xgrad/core/error.hpp"
#include "xgrad/data/detail/prefetch.hpp"

namespace xgrad::data {

namespace {

// The one conversion, so a batch of rows and a slice give the same bits as a float32 tensor of
// the whole dataset made the same way.
void to_float(const std::uint8_t* pixels, std::size_t count, float* out) {
  for (std::size_t i = 0; i < count; ++i) out[i] = float(pixels[i]) / 255.0f;
}

}  // namespace

ByteImages::ByteImages(std::vector<std::uint8_t> pixels, Shape shape) : shape_(std::move(shape)) {
  if (shape_.empty()) fail("ByteImages", "the shape needs a first dim of examples, got ", to_string(shape_));
  const std::size_t count = checked_numel("ByteImages", shape_);
  if (count != pixels.size())
    fail("ByteImages", "shape ", to_string(shape_), " holds ", count, " pixels but ", pixels.size(), " were given");
  row_size_ = checked_numel("ByteImages", Shape(shape_.begin() + 1, shape_.end()));
  pixels_ = std::make_shared<const std::vector<std::uint8_t>>(std::move(pixels));
}

std::span<const std::uint8_t> ByteImages::bytes() const {
  return pixels_ ? std::span<const std::uint8_t>(*pixels_) : std::span<const std::uint8_t>();
}

Tensor ByteImages::rows(std::span<const std::int64_t> rows, std::span<const std::int64_t> next) const {
  const std::size_t n = examples();
  for (const std::int64_t r : rows)
    if (r < 0 || std::size_t(r) >= n) fail("ByteImages::rows", "row ", r, " is out of range for ", n, " images");
  Shape shape = shape_;
  shape[0] = rows.size();
  checked_bytes("ByteImages::rows", shape, sizeof(float));
  xt::xarray<float> out = xt::empty<float>(shape);
  const std::uint8_t* pixels = pixels_ ? pixels_->data() : nullptr;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    // The row kPrefetchAhead on, from this batch's indices or from `next`'s.
    const std::size_t ahead = i + detail::kPrefetchAhead;
    const std::int64_t* later = ahead < rows.size()                 ? &rows[ahead]
                                : ahead - rows.size() < next.size() ? &next[ahead - rows.size()]
                                                                    : nullptr;
    if (later && *later >= 0 && std::size_t(*later) < n)
      detail::prefetch(pixels + std::size_t(*later) * row_size_, row_size_);
    to_float(pixels + std::size_t(rows[i]) * row_size_, row_size_, out.data() + i * row_size_);
  }
  return Tensor(Storage(std::move(out)));
}

Tensor ByteImages::slice(std::size_t begin, std::size_t end) const {
  if (shape_.empty()) fail("ByteImages::slice", "no images (a default-constructed ByteImages)");
  if (begin > end || end > examples())
    fail("ByteImages::slice", "images ", begin, " to ", end, " are out of range for ", examples(), " images");
  Shape shape = shape_;
  shape[0] = end - begin;
  checked_bytes("ByteImages::slice", shape, sizeof(float));
  xt::xarray<float> out = xt::empty<float>(shape);
  if (end > begin) to_float(pixels_->data() + begin * row_size_, (end - begin) * row_size_, out.data());
  return Tensor(Storage(std::move(out)));
}

}  // namespace xgrad::data
