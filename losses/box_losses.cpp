#include "xgrad/losses/box_losses.hpp"

#include <cmath>

#include "xgrad/core/ops/boxes.hpp"
#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/core/ops/reduction.hpp"
#include "xgrad/losses/checks.hpp"

namespace xgrad::losses {

namespace {
using Metric = Tensor (*)(const Tensor&, const Tensor&, const BoxIouOptions&);

Tensor box_loss(const char* op, Metric metric, const Tensor& boxes1, const Tensor& boxes2, const BoxLossOptions& o) {
  o.validate();
  detail::check_pair(op, boxes1, boxes2, "boxes1", "boxes2");
  const Tensor loss = 1 - metric(boxes1, boxes2, o.eps);
  // torchvision: loss.mean() if loss.numel() > 0 else 0.0 * loss.sum()
  if (o.reduction == Reduction::Mean && loss.numel() == 0) return sum(loss) * 0.0;
  return reduce(loss, o.reduction, op);
}
}  // namespace

void BoxLossOptions::validate() const {
  check_reduction("box loss", reduction);
  if (!(eps >= 0) || !std::isfinite(eps)) fail("box loss", "eps must be non-negative and finite, got ", eps);
}

Tensor box_iou_loss(const Tensor& boxes1, const Tensor& boxes2, const BoxLossOptions& options) {
  return box_loss("box_iou_loss", box_iou, boxes1, boxes2, options);
}
Tensor generalized_box_iou_loss(const Tensor& boxes1, const Tensor& boxes2, const BoxLossOptions& options) {
  return box_loss("generalized_box_iou_loss", generalized_box_iou, boxes1, boxes2, options);
}
Tensor distance_box_iou_loss(const Tensor& boxes1, const Tensor& boxes2, const BoxLossOptions& options) {
  return box_loss("distance_box_iou_loss", distance_box_iou, boxes1, boxes2, options);
}
Tensor complete_box_iou_loss(const Tensor& boxes1, const Tensor& boxes2, const BoxLossOptions& options) {
  return box_loss("complete_box_iou_loss", complete_box_iou, boxes1, boxes2, options);
}

}  // namespace xgrad::losses
