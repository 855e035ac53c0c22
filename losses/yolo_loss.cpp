#include "xgrad/losses/yolo_loss.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>
#include <string>

#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/core/autograd.hpp"
#include "xgrad/core/factory.hpp"
#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/indexing.hpp"
#include "xgrad/core/ops/reduction.hpp"
#include "xgrad/core/ops/shape_ops.hpp"
#include "xgrad/losses/binary_cross_entropy.hpp"
#include "xgrad/losses/box_iou.hpp"
#include "xgrad/losses/cross_entropy.hpp"

namespace xgrad::losses {

namespace {
constexpr const char* kOp = "yolo_loss";
constexpr double kEps = 1e-9;  // the reference bbox_iou's eps
const char* const kColumns[] = {"image_index", "class", "cx", "cy", "w", "h"};

// A constant tensor of `dtype` holding `v`: 1-D, or of `shape` (row-major).
Tensor column(const std::vector<double>& v, Dtype dtype, Shape shape = {}) {
  if (shape.empty()) shape = {v.size()};
  if (dtype == kFloat64) {
    xt::xarray<double> a = xt::xarray<double>::from_shape(shape);
    std::copy(v.begin(), v.end(), a.begin());
    return from_xarray(std::move(a));
  }
  xt::xarray<float> a = xt::xarray<float>::from_shape(shape);
  std::transform(v.begin(), v.end(), a.begin(), [](double x) { return static_cast<float>(x); });
  return from_xarray(std::move(a));
}

// Rows `index` of p seen as (batch * boxes * grid_y * grid_x, 5 + C): index_select on a reshape
// of p, in one op that copies neither p nor its gradient whole; the backward adds each row's
// gradient back into a gradient of p's shape (twice for a row taken twice).
Tensor matched_rows(const Tensor& p, const std::vector<std::size_t>& index) {
  return visit_float(kOp, p, [&]<class T>(const xt::xarray<T>& a) {
    const std::size_t width = a.shape().back();
    xt::xarray<T> out = xt::empty<T>(Shape{index.size(), width});
    for (std::size_t k = 0; k < index.size(); ++k)
      std::copy_n(a.data() + index[k] * width, width, out.data() + k * width);
    return record<T>("yolo_loss.matched_rows", std::move(out), {p}, [index, width](const Backward<T>& b) {
      xt::xarray<T> g = xt::zeros<T>(b.input(0).shape());
      for (std::size_t k = 0; k < index.size(); ++k)
        for (std::size_t j = 0; j < width; ++j) g.data()[index[k] * width + j] += b.grad.data()[k * width + j];
      b.add(0, std::move(g));
    });
  });
}

std::vector<double> doubles(const Tensor& t) {
  return std::visit([](const auto& a) { return std::vector<double>(a.begin(), a.end()); }, t.storage());
}

struct Inputs {
  Dtype dtype;
  std::int64_t batch;
  std::vector<YoloTarget> targets;
};

Inputs check_inputs(const std::vector<Tensor>& predictions, const Tensor& targets, const YoloLossConfig& c) {
  if (predictions.empty() || predictions.size() > 3)
    fail(kOp, ": expected 1 to 3 prediction tensors (one per scale), got ", predictions.size());
  if (c.assignment == YoloAssignment::AnchorRatio && predictions.size() != c.scales.size())
    fail(kOp, ": got ", predictions.size(), " prediction tensors but the config has ", c.scales.size(),
         " scales of anchors; give one YoloScale per prediction tensor, in the same order");
  const std::int64_t width = 5 + c.num_classes;
  Inputs in{kFloat32, 0, {}};
  for (std::size_t s = 0; s < predictions.size(); ++s) {
    const Tensor& p = predictions[s];
    if (!p.defined()) fail(kOp, ": predictions[", s, "] is undefined");
    if (p.dtype() != kFloat32 && p.dtype() != kFloat64)
      fail(kOp, ": predictions[", s, "] must be float32 or float64, got ", p.dtype());
    if (p.dim() != 5)
      fail(kOp, ": predictions[", s, "] has shape ", to_string(p.shape()),
           "; expected 5 dims (batch, boxes, grid_y, grid_x, 5 + num_classes)");
    if (static_cast<std::int64_t>(p.shape()[4]) != width)
      fail(kOp, ": predictions[", s, "] has last dim ", p.shape()[4], " but 5 + num_classes = 5 + ", c.num_classes,
           " = ", width, " (x, y, w, h, objectness and one logit per class)");
    if (s == 0) {
      in.dtype = p.dtype();
      in.batch = static_cast<std::int64_t>(p.shape()[0]);
    } else if (p.dtype() != in.dtype) {
      fail(kOp, ": predictions[", s, "] is ", p.dtype(), " but predictions[0] is ", in.dtype, "; they must match");
    } else if (static_cast<std::int64_t>(p.shape()[0]) != in.batch) {
      fail(kOp, ": predictions[", s, "] has batch size ", p.shape()[0], " but predictions[0] has ", in.batch);
    }
    if (p.shape()[1] == 0 || p.shape()[2] == 0 || p.shape()[3] == 0)
      fail(kOp, ": predictions[", s, "] has shape ", to_string(p.shape()), "; boxes and grid sizes must be positive");
    if (c.assignment == YoloAssignment::AnchorRatio && p.shape()[1] != c.scales[s].anchors.size())
      fail(kOp, ": predictions[", s, "] has ", p.shape()[1], " boxes per cell but scale ", s, " of the config has ",
           c.scales[s].anchors.size(), " anchors");
  }
  if (!targets.defined()) fail(kOp, ": targets is undefined");
  if (targets.dim() != 2 || targets.shape()[1] != 6)
    fail(kOp, ": targets has shape ", to_string(targets.shape()),
         "; expected (T, 6) rows (image_index, class, cx, cy, w, h), or (0, 6) for none");
  const std::vector<double> v = doubles(targets);
  for (std::size_t r = 0; r < targets.shape()[0]; ++r) {
    const double* row = v.data() + 6 * r;
    for (std::size_t k = 0; k < 6; ++k)
      if (!std::isfinite(row[k]))
        fail(kOp, ": targets[", r, "] has a non-finite ", kColumns[k], " (", row[k],
             "); every target value must be finite");
    if (row[0] < 0 || row[0] >= static_cast<double>(in.batch) || row[0] != std::trunc(row[0]))
      fail(kOp, ": targets[", r, "] has image index ", row[0], " but the batch has ", in.batch,
           " images; it must be a whole number in [0, ", in.batch, ")");
    if (row[1] < 0 || row[1] >= static_cast<double>(c.num_classes) || row[1] != std::trunc(row[1]))
      fail(kOp, ": targets[", r, "] has class ", row[1], " but there are ", c.num_classes,
           " classes; it must be a whole number in [0, ", c.num_classes, ")");
    if (row[4] < 0 || row[5] < 0) fail(kOp, ": targets[", r, "] has a negative size (w ", row[4], ", h ", row[5], ")");
    in.targets.push_back(
        {static_cast<std::int64_t>(row[0]), static_cast<std::int64_t>(row[1]), row[2], row[3], row[4], row[5]});
  }
  return in;
}

// The matched predictions, decoded, as 1-D tensors of length n.
struct PredictedBoxes {
  Tensor x, y, w, h;
};
// The matched targets, as plain numbers (constants).
struct TrueBoxes {
  std::vector<double> x, y, w, h;
};

// IoU, GIoU, DIoU or CIoU of the predicted boxes (first) with the true boxes, composed of ops in
// the order of the reference's bbox_iou(x1y1x2y2=False), with its eps placement (see the header).
Tensor box_metric(YoloBoxLoss kind, const PredictedBoxes& p, const TrueBoxes& t, Dtype dtype) {
  const std::size_t n = t.x.size();
  std::vector<double> bx1(n), bx2(n), by1(n), by2(n), area2(n), sum_x(n), sum_y(n), angle2(n);
  for (std::size_t i = 0; i < n; ++i) {
    bx1[i] = t.x[i] - t.w[i] / 2;
    bx2[i] = t.x[i] + t.w[i] / 2;
    by1[i] = t.y[i] - t.h[i] / 2;
    by2[i] = t.y[i] + t.h[i] / 2;
    const double w2 = bx2[i] - bx1[i], h2 = by2[i] - by1[i] + kEps;  // oddity: eps on h, not on w
    area2[i] = w2 * h2;
    sum_x[i] = bx1[i] + bx2[i];
    sum_y[i] = by1[i] + by2[i];
    angle2[i] = std::atan(w2 / h2);
  }
  const Tensor tx1 = column(bx1, dtype), tx2 = column(bx2, dtype), ty1 = column(by1, dtype), ty2 = column(by2, dtype);
  const Tensor ax1 = p.x - p.w / 2.0, ax2 = p.x + p.w / 2.0, ay1 = p.y - p.h / 2.0, ay2 = p.y + p.h / 2.0;
  // clamp(0) passes the gradient at exactly 0, as PyTorch's clamp does.
  const Tensor inter = clamp(minimum(ax2, tx2) - maximum(ax1, tx1), 0.0, std::nullopt) *
                       clamp(minimum(ay2, ty2) - maximum(ay1, ty1), 0.0, std::nullopt);
  const Tensor w1 = ax2 - ax1, h1 = ay2 - ay1 + kEps;
  const Tensor uni = w1 * h1 + column(area2, dtype) - inter + kEps;
  const Tensor iou = inter / uni;
  if (kind == YoloBoxLoss::IoU) return iou;
  const Tensor cw = maximum(ax2, tx2) - minimum(ax1, tx1), ch = maximum(ay2, ty2) - minimum(ay1, ty1);
  if (kind == YoloBoxLoss::GIoU) {
    const Tensor c_area = cw * ch + kEps;
    return iou - (c_area - uni) / c_area;
  }
  const Tensor c2 = pow(cw, 2.0) + pow(ch, 2.0) + kEps;
  const Tensor rho2 = (pow(column(sum_x, dtype) - ax1 - ax2, 2.0) + pow(column(sum_y, dtype) - ay1 - ay2, 2.0)) / 4.0;
  if (kind == YoloBoxLoss::DIoU) return iou - rho2 / c2;
  const Tensor v =
      (4.0 / (std::numbers::pi * std::numbers::pi)) * pow(column(angle2, dtype) - detail::atan_ratio(w1, h1), 2.0);
  Tensor alpha;
  {
    NoGradGuard no_grad;  // alpha is a constant, as in the reference
    alpha = v / ((1.0 + kEps) - iou + v);
  }
  return iou - (rho2 / c2 + v * alpha);
}

// CIoU as one op: box_metric's composition step for step (the same operations in the same order,
// eps placed alike, alpha without gradient), and below it the adjoint of each step in reverse,
// each written as the backward of the op it replaces (a tie of maximum/minimum splits the gradient,
// clamp(0) passes it at exactly 0). The loss evaluates CIoU over a few dozen boxes, where the ~50
// ops of the composition cost far more in graph bookkeeping than in arithmetic.
// tests/losses/test_yolo_loss.cpp checks it against the composition, by gradcheck and with the
// reference's parity fixtures.
Tensor fused_ciou(const PredictedBoxes& p, const TrueBoxes& truth) {
  const std::size_t n = truth.x.size();
  struct Truth {  // per box: the true corners and what box_metric precomputes from them
    double x1, x2, y1, y2, area, sum_x, sum_y, angle;
  };
  std::vector<Truth> tb(n);
  for (std::size_t i = 0; i < n; ++i) {
    Truth& b = tb[i];
    b.x1 = truth.x[i] - truth.w[i] / 2;
    b.x2 = truth.x[i] + truth.w[i] / 2;
    b.y1 = truth.y[i] - truth.h[i] / 2;
    b.y2 = truth.y[i] + truth.h[i] / 2;
    const double w2 = b.x2 - b.x1, h2 = b.y2 - b.y1 + kEps;
    b.area = w2 * h2;
    b.sum_x = b.x1 + b.x2;
    b.sum_y = b.y1 + b.y2;
    b.angle = std::atan(w2 / h2);
  }
  return visit_float(kOp, p.x, [&]<class T>(const xt::xarray<T>&) {
    // The forward's intermediate values of box i, as the composed ops compute them in T.
    struct Step {
      T hw, hh, ax1, ax2, ay1, ay2, dx, dy, iw, ih, inter, w1, h1, uni, iou, cw, ch, c2, a, b, rho2, at, d, v, alpha;
    };
    auto forward = [](T x, T y, T w, T h, const Truth& t) {
      constexpr T eps = T(kEps), k = T(4.0 / (std::numbers::pi * std::numbers::pi));
      const T tx1 = T(t.x1), tx2 = T(t.x2), ty1 = T(t.y1), ty2 = T(t.y2);
      Step s;
      s.hw = w / T(2);
      s.hh = h / T(2);
      s.ax1 = x - s.hw, s.ax2 = x + s.hw, s.ay1 = y - s.hh, s.ay2 = y + s.hh;
      s.dx = std::min(s.ax2, tx2) - std::max(s.ax1, tx1);
      s.dy = std::min(s.ay2, ty2) - std::max(s.ay1, ty1);
      s.iw = s.dx < T(0) ? T(0) : s.dx;
      s.ih = s.dy < T(0) ? T(0) : s.dy;
      s.inter = s.iw * s.ih;
      s.w1 = s.ax2 - s.ax1;
      s.h1 = (s.ay2 - s.ay1) + eps;
      s.uni = ((s.w1 * s.h1 + T(t.area)) - s.inter) + eps;
      s.iou = s.inter / s.uni;
      s.cw = std::max(s.ax2, tx2) - std::min(s.ax1, tx1);
      s.ch = std::max(s.ay2, ty2) - std::min(s.ay1, ty1);
      s.c2 = (s.cw * s.cw + s.ch * s.ch) + eps;
      s.a = (T(t.sum_x) - s.ax1) - s.ax2;
      s.b = (T(t.sum_y) - s.ay1) - s.ay2;
      s.rho2 = (s.a * s.a + s.b * s.b) / T(4);
      s.at = s.w1 == T(0) && s.h1 == T(0) ? T(0) : std::atan(s.w1 / s.h1);
      s.d = T(t.angle) - s.at;
      s.v = (s.d * s.d) * k;
      s.alpha = s.v / ((T(1.0 + kEps) - s.iou) + s.v);
      return s;
    };
    const auto& xs = p.x.data<T>();
    const auto& ys = p.y.data<T>();
    const auto& ws = p.w.data<T>();
    const auto& hs = p.h.data<T>();
    xt::xarray<T> out = xt::empty<T>(Shape{n});
    for (std::size_t i = 0; i < n; ++i) {
      const Step s = forward(xs(i), ys(i), ws(i), hs(i), tb[i]);
      out(i) = s.iou - (s.rho2 / s.c2 + s.v * s.alpha);
    }
    return record<T>("yolo_loss.ciou", std::move(out), {p.x, p.y, p.w, p.h}, [tb, forward](const Backward<T>& bw) {
      const std::size_t n = tb.size();
      xt::xarray<T> gx = xt::empty<T>(Shape{n}), gy = xt::empty<T>(Shape{n}), gw = xt::empty<T>(Shape{n}),
                    gh = xt::empty<T>(Shape{n});
      // The share of a maximum's (Win > 0) or minimum's gradient that goes to `a` against `b`.
      auto share = [](int win, T a, T b) { return (win > 0 ? a > b : a < b) ? T(1) : a == b ? T(0.5) : T(0); };
      for (std::size_t i = 0; i < n; ++i) {
        const Truth& t = tb[i];
        const T tx1 = T(t.x1), tx2 = T(t.x2), ty1 = T(t.y1), ty2 = T(t.y2);
        const Step s = forward(bw.input(0)(i), bw.input(1)(i), bw.input(2)(i), bw.input(3)(i), t);
        const T g = bw.grad(i);
        // out = iou - (q + r), q = rho2 / c2, r = v alpha (alpha constant)
        const T g_iou0 = g, g_q = -g, g_r = -g;
        const T g_v = g_r * s.alpha;
        T g_rho2 = g_q / s.c2, g_c2 = -g_q * ((s.rho2 / s.c2) / s.c2);
        // v = (d d) k, d = angle - at, at = atan_ratio(w1, h1)
        const T k = T(4.0 / (std::numbers::pi * std::numbers::pi));
        const T g_d = (g_v * k) * (T(2) * s.d), g_at = -g_d;
        const T r2 = s.w1 * s.w1 + s.h1 * s.h1;
        T g_w1 = r2 == T(0) ? T(0) : g_at * s.h1 / r2;
        T g_h1 = r2 == T(0) ? T(0) : -g_at * s.w1 / r2;
        // c2 = cw cw + ch ch + eps; rho2 = (a a + b b) / 4, a = (sum_x - ax1) - ax2, b likewise
        const T g_cw = g_c2 * (T(2) * s.cw), g_ch = g_c2 * (T(2) * s.ch);
        const T g_sq = g_rho2 / T(4), g_a = g_sq * (T(2) * s.a), g_b = g_sq * (T(2) * s.b);
        T g_ax1 = -g_a, g_ax2 = -g_a, g_ay1 = -g_b, g_ay2 = -g_b;
        // cw = max(ax2, tx2) - min(ax1, tx1), ch likewise
        g_ax2 += g_cw * share(1, s.ax2, tx2);
        g_ax1 += -g_cw * share(-1, s.ax1, tx1);
        g_ay2 += g_ch * share(1, s.ay2, ty2);
        g_ay1 += -g_ch * share(-1, s.ay1, ty1);
        // iou = inter / uni; uni = ((w1 h1 + area) - inter) + eps
        T g_inter = g_iou0 / s.uni;
        const T g_uni = -g_iou0 * ((s.inter / s.uni) / s.uni);
        g_w1 += g_uni * s.h1;
        g_h1 += g_uni * s.w1;
        g_inter += -g_uni;
        // h1 = (ay2 - ay1) + eps; w1 = ax2 - ax1
        g_ay2 += g_h1;
        g_ay1 += -g_h1;
        g_ax2 += g_w1;
        g_ax1 += -g_w1;
        // inter = iw ih; iw = clamp(dx, 0), dx = min(ax2, tx2) - max(ax1, tx1); ih likewise
        const T g_dx = s.dx >= T(0) ? g_inter * s.ih : T(0), g_dy = s.dy >= T(0) ? g_inter * s.iw : T(0);
        g_ax2 += g_dx * share(-1, s.ax2, tx2);
        g_ax1 += -g_dx * share(1, s.ax1, tx1);
        g_ay2 += g_dy * share(-1, s.ay2, ty2);
        g_ay1 += -g_dy * share(1, s.ay1, ty1);
        // ax1 = x - w / 2, ax2 = x + w / 2, likewise for y and h
        gx(i) = g_ax1 + g_ax2;
        gy(i) = g_ay1 + g_ay2;
        gw(i) = (g_ax2 - g_ax1) / T(2);
        gh(i) = (g_ay2 - g_ay1) / T(2);
      }
      if (bw.needs(0)) bw.add(0, std::move(gx));
      if (bw.needs(1)) bw.add(1, std::move(gy));
      if (bw.needs(2)) bw.add(2, std::move(gw));
      if (bw.needs(3)) bw.add(3, std::move(gh));
    });
  });
}

struct ScaleLoss {
  Tensor box, cls;      // undefined when the scale has no matches (or C = 1 for cls)
  Tensor obj;           // l_obj Obj + l_noobj NoObj of this scale, differentiable
  double obj_part = 0;  // l_obj Obj and l_noobj NoObj, for the detached parts
  double noobj_part = 0;
};

ScaleLoss scale_loss(const Tensor& p, const YoloScale* scale, const std::vector<YoloTarget>& targets,
                     const YoloLossConfig& c) {
  const Dtype dtype = p.dtype();
  const Shape shape = p.shape();
  const YoloGrid grid{static_cast<std::int64_t>(shape[1]), static_cast<std::int64_t>(shape[2]),
                      static_cast<std::int64_t>(shape[3])};
  const auto width = static_cast<std::int64_t>(shape[4]);
  const bool v1 = c.assignment == YoloAssignment::ResponsibleByIoU;

  std::vector<YoloMatch> matches;
  if (v1) {
    const std::vector<double> raw = doubles(p);  // decoding for the choice only: no gradient
    matches =
        assign_responsible_by_iou(targets, grid, [&](std::int64_t i, std::int64_t b, std::int64_t y, std::int64_t x) {
          const double* t = raw.data() + YoloMatch{i, b, y, x}.flat_index(grid) * width;
          return std::array<double, 4>{1 / (1 + std::exp(-t[0])), 1 / (1 + std::exp(-t[1])), std::exp(t[2]),
                                       std::exp(t[3])};
        });
  } else {
    std::vector<std::array<double, 2>> anchors;
    for (const auto& a : scale->anchors) anchors.push_back({a[0] / scale->stride, a[1] / scale->stride});
    matches = assign_by_anchor_ratio(targets, grid, anchors, c.anchor_ratio_threshold);
  }

  ScaleLoss out;
  const Shape cell_shape(shape.begin(), shape.end() - 1);  // (batch, boxes, grid_y, grid_x)
  const std::size_t cells = numel(cell_shape), n = matches.size();
  std::vector<double> obj_target(cells, 0.0);
  std::vector<char> responsible(cells, 0);
  if (n > 0) {
    std::vector<std::size_t> index(n);
    TrueBoxes truth;
    std::vector<double> prior_w(n), prior_h(n);
    for (std::size_t k = 0; k < n; ++k) {
      const YoloMatch& m = matches[k];
      index[k] = static_cast<std::size_t>(m.flat_index(grid));
      truth.x.push_back(m.x);
      truth.y.push_back(m.y);
      truth.w.push_back(m.w);
      truth.h.push_back(m.h);
      prior_w[k] = m.prior_w;
      prior_h[k] = m.prior_h;
    }
    const Tensor ps = matched_rows(p, index);  // (n, 5 + C): the matched predictions
    const PredictedBoxes pred{sigmoid(select(ps, 1, 0)), sigmoid(select(ps, 1, 1)),
                              exp(select(ps, 1, 2)) * column(prior_w, dtype),
                              exp(select(ps, 1, 3)) * column(prior_h, dtype)};
    std::vector<double> quality;  // the objectness target's IoU, per match
    if (c.box_loss == YoloBoxLoss::MSE) {
      Tensor pw = pred.w, ph = pred.h;
      std::vector<double> tw = truth.w, th = truth.h;
      if (v1) {  // YOLOv1: errors in sqrt(w), sqrt(h), so a small box's error weighs more
        pw = sqrt(pw);
        ph = sqrt(ph);
        for (double& w : tw) w = std::sqrt(w);
        for (double& h : th) h = std::sqrt(h);
      }
      const Tensor se = pow(pred.x - column(truth.x, dtype), 2.0) + pow(pred.y - column(truth.y, dtype), 2.0) +
                        pow(pw - column(tw, dtype), 2.0) + pow(ph - column(th, dtype), 2.0);
      out.box = mean(se);
      const std::vector<double> px = doubles(pred.x), py = doubles(pred.y), pwv = doubles(pred.w),
                                phv = doubles(pred.h);
      for (std::size_t k = 0; k < n; ++k)
        quality.push_back(
            yolo_box_iou({px[k], py[k], pwv[k], phv[k]}, {truth.x[k], truth.y[k], truth.w[k], truth.h[k]}));
    } else {
      const Tensor metric =
          c.box_loss == YoloBoxLoss::CIoU ? fused_ciou(pred, truth) : box_metric(c.box_loss, pred, truth, dtype);
      out.box = mean(1.0 - metric);
      quality = doubles(metric);
    }
    // In match order, so when two matches share a predictor the later one sets its target (the
    // reference's index assignment does the same on the CPU).
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = index[k];
      obj_target[i] = c.objectness_target == YoloObjectnessTarget::One ? 1.0 : std::max(quality[k], 0.0);
      responsible[i] = 1;
    }
    if (c.num_classes > 1) {  // oddity of the reference: no class loss at all for one class
      const Tensor logits = slice(ps, 1, 5, width);
      if (c.class_loss == YoloClassLoss::CrossEntropy) {
        xt::xarray<std::int64_t> cls = xt::xarray<std::int64_t>::from_shape({n});
        for (std::size_t k = 0; k < n; ++k) cls(k) = matches[k].cls;
        out.cls = cross_entropy(logits, from_xarray(std::move(cls)), {.label_smoothing = c.label_smoothing});
      } else {
        const auto C = static_cast<std::size_t>(c.num_classes);
        std::vector<double> onehot(n * C, c.label_smoothing / 2);  // smooth_BCE: (1 - e/2, e/2)
        for (std::size_t k = 0; k < n; ++k)
          onehot[k * C + static_cast<std::size_t>(matches[k].cls)] = 1 - c.label_smoothing / 2;
        const Tensor target = reshape(column(onehot, dtype), {static_cast<std::int64_t>(n), c.num_classes});
        out.cls = binary_cross_entropy_with_logits(logits, target);
      }
    }
  }

  // Objectness over every predictor, (batch, boxes, grid_y, grid_x), in the order of flat_index.
  const Tensor bce = binary_cross_entropy_with_logits(select(p, 4, 4), column(obj_target, dtype, cell_shape),
                                                      {.reduction = Reduction::None});
  const std::vector<double> values = doubles(bce);
  double sum_obj = 0, sum_noobj = 0;
  for (std::size_t i = 0; i < cells; ++i) (responsible[i] ? sum_obj : sum_noobj) += values[i];
  const auto N = static_cast<double>(cells);
  out.obj_part = c.lambda_obj * sum_obj / N;
  out.noobj_part = c.lambda_noobj * sum_noobj / N;
  if (c.lambda_obj == c.lambda_noobj) {
    out.obj = mean(bce) * c.lambda_obj;  // the reference's form: one mean over every predictor
  } else {
    std::vector<double> weight(cells);
    for (std::size_t i = 0; i < cells; ++i) weight[i] = responsible[i] ? c.lambda_obj : c.lambda_noobj;
    out.obj = sum(bce * column(weight, dtype, cell_shape)) / N;
  }
  return out;
}

Tensor add_defined(const Tensor& total, const Tensor& term) {
  if (!term.defined()) return total;
  return total.defined() ? total + term : term;
}
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

YoloLossConfig YoloLossConfig::seed(std::int64_t num_classes) {
  YoloLossConfig c = reference(num_classes);
  c.lambda_noobj = 0.5;
  return c;
}

void YoloLossConfig::validate() const {
  if (num_classes < 1) fail(kOp, ": num_classes must be at least 1, got ", num_classes);
  const std::pair<const char*, double> weights[] = {{"lambda_coord", lambda_coord},
                                                    {"lambda_obj", lambda_obj},
                                                    {"lambda_noobj", lambda_noobj},
                                                    {"lambda_cls", lambda_cls}};
  for (const auto& [name, value] : weights)
    if (!(value >= 0) || !std::isfinite(value)) fail(kOp, ": ", name, " must be non-negative and finite, got ", value);
  if (!(label_smoothing >= 0 && label_smoothing <= 1))
    fail(kOp, ": label_smoothing must lie in [0, 1], got ", label_smoothing);
  if (!(anchor_ratio_threshold > 1))
    fail(kOp, ": anchor_ratio_threshold must be greater than 1, got ", anchor_ratio_threshold);
  if (assignment != YoloAssignment::AnchorRatio) return;
  if (scales.empty() || scales.size() > 3) fail(kOp, ": the anchor rule needs 1 to 3 scales, got ", scales.size());
  for (std::size_t s = 0; s < scales.size(); ++s) {
    if (!(scales[s].stride > 0) || !std::isfinite(scales[s].stride))
      fail(kOp, ": scale ", s, " has stride ", scales[s].stride, "; it must be positive");
    if (scales[s].anchors.empty()) fail(kOp, ": scale ", s, " has no anchors");
    for (const auto& a : scales[s].anchors)
      if (!(a[0] > 0 && a[1] > 0) || !std::isfinite(a[0]) || !std::isfinite(a[1]))
        fail(kOp, ": scale ", s, " has anchor (", a[0], ", ", a[1], "); anchors must be positive");
  }
}

YoloLossParts yolo_loss(const std::vector<Tensor>& predictions, const Tensor& targets, const YoloLossConfig& config) {
  config.validate();
  const Inputs in = check_inputs(predictions, targets, config);
  Tensor box, obj, cls;
  double obj_part = 0, noobj_part = 0;
  for (std::size_t s = 0; s < predictions.size(); ++s) {
    const YoloScale* scale = config.assignment == YoloAssignment::AnchorRatio ? &config.scales[s] : nullptr;
    const ScaleLoss l = scale_loss(predictions[s], scale, in.targets, config);
    box = add_defined(box, l.box);
    cls = add_defined(cls, l.cls);
    obj = add_defined(obj, l.obj);
    obj_part += l.obj_part;
    noobj_part += l.noobj_part;
  }
  Tensor total = obj;
  if (box.defined()) total = box * config.lambda_coord + total;
  if (cls.defined()) total = total + cls * config.lambda_cls;
  const auto scalar = [&](const Tensor& t, double weight) {
    return t.defined() ? (t * weight).detach() : zeros({}, in.dtype);
  };
  return {total, scalar(box, config.lambda_coord), full({}, obj_part, in.dtype), full({}, noobj_part, in.dtype),
          scalar(cls, config.lambda_cls)};
}

}  // namespace xgrad::losses
