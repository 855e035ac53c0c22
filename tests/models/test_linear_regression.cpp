// Linear regression (models/linear_regression.*): the closed-form least squares and the stable
// rate limit. Its training: tests/train/test_linear_regression_trainer.cpp.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <xgrad/models/linear_regression.hpp>

#include "../core/helpers.hpp"
#include "linear_problem.hpp"
#include "margins.hpp"

namespace models = xgrad::models;

namespace {

using Problem = xg::test::LinearProblem;
Problem make_problem(std::size_t n, double noise, std::uint64_t seed) {
  return xg::test::make_linear_problem(n, noise, seed);
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
