// Tutorial chapter 2 (docs/tutorial/02-linear-regression.md): linear regression y = w x + b.
//   1. 20 noisy points of y = 2 x + 1 and the closed-form least-squares fit (normal equations);
//   2. the MSE's Hessian, read off autograd's gradients, and its eigenvalues: lr = 2 / lambda_max
//      is the largest step size plain gradient descent survives;
//   3. gradient descent (optim::SGD) at 0.5, 0.98 and 1.02 times that limit: the first two reach
//      the closed form, the third diverges.
// float64 throughout and no matrix products, so every machine prints the same digits.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>
#include <xgrad/plot/plot.hpp>
#include <xgrad/xgrad.hpp>

#include "common/cli.hpp"

namespace xg = xgrad;
namespace plot = xgrad::plot;

// The mean squared error of the line (w, b) on the points: what gradient descent minimizes.
xg::Tensor mse(const xg::Tensor& w, const xg::Tensor& b, const xg::Tensor& x, const xg::Tensor& y) {
  return (x * w + b - y).pow(2.0).mean();
}

// d L / d (w, b) at a point, by autograd.
std::pair<double, double> gradient(double w0, double b0, const xg::Tensor& x, const xg::Tensor& y) {
  xg::Tensor w = xg::tensor(w0, xg::kFloat64).requires_grad_(), b = xg::tensor(b0, xg::kFloat64).requires_grad_();
  mse(w, b, x, y).backward();
  return {w.grad().item(), b.grad().item()};
}

int main(int argc, char** argv) {
  std::string out = "out/tutorial";
  int steps = 300;
  cli::Parser cli("tutorial_02_regression",
                  "Linear regression y = w x + b by gradient descent against the closed form, below and above "
                  "lr = 2 / lambda_max. The chapter's figure: --out docs/tutorial/figures.");
  cli.number("--steps", steps, "gradient-descent steps per run", cli::between(1, 100000));
  cli.out_dir("--out", out, "folder for regression_loss.png");
  if (auto exit = cli.parse(argc, argv)) return *exit;
  return cli::guarded("tutorial_02_regression", [&] {
    // x in [1, 5): not centred on 0, which couples w and b and makes the bowl narrow.
    const std::size_t n = 20;
    xg::manual_seed(0);
    const xg::Tensor x = xg::rand({n}, xg::kFloat64) * 4.0 + 1.0;
    const xg::Tensor y = x * 2.0 + 1.0 + xg::randn({n}, xg::kFloat64) * 0.5;

    // Normal equations: setting dL/dw = dL/db = 0 gives two linear equations in w and b.
    const double sx = xg::sum(x).item(), sy = xg::sum(y).item(), sxx = xg::sum(x * x).item(),
                 sxy = xg::sum(x * y).item(), N = double(n);
    const double w_star = (N * sxy - sx * sy) / (N * sxx - sx * sx), b_star = (sy - w_star * sx) / N;
    const double l_star = mse(xg::tensor(w_star, xg::kFloat64), xg::tensor(b_star, xg::kFloat64), x, y).item();
    std::printf("1. %zu points of y = 2 x + 1 + noise; the closed form (normal equations)\n", n);
    std::printf("  w* = %.6f  b* = %.6f  MSE = %.6f\n", w_star, b_star, l_star);
    const xg::models::LeastSquares lstsq = xg::models::least_squares(x.reshape({n, 1}), y);
    std::printf("  models::least_squares (LAPACK) agrees: w = %.6f  b = %.6f\n", lstsq.weight.item(), lstsq.bias);

    // The MSE is quadratic in (w, b), so its gradient is linear and the Hessian is constant:
    // each column is the change of the gradient for a unit step in w or in b.
    const auto g0 = gradient(0, 0, x, y), gw = gradient(1, 0, x, y), gb = gradient(0, 1, x, y);
    const double hww = gw.first - g0.first, hwb = gb.first - g0.first, hbb = gb.second - g0.second;
    std::printf("\n2. The Hessian of the MSE, from autograd's gradients (it is the same everywhere)\n");
    std::printf("  H = [ %8.4f  %8.4f ]    = 2/N [ sum x^2  sum x ]\n", hww, hwb);
    std::printf("      [ %8.4f  %8.4f ]          [ sum x    N     ]\n", gw.second - g0.second, hbb);
    // Eigenvalues of the symmetric 2x2 [[a, c], [c, d]]: (a + d)/2 +- sqrt(((a - d)/2)^2 + c^2).
    const double mid = (hww + hbb) / 2, radius = std::sqrt((hww - hbb) * (hww - hbb) / 4 + hwb * hwb);
    const double lambda_max = mid + radius, lambda_min = mid - radius, limit = 2 / lambda_max;
    std::printf("  lambda_max = %.4f  lambda_min = %.4f  (ratio %.1f)\n", lambda_max, lambda_min,
                lambda_max / lambda_min);
    std::printf("  lr limit 2 / lambda_max = %.6f   (models::gradient_descent_lr_limit: %.6f)\n", limit,
                xg::models::gradient_descent_lr_limit(x.reshape({n, 1})));

    // Each step multiplies the error along an eigenvector by (1 - lr lambda); above the limit the
    // factor along the steepest one is below -1, so that error flips sign and grows every step.
    std::printf("\n3. Gradient descent from w = b = 0, loss per step\n");
    const std::vector<double> scales = {0.5, 0.98, 1.02};
    std::vector<std::vector<std::pair<double, double>>> curves(scales.size());
    std::vector<std::vector<double>> losses(scales.size());
    std::vector<std::pair<double, double>> finals;
    for (std::size_t r = 0; r < scales.size(); ++r) {
      xg::Tensor w = xg::tensor(0.0, xg::kFloat64).requires_grad_(), b = xg::tensor(0.0, xg::kFloat64).requires_grad_();
      xg::optim::SGD opt({w, b}, {.lr = scales[r] * limit});
      for (int step = 0; step <= steps; ++step) {
        opt.zero_grad();
        xg::Tensor loss = mse(w, b, x, y);
        losses[r].push_back(loss.item());
        curves[r].push_back({double(step), loss.item() - l_star});  // the excess over the best
        if (step == steps) break;
        loss.backward();
        opt.step();
      }
      finals.push_back({w.item(), b.item()});
    }
    std::printf("  step   lr = 0.5 limit   lr = 0.98 limit   lr = 1.02 limit\n");
    for (int step : {0, 1, 2, 5, 10, 50, 100, 200, 300})
      if (step <= steps)
        std::printf("  %4d   %14.6g   %15.6g   %15.6g\n", step, losses[0][step], losses[1][step], losses[2][step]);
    std::printf("  after %d steps:\n", steps);
    for (std::size_t r = 0; r < scales.size(); ++r)
      std::printf("    lr = %.2f limit = %.6f: w = %-12.6g b = %-12.6g  |1 - lr lambda_max| = %.2f\n", scales[r],
                  scales[r] * limit, finals[r].first, finals[r].second, std::abs(1 - scales[r] * limit * lambda_max));

    plot::Canvas img(760, 560);
    const plot::Axes ax{.left = 100,
                        .top = 80,
                        .width = 620,
                        .height = 400,
                        .x_min = 0,
                        .x_max = double(steps),
                        .y_min = 1e-8,
                        .y_max = 1e8,
                        .log_y = true};
    ax.clip(img);
    for (std::size_t r = 0; r < scales.size(); ++r) plot::polyline(img, ax, curves[r], plot::kPalette[r], 2.5);
    img.reset_clip();
    ax.draw_frame(img, "step", "MSE - MSE*", "Below and above 2 / lambda_max");
    plot::legend(img, ax.left + 20, ax.top + 15,
                 {{"lr = 0.5 x limit", plot::kPalette[0]},
                  {"lr = 0.98 x limit", plot::kPalette[1]},
                  {"lr = 1.02 x limit: diverges", plot::kPalette[2]}});
    const auto path = std::filesystem::path(out) / "regression_loss.png";
    img.save_png(path.string());
    std::fprintf(stderr, "wrote %s\n", path.string().c_str());
    return 0;
  });
}
