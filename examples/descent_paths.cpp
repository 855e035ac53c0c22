// Gradient descent, seen. SGD, SGD with momentum, Nesterov momentum, RMSprop and Adam each start
// from the same point of a 2-D function and take the same number of steps; autograd computes the
// gradient of the function at the point, the optimizer moves it. For each function the program
// writes a PNG: the contour lines with every optimizer's path in its own colour, and the loss
// against the step on a log scale.
//
// What to look for. The quadratic is 50 times more curved across its valley than along it (the
// plot stretches y; read the ticks). Plain SGD's rate is capped by the steep direction, so it
// zig-zags across the valley and crawls along it. Momentum builds up speed along the floor: it
// overshoots and swings, but arrives sooner, and Nesterov's look-ahead damps the swings. RMSprop
// and Adam divide each coordinate's step by that coordinate's typical gradient, so both
// directions move at the same pace and the path heads straight for the minimum. On Rosenbrock's
// curved valley, SGD reaches the floor and then crawls; momentum, Nesterov and Adam follow the
// curve to the minimum at (1, 1).
//
//   descent_paths --steps 300 --out plots           (then open plots/descent_*.png)
//   descent_paths --lr-scale 2                      (every learning rate doubled: who diverges?)
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/ops/elementwise.hpp>
#include <xgrad/core/ops/indexing.hpp>
#include <xgrad/optim/adam.hpp>
#include <xgrad/optim/rmsprop.hpp>
#include <xgrad/optim/sgd.hpp>

#include "common/cli.hpp"
#include "plot/plot.hpp"

namespace xg = xgrad;
namespace optim = xgrad::optim;

// A function of a point p = (x, y), written with xgrad ops so autograd can differentiate it.
struct Landscape {
  std::string name, formula;
  std::function<xg::Tensor(const xg::Tensor& x, const xg::Tensor& y)> f;
  double start_x, start_y, min_x, min_y;
  double x_min, x_max, y_min, y_max;                // the view
  double level_lo, level_hi;                        // contour levels, spaced evenly in log
  int steps;                                        // enough to tell the optimizers apart
  double lr_sgd, lr_momentum, lr_rmsprop, lr_adam;  // rates that suit this function
};

const std::vector<Landscape> kLandscapes = {
    {"quadratic", "f(x, y) = (x^2 + 50 y^2) / 2",
     [](const xg::Tensor& x, const xg::Tensor& y) { return (x * x + 50.0 * y * y) * 0.5; }, -4.5, 1.6, 0, 0, -5, 5,
     -2.5, 2.5, 0.01, 300, 150, 0.036, 0.01, 0.1, 0.1},
    {"rosenbrock", "f(x, y) = (1 - x)^2 + 100 (y - x^2)^2",
     [](const xg::Tensor& x, const xg::Tensor& y) {
       const xg::Tensor a = 1.0 - x, b = y - x * x;
       return a * a + 100.0 * b * b;
     },
     -1.5, 2.0, 1, 1, -2, 2, -1, 3, 0.01, 2000, 1000, 1e-3, 1e-3, 0.01, 0.05},
};

// An optimizer to compare: its name, colour and how to make it for a point with a given rate.
struct Method {
  std::string name;
  plot::Color color;
  std::function<std::unique_ptr<optim::Optimizer>(xg::Tensor, double lr, double momentum)> make;
  double Landscape::*lr;  // its default rate on a landscape
};

const std::vector<Method> kMethods = {
    {"SGD", plot::kPalette[6],
     [](xg::Tensor p, double lr, double) {
       return std::make_unique<optim::SGD>(std::vector{p}, optim::SGDOptions{.lr = lr});
     },
     &Landscape::lr_sgd},
    {"SGD + momentum", plot::kPalette[0],
     [](xg::Tensor p, double lr, double m) {
       return std::make_unique<optim::SGD>(std::vector{p}, optim::SGDOptions{.lr = lr, .momentum = m});
     },
     &Landscape::lr_momentum},
    {"Nesterov", plot::kPalette[4],
     [](xg::Tensor p, double lr, double m) {
       return std::make_unique<optim::SGD>(std::vector{p},
                                           optim::SGDOptions{.lr = lr, .momentum = m, .nesterov = true});
     },
     &Landscape::lr_momentum},
    {"RMSprop", plot::kPalette[2],
     [](xg::Tensor p, double lr, double) {
       return std::make_unique<optim::RMSprop>(std::vector{p}, optim::RMSpropOptions{.lr = lr});
     },
     &Landscape::lr_rmsprop},
    {"Adam", plot::kPalette[1],
     [](xg::Tensor p, double lr, double) {
       return std::make_unique<optim::Adam>(std::vector{p}, optim::AdamOptions{.lr = lr});
     },
     &Landscape::lr_adam},
};

struct Run {
  std::vector<std::pair<double, double>> path;  // the point before each step, and after the last
  std::vector<double> losses;                   // f at those points
};

// The training loop: evaluate, backward, step; the point is one float64 tensor of 2 elements.
Run descend(const Landscape& land, const Method& method, double lr, double momentum, int steps) {
  xg::Tensor p = xg::tensor({land.start_x, land.start_y}, xg::kFloat64).requires_grad_();
  auto opt = method.make(p, lr, momentum);
  Run run;
  for (int step = 0; step <= steps; ++step) {
    xg::Tensor loss = land.f(p.select(0, 0), p.select(0, 1));
    const auto& xy = p.data<double>();
    run.path.push_back({xy(0), xy(1)});
    run.losses.push_back(loss.item());
    if (!std::isfinite(loss.item()) || step == steps) break;  // diverged, or done
    opt->zero_grad();
    loss.backward();
    opt->step();
  }
  return run;
}

// Draws the contour panel, the loss panel and the legend, and writes the PNG.
void draw(const Landscape& land, const std::vector<Run>& runs, const std::vector<std::string>& labels, int steps,
          const std::string& path) {
  plot::Image img(1660, 840);
  const plot::Axes map{.left = 90,
                       .top = 150,
                       .width = 640,
                       .height = 620,
                       .x_min = land.x_min,
                       .x_max = land.x_max,
                       .y_min = land.y_min,
                       .y_max = land.y_max};
  auto value = [&](double x, double y) {
    return land.f(xg::tensor(x, xg::kFloat64), xg::tensor(y, xg::kFloat64)).item();
  };
  const std::vector<double> levels = plot::geometric_levels(land.level_lo, land.level_hi, 14);
  plot::shade(img, map, value, levels, {250, 250, 252}, {196, 210, 236});
  plot::contour(img, map, value, levels, {120, 130, 150}, 1.0);
  // Paths often share a stretch of valley floor: each is drawn thinner than the one before, so
  // all stay visible where they overlap.
  auto thickness = [&](std::size_t i) { return 2.0 + 2.0 * double(runs.size() - 1 - i); };
  for (std::size_t i = 0; i < runs.size(); ++i) plot::polyline(img, map, runs[i].path, kMethods[i].color, thickness(i));
  map.clip(img);
  for (std::size_t i = 0; i < runs.size(); ++i) {  // where each ended, on top of every path
    const auto [ex, ey] = runs[i].path.back();
    if (!std::isfinite(ex) || !std::isfinite(ey)) continue;
    img.disc(map.px(ex), map.py(ey), 7.5, plot::kWhite);
    img.disc(map.px(ex), map.py(ey), 5.5, kMethods[i].color);
  }
  img.reset_clip();
  img.ring(map.px(land.start_x), map.py(land.start_y), 7, plot::kBlack, 2.0);
  const double mx = map.px(land.min_x), my = map.py(land.min_y);
  img.line(mx - 8, my - 8, mx + 8, my + 8, plot::kBlack, 2.5);
  img.line(mx - 8, my + 8, mx + 8, my - 8, plot::kBlack, 2.5);
  map.draw_frame(img, "x", "y", land.formula);

  // The loss panel: log scale from the smallest loss reached (floored at 1e-12) to the start.
  double lo = 1e300, hi = 0;
  for (const Run& r : runs)
    for (double l : r.losses)
      if (std::isfinite(l)) lo = std::min(lo, std::max(l, 1e-12)), hi = std::max(hi, l);
  const plot::Axes curve{.left = 850,
                         .top = 150,
                         .width = 460,
                         .height = 620,
                         .x_min = 0,
                         .x_max = double(steps),
                         .y_min = std::pow(10.0, std::floor(std::log10(lo))),
                         .y_max = std::pow(10.0, std::ceil(std::log10(hi))),
                         .log_y = true};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::vector<std::pair<double, double>> points;
    for (std::size_t s = 0; s < runs[i].losses.size(); ++s)
      points.push_back({double(s), std::max(runs[i].losses[s], curve.y_min)});
    plot::polyline(img, curve, points, kMethods[i].color, 1.0 + thickness(i) / 3);
  }
  curve.draw_frame(img, "step", "loss", "loss vs step (log scale)");

  std::vector<std::pair<std::string, plot::Color>> entries;
  for (std::size_t i = 0; i < runs.size(); ++i) entries.push_back({labels[i], kMethods[i].color});
  const int legend_x = 1340, legend_y = 150, below = legend_y + 24 * static_cast<int>(entries.size()) + 30;
  plot::legend(img, legend_x, legend_y, entries);
  img.ring(legend_x + 24, below + 7, 7, plot::kBlack, 2.0);
  img.text(legend_x + 46, below, "start", plot::kBlack);
  img.line(legend_x + 16, below + 26, legend_x + 32, below + 42, plot::kBlack, 2.5);
  img.line(legend_x + 16, below + 42, legend_x + 32, below + 26, plot::kBlack, 2.5);
  img.text(legend_x + 46, below + 28, "minimum", plot::kBlack);
  img.text(legend_x + 10, below + 60, "dot: where it ended", plot::kBlack);
  img.text(40, 24,
           land.name + ": " + std::to_string(steps) + " steps from (" + plot::format_number(land.start_x) + ", " +
               plot::format_number(land.start_y) + ")",
           plot::kBlack, 3);
  img.save_png(path);
}

int main(int argc, char** argv) try {
  std::optional<int> steps;  // per function
  double lr_scale = 1.0, momentum = 0.9;
  std::string out = ".", only;
  std::vector<std::optional<double>> lr_override(kMethods.size());  // per function
  cli::Parser cli("descent_paths",
                  "Runs SGD, SGD + momentum, Nesterov, RMSprop and Adam on an ill-conditioned quadratic and on "
                  "Rosenbrock's function, and draws each optimizer's path over the contour lines, with its loss per "
                  "step.");
  cli.number("--steps", steps, "steps per optimizer (default: 150 on the quadratic, 1000 on Rosenbrock)",
             cli::between(1, 1'000'000));
  cli.number("--lr-scale", lr_scale, "multiplies every learning rate", cli::above(0.0));
  cli.number("--lr-sgd", lr_override[0], "SGD's learning rate (default: one per function)", cli::above(0.0));
  cli.number("--lr-momentum", lr_override[1], "SGD + momentum's learning rate", cli::above(0.0));
  cli.number("--lr-nesterov", lr_override[2], "Nesterov's learning rate", cli::above(0.0));
  cli.number("--lr-rmsprop", lr_override[3], "RMSprop's learning rate", cli::above(0.0));
  cli.number("--lr-adam", lr_override[4], "Adam's learning rate", cli::above(0.0));
  cli.number("--momentum", momentum, "momentum of SGD + momentum and Nesterov", cli::between(0.0, 0.999));
  cli.out_dir("--out", out, "folder for the PNG files (created if missing)");
  cli.choice("--function", only, "only this function (default: both)", {"quadratic", "rosenbrock"});
  if (auto exit = cli.parse(argc, argv)) return *exit;

  for (const Landscape& land : kLandscapes) {
    if (!only.empty() && land.name != only) continue;
    const int n = steps.value_or(land.steps);
    std::printf("%s, %s, %d steps from (%g, %g)\n", land.name.c_str(), land.formula.c_str(), n, land.start_x,
                land.start_y);
    std::vector<Run> runs;
    std::vector<std::string> labels;
    for (std::size_t m = 0; m < kMethods.size(); ++m) {
      const double lr = lr_override[m].value_or(land.*kMethods[m].lr) * lr_scale;
      const Run& run = runs.emplace_back(descend(land, kMethods[m], lr, momentum, n));
      labels.push_back(kMethods[m].name + " " + plot::format_number(lr));
      const auto [x, y] = run.path.back();
      if (std::isfinite(run.losses.back()))
        std::printf("  %-16s lr %-8g final loss %-12.4g at (%.4f, %.4f)\n", kMethods[m].name.c_str(), lr,
                    run.losses.back(), x, y);
      else
        std::printf("  %-16s lr %-8g diverged at step %zu\n", kMethods[m].name.c_str(), lr, run.losses.size() - 1);
    }
    const std::string path = (std::filesystem::path(out) / ("descent_" + land.name + ".png")).string();
    draw(land, runs, labels, n, path);
    std::printf("  wrote %s\n", path.c_str());
  }
  return 0;
} catch (...) {
  return cli::report_exception("descent_paths");
}
