#include <cmath>
#include <xsimd/xsimd.hpp>

#include "../helpers.hpp"

namespace {

const std::vector<xg::Shape> kShapes = {{}, {5}, {2, 3}, {2, 1, 3}};

class ActivationGrad : public ::testing::TestWithParam<xg::Shape> {};

TEST_P(ActivationGrad, Gradcheck) {
  xg::manual_seed(5);
  xg::Tensor x = leaf(GetParam(), -3.0, 3.0);
  expect_gradcheck([](const auto& v) { return xg::sigmoid(v[0]); }, {x});
  expect_gradcheck([](const auto& v) { return xg::tanh(v[0]); }, {x});
  expect_gradcheck([](const auto& v) { return xg::relu(v[0]); }, {x});
  expect_gradcheck([](const auto& v) { return xg::leaky_relu(v[0], 0.1); }, {x});
  expect_gradcheck([](const auto& v) { return xg::silu(v[0]); }, {x});
  expect_gradcheck([](const auto& v) { return xg::softplus(v[0]); }, {x});
  expect_gradcheck([](const auto& v) { return xg::softplus(v[0], 2.0, 1.0); }, {x});  // crosses the threshold
}

INSTANTIATE_TEST_SUITE_P(Shapes, ActivationGrad, ::testing::ValuesIn(kShapes));

TEST(Activation, SoftmaxGradcheckAlongEachDim) {
  xg::manual_seed(6);
  xg::Tensor x = leaf({2, 3, 4}, -3.0, 3.0);
  for (std::int64_t d : {0, 1, 2, -1}) {
    expect_gradcheck([d](const auto& v) { return xg::softmax(v[0], d); }, {x});
    expect_gradcheck([d](const auto& v) { return xg::log_softmax(v[0], d); }, {x});
  }
}

TEST(Activation, ReluGradientAtZeroIsZero) {
  xg::Tensor x = xg::tensor({-1.0, 0.0, 2.0}, xg::kFloat64).requires_grad_();
  xg::relu(x).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0, 0, 1}));
}

TEST(Activation, SoftmaxIsStableForHugeLogits) {
  // Without the max shift exp(1000) overflows to inf and the result is NaN.
  xg::Tensor x = xg::tensor({{1000.0, 1000.0, 0.0}}, xg::kFloat64).requires_grad_();
  const auto p = values(xg::softmax(x, 1));
  EXPECT_DOUBLE_EQ(p[0], 0.5);
  EXPECT_DOUBLE_EQ(p[1], 0.5);
  const auto lp = values(xg::log_softmax(x, 1));
  EXPECT_DOUBLE_EQ(lp[0], -std::log(2.0));
  EXPECT_DOUBLE_EQ(lp[2], -1000.0 - std::log(2.0));
  xg::log_softmax(x, 1).sum().backward();
  for (double g : values(x.grad())) EXPECT_TRUE(std::isfinite(g));
}

TEST(Activation, SoftplusLargeInputIsIdentity) {
  xg::Tensor x = xg::tensor({100.0, -100.0}, xg::kFloat64).requires_grad_();
  const auto y = values(xg::softplus(x));
  EXPECT_EQ(y[0], 100.0);
  EXPECT_NEAR(y[1], std::exp(-100.0), 1e-50);
  xg::softplus(x).sum().backward();
  EXPECT_EQ(values(x.grad())[0], 1.0);
}

TEST(Activation, SigmoidClosedForm) {
  // σ'(0) = σ(0) (1 − σ(0)) = 1/4
  xg::Tensor x = xg::tensor({0.0}, xg::kFloat64).requires_grad_();
  xg::sigmoid(x).sum().backward();
  EXPECT_EQ(values(x.grad())[0], 0.25);
}

TEST(Activation, Errors) {
  EXPECT_ERROR(xg::softmax(xg::ones({2, 3}), 2), "softmax", "dim 2", "out of range");
  EXPECT_ERROR(xg::log_softmax(xg::ones({2, 3}), -3), "log_softmax", "dim -3");
  EXPECT_ERROR(xg::softplus(xg::ones({2}), 0.0), "softplus", "beta");
}

}  // namespace

// silu keeps σ(x) from the forward when a graph is built; its output and gradient must be the
// bits of recomputing σ = 1 / (1 + exp(-x)) in the backward, as it did before, with or without a
// graph, on an odd size whose last SIMD batch is a padded one.
TEST(Activation, SiluKeepsSigmoidSameBits) {
  using Batch = xsimd::batch<float>;
  xg::manual_seed(31);
  const xg::Tensor x0 = xg::randn({3, 1001}) * 6.0, dy = xg::randn({3, 1001});
  xg::Tensor x = x0.detach().requires_grad_();
  const xg::Tensor y = xg::silu(x);
  y.backward(dy);
  xg::Tensor y_no_graph;
  {
    xg::NoGradGuard no_grad;
    y_no_graph = xg::silu(x0);
  }
  const float* v = x0.data<float>().data();
  const float* g = dy.data<float>().data();
  const float* got_y = y.data<float>().data();
  const float* got_dx = x.grad().data<float>().data();
  const std::size_t n = x0.numel();
  for (std::size_t i = 0; i < n; i += Batch::size) {
    alignas(64) float in[Batch::size] = {}, gin[Batch::size] = {}, want_y[Batch::size], want_dx[Batch::size];
    for (std::size_t k = 0; k < Batch::size && i + k < n; ++k) in[k] = v[i + k], gin[k] = g[i + k];
    const Batch b = Batch::load_aligned(in), gb = Batch::load_aligned(gin);
    (b / (Batch(1.0f) + xsimd::exp(-b))).store_aligned(want_y);
    const Batch s = Batch(1.0f) / (Batch(1.0f) + xsimd::exp(-b));
    (gb * s * (Batch(1.0f) + b * (Batch(1.0f) - s))).store_aligned(want_dx);
    for (std::size_t k = 0; k < Batch::size && i + k < n; ++k) {
      ASSERT_EQ(got_y[i + k], want_y[k]) << i + k;
      ASSERT_EQ(y_no_graph.data<float>().data()[i + k], want_y[k]) << i + k;
      ASSERT_EQ(got_dx[i + k], want_dx[k]) << i + k;
    }
  }
}
