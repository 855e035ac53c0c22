#pragma once
// A small raster plotting kit for the examples: an RGB image with anti-aliased lines, markers
// and text, and axes that map data coordinates to pixels, with contour lines (marching squares),
// shading, polylines, log-scale axes and a legend. Writes PNG through stb_image_write; text is
// stb_easy_font's vector glyphs. Nothing here knows about xgrad.
//
//   plot::Image img(800, 600);
//   plot::Axes ax{.left = 60, .top = 40, .width = 700, .height = 500, .x_min = -2, .x_max = 2,
//                 .y_min = -1, .y_max = 3};
//   plot::contour(img, ax, f, plot::geometric_levels(0.1, 1000, 12), plot::kGray);
//   plot::polyline(img, ax, path, plot::kBlue, 2.0);
//   ax.draw_frame(img, "x", "y");
//   img.write_png("out.png");
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace plot {

struct Color {
  std::uint8_t r, g, b;
};

inline constexpr Color kWhite{255, 255, 255};
inline constexpr Color kBlack{0, 0, 0};
inline constexpr Color kGray{150, 150, 150};
inline constexpr Color kLightGray{225, 225, 225};
// A palette whose colours stay distinct from each other (Okabe-Ito, for colour-blind readers).
inline constexpr Color kPalette[] = {{213, 94, 0},  {0, 114, 178},  {0, 158, 115},  {204, 121, 167},
                                     {230, 159, 0}, {86, 180, 233}, {120, 120, 120}};

class Image {
 public:
  Image(int width, int height, Color background = kWhite);
  int width() const { return width_; }
  int height() const { return height_; }

  // Blends `c` over pixel (x, y) with opacity `alpha` in [0, 1]; outside the image, or outside
  // the clip rectangle when one is set, nothing happens.
  void blend(int x, int y, Color c, double alpha = 1.0);
  Color at(int x, int y) const;
  // Restricts drawing to [x0, x1) x [y0, y1) until reset_clip().
  void set_clip(int x0, int y0, int x1, int y1);
  void reset_clip();

  // An anti-aliased line of `thickness` pixels between points in pixel coordinates.
  void line(double x0, double y0, double x1, double y1, Color c, double thickness = 1.0, double alpha = 1.0);
  void disc(double x, double y, double radius, Color c, double alpha = 1.0);
  void ring(double x, double y, double radius, Color c, double thickness = 1.5);
  void fill_rect(int x0, int y0, int x1, int y1, Color c, double alpha = 1.0);
  void rect(int x0, int y0, int x1, int y1, Color c);

  // Text with its top-left corner at (x, y); `scale` multiplies stb_easy_font's ~7-pixel glyphs.
  void text(int x, int y, const std::string& s, Color c, int scale = 2);
  static int text_width(const std::string& s, int scale = 2);
  static int text_height(int scale = 2);

  // Writes the PNG whole to a temporary file and renames it over `path` (common/files.hpp):
  // throws std::runtime_error naming the file and the reason if it cannot be written, a full
  // disk included; an older file at `path` is then left as it was.
  void save_png(const std::string& path) const;
  // The same, returning false instead of throwing.
  bool write_png(const std::string& path) const;

 private:
  int width_, height_;
  std::vector<std::uint8_t> pixels_;  // RGB, row-major
  int clip_x0_ = 0, clip_y0_ = 0, clip_x1_, clip_y1_;
};

// A plotting area: a pixel rectangle and the data range it shows. With log_y, y values are
// plotted by their log10, and y_min, y_max are data values (> 0).
struct Axes {
  int left = 0, top = 0, width = 100, height = 100;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  bool log_y = false;

  double px(double x) const;  // data -> pixel
  double py(double y) const;
  void clip(Image& img) const { img.set_clip(left, top, left + width, top + height); }
  // The frame, tick marks with labels, axis labels and a title above.
  void draw_frame(Image& img, const std::string& x_label, const std::string& y_label,
                  const std::string& title = "") const;
};

// "1.5", "-0.25", "1e-06": short labels for ticks and legends.
std::string format_number(double v);

// About `count` round tick values covering [lo, hi] (1, 2 or 5 times a power of ten apart).
std::vector<double> nice_ticks(double lo, double hi, int count = 6);

// Contour levels spaced evenly in log: lo, lo * r, ..., hi.
std::vector<double> geometric_levels(double lo, double hi, int count);

// Iso-lines of f at each level, by marching squares over a grid of `cell` pixels.
void contour(Image& img, const Axes& ax, const std::function<double(double, double)>& f,
             const std::vector<double>& levels, Color c, double thickness = 1.0, int cell = 3);

// Fills the axes with a light colour that darkens as f crosses more of `levels` (filled contours).
void shade(Image& img, const Axes& ax, const std::function<double(double, double)>& f,
           const std::vector<double>& levels, Color light, Color dark);

// Joins the points with a line, stopping at the first non-finite one.
void polyline(Image& img, const Axes& ax, const std::vector<std::pair<double, double>>& points, Color c,
              double thickness = 2.0, double alpha = 1.0);

// A boxed legend: a line sample and a label per entry, top-left corner at (x, y).
void legend(Image& img, int x, int y, const std::vector<std::pair<std::string, Color>>& entries, int scale = 2);

}  // namespace plot
