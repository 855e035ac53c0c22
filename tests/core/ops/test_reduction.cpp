#include "../helpers.hpp"

namespace {

TEST(Reduction, SumMeanGradcheck) {
  xg::manual_seed(9);
  xg::Tensor x = leaf({2, 3, 4});
  const std::vector<std::vector<std::int64_t>> dim_sets = {{}, {0}, {1}, {-1}, {0, 2}, {0, 1, 2}};
  for (const auto& dims : dim_sets)
    for (bool keepdim : {false, true}) {
      expect_gradcheck([&](const auto& v) { return xg::sum(v[0], dims, keepdim); }, {x});
      expect_gradcheck([&](const auto& v) { return xg::mean(v[0], dims, keepdim); }, {x});
    }
}

TEST(Reduction, MaxMinGradcheck) {
  xg::manual_seed(10);
  xg::Tensor x = leaf({3, 4, 2});
  expect_gradcheck([](const auto& v) { return xg::max(v[0]); }, {x});
  expect_gradcheck([](const auto& v) { return xg::min(v[0]); }, {x});
  for (std::int64_t d : {0, 1, -1})
    for (bool keepdim : {false, true}) {
      expect_gradcheck([&](const auto& v) { return xg::max(v[0], d, keepdim); }, {x});
      expect_gradcheck([&](const auto& v) { return xg::min(v[0], d, keepdim); }, {x});
    }
}

TEST(Reduction, Shapes) {
  xg::Tensor x = xg::ones({2, 3, 4});
  EXPECT_EQ(xg::sum(x).shape(), xg::Shape{});
  EXPECT_EQ(xg::sum(x, {1}).shape(), (xg::Shape{2, 4}));
  EXPECT_EQ(xg::sum(x, {1}, true).shape(), (xg::Shape{2, 1, 4}));
  EXPECT_EQ(xg::mean(x, {0, 2}).shape(), (xg::Shape{3}));
  EXPECT_EQ(xg::max(x, -1).values.shape(), (xg::Shape{2, 3}));
  EXPECT_EQ(xg::argmax(x, 1, true).shape(), (xg::Shape{2, 1, 4}));
  EXPECT_EQ(xg::sum(x).item(), 24.0);
}

TEST(Reduction, FullMaxSharesTiesEvenlyButDimMaxPicksOne) {
  // PyTorch: x.max() spreads the gradient over all maxima; x.max(dim) sends it to argmax's index.
  xg::Tensor x = xg::tensor({{1.0, 3.0, 3.0}, {3.0, 0.0, 1.0}}, xg::kFloat64).requires_grad_();
  xg::max(x).backward();
  const double third = 1.0 / 3.0;
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0, third, third, third, 0, 0}));
  x.set_grad({});
  xg::max(x, 1).values.sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0, 1, 0, 1, 0, 0}));
}

TEST(Reduction, ArgmaxArgmin) {
  xg::Tensor x = xg::tensor({{1.0, 5.0, 5.0}, {7.0, 0.0, 7.0}});
  xg::Tensor am = xg::argmax(x, 1);
  EXPECT_EQ(am.dtype(), xg::kInt64);
  EXPECT_EQ(am.data<std::int64_t>(), (xt::xarray<std::int64_t>{1, 0}));  // first of the ties
  EXPECT_EQ(xg::argmin(x, 0).data<std::int64_t>(), (xt::xarray<std::int64_t>{0, 1, 0}));
  EXPECT_EQ(xg::argmax(x).item(), 3.0);  // into the flattened tensor
  EXPECT_EQ(xg::argmin(x).item(), 4.0);
}

TEST(Reduction, MeanClosedForm) {
  // d mean(x)/dx_i = 1/n
  xg::Tensor x = xg::zeros({4}, xg::kFloat64).requires_grad_();
  xg::mean(x).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>(4, 0.25)));
}

TEST(Reduction, Errors) {
  EXPECT_ERROR(xg::sum(xg::ones({2, 3}), {2}), "sum", "dim 2", "out of range", "2 dimensions");
  EXPECT_ERROR(xg::sum(xg::ones({2, 3}), {1, -1}), "sum", "more than once");
  EXPECT_ERROR(xg::max(xg::ones({0})), "max", "empty");
  EXPECT_ERROR(xg::argmax(xg::ones({2}), 1), "argmax", "dim 1");
}

}  // namespace

TEST(Reduction, OneIntDim) {
  xg::manual_seed(3);
  const xg::Tensor x = leaf({2, 3, 4});
  EXPECT_EQ(values(xg::sum(x, 1)), values(xg::sum(x, std::vector<std::int64_t>{1})));
  EXPECT_EQ(values(x.sum(-1, true)), values(x.sum(std::vector<std::int64_t>{-1}, true)));
  EXPECT_EQ(x.sum(-1, true).shape(), (xg::Shape{2, 3, 1}));
  EXPECT_EQ(x.mean(0).shape(), (xg::Shape{3, 4}));
  EXPECT_EQ(values(xg::mean(x, 2)), values(xg::mean(x, std::vector<std::int64_t>{2})));
  expect_gradcheck([](const auto& v) { return v[0].sum(1); }, {x});
  expect_gradcheck([](const auto& v) { return xg::mean(v[0], -1, true); }, {x});
  EXPECT_ERROR(x.sum(3), "sum", "3");
}

// torch.max(x, 1) on [[1, 5, 3], [7, 2, 7]]: values [5, 7], indices [1, 0]; torch.min(x, 0):
// values [1, 2, 3], indices [0, 1, 0].
TEST(Reduction, MaxMinAlongADimReturnValuesAndIndices) {
  const xg::Tensor x = xg::tensor({{1.0, 5.0, 3.0}, {7.0, 2.0, 7.0}}, xg::kFloat64).requires_grad_();
  auto [values_, indices] = xg::max(x, 1);
  EXPECT_EQ(values(values_), (std::vector<double>{5, 7}));
  EXPECT_EQ(indices.dtype(), xg::kInt64);
  EXPECT_EQ(indices.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0}));
  const xg::ValuesIndices m = x.min(0, /*keepdim=*/true);
  EXPECT_EQ(values(m.values), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(m.indices.shape(), (xg::Shape{1, 3}));
  EXPECT_EQ(m.indices.to_vector<int>(), (std::vector<int>{0, 1, 0}));
  const xg::Tensor as_tensor = xg::max(x, 0);  // converts to its values
  EXPECT_EQ(values(as_tensor), (std::vector<double>{7, 5, 7}));
  values_.sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0, 1, 0, 1, 0, 0}));
}
