#include "xgrad/plot/axes.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace xgrad::plot {

namespace {

double to_axis(double v, bool log) { return log ? std::log10(v) : v; }

// Ticks of a log axis: the powers of ten in [lo, hi], at most ~9 of them labelled.
std::vector<std::pair<double, std::string>> log_ticks(double lo, double hi) {
  std::vector<std::pair<double, std::string>> ticks;
  const int a = static_cast<int>(std::ceil(std::log10(lo) - 1e-9)),
            b = static_cast<int>(std::floor(std::log10(hi) + 1e-9));
  const int every = std::max(1, (b - a) / 8 + 1);
  for (int e = a; e <= b; ++e)
    if ((e - a) % every == 0) ticks.push_back({std::pow(10.0, e), "1e" + std::to_string(e)});
  return ticks;
}

std::vector<std::pair<double, std::string>> linear_ticks(double lo, double hi) {
  std::vector<std::pair<double, std::string>> ticks;
  for (double t : nice_ticks(lo, hi)) ticks.push_back({t, format_number(t)});
  return ticks;
}

}  // namespace

double Axes::px(double x) const {
  const double lo = to_axis(x_min, log_x), hi = to_axis(x_max, log_x);
  return left + (to_axis(x, log_x) - lo) / (hi - lo) * width;
}

double Axes::py(double y) const {
  const double lo = to_axis(y_min, log_y), hi = to_axis(y_max, log_y);
  return top + height - (to_axis(y, log_y) - lo) / (hi - lo) * height;
}

double Axes::x_at(double p) const {
  const double lo = to_axis(x_min, log_x), hi = to_axis(x_max, log_x);
  const double v = lo + (p - left) / width * (hi - lo);
  return log_x ? std::pow(10.0, v) : v;
}

double Axes::y_at(double p) const {
  const double lo = to_axis(y_min, log_y), hi = to_axis(y_max, log_y);
  const double v = lo + (top + height - p) / height * (hi - lo);
  return log_y ? std::pow(10.0, v) : v;
}

bool Axes::contains(double x, double y) const {
  return x >= std::min(x_min, x_max) && x <= std::max(x_min, x_max) && y >= std::min(y_min, y_max) &&
         y <= std::max(y_min, y_max);
}

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::vector<double> nice_ticks(double lo, double hi, int count) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  const double raw = (hi - lo) / std::max(1, count);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

std::vector<double> geometric_levels(double lo, double hi, int count) {
  std::vector<double> levels;
  for (int i = 0; i < count; ++i) levels.push_back(lo * std::pow(hi / lo, count > 1 ? double(i) / (count - 1) : 0.0));
  return levels;
}

void Axes::draw_frame(Canvas& c, const std::string& x_label, const std::string& y_label,
                      const std::string& title) const {
  c.reset_clip();
  const int right = left + width, bottom = top + height, th = Canvas::text_height(2);
  c.rect(left, top, right + 1, bottom + 1, kBlack);
  for (const auto& [t, s] : log_x ? log_ticks(x_min, x_max) : linear_ticks(x_min, x_max)) {
    const double x = std::round(px(t)) + 0.5;
    c.line(x, bottom, x, bottom + 6, kBlack, 1.0);
    c.text(x - Canvas::text_width(s) / 2.0, bottom + 10, s, kBlack);
  }
  for (const auto& [t, s] : log_y ? log_ticks(y_min, y_max) : linear_ticks(y_min, y_max)) {
    const double y = std::round(py(t)) + 0.5;
    c.line(left - 6, y, left, y, kBlack, 1.0);
    c.text(left - 10 - Canvas::text_width(s), y - th / 2.0, s, kBlack);
  }
  c.text(left + (width - Canvas::text_width(x_label)) / 2.0, bottom + 16 + th, x_label, kBlack);
  c.text(left - Canvas::text_width(y_label) / 2.0, top - th - 16, y_label, kBlack);
  if (!title.empty()) c.text(left + (width - Canvas::text_width(title, 3)) / 2.0, top - 3 * th - 36, title, kBlack, 3);
}

}  // namespace xgrad::plot
