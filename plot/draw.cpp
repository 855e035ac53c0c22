#include "xgrad/plot/draw.hpp"

#include <algorithm>
#include <cmath>

namespace xgrad::plot {

void polyline(Canvas& c, const Axes& ax, const Points& points, Color color, double thickness, double alpha) {
  Points pixels;
  pixels.reserve(points.size());
  for (const auto& [x, y] : points) pixels.push_back({ax.px(x), ax.py(y)});
  ax.clip(c);
  c.path(pixels, color, thickness, alpha);
  c.reset_clip();
}

void scatter(Canvas& c, const Axes& ax, const Points& points, Color color, double radius, double alpha) {
  ax.clip(c);
  for (const auto& [x, y] : points) {
    c.disc(ax.px(x), ax.py(y), radius + 1, kWhite, alpha);
    c.disc(ax.px(x), ax.py(y), radius, color, alpha);
  }
  c.reset_clip();
}

void contour(Canvas& c, const Axes& ax, const std::function<double(double, double)>& f,
             const std::vector<double>& levels, Color color, double thickness, int cell) {
  const int nx = ax.width / cell + 1, ny = ax.height / cell + 1;
  // Sample f at the grid's corners (pixel offsets i * cell, j * cell from the top-left).
  std::vector<double> v(static_cast<std::size_t>(nx + 1) * (ny + 1));
  auto at = [&](int i, int j) -> double& { return v[static_cast<std::size_t>(j) * (nx + 1) + i]; };
  for (int j = 0; j <= ny; ++j)
    for (int i = 0; i <= nx; ++i) at(i, j) = f(ax.x_at(ax.left + i * cell), ax.y_at(ax.top + j * cell));
  ax.clip(c);
  for (double level : levels) {
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        // Corners clockwise from the top-left, and where the level crosses each edge.
        const double a = at(i, j), b = at(i + 1, j), d = at(i + 1, j + 1), e = at(i, j + 1);
        if (!std::isfinite(a) || !std::isfinite(b) || !std::isfinite(d) || !std::isfinite(e)) continue;
        const int index = (a > level) | (b > level) << 1 | (d > level) << 2 | (e > level) << 3;
        if (index == 0 || index == 15) continue;
        const double x0 = ax.left + i * cell, y0 = ax.top + j * cell, s = cell;
        auto cross = [level](double p, double q) { return (level - p) / (q - p); };
        const std::pair<double, double> top{x0 + s * cross(a, b), y0}, right{x0 + s, y0 + s * cross(b, d)},
            bottom{x0 + s * cross(e, d), y0 + s}, left{x0, y0 + s * cross(a, e)};
        auto seg = [&](std::pair<double, double> p, std::pair<double, double> q) {
          c.line(p.first, p.second, q.first, q.second, color, thickness);
        };
        const bool centre_above = (a + b + d + e) / 4 > level;
        switch (index) {
          case 1:
          case 14: seg(left, top); break;
          case 2:
          case 13: seg(top, right); break;
          case 3:
          case 12: seg(left, right); break;
          case 4:
          case 11: seg(right, bottom); break;
          case 6:
          case 9: seg(top, bottom); break;
          case 7:
          case 8: seg(left, bottom); break;
          case 5:  // a and d above: a saddle, resolved by the centre
            if (centre_above)
              seg(left, bottom), seg(top, right);
            else
              seg(left, top), seg(right, bottom);
            break;
          case 10:  // b and e above
            if (centre_above)
              seg(left, top), seg(right, bottom);
            else
              seg(left, bottom), seg(top, right);
            break;
        }
      }
  }
  c.reset_clip();
}

void shade(Canvas& c, const Axes& ax, const std::function<double(double, double)>& f, const std::vector<double>& levels,
           Color light, Color dark) {
  ax.clip(c);
  for (int py = ax.top; py < ax.top + ax.height; ++py)
    for (int px = ax.left; px < ax.left + ax.width; ++px) {
      const double v = f(ax.x_at(px + 0.5), ax.y_at(py + 0.5));
      const auto above = std::count_if(levels.begin(), levels.end(), [v](double l) { return v > l; });
      c.blend(px, py, mix(dark, light, double(above) / double(std::max<std::size_t>(1, levels.size()))));
    }
  c.reset_clip();
}

std::vector<Color> viridis() { return {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}; }

Color colormap_at(const std::vector<Color>& colormap, double v, double lo, double hi) {
  if (colormap.empty()) return kBlack;
  if (colormap.size() == 1 || !(hi > lo)) return colormap.front();
  double t = std::isfinite(v) ? std::clamp((v - lo) / (hi - lo), 0.0, 1.0) : 0.0;
  t *= double(colormap.size() - 1);
  const std::size_t i = std::min(colormap.size() - 2, static_cast<std::size_t>(t));
  return mix(colormap[i], colormap[i + 1], t - double(i));
}

void heat_map(Canvas& c, const Axes& ax, const std::function<double(double, double)>& f, double lo, double hi, int cell,
              const std::vector<Color>& colormap, bool colorbar) {
  ax.clip(c);
  for (int py = ax.top; py < ax.top + ax.height; py += cell)
    for (int px = ax.left; px < ax.left + ax.width; px += cell) {
      const double v = f(ax.x_at(px + cell / 2.0), ax.y_at(py + cell / 2.0));
      c.fill_rect(px, py, px + cell, py + cell, colormap_at(colormap, v, lo, hi));
    }
  c.reset_clip();
  if (!colorbar) return;
  const int x0 = ax.left + ax.width + 16, x1 = x0 + 18;
  for (int py = ax.top; py < ax.top + ax.height; ++py)
    c.fill_rect(x0, py, x1, py + 1, colormap_at(colormap, hi - (hi - lo) * (py - ax.top) / ax.height, lo, hi));
  c.rect(x0, ax.top, x1, ax.top + ax.height, kBlack);
  const Axes bar{.left = x0, .top = ax.top, .width = 18, .height = ax.height, .y_min = lo, .y_max = hi};
  const int th = Canvas::text_height(1.6);
  for (double t : nice_ticks(lo, hi, 5)) {
    const double y = std::round(bar.py(t)) + 0.5;
    c.line(x1, y, x1 + 5, y, kBlack);
    c.text(x1 + 8, y - th / 2.0, format_number(t), kBlack, 1.6);
  }
}

void legend(Canvas& c, int x, int y, const std::vector<std::pair<std::string, Color>>& entries, double scale,
            const std::vector<bool>& markers) {
  const int th = Canvas::text_height(scale), row = th + 10, sample = 28, pad = 10;
  int text_w = 0;
  for (const auto& [label, color] : entries) text_w = std::max(text_w, Canvas::text_width(label, scale));
  const int w = pad + sample + 8 + text_w + pad, h = pad + row * static_cast<int>(entries.size()) - 10 + pad + 4;
  c.fill_rect(x, y, x + w, y + h, kWhite, 0.9);
  c.rect(x, y, x + w, y + h, kGray);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const double ry = y + pad + static_cast<int>(i) * row, mid = ry + th / 2.0;
    if (i < markers.size() && markers[i])
      c.disc(x + pad + sample / 2.0, mid, 5, entries[i].second);
    else
      c.line(x + pad, mid, x + pad + sample, mid, entries[i].second, 3.0);
    c.text(x + pad + sample + 8, ry, entries[i].first, kBlack, scale);
  }
}

}  // namespace xgrad::plot
