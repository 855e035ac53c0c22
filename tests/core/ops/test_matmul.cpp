#include "../helpers.hpp"

namespace {

using Shapes = std::pair<xg::Shape, xg::Shape>;

class MatmulGrad : public ::testing::TestWithParam<Shapes> {};

TEST_P(MatmulGrad, Gradcheck) {
  xg::manual_seed(11);
  const auto [sa, sb] = GetParam();
  expect_gradcheck([](const auto& v) { return xg::matmul(v[0], v[1]); }, {leaf(sa), leaf(sb)});
}

INSTANTIATE_TEST_SUITE_P(Shapes, MatmulGrad,
                         ::testing::Values(Shapes{{3, 4}, {4, 2}}, Shapes{{2, 3, 4}, {2, 4, 5}},
                                           Shapes{{2, 3, 4}, {4, 5}}, Shapes{{3, 4}, {2, 4, 5}},
                                           Shapes{{2, 1, 3, 4}, {5, 4, 2}}, Shapes{{4}, {4, 3}}, Shapes{{3, 4}, {4}},
                                           Shapes{{4}, {4}}, Shapes{{4}, {2, 4, 3}}));

TEST(Matmul, ShapesFollowTorch) {
  EXPECT_EQ(xg::matmul(xg::ones({2, 1, 3, 4}), xg::ones({5, 4, 2})).shape(), (xg::Shape{2, 5, 3, 2}));
  EXPECT_EQ(xg::matmul(xg::ones({4}), xg::ones({4, 3})).shape(), (xg::Shape{3}));
  EXPECT_EQ(xg::matmul(xg::ones({4}), xg::ones({4})).shape(), xg::Shape{});
}

TEST(Matmul, ClosedForm) {
  // C = A B: dA = dC Bᵀ, dB = Aᵀ dC; with dC = ones, dA[i][k] = Σ_j B[k][j], dB[k][j] = Σ_i A[i][k].
  xg::Tensor a = xg::tensor({{1, 2}, {3, 4}}, xg::kFloat64).requires_grad_();
  xg::Tensor b = xg::tensor({{5, 6}, {7, 8}}, xg::kFloat64).requires_grad_();
  xg::Tensor c = a.matmul(b);
  EXPECT_EQ(values(c), (std::vector<double>{19, 22, 43, 50}));
  c.sum().backward();
  EXPECT_EQ(values(a.grad()), (std::vector<double>{11, 15, 11, 15}));
  EXPECT_EQ(values(b.grad()), (std::vector<double>{4, 4, 6, 6}));
}

TEST(Matmul, Float32MatchesFloat64) {
  xg::manual_seed(12);
  xg::Tensor a = xg::randn({16, 32}), b = xg::randn({32, 8});
  const auto c32 = values(a.matmul(b));
  const auto c64 = values(a.to(xg::kFloat64).matmul(b.to(xg::kFloat64)));
  for (std::size_t i = 0; i < c32.size(); ++i) EXPECT_NEAR(c32[i], c64[i], 1e-4);
}

TEST(Matmul, Errors) {
  EXPECT_ERROR(xg::matmul(xg::ones({3, 4}), xg::ones({5, 2})), "matmul: inner dimensions differ: (3, 4) @ (5, 2)");
  EXPECT_ERROR(xg::matmul(xg::ones({2, 3, 4}), xg::ones({3, 4, 2})), "matmul", "(2)", "(3)");
  EXPECT_ERROR(xg::matmul(xg::ones({}), xg::ones({3})), "matmul", "at least one dimension");
  EXPECT_ERROR(xg::matmul(xg::ones({2, 2}), xg::ones({2, 2}, xg::kFloat64)), "matmul", "dtype mismatch");
}

}  // namespace
