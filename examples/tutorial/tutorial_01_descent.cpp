// Tutorial chapter 1 (docs/tutorial/01-loss-and-descent.md): a loss, its derivative, and gradient
// descent on the smallest loss there is, f(w) = (w - 3)^2, whose minimum is at w = 3.
//   1. the derivative f'(w) = 2 (w - 3), checked against a central difference;
//   2. gradient descent by hand: w <- w - lr f'(w);
//   3. the same steps with autograd computing f'(w): the numbers do not change;
//   4. the step size: too small crawls, a good one arrives, too large oscillates or diverges.
// Everything is float64 and scalar, so the printed numbers are the same on every machine.
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

double f(double w) { return (w - 3) * (w - 3); }
double df(double w) { return 2 * (w - 3); }  // the derivative, by the power rule

// n steps of gradient descent by hand from w0; returns every w visited, w0 first.
std::vector<double> descend(double w0, double lr, int n) {
  std::vector<double> path{w0};
  for (int k = 0; k < n; ++k) path.push_back(path.back() - lr * df(path.back()));
  return path;
}

// One panel: the parabola, the steps as dots joined by arrows, and the tangent at each step.
void panel(plot::Canvas& img, int left, double lr, const std::vector<double>& path, const std::string& title) {
  const plot::Axes ax{
      .left = left, .top = 90, .width = 290, .height = 290, .x_min = -1, .x_max = 7, .y_min = -1, .y_max = 16};
  ax.clip(img);
  std::vector<std::pair<double, double>> curve;
  for (int i = 0; i <= 200; ++i) curve.push_back({-1 + 8.0 * i / 200, f(-1 + 8.0 * i / 200)});
  plot::polyline(img, ax, curve, plot::kGray, 2.0);
  for (std::size_t k = 0; k < path.size(); ++k) {
    const double w = path[k], slope = df(w);
    // The tangent f(w) + f'(w) (v - w) over a short stretch of v: its slope is what the step uses.
    plot::polyline(img, ax, {{w - 0.5, f(w) - 0.5 * slope}, {w + 0.5, f(w) + 0.5 * slope}}, plot::kPalette[1], 1.5);
    if (k + 1 < path.size())
      img.line(ax.px(w), ax.py(f(w)), ax.px(path[k + 1]), ax.py(f(path[k + 1])), plot::kPalette[0], 1.5, 0.7);
    img.disc(ax.px(w), ax.py(f(w)), 4.5, plot::kPalette[0]);
  }
  img.reset_clip();
  ax.draw_frame(img, "w", "f(w)", title + ", lr " + plot::format_number(lr));
}

int main(int argc, char** argv) {
  std::string out = "out/tutorial";
  cli::Parser cli("tutorial_01_descent",
                  "Gradient descent on f(w) = (w - 3)^2: by hand, by autograd, and with step sizes from too small "
                  "to diverging. The chapter's figure: --out docs/tutorial/figures.");
  cli.out_dir("--out", out, "folder for descent_steps.png");
  if (auto exit = cli.parse(argc, argv)) return *exit;
  return cli::guarded("tutorial_01_descent", [&] {
    std::printf("1. The loss f(w) = (w - 3)^2 and its derivative f'(w) = 2 (w - 3)\n");
    std::printf("     w     f(w)    f'(w)   (f(w+h) - f(w-h)) / 2h, h = 1e-4\n");
    for (double w : {0.0, 2.0, 3.0, 5.0}) {
      const double h = 1e-4;
      std::printf("  %4.1f  %7.3f  %7.3f  %7.3f\n", w, f(w), df(w), (f(w + h) - f(w - h)) / (2 * h));
    }

    std::printf("\n2. Gradient descent by hand: w <- w - lr f'(w), from w = 0 with lr = 0.1\n");
    const std::vector<double> by_hand = descend(0.0, 0.1, 10);
    std::printf("  step      w        f(w)\n");
    for (std::size_t k = 0; k < by_hand.size(); ++k) std::printf("  %4zu  %.6f  %.6f\n", k, by_hand[k], f(by_hand[k]));

    std::printf("\n3. The same steps, with autograd computing f'(w)\n");
    xg::Tensor w = xg::tensor(0.0, xg::kFloat64).requires_grad_();
    double largest_difference = 0;
    for (std::size_t k = 1; k < by_hand.size(); ++k) {
      xg::Tensor loss = (w - 3.0).pow(2.0);  // the graph: sub, then pow
      loss.backward();                       // w.grad() = d loss / d w = 2 (w - 3)
      {
        xg::NoGradGuard no_grad;  // the update itself is not part of the loss
        w.data<double>()() -= 0.1 * w.grad().data<double>()();
      }
      w.set_grad({});  // backward() adds into grad(): clear it for the next step
      largest_difference = std::max(largest_difference, std::abs(w.item() - by_hand[k]));
    }
    std::printf("  after 10 steps w = %.6f; largest difference from the steps by hand: %g\n", w.item(),
                largest_difference);

    // Each step multiplies the distance to the minimum by (1 - 2 lr): w_k - 3 = (1 - 2 lr)^k (w_0 - 3).
    std::printf("\n4. The step size: 20 steps from w = 0\n");
    std::printf("    lr   1 - 2 lr   w after 20 steps   f(w)\n");
    for (double lr : {0.01, 0.1, 0.5, 0.9, 1.0, 1.1}) {
      const double w20 = descend(0.0, lr, 20).back();
      const double factor = 1 - 2 * lr;
      const char* verdict = factor == 0              ? "there in one step"
                            : std::abs(factor) > 1   ? "diverges"
                            : std::abs(factor) == 1  ? "oscillates forever"
                            : std::abs(factor) > 0.9 ? "crawls"
                            : factor < 0             ? "converges, oscillating"
                                                     : "converges";
      std::printf("  %4.2f   %+5.2f      %14.6f   %12.6g   %s\n", lr, factor, w20, f(w20), verdict);
    }

    plot::Canvas img(1120, 480);
    panel(img, 70, 0.02, descend(0.0, 0.02, 10), "too small");
    panel(img, 440, 0.3, descend(0.0, 0.3, 10), "good");
    panel(img, 810, 1.05, descend(2.0, 1.05, 6), "too large");
    img.text(70, 445, "dots: 10 steps from w = 0 (6 from w = 2 on the right); blue: the tangent at each step",
             plot::kGray);
    const auto path = std::filesystem::path(out) / "descent_steps.png";
    img.save_png(path.string());
    std::fprintf(stderr, "wrote %s\n", path.string().c_str());
    return 0;
  });
}
