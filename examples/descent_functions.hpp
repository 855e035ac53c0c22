#pragma once
// The functions descent_paths descends, one table entry each. To add one, copy an entry and
// change it: a name (for --function), the formula as it is printed, the function itself written
// with xgrad ops (autograd differentiates it: no derivative to write by hand), where to start and
// what part of the plane (or line) to show. A function of one variable (start = {x0}) gets the
// 1-D picture: the curve, each step with its tangent, one panel per rate in `rates`. A function
// of two (start = {x0, y0}) gets the contour map with the path of every optimizer.
//
//   {.name = "bowl", .formula = "f(x, y) = x^2 + y^2",
//    .f = [](const xg::Tensor& x, const xg::Tensor& y) { return x * x + y * y; },
//    .start = {2, 1.5}, .view = {-3, 3, -2, 2}, .minimum = {{0, 0}}},
//
// The fields after `view` have defaults; designated initializers must keep their order.
#include <functional>
#include <optional>
#include <string>
#include <vector>
#include <xgrad/core/ops/elementwise.hpp>
#include <xgrad/core/tensor.hpp>

namespace descent {

namespace xg = xgrad;

struct Function {
  std::string name{};     // --function NAME
  std::string formula{};  // printed, and the figure's title
  // f(x, y) for two variables, f(x) for one (y is then an unused zero).
  std::function<xg::Tensor(const xg::Tensor& x, const xg::Tensor& y)> f{};
  std::vector<double> start{};                                // {x0} or {x0, y0}
  std::vector<double> view{};                                 // {x_min, x_max} or {x_min, x_max, y_min, y_max}
  std::optional<std::vector<double>> minimum = std::nullopt;  // marked with a cross when given
  int steps = 100;                                            // per run, unless --steps
  // 1-D: one panel of plain gradient descent per rate (a slow one, a good one, one too large).
  std::vector<double> rates = {0.1};
  // 2-D: each optimizer's rate (Nesterov uses the momentum one) and the contour levels, spaced
  // evenly in log between the two.
  double lr_sgd = 0.01, lr_momentum = 0.01, lr_rmsprop = 0.01, lr_adam = 0.01;
  double level_lo = 0.01, level_hi = 100;

  int dims() const { return int(start.size()); }
};

inline const std::vector<Function>& functions() {
  static const std::vector<Function> table = {
      // The tutorial's first function: the minimum at 3, f'' = 2, so rates above 2 / 2 = 1 diverge.
      {.name = "parabola",
       .formula = "f(w) = (w - 3)^2",
       .f = [](const xg::Tensor& w, const xg::Tensor&) { return (w - 3.0) * (w - 3.0); },
       .start = {0},
       .view = {-2, 8},
       .minimum = {{3}},
       .steps = 20,
       .rates = {0.1, 0.8, 1.1}},
      // Two valleys: where gradient descent ends depends on where it starts and on the rate.
      {.name = "double_well",
       .formula = "f(x) = x^4 - 3 x^2 + x",
       .f = [](const xg::Tensor& x, const xg::Tensor&) { return x * x * x * x - 3.0 * x * x + x; },
       .start = {0.4},
       .view = {-2.3, 2.3},
       .steps = 30,
       .rates = {0.02, 0.1, 0.2}},
      // 50 times more curved across its valley than along it (the plot stretches y; read the ticks).
      {.name = "quadratic",
       .formula = "f(x, y) = (x^2 + 50 y^2) / 2",
       .f = [](const xg::Tensor& x, const xg::Tensor& y) { return (x * x + 50.0 * y * y) * 0.5; },
       .start = {-4.5, 1.6},
       .view = {-5, 5, -2.5, 2.5},
       .minimum = {{0, 0}},
       .steps = 150,
       .lr_sgd = 0.036,
       .lr_momentum = 0.01,
       .lr_rmsprop = 0.1,
       .lr_adam = 0.1,
       .level_lo = 0.01,
       .level_hi = 300},
      // A curved valley whose floor falls slowly towards (1, 1).
      {.name = "rosenbrock",
       .formula = "f(x, y) = (1 - x)^2 + 100 (y - x^2)^2",
       .f =
           [](const xg::Tensor& x, const xg::Tensor& y) {
             const xg::Tensor a = 1.0 - x, b = y - x * x;
             return a * a + 100.0 * b * b;
           },
       .start = {-1.5, 2.0},
       .view = {-2, 2, -1, 3},
       .minimum = {{1, 1}},
       .steps = 1000,
       .lr_sgd = 1e-3,
       .lr_momentum = 1e-3,
       .lr_rmsprop = 0.01,
       .lr_adam = 0.05,
       .level_lo = 0.01,
       .level_hi = 2000},
  };
  return table;
}

}  // namespace descent
