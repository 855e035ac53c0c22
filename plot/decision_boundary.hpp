#pragma once
// The regions a 2-D classifier assigns to each class: any nn::Module that maps points (N, 2) to
// scores (N, C) (argmax is the class) or to one score (N, 1) or (N) (class 1 where it is > 0).
//
//   plot::Canvas c(700, 700);
//   plot::Axes ax{.left = 60, .top = 40, .width = 600, .height = 600, .x_min = -3, .x_max = 3, .y_min = -3, .y_max =
//   3}; plot::decision_boundary(c, ax, net, {plot::kPalette[0], plot::kPalette[1]}); plot::scatter_classes(c, ax,
//   points, labels, {plot::kPalette[0], plot::kPalette[1]});
#include <cstdint>
#include <vector>

#include "xgrad/core/dtype.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/plot/draw.hpp"

namespace xgrad::plot {

// The class `model` predicts at each of `xs`, `ys` (one batch, under NoGradGuard, in `dtype`).
std::vector<std::int64_t> predict_classes(nn::Module& model, const std::vector<double>& xs,
                                          const std::vector<double>& ys, Dtype dtype = kFloat32);

// Fills each `cell`-pixel square of the axes with its predicted class's colour (lightened by
// `alpha` over white), then draws the borders between classes in `edge`.
void decision_boundary(Canvas& c, const Axes& ax, nn::Module& model, const std::vector<Color>& class_colors,
                       double alpha = 0.3, int cell = 3, Dtype dtype = kFloat32, Color edge = kBlack);

// Points coloured by their class.
void scatter_classes(Canvas& c, const Axes& ax, const Points& points, const std::vector<std::int64_t>& labels,
                     const std::vector<Color>& class_colors, double radius = 4.0);

}  // namespace xgrad::plot
