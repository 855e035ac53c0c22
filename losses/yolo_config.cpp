// YoloLossConfig (losses/yolo_loss.hpp): the presets and the checks of a config.
#include <cmath>

#include "xgrad/core/error.hpp"
#include "xgrad/losses/yolo_loss.hpp"

namespace xgrad::losses {

namespace {
constexpr const char* kOp = "yolo_loss";
}  // namespace

std::vector<YoloScale> YoloLossConfig::coco_scales() {
  return {{{{116, 90}, {156, 198}, {373, 326}}, 32},
          {{{30, 61}, {62, 45}, {59, 119}}, 16},
          {{{10, 13}, {16, 30}, {33, 23}}, 8}};
}

YoloLossConfig YoloLossConfig::reference(std::int64_t num_classes) {
  return {.num_classes = num_classes,
          .lambda_coord = 0.05,
          .lambda_obj = 1.0,
          .lambda_noobj = 1.0,
          .lambda_cls = 0.5,
          .box_loss = YoloBoxLoss::CIoU,
          .assignment = YoloAssignment::AnchorRatio,
          .objectness_target = YoloObjectnessTarget::IoU,
          .class_loss = YoloClassLoss::BCE,
          .label_smoothing = 0.0,
          .anchor_ratio_threshold = 4.0,
          .scales = coco_scales()};
}

YoloLossConfig YoloLossConfig::reference_v5_2021(std::int64_t num_classes) {
  YoloLossConfig c = reference(num_classes);
  c.lambda_coord = 0.05 * 1.5;  // lbox *= 0.05 * (3. / 2)
  c.lambda_obj = c.lambda_noobj = 1.5;
  c.lambda_cls = 0.31;
  c.decode = YoloDecode::ScaledSigmoid;
  c.objectness_balance = {4.0, 1.0, 0.4};  // in the order of the model's YOLO layers (strides 32, 16, 8)
  c.class_loss_for_one_class = true;
  c.total_times_batch = true;
  return c;
}

YoloLossConfig YoloLossConfig::seed(std::int64_t num_classes) {
  YoloLossConfig c = reference(num_classes);
  c.lambda_noobj = 0.5;
  return c;
}

void YoloLossConfig::validate() const {
  if (num_classes < 1) fail(kOp, "num_classes must be at least 1, got ", num_classes);
  const std::pair<const char*, double> weights[] = {{"lambda_coord", lambda_coord},
                                                    {"lambda_obj", lambda_obj},
                                                    {"lambda_noobj", lambda_noobj},
                                                    {"lambda_cls", lambda_cls}};
  for (const auto& [name, value] : weights)
    if (!(value >= 0) || !std::isfinite(value)) fail(kOp, name, " must be non-negative and finite, got ", value);
  if (!(label_smoothing >= 0 && label_smoothing <= 1))
    fail(kOp, "label_smoothing must lie in [0, 1], got ", label_smoothing);
  for (std::size_t s = 0; s < objectness_balance.size(); ++s)
    if (!(objectness_balance[s] >= 0) || !std::isfinite(objectness_balance[s]))
      fail(kOp, "objectness_balance[", s, "] must be non-negative and finite, got ", objectness_balance[s]);
  if (!(anchor_ratio_threshold > 1))
    fail(kOp, "anchor_ratio_threshold must be greater than 1, got ", anchor_ratio_threshold);
  if (assignment != YoloAssignment::AnchorRatio) return;
  if (scales.empty() || scales.size() > 3) fail(kOp, "the anchor rule needs 1 to 3 scales, got ", scales.size());
  for (std::size_t s = 0; s < scales.size(); ++s) {
    if (!(scales[s].stride > 0) || !std::isfinite(scales[s].stride))
      fail(kOp, "scale ", s, " has stride ", scales[s].stride, "; it must be positive");
    if (scales[s].anchors.empty()) fail(kOp, "scale ", s, " has no anchors");
    for (const auto& a : scales[s].anchors)
      if (!(a[0] > 0 && a[1] > 0) || !std::isfinite(a[0]) || !std::isfinite(a[1]))
        fail(kOp, "scale ", s, " has anchor (", a[0], ", ", a[1], "); anchors must be positive");
  }
}

}  // namespace xgrad::losses
