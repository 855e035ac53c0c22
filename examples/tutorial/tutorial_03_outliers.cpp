// Tutorial chapter 3 (docs/tutorial/03-mse-mae-huber.md): MSE, MAE and Huber on data with outliers.
//   1. each loss and the size of its gradient at a few residuals: MSE's gradient grows with the
//      error, MAE's is the same for every error, Huber's grows up to delta and then stays;
//   2. at the true line, how much of the gradient comes from the 4 outliers among 30 points;
//   3. the line each loss fits by gradient descent: MSE is dragged to the outliers.
// float64 and no matrix products: every machine prints the same digits.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>
#include <xgrad/plot/plot.hpp>
#include <xgrad/xgrad.hpp>

#include "common/cli.hpp"

namespace xg = xgrad;
namespace plot = xgrad::plot;
namespace xl = xgrad::losses;
using xl::Reduction;
using Loss = std::function<xg::Tensor(const xg::Tensor& prediction, const xg::Tensor& target, Reduction)>;

struct Named {
  const char* name;
  Loss loss;
};
const std::vector<Named> kLosses = {
    {"MSE", [](auto& p, auto& t, Reduction r) { return xl::mse_loss(p, t, {.reduction = r}); }},
    {"MAE", [](auto& p, auto& t, Reduction r) { return xl::l1_loss(p, t, {.reduction = r}); }},
    {"Huber", [](auto& p, auto& t, Reduction r) { return xl::huber_loss(p, t, {.delta = 1.0, .reduction = r}); }},
};

// Per-point losses and d loss_i / d prediction_i, by autograd (Reduction::None, then backward of the sum).
std::pair<xg::Tensor, xg::Tensor> per_point(const Loss& loss, const xg::Tensor& prediction, const xg::Tensor& target) {
  xg::Tensor p = prediction.detach().requires_grad_();
  xg::Tensor l = loss(p, target, Reduction::None);
  xg::sum(l).backward();
  return {l.detach(), p.grad()};
}

int main(int argc, char** argv) {
  std::string out = "out/tutorial";
  int steps = 3000;
  cli::Parser cli("tutorial_03_outliers",
                  "Fits y = w x + b with MSE, MAE and Huber to data with outliers and prints the slopes side by "
                  "side. The chapter's figure: --out docs/tutorial/figures.");
  cli.number("--steps", steps, "gradient-descent steps per fit", cli::between(1, 1000000));
  cli.out_dir("--out", out, "folder for outlier_fits.png");
  if (auto exit = cli.parse(argc, argv)) return *exit;
  return cli::guarded("tutorial_03_outliers", [&] {
    std::printf("1. Loss and |d loss / d prediction| for one residual r = prediction - target\n");
    const xg::Tensor r = xg::tensor({0.1, 0.5, 1.0, 3.0, 10.0}, xg::kFloat64);
    std::printf("      r    MSE loss  grad    MAE loss  grad    Huber loss  grad\n");
    std::vector<std::pair<xg::Tensor, xg::Tensor>> table;
    for (const auto& l : kLosses) table.push_back(per_point(l.loss, r, xg::zeros_like(r)));
    for (std::size_t i = 0; i < r.numel(); ++i) {
      std::printf("  %5.1f", r.data<double>()(i));
      for (const auto& [loss, grad] : table)
        std::printf("  %8.3f %6.3f ", loss.data<double>()(i), std::abs(grad.data<double>()(i)));
      std::printf("\n");
    }

    // 30 points on y = 2 x + 1 with noise 0.3; the last 4 pushed 8 below the line.
    const std::size_t n = 30, n_out = 4;
    xg::manual_seed(1);
    const xg::Tensor x = xg::arange(0, double(n), 1, xg::kFloat64) * (4.0 / double(n - 1));
    xg::Tensor y = x * 2.0 + 1.0 + xg::randn({n}, xg::kFloat64) * 0.3;
    for (std::size_t i = n - n_out; i < n; ++i) y.data<double>()(i) -= 8.0;

    // d L / d w = sum_i d loss_i / d prediction_i * x_i: each point's pull on the slope.
    std::printf("\n2. At the true line y = 2 x + 1: share of the pull on w from the %zu outliers of %zu points\n",
                n_out, n);
    for (const auto& l : kLosses) {
      const xg::Tensor pull = xg::abs(per_point(l.loss, x * 2.0 + 1.0, y).second * x);
      const double outliers = xg::sum(xg::slice(pull, 0, std::int64_t(n - n_out), std::int64_t(n))).item();
      std::printf("  %-5s %5.1f %%\n", l.name, 100 * outliers / xg::sum(pull).item());
    }

    // Full-batch gradient descent; the rate decays linearly to 0 so that MAE, whose gradient never
    // shrinks near the optimum, settles instead of hopping around it.
    std::printf("\n3. Fitted by gradient descent (%d steps, lr 0.05 decaying to 0)\n", steps);
    std::printf("  loss    slope w   intercept b\n");
    std::printf("  truth   %7.3f   %7.3f\n", 2.0, 1.0);
    std::vector<std::pair<double, double>> fits;
    for (const auto& l : kLosses) {
      xg::Tensor w = xg::tensor(0.0, xg::kFloat64).requires_grad_(), b = xg::tensor(0.0, xg::kFloat64).requires_grad_();
      xg::optim::SGD opt({w, b}, {.lr = 0.05});
      for (int step = 0; step < steps; ++step) {
        opt.set_lr(0, 0.05 * (1 - double(step) / steps));
        opt.zero_grad();
        l.loss(x * w + b, y, Reduction::Mean).backward();
        opt.step();
      }
      fits.push_back({w.item(), b.item()});
      std::printf("  %-5s   %7.3f   %7.3f\n", l.name, w.item(), b.item());
    }

    plot::Canvas img(760, 560);
    const plot::Axes ax{
        .left = 80, .top = 80, .width = 640, .height = 400, .x_min = -0.2, .x_max = 4.2, .y_min = -2, .y_max = 10};
    ax.clip(img);
    plot::polyline(img, ax, {{-0.2, 0.6}, {4.2, 9.4}}, plot::kLightGray, 9.0);  // the truth
    std::vector<std::pair<std::string, plot::Color>> entries = {{"truth y = 2x + 1", plot::kLightGray}};
    for (std::size_t i = 0; i < fits.size(); ++i) {
      const auto [w, b] = fits[i];
      plot::polyline(img, ax, {{-0.2, b - 0.2 * w}, {4.2, b + 4.2 * w}}, plot::kPalette[i], 2.5);
      char label[64];
      std::snprintf(label, sizeof label, "%s: slope %.2f", kLosses[i].name, w);
      entries.push_back({label, plot::kPalette[i]});
    }
    for (std::size_t i = 0; i < n; ++i)
      img.disc(ax.px(x.data<double>()(i)), ax.py(y.data<double>()(i)), 4.5,
               i < n - n_out ? plot::kBlack : plot::kPalette[3]);
    img.reset_clip();
    ax.draw_frame(img, "x", "y", "4 outliers (pink) in 30 points");
    plot::legend(img, ax.left + 15, ax.top + 15, entries);
    const auto path = std::filesystem::path(out) / "outlier_fits.png";
    img.save_png(path.string());
    std::fprintf(stderr, "wrote %s\n", path.string().c_str());
    return 0;
  });
}
