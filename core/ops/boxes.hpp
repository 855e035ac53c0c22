#pragma once
// Box geometry, in one place as in torchvision.ops: box formats, areas and the IoU family, used
// by the box losses (losses/box_losses.hpp), the YOLO loss, NMS and mAP alike.
//
// Boxes are the last dim of size 4: (x1, y1, x2, y2) with x1 <= x2, y1 <= y2 (BoxFormat::XYXY, the
// default), or (cx, cy, w, h) (BoxFormat::CXCYWH, as a YOLO head predicts them). The metrics pair
// boxes1[..., :] with boxes2[..., :] and return one value per pair, the leading dims broadcasting:
// (N, 4) with (N, 4) gives (N); boxes1.unsqueeze(1) (N, 1, 4) with boxes2.unsqueeze(0) (1, M, 4)
// gives the (N, M) matrix of every pair, like torchvision.ops.box_iou. With A, B the boxes, I the
// intersection area, U = area(A) + area(B) - I, C the smallest box enclosing both, rho the distance
// between the centers, c the diagonal of C, and w, h widths and heights (before eps):
//
//   box_iou             IoU  = I / U
//   generalized_box_iou GIoU = IoU - (area(C) - U) / area(C)                          in (-1, 1]
//   distance_box_iou    DIoU = IoU - rho^2 / c^2                                      in (-1, 1]
//   complete_box_iou    CIoU = DIoU - a v,   v = 4/pi^2 (atan2(w_B, h_B) - atan2(w_A, h_A))^2,
//                              a = v / (1 - IoU + v), a constant (no gradient), as both references
//
// The eps policy: BoxIouOptions says how much eps and where it goes (BoxEpsPolicy).
//
//   TorchVision (eps 1e-7, the default; a plain number as options means this policy)
//       torchvision 0.14's box losses: IoU = I / (U + eps), GIoU's (area(C) - U) / (area(C) + eps),
//       rho^2 / (c^2 + eps), a = v / (1 - IoU + v + eps). I passes a gradient only where the boxes
//       overlap with positive width and height (torchvision's mask). With eps = 0, box_iou and
//       generalized_box_iou are torchvision.ops.box_iou and generalized_box_iou.
//   YoloReference (eps 1e-9, BoxIouOptions::yolo_reference())
//       the bbox_iou of ultralytics' YOLOv3/v5 and eriklindernoren/PyTorch-YOLOv3: eps is added to
//       both heights but not to the widths (so the areas and CIoU's aspect angles see h + eps), then
//       to U, to area(C) and to c^2, and a = v / ((1 + eps) - IoU + v). I = clamp(w_I, 0) clamp(h_I,
//       0), whose gradient passes at exactly 0. This is what makes the YOLO loss exact to its reference.
//
// With eps > 0 both keep every division finite for identical, nested, disjoint and zero-area
// boxes. The aspect angle atan2(w, h) (core/ops/trig.hpp) is atan(w / h) for h > 0, pi/2 at h = 0
// and 0 for w = h = 0 (torchvision: NaN), its gradient (h, -w) / (w^2 + h^2), 0 at w = h = 0.
//
// box_iou, generalized_box_iou and distance_box_iou are composed of ops. complete_box_iou is one op,
// its forward and backward side by side in boxes.cpp: the ~50 ops of the composition cost far
// more in graph bookkeeping than in arithmetic over the few dozen boxes a YOLO loss matches.
// tests/core/ops/test_boxes.cpp checks it against CIoU composed of the ops above
// (FusedMatchesComposed, values and gradients, both policies and formats) and by gradcheck.
#include <algorithm>

#include "xgrad/core/tensor.hpp"

namespace xgrad {

inline constexpr double kBoxEps = 1e-7;      // torchvision's
inline constexpr double kYoloBoxEps = 1e-9;  // the YOLO reference's bbox_iou

enum class BoxFormat { XYXY, CXCYWH };
enum class BoxEpsPolicy { TorchVision, YoloReference };

struct BoxIouOptions {
  BoxFormat format = BoxFormat::XYXY;  // of both boxes1 and boxes2
  BoxEpsPolicy policy = BoxEpsPolicy::TorchVision;
  double eps = kBoxEps;  // >= 0

  // Implicit from a number: box_iou(a, b, 0.0) is torchvision's policy with eps 0. A constructor,
  // not an aggregate, so its arguments keep eps first while the fields follow the options order.
  constexpr BoxIouOptions(double eps_ = kBoxEps, BoxEpsPolicy policy_ = BoxEpsPolicy::TorchVision,
                          BoxFormat format_ = BoxFormat::XYXY)
      : format(format_), policy(policy_), eps(eps_) {}
  static constexpr BoxIouOptions yolo_reference(BoxFormat format = BoxFormat::CXCYWH) {
    return {kYoloBoxEps, BoxEpsPolicy::YoloReference, format};
  }
};

Tensor box_area(const Tensor& boxes);  // (x2 - x1) (y2 - y1) of (..., 4) XYXY boxes

// (cx, cy, w, h) -> (x1, y1, x2, y2) = (cx - w/2, cy - h/2, cx + w/2, cy + h/2), and back, as
// torchvision.ops.box_convert; differentiable.
Tensor cxcywh_to_xyxy(const Tensor& boxes);
Tensor xyxy_to_cxcywh(const Tensor& boxes);

Tensor box_iou(const Tensor& boxes1, const Tensor& boxes2, const BoxIouOptions& options = {});
Tensor generalized_box_iou(const Tensor& boxes1, const Tensor& boxes2, const BoxIouOptions& options = {});
Tensor distance_box_iou(const Tensor& boxes1, const Tensor& boxes2, const BoxIouOptions& options = {});
Tensor complete_box_iou(const Tensor& boxes1, const Tensor& boxes2, const BoxIouOptions& options = {});

// One box as plain numbers, for code that needs no gradient (NMS, mAP, target assignment), in any
// unit as long as both sides of a comparison use the same one.
struct Box {
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  double area() const { return std::max(0.0, x2 - x1) * std::max(0.0, y2 - y1); }
  static Box from_center(double cx, double cy, double w, double h) {
    return {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
  }
};

// I / U as torchvision.ops.box_iou with eps = 0: continuous coordinates, no "+ 1 pixel" (the VOC
// devkit's pixel-index convention, which means nothing for normalized boxes); 0 when U is empty.
inline double iou(const Box& a, const Box& b) {
  const double iw = std::max(0.0, std::min(a.x2, b.x2) - std::max(a.x1, b.x1));
  const double ih = std::max(0.0, std::min(a.y2, b.y2) - std::max(a.y1, b.y1));
  const double inter = iw * ih, uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0;
}

}  // namespace xgrad
