#include "xgrad/losses/box_iou.hpp"

#include <cmath>
#include <numbers>
#include <xtensor/xmath.hpp>

#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/core/autograd.hpp"
#include "xgrad/core/factory.hpp"
#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/indexing.hpp"
#include "xgrad/losses/checks.hpp"

namespace xgrad::losses {

namespace {
struct Corners {
  Tensor x1, y1, x2, y2;
};

Corners corners(const char* op, const char* name, const Tensor& boxes) {
  detail::check_float(op, name, boxes);
  if (boxes.dim() == 0 || boxes.shape().back() != 4)
    fail(op, ": ", name, " has shape ", to_string(boxes.shape()), "; boxes are (..., 4) as (x1, y1, x2, y2)");
  return {select(boxes, -1, 0), select(boxes, -1, 1), select(boxes, -1, 2), select(boxes, -1, 3)};
}

// What every metric needs, computed as torchvision's _loss_inter_union and _diou_iou_loss do.
struct Pair {
  Corners a, b;
  Tensor uni, iou;            // the union's area, and I / (U + eps)
  Tensor cx1, cy1, cx2, cy2;  // the smallest enclosing box
};

Pair pair(const char* op, const Tensor& boxes1, const Tensor& boxes2, double eps) {
  if (!(eps >= 0)) fail(op, ": eps must be non-negative, got ", eps);
  Pair p{corners(op, "boxes1", boxes1), corners(op, "boxes2", boxes2), {}, {}, {}, {}, {}, {}};
  if (boxes1.dtype() != boxes2.dtype())
    fail(op, ": boxes1 is ", boxes1.dtype(), " but boxes2 is ", boxes2.dtype(), "; they must match");
  broadcast_shapes(op, boxes1.shape(), boxes2.shape());
  const Corners &a = p.a, &b = p.b;
  const Tensor w = minimum(a.x2, b.x2) - maximum(a.x1, b.x1);
  const Tensor h = minimum(a.y2, b.y2) - maximum(a.y1, b.y1);
  const Tensor inter = where((w > 0.0) * (h > 0.0), w * h, zeros({}, boxes1.dtype()));
  p.uni = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  p.iou = inter / (p.uni + eps);
  p.cx1 = minimum(a.x1, b.x1);
  p.cy1 = minimum(a.y1, b.y1);
  p.cx2 = maximum(a.x2, b.x2);
  p.cy2 = maximum(a.y2, b.y2);
  return p;
}

// IoU - rho^2 / (c^2 + eps): DIoU, shared by distance_box_iou and complete_box_iou.
Tensor diou(const Pair& p, double eps) {
  const Tensor diagonal = pow(p.cx2 - p.cx1, 2.0) + pow(p.cy2 - p.cy1, 2.0) + eps;
  const Tensor xa = (p.a.x2 + p.a.x1) / 2.0, ya = (p.a.y2 + p.a.y1) / 2.0;
  const Tensor xb = (p.b.x1 + p.b.x2) / 2.0, yb = (p.b.y1 + p.b.y2) / 2.0;
  const Tensor centers = pow(xa - xb, 2.0) + pow(ya - yb, 2.0);
  return p.iou - centers / diagonal;
}

}  // namespace

Tensor detail::atan_ratio(const Tensor& w, const Tensor& h) {
  if (w.shape() != h.shape())
    fail("atan_ratio", ": w has shape ", to_string(w.shape()), " but h has shape ", to_string(h.shape()));
  return visit_float("atan_ratio", w, h, [&]<class T>(const xt::xarray<T>& x, const xt::xarray<T>& y) {
    xt::xarray<T> out = xt::where(xt::equal(x, T(0)) && xt::equal(y, T(0)), T(0), xt::atan(x / y));
    return record<T>("atan_ratio", std::move(out), {w, h}, [](const Backward<T>& b) {
      const auto& x = b.input(0);
      const auto& y = b.input(1);
      const xt::xarray<T> r2 = x * x + y * y;
      const auto zero = xt::equal(r2, T(0));
      if (b.needs(0)) b.add(0, xt::where(zero, T(0), b.grad * y / r2));
      if (b.needs(1)) b.add(1, xt::where(zero, T(0), -b.grad * x / r2));
    });
  });
}

Tensor box_area(const Tensor& boxes) {
  const Corners c = corners("box_area", "boxes", boxes);
  return (c.x2 - c.x1) * (c.y2 - c.y1);
}

Tensor cxcywh_to_xyxy(const Tensor& boxes) {
  const Corners c = corners("cxcywh_to_xyxy", "boxes", boxes);  // here (cx, cy, w, h)
  const Tensor half_w = 0.5 * c.x2, half_h = 0.5 * c.y2;
  return stack({c.x1 - half_w, c.y1 - half_h, c.x1 + half_w, c.y1 + half_h}, -1);
}

Tensor xyxy_to_cxcywh(const Tensor& boxes) {
  const Corners c = corners("xyxy_to_cxcywh", "boxes", boxes);
  return stack({(c.x1 + c.x2) / 2.0, (c.y1 + c.y2) / 2.0, c.x2 - c.x1, c.y2 - c.y1}, -1);
}

Tensor box_iou(const Tensor& boxes1, const Tensor& boxes2, double eps) {
  return pair("box_iou", boxes1, boxes2, eps).iou;
}

Tensor generalized_box_iou(const Tensor& boxes1, const Tensor& boxes2, double eps) {
  const Pair p = pair("generalized_box_iou", boxes1, boxes2, eps);
  const Tensor enclosing = (p.cx2 - p.cx1) * (p.cy2 - p.cy1);
  return p.iou - (enclosing - p.uni) / (enclosing + eps);
}

Tensor distance_box_iou(const Tensor& boxes1, const Tensor& boxes2, double eps) {
  return diou(pair("distance_box_iou", boxes1, boxes2, eps), eps);
}

Tensor complete_box_iou(const Tensor& boxes1, const Tensor& boxes2, double eps) {
  const Pair p = pair("complete_box_iou", boxes1, boxes2, eps);
  const Tensor angle_a = detail::atan_ratio(p.a.x2 - p.a.x1, p.a.y2 - p.a.y1);
  const Tensor angle_b = detail::atan_ratio(p.b.x2 - p.b.x1, p.b.y2 - p.b.y1);
  const Tensor v = (4.0 / (std::numbers::pi * std::numbers::pi)) * pow(angle_b - angle_a, 2.0);
  Tensor alpha;
  {
    NoGradGuard no_grad;  // torchvision computes alpha under torch.no_grad()
    alpha = v / (1 - p.iou + v + eps);
  }
  return diou(p, eps) - alpha * v;
}

}  // namespace xgrad::losses
