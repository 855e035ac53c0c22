#pragma once
// Box regression losses on (N, 4) boxes (x1, y1, x2, y2), as torchvision 0.14's ops, each one
// minus a metric of core/ops/boxes.hpp (see there for the formulas), with its TorchVision eps policy:
//
//   box_iou_loss              1 - IoU         (torchvision 0.14 has none; its _loss_inter_union
//                                              with the same eps)
//   generalized_box_iou_loss  1 - GIoU        in [0, 2): still has a gradient when the boxes
//                                              do not overlap, unlike 1 - IoU
//   distance_box_iou_loss     1 - DIoU        adds the squared center distance over the squared
//                                              enclosing diagonal: pulls the centers together
//   complete_box_iou_loss     1 - CIoU        adds an aspect-ratio term (YOLOv4 onwards)
//
// boxes1 and boxes2 have one shape (..., 4) and dtype; the loss is per box, then reduced. eps
// (1e-7, torchvision's) keeps every division finite, so identical, nested, disjoint and zero-area
// boxes give finite losses and gradients. Reductions as everywhere else (default Mean, where
// torchvision's default is none), except that an empty batch's Mean is 0, as torchvision returns
// (0.0 * loss.sum()), so a batch with no boxes to match trains on. torchvision's
// complete_box_iou_loss uses its eps only in a, and 1e-7 elsewhere; xgrad uses eps throughout.
#include "xgrad/core/tensor.hpp"
#include "xgrad/losses/box_iou.hpp"  // the metrics, also as xgrad::losses names
#include "xgrad/losses/loss_module.hpp"
#include "xgrad/losses/reduction.hpp"

namespace xgrad::losses {

struct BoxLossOptions {
  Reduction reduction = Reduction::Mean;
  double eps = kBoxEps;  // >= 0
  void validate() const;
};

Tensor box_iou_loss(const Tensor& boxes1, const Tensor& boxes2, const BoxLossOptions& options = {});
Tensor generalized_box_iou_loss(const Tensor& boxes1, const Tensor& boxes2, const BoxLossOptions& options = {});
Tensor distance_box_iou_loss(const Tensor& boxes1, const Tensor& boxes2, const BoxLossOptions& options = {});
Tensor complete_box_iou_loss(const Tensor& boxes1, const Tensor& boxes2, const BoxLossOptions& options = {});

class BoxIoULoss : public LossModule<BoxLossOptions, box_iou_loss> {
 public:
  using LossModule::LossModule;
};
class GeneralizedBoxIoULoss : public LossModule<BoxLossOptions, generalized_box_iou_loss> {
 public:
  using LossModule::LossModule;
};
class DistanceBoxIoULoss : public LossModule<BoxLossOptions, distance_box_iou_loss> {
 public:
  using LossModule::LossModule;
};
class CompleteBoxIoULoss : public LossModule<BoxLossOptions, complete_box_iou_loss> {
 public:
  using LossModule::LossModule;
};

}  // namespace xgrad::losses
