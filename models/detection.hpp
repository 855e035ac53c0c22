#pragma once
// What a detector outputs and is scored against: axis-aligned boxes as corners (x1, y1, x2, y2),
// in any unit as long as both sides of a comparison use the same one (the tiny YOLO uses
// coordinates normalized to the image, [0, 1]).
#include <algorithm>
#include <cstdint>

namespace xgrad::models {

struct Box {
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  double area() const { return std::max(0.0, x2 - x1) * std::max(0.0, y2 - y1); }
  // From a center and a size, as YOLO predicts and the targets are given.
  static Box from_center(double cx, double cy, double w, double h) {
    return {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
  }
};

// Intersection over union, as torchvision.ops.box_iou: continuous coordinates, no "+ 1 pixel"
// (the VOC devkit's pixel-index convention, which means nothing for normalized boxes); 0 when the
// union is empty.
inline double iou(const Box& a, const Box& b) {
  const double iw = std::max(0.0, std::min(a.x2, b.x2) - std::max(a.x1, b.x1));
  const double ih = std::max(0.0, std::min(a.y2, b.y2) - std::max(a.y1, b.y1));
  const double inter = iw * ih, uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0;
}

struct Detection {
  Box box;
  std::int64_t cls = 0;
  double score = 0;  // objectness x class probability, in [0, 1]
};

struct GroundTruth {
  Box box;
  std::int64_t cls = 0;
};

}  // namespace xgrad::models
