// Gradient descent, seen. For each function of examples/descent_functions.hpp (a table: add your
// own entry there) the program writes a PNG:
//
// - a function of two variables: SGD, SGD with momentum, Nesterov momentum, RMSprop and Adam each
//   start from the same point and take the same number of steps; the contour map shows every
//   path in its own colour, the right panel the loss against the step on a log scale;
// - a function of one variable: plain gradient descent at each of a few rates, one panel each,
//   showing the curve, every step as a point on it and the tangent there (the slope is what
//   autograd computed), and how the rate decides between crawling, swinging and diverging.
//
// A run diverges when its point leaves the view with a loss above the one it started from, or
// the loss overflows: it stops there, its path is cut at the frame and labelled "diverged at
// step k", and the printout says so.
//
// What to look for. The quadratic is 50 times more curved across its valley than along it. Plain
// SGD's rate is capped by the steep direction, so it zig-zags across the valley and crawls along
// it; momentum builds up speed along the floor and Nesterov's look-ahead damps the swings;
// RMSprop and Adam divide each coordinate's step by that coordinate's typical gradient and head
// straight for the minimum. On the parabola (w - 3)^2, f'' = 2: a rate below 1/2 creeps in from
// one side, one between 1/2 and 1 overshoots and swings in, one above 1 = 2 / f'' swings out.
//
//   descent_paths --out plots                       (then open plots/descent_*.png)
//   descent_paths --lr-scale 2                      (every rate doubled: who diverges?)
//   descent_paths --function parabola --lr 0.95     (one panel at the rate you choose)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/ops/indexing.hpp>
#include <xgrad/optim/adam.hpp>
#include <xgrad/optim/rmsprop.hpp>
#include <xgrad/optim/sgd.hpp>
#include <xgrad/plot/plot.hpp>

#include "common/cli.hpp"
#include "descent_functions.hpp"

namespace xg = xgrad;
namespace plot = xgrad::plot;
namespace optim = xgrad::optim;
using descent::Function;

// An optimizer to compare: its name, colour and how to make it for a point with a given rate.
struct Method {
  std::string name;
  plot::Color color;
  std::function<std::unique_ptr<optim::Optimizer>(xg::Tensor, double lr, double momentum)> make;
  double Function::*lr;  // its default rate on a function
};

const std::vector<Method> kMethods = {
    {"SGD", plot::kPalette[6],
     [](xg::Tensor p, double lr, double) {
       return std::make_unique<optim::SGD>(std::vector{p}, optim::SGDOptions{.lr = lr});
     },
     &Function::lr_sgd},
    {"SGD + momentum", plot::kPalette[0],
     [](xg::Tensor p, double lr, double m) {
       return std::make_unique<optim::SGD>(std::vector{p}, optim::SGDOptions{.lr = lr, .momentum = m});
     },
     &Function::lr_momentum},
    {"Nesterov", plot::kPalette[4],
     [](xg::Tensor p, double lr, double m) {
       return std::make_unique<optim::SGD>(std::vector{p},
                                           optim::SGDOptions{.lr = lr, .momentum = m, .nesterov = true});
     },
     &Function::lr_momentum},
    {"RMSprop", plot::kPalette[2],
     [](xg::Tensor p, double lr, double) {
       return std::make_unique<optim::RMSprop>(std::vector{p}, optim::RMSpropOptions{.lr = lr});
     },
     &Function::lr_rmsprop},
    {"Adam", plot::kPalette[1],
     [](xg::Tensor p, double lr, double) {
       return std::make_unique<optim::Adam>(std::vector{p}, optim::AdamOptions{.lr = lr});
     },
     &Function::lr_adam},
};

struct Run {
  std::vector<std::vector<double>> path;   // the point before each step, and after the last
  std::vector<double> losses;              // f at those points
  std::vector<std::vector<double>> grads;  // the gradient autograd found at each point but the last
  std::optional<int> diverged;             // the step at which it did
};

bool in_view(const Function& fn, const std::vector<double>& p) {
  for (std::size_t d = 0; d < p.size(); ++d)
    if (!(p[d] >= fn.view[2 * d] && p[d] <= fn.view[2 * d + 1])) return false;
  return true;
}

// f at a point, as a tensor on which backward() can run.
xg::Tensor evaluate(const Function& fn, const xg::Tensor& p) {
  return fn.dims() == 1 ? fn.f(p.select(0, 0), xg::tensor(0.0, xg::kFloat64)) : fn.f(p.select(0, 0), p.select(0, 1));
}

// The training loop: evaluate, backward, step; the point is one float64 tensor of 1 or 2 elements.
Run descend(const Function& fn, const Method& method, double lr, double momentum, int steps) {
  xt::xarray<double> start = xt::zeros<double>({fn.start.size()});
  std::copy(fn.start.begin(), fn.start.end(), start.begin());
  xg::Tensor p = xg::from_xarray(std::move(start)).requires_grad_();
  auto opt = method.make(p, lr, momentum);
  Run run;
  for (int step = 0; step <= steps; ++step) {
    xg::Tensor loss = evaluate(fn, p);
    run.path.push_back(p.to_vector<double>());  // a read: p.data<double>() would count as a write
    run.losses.push_back(loss.item());
    if (step > 0 && (!std::isfinite(loss.item()) || (!in_view(fn, run.path.back()) && loss.item() > run.losses[0]))) {
      run.diverged = step;
      break;
    }
    if (step == steps) break;
    opt->zero_grad();
    loss.backward();
    run.grads.push_back(p.grad().to_vector<double>());
    opt->step();
  }
  return run;
}

double value_at(const Function& fn, double x, double y) {
  return fn.f(xg::tensor(x, xg::kFloat64), xg::tensor(y, xg::kFloat64)).item();
}

// "diverged at step k", on a white tag at pixel (x, y), kept inside the axes.
void diverged_tag(plot::Canvas& c, const plot::Axes& ax, double x, double y, int step, plot::Color color) {
  const std::string s = "diverged at step " + std::to_string(step);
  const double w = plot::Canvas::text_width(s, 1.8) + 10, h = plot::Canvas::text_height(1.8) + 10;
  x = std::clamp(x - w / 2, double(ax.left + 4), double(ax.left + ax.width) - w - 4);
  y = std::clamp(y - h / 2, double(ax.top + 4), double(ax.top + ax.height) - h - 4);
  c.fill_rect(x, y, x + w, y + h, plot::kWhite, 0.92);
  c.rect(x, y, x + w, y + h, color, 2.0);
  c.text(x + 5, y + 5, s, plot::kBlack, 1.8);
}

// Where a path first leaves the view, in pixels: the frame crossing of its last segment inside.
std::pair<double, double> exit_point(const plot::Axes& ax, const std::vector<std::pair<double, double>>& px) {
  for (std::size_t i = 1; i < px.size(); ++i) {
    const auto [x1, y1] = px[i];
    const bool inside = x1 >= ax.left && x1 <= ax.left + ax.width && y1 >= ax.top && y1 <= ax.top + ax.height;
    if (inside && std::isfinite(x1) && std::isfinite(y1)) continue;
    const auto [x0, y0] = px[i - 1];
    double t = 1;  // how far along the segment it crosses the frame
    auto cut = [&](double from, double to, double edge) {
      if ((to - edge) * (from - edge) < 0) t = std::min(t, (edge - from) / (to - from));
    };
    if (std::isfinite(x1) && std::isfinite(y1)) {
      cut(x0, x1, ax.left), cut(x0, x1, ax.left + ax.width), cut(y0, y1, ax.top), cut(y0, y1, ax.top + ax.height);
      return {x0 + t * (x1 - x0), y0 + t * (y1 - y0)};
    }
    return {x0, y0};
  }
  return px.back();
}

// A diverged run's path up to where it left the view (the kit cuts the last segment at the frame).
std::vector<std::pair<double, double>> shown_path(const plot::Axes& ax, const Run& run) {
  std::vector<std::pair<double, double>> out;
  for (const auto& p : run.path) {
    out.push_back({p[0], p.size() > 1 ? p[1] : 0.0});
    if (run.diverged && !ax.contains(out.back().first, out.back().second)) break;
  }
  return out;
}

// The loss panel: log scale from the smallest loss reached (floored at 1e-12) to 10 times the
// start; a diverged run leaves through the top.
void draw_losses(plot::Canvas& img, const plot::Axes& frame, const std::vector<Run>& runs,
                 const std::vector<plot::Color>& colors, int steps) {
  double lo = 1e300, start = 0;
  for (const Run& r : runs) {
    start = std::max(start, std::fabs(r.losses[0]));
    for (double l : r.losses)
      if (std::isfinite(l) && l > 0) lo = std::min(lo, std::max(l, 1e-12));
  }
  plot::Axes curve = frame;
  curve.x_min = 0, curve.x_max = double(steps), curve.log_y = true;
  curve.y_min = std::pow(10.0, std::floor(std::log10(std::min(lo, start))));
  curve.y_max = std::pow(10.0, std::ceil(std::log10(std::max(start, 1e-12) * 10)));
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::vector<std::pair<double, double>> points;
    for (std::size_t s = 0; s < runs[i].losses.size(); ++s)
      points.push_back(
          {double(s), std::isfinite(runs[i].losses[s]) ? std::max(runs[i].losses[s], curve.y_min) : 1e300});
    plot::polyline(img, curve, points, colors[i], 2.0);
  }
  curve.draw_frame(img, "step", "loss", "loss vs step (log scale)");
}

void draw_2d(const Function& fn, const std::vector<Run>& runs, const std::vector<std::string>& labels, int steps,
             const std::string& path) {
  plot::Canvas img(1660, 840);
  const plot::Axes map{.left = 90,
                       .top = 150,
                       .width = 640,
                       .height = 620,
                       .x_min = fn.view[0],
                       .x_max = fn.view[1],
                       .y_min = fn.view[2],
                       .y_max = fn.view[3]};
  auto value = [&](double x, double y) { return value_at(fn, x, y); };
  const std::vector<double> levels = plot::geometric_levels(fn.level_lo, fn.level_hi, 14);
  plot::shade(img, map, value, levels, {250, 250, 252}, {196, 210, 236});
  plot::contour(img, map, value, levels, {120, 130, 150}, 1.0);
  // Paths often share a stretch of valley floor: each is drawn thinner than the one before, so
  // all stay visible where they overlap.
  auto thickness = [&](std::size_t i) { return 2.0 + 2.0 * double(runs.size() - 1 - i); };
  for (std::size_t i = 0; i < runs.size(); ++i)
    plot::polyline(img, map, shown_path(map, runs[i]), kMethods[i].color, thickness(i));
  map.clip(img);
  for (std::size_t i = 0; i < runs.size(); ++i) {  // where each ended, on top of every path
    if (runs[i].diverged) continue;
    const double ex = map.px(runs[i].path.back()[0]), ey = map.py(runs[i].path.back()[1]);
    img.disc(ex, ey, 7.5, plot::kWhite);
    img.disc(ex, ey, 5.5, kMethods[i].color);
  }
  img.reset_clip();
  img.ring(map.px(fn.start[0]), map.py(fn.start[1]), 7, plot::kBlack, 2.0);
  if (fn.minimum) {
    const double mx = map.px((*fn.minimum)[0]), my = map.py((*fn.minimum)[1]);
    img.line(mx - 8, my - 8, mx + 8, my + 8, plot::kBlack, 2.5);
    img.line(mx - 8, my + 8, mx + 8, my - 8, plot::kBlack, 2.5);
  }
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (!runs[i].diverged) continue;
    std::vector<std::pair<double, double>> px;
    for (const auto& [x, y] : shown_path(map, runs[i])) px.push_back({map.px(x), map.py(y)});
    const auto [ex, ey] = exit_point(map, px);
    diverged_tag(img, map, ex, ey, *runs[i].diverged, kMethods[i].color);
  }
  map.draw_frame(img, "x", "y", fn.formula);

  std::vector<plot::Color> colors;
  for (std::size_t i = 0; i < runs.size(); ++i) colors.push_back(kMethods[i].color);
  draw_losses(img, {.left = 850, .top = 150, .width = 460, .height = 620}, runs, colors, steps);

  std::vector<std::pair<std::string, plot::Color>> entries;
  for (std::size_t i = 0; i < runs.size(); ++i) entries.push_back({labels[i], kMethods[i].color});
  const int legend_x = 1340, legend_y = 150, below = legend_y + 24 * static_cast<int>(entries.size()) + 30;
  plot::legend(img, legend_x, legend_y, entries, 1.8);
  img.ring(legend_x + 24, below + 7, 7, plot::kBlack, 2.0);
  img.text(legend_x + 46, below, "start", plot::kBlack);
  img.line(legend_x + 16, below + 26, legend_x + 32, below + 42, plot::kBlack, 2.5);
  img.line(legend_x + 16, below + 42, legend_x + 32, below + 26, plot::kBlack, 2.5);
  img.text(legend_x + 46, below + 28, "minimum", plot::kBlack);
  img.text(legend_x + 10, below + 60, "dot: where it ended", plot::kBlack);
  img.text(40, 24,
           fn.name + ": " + std::to_string(steps) + " steps from (" + plot::format_number(fn.start[0]) + ", " +
               plot::format_number(fn.start[1]) + ")",
           plot::kBlack, 3);
  img.save_png(path);
}

// One panel per rate: the curve, the steps on it with the tangent at each (the first
// `tangents`), and a tag where a run diverged.
void draw_1d(const Function& fn, const std::vector<Run>& runs, const std::vector<double>& rates, int steps,
             int tangents, const std::string& path) {
  const int panels = int(runs.size()), pw = 500, gap = 110;
  plot::Canvas img(90 + panels * (pw + gap), 1010);
  double y_lo = 1e300, y_hi = -1e300;
  std::vector<std::pair<double, double>> curve;
  for (int i = 0; i <= 400; ++i) {
    const double x = fn.view[0] + (fn.view[1] - fn.view[0]) * i / 400.0, y = value_at(fn, x, 0);
    curve.push_back({x, y});
    y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
  }
  const double pad = 0.08 * (y_hi - y_lo + 1e-12);
  for (int k = 0; k < panels; ++k) {
    const Run& run = runs[std::size_t(k)];
    const plot::Color color = kMethods[0].color;
    const plot::Axes ax{.left = 90 + k * (pw + gap),
                        .top = 175,
                        .width = pw,
                        .height = 435,
                        .x_min = fn.view[0],
                        .x_max = fn.view[1],
                        .y_min = y_lo - pad,
                        .y_max = y_hi + pad};
    plot::polyline(img, ax, curve, {40, 40, 40}, 2.0);
    if (fn.minimum) {
      const double mx = ax.px((*fn.minimum)[0]);
      img.line(mx, ax.top + ax.height - 8, mx, ax.top + ax.height, plot::kBlack, 2.0);
    }
    const std::vector<std::pair<double, double>> on_curve = [&] {
      std::vector<std::pair<double, double>> p;
      for (std::size_t s = 0; s < run.path.size(); ++s) {
        p.push_back({run.path[s][0], run.losses[s]});
        if (run.diverged && !ax.contains(p.back().first, p.back().second)) break;
      }
      return p;
    }();
    plot::polyline(img, ax, on_curve, color, 1.5, 0.6);
    ax.clip(img);
    const double half = (fn.view[1] - fn.view[0]) / 10;  // each tangent spans a fifth of the view
    for (std::size_t s = 0; s < run.grads.size() && int(s) < tangents; ++s) {
      const double x = run.path[s][0], y = run.losses[s], g = run.grads[s][0];
      img.line(ax.px(x - half), ax.py(y - g * half), ax.px(x + half), ax.py(y + g * half), plot::kPalette[1], 1.5);
    }
    for (std::size_t s = 0; s < on_curve.size(); ++s) {
      const double px = ax.px(on_curve[s].first), py = ax.py(on_curve[s].second);
      img.disc(px, py, s == 0 ? 6.5 : 5, plot::kWhite);
      img.disc(px, py, s == 0 ? 5 : 3.5, s == 0 ? plot::kBlack : plot::kPalette[0]);
      if (int(s) < tangents) img.text(px + 6, py - 20, std::to_string(s), plot::kBlack, 1.4);
    }
    img.reset_clip();
    std::string note;
    if (run.diverged) {
      std::vector<std::pair<double, double>> px;
      for (const auto& [x, y] : on_curve) px.push_back({ax.px(x), ax.py(y)});
      const auto [ex, ey] = exit_point(ax, px);
      diverged_tag(img, ax, ex, ey, *run.diverged, plot::kPalette[0]);
    } else {
      char buf[96];
      std::snprintf(buf, sizeof buf, "after %d steps: w = %.4g, f = %.4g", steps, run.path.back()[0],
                    run.losses.back());
      note = buf;
    }
    ax.draw_frame(img, "w", "f(w)", "lr " + plot::format_number(rates[std::size_t(k)]));
    img.text(ax.left, ax.top + ax.height + 60, note, plot::kBlack, 1.8);
    draw_losses(img, {.left = ax.left, .top = 780, .width = pw, .height = 180}, {run}, {plot::kPalette[0]}, steps);
  }
  img.text(40, 24, fn.name + ": gradient descent on " + fn.formula + " from w = " + plot::format_number(fn.start[0]),
           plot::kBlack, 3);
  img.text(
      40, 60,
      "orange dots: the steps (numbered); blue: the tangent at each, slope f'(w) from autograd; the step is -lr f'(w)",
      plot::kBlack, 1.8);
  img.save_png(path);
}

// "(1.2346, -0.5)", short whatever the size of the numbers.
std::string point_text(const std::vector<double>& p) {
  std::string s = "(";
  for (std::size_t i = 0; i < p.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", p[i]);
    s += (i ? ", " : "") + std::string(buf);
  }
  return s + ")";
}

void report(const std::string& name, double lr, const Run& run) {
  if (run.diverged)
    std::printf("  %-16s lr %-8.4g diverged at step %d (loss %.3g at %s)\n", name.c_str(), lr, *run.diverged,
                run.losses.back(), point_text(run.path.back()).c_str());
  else
    std::printf("  %-16s lr %-8.4g final loss %-11.4g at %s\n", name.c_str(), lr, run.losses.back(),
                point_text(run.path.back()).c_str());
}

int main(int argc, char** argv) try {
  std::optional<int> steps;  // per function
  std::optional<double> lr_1d;
  double lr_scale = 1.0, momentum = 0.9;
  int tangents = 8;
  std::string out = ".", only;
  bool list = false;
  std::vector<std::optional<double>> lr_override(kMethods.size());  // per function
  std::vector<std::string> names;
  for (const Function& fn : descent::functions()) names.push_back(fn.name);
  cli::Parser cli("descent_paths",
                  "Runs gradient descent on each function of examples/descent_functions.hpp and draws it: for a "
                  "function of two variables SGD, SGD + momentum, Nesterov, RMSprop and Adam over its contour lines, "
                  "for one of one variable each step on the curve with its tangent.");
  cli.number("--steps", steps, "steps per run (default: the function's own)", cli::between(1, 1'000'000));
  cli.number("--lr-scale", lr_scale, "multiplies every learning rate", cli::above(0.0));
  cli.number("--lr-sgd", lr_override[0], "SGD's learning rate (default: one per function)", cli::above(0.0));
  cli.number("--lr-momentum", lr_override[1], "SGD + momentum's learning rate", cli::above(0.0));
  cli.number("--lr-nesterov", lr_override[2], "Nesterov's learning rate", cli::above(0.0));
  cli.number("--lr-rmsprop", lr_override[3], "RMSprop's learning rate", cli::above(0.0));
  cli.number("--lr-adam", lr_override[4], "Adam's learning rate", cli::above(0.0));
  cli.number("--lr", lr_1d, "1-D functions: one panel at this rate instead of the function's own rates",
             cli::above(0.0));
  cli.number("--tangents", tangents, "1-D functions: draw the tangent at the first N steps", cli::between(0, 1000));
  cli.number("--momentum", momentum, "momentum of SGD + momentum and Nesterov", cli::between(0.0, 0.999));
  cli.out_dir("--out", out, "folder for the PNG files (created if missing)");
  cli.choice("--function", only, "only this function (default: all)", names);
  cli.flag("--list", list, "print the table of functions and exit");
  if (auto exit = cli.parse(argc, argv)) return *exit;

  if (list) {
    for (const Function& fn : descent::functions())
      std::printf("%-12s %dD  %s  from %s\n", fn.name.c_str(), fn.dims(), fn.formula.c_str(),
                  point_text(fn.start).c_str());
    return 0;
  }
  for (const Function& fn : descent::functions()) {
    if (!only.empty() && fn.name != only) continue;
    if ((fn.dims() != 1 && fn.dims() != 2) || fn.view.size() != 2 * fn.start.size())
      throw std::runtime_error("descent_functions.hpp: " + fn.name +
                               " needs 1 or 2 start values and twice as many view bounds");
    const int n = steps.value_or(fn.steps);
    std::printf("%s, %s, %d steps from %s\n", fn.name.c_str(), fn.formula.c_str(), n, point_text(fn.start).c_str());
    std::vector<Run> runs;
    const std::string path = (std::filesystem::path(out) / ("descent_" + fn.name + ".png")).string();
    if (fn.dims() == 1) {
      std::vector<double> rates = lr_1d ? std::vector<double>{*lr_1d} : fn.rates;
      for (double& r : rates) r *= lr_scale;
      for (double lr : rates) report("gradient descent", lr, runs.emplace_back(descend(fn, kMethods[0], lr, 0, n)));
      draw_1d(fn, runs, rates, n, tangents, path);
    } else {
      std::vector<std::string> labels;
      for (std::size_t m = 0; m < kMethods.size(); ++m) {
        const double lr = lr_override[m].value_or(fn.*kMethods[m].lr) * lr_scale;
        report(kMethods[m].name, lr, runs.emplace_back(descend(fn, kMethods[m], lr, momentum, n)));
        labels.push_back(kMethods[m].name + " " + plot::format_number(lr));
      }
      draw_2d(fn, runs, labels, n, path);
    }
    std::printf("  wrote %s\n", path.c_str());
  }
  return 0;
} catch (...) {
  return cli::report_exception("descent_paths");
}
