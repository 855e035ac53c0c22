#pragma once
// Which prediction answers for which true box: the YOLO loss's target assignment. This is index
// bookkeeping on the target values in plain C++; no gradient flows through it. The loss itself
// (yolo_loss.hpp) then gathers the matched predictions with differentiable ops.
//
// Both rules see one scale: a grid of height x width cells, each with `boxes` predictors, and
// targets normalized to [0, 1]. A target's cell is its truncated grid position (x * width, y *
// height) clamped into the grid, and its offset is taken from the clamped cell, so x = 1.0 lands
// in the last column with an offset of exactly 1 (the reference does the same).
//
//  anchor ratio (YOLOv3 lineage, eriklindernoren/PyTorch-YOLOv3 master's build_targets)
//    for each anchor (in order), for each target (in order): match when
//    max(w / aw, aw / w, h / ah, ah / h) < threshold (4; strict), w, h, aw, ah in grid units.
//    Every passing anchor gets the target: a target may match 0, 1 or all anchors of a scale,
//    there is no best-anchor choice, and two targets may share one predictor.
//
//  responsible by IoU (YOLOv1 style)
//    for each target (in order): of the `boxes` predictors of its cell, the one whose decoded box
//    has the highest IoU with the target (the first on ties) is responsible.
#include <array>
#include <cstdint>
#include <functional>
#include <vector>

namespace xgrad::losses {

// One row of the targets tensor: (image_index, class, cx, cy, w, h), coordinates in [0, 1].
struct YoloTarget {
  std::int64_t image = 0, cls = 0;
  double x = 0, y = 0, w = 0, h = 0;
};

// One scale's prediction grid (dims 1 to 3 of a (batch, boxes, height, width, 5 + C) tensor).
struct YoloGrid {
  std::int64_t boxes = 0, height = 0, width = 0;
};

// A predictor made responsible for a target.
struct YoloMatch {
  std::int64_t image = 0, box = 0, cell_y = 0, cell_x = 0, cls = 0;  // box: the anchor or the slot
  std::size_t target = 0;                                            // its row in the targets
  double x = 0, y = 0;              // the target's center, as an offset from the cell's corner
  double w = 0, h = 0;              // the target's size, in cells
  double prior_w = 1, prior_h = 1;  // the anchor's size in cells (1 for the responsible rule)

  // The row of the (batch * boxes * height * width, 5 + C) flattened predictions.
  std::int64_t flat_index(const YoloGrid& g) const {
    return ((image * g.boxes + box) * g.height + cell_y) * g.width + cell_x;
  }
};

// anchors: (w, h) in cells, one per predictor slot (anchors.size() == grid.boxes).
std::vector<YoloMatch> assign_by_anchor_ratio(const std::vector<YoloTarget>& targets, const YoloGrid& grid,
                                              const std::vector<std::array<double, 2>>& anchors,
                                              double threshold = 4.0);

// decoded(image, box, cell_y, cell_x): that predictor's box as (x offset, y offset, w, h) in cells.
using YoloDecodedBox = std::function<std::array<double, 4>(std::int64_t image, std::int64_t box, std::int64_t cell_y,
                                                           std::int64_t cell_x)>;
std::vector<YoloMatch> assign_responsible_by_iou(const std::vector<YoloTarget>& targets, const YoloGrid& grid,
                                                 const YoloDecodedBox& decoded);

// Plain IoU of two (cx, cy, w, h) boxes, 0 when both are empty; no gradient: xgrad::iou
// (core/ops/boxes.hpp) of their corners.
double yolo_box_iou(const std::array<double, 4>& a, const std::array<double, 4>& b);

}  // namespace xgrad::losses
