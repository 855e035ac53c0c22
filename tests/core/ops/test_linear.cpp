// xg::linear, the fused x Wᵀ + b behind nn::Linear: the same values and gradients as the
// composition matmul(x, Wᵀ) + b it replaces, gradcheck for every input rank, and its errors.
#include "../helpers.hpp"

namespace {

xg::Tensor composed(const xg::Tensor& x, const xg::Tensor& w, const xg::Tensor& b) {
  const xg::Tensor y = xg::matmul(x, xg::transpose(w, 0, 1));
  return b.defined() ? y + b : y;
}

class LinearGrad : public ::testing::TestWithParam<xg::Shape> {};

TEST_P(LinearGrad, GradcheckWithAndWithoutBias) {
  xg::manual_seed(21);
  expect_gradcheck([](const auto& v) { return xg::linear(v[0], v[1], v[2]); },
                   {leaf(GetParam()), leaf({3, 4}), leaf({3})});
  expect_gradcheck([](const auto& v) { return xg::linear(v[0], v[1]); }, {leaf(GetParam()), leaf({3, 4})});
}

INSTANTIATE_TEST_SUITE_P(InputShapes, LinearGrad,
                         ::testing::Values(xg::Shape{4}, xg::Shape{5, 4}, xg::Shape{2, 3, 4}, xg::Shape{0, 4}));

TEST(Linear, MatchesMatmulPlusBias) {
  // y = x Wᵀ + b, dx = dy W, dW = dyᵀ x, db = Σ_rows dy: as the composed ops give, to rounding.
  xg::manual_seed(22);
  for (const xg::Shape& s : {xg::Shape{4}, xg::Shape{7, 4}, xg::Shape{2, 3, 4}}) {
    xg::Tensor x = leaf(s), w = leaf({5, 4}), b = leaf({5});
    xg::Tensor x2 = x.detach().requires_grad_(), w2 = w.detach().requires_grad_(), b2 = b.detach().requires_grad_();
    const xg::Tensor y = xg::linear(x, w, b), y2 = composed(x2, w2, b2);
    ASSERT_EQ(y.shape(), y2.shape());
    const xg::Tensor dy = xg::randn(y.shape(), xg::kFloat64);
    y.backward(dy);
    y2.backward(dy);
    for (const auto& [got, want] :
         {std::pair{y, y2}, {x.grad(), x2.grad()}, {w.grad(), w2.grad()}, {b.grad(), b2.grad()}}) {
      const auto g = values(got), e = values(want);
      ASSERT_EQ(g.size(), e.size());
      for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], e[i], 1e-13 * std::max(1.0, std::abs(e[i])));
    }
  }
}

TEST(Linear, ClosedForm) {
  // x = [1, 2], W = [[1, 0], [2, 3]], b = [10, 20]: y = [1 + 10, 2 + 6 + 20] = [11, 28].
  // With dy = [1, 1]: dx = dy W = [3, 3], dW = dyᵀ x = [[1, 2], [1, 2]], db = [1, 1].
  xg::Tensor x = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  xg::Tensor w = xg::tensor({{1, 0}, {2, 3}}, xg::kFloat64).requires_grad_();
  xg::Tensor b = xg::tensor({10.0, 20.0}, xg::kFloat64).requires_grad_();
  const xg::Tensor y = xg::linear(x, w, b);
  EXPECT_EQ(values(y), (std::vector<double>{11, 28}));
  y.sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{3, 3}));
  EXPECT_EQ(values(w.grad()), (std::vector<double>{1, 2, 1, 2}));
  EXPECT_EQ(values(b.grad()), (std::vector<double>{1, 1}));
}

TEST(Linear, Float32MatchesFloat64) {
  xg::manual_seed(23);
  const xg::Tensor x = xg::randn({16, 32}), w = xg::randn({8, 32}), b = xg::randn({8});
  const auto y32 = values(xg::linear(x, w, b));
  const auto y64 = values(xg::linear(x.to(xg::kFloat64), w.to(xg::kFloat64), b.to(xg::kFloat64)));
  for (std::size_t i = 0; i < y32.size(); ++i) EXPECT_NEAR(y32[i], y64[i], 1e-4 * std::max(1.0, std::abs(y64[i])));
}

TEST(Linear, Errors) {
  const xg::Tensor x = xg::zeros({2, 4}), w = xg::zeros({3, 4});
  EXPECT_ERROR(xg::linear(xg::zeros({2, 5}), w), "linear", "(2, 5)", "(3, 4)", "last dim must be 4");
  EXPECT_ERROR(xg::linear(x, xg::zeros({3, 4, 1})), "linear", "2-D", "(3, 4, 1)");
  EXPECT_ERROR(xg::linear(x, w, xg::zeros({4})), "linear", "bias", "(4)", "needs (3)");
  EXPECT_ERROR(xg::linear(x, w, xg::zeros({3}, xg::kFloat64)), "linear", "float32", "float64");
  EXPECT_ERROR(xg::linear(x.to(xg::kFloat64), w), "linear", "float64", "float32");
  EXPECT_ERROR(xg::linear(xg::zeros({}), w), "linear", "()");
}

}  // namespace
