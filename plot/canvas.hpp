#pragma once
// A picture to draw on: an RGB canvas drawn by cairo (anti-aliased lines and shapes, DejaVu Sans
// text) and written as PNG. Coordinates are pixels, (0, 0) the top-left corner; Axes
// (plot/axes.hpp) maps data to pixels. cairo stays out of this header: a program that includes
// <xgrad/plot/...> needs no cairo headers, only the library that xgrad::plot links.
//
//   xgrad::plot::Canvas c(800, 600);
//   c.line(10, 10, 200, 100, xgrad::plot::kPalette[0], 2.0);
//   c.text(10, 120, "hello", xgrad::plot::kBlack);
//   c.save_png("out.png");
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace xgrad::plot {

struct Color {
  std::uint8_t r, g, b;
  friend bool operator==(const Color&, const Color&) = default;
};

inline constexpr Color kWhite{255, 255, 255};
inline constexpr Color kBlack{0, 0, 0};
inline constexpr Color kGray{150, 150, 150};
inline constexpr Color kLightGray{225, 225, 225};
// A palette whose colours stay distinct from each other (Okabe-Ito, for colour-blind readers).
inline constexpr Color kPalette[] = {{213, 94, 0},  {0, 114, 178},  {0, 158, 115},  {204, 121, 167},
                                     {230, 159, 0}, {86, 180, 233}, {120, 120, 120}};

// a + (b - a) t, per channel.
Color mix(Color a, Color b, double t);

class Canvas {
 public:
  Canvas(int width, int height, Color background = kWhite);
  ~Canvas();
  Canvas(Canvas&&) noexcept;
  Canvas& operator=(Canvas&&) noexcept;
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  int width() const { return width_; }
  int height() const { return height_; }

  // Blends `c` over pixel (x, y) with opacity `alpha` in [0, 1]; outside the canvas, or outside
  // the clip rectangle when one is set, nothing happens.
  void blend(int x, int y, Color c, double alpha = 1.0);
  Color at(int x, int y) const;
  // Restricts every drawing call to [x0, x1) x [y0, y1) until reset_clip().
  void set_clip(int x0, int y0, int x1, int y1);
  void reset_clip();

  // A line of `thickness` pixels with round ends, between points in pixel coordinates. A segment
  // that reaches far outside the canvas (a diverging path) is cut at its edge first.
  void line(double x0, double y0, double x1, double y1, Color c, double thickness = 1.0, double alpha = 1.0);
  // Joined segments (round joins), stopping at the first non-finite point.
  void path(const std::vector<std::pair<double, double>>& points, Color c, double thickness = 2.0, double alpha = 1.0);
  void disc(double x, double y, double radius, Color c, double alpha = 1.0);
  void ring(double x, double y, double radius, Color c, double thickness = 1.5);
  void fill_rect(double x0, double y0, double x1, double y1, Color c, double alpha = 1.0);
  // A rectangle's outline, drawn inside [x0, x1) x [y0, y1).
  void rect(double x0, double y0, double x1, double y1, Color c, double thickness = 1.0);

  // Text with its top-left corner at (x, y). `scale` 1 gives capitals 7 pixels tall, so 2 is body
  // text (14 px capitals) and 3 a title, as in the bitmap font this kit replaced.
  void text(double x, double y, const std::string& s, Color c, double scale = 2);
  // The same, rotated a quarter turn counter-clockwise (a y-axis label), reading upward from (x, y).
  void text_up(double x, double y, const std::string& s, Color c, double scale = 2);
  static int text_width(const std::string& s, double scale = 2);
  static int text_height(double scale = 2);

  // The canvas as PNG bytes.
  std::string png() const;
  // Writes the PNG whole to a temporary file next to `path` and renames it into place: throws
  // xg::Error "save_png: cannot write PATH: REASON" (a full disk included), leaving an older file
  // at `path` as it was.
  void save_png(const std::string& path) const;
  // The same, returning false instead of throwing.
  bool write_png(const std::string& path) const;

 private:
  struct Cairo;                   // the surface and its context (canvas.cpp)
  void* begin_drawing() const;    // hands the cairo context over, after direct pixel writes
  std::uint32_t* pixels() const;  // direct access, after cairo's pending drawing is flushed
  int width_, height_;
  int clip_x0_ = 0, clip_y0_ = 0, clip_x1_, clip_y1_;
  std::unique_ptr<Cairo> cairo_;
};

}  // namespace xgrad::plot
