#pragma once
// What goes inside Axes: lines and points in data coordinates, iso-lines and filled maps of a
// function of (x, y), and a legend. Each clips itself to the axes.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "xgrad/plot/axes.hpp"

namespace xgrad::plot {

using Points = std::vector<std::pair<double, double>>;

// Joins the points with a line, stopping at the first non-finite one. A point far outside the
// range is fine: the line is cut at the frame.
void polyline(Canvas& c, const Axes& ax, const Points& points, Color color, double thickness = 2.0, double alpha = 1.0);

// A filled disc of `radius` pixels at each point (a white rim keeps overlapping ones apart).
void scatter(Canvas& c, const Axes& ax, const Points& points, Color color, double radius = 4.0, double alpha = 1.0);

// Iso-lines of f at each level, by marching squares over a grid of `cell` pixels.
void contour(Canvas& c, const Axes& ax, const std::function<double(double, double)>& f,
             const std::vector<double>& levels, Color color, double thickness = 1.0, int cell = 3);

// Fills the axes with a light colour that darkens as f crosses more of `levels` (filled contours).
void shade(Canvas& c, const Axes& ax, const std::function<double(double, double)>& f, const std::vector<double>& levels,
           Color light, Color dark);

// A heat map: each `cell`-pixel square coloured by f through `colormap` (viridis by default),
// lo mapping to its first colour and hi to its last; with a colour bar at the right of the axes.
std::vector<Color> viridis();
void heat_map(Canvas& c, const Axes& ax, const std::function<double(double, double)>& f, double lo, double hi,
              int cell = 2, const std::vector<Color>& colormap = viridis(), bool colorbar = true);
// The colour of v in [lo, hi] along the colormap (linear between its stops).
Color colormap_at(const std::vector<Color>& colormap, double v, double lo, double hi);

// A boxed legend: a line sample (or a disc, for entry i when markers[i]) and a label per entry,
// top-left corner at (x, y).
void legend(Canvas& c, int x, int y, const std::vector<std::pair<std::string, Color>>& entries, double scale = 2,
            const std::vector<bool>& markers = {});

}  // namespace xgrad::plot
