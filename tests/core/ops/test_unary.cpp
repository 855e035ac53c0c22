#include "../helpers.hpp"

namespace {

const std::vector<xg::Shape> kShapes = {{}, {5}, {2, 3}, {2, 1, 3}};

class UnaryGrad : public ::testing::TestWithParam<xg::Shape> {};

TEST_P(UnaryGrad, Gradcheck) {
  xg::manual_seed(4);
  xg::Tensor x = leaf(GetParam()), pos = leaf(GetParam(), 0.2, 3.0);
  expect_gradcheck([](const auto& v) { return xg::exp(v[0]); }, {x});
  expect_gradcheck([](const auto& v) { return xg::log(v[0]); }, {pos});
  expect_gradcheck([](const auto& v) { return xg::sqrt(v[0]); }, {pos});
  expect_gradcheck([](const auto& v) { return xg::log1p(v[0]); }, {pos});
  expect_gradcheck([](const auto& v) { return xg::abs(v[0]); }, {x});
  expect_gradcheck([](const auto& v) { return xg::clamp(v[0], -0.5, 0.7); }, {x});
  expect_gradcheck([](const auto& v) { return xg::clamp(v[0], -0.5, std::nullopt); }, {x});
  expect_gradcheck([](const auto& v) { return xg::clamp(v[0], std::nullopt, 0.7); }, {x});
}

INSTANTIATE_TEST_SUITE_P(Shapes, UnaryGrad, ::testing::ValuesIn(kShapes));

TEST(Unary, AbsGradientAtZeroIsZero) {
  xg::Tensor x = xg::tensor({-2.0, 0.0, 3.0}, xg::kFloat64).requires_grad_();
  xg::abs(x).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{-1, 0, 1}));
}

TEST(Unary, ClampPassesGradientAtItsBounds) {
  // PyTorch: the gradient flows where min <= x <= max, bounds included.
  xg::Tensor x = xg::tensor({-2.0, -1.0, 0.0, 1.0, 2.0}, xg::kFloat64).requires_grad_();
  xg::clamp(x, -1.0, 1.0).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0, 1, 1, 1, 0}));
}

TEST(Unary, ClosedForms) {
  xg::Tensor x = xg::tensor({1.0, 4.0}, xg::kFloat64).requires_grad_();
  xg::sqrt(x).sum().backward();  // d sqrt(x) = 1 / (2 sqrt(x))
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0.5, 0.25}));
  x.set_grad({});
  xg::log(x).sum().backward();  // d log(x) = 1 / x
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1.0, 0.25}));
}

TEST(Unary, Log1pIsExactForTinyInputs) {
  // log(1 + 1e-20) rounds to log(1) = 0; log1p keeps the 1e-20.
  EXPECT_EQ(xg::log1p(xg::tensor({1e-20}, xg::kFloat64)).item(), 1e-20);
}

TEST(Unary, Errors) {
  EXPECT_ERROR(xg::clamp(xg::ones({2}), 1.0, -1.0), "clamp", "min 1", "max -1");
  EXPECT_ERROR(xg::exp(xg::ones({2}, xg::kInt64)), "exp", "int64");
}

}  // namespace
