#include "xgrad/plot/decision_boundary.hpp"

#include <xtensor/xarray.hpp>

#include "xgrad/core/autograd.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/core/factory.hpp"
#include "xgrad/core/ops/reduction.hpp"

namespace xgrad::plot {

std::vector<std::int64_t> predict_classes(nn::Module& model, const std::vector<double>& xs,
                                          const std::vector<double>& ys, Dtype dtype) {
  if (xs.size() != ys.size()) fail("predict_classes", xs.size(), " x values but ", ys.size(), " y values");
  xt::xarray<double> grid = xt::zeros<double>({xs.size(), std::size_t(2)});
  for (std::size_t i = 0; i < xs.size(); ++i) grid(i, 0) = xs[i], grid(i, 1) = ys[i];
  NoGradGuard no_grad;
  const Tensor scores = model.forward(from_xarray(std::move(grid)).to(dtype)).to(kFloat64);
  const Shape shape = scores.shape();
  std::vector<std::int64_t> classes(xs.size());
  if (shape.size() == 1 || (shape.size() == 2 && shape[1] == 1)) {
    if (std::size_t(shape[0]) != xs.size())
      fail("decision_boundary", "the model gave ", to_string(shape), " scores for ", xs.size(), " points");
    const auto& s = scores.data<double>();
    for (std::size_t i = 0; i < xs.size(); ++i) classes[i] = s.flat(i) > 0 ? 1 : 0;
    return classes;
  }
  if (shape.size() != 2 || std::size_t(shape[0]) != xs.size())
    fail("decision_boundary", "the model must map (N, 2) points to (N, C) or (N, 1) scores, but gave ",
         to_string(shape), " for ", xs.size(), " points");
  const Tensor best = argmax(scores, 1);
  const auto& b = best.data<std::int64_t>();
  for (std::size_t i = 0; i < xs.size(); ++i) classes[i] = b(i);
  return classes;
}

void decision_boundary(Canvas& c, const Axes& ax, nn::Module& model, const std::vector<Color>& class_colors,
                       double alpha, int cell, Dtype dtype, Color edge) {
  if (class_colors.empty()) fail("decision_boundary", "no class colours given");
  if (cell < 1) fail("decision_boundary", "the cell size must be at least 1 pixel, got ", cell);
  const int nx = (ax.width + cell - 1) / cell, ny = (ax.height + cell - 1) / cell;
  std::vector<double> xs, ys;
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i)
      xs.push_back(ax.x_at(ax.left + (i + 0.5) * cell)), ys.push_back(ax.y_at(ax.top + (j + 0.5) * cell));
  const std::vector<std::int64_t> k = predict_classes(model, xs, ys, dtype);
  auto color_of = [&](std::int64_t cls) { return class_colors[std::size_t(cls) % class_colors.size()]; };
  ax.clip(c);
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) {
      const double x0 = ax.left + i * cell, y0 = ax.top + j * cell;
      c.fill_rect(x0, y0, x0 + cell, y0 + cell, mix(kWhite, color_of(k[std::size_t(j) * nx + i]), alpha));
    }
  // The border: between horizontally or vertically neighbouring cells of different classes.
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) {
      const std::int64_t here = k[std::size_t(j) * nx + i];
      const double x0 = ax.left + i * cell, y0 = ax.top + j * cell;
      if (i + 1 < nx && k[std::size_t(j) * nx + i + 1] != here) c.line(x0 + cell, y0, x0 + cell, y0 + cell, edge, 1.5);
      if (j + 1 < ny && k[std::size_t(j + 1) * nx + i] != here) c.line(x0, y0 + cell, x0 + cell, y0 + cell, edge, 1.5);
    }
  c.reset_clip();
}

void scatter_classes(Canvas& c, const Axes& ax, const Points& points, const std::vector<std::int64_t>& labels,
                     const std::vector<Color>& class_colors, double radius) {
  if (points.size() != labels.size()) fail("scatter_classes", points.size(), " points but ", labels.size(), " labels");
  if (class_colors.empty()) fail("scatter_classes", "no class colours given");
  ax.clip(c);
  for (std::size_t i = 0; i < points.size(); ++i) {
    const double x = ax.px(points[i].first), y = ax.py(points[i].second);
    c.disc(x, y, radius + 1.5, kBlack);
    c.disc(x, y, radius, class_colors[std::size_t(labels[i]) % class_colors.size()]);
  }
  c.reset_clip();
}

}  // namespace xgrad::plot
