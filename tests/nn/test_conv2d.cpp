#include "helpers.hpp"

namespace nn = xg::nn;

namespace {

TEST(Conv2dModule, ShapesAndParameters) {
  nn::Conv2d conv(3, 16, 3, 2, 1);
  EXPECT_EQ(conv.weight.shape(), (xg::Shape{16, 3, 3, 3}));
  EXPECT_EQ(conv.bias.shape(), (xg::Shape{16}));
  EXPECT_EQ(conv.forward(xg::zeros({2, 3, 64, 64})).shape(), (xg::Shape{2, 16, 32, 32}));
  nn::Conv2d rect(2, 4, {3, 1}, {1, 2}, {1, 0}, false);
  EXPECT_EQ(rect.weight.shape(), (xg::Shape{4, 2, 3, 1}));
  EXPECT_FALSE(rect.bias.defined());
  EXPECT_EQ(rect.parameters().size(), 1u);
  EXPECT_EQ(rect.forward(xg::zeros({1, 2, 5, 6})).shape(), (xg::Shape{1, 4, 5, 3}));
}

TEST(Conv2dModule, ForwardIsTheOp) {
  xg::manual_seed(71);
  nn::Conv2d conv(2, 3, {2, 3}, 1, {1, 0});
  const xg::Tensor x = xg::randn({2, 2, 5, 6});
  EXPECT_EQ(values(conv.forward(x)), values(xg::conv2d(x, conv.weight, conv.bias, 1, {1, 0})));
}

TEST(Conv2dModule, Gradcheck) {
  xg::manual_seed(72);
  nn::Conv2d conv(2, 3, {3, 2}, {2, 1}, 1);
  conv.to(xg::kFloat64);
  expect_module_gradcheck(conv, leaf({2, 2, 5, 4}), {&conv.weight, &conv.bias});
}

TEST(Conv2dModule, PyTorchDefaultInit) {
  // fan_in = 8 * 3 * 3 = 72: weight and bias uniform in ±1/sqrt(72).
  xg::manual_seed(73);
  nn::Conv2d conv(8, 16, 3);
  const double bound = 1.0 / std::sqrt(72.0);
  double hi = 0;
  for (double v : values(conv.weight)) hi = std::max(hi, std::abs(v));
  EXPECT_LE(hi, bound);
  EXPECT_GT(hi, 0.95 * bound);
  for (double v : values(conv.bias)) EXPECT_LE(std::abs(v), bound);
}

TEST(Conv2dModule, Errors) {
  EXPECT_ERROR(nn::Conv2d(0, 4, 3), "Conv2d", "in_channels must be positive");
  EXPECT_ERROR(nn::Conv2d(3, 4, {3, 0}), "Conv2d", "kernel_size must be at least 1", "(3, 0)");
  EXPECT_ERROR(nn::Conv2d(3, 4, 3, 0), "Conv2d", "stride must be at least 1");
  EXPECT_ERROR(nn::Conv2d(3, 4, 3, 1, -1), "Conv2d", "padding must be at least 0");
  nn::Conv2d conv(3, 4, 3);
  EXPECT_ERROR(conv.forward(xg::zeros({1, 3, 8, 8}, xg::kFloat64)), "Conv2d", "float64", "float32");
  EXPECT_ERROR(conv.forward(xg::zeros({1, 2, 8, 8})), "conv2d", "2 channels");
}

}  // namespace
