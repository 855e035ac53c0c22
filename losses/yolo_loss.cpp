#include "xgrad/losses/yolo_loss.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "xgrad/core/factory.hpp"
#include "xgrad/core/ops/boxes.hpp"
#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/core/ops/indexing.hpp"
#include "xgrad/core/ops/reduction.hpp"
#include "xgrad/core/ops/shape_ops.hpp"
#include "xgrad/losses/binary_cross_entropy.hpp"
#include "xgrad/losses/cross_entropy.hpp"

namespace xgrad::losses {

namespace {
constexpr const char* kOp = "yolo_loss";
const char* const kColumns[] = {"image_index", "class", "cx", "cy", "w", "h"};

// A constant tensor of `dtype` holding `v`: 1-D, or of `shape` (row-major).
Tensor column(const std::vector<double>& v, Dtype dtype, Shape shape = {}) {
  if (shape.empty()) shape = {v.size()};
  const auto make = [&]<class T>(T) {
    xt::xarray<T> a = xt::xarray<T>::from_shape(shape);
    std::transform(v.begin(), v.end(), a.begin(), [](double x) { return static_cast<T>(x); });
    return from_xarray(std::move(a));
  };
  return dtype == kFloat64 ? make(0.0) : make(0.0f);
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
    fail(kOp, "expected 1 to 3 prediction tensors (one per scale), got ", predictions.size());
  if (c.assignment == YoloAssignment::AnchorRatio && predictions.size() != c.scales.size())
    fail(kOp, "got ", predictions.size(), " prediction tensors but the config has ", c.scales.size(),
         " scales of anchors; give one YoloScale per prediction tensor, in the same order");
  const std::int64_t width = 5 + c.num_classes;
  Inputs in{kFloat32, 0, {}};
  for (std::size_t s = 0; s < predictions.size(); ++s) {
    const Tensor& p = predictions[s];
    if (!p.defined()) fail(kOp, "predictions[", s, "] is undefined");
    if (p.dtype() != kFloat32 && p.dtype() != kFloat64)
      fail(kOp, "predictions[", s, "] must be float32 or float64, got ", p.dtype());
    if (p.dim() != 5)
      fail(kOp, "predictions[", s, "] has shape ", to_string(p.shape()),
           "; expected 5 dims (batch, boxes, grid_y, grid_x, 5 + num_classes)");
    if (static_cast<std::int64_t>(p.shape()[4]) != width)
      fail(kOp, "predictions[", s, "] has last dim ", p.shape()[4], " but 5 + num_classes = 5 + ", c.num_classes, " = ",
           width, " (x, y, w, h, objectness and one logit per class)");
    if (s == 0) {
      in.dtype = p.dtype();
      in.batch = static_cast<std::int64_t>(p.shape()[0]);
    } else if (p.dtype() != in.dtype) {
      fail(kOp, "predictions[", s, "] is ", p.dtype(), " but predictions[0] is ", in.dtype, "; they must match");
    } else if (static_cast<std::int64_t>(p.shape()[0]) != in.batch) {
      fail(kOp, "predictions[", s, "] has batch size ", p.shape()[0], " but predictions[0] has ", in.batch);
    }
    if (p.shape()[1] == 0 || p.shape()[2] == 0 || p.shape()[3] == 0)
      fail(kOp, "predictions[", s, "] has shape ", to_string(p.shape()), "; boxes and grid sizes must be positive");
    if (c.assignment == YoloAssignment::AnchorRatio && p.shape()[1] != c.scales[s].anchors.size())
      fail(kOp, "predictions[", s, "] has ", p.shape()[1], " boxes per cell but scale ", s, " of the config has ",
           c.scales[s].anchors.size(), " anchors");
  }
  if (!targets.defined()) fail(kOp, "targets is undefined");
  if (targets.dim() != 2 || targets.shape()[1] != 6)
    fail(kOp, "targets has shape ", to_string(targets.shape()),
         "; expected (T, 6) rows (image_index, class, cx, cy, w, h), or (0, 6) for none");
  const std::vector<double> v = doubles(targets);
  for (std::size_t r = 0; r < targets.shape()[0]; ++r) {
    const double* row = v.data() + 6 * r;
    for (std::size_t k = 0; k < 6; ++k)
      if (!std::isfinite(row[k]))
        fail(kOp, "targets[", r, "] has a non-finite ", kColumns[k], " (", row[k],
             "); every target value must be finite");
    if (row[0] < 0 || row[0] >= static_cast<double>(in.batch) || row[0] != std::trunc(row[0]))
      fail(kOp, "targets[", r, "] has image index ", row[0], " but the batch has ", in.batch,
           " images; it must be a whole number in [0, ", in.batch, ")");
    if (row[1] < 0 || row[1] >= static_cast<double>(c.num_classes) || row[1] != std::trunc(row[1]))
      fail(kOp, "targets[", r, "] has class ", row[1], " but there are ", c.num_classes,
           " classes; it must be a whole number in [0, ", c.num_classes, ")");
    if (row[4] < 0 || row[5] < 0) fail(kOp, "targets[", r, "] has a negative size (w ", row[4], ", h ", row[5], ")");
    in.targets.push_back(
        {static_cast<std::int64_t>(row[0]), static_cast<std::int64_t>(row[1]), row[2], row[3], row[4], row[5]});
  }
  return in;
}

// The matched rows' boxes (n, 4) as (x, y, w, h) in cells: x, y offsets in the cell, w, h the
// exponent (or YOLOv5's squared sigmoid) times the prior.
Tensor decode(YoloDecode d, const Tensor& rows, const Tensor& priors) {
  const Tensor xy = slice(rows, 1, 0, 2), wh = slice(rows, 1, 2, 4);
  if (d == YoloDecode::SigmoidExp) return cat({sigmoid(xy), exp(wh) * priors}, 1);
  return cat({sigmoid(xy) * 2.0 - 0.5, pow(sigmoid(wh) * 2.0, 2.0) * priors}, 1);
}

// The same for one raw row, as plain numbers (the responsible-by-IoU rule's choice: no gradient).
std::array<double, 4> decode(YoloDecode d, const double* t) {
  const auto s = [](double v) { return 1 / (1 + std::exp(-v)); };
  if (d == YoloDecode::SigmoidExp) return {s(t[0]), s(t[1]), std::exp(t[2]), std::exp(t[3])};
  const auto sq = [](double v) { return v * v; };
  return {2 * s(t[0]) - 0.5, 2 * s(t[1]) - 0.5, sq(2 * s(t[2])), sq(2 * s(t[3]))};
}

// IoU, GIoU, DIoU or CIoU of the predicted boxes with the true boxes, both (n, 4) (x, y, w, h), as
// the reference's bbox_iou(x1y1x2y2=False): core/ops/boxes.hpp's YoloReference eps policy.
Tensor box_metric(YoloBoxLoss kind, const Tensor& predicted, const Tensor& truth) {
  const BoxIouOptions o = BoxIouOptions::yolo_reference(BoxFormat::CXCYWH);
  switch (kind) {
    case YoloBoxLoss::IoU: return box_iou(predicted, truth, o);
    case YoloBoxLoss::GIoU: return generalized_box_iou(predicted, truth, o);
    case YoloBoxLoss::DIoU: return distance_box_iou(predicted, truth, o);
    default: return complete_box_iou(predicted, truth, o);  // one fused op
  }
}

struct ScaleLoss {
  Tensor box, cls;      // undefined when the scale has no matches (or C = 1 for cls)
  Tensor obj;           // l_obj Obj + l_noobj NoObj of this scale, differentiable
  double obj_part = 0;  // l_obj Obj and l_noobj NoObj, for the detached parts
  double noobj_part = 0;
};

std::vector<YoloMatch> assign(const Tensor& p, const YoloGrid& grid, const YoloScale* scale,
                              const std::vector<YoloTarget>& targets, const YoloLossConfig& c) {
  if (c.assignment == YoloAssignment::ResponsibleByIoU) {
    const std::vector<double> raw = doubles(p);
    const std::int64_t width = static_cast<std::int64_t>(p.shape()[4]);
    return assign_responsible_by_iou(
        targets, grid, [&](std::int64_t i, std::int64_t b, std::int64_t y, std::int64_t x) {
          return decode(c.decode, raw.data() + YoloMatch{i, b, y, x}.flat_index(grid) * width);
        });
  }
  std::vector<std::array<double, 2>> anchors;
  for (const auto& a : scale->anchors) anchors.push_back({a[0] / scale->stride, a[1] / scale->stride});
  return assign_by_anchor_ratio(targets, grid, anchors, c.anchor_ratio_threshold);
}

// BCE against one-hot targets smoothed to (1 - e/2, e/2) (the reference's smooth_BCE), or softmax
// cross-entropy, of the matched rows' class logits.
Tensor class_loss(const Tensor& logits, const std::vector<YoloMatch>& matches, const YoloLossConfig& c) {
  const std::size_t n = matches.size(), C = static_cast<std::size_t>(c.num_classes);
  if (c.class_loss == YoloClassLoss::CrossEntropy) {
    xt::xarray<std::int64_t> cls = xt::xarray<std::int64_t>::from_shape({n});
    for (std::size_t k = 0; k < n; ++k) cls(k) = matches[k].cls;
    return cross_entropy(logits, from_xarray(std::move(cls)), {.label_smoothing = c.label_smoothing});
  }
  std::vector<double> onehot(n * C, c.label_smoothing / 2);
  for (std::size_t k = 0; k < n; ++k)
    onehot[k * C + static_cast<std::size_t>(matches[k].cls)] = 1 - c.label_smoothing / 2;
  return binary_cross_entropy_with_logits(logits, column(onehot, logits.dtype(), {n, C}));
}

// One scale: assign -> decode -> box metric -> the three BCE terms.
ScaleLoss scale_loss(const Tensor& p, const YoloScale* scale, double balance, const std::vector<YoloTarget>& targets,
                     const YoloLossConfig& c) {
  const Dtype dtype = p.dtype();
  const Shape shape = p.shape();
  const auto width = static_cast<std::int64_t>(shape[4]);
  const bool v1 = c.assignment == YoloAssignment::ResponsibleByIoU;
  const YoloGrid grid{static_cast<std::int64_t>(shape[1]), static_cast<std::int64_t>(shape[2]),
                      static_cast<std::int64_t>(shape[3])};
  const std::vector<YoloMatch> matches = assign(p, grid, scale, targets, c);

  ScaleLoss out;
  const std::size_t cells = p.numel() / shape[4], n = matches.size();  // predictors, in flat_index order
  std::vector<double> obj_target(cells, 0.0);
  std::vector<char> responsible(cells, 0);
  if (n > 0) {
    xt::xarray<std::int64_t> index = xt::xarray<std::int64_t>::from_shape({n});
    std::vector<double> truth, priors;  // (n, 4) and (n, 2), row-major
    for (std::size_t k = 0; k < n; ++k) {
      const YoloMatch& m = matches[k];
      index(k) = m.flat_index(grid);
      truth.insert(truth.end(), {m.x, m.y, m.w, m.h});
      priors.insert(priors.end(), {m.prior_w, m.prior_h});
    }
    const Tensor ps = index_select_flat(p, 3, from_xarray(xt::xarray<std::int64_t>(index)));  // (n, 5 + C)
    const Tensor pred = decode(c.decode, ps, column(priors, dtype, {n, 2}));
    std::vector<double> quality;  // the objectness target's IoU, per match
    if (c.box_loss == YoloBoxLoss::MSE) {
      std::vector<double> t = truth;
      Tensor pm = pred;
      if (v1) {  // YOLOv1: errors in sqrt(w), sqrt(h), so a small box's error weighs more
        pm = cat({slice(pred, 1, 0, 2), sqrt(slice(pred, 1, 2, 4))}, 1);
        for (std::size_t k = 0; k < n; ++k)
          t[4 * k + 2] = std::sqrt(t[4 * k + 2]), t[4 * k + 3] = std::sqrt(t[4 * k + 3]);
      }
      out.box = mean(sum(pow(pm - column(t, dtype, {n, 4}), 2.0), {1}));
      const std::vector<double> b = doubles(pred);
      for (std::size_t k = 0; k < n; ++k)
        quality.push_back(yolo_box_iou({b[4 * k], b[4 * k + 1], b[4 * k + 2], b[4 * k + 3]},
                                       {truth[4 * k], truth[4 * k + 1], truth[4 * k + 2], truth[4 * k + 3]}));
    } else {
      const Tensor metric = box_metric(c.box_loss, pred, column(truth, dtype, {n, 4}));
      out.box = mean(1.0 - metric);
      quality = doubles(metric);
    }
    // In match order, so when two matches share a predictor the later one sets its target (the
    // reference's index assignment does the same on the CPU).
    for (std::size_t k = 0; k < n; ++k) {
      const auto i = static_cast<std::size_t>(index(k));
      obj_target[i] = c.objectness_target == YoloObjectnessTarget::One ? 1.0 : std::max(quality[k], 0.0);
      responsible[i] = 1;
    }
    if (c.num_classes > 1 || c.class_loss_for_one_class)  // the reference (master) has none for C = 1
      out.cls = class_loss(slice(ps, 1, 5, width), matches, c);
  }

  // Objectness over every predictor, in the order of flat_index: the logit column, flattened
  // (a copy of 1 / (5 + C) of p; the 1-D mean's order of summation is the one the fixtures have).
  const Tensor bce = binary_cross_entropy_with_logits(flatten(select(p, 4, 4)), column(obj_target, dtype),
                                                      {.reduction = Reduction::None});
  const std::vector<double> values = doubles(bce);
  double sum_obj = 0, sum_noobj = 0;
  for (std::size_t i = 0; i < cells; ++i) (responsible[i] ? sum_obj : sum_noobj) += values[i];
  const auto N = static_cast<double>(cells);
  const double l_obj = c.lambda_obj * balance, l_noobj = c.lambda_noobj * balance;
  out.obj_part = l_obj * sum_obj / N;
  out.noobj_part = l_noobj * sum_noobj / N;
  if (l_obj == l_noobj) {
    out.obj = mean(bce) * l_obj;  // the reference's form: one mean over every predictor
  } else {
    std::vector<double> weight(cells);
    for (std::size_t i = 0; i < cells; ++i) weight[i] = responsible[i] ? l_obj : l_noobj;
    out.obj = sum(bce * column(weight, dtype)) / N;
  }
  return out;
}

Tensor add_defined(const Tensor& total, const Tensor& term) {
  if (!term.defined()) return total;
  return total.defined() ? total + term : term;
}
}  // namespace

YoloLossParts yolo_loss(const std::vector<Tensor>& predictions, const Tensor& targets, const YoloLossConfig& config) {
  config.validate();
  const Inputs in = check_inputs(predictions, targets, config);
  Tensor box, obj, cls;
  double obj_part = 0, noobj_part = 0;
  const auto& balance = config.objectness_balance;
  if (!balance.empty() && balance.size() < predictions.size())
    fail(kOp, "got ", predictions.size(), " prediction tensors but objectness_balance has ", balance.size(),
         " weights; give one per prediction tensor, or none");
  for (std::size_t s = 0; s < predictions.size(); ++s) {
    const YoloScale* scale = config.assignment == YoloAssignment::AnchorRatio ? &config.scales[s] : nullptr;
    const ScaleLoss l = scale_loss(predictions[s], scale, balance.empty() ? 1.0 : balance[s], in.targets, config);
    box = add_defined(box, l.box);
    cls = add_defined(cls, l.cls);
    obj = add_defined(obj, l.obj);
    obj_part += l.obj_part;
    noobj_part += l.noobj_part;
  }
  Tensor total = obj;
  if (box.defined()) total = box * config.lambda_coord + total;
  if (cls.defined()) total = total + cls * config.lambda_cls;
  if (config.total_times_batch) total = total * static_cast<double>(in.batch);
  const auto scalar = [&](const Tensor& t, double weight) {
    return t.defined() ? (t * weight).detach() : zeros({}, in.dtype);
  };
  return {total, scalar(box, config.lambda_coord), full({}, obj_part, in.dtype), full({}, noobj_part, in.dtype),
          scalar(cls, config.lambda_cls)};
}

}  // namespace xgrad::losses
