#pragma once
// Linear regression: y ≈ x . w + b, fitted by minimizing the mean squared error
//
//   L(w, b) = 1/N sum_n (x_n . w + b - y_n)^2
//
// by gradient descent (see LinearRegressionTrainer), and the closed-form answer to check it by:
// the least-squares solution of [X 1] [w; b] = y that LAPACK's gelsd computes (xt::linalg::lstsq).
//
// L is a quadratic bowl whose curvature is the Hessian H = 2/N [X 1]^T [X 1]. Plain gradient
// descent with rate lr converges exactly when lr < 2 / lambda_max(H), and its error shrinks by
// |1 - lr lambda| per step along each eigenvector: gradient_descent_lr_limit() gives that bound.
#include <cstddef>
#include <memory>

#include "xgrad/core/tensor.hpp"
#include "xgrad/nn/linear.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::models {

class LinearRegression : public nn::Module {
 public:
  // Weights and bias start at zero (so every run starts from the same point), in float64.
  explicit LinearRegression(std::size_t features, Dtype dtype = kFloat64);
  // x (N, features) -> predictions (N).
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "LinearRegression"; }

  std::shared_ptr<nn::Linear> linear;  // weight (1, features), bias (1)
};

struct LeastSquares {
  Tensor weight;  // float64 (features)
  double bias = 0;
  std::size_t rank = 0;  // of [X 1]; below features + 1 the solution is the one of least norm
};

// The closed-form fit of y (N) on x (N, features), both float64, via xt::linalg::lstsq.
LeastSquares least_squares(const Tensor& x, const Tensor& y);

// 2 / lambda_max(2/N [X 1]^T [X 1]): the largest learning rate at which plain gradient descent on
// the mean squared error still converges, from xt::linalg::eigvalsh.
double gradient_descent_lr_limit(const Tensor& x);

}  // namespace xgrad::models
