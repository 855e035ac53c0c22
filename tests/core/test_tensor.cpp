#include <sstream>

#include "helpers.hpp"

namespace {

TEST(Tensor, Factories) {
  EXPECT_EQ(xg::zeros({2, 3}).shape(), (xg::Shape{2, 3}));
  EXPECT_EQ(xg::zeros({2, 3}).dtype(), xg::kFloat32);
  EXPECT_EQ(values(xg::full({2}, 1.5, xg::kFloat64)), (std::vector<double>{1.5, 1.5}));
  EXPECT_EQ(values(xg::ones({3}, xg::kInt64)), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(values(xg::arange(4)), (std::vector<double>{0, 1, 2, 3}));
  EXPECT_EQ(values(xg::arange(1, 2, 0.25, xg::kFloat64)), (std::vector<double>{1, 1.25, 1.5, 1.75}));
  EXPECT_EQ(xg::tensor({{1, 2, 3}, {4, 5, 6}}).shape(), (xg::Shape{2, 3}));
  EXPECT_EQ(xg::tensor({{{1, 2}}, {{3, 4}}}).shape(), (xg::Shape{2, 1, 2}));
  EXPECT_EQ(xg::tensor({{1.0}, {2.0}}).shape(), (xg::Shape{2, 1}));  // a column, not a 1-D list
  EXPECT_EQ(xg::tensor(2.5).shape(), xg::Shape{});
  EXPECT_EQ(xg::tensor({2.5}).shape(), xg::Shape{1});
  EXPECT_EQ(xg::tensor(xt::xarray<double>{{1, 2}}).dtype(), xg::kFloat64);
  EXPECT_EQ(xg::zeros_like(xg::ones({4}, xg::kFloat64)).dtype(), xg::kFloat64);
}

TEST(Tensor, ManualSeedIsDeterministic) {
  xg::manual_seed(42);
  const auto a = values(xg::randn({100}));
  const auto r = values(xg::rand({10}, xg::kFloat64));
  xg::manual_seed(42);
  EXPECT_EQ(values(xg::randn({100})), a);
  EXPECT_EQ(values(xg::rand({10}, xg::kFloat64)), r);
  xg::manual_seed(43);
  EXPECT_NE(values(xg::randn({100})), a);
  // The exact first value is pinned: the generator and conversions are ours, so a change in them
  // (which would change every seeded run) shows up here.
  xg::manual_seed(0);
  EXPECT_DOUBLE_EQ(xg::rand({1}, xg::kFloat64).item(), 0.15979336337046079);
}

TEST(Tensor, RandomDistributions) {
  xg::manual_seed(1);
  const auto n = values(xg::randn({20000}, xg::kFloat64));
  double mean = 0, sq = 0;
  for (double v : n) mean += v / n.size();
  for (double v : n) sq += (v - mean) * (v - mean) / n.size();
  EXPECT_NEAR(mean, 0.0, 0.03);
  EXPECT_NEAR(std::sqrt(sq), 1.0, 0.03);
  for (double v : values(xg::rand({1000}))) {
    EXPECT_GE(v, 0.0);
    EXPECT_LT(v, 1.0);
  }
  const auto p = values(xg::randperm(50));
  std::vector<double> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, values(xg::arange(50)));
  for (double v : values(xg::randint(3, 7, {200}))) {
    EXPECT_GE(v, 3);
    EXPECT_LT(v, 7);
  }
}

TEST(Tensor, ToConvertsAndCarriesGradients) {
  xg::Tensor x = xg::tensor({1.5, 2.5}).requires_grad_();
  xg::Tensor y = x.to(xg::kFloat64);
  EXPECT_EQ(y.dtype(), xg::kFloat64);
  (y * y).sum().backward();
  EXPECT_EQ(x.grad().dtype(), xg::kFloat32);
  EXPECT_EQ(values(x.grad()), (std::vector<double>{3, 5}));
  EXPECT_EQ(values(xg::tensor({1.7, -1.7}).to(xg::kInt64)), (std::vector<double>{1, -1}));  // truncates
  EXPECT_TRUE(x.to(xg::kFloat32).is_same(x));  // same dtype: the same tensor
}

TEST(Tensor, ItemAndData) {
  EXPECT_EQ(xg::tensor({{4.0}}).item(), 4.0);
  xg::Tensor t = xg::zeros({2, 2}, xg::kFloat64);
  t.data<double>()(1, 0) = 3.0;
  EXPECT_EQ(values(t), (std::vector<double>{0, 0, 3, 0}));
  EXPECT_ERROR(xg::ones({2}).item(), "item", "(2)");
  EXPECT_ERROR(t.data<float>(), "data", "float32", "float64");
  EXPECT_ERROR(xg::Tensor().shape(), "undefined");
}

TEST(Tensor, Printing) {
  std::ostringstream out;
  out << xg::tensor({{1, 2}, {3, 4}}, xg::kFloat64).requires_grad_();
  EXPECT_EQ(out.str(), "tensor([[1., 2.],\n        [3., 4.]], dtype=float64, requires_grad=true)");
  out.str("");
  out << (xg::ones({3}).requires_grad_() * 2.0);
  EXPECT_EQ(out.str(), "tensor([2., 2., 2.], grad_fn=<mul>)");
  out.str("");
  out << xg::arange(20);
  EXPECT_EQ(out.str(), "tensor([ 0.,  1.,  2., ..., 17., 18., 19.])");  // PyTorch's format, our elision
  out.str("");
  out << xg::tensor(0.5);
  EXPECT_EQ(out.str(), "tensor(0.5000)");
}

TEST(Tensor, CloneIsDifferentiable) {
  xg::Tensor x = xg::tensor({2.0}, xg::kFloat64).requires_grad_();
  xg::Tensor c = x.clone();
  c.data<double>()(0) = 9.0;  // a copy: x is untouched
  EXPECT_EQ(x.item(), 2.0);
  (x.clone() * 3.0).sum().backward();
  EXPECT_EQ(x.grad().item(), 3.0);
}

}  // namespace

namespace {

TEST(Tensor, RngStateRoundTrips) {
  xg::manual_seed(7);
  (void)xg::randn({5});
  const xg::Tensor state = xg::get_rng_state();
  EXPECT_EQ(state.dtype(), xg::kInt64);
  const auto next = values(xg::randn({50}));
  (void)xg::randperm(10);
  xg::set_rng_state(state);
  EXPECT_EQ(values(xg::randn({50})), next);
}

TEST(Tensor, RngStateRejectsWrongShape) {
  EXPECT_ERROR(xg::set_rng_state(xg::zeros({3}, xg::kInt64)), "set_rng_state: expected an int64 tensor of shape (313)");
  EXPECT_ERROR(xg::set_rng_state(xg::zeros({313})), "got float32 (313)");
}

}  // namespace
