#include "xgrad/models/detection/nms.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "xgrad/core/error.hpp"

namespace xgrad::models {

namespace {

void check(const char* op, const std::vector<Box>& boxes, const std::vector<double>& scores, double iou_threshold) {
  if (boxes.size() != scores.size())
    fail(op, "got ", boxes.size(), " boxes but ", scores.size(), " scores; give one score per box");
  if (!std::isfinite(iou_threshold)) fail(op, "iou_threshold must be finite, got ", iou_threshold);
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    const Box& b = boxes[i];
    if (!std::isfinite(b.x1) || !std::isfinite(b.y1) || !std::isfinite(b.x2) || !std::isfinite(b.y2) ||
        !std::isfinite(scores[i]))
      fail(op, "box ", i, " (", b.x1, ", ", b.y1, ", ", b.x2, ", ", b.y2, ") with score ", scores[i],
           " is not finite");
    if (b.x2 < b.x1 || b.y2 < b.y1)
      fail(op, "box ", i, " (", b.x1, ", ", b.y1, ", ", b.x2, ", ", b.y2, ") has x2 < x1 or y2 < y1");
  }
}

// Indices ordered by decreasing score, ties in input order.
std::vector<std::size_t> by_score(const std::vector<double>& scores) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  return order;
}

// The greedy pass; `same_group(i, j)` says whether box i may suppress box j.
template <class SameGroup>
std::vector<std::size_t> greedy(const std::vector<Box>& boxes, const std::vector<double>& scores, double threshold,
                                SameGroup same_group) {
  std::vector<std::size_t> kept;
  std::vector<bool> suppressed(boxes.size(), false);
  const std::vector<std::size_t> order = by_score(scores);
  for (std::size_t a = 0; a < order.size(); ++a) {
    const std::size_t i = order[a];
    if (suppressed[i]) continue;
    kept.push_back(i);
    for (std::size_t b = a + 1; b < order.size(); ++b) {
      const std::size_t j = order[b];
      if (!suppressed[j] && same_group(i, j) && iou(boxes[i], boxes[j]) > threshold) suppressed[j] = true;
    }
  }
  return kept;
}

}  // namespace

std::vector<std::size_t> nms(const std::vector<Box>& boxes, const std::vector<double>& scores, double iou_threshold) {
  check("nms", boxes, scores, iou_threshold);
  return greedy(boxes, scores, iou_threshold, [](std::size_t, std::size_t) { return true; });
}

std::vector<std::size_t> batched_nms(const std::vector<Box>& boxes, const std::vector<double>& scores,
                                     const std::vector<std::int64_t>& classes, double iou_threshold) {
  check("batched_nms", boxes, scores, iou_threshold);
  if (classes.size() != boxes.size())
    fail("batched_nms", "got ", boxes.size(), " boxes but ", classes.size(), " class indices");
  return greedy(boxes, scores, iou_threshold, [&](std::size_t i, std::size_t j) { return classes[i] == classes[j]; });
}

std::vector<Detection> non_max_suppression(const std::vector<Detection>& detections, double iou_threshold,
                                           std::size_t max_detections) {
  std::vector<Box> boxes;
  std::vector<double> scores;
  std::vector<std::int64_t> classes;
  for (const Detection& d : detections) {
    boxes.push_back(d.box);
    scores.push_back(d.score);
    classes.push_back(d.cls);
  }
  std::vector<Detection> out;
  for (std::size_t i : batched_nms(boxes, scores, classes, iou_threshold)) {
    if (out.size() == max_detections) break;
    out.push_back(detections[i]);
  }
  return out;
}

}  // namespace xgrad::models
