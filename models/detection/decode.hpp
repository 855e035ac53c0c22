#pragma once
// From a YOLO head's raw output to boxes, the inverse of what losses::YoloLoss teaches (the same
// decode as its header's):
//   x = (sigmoid(t_x) + cell_x) / grid_w,   w = exp(t_w) anchor_w / (stride grid_w)
//   y = (sigmoid(t_y) + cell_y) / grid_h,   h = exp(t_h) anchor_h / (stride grid_h)
//   score = sigmoid(t_obj) * max_c sigmoid(class logit c), the class being that argmax
// in coordinates normalized to the image. Every predictor whose score exceeds score_threshold
// becomes a candidate; per image, batched_nms (per class) keeps the best max_detections.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "xgrad/core/tensor.hpp"
#include "xgrad/losses/yolo_loss.hpp"
#include "xgrad/models/detection/detection.hpp"

namespace xgrad::models {

struct DecodeOptions {
  // Low on purpose: mAP wants the whole precision-recall curve. Raise it to show detections.
  double score_threshold = 0.01;
  double iou_threshold = 0.5;  // NMS: suppress a same-class box with IoU > this
  std::size_t max_detections = 100;
  void validate() const;
};

// predictions: (N, anchors, grid_h, grid_w, 5 + C), float32 or float64, anchors as in `scale`.
std::vector<std::vector<Detection>> decode_yolo(const Tensor& predictions, const losses::YoloScale& scale,
                                                const DecodeOptions& options = {});

// The rows (image, class, cx, cy, w, h) of a YOLO targets tensor as true boxes per image, for
// `images` images.
std::vector<std::vector<GroundTruth>> truths_from_targets(const Tensor& targets, std::int64_t images);

}  // namespace xgrad::models
