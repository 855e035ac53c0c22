// Images kept as bytes (data/byte_images.*): their rows, slices and batches are bit for bit the
// float32 tensor of the same pixels / 255, and a bad shape or row is an error naming it.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <numeric>
#include <xgrad/data/batches.hpp>
#include <xgrad/data/byte_images.hpp>

#include "../core/helpers.hpp"

namespace data = xgrad::data;

namespace {

// 10 images of 2x3 pixels, every byte value 0..255 somewhere among them.
std::vector<std::uint8_t> pixels() {
  std::vector<std::uint8_t> p(60);
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = std::uint8_t((i * 97 + 13) % 256);
  p[0] = 0, p[1] = 255;
  return p;
}

// The float32 tensor of the same pixels, made as load_fashion_mnist made it before the bytes.
xg::Tensor as_floats(const std::vector<std::uint8_t>& p, const xg::Shape& shape) {
  xt::xarray<float> x = xt::empty<float>(shape);
  for (std::size_t i = 0; i < p.size(); ++i) x.data()[i] = float(p[i]) / 255.0f;
  return xg::from_xarray(x);
}

bool same_bits(const xg::Tensor& a, const xg::Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == xg::kFloat32 && b.dtype() == xg::kFloat32 &&
         std::equal(a.data<float>().begin(), a.data<float>().end(), b.data<float>().begin(), [](float x, float y) {
           return std::bit_cast<std::uint32_t>(x) == std::bit_cast<std::uint32_t>(y);
         });
}

}  // namespace

TEST(ByteImages, RowsAndSlicesAreTheFloatTensorsBits) {
  const data::ByteImages images(pixels(), {10, 2, 3});
  const xg::Tensor floats = as_floats(pixels(), {10, 2, 3});
  EXPECT_EQ(images.examples(), 10u);
  EXPECT_EQ(images.row_size(), 6u);
  EXPECT_TRUE(same_bits(images.to_tensor(), floats));
  EXPECT_TRUE(same_bits(images.slice(3, 7), xg::slice(floats, 0, 3, 7)));
  EXPECT_EQ(images.slice(4, 4).shape(), (xg::Shape{0, 2, 3}));
  const std::vector<std::int64_t> rows = {9, 0, 4, 4, 1, 7}, next = {2, 3, 5, 6, 8};
  const xg::Tensor picked = images.rows(rows, next);  // the prefetch reaches into `next`
  EXPECT_TRUE(same_bits(picked, xg::index_select(floats, 0, xg::tensor(rows))));
  EXPECT_EQ(images.to_tensor().data<float>()(0, 0, 1), 1.0f);
}

TEST(ByteImages, ABadShapeRowOrSliceIsAnError) {
  EXPECT_ERROR(data::ByteImages(pixels(), {10, 7}), "ByteImages", "(10, 7) holds 70 pixels but 60 were given");
  EXPECT_ERROR(data::ByteImages(pixels(), {}), "ByteImages", "first dim of examples");
  const data::ByteImages images(pixels(), {10, 6});
  const std::vector<std::int64_t> too_far = {1, 10}, negative = {-1};
  EXPECT_ERROR(images.rows(too_far), "ByteImages::rows", "row 10 is out of range for 10 images");
  EXPECT_ERROR(images.rows(negative), "ByteImages::rows", "row -1");
  EXPECT_ERROR(images.slice(8, 11), "ByteImages::slice", "8 to 11", "10 images");
  EXPECT_ERROR(images.slice(5, 4), "ByteImages::slice");
  EXPECT_ERROR(data::ByteImages().slice(0, 0), "ByteImages::slice", "no images");
  // A later row that is out of range is only not prefetched: the batch itself is right.
  EXPECT_EQ(images.rows(std::vector<std::int64_t>{2}, too_far).shape(), (xg::Shape{1, 6}));
}

TEST(ByteImages, BatchesOfBytesAreTheBatchesOfTheFloatTensor) {
  const data::ByteImages images(pixels(), {10, 6});
  xt::xarray<std::int64_t> y = xt::arange<std::int64_t>(10);
  const xg::Tensor labels = xg::from_xarray(y), floats = as_floats(pixels(), {10, 6});
  xg::Generator g1(7), g2(7);
  data::Batches from_bytes(images, labels, 4, true, &g1), from_floats(floats, labels, 4, true, &g2);
  for (int epoch = 0; epoch < 2; ++epoch) {
    from_bytes.start_epoch();
    from_floats.start_epoch();
    while (from_floats.has_next()) {
      ASSERT_TRUE(from_bytes.has_next());
      const data::Batch a = from_bytes.next(), b = from_floats.next();
      EXPECT_TRUE(same_bits(a.inputs, b.inputs));
      EXPECT_EQ(values(a.targets), values(b.targets));
    }
    EXPECT_FALSE(from_bytes.has_next());
  }
  EXPECT_ERROR(data::Batches(images, xg::from_xarray(xt::xarray<std::int64_t>(xt::arange<std::int64_t>(9))), 4),
               "Batches", "10 inputs but 9 targets");
}
