#pragma once
// Boxes and how much two boxes overlap, as differentiable functions: the building blocks of the
// box losses (box_losses.hpp) and of a YOLO loss.
//
// Boxes are the last dim of size 4, as (x1, y1, x2, y2) with x1 <= x2, y1 <= y2. The metrics pair
// boxes1[..., :] with boxes2[..., :] and return one value per pair, the leading dims broadcasting:
// (N, 4) with (N, 4) gives (N); boxes1.unsqueeze(1) (N, 1, 4) with boxes2.unsqueeze(0) (1, M, 4)
// gives the (N, M) matrix of every pair, like torchvision.ops.box_iou. With A, B the boxes, I the
// intersection area, U = area(A) + area(B) - I, C the smallest box enclosing both, rho the
// distance between the centers, c the diagonal of C and w, h widths and heights:
//
//   box_iou             IoU  = I / (U + eps)
//   generalized_box_iou GIoU = IoU - (area(C) - U) / (area(C) + eps)        in (-1, 1]
//   distance_box_iou    DIoU = IoU - rho^2 / (c^2 + eps)                    in (-1, 1]
//   complete_box_iou    CIoU = DIoU - a v,   v = 4/pi^2 (atan(w_B / h_B) - atan(w_A / h_A))^2,
//                              a = v / (1 - IoU + v + eps) treated as a constant (no gradient)
//
// These are exactly 1 minus torchvision 0.14's generalized/distance/complete_box_iou_loss, eps =
// 1e-7 included, so IoU, GIoU and DIoU are finite for identical, nested, disjoint and zero-area
// boxes. CIoU's atan(w / h) is taken as 0 for a box with w = h = 0 (torchvision: NaN), and its
// gradient is h / (w^2 + h^2), -w / (w^2 + h^2): finite for h = 0 (torchvision: NaN). With eps = 0,
// box_iou and generalized_box_iou are torchvision.ops.box_iou and generalized_box_iou on
// non-degenerate boxes. The intersection passes a gradient only where the boxes overlap with
// positive width and height (torchvision's mask).
#include "xgrad/core/tensor.hpp"

namespace xgrad::losses {

inline constexpr double kBoxEps = 1e-7;  // torchvision's default

Tensor box_area(const Tensor& boxes);  // (x2 - x1) (y2 - y1)

// (cx, cy, w, h) -> (x1, y1, x2, y2) = (cx - w/2, cy - h/2, cx + w/2, cy + h/2), and back.
Tensor cxcywh_to_xyxy(const Tensor& boxes);
Tensor xyxy_to_cxcywh(const Tensor& boxes);

Tensor box_iou(const Tensor& boxes1, const Tensor& boxes2, double eps = kBoxEps);
Tensor generalized_box_iou(const Tensor& boxes1, const Tensor& boxes2, double eps = kBoxEps);
Tensor distance_box_iou(const Tensor& boxes1, const Tensor& boxes2, double eps = kBoxEps);
Tensor complete_box_iou(const Tensor& boxes1, const Tensor& boxes2, double eps = kBoxEps);

namespace detail {
// atan(w / h) elementwise (w, h of one shape), 0 where w = h = 0, with the gradient of atan2(w, h):
// (h, -w) / (w^2 + h^2), and 0 where w = h = 0. CIoU's aspect term; an op of its own because the
// core has no atan, and because differentiating the quotient w / h gives NaN at h = 0.
Tensor atan_ratio(const Tensor& w, const Tensor& h);
}  // namespace detail

}  // namespace xgrad::losses
