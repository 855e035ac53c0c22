#include "../helpers.hpp"

namespace {

struct PoolCase {
  xg::Shape input;
  xg::Size2 kernel, stride, padding;
};

void PrintTo(const PoolCase& c, std::ostream* os) {
  *os << "input " << xg::to_string(c.input) << " kernel " << c.kernel << " stride " << c.stride << " padding "
      << c.padding;
}

const std::vector<PoolCase> kCases = {
    {{2, 2, 4, 4}, 2, 0, 0},      {{1, 3, 5, 5}, 3, 2, 1}, {{1, 2, 5, 7}, {2, 3}, {1, 2}, {1, 1}},
    {{2, 1, 6, 5}, {3, 2}, 1, 0}, {{1, 1, 3, 3}, 3, 1, 1}, {{1, 2, 7, 4}, {4, 2}, {3, 1}, {2, 0}},
};

class Pool2dCase : public ::testing::TestWithParam<PoolCase> {};

TEST_P(Pool2dCase, MaxGradcheck) {
  // Random values have no ties, so max is differentiable at them.
  xg::manual_seed(31);
  const PoolCase c = GetParam();
  expect_gradcheck([&](const auto& v) { return xg::max_pool2d(v[0], c.kernel, c.stride, c.padding); }, {leaf(c.input)});
}

TEST_P(Pool2dCase, AvgGradcheck) {
  xg::manual_seed(32);
  const PoolCase c = GetParam();
  for (bool include_pad : {true, false})
    expect_gradcheck([&](const auto& v) { return xg::avg_pool2d(v[0], c.kernel, c.stride, c.padding, include_pad); },
                     {leaf(c.input)});
}

INSTANTIATE_TEST_SUITE_P(Shapes, Pool2dCase, ::testing::ValuesIn(kCases));

TEST(Pool2d, AdaptiveGradcheck) {
  xg::manual_seed(33);
  for (xg::Size2 out : {xg::Size2(1), xg::Size2(2, 3), xg::Size2(3), xg::Size2(5, 7), xg::Size2(4, 2)})
    expect_gradcheck([&](const auto& v) { return xg::adaptive_avg_pool2d(v[0], out); }, {leaf({2, 2, 5, 7})});
}

TEST(Pool2d, MaxClosedForm) {
  // 2x2 windows, stride 2: each output is its window's max, and dX is 1 exactly there.
  xg::Tensor x =
      xg::tensor({{{{1, 5, 2, 0}, {3, 4, 8, 1}, {0, 0, 1, 1}, {9, 2, 1, 7}}}}, xg::kFloat64).requires_grad_();
  xg::Tensor y = xg::max_pool2d(x, 2);
  EXPECT_EQ(values(y), (std::vector<double>{5, 8, 9, 7}));
  y.sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1}));
}

TEST(Pool2d, MaxTiesGoToTheFirstMaximum) {
  // PyTorch's rule: a strictly greater value replaces the best, so the first of equal maxima wins
  // (row-major within the window); overlapping windows may pick the same pixel twice.
  xg::Tensor x = xg::tensor({{{{2, 2, 2}, {2, 2, 2}, {1, 2, 2}}}}, xg::kFloat64).requires_grad_();
  xg::max_pool2d(x, 2, 1).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1, 1, 0, 1, 1, 0, 0, 0, 0}));
}

TEST(Pool2d, MaxPaddingIsMinusInfinity) {
  xg::Tensor x = xg::full({1, 1, 2, 2}, -5.0, xg::kFloat64).requires_grad_();
  const xg::Tensor y = xg::max_pool2d(x, 2, 1, 1);
  EXPECT_EQ(y.shape(), (xg::Shape{1, 1, 3, 3}));
  for (double v : values(y)) EXPECT_EQ(v, -5.0);  // never the padding's 0
}

TEST(Pool2d, MaxNaNWins) {
  const double nan = std::nan("");
  const xg::Tensor y = xg::max_pool2d(xg::tensor({{{{1.0, nan}, {3.0, 2.0}}}}, xg::kFloat64), 2);
  EXPECT_TRUE(std::isnan(y.item()));
}

TEST(Pool2d, AvgPaddingCountsOrNot) {
  // A 3x3 window centred on the corner of a 2x2 input of ones covers 4 pixels and 5 of padding:
  // 4/9 with count_include_pad, 4/4 without.
  const xg::Tensor x = xg::ones({1, 1, 2, 2}, xg::kFloat64);
  EXPECT_DOUBLE_EQ(xg::avg_pool2d(x, 3, 2, 1, true).item(), 4.0 / 9.0);
  EXPECT_DOUBLE_EQ(xg::avg_pool2d(x, 3, 2, 1, false).item(), 1.0);
}

TEST(Pool2d, AdaptiveWindowsOverlapWhenSizesDoNotDivide) {
  // 5 rows into 3: windows [0, 2), [1, 4), [3, 5), as in PyTorch.
  const xg::Tensor x = xg::arange(5, xg::kFloat64).reshape({1, 1, 5, 1});
  EXPECT_EQ(values(xg::adaptive_avg_pool2d(x, {3, 1})), (std::vector<double>{0.5, 2.0, 3.5}));
  const xg::Tensor g = xg::adaptive_avg_pool2d(xg::ones({2, 3, 4, 5}), 1);
  EXPECT_EQ(g.shape(), (xg::Shape{2, 3, 1, 1}));
}

TEST(Pool2d, OutputShapes) {
  const xg::Tensor x = xg::zeros({2, 3, 9, 8});
  EXPECT_EQ(xg::max_pool2d(x, 2).shape(), (xg::Shape{2, 3, 4, 4}));
  EXPECT_EQ(xg::max_pool2d(x, 3, 2, 1).shape(), (xg::Shape{2, 3, 5, 4}));
  EXPECT_EQ(xg::avg_pool2d(x, {3, 2}, {1, 2}).shape(), (xg::Shape{2, 3, 7, 4}));
  EXPECT_EQ(xg::adaptive_avg_pool2d(x, {4, 2}).shape(), (xg::Shape{2, 3, 4, 2}));
}

TEST(Pool2d, Float32) {
  xg::manual_seed(34);
  const xg::Tensor x = xg::randn({2, 2, 6, 6});
  const auto m32 = values(xg::max_pool2d(x, 3, 2, 1)), m64 = values(xg::max_pool2d(x.to(xg::kFloat64), 3, 2, 1));
  EXPECT_EQ(m32, m64);  // max only selects
  const auto a32 = values(xg::avg_pool2d(x, 3, 2, 1)), a64 = values(xg::avg_pool2d(x.to(xg::kFloat64), 3, 2, 1));
  for (std::size_t i = 0; i < a32.size(); ++i) EXPECT_NEAR(a32[i], a64[i], 1e-6);
}

TEST(Pool2d, Errors) {
  const xg::Tensor x = xg::zeros({1, 1, 4, 4});
  EXPECT_ERROR(xg::max_pool2d(xg::zeros({1, 4, 4}), 2), "max_pool2d", "4-D input", "(1, 4, 4)", "unsqueeze(0)");
  EXPECT_ERROR(xg::max_pool2d(x, 2, 1, 2), "max_pool2d", "padding (2, 2)", "half the kernel size (2, 2)");
  EXPECT_ERROR(xg::avg_pool2d(x, 5), "avg_pool2d", "kernel (5, 5) is larger than the padded input (4, 4)");
  EXPECT_ERROR(xg::avg_pool2d(x, 0), "avg_pool2d", "kernel size must be positive");
  EXPECT_ERROR(xg::max_pool2d(x, 2, -1), "max_pool2d", "stride must be positive", "(-1, -1)");
  EXPECT_ERROR(xg::adaptive_avg_pool2d(x, {0, 1}), "adaptive_avg_pool2d", "output size must be positive", "(0, 1)");
  EXPECT_ERROR(xg::adaptive_avg_pool2d(xg::zeros({1, 1, 0, 3}), 1), "adaptive_avg_pool2d", "empty", "(1, 1, 0, 3)");
  EXPECT_ERROR(xg::max_pool2d(xg::zeros({1, 1, 4, 4}, xg::kInt64), 2), "max_pool2d", "int64");
}

}  // namespace
