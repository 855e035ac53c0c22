#pragma once
// A whole figure in one call: line plots (or scatter plots) of several series with a legend,
// linear or log axes, the ranges found from the data unless given.
//
//   plot::Canvas c = plot::chart({{.label = "train", .points = train}, {.label = "test", .points = test}},
//                                {.title = "loss", .x_label = "epoch", .y_label = "loss", .log_y = true});
//   c.save_png("loss.png");
#include <optional>
#include <string>
#include <vector>

#include "xgrad/plot/draw.hpp"

namespace xgrad::plot {

struct Series {
  std::string label{};  // in the legend; none if every label is empty
  Points points{};
  std::optional<Color> color{};  // default: the palette, in order
  double thickness = 2.0;
  bool markers = false;  // discs at the points instead of a line
};

struct ChartOptions {
  std::string title{}, x_label{}, y_label{};
  bool log_x = false, log_y = false;
  int width = 900, height = 600;
  std::optional<double> x_min{}, x_max{}, y_min{}, y_max{};  // default: the data's range
};

// The axes a chart of `series` uses (the plotting area inside the margins, the range).
Axes chart_axes(const std::vector<Series>& series, const ChartOptions& options);
Canvas chart(const std::vector<Series>& series, const ChartOptions& options = {});

}  // namespace xgrad::plot
