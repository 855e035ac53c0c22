#include "plot/regression_figures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace xtr = xgrad::train;
namespace fs = std::filesystem;

namespace plot {

// The loss per step, and its distance to the least-squares minimum, on a log scale.
void draw_loss(const xtr::LinearRegressionTrainer& t, double minimum, const std::string& title, const fs::path& path) {
  std::vector<std::pair<double, double>> loss, excess;
  double lo = 1e300, hi = 0;
  for (std::size_t s = 0; s < t.history().size(); ++s) {
    const double l = t.history()[s].loss, e = l - minimum;
    loss.push_back({double(s), l});
    if (std::isfinite(l)) hi = std::max(hi, l), lo = std::min(lo, l);
    if (e > 0 && std::isfinite(e)) excess.push_back({double(s), e}), lo = std::min(lo, e);
  }
  lo = std::max(lo, 1e-300);
  Image img(1100, 700);
  const Axes ax{.left = 120,
                .top = 130,
                .width = 900,
                .height = 470,
                .x_min = 0,
                .x_max = std::max(1.0, double(t.history().size() - 1)),
                .y_min = std::pow(10.0, std::floor(std::log10(lo))),
                .y_max = std::pow(10.0, std::ceil(std::log10(std::max(hi, lo * 10)))),
                .log_y = true};
  polyline(img, ax, loss, kPalette[1], 2.5);
  polyline(img, ax, excess, kPalette[0], 2.5);
  ax.draw_frame(img, "step", "", "loss vs step (log scale)");
  legend(img, ax.left + ax.width - 380, ax.top + ax.height / 3,
         {{"loss (mean squared error)", kPalette[1]}, {"loss - least-squares minimum", kPalette[0]}});
  img.text(40, 20, title, kBlack, 2);
  img.save_png(path.string());
}

// y against feature j, less the other features' part of the least-squares fit (a partial
// residual: with one feature, y itself), with the line the model draws along j at several steps.
void draw_fit(const xtr::LinearRegressionTrainer& t, const RegressionData& d, const std::vector<double>& best,
              std::size_t j, const std::string& title, const fs::path& path) {
  const std::size_t n = d.x.shape(0), f = d.x.shape(1);
  std::vector<double> mean(f, 0.0);
  for (std::size_t k = 0; k < f; ++k) {
    for (std::size_t i = 0; i < n; ++i) mean[k] += d.x(i, k);
    mean[k] /= double(n);
  }
  std::vector<std::pair<double, double>> points;
  double x_lo = 1e300, x_hi = -1e300, y_lo = 1e300, y_hi = -1e300;
  for (std::size_t i = 0; i < n; ++i) {
    double r = d.y(i);
    for (std::size_t k = 0; k < f; ++k)
      if (k != j) r -= best[k] * (d.x(i, k) - mean[k]);
    points.push_back({d.x(i, j), r});
    x_lo = std::min(x_lo, d.x(i, j)), x_hi = std::max(x_hi, d.x(i, j));
    y_lo = std::min(y_lo, r), y_hi = std::max(y_hi, r);
  }
  // Steps 0, 1, 2, 5, 10, 20, 50, ... and the last: early steps move most.
  std::vector<std::size_t> shown;
  const std::size_t last = t.history().size() - 1;
  for (std::size_t s = 1; s <= last; s *= 10)
    for (std::size_t m : {1, 2, 5})
      if (m * s < last) shown.push_back(m * s);
  shown.insert(shown.begin(), 0);
  shown.push_back(last);
  const double pad = 0.1 * (y_hi - y_lo + 1e-12);
  Image img(1100, 760);
  const Axes ax{.left = 120,
                .top = 130,
                .width = 700,
                .height = 520,
                .x_min = x_lo,
                .x_max = x_hi,
                .y_min = y_lo - pad,
                .y_max = y_hi + pad};
  ax.clip(img);
  for (const auto& [x, y] : points) img.disc(ax.px(x), ax.py(y), 3.0, kGray, 0.7);
  std::vector<std::pair<std::string, Color>> entries;
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const std::vector<double>& p = t.history()[shown[i]].params;
    double offset = p[f];
    for (std::size_t k = 0; k < f; ++k)
      if (k != j) offset += p[k] * mean[k];
    auto line = [&](double x) { return p[j] * x + offset; };
    // From light to dark as training goes on; the last line in black.
    const double a = shown.size() > 1 ? double(i) / double(shown.size() - 1) : 1.0;
    const Color c = i + 1 == shown.size()
                        ? kBlack
                        : Color{std::uint8_t(250 - 200 * a), std::uint8_t(190 - 100 * a), std::uint8_t(90 + 80 * a)};
    polyline(img, ax, {{x_lo, line(x_lo)}, {x_hi, line(x_hi)}}, c, 2.5);
    entries.push_back({"step " + std::to_string(shown[i]), c});
  }
  img.reset_clip();
  ax.draw_frame(img, d.names[j], f > 1 ? "partial residual" : d.target, "the fitted line along " + d.names[j]);
  if (f > 1)
    img.text(ax.left, ax.top + ax.height + 60,
             "partial residual: " + d.target + " minus the other features' part of the least-squares fit", kBlack);
  legend(img, 850, 130, entries);
  img.text(40, 20, title, kBlack, 2);
  img.save_png(path.string());
}

}  // namespace plot
