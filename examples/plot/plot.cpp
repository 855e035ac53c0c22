#include "plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "common/files.hpp"

// stb's implementations live in this one translation unit.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_easy_font.h>
#include <stb/stb_image_write.h>

namespace plot {

namespace {

double clamp01(double v) { return std::clamp(v, 0.0, 1.0); }

// Distance from (x, y) to the segment (x0, y0)-(x1, y1).
double segment_distance(double x, double y, double x0, double y0, double x1, double y1) {
  const double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((x - x0) * dx + (y - y0) * dy) / len2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  return std::hypot(x - (x0 + t * dx), y - (y0 + t * dy));
}

// Liang-Barsky: clips the segment to the rectangle, false if nothing is left. Keeps a path that
// shoots far off the plot from making a line with an enormous bounding box.
bool clip_segment(double& x0, double& y0, double& x1, double& y1, double xmin, double ymin, double xmax, double ymax) {
  double t0 = 0, t1 = 1;
  const double dx = x1 - x0, dy = y1 - y0;
  const double p[4] = {-dx, dx, -dy, dy}, q[4] = {x0 - xmin, xmax - x0, y0 - ymin, ymax - y0};
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0) {
      if (q[i] < 0) return false;
      continue;
    }
    const double r = q[i] / p[i];
    if (p[i] < 0)
      t0 = std::max(t0, r);
    else
      t1 = std::min(t1, r);
    if (t0 > t1) return false;
  }
  const double ox = x0, oy = y0;
  x0 = ox + t0 * dx, y0 = oy + t0 * dy;
  x1 = ox + t1 * dx, y1 = oy + t1 * dy;
  return true;
}

Color mix(Color a, Color b, double t) {
  auto m = [t](std::uint8_t u, std::uint8_t v) { return static_cast<std::uint8_t>(std::lround(u + (v - u) * t)); };
  return {m(a.r, b.r), m(a.g, b.g), m(a.b, b.b)};
}

}  // namespace

// --- Image -------------------------------------------------------------------------------------

Image::Image(int width, int height, Color background)
    : width_(width),
      height_(height),
      pixels_(static_cast<std::size_t>(width) * height * 3),
      clip_x1_(width),
      clip_y1_(height) {
  for (std::size_t i = 0; i < pixels_.size(); i += 3) {
    pixels_[i] = background.r;
    pixels_[i + 1] = background.g;
    pixels_[i + 2] = background.b;
  }
}

void Image::blend(int x, int y, Color c, double alpha) {
  if (x < clip_x0_ || y < clip_y0_ || x >= clip_x1_ || y >= clip_y1_ || alpha <= 0) return;
  alpha = std::min(alpha, 1.0);
  std::uint8_t* p = &pixels_[(static_cast<std::size_t>(y) * width_ + x) * 3];
  const std::uint8_t src[3] = {c.r, c.g, c.b};
  for (int k = 0; k < 3; ++k) p[k] = static_cast<std::uint8_t>(std::lround(p[k] + (src[k] - p[k]) * alpha));
}

Color Image::at(int x, int y) const {
  const std::uint8_t* p = &pixels_[(static_cast<std::size_t>(y) * width_ + x) * 3];
  return {p[0], p[1], p[2]};
}

void Image::set_clip(int x0, int y0, int x1, int y1) {
  clip_x0_ = std::max(0, x0), clip_y0_ = std::max(0, y0);
  clip_x1_ = std::min(width_, x1), clip_y1_ = std::min(height_, y1);
}

void Image::reset_clip() { set_clip(0, 0, width_, height_); }

void Image::line(double x0, double y0, double x1, double y1, Color c, double thickness, double alpha) {
  const double r = thickness / 2;
  if (!clip_segment(x0, y0, x1, y1, clip_x0_ - r - 1, clip_y0_ - r - 1, clip_x1_ + r + 1, clip_y1_ + r + 1)) return;
  const int xa = static_cast<int>(std::floor(std::min(x0, x1) - r - 1)),
            xb = static_cast<int>(std::ceil(std::max(x0, x1) + r + 1));
  const int ya = static_cast<int>(std::floor(std::min(y0, y1) - r - 1)),
            yb = static_cast<int>(std::ceil(std::max(y0, y1) + r + 1));
  // Coverage of each pixel: how far its centre lies inside the stroke, over a one-pixel ramp.
  for (int y = std::max(ya, clip_y0_); y <= std::min(yb, clip_y1_ - 1); ++y)
    for (int x = std::max(xa, clip_x0_); x <= std::min(xb, clip_x1_ - 1); ++x) {
      const double d = segment_distance(x + 0.5, y + 0.5, x0, y0, x1, y1);
      const double coverage = clamp01(r + 0.5 - d);
      if (coverage > 0) blend(x, y, c, alpha * coverage);
    }
}

void Image::disc(double cx, double cy, double radius, Color c, double alpha) {
  for (int y = static_cast<int>(cy - radius - 1); y <= static_cast<int>(cy + radius + 1); ++y)
    for (int x = static_cast<int>(cx - radius - 1); x <= static_cast<int>(cx + radius + 1); ++x)
      blend(x, y, c, alpha * clamp01(radius + 0.5 - std::hypot(x + 0.5 - cx, y + 0.5 - cy)));
}

void Image::ring(double cx, double cy, double radius, Color c, double thickness) {
  const double outer = radius + thickness;
  for (int y = static_cast<int>(cy - outer - 1); y <= static_cast<int>(cy + outer + 1); ++y)
    for (int x = static_cast<int>(cx - outer - 1); x <= static_cast<int>(cx + outer + 1); ++x) {
      const double d = std::abs(std::hypot(x + 0.5 - cx, y + 0.5 - cy) - radius);
      blend(x, y, c, clamp01(thickness / 2 + 0.5 - d));
    }
}

void Image::fill_rect(int x0, int y0, int x1, int y1, Color c, double alpha) {
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) blend(x, y, c, alpha);
}

void Image::rect(int x0, int y0, int x1, int y1, Color c) {
  fill_rect(x0, y0, x1, y0 + 1, c);
  fill_rect(x0, y1 - 1, x1, y1, c);
  fill_rect(x0, y0, x0 + 1, y1, c);
  fill_rect(x1 - 1, y0, x1, y1, c);
}

void Image::text(int x, int y, const std::string& s, Color c, int scale) {
  // stb_easy_font emits its glyphs as axis-aligned quads of 4 vertices of 16 bytes each.
  std::vector<char> str(s.begin(), s.end());
  str.push_back('\0');
  std::vector<float> buffer(s.size() * 300 + 64);
  const int quads = stb_easy_font_print(0, 0, str.data(), nullptr, buffer.data(), static_cast<int>(buffer.size() * 4));
  for (int q = 0; q < quads; ++q) {
    const float* v = &buffer[static_cast<std::size_t>(q) * 16];  // 4 vertices x (x, y, z, rgba)
    const float qx0 = std::min(v[0], v[8]), qx1 = std::max(v[0], v[8]);
    const float qy0 = std::min(v[1], v[9]), qy1 = std::max(v[1], v[9]);
    fill_rect(x + static_cast<int>(qx0 * scale), y + static_cast<int>(qy0 * scale), x + static_cast<int>(qx1 * scale),
              y + static_cast<int>(qy1 * scale), c);
  }
}

int Image::text_width(const std::string& s, int scale) {
  std::vector<char> str(s.begin(), s.end());
  str.push_back('\0');
  return stb_easy_font_width(str.data()) * scale;
}

int Image::text_height(int scale) { return 7 * scale; }  // digits and capitals span 7 font pixels

void Image::save_png(const std::string& path) const {
  int size = 0;
  unsigned char* png = stbi_write_png_to_mem(pixels_.data(), width_ * 3, width_, height_, 3, &size);
  if (!png) throw std::runtime_error("cannot write " + path + ": the PNG encoder failed");
  const std::unique_ptr<unsigned char, decltype(&std::free)> owned(png, &std::free);
  cli::write_file(path, std::string_view(reinterpret_cast<const char*>(png), std::size_t(size)));
}

bool Image::write_png(const std::string& path) const {
  try {
    save_png(path);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// --- Axes --------------------------------------------------------------------------------------

double Axes::px(double x) const { return left + (x - x_min) / (x_max - x_min) * width; }

double Axes::py(double y) const {
  const double v = log_y ? std::log10(y) : y;
  const double lo = log_y ? std::log10(y_min) : y_min, hi = log_y ? std::log10(y_max) : y_max;
  return top + height - (v - lo) / (hi - lo) * height;
}

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::vector<double> nice_ticks(double lo, double hi, int count) {
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

void Axes::draw_frame(Image& img, const std::string& x_label, const std::string& y_label,
                      const std::string& title) const {
  img.reset_clip();
  const int right = left + width, bottom = top + height, th = Image::text_height(2);
  img.rect(left, top, right + 1, bottom + 1, kBlack);
  for (double t : nice_ticks(x_min, x_max)) {
    const int x = static_cast<int>(std::lround(px(t)));
    img.fill_rect(x, bottom, x + 1, bottom + 6, kBlack);
    const std::string s = format_number(t);
    img.text(x - Image::text_width(s) / 2, bottom + 10, s, kBlack);
  }
  std::vector<std::pair<double, std::string>> y_ticks;
  if (log_y) {
    const int lo = static_cast<int>(std::ceil(std::log10(y_min) - 1e-9));
    const int hi = static_cast<int>(std::floor(std::log10(y_max) + 1e-9));
    const int every = std::max(1, (hi - lo) / 8 + 1);  // at most ~9 labels
    for (int e = lo; e <= hi; ++e)
      if ((e - lo) % every == 0) y_ticks.push_back({std::pow(10.0, e), "1e" + std::to_string(e)});
  } else {
    for (double t : nice_ticks(y_min, y_max)) y_ticks.push_back({t, format_number(t)});
  }
  for (const auto& [t, s] : y_ticks) {
    const int y = static_cast<int>(std::lround(py(t)));
    img.fill_rect(left - 6, y, left, y + 1, kBlack);
    img.text(left - 10 - Image::text_width(s), y - th / 2, s, kBlack);
  }
  img.text(left + (width - Image::text_width(x_label)) / 2, bottom + 16 + th, x_label, kBlack);
  img.text(left - Image::text_width(y_label) / 2, top - th - 16, y_label, kBlack);
  if (!title.empty()) img.text(left + (width - Image::text_width(title, 3)) / 2, top - 3 * th - 36, title, kBlack, 3);
}

// --- what goes inside the axes ----------------------------------------------------------------

void contour(Image& img, const Axes& ax, const std::function<double(double, double)>& f,
             const std::vector<double>& levels, Color c, double thickness, int cell) {
  const int nx = ax.width / cell + 1, ny = ax.height / cell + 1;
  // Sample f at the grid's corners (pixel offsets i * cell, j * cell from the top-left).
  std::vector<double> v(static_cast<std::size_t>(nx + 1) * (ny + 1));
  auto at = [&](int i, int j) -> double& { return v[static_cast<std::size_t>(j) * (nx + 1) + i]; };
  for (int j = 0; j <= ny; ++j)
    for (int i = 0; i <= nx; ++i) {
      const double x = ax.x_min + (ax.x_max - ax.x_min) * (i * cell) / ax.width;
      const double y = ax.y_max - (ax.y_max - ax.y_min) * (j * cell) / ax.height;
      at(i, j) = f(x, y);
    }
  ax.clip(img);
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
          img.line(p.first, p.second, q.first, q.second, c, thickness);
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
  img.reset_clip();
}

void shade(Image& img, const Axes& ax, const std::function<double(double, double)>& f,
           const std::vector<double>& levels, Color light, Color dark) {
  for (int py = ax.top; py < ax.top + ax.height; ++py)
    for (int px = ax.left; px < ax.left + ax.width; ++px) {
      const double x = ax.x_min + (ax.x_max - ax.x_min) * (px + 0.5 - ax.left) / ax.width;
      const double y = ax.y_max - (ax.y_max - ax.y_min) * (py + 0.5 - ax.top) / ax.height;
      const double v = f(x, y);
      const auto above = std::count_if(levels.begin(), levels.end(), [v](double l) { return v > l; });
      img.blend(px, py, mix(dark, light, double(above) / std::max<std::size_t>(1, levels.size())));
    }
}

void polyline(Image& img, const Axes& ax, const std::vector<std::pair<double, double>>& points, Color c,
              double thickness, double alpha) {
  ax.clip(img);
  for (std::size_t i = 1; i < points.size(); ++i) {
    const double x0 = ax.px(points[i - 1].first), y0 = ax.py(points[i - 1].second);
    const double x1 = ax.px(points[i].first), y1 = ax.py(points[i].second);
    if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1)) break;
    img.line(x0, y0, x1, y1, c, thickness, alpha);
  }
  img.reset_clip();
}

void legend(Image& img, int x, int y, const std::vector<std::pair<std::string, Color>>& entries, int scale) {
  const int th = Image::text_height(scale), row = th + 10, sample = 28, pad = 10;  // rows 24 px apart at scale 2
  int text_w = 0;
  for (const auto& [label, c] : entries) text_w = std::max(text_w, Image::text_width(label, scale));
  const int w = pad + sample + 8 + text_w + pad, h = pad + row * static_cast<int>(entries.size()) - 10 + pad;
  img.fill_rect(x, y, x + w, y + h, kWhite, 0.9);
  img.rect(x, y, x + w, y + h, kGray);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const int ry = y + pad + static_cast<int>(i) * row;
    img.line(x + pad, ry + th / 2.0, x + pad + sample, ry + th / 2.0, entries[i].second, 3.0);
    img.text(x + pad + sample + 8, ry, entries[i].first, kBlack, scale);
  }
}

}  // namespace plot
