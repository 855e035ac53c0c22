#include "../helpers.hpp"

namespace {

using Shapes = std::pair<xg::Shape, xg::Shape>;

// Every binary op over equal shapes, broadcasting shapes and 0-d operands.
const std::vector<Shapes> kShapes = {
    {{3, 4}, {3, 4}}, {{3, 1, 4}, {2, 4}}, {{4}, {3, 4}}, {{2, 3}, {}}, {{}, {2, 3}}, {{2, 1}, {1, 3}},
};

class BinaryGrad : public ::testing::TestWithParam<Shapes> {};

TEST_P(BinaryGrad, AddSubMulDiv) {
  xg::manual_seed(1);
  const auto [sa, sb] = GetParam();
  xg::Tensor a = leaf(sa), b = leaf(sb, 0.5, 2.0);  // b away from 0 for div
  expect_gradcheck([](const auto& x) { return x[0] + x[1]; }, {a, b});
  expect_gradcheck([](const auto& x) { return x[0] - x[1]; }, {a, b});
  expect_gradcheck([](const auto& x) { return x[0] * x[1]; }, {a, b});
  expect_gradcheck([](const auto& x) { return x[0] / x[1]; }, {a, b});
}

TEST_P(BinaryGrad, Pow) {
  xg::manual_seed(2);
  const auto [sa, sb] = GetParam();
  xg::Tensor base = leaf(sa, 0.5, 2.0), exponent = leaf(sb, -2.0, 2.0);
  expect_gradcheck([](const auto& x) { return xg::pow(x[0], x[1]); }, {base, exponent});
}

INSTANTIATE_TEST_SUITE_P(Shapes, BinaryGrad, ::testing::ValuesIn(kShapes));

TEST(Arithmetic, ScalarFormsGradcheck) {
  xg::manual_seed(3);
  xg::Tensor a = leaf({2, 3}, 0.5, 2.0);
  expect_gradcheck([](const auto& x) { return x[0] + 1.5; }, {a});
  expect_gradcheck([](const auto& x) { return 2.0 - x[0]; }, {a});
  expect_gradcheck([](const auto& x) { return x[0] * -3.0; }, {a});
  expect_gradcheck([](const auto& x) { return x[0] / 4.0; }, {a});
  expect_gradcheck([](const auto& x) { return 3.0 / x[0]; }, {a});
  expect_gradcheck([](const auto& x) { return -x[0]; }, {a});
  for (double e : {2.0, 3.0, 0.5, -1.0, -2.5}) expect_gradcheck([e](const auto& x) { return xg::pow(x[0], e); }, {a});
  expect_gradcheck([](const auto& x) { return xg::pow(2.5, x[0]); }, {a});
}

TEST(Arithmetic, BroadcastGradientsSumBack) {
  // y = a + b with a (2, 3) and b (3,): dy/db sums the upstream ones over the 2 rows.
  xg::Tensor a = xg::ones({2, 3}, xg::kFloat64).requires_grad_();
  xg::Tensor b = xg::tensor({1, 2, 3}, xg::kFloat64).requires_grad_();
  (a * b).sum().backward();
  EXPECT_EQ(values(b.grad()), (std::vector<double>{2, 2, 2}));  // d/db Σ a b = Σ_rows a = 2
  EXPECT_EQ(values(a.grad()), (std::vector<double>{1, 2, 3, 1, 2, 3}));
}

TEST(Arithmetic, PowAtZeroHasNoNaN) {
  // d x^0/dx = 0 and d 0^y/dy = 0 for y >= 0 (PyTorch's convention), not NaN.
  xg::Tensor x = xg::tensor({0.0, 2.0}, xg::kFloat64).requires_grad_();
  xg::Tensor y = xg::tensor({0.0, 0.0}, xg::kFloat64).requires_grad_();
  xg::Tensor p = xg::pow(x, y);
  EXPECT_EQ(values(p), (std::vector<double>{1, 1}));  // 0^0 = 1
  EXPECT_EQ(values(xg::pow(x, 0.0)), (std::vector<double>{1, 1}));
  p.sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0, 0}));
  EXPECT_EQ(values(y.grad()), (std::vector<double>{0, std::log(2.0)}));
}

TEST(Arithmetic, ScalarKeepsTensorDtype) {
  EXPECT_EQ((xg::ones({2}) * 2.0).dtype(), xg::kFloat32);
  EXPECT_EQ((1.0 - xg::ones({2}, xg::kFloat64)).dtype(), xg::kFloat64);
}

TEST(Arithmetic, Errors) {
  EXPECT_ERROR(xg::ones({3, 4}) + xg::ones({5}), "add", "(3, 4)", "(5)");
  EXPECT_ERROR(xg::ones({2, 3}) * xg::ones({2, 3}, xg::kFloat64), "mul", "dtype mismatch", "float32", "float64");
  EXPECT_ERROR(xg::ones({2}, xg::kInt64) * 2.0, "mul", "int64");
  EXPECT_ERROR(xg::Tensor() + 1.0, "add", "undefined");
}

}  // namespace
