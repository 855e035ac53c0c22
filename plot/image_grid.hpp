#pragma once
// A grid of images, each with boxes (a label on each) and a caption under it: test images with
// their predicted classes, detections over their images.
//
//   std::vector<plot::GridImage> cells;
//   cells.push_back({.pixels = images.select(0, i), .caption = "shirt", .boxes = {{.x0 = 3, ...}}});
//   plot::image_grid(cells, {.columns = 8, .zoom = 3, .title = "test images"}).save_png("grid.png");
#include <string>
#include <vector>

#include "xgrad/core/tensor.hpp"
#include "xgrad/plot/canvas.hpp"

namespace xgrad::plot {

// A box in the image's own pixel coordinates (x right, y down), edges included.
struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  Color color = kPalette[0];
  std::string label{};  // drawn on a filled tag at the box's top-left; none if empty
  double thickness = 2.0;
};

struct GridImage {
  // (H, W) grey or (3, H, W) RGB, float32 or float64, values in [0, 1] (clamped).
  Tensor pixels{};
  std::string caption{};  // under the image
  Color caption_color = kBlack;
  std::vector<Box> boxes{};
};

struct GridOptions {
  int columns = 8;
  int zoom = 3;             // screen pixels per image pixel
  int gap = 12;             // between cells
  double text_scale = 1.6;  // captions and box labels
  std::string title{};      // above the grid
};

Canvas image_grid(const std::vector<GridImage>& images, const GridOptions& options = {});

}  // namespace xgrad::plot
