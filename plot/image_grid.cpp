#include "xgrad/plot/image_grid.hpp"

#include <algorithm>
#include <cmath>

#include "xgrad/core/error.hpp"

namespace xgrad::plot {

namespace {

struct Pixels {
  std::size_t height, width;
  bool rgb;
  xt::xarray<double> values;  // (H, W) or (3, H, W)
};

Pixels pixels_of(const Tensor& t, std::size_t index) {
  if (!t.defined()) fail("image_grid", "image ", index, " has no pixels");
  if (t.dtype() == kInt64) fail("image_grid", "image ", index, " is int64; pass float values in [0, 1]");
  const Shape s = t.shape();
  const bool rgb = s.size() == 3 && s[0] == 3;
  if (!(s.size() == 2 || rgb) || s.back() == 0 || s[s.size() - 2] == 0)
    fail("image_grid", "image ", index, " has shape ", to_string(s), "; expected (H, W) or (3, H, W)");
  return {std::size_t(s[s.size() - 2]), std::size_t(s.back()), rgb, t.to(kFloat64).data<double>()};
}

std::uint8_t byte(double v) { return static_cast<std::uint8_t>(std::lround(255 * std::clamp(v, 0.0, 1.0))); }

}  // namespace

Canvas image_grid(const std::vector<GridImage>& images, const GridOptions& o) {
  if (images.empty()) fail("image_grid", "no images");
  if (o.columns < 1 || o.zoom < 1)
    fail("image_grid", "columns and zoom must be at least 1, got ", o.columns, " and ", o.zoom);
  std::vector<Pixels> pixels;
  std::size_t h = 0, w = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    pixels.push_back(pixels_of(images[i].pixels, i));
    h = std::max(h, pixels.back().height), w = std::max(w, pixels.back().width);
  }
  const int th = Canvas::text_height(o.text_scale), caption_h = th + 10;
  int caption_w = 0;
  for (const GridImage& g : images) caption_w = std::max(caption_w, Canvas::text_width(g.caption, o.text_scale));
  const int cell_w = std::max(int(w) * o.zoom, caption_w), cell_h = int(h) * o.zoom + caption_h;
  const int columns = std::min<int>(o.columns, int(images.size()));
  const int rows = int((images.size() + columns - 1) / columns);
  const int top = o.title.empty() ? o.gap : o.gap + Canvas::text_height(2.2) + 20;
  Canvas c(o.gap + columns * (cell_w + o.gap), top + rows * (cell_h + o.gap));
  if (!o.title.empty()) c.text(o.gap, o.gap, o.title, kBlack, 2.2);
  for (std::size_t i = 0; i < images.size(); ++i) {
    const Pixels& p = pixels[i];
    const int x0 = o.gap + int(i % columns) * (cell_w + o.gap) + (cell_w - int(p.width) * o.zoom) / 2;
    const int y0 = top + int(i / columns) * (cell_h + o.gap);
    for (std::size_t y = 0; y < p.height; ++y)
      for (std::size_t x = 0; x < p.width; ++x) {
        const Color color = p.rgb ? Color{byte(p.values(0, y, x)), byte(p.values(1, y, x)), byte(p.values(2, y, x))}
                                  : Color{byte(p.values(y, x)), byte(p.values(y, x)), byte(p.values(y, x))};
        c.fill_rect(x0 + int(x) * o.zoom, y0 + int(y) * o.zoom, x0 + int(x + 1) * o.zoom, y0 + int(y + 1) * o.zoom,
                    color);
      }
    c.set_clip(x0, y0, x0 + int(p.width) * o.zoom, y0 + int(p.height) * o.zoom);
    for (const Box& b : images[i].boxes) {
      const double bx0 = x0 + b.x0 * o.zoom, by0 = y0 + b.y0 * o.zoom;
      c.rect(bx0, by0, x0 + (b.x1 + 1) * o.zoom, y0 + (b.y1 + 1) * o.zoom, b.color, b.thickness);
      if (b.label.empty()) continue;
      const double tw = Canvas::text_width(b.label, o.text_scale * 0.8),
                   tag_h = Canvas::text_height(o.text_scale * 0.8) + 6;
      c.fill_rect(bx0, by0, bx0 + tw + 6, by0 + tag_h, b.color);
      c.text(bx0 + 3, by0 + 3, b.label, kWhite, o.text_scale * 0.8);
    }
    c.reset_clip();
    const GridImage& g = images[i];
    const int cx = o.gap + int(i % columns) * (cell_w + o.gap);
    c.text(cx + (cell_w - Canvas::text_width(g.caption, o.text_scale)) / 2.0, y0 + int(h) * o.zoom + 6, g.caption,
           g.caption_color, o.text_scale);
  }
  return c;
}

}  // namespace xgrad::plot
