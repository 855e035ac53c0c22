#pragma once
// Non-maximum suppression, as torchvision.ops.nms and batched_nms (checked against them on the
// fixtures of tests/fixtures/models/make_nms_fixtures.py):
//   - boxes are visited by score, highest first; equal scores keep their input order (a stable
//     sort, as torchvision's CPU kernel);
//   - a box is kept unless a kept box overlaps it with IoU > iou_threshold, strictly: a pair at
//     exactly the threshold both stay;
//   - the result lists the kept indices by decreasing score.
// batched_nms suppresses only within a class: boxes of different classes never suppress each
// other.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "xgrad/models/detection/detection.hpp"

namespace xgrad::models {

// Indices into `boxes` of the boxes kept. Throws xg::Error when the sizes differ, a coordinate
// or score is not finite, or a box has x2 < x1 or y2 < y1.
std::vector<std::size_t> nms(const std::vector<Box>& boxes, const std::vector<double>& scores, double iou_threshold);

std::vector<std::size_t> batched_nms(const std::vector<Box>& boxes, const std::vector<double>& scores,
                                     const std::vector<std::int64_t>& classes, double iou_threshold);

// batched_nms on detections: the kept ones by decreasing score, at most max_detections of them.
std::vector<Detection> non_max_suppression(const std::vector<Detection>& detections, double iou_threshold,
                                           std::size_t max_detections = 100);

}  // namespace xgrad::models
