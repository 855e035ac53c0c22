#include "xgrad/plot/canvas.hpp"

#include <cairo.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "xgrad/core/error.hpp"

namespace xgrad::plot {

namespace {

constexpr const char* kFont = "DejaVu Sans";
constexpr double kCapHeight = 0.729;  // DejaVu Sans' capital height, in ems

double font_size(double scale) { return 7.0 * scale / kCapHeight; }

void set_source(cairo_t* cr, Color c, double alpha) {
  cairo_set_source_rgba(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0, alpha);
}

void set_font(cairo_t* cr, double scale) {
  cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, font_size(scale));
}

// Liang-Barsky: clips the segment to the rectangle, false if nothing is left. cairo holds
// coordinates in 24.8 fixed point, so a path that shoots off to 1e30 must be cut before drawing.
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

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// Writes `bytes` whole to PATH.tmp.<pid>.<n>, flushes it to disk and renames it over `path`.
void write_atomically(const std::string& path, const std::string& bytes) {
  static std::atomic<unsigned> counter{0};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0)
    fail("save_png", "cannot write ", path, ": cannot create a temporary file next to it: ", std::strerror(errno));
  auto abandon = [&](int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    fail("save_png", "cannot write ", path, ": ", std::strerror(err));
  };
  for (const char* p = bytes.data(); p != bytes.data() + bytes.size();) {
    const ssize_t w = ::write(fd, p, std::size_t(bytes.data() + bytes.size() - p));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) abandon(w < 0 ? errno : EIO);
    p += w;
  }
  if (::fsync(fd) != 0) abandon(errno);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail("save_png", "cannot write ", path, ": ", std::strerror(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail("save_png", "cannot write ", path, ": cannot rename the temporary file onto it: ", std::strerror(err));
  }
}

// A context for measuring text outside any canvas.
cairo_t* measuring_context() {
  struct Scratch {
    cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
    cairo_t* cr = cairo_create(surface);
    ~Scratch() {
      cairo_destroy(cr);
      cairo_surface_destroy(surface);
    }
  };
  thread_local Scratch scratch;
  return scratch.cr;
}

}  // namespace

Color mix(Color a, Color b, double t) {
  auto m = [t](std::uint8_t u, std::uint8_t v) { return static_cast<std::uint8_t>(std::lround(u + (v - u) * t)); };
  return {m(a.r, b.r), m(a.g, b.g), m(a.b, b.b)};
}

struct Canvas::Cairo {
  cairo_surface_t* surface = nullptr;
  cairo_t* cr = nullptr;
  bool direct = false;  // pixels were written directly since cairo last drew
  ~Cairo() {
    if (cr) cairo_destroy(cr);
    if (surface) cairo_surface_destroy(surface);
  }
};

Canvas::Canvas(int width, int height, Color background)
    : width_(width), height_(height), clip_x1_(width), clip_y1_(height), cairo_(std::make_unique<Cairo>()) {
  if (width <= 0 || height <= 0 || width > 32767 || height > 32767)
    fail("Canvas", "the size must be 1 to 32767 pixels each way, got ", width, " x ", height);
  // RGB24: opaque pixels, so reading one back needs no un-premultiplying.
  cairo_->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  cairo_->cr = cairo_create(cairo_->surface);
  if (cairo_status(cairo_->cr) != CAIRO_STATUS_SUCCESS)
    fail("Canvas", "cairo cannot make a ", width, " x ", height,
         " canvas: ", cairo_status_to_string(cairo_status(cairo_->cr)));
  cairo_set_line_cap(cairo_->cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join(cairo_->cr, CAIRO_LINE_JOIN_ROUND);
  set_source(cairo_->cr, background, 1.0);
  cairo_paint(cairo_->cr);
}

Canvas::~Canvas() = default;
Canvas::Canvas(Canvas&&) noexcept = default;
Canvas& Canvas::operator=(Canvas&&) noexcept = default;

void* Canvas::begin_drawing() const {
  if (cairo_->direct) {
    cairo_surface_mark_dirty(cairo_->surface);
    cairo_->direct = false;
  }
  return cairo_->cr;
}

std::uint32_t* Canvas::pixels() const {
  if (!cairo_->direct) {
    cairo_surface_flush(cairo_->surface);
    cairo_->direct = true;
  }
  return reinterpret_cast<std::uint32_t*>(cairo_image_surface_get_data(cairo_->surface));
}

void Canvas::blend(int x, int y, Color c, double alpha) {
  if (x < clip_x0_ || y < clip_y0_ || x >= clip_x1_ || y >= clip_y1_ || alpha <= 0) return;
  alpha = std::min(alpha, 1.0);
  const int stride = cairo_image_surface_get_stride(cairo_->surface) / 4;
  std::uint32_t& p = pixels()[std::size_t(y) * stride + x];
  auto channel = [&](int shift, std::uint8_t src) {
    const int dst = (p >> shift) & 0xff;
    return std::uint32_t(std::lround(dst + (src - dst) * alpha)) << shift;
  };
  p = 0xff000000u | channel(16, c.r) | channel(8, c.g) | channel(0, c.b);
}

Color Canvas::at(int x, int y) const {
  if (x < 0 || y < 0 || x >= width_ || y >= height_)
    fail("Canvas::at", "pixel (", x, ", ", y, ") is outside the ", width_, " x ", height_, " canvas");
  const int stride = cairo_image_surface_get_stride(cairo_->surface) / 4;
  const std::uint32_t p = pixels()[std::size_t(y) * stride + x];
  return {std::uint8_t(p >> 16), std::uint8_t(p >> 8), std::uint8_t(p)};
}

void Canvas::set_clip(int x0, int y0, int x1, int y1) {
  clip_x0_ = std::clamp(x0, 0, width_), clip_y0_ = std::clamp(y0, 0, height_);
  clip_x1_ = std::clamp(x1, clip_x0_, width_), clip_y1_ = std::clamp(y1, clip_y0_, height_);
  auto* cr = static_cast<cairo_t*>(begin_drawing());
  cairo_reset_clip(cr);
  cairo_rectangle(cr, clip_x0_, clip_y0_, clip_x1_ - clip_x0_, clip_y1_ - clip_y0_);
  cairo_clip(cr);
}

void Canvas::reset_clip() { set_clip(0, 0, width_, height_); }

void Canvas::line(double x0, double y0, double x1, double y1, Color c, double thickness, double alpha) {
  const double r = thickness / 2 + 1;
  if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1)) return;
  if (!clip_segment(x0, y0, x1, y1, clip_x0_ - r, clip_y0_ - r, clip_x1_ + r, clip_y1_ + r)) return;
  auto* cr = static_cast<cairo_t*>(begin_drawing());
  cairo_new_path(cr);
  cairo_move_to(cr, x0, y0);
  cairo_line_to(cr, x1, y1);
  cairo_set_line_width(cr, thickness);
  set_source(cr, c, alpha);
  cairo_stroke(cr);
}

void Canvas::path(const std::vector<std::pair<double, double>>& points, Color c, double thickness, double alpha) {
  auto* cr = static_cast<cairo_t*>(begin_drawing());
  const double r = thickness / 2 + 1;
  cairo_new_path(cr);
  bool open = false;  // a subpath is under way
  for (std::size_t i = 1; i < points.size(); ++i) {
    double x0 = points[i - 1].first, y0 = points[i - 1].second, x1 = points[i].first, y1 = points[i].second;
    if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1)) break;
    const double ex = x1, ey = y1;
    if (!clip_segment(x0, y0, x1, y1, clip_x0_ - r, clip_y0_ - r, clip_x1_ + r, clip_y1_ + r)) {
      open = false;
      continue;
    }
    if (!open) cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    open = x1 == ex && y1 == ey;  // cut at the edge: the next segment starts a new subpath
  }
  cairo_set_line_width(cr, thickness);
  set_source(cr, c, alpha);
  cairo_stroke(cr);
}

void Canvas::disc(double x, double y, double radius, Color c, double alpha) {
  if (!std::isfinite(x) || !std::isfinite(y) || std::fabs(x) > 1e6 || std::fabs(y) > 1e6) return;
  auto* cr = static_cast<cairo_t*>(begin_drawing());
  cairo_new_path(cr);
  cairo_arc(cr, x, y, radius, 0, 2 * M_PI);
  set_source(cr, c, alpha);
  cairo_fill(cr);
}

void Canvas::ring(double x, double y, double radius, Color c, double thickness) {
  if (!std::isfinite(x) || !std::isfinite(y) || std::fabs(x) > 1e6 || std::fabs(y) > 1e6) return;
  auto* cr = static_cast<cairo_t*>(begin_drawing());
  cairo_new_path(cr);
  cairo_arc(cr, x, y, radius, 0, 2 * M_PI);
  cairo_set_line_width(cr, thickness);
  set_source(cr, c, 1.0);
  cairo_stroke(cr);
}

void Canvas::fill_rect(double x0, double y0, double x1, double y1, Color c, double alpha) {
  auto* cr = static_cast<cairo_t*>(begin_drawing());
  x0 = std::clamp(x0, -1.0, width_ + 1.0), x1 = std::clamp(x1, -1.0, width_ + 1.0);
  y0 = std::clamp(y0, -1.0, height_ + 1.0), y1 = std::clamp(y1, -1.0, height_ + 1.0);
  cairo_new_path(cr);
  cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
  set_source(cr, c, alpha);
  cairo_fill(cr);
}

void Canvas::rect(double x0, double y0, double x1, double y1, Color c, double thickness) {
  auto* cr = static_cast<cairo_t*>(begin_drawing());
  const double h = thickness / 2;
  cairo_new_path(cr);
  cairo_rectangle(cr, x0 + h, y0 + h, x1 - x0 - thickness, y1 - y0 - thickness);
  cairo_set_line_width(cr, thickness);
  set_source(cr, c, 1.0);
  cairo_stroke(cr);
}

void Canvas::text(double x, double y, const std::string& s, Color c, double scale) {
  auto* cr = static_cast<cairo_t*>(begin_drawing());
  set_font(cr, scale);
  set_source(cr, c, 1.0);
  cairo_new_path(cr);
  cairo_move_to(cr, x, y + text_height(scale));  // cairo places text by its baseline
  cairo_show_text(cr, s.c_str());
}

void Canvas::text_up(double x, double y, const std::string& s, Color c, double scale) {
  auto* cr = static_cast<cairo_t*>(begin_drawing());
  cairo_save(cr);
  cairo_translate(cr, x + text_height(scale), y);
  cairo_rotate(cr, -M_PI / 2);
  set_font(cr, scale);
  set_source(cr, c, 1.0);
  cairo_new_path(cr);
  cairo_move_to(cr, 0, 0);
  cairo_show_text(cr, s.c_str());
  cairo_restore(cr);
}

int Canvas::text_width(const std::string& s, double scale) {
  cairo_t* cr = measuring_context();
  set_font(cr, scale);
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  return static_cast<int>(std::lround(e.x_advance));
}

int Canvas::text_height(double scale) { return static_cast<int>(std::lround(7.0 * scale)); }

std::string Canvas::png() const {
  begin_drawing();
  cairo_surface_flush(cairo_->surface);
  std::string bytes;
  const cairo_status_t status = cairo_surface_write_to_png_stream(cairo_->surface, append_bytes, &bytes);
  if (status != CAIRO_STATUS_SUCCESS) fail("png", "cairo cannot encode the canvas: ", cairo_status_to_string(status));
  return bytes;
}

void Canvas::save_png(const std::string& path) const { write_atomically(path, png()); }

bool Canvas::write_png(const std::string& path) const {
  try {
    save_png(path);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace xgrad::plot
