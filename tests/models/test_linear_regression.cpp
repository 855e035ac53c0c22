// Linear regression (models/linear_regression.*): the closed-form least squares and the stable
// rate limit. Its training: tests/train/test_linear_regression_trainer.cpp.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <xgrad/models/linear_regression.hpp>

#include "../core/helpers.hpp"
#include "margins.hpp"

namespace models = xgrad::models;

namespace {

struct Problem {
  xg::Tensor x, y;
};

// y = x . (1.5, -2, 0.5) + 0.7 + noise * N(0, 1), x ~ N(0, 1), float64.
Problem make_problem(std::size_t n, double noise, std::uint64_t seed) {
  xg::manual_seed(seed);
  const xg::Tensor x = xg::randn({n, 3}, xg::kFloat64);
  const xg::Tensor w = xg::tensor({{1.5}, {-2.0}, {0.5}}, xg::kFloat64);
  const xg::Tensor y = (x.matmul(w).squeeze(1) + 0.7) + xg::randn({n}, xg::kFloat64) * noise;
  return {x, y};
}

}  // namespace

TEST(LeastSquares, RecoversAnExactLinearFunction) {
  const Problem p = make_problem(50, 0.0, 3);
  const models::LeastSquares ls = models::least_squares(p.x, p.y);
  EXPECT_EQ(ls.rank, 4u);
  const std::vector<double> w = values(ls.weight);
  EXPECT_NEAR(w[0], 1.5, 1e-12);
  EXPECT_NEAR(w[1], -2.0, 1e-12);
  EXPECT_NEAR(w[2], 0.5, 1e-12);
  EXPECT_NEAR(ls.bias, 0.7, 1e-12);
}

TEST(LeastSquares, LrLimitOfOneFeature) {
  // x = (-1, 1): [X 1]^T [X 1] / N = I, so the Hessian is 2 I and the limit 2 / 2 = 1.
  EXPECT_NEAR(models::gradient_descent_lr_limit(xg::tensor({{-1.0}, {1.0}}, xg::kFloat64)), 1.0, 1e-12);
  EXPECT_ERROR(models::gradient_descent_lr_limit(xg::zeros({3, 2})), "float64");
}
