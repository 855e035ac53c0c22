#pragma once
// What a detector outputs and is scored against: axis-aligned boxes as corners (x1, y1, x2, y2),
// in any unit as long as both sides of a comparison use the same one (the tiny YOLO uses
// coordinates normalized to the image, [0, 1]).
#include <cstdint>

#include "xgrad/core/ops/boxes.hpp"

namespace xgrad::models {

// The box and its IoU are core's (core/ops/boxes.hpp), shared with the losses' box geometry.
using Box = xgrad::Box;
using xgrad::iou;

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
