#include "helpers.hpp"

namespace nn = xg::nn;

namespace {

TEST(Linear, ComputesXWTransposedPlusB) {
  nn::Linear fc(3, 2);
  fc.to(xg::kFloat64);
  fc.load_state_dict(
      {{"weight", xg::tensor({{1, 2, 3}, {4, 5, 6}}, xg::kFloat64)}, {"bias", xg::tensor({0.5, -1.0}, xg::kFloat64)}});
  // [1 1 1] Wᵀ + b = [6.5, 14]; [1 0 -1] Wᵀ + b = [-1.5, -3].
  const xg::Tensor y = fc.forward(xg::tensor({{1, 1, 1}, {1, 0, -1}}, xg::kFloat64));
  EXPECT_EQ(values(y), (std::vector<double>{6.5, 14, -1.5, -3}));
}

TEST(Linear, Shapes) {
  nn::Linear fc(4, 3);
  EXPECT_EQ(fc.weight.shape(), (xg::Shape{3, 4}));
  EXPECT_EQ(fc.bias.shape(), (xg::Shape{3}));
  EXPECT_EQ(fc.forward(xg::zeros({5, 4})).shape(), (xg::Shape{5, 3}));
  EXPECT_EQ(fc.forward(xg::zeros({2, 5, 4})).shape(), (xg::Shape{2, 5, 3}));  // over the last dim
  EXPECT_EQ(fc.forward(xg::zeros({4})).shape(), (xg::Shape{3}));
  nn::Linear no_bias(4, 3, false);
  EXPECT_FALSE(no_bias.bias.defined());
  EXPECT_EQ(no_bias.parameters().size(), 1u);
}

TEST(Linear, Gradcheck) {
  xg::manual_seed(61);
  for (bool bias : {true, false}) {
    nn::Linear fc(4, 3, bias);
    fc.to(xg::kFloat64);
    std::vector<xg::Tensor*> params{&fc.weight};
    if (bias) params.push_back(&fc.bias);
    expect_module_gradcheck(fc, leaf({5, 4}), params);
    expect_module_gradcheck(fc, leaf({2, 3, 4}), params);
  }
}

TEST(Linear, PyTorchDefaultInit) {
  // kaiming_uniform_(a = sqrt(5)) and the bias both give U(-1/sqrt(in), 1/sqrt(in)).
  xg::manual_seed(62);
  nn::Linear fc(100, 50);
  const double bound = 1.0 / std::sqrt(100.0);
  double lo = 1, hi = -1;
  for (double v : values(fc.weight)) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_GE(lo, -bound);
  EXPECT_LE(hi, bound);
  EXPECT_LT(lo, -0.9 * bound);  // and it fills the range: 5000 draws
  EXPECT_GT(hi, 0.9 * bound);
  for (double v : values(fc.bias)) EXPECT_LE(std::abs(v), bound);
  xg::manual_seed(62);
  nn::Linear again(100, 50);
  EXPECT_EQ(values(again.weight), values(fc.weight)) << "the seed fixes the init";
}

TEST(Linear, Errors) {
  nn::Linear fc(4, 3);
  EXPECT_ERROR(fc.forward(xg::zeros({2, 5})), "Linear", "(2, 5)", "in_features is 4");
  EXPECT_ERROR(fc.forward(xg::zeros({2, 4}, xg::kFloat64)), "Linear", "float64", "float32", ".to()");
  EXPECT_ERROR(nn::Linear(0, 3), "Linear", "in_features must be positive", "0");
  EXPECT_ERROR(nn::Linear(3, -1), "Linear", "out_features must be positive", "-1");
}

}  // namespace
