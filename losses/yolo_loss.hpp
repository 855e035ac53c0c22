#pragma once
// The YOLO loss: localization + objectness + classification, differentiable end to end.
//
//   total = l_coord Box + l_obj Obj + l_noobj NoObj + l_cls Cls    (times the batch size with
//                                                                  total_times_batch)
//
// Inputs: one raw prediction tensor per scale, (batch, boxes, grid_y, grid_x, 5 + C), each row
// (t_x, t_y, t_w, t_h, t_obj, class logits...); targets (T, 6) rows (image_index, class, cx, cy,
// w, h) normalized to [0, 1]. Per scale, an assignment rule (yolo_assign.hpp) picks the predictors
// responsible for each target; then, with n matches and N = batch * boxes * grid_y * grid_x:
//
//   decode   x = sigmoid(t_x), y = sigmoid(t_y) (offsets in the cell), w = exp(t_w) a_w,
//            h = exp(t_h) a_h (in cells; a = the anchor, or 1 for the responsible-by-IoU rule);
//            or YOLOv5's x = 2 sigmoid(t_x) - 0.5, w = (2 sigmoid(t_w))^2 a_w (YoloDecode)
//   Box      mean over matches of 1 - IoU / GIoU / DIoU / CIoU (prediction vs target), or of the
//            squared error (x - x^)^2 + (y - y^)^2 + (w - w^)^2 + (h - h^)^2; with the YOLOv1
//            rule the MSE takes sqrt(w), sqrt(h) instead of w, h
//   Obj      sum over the matched predictors of BCE-with-logits(t_obj, target) / N, the target
//            being the detached box metric clamped at 0 (ObjectnessTarget::IoU) or 1
//   NoObj    sum over every other predictor of BCE-with-logits(t_obj, 0) / N
//            (with l_obj = l_noobj, Obj + NoObj is the mean BCE over all N predictors)
//   Cls      mean over matches and classes of BCE-with-logits against one-hot targets smoothed
//            to (1 - e/2, e/2), or softmax cross-entropy with label smoothing e; only when C > 1
//   each summed over the scales, Obj and NoObj weighted per scale by objectness_balance.
//
// The assignment is plain C++ on the target values; the loss is composed of xgrad ops
// (the matched rows of the predictions, sigmoid, exp, the box metric, BCE-with-logits), so
// autograd gives the gradient. The box metrics are core/ops/boxes.hpp's with its YoloReference eps
// policy (eps = 1e-9 on both heights, on the union, on c^2 and the enclosing area, 1 + eps in
// CIoU's alpha, alpha without gradient), not the box losses' TorchVision policy (1e-7): this is
// what makes the reference presets match to 1e-9.
//
// Presets:
//   reference(C)  eriklindernoren/PyTorch-YOLOv3 master's compute_loss, exactly: anchor ratio < 4,
//                 CIoU, objectness target IoU, BCE classes, l_coord 0.05, l_obj = l_noobj 1.0,
//                 l_cls 0.5, the COCO YOLOv3 anchors in the model's order (strides 32, 16, 8).
//                 Its total is total, and (box, obj + noobj, cls) are its three parts.
//   reference_v5_2021(C)
//                 the same reference before mid-2021 (commit f337277), the YOLOv5-style loss: decode
//                 ScaledSigmoid, objectness weighted per scale by balance (4.0, 1.0, 0.4) in the
//                 order of the prediction tensors, l_coord 0.05 * 1.5, l_obj = l_noobj 1.5,
//                 l_cls 0.31, the class BCE also for C = 1, and total = batch size * (box + obj +
//                 cls) while the parts are returned without that factor.
//   seed(C)       the project's spec: the same as reference(C) with l_noobj 0.5 damping the many
//                 negatives.
//
//   auto loss = xg::losses::YoloLoss(xg::losses::YoloLossConfig::reference(3));
//   auto out = loss({p_large, p_medium, p_small}, targets);
//   out.total.backward();   // out.box, out.obj, out.noobj, out.cls: detached, for logging
//
// Oddities of the reference kept by the reference preset (each noted where the code does it):
//   - no best-anchor choice: every anchor within the ratio gets the target, at every scale;
//   - two matches on one predictor both count in Box and Cls, and the later one (anchor-major,
//     then target order) sets the objectness target;
//   - the objectness target is the (clamped) CIoU of a match, not 1, and may be 0;
//   - a target at x = 1.0 goes to the last cell with an offset of 1, which sigmoid never reaches;
//     negative coordinates truncate toward 0 (cell 0);
//   - the class loss vanishes when C = 1;
//   - Box and Cls are means over the matches of each scale, Obj a mean over each scale's cells,
//     then summed over scales: a scale with few cells weighs as much as one with many;
//   - bbox_iou adds eps to the heights but not the widths, so the union and CIoU's aspect term
//     see h + 1e-9;
//   - the reference hard-codes 3 anchors per scale; here the number comes from the config.
#include <array>
#include <cstdint>
#include <vector>

#include "xgrad/core/tensor.hpp"
#include "xgrad/losses/yolo_assign.hpp"

namespace xgrad::losses {

enum class YoloBoxLoss { MSE, IoU, GIoU, DIoU, CIoU };
enum class YoloAssignment {
  AnchorRatio,      // YOLOv3 lineage, as the reference
  ResponsibleByIoU  // YOLOv1: the best-IoU box of the target's cell; no anchors
};
enum class YoloObjectnessTarget { IoU, One };
// How a matched prediction row becomes a box, in cells (a: the anchor, or 1 without anchors):
enum class YoloDecode {
  SigmoidExp,    // YOLOv3, the reference's master: x = sigmoid(t_x), w = exp(t_w) a_w
  ScaledSigmoid  // YOLOv5, the reference until mid-2021: x = 2 sigmoid(t_x) - 0.5, w = (2 sigmoid(t_w))^2 a_w
};
enum class YoloClassLoss { BCE, CrossEntropy };

struct YoloScale {
  std::vector<std::array<double, 2>> anchors;  // (w, h) in pixels, one per predictor slot
  double stride = 32;                          // pixels per cell: anchors / stride are in cells
};

struct YoloLossConfig {
  std::int64_t num_classes = 80;  // C: predictions end in 5 + C
  double lambda_coord = 0.05, lambda_obj = 1.0, lambda_noobj = 0.5, lambda_cls = 0.5;
  YoloBoxLoss box_loss = YoloBoxLoss::CIoU;
  YoloAssignment assignment = YoloAssignment::AnchorRatio;
  YoloObjectnessTarget objectness_target = YoloObjectnessTarget::IoU;
  YoloClassLoss class_loss = YoloClassLoss::BCE;
  double label_smoothing = 0.0;         // e in [0, 1]
  double anchor_ratio_threshold = 4.0;  // the anchor rule's bound on max(w / a_w, a_w / w, ...)
  // One per scale, in the order of the prediction tensors; used by the anchor rule only.
  std::vector<YoloScale> scales = coco_scales();
  YoloDecode decode = YoloDecode::SigmoidExp;
  // Obj and NoObj of prediction tensor s are weighted by objectness_balance[s] (YOLOv5's balance);
  // empty: 1 for every scale. Entries beyond the number of prediction tensors are unused.
  std::vector<double> objectness_balance = {};
  bool class_loss_for_one_class = false;  // the class BCE even when C = 1 (every target 1)
  bool total_times_batch = false;         // total multiplied by the batch size; the parts not

  static YoloLossConfig reference(std::int64_t num_classes = 80);
  // The reference's earlier loss (pytorchyolo/utils/loss.py before mid-2021, commit f337277):
  // YOLOv5's, see the header comment.
  static YoloLossConfig reference_v5_2021(std::int64_t num_classes = 80);
  static YoloLossConfig seed(std::int64_t num_classes = 80);
  // YOLOv3's COCO anchors, large objects first (strides 32, 16, 8), as the reference's model orders them.
  static std::vector<YoloScale> coco_scales();
  void validate() const;
};

struct YoloLossParts {
  Tensor total;                 // scalar, differentiable: call backward() on it
  Tensor box, obj, noobj, cls;  // detached scalars, weighted: total = box + obj + noobj + cls
                                // (times the batch size with total_times_batch)
};

YoloLossParts yolo_loss(const std::vector<Tensor>& predictions, const Tensor& targets, const YoloLossConfig& config);

class YoloLoss {
 public:
  explicit YoloLoss(YoloLossConfig config = YoloLossConfig::seed()) : config_(std::move(config)) { config_.validate(); }
  YoloLossParts forward(const std::vector<Tensor>& predictions, const Tensor& targets) const {
    return yolo_loss(predictions, targets, config_);
  }
  YoloLossParts operator()(const std::vector<Tensor>& predictions, const Tensor& targets) const {
    return forward(predictions, targets);
  }
  const YoloLossConfig& config() const { return config_; }

 private:
  YoloLossConfig config_;
};

}  // namespace xgrad::losses
