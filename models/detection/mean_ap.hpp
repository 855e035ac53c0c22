#pragma once
// Mean average precision at one IoU threshold, the PASCAL VOC way (VOC2010+ devkit, "all-point"
// interpolation), as a detector is scored: mAP@0.5 with the default threshold.
//
// Per class c, over every image:
//   1. the class's detections, all images pooled, by decreasing score (ties in input order: image
//      by image, then the order within an image);
//   2. each detection is matched to the true box of class c in its image with the largest IoU;
//      it is a true positive if that IoU > threshold (strictly, as the devkit's `ovmax > ovthresh`:
//      a box at exactly 0.5 does not count) and that true box was not matched before; otherwise
//      (too little overlap, or a duplicate) a false positive;
//   3. precision p_k and recall r_k after each detection k, from the running TP and FP counts;
//   4. AP = sum_k (r_k - r_{k-1}) * max_{j >= k} p_j  (with r_0 = 0): the area under the
//      precision-recall curve made monotone from the right, which is the devkit's voc_ap with
//      use_07_metric = False.
// mAP is the mean of AP over the classes that have at least one true box (a class without any
// has no recall and is left out, as COCO-style evaluators do; the VOC devkit never meets one).
// A class with true boxes but no detection has AP 0. No "difficult" flags: every box counts.
// IoU is iou() of detection.hpp (continuous, no "+ 1 pixel").
#include <cstdint>
#include <vector>

#include "xgrad/models/detection/detection.hpp"

namespace xgrad::models {

// The all-point AP of a precision-recall sequence (recall non-decreasing, both in [0, 1]).
double voc_average_precision(const std::vector<double>& recall, const std::vector<double>& precision);

struct MeanAp {
  double map = 0;                        // mean of ap over the classes with true boxes
  std::vector<double> ap;                // per class; 0 for a class without true boxes
  std::vector<std::int64_t> num_truths;  // true boxes per class
  std::vector<std::int64_t> num_detections;
};

// detections[i] and truths[i] belong to image i; classes are in [0, num_classes).
MeanAp mean_average_precision(const std::vector<std::vector<Detection>>& detections,
                              const std::vector<std::vector<GroundTruth>>& truths, std::int64_t num_classes,
                              double iou_threshold = 0.5);

}  // namespace xgrad::models
