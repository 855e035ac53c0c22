#pragma once
// A plotting area: a pixel rectangle of a Canvas and the data range it shows, with its frame,
// ticks and labels. With log_x / log_y a coordinate is placed by its log10, and the range
// bounds are data values (> 0).
//
//   plot::Axes ax{.left = 80, .top = 60, .width = 600, .height = 400, .x_min = 0, .x_max = 100,
//                 .y_min = 1e-4, .y_max = 10, .log_y = true};
//   plot::polyline(canvas, ax, points, plot::kPalette[1]);
//   ax.draw_frame(canvas, "step", "loss", "training loss");
#include <string>
#include <vector>

#include "xgrad/plot/canvas.hpp"

namespace xgrad::plot {

struct Axes {
  int left = 0, top = 0, width = 100, height = 100;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  bool log_y = false;
  bool log_x = false;

  double px(double x) const;  // data -> pixel
  double py(double y) const;
  double x_at(double px) const;  // pixel -> data
  double y_at(double py) const;
  bool contains(double x, double y) const;  // (x, y) in data coordinates lies inside the range
  void clip(Canvas& c) const { c.set_clip(left, top, left + width, top + height); }
  // The frame, tick marks with labels, axis labels and a title above.
  void draw_frame(Canvas& c, const std::string& x_label, const std::string& y_label,
                  const std::string& title = "") const;
};

// "1.5", "-0.25", "1e-06": short labels for ticks and legends (%g).
std::string format_number(double v);

// About `count` round tick values covering [lo, hi] (1, 2 or 5 times a power of ten apart).
std::vector<double> nice_ticks(double lo, double hi, int count = 6);

// Levels spaced evenly in log: lo, lo * r, ..., hi.
std::vector<double> geometric_levels(double lo, double hi, int count);

}  // namespace xgrad::plot
