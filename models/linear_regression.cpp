#include "xgrad/models/linear_regression.hpp"

#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xview.hpp>

#include "xgrad/core/factory.hpp"
#include "xgrad/core/ops/shape_ops.hpp"
#include "xgrad/nn/init.hpp"

namespace xgrad::models {

namespace {

// [X 1] as a float64 array, checked.
xt::xarray<double> design_matrix(const char* op, const Tensor& x) {
  if (!x.defined() || x.dtype() != kFloat64 || x.dim() != 2 || x.size(0) == 0 || x.size(1) == 0)
    fail(op, "expected float64 features of shape (N, F) with N, F > 0, got ",
         x.defined() ? to_string(x.shape()) + " " + dtype_name(x.dtype()) : std::string("undefined"));
  const auto& a = x.data<double>();
  const std::size_t n = a.shape(0), f = a.shape(1);
  xt::xarray<double> design = xt::ones<double>(Shape{n, f + 1});
  xt::view(design, xt::all(), xt::range(0, f)) = a;
  return design;
}

}  // namespace

LinearRegression::LinearRegression(std::size_t features, Dtype dtype)
    : linear(register_module("linear", std::make_shared<nn::Linear>(features, 1))) {
  nn::init::zeros_(linear->weight);
  nn::init::zeros_(linear->bias);
  to(dtype);
}

Tensor LinearRegression::forward(const Tensor& x) { return squeeze(linear->forward(x), 1); }

LeastSquares least_squares(const Tensor& x, const Tensor& y) {
  const xt::xarray<double> design = design_matrix("least_squares", x);
  if (!y.defined() || y.dtype() != kFloat64 || y.dim() != 1 || y.size(0) != design.shape(0))
    fail("least_squares", "expected float64 targets of shape (", design.shape(0), "), got ",
         y.defined() ? to_string(y.shape()) + " " + dtype_name(y.dtype()) : std::string("undefined"));
  // For a 1-D y, lstsq returns the solution as a 1-D array: w_1 ... w_F, b.
  const auto [solution, residuals, rank, singular] = xt::linalg::lstsq(design, y.data<double>());
  const std::size_t f = design.shape(1) - 1;
  xt::xarray<double> w = xt::view(solution, xt::range(0, f));
  return {from_xarray(std::move(w)), solution(f), std::size_t(rank)};
}

double gradient_descent_lr_limit(const Tensor& x) {
  const xt::xarray<double> design = design_matrix("gradient_descent_lr_limit", x);
  const xt::xarray<double> hessian = xt::linalg::dot(xt::transpose(design), design) * (2.0 / double(design.shape(0)));
  const xt::xarray<double> eigenvalues = xt::linalg::eigvalsh(hessian);
  return 2.0 / xt::amax(eigenvalues)();
}

}  // namespace xgrad::models
