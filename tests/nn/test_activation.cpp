#include "helpers.hpp"

namespace nn = xg::nn;

namespace {

TEST(ActivationModules, EachIsItsOp) {
  xg::manual_seed(111);
  const xg::Tensor x = xg::randn({3, 4}, xg::kFloat64);
  EXPECT_EQ(values(nn::ReLU().forward(x)), values(xg::relu(x)));
  EXPECT_EQ(values(nn::LeakyReLU(0.2).forward(x)), values(xg::leaky_relu(x, 0.2)));
  EXPECT_EQ(values(nn::LeakyReLU().forward(x)), values(xg::leaky_relu(x, 0.01)));
  EXPECT_EQ(values(nn::SiLU().forward(x)), values(xg::silu(x)));
  EXPECT_EQ(values(nn::Sigmoid().forward(x)), values(xg::sigmoid(x)));
  EXPECT_EQ(values(nn::Tanh().forward(x)), values(xg::tanh(x)));
  EXPECT_EQ(values(nn::Softmax(1).forward(x)), values(xg::softmax(x, 1)));
  EXPECT_EQ(values(nn::Softmax(0).forward(x)), values(xg::softmax(x, 0)));
}

TEST(ActivationModules, HaveNoParametersAndCallLikeFunctions) {
  nn::SiLU silu;
  EXPECT_TRUE(silu.parameters().empty());
  const xg::Tensor x = xg::tensor({-1.0, 0.0, 2.0});
  EXPECT_EQ(values(silu(x)), values(xg::silu(x)));
}

TEST(ActivationModules, Gradcheck) {
  xg::manual_seed(112);
  nn::LeakyReLU leaky(0.1);
  nn::Softmax softmax(-1);
  nn::Tanh tanh;
  expect_module_gradcheck(leaky, leaf({3, 4}), {});
  expect_module_gradcheck(softmax, leaf({3, 4}), {});
  expect_module_gradcheck(tanh, leaf({3, 4}), {});
}

}  // namespace
