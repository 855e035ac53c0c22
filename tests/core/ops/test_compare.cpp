#include "../helpers.hpp"

namespace {

TEST(Compare, ReturnsZeroOneInInputDtype) {
  xg::Tensor a = xg::tensor({1.0, 2.0, 3.0}), b = xg::tensor({3.0, 2.0, 1.0});
  EXPECT_EQ((a < b).dtype(), xg::kFloat32);
  EXPECT_EQ(values(a < b), (std::vector<double>{1, 0, 0}));
  EXPECT_EQ(values(a <= b), (std::vector<double>{1, 1, 0}));
  EXPECT_EQ(values(a > b), (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(values(a >= 2.0), (std::vector<double>{0, 1, 1}));
  EXPECT_EQ(values(xg::eq(a, b)), (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(values(xg::ne(a, 2.0)), (std::vector<double>{1, 0, 1}));
  EXPECT_FALSE((a < b).requires_grad());
}

TEST(Compare, Int64ForAccuracy) {
  xg::Tensor pred = xg::argmax(xg::tensor({{0.1, 0.9}, {0.8, 0.2}, {0.3, 0.7}}), 1);
  xg::Tensor labels = xg::from_xarray(xt::xarray<std::int64_t>{1, 0, 0});
  EXPECT_NEAR(xg::eq(pred, labels).to(xg::kFloat64).mean().item(), 2.0 / 3.0, 1e-15);
}

TEST(Compare, MinimumMaximumGradcheck) {
  xg::manual_seed(7);
  for (const auto& [sa, sb] : std::vector<std::pair<xg::Shape, xg::Shape>>{{{3, 4}, {3, 4}}, {{3, 1, 4}, {2, 4}}}) {
    xg::Tensor a = leaf(sa), b = leaf(sb);
    expect_gradcheck([](const auto& v) { return xg::maximum(v[0], v[1]); }, {a, b});
    expect_gradcheck([](const auto& v) { return xg::minimum(v[0], v[1]); }, {a, b});
  }
}

TEST(Compare, TiesSplitTheGradientEqually) {
  xg::Tensor a = xg::tensor({1.0, 2.0, 3.0}, xg::kFloat64).requires_grad_();
  xg::Tensor b = xg::tensor({2.0, 2.0, 2.0}, xg::kFloat64).requires_grad_();
  xg::maximum(a, b).sum().backward();
  EXPECT_EQ(values(a.grad()), (std::vector<double>{0, 0.5, 1}));
  EXPECT_EQ(values(b.grad()), (std::vector<double>{1, 0.5, 0}));
  a.set_grad({});
  b.set_grad({});
  xg::minimum(a, b).sum().backward();
  EXPECT_EQ(values(a.grad()), (std::vector<double>{1, 0.5, 0}));
  EXPECT_EQ(values(b.grad()), (std::vector<double>{0, 0.5, 1}));
}

TEST(Compare, WhereGradcheckWithBroadcasting) {
  xg::manual_seed(8);
  xg::Tensor cond = xg::tensor({{1.0, 0.0, 1.0, 0.0}}, xg::kFloat64);  // (1, 4)
  xg::Tensor a = leaf({3, 4}), b = leaf({4});
  expect_gradcheck([cond](const auto& v) { return xg::where(cond, v[0], v[1]); }, {a, b});
  xg::where(cond, a, b).sum().backward();
  EXPECT_EQ(values(b.grad()), (std::vector<double>{0, 3, 0, 3}));  // b wins in 3 rows where cond is 0
}

TEST(Compare, Errors) {
  EXPECT_ERROR(xg::ones({2}) < xg::ones({2}, xg::kFloat64), "lt", "dtype mismatch");
  EXPECT_ERROR(xg::maximum(xg::ones({2, 3}), xg::ones({4})), "maximum", "(2, 3)", "(4)");
  EXPECT_ERROR(xg::where(xg::ones({5}), xg::ones({2, 3}), xg::ones({2, 3})), "where", "(5)");
}

}  // namespace
