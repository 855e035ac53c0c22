#include "xgrad/plot/chart.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "xgrad/core/error.hpp"

namespace xgrad::plot {

namespace {

// [lo, hi] of the values that can be drawn (finite; > 0 on a log axis), widened to round
// numbers: powers of ten on a log axis, 5% each side on a linear one.
std::pair<double, double> range_of(const std::vector<double>& values, bool log) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values)
    if (std::isfinite(v) && (!log || v > 0)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!std::isfinite(lo)) return log ? std::pair{1.0, 10.0} : std::pair{0.0, 1.0};
  if (log) {
    const double a = std::floor(std::log10(lo) + 1e-12), b = std::ceil(std::log10(hi) - 1e-12);
    return {std::pow(10.0, a), std::pow(10.0, std::max(b, a + 1))};
  }
  if (hi == lo) return {lo - 1, hi + 1};
  const double pad = (hi - lo) * 0.05;
  return {lo - pad, hi + pad};
}

}  // namespace

Axes chart_axes(const std::vector<Series>& series, const ChartOptions& o) {
  std::vector<double> xs, ys;
  for (const Series& s : series)
    for (const auto& [x, y] : s.points) xs.push_back(x), ys.push_back(y);
  auto [x_lo, x_hi] = range_of(xs, o.log_x);
  auto [y_lo, y_hi] = range_of(ys, o.log_y);
  Axes ax{.left = 100,
          .top = o.title.empty() ? 60 : 110,
          .width = o.width - 140,
          .height = 0,
          .x_min = o.x_min.value_or(x_lo),
          .x_max = o.x_max.value_or(x_hi),
          .y_min = o.y_min.value_or(y_lo),
          .y_max = o.y_max.value_or(y_hi),
          .log_y = o.log_y,
          .log_x = o.log_x};
  ax.height = o.height - ax.top - 70;
  if (ax.width < 50 || ax.height < 50)
    fail("chart", "a ", o.width, " x ", o.height, " figure is too small for its axes");
  if ((o.log_x && ax.x_min <= 0) || (o.log_y && ax.y_min <= 0))
    fail("chart", "a log axis needs a range above 0, got ", o.log_x ? ax.x_min : ax.y_min);
  return ax;
}

Canvas chart(const std::vector<Series>& series, const ChartOptions& o) {
  const Axes ax = chart_axes(series, o);
  Canvas c(o.width, o.height);
  std::vector<std::pair<std::string, Color>> entries;
  std::vector<bool> markers;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    const Color color = s.color.value_or(kPalette[i % std::size(kPalette)]);
    if (s.markers)
      scatter(c, ax, s.points, color, s.thickness + 2);
    else
      polyline(c, ax, s.points, color, s.thickness);
    if (!s.label.empty()) entries.push_back({s.label, color}), markers.push_back(s.markers);
  }
  ax.draw_frame(c, o.x_label, o.y_label, o.title);
  if (!entries.empty()) {
    int w = 0;
    for (const auto& e : entries) w = std::max(w, Canvas::text_width(e.first));
    legend(c, ax.left + ax.width - (w + 66) - 10, ax.top + 10, entries, 2, markers);
  }
  return c;
}

}  // namespace xgrad::plot
