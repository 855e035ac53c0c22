#include "helpers.hpp"

namespace {

TEST(ShapeOps, Gradcheck) {
  xg::manual_seed(13);
  xg::Tensor x = leaf({2, 3, 4});
  expect_gradcheck([](const auto& v) { return xg::reshape(v[0], {4, -1}); }, {x});
  expect_gradcheck([](const auto& v) { return xg::flatten(v[0], 1); }, {x});
  expect_gradcheck([](const auto& v) { return xg::transpose(v[0], 0, 2); }, {x});
  expect_gradcheck([](const auto& v) { return xg::permute(v[0], {1, 2, 0}); }, {x});
  expect_gradcheck([](const auto& v) { return xg::unsqueeze(v[0], -1); }, {x});
  expect_gradcheck([](const auto& v) { return xg::squeeze(xg::unsqueeze(v[0], 1)); }, {x});
}

TEST(ShapeOps, Shapes) {
  xg::Tensor x = xg::arange(24).reshape({2, 3, 4});
  EXPECT_EQ(x.reshape({-1, 6}).shape(), (xg::Shape{4, 6}));
  EXPECT_EQ(x.flatten().shape(), (xg::Shape{24}));
  EXPECT_EQ(x.flatten(0, 1).shape(), (xg::Shape{6, 4}));
  EXPECT_EQ(x.permute({2, 0, 1}).shape(), (xg::Shape{4, 2, 3}));
  EXPECT_EQ(x.unsqueeze(0).shape(), (xg::Shape{1, 2, 3, 4}));
  EXPECT_EQ(x.unsqueeze(3).shape(), (xg::Shape{2, 3, 4, 1}));
  EXPECT_EQ(xg::ones({1, 3, 1}).squeeze().shape(), (xg::Shape{3}));
  EXPECT_EQ(xg::ones({1, 3, 1}).squeeze(1).shape(), (xg::Shape{1, 3, 1}));  // not size 1: unchanged
  // transpose moves elements: x[i][j] becomes t[j][i].
  xg::Tensor m = xg::tensor({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(values(m.t()), (std::vector<double>{1, 4, 2, 5, 3, 6}));
}

TEST(ShapeOps, ResultsAreCopies) {
  xg::Tensor x = xg::zeros({2, 2});
  xg::Tensor y = x.reshape({4});
  y.data<float>()(0) = 7;
  EXPECT_EQ(x.data<float>()(0, 0), 0.0f);
}

TEST(ShapeOps, Errors) {
  EXPECT_ERROR(xg::ones({2, 3}).reshape({4, 2}), "reshape", "(4, 2)", "(2, 3)");
  EXPECT_ERROR(xg::ones({2, 3}).reshape({-1, -1}), "reshape", "only one");
  EXPECT_ERROR(xg::ones({2, 3}).permute({0, 0}), "permute", "more than once");
  EXPECT_ERROR(xg::ones({2, 3}).permute({0}), "permute", "1 dims");
  EXPECT_ERROR(xg::ones({2, 3}).transpose(0, 2), "transpose", "dim 2");
}

}  // namespace
