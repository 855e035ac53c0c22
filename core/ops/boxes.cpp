#include "xgrad/core/ops/boxes.hpp"

#include <cmath>
#include <numbers>
#include <optional>
#include <xtensor/xbroadcast.hpp>

#include "xgrad/core/factory.hpp"
#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/core/ops/indexing.hpp"
#include "xgrad/core/shape.hpp"

namespace xgrad {

namespace {
const char* layout(BoxFormat f) { return f == BoxFormat::XYXY ? "(x1, y1, x2, y2)" : "(cx, cy, w, h)"; }

void check_boxes(const char* op, const char* name, const Tensor& boxes, BoxFormat f) {
  if (!boxes.defined()) fail(op, name, " is undefined");
  if (boxes.dtype() != kFloat32 && boxes.dtype() != kFloat64)
    fail(op, name, " must be float32 or float64, got ", boxes.dtype());
  if (boxes.dim() == 0 || boxes.shape().back() != 4)
    fail(op, name, " has shape ", to_string(boxes.shape()), "; boxes are (..., 4) as ", layout(f));
}

// Checks a pair of box tensors and returns the broadcast shape of their leading dims.
Shape check_pair(const char* op, const Tensor& boxes1, const Tensor& boxes2, const BoxIouOptions& o) {
  if (!(o.eps >= 0) || !std::isfinite(o.eps)) fail(op, "eps must be non-negative and finite, got ", o.eps);
  check_boxes(op, "boxes1", boxes1, o.format);
  check_boxes(op, "boxes2", boxes2, o.format);
  if (boxes1.dtype() != boxes2.dtype())
    fail(op, "boxes1 is ", boxes1.dtype(), " but boxes2 is ", boxes2.dtype(), "; they must match");
  return broadcast_shapes(op, boxes1.shape(), boxes2.shape());
}

struct Corners {
  Tensor x1, y1, x2, y2;
};

Corners corners(const Tensor& boxes, BoxFormat f) {
  const Tensor a = select(boxes, -1, 0), b = select(boxes, -1, 1), c = select(boxes, -1, 2), d = select(boxes, -1, 3);
  if (f == BoxFormat::XYXY) return {a, b, c, d};
  const Tensor half_w = c / 2.0, half_h = d / 2.0;  // x - w / 2, as the YOLO reference writes it
  return {a - half_w, b - half_h, a + half_w, b + half_h};
}

// What every composed metric needs, in the order torchvision's _loss_inter_union / _diou_iou_loss
// and the YOLO reference's bbox_iou compute it.
struct Pair {
  bool yolo;
  double eps;
  Corners a, b;
  Tensor uni, iou;            // U (+ eps under YoloReference), and IoU
  Tensor cx1, cy1, cx2, cy2;  // the smallest enclosing box
};

Pair pair(const char* op, const Tensor& boxes1, const Tensor& boxes2, const BoxIouOptions& o) {
  check_pair(op, boxes1, boxes2, o);
  Pair p{o.policy == BoxEpsPolicy::YoloReference,
         o.eps,
         corners(boxes1, o.format),
         corners(boxes2, o.format),
         {},
         {},
         {},
         {},
         {},
         {}};
  const Corners &a = p.a, &b = p.b;
  const Tensor w = minimum(a.x2, b.x2) - maximum(a.x1, b.x1);
  const Tensor h = minimum(a.y2, b.y2) - maximum(a.y1, b.y1);
  if (p.yolo) {  // clamp(0) passes the gradient at exactly 0, as PyTorch's clamp does
    const Tensor inter = clamp(w, 0.0, std::nullopt) * clamp(h, 0.0, std::nullopt);
    const Tensor h1 = a.y2 - a.y1 + o.eps, h2 = b.y2 - b.y1 + o.eps;  // eps on the heights only
    p.uni = (a.x2 - a.x1) * h1 + (b.x2 - b.x1) * h2 - inter + o.eps;
    p.iou = inter / p.uni;
  } else {
    const Tensor inter = where((w > 0.0) * (h > 0.0), w * h, zeros({}, boxes1.dtype()));
    p.uni = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
    p.iou = inter / (p.uni + o.eps);
  }
  p.cx1 = minimum(a.x1, b.x1);
  p.cy1 = minimum(a.y1, b.y1);
  p.cx2 = maximum(a.x2, b.x2);
  p.cy2 = maximum(a.y2, b.y2);
  return p;
}

// The fused CIoU: each pair's intermediate values, computed in the order of the composition
// (CIoU = DIoU - a v on the composed DIoU above, eps placed alike), kept for the backward.
constexpr double kAspect = 4.0 / (std::numbers::pi * std::numbers::pi);

template <class T>
struct Ciou {
  T ax1, ay1, ax2, ay2, bx1, by1, bx2, by2;  // the corners
  T dx, dy, inter;                           // the intersection's width and height (unclamped), area
  T w1, h1, w2, h2;                          // the sizes, heights + eps under YoloReference
  T den, iou;                                // iou = inter / den, den = U + eps
  T cw, ch, c2;                              // the enclosing box, c2 = cw^2 + ch^2 + eps
  T rx, ry, rho2;                            // the centers' offset and rho^2
  T d, v, alpha, value;                      // d = atan2(w2, h2) - atan2(w1, h1), v = k d^2
};

template <class T>
Ciou<T> ciou_forward(const T* p, const T* q, T eps, bool yolo, bool centers) {
  Ciou<T> s;
  if (centers) {
    const T hw1 = p[2] / T(2), hh1 = p[3] / T(2), hw2 = q[2] / T(2), hh2 = q[3] / T(2);
    s.ax1 = p[0] - hw1, s.ay1 = p[1] - hh1, s.ax2 = p[0] + hw1, s.ay2 = p[1] + hh1;
    s.bx1 = q[0] - hw2, s.by1 = q[1] - hh2, s.bx2 = q[0] + hw2, s.by2 = q[1] + hh2;
  } else {
    s.ax1 = p[0], s.ay1 = p[1], s.ax2 = p[2], s.ay2 = p[3];
    s.bx1 = q[0], s.by1 = q[1], s.bx2 = q[2], s.by2 = q[3];
  }
  s.dx = std::min(s.ax2, s.bx2) - std::max(s.ax1, s.bx1);
  s.dy = std::min(s.ay2, s.by2) - std::max(s.ay1, s.by1);
  if (yolo)
    s.inter = (s.dx < T(0) ? T(0) : s.dx) * (s.dy < T(0) ? T(0) : s.dy);
  else
    s.inter = s.dx > T(0) && s.dy > T(0) ? s.dx * s.dy : T(0);
  s.w1 = s.ax2 - s.ax1, s.h1 = s.ay2 - s.ay1, s.w2 = s.bx2 - s.bx1, s.h2 = s.by2 - s.by1;
  if (yolo) s.h1 = s.h1 + eps, s.h2 = s.h2 + eps;
  s.den = ((s.w1 * s.h1 + s.w2 * s.h2) - s.inter) + eps;
  s.iou = s.inter / s.den;
  s.cw = std::max(s.ax2, s.bx2) - std::min(s.ax1, s.bx1);
  s.ch = std::max(s.ay2, s.by2) - std::min(s.ay1, s.by1);
  s.c2 = (s.cw * s.cw + s.ch * s.ch) + eps;
  if (yolo) {  // ((bx1 + bx2) - ax1 - ax2)^2 / 4
    s.rx = ((s.bx1 + s.bx2) - s.ax1) - s.ax2, s.ry = ((s.by1 + s.by2) - s.ay1) - s.ay2;
    s.rho2 = (s.rx * s.rx + s.ry * s.ry) / T(4);
  } else {  // the centers' difference, squared
    s.rx = (s.ax2 + s.ax1) / T(2) - (s.bx1 + s.bx2) / T(2), s.ry = (s.ay2 + s.ay1) / T(2) - (s.by1 + s.by2) / T(2);
    s.rho2 = s.rx * s.rx + s.ry * s.ry;
  }
  s.d = std::atan2(s.w2, s.h2) - std::atan2(s.w1, s.h1);
  s.v = T(kAspect) * (s.d * s.d);
  s.alpha = yolo ? s.v / (((T(1) + eps) - s.iou) + s.v) : s.v / (((T(1) - s.iou) + s.v) + eps);
  s.value = yolo ? s.iou - (s.rho2 / s.c2 + s.v * s.alpha) : (s.iou - s.rho2 / s.c2) - s.alpha * s.v;
  return s;
}

// The adjoint of ciou_forward, step by step in reverse, each step the backward of the op the
// composition uses there: maximum/minimum split a tie in half, YoloReference's clamp(0) passes the
// gradient at 0, TorchVision's mask passes none outside a positive overlap, alpha is a constant.
// ga, gb receive the gradients of the two boxes in their format.
template <class T>
void ciou_backward(const Ciou<T>& s, T g, bool yolo, bool centers, T* ga, T* gb) {
  const auto high = [](T a, T b) { return a > b ? T(1) : a == b ? T(0.5) : T(0); };  // maximum's share
  const auto low = [](T a, T b) { return a < b ? T(1) : a == b ? T(0.5) : T(0); };   // minimum's share
  // value = iou - rho2 / c2 - alpha v
  const T g_v = -g * s.alpha, g_rho2 = -g / s.c2, g_c2 = g * ((s.rho2 / s.c2) / s.c2);
  T g_ax1 = 0, g_ay1 = 0, g_ax2 = 0, g_ay2 = 0, g_bx1 = 0, g_by1 = 0, g_bx2 = 0, g_by2 = 0;
  // v = k d^2, d = atan2(w2, h2) - atan2(w1, h1)
  const T g_d = (g_v * T(kAspect)) * (T(2) * s.d);
  const T r1 = s.w1 * s.w1 + s.h1 * s.h1, r2 = s.w2 * s.w2 + s.h2 * s.h2;
  T g_w1 = r1 == T(0) ? T(0) : -g_d * s.h1 / r1, g_h1 = r1 == T(0) ? T(0) : g_d * s.w1 / r1;
  T g_w2 = r2 == T(0) ? T(0) : g_d * s.h2 / r2, g_h2 = r2 == T(0) ? T(0) : -g_d * s.w2 / r2;
  // rho2
  if (yolo) {
    const T g_rx = (g_rho2 / T(4)) * (T(2) * s.rx), g_ry = (g_rho2 / T(4)) * (T(2) * s.ry);
    g_ax1 -= g_rx, g_ax2 -= g_rx, g_bx1 += g_rx, g_bx2 += g_rx;
    g_ay1 -= g_ry, g_ay2 -= g_ry, g_by1 += g_ry, g_by2 += g_ry;
  } else {
    const T g_rx = g_rho2 * (T(2) * s.rx) / T(2), g_ry = g_rho2 * (T(2) * s.ry) / T(2);
    g_ax1 += g_rx, g_ax2 += g_rx, g_bx1 -= g_rx, g_bx2 -= g_rx;
    g_ay1 += g_ry, g_ay2 += g_ry, g_by1 -= g_ry, g_by2 -= g_ry;
  }
  // c2 = cw^2 + ch^2 + eps, cw = max(ax2, bx2) - min(ax1, bx1), ch likewise
  const T g_cw = g_c2 * (T(2) * s.cw), g_ch = g_c2 * (T(2) * s.ch);
  g_ax2 += g_cw * high(s.ax2, s.bx2), g_bx2 += g_cw * high(s.bx2, s.ax2);
  g_ax1 -= g_cw * low(s.ax1, s.bx1), g_bx1 -= g_cw * low(s.bx1, s.ax1);
  g_ay2 += g_ch * high(s.ay2, s.by2), g_by2 += g_ch * high(s.by2, s.ay2);
  g_ay1 -= g_ch * low(s.ay1, s.by1), g_by1 -= g_ch * low(s.by1, s.ay1);
  // iou = inter / den, den = w1 h1 + w2 h2 - inter + eps
  const T g_den = -g * ((s.inter / s.den) / s.den);
  const T g_inter = g / s.den - g_den;
  g_w1 += g_den * s.h1, g_h1 += g_den * s.w1, g_w2 += g_den * s.h2, g_h2 += g_den * s.w2;
  // w1 = ax2 - ax1, h1 = ay2 - ay1 (+ eps), likewise for box 2
  g_ax2 += g_w1, g_ax1 -= g_w1, g_ay2 += g_h1, g_ay1 -= g_h1;
  g_bx2 += g_w2, g_bx1 -= g_w2, g_by2 += g_h2, g_by1 -= g_h2;
  // inter from dx = min(ax2, bx2) - max(ax1, bx1) and dy, clamped (YOLO) or masked (torchvision)
  T g_dx = 0, g_dy = 0;
  if (yolo) {
    if (s.dx >= T(0)) g_dx = g_inter * (s.dy < T(0) ? T(0) : s.dy);
    if (s.dy >= T(0)) g_dy = g_inter * (s.dx < T(0) ? T(0) : s.dx);
  } else if (s.dx > T(0) && s.dy > T(0)) {
    g_dx = g_inter * s.dy, g_dy = g_inter * s.dx;
  }
  g_ax2 += g_dx * low(s.ax2, s.bx2), g_bx2 += g_dx * low(s.bx2, s.ax2);
  g_ax1 -= g_dx * high(s.ax1, s.bx1), g_bx1 -= g_dx * high(s.bx1, s.ax1);
  g_ay2 += g_dy * low(s.ay2, s.by2), g_by2 += g_dy * low(s.by2, s.ay2);
  g_ay1 -= g_dy * high(s.ay1, s.by1), g_by1 -= g_dy * high(s.by1, s.ay1);
  // the corners from the boxes' format: x1 = cx - w / 2, x2 = cx + w / 2
  const T a[4] = {g_ax1, g_ay1, g_ax2, g_ay2}, b[4] = {g_bx1, g_by1, g_bx2, g_by2};
  for (auto [from, to] : {std::pair{a, ga}, std::pair{b, gb}}) {
    if (centers) {
      to[0] = from[0] + from[2], to[1] = from[1] + from[3];
      to[2] = (from[2] - from[0]) / T(2), to[3] = (from[3] - from[1]) / T(2);
    } else {
      std::copy_n(from, 4, to);
    }
  }
}

// A (..., 4) array as `lead` x 4, broadcast (copied) only when its shape differs.
template <class T>
xt::xarray<T> broadcast_boxes(const xt::xarray<T>& a, const Shape& shape) {
  if (std::equal(a.shape().begin(), a.shape().end(), shape.begin(), shape.end())) return a;
  return xt::broadcast(a, shape);
}
}  // namespace

Tensor box_area(const Tensor& boxes) {
  check_boxes("box_area", "boxes", boxes, BoxFormat::XYXY);
  const Corners c = corners(boxes, BoxFormat::XYXY);
  return (c.x2 - c.x1) * (c.y2 - c.y1);
}

Tensor cxcywh_to_xyxy(const Tensor& boxes) {
  check_boxes("cxcywh_to_xyxy", "boxes", boxes, BoxFormat::CXCYWH);
  const Corners c = corners(boxes, BoxFormat::CXCYWH);
  return stack({c.x1, c.y1, c.x2, c.y2}, -1);
}

Tensor xyxy_to_cxcywh(const Tensor& boxes) {
  check_boxes("xyxy_to_cxcywh", "boxes", boxes, BoxFormat::XYXY);
  const Corners c = corners(boxes, BoxFormat::XYXY);
  return stack({(c.x1 + c.x2) / 2.0, (c.y1 + c.y2) / 2.0, c.x2 - c.x1, c.y2 - c.y1}, -1);
}

Tensor box_iou(const Tensor& boxes1, const Tensor& boxes2, const BoxIouOptions& options) {
  return pair("box_iou", boxes1, boxes2, options).iou;
}

Tensor generalized_box_iou(const Tensor& boxes1, const Tensor& boxes2, const BoxIouOptions& options) {
  const Pair p = pair("generalized_box_iou", boxes1, boxes2, options);
  const Tensor enclosing = (p.cx2 - p.cx1) * (p.cy2 - p.cy1);
  if (p.yolo) {
    const Tensor c_area = enclosing + p.eps;
    return p.iou - (c_area - p.uni) / c_area;
  }
  return p.iou - (enclosing - p.uni) / (enclosing + p.eps);
}

Tensor distance_box_iou(const Tensor& boxes1, const Tensor& boxes2, const BoxIouOptions& options) {
  const Pair p = pair("distance_box_iou", boxes1, boxes2, options);
  const Tensor diagonal = pow(p.cx2 - p.cx1, 2.0) + pow(p.cy2 - p.cy1, 2.0) + p.eps;
  const Corners &a = p.a, &b = p.b;
  if (p.yolo) {
    const Tensor rho2 = (pow(b.x1 + b.x2 - a.x1 - a.x2, 2.0) + pow(b.y1 + b.y2 - a.y1 - a.y2, 2.0)) / 4.0;
    return p.iou - rho2 / diagonal;
  }
  const Tensor xa = (a.x2 + a.x1) / 2.0, ya = (a.y2 + a.y1) / 2.0;
  const Tensor xb = (b.x1 + b.x2) / 2.0, yb = (b.y1 + b.y2) / 2.0;
  return p.iou - (pow(xa - xb, 2.0) + pow(ya - yb, 2.0)) / diagonal;
}

Tensor complete_box_iou(const Tensor& boxes1, const Tensor& boxes2, const BoxIouOptions& options) {
  const char* op = "complete_box_iou";
  const Shape shape = check_pair(op, boxes1, boxes2, options);
  const bool yolo = options.policy == BoxEpsPolicy::YoloReference, centers = options.format == BoxFormat::CXCYWH;
  return visit_float(op, boxes1, boxes2, [&]<class T>(const xt::xarray<T>& x, const xt::xarray<T>& y) {
    const T eps = static_cast<T>(options.eps);
    const xt::xarray<T> a = broadcast_boxes(x, shape), b = broadcast_boxes(y, shape);
    Shape out_shape(shape.begin(), shape.end() - 1);
    xt::xarray<T> out = xt::empty<T>(out_shape);
    for (std::size_t i = 0; i < out.size(); ++i)
      out.data()[i] = ciou_forward(a.data() + 4 * i, b.data() + 4 * i, eps, yolo, centers).value;
    return record<T>(op, std::move(out), {boxes1, boxes2}, [shape, eps, yolo, centers](const Backward<T>& bw) {
      const xt::xarray<T> a = broadcast_boxes(bw.input(0), shape), b = broadcast_boxes(bw.input(1), shape);
      xt::xarray<T> ga = xt::empty<T>(shape), gb = xt::empty<T>(shape);
      for (std::size_t i = 0; i < bw.grad.size(); ++i) {
        const Ciou<T> s = ciou_forward(a.data() + 4 * i, b.data() + 4 * i, eps, yolo, centers);
        ciou_backward(s, bw.grad.data()[i], yolo, centers, ga.data() + 4 * i, gb.data() + 4 * i);
      }
      if (bw.needs(0)) bw.add(0, sum_to(ga, shape_of(bw.input(0))));
      if (bw.needs(1)) bw.add(1, sum_to(gb, shape_of(bw.input(1))));
    });
  });
}

}  // namespace xgrad
