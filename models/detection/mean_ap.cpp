#include "xgrad/models/detection/mean_ap.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "xgrad/core/error.hpp"

namespace xgrad::models {

double voc_average_precision(const std::vector<double>& recall, const std::vector<double>& precision) {
  if (recall.size() != precision.size())
    fail("voc_average_precision", recall.size(), " recall values but ", precision.size(), " precision values");
  // The devkit pads with (0, 0) in front and (1, 0) behind, makes precision non-increasing from
  // the right, and sums the rectangles where recall changes.
  std::vector<double> r{0.0}, p{0.0};
  r.insert(r.end(), recall.begin(), recall.end());
  p.insert(p.end(), precision.begin(), precision.end());
  r.push_back(1.0);
  p.push_back(0.0);
  for (std::size_t i = p.size() - 1; i > 0; --i) p[i - 1] = std::max(p[i - 1], p[i]);
  double ap = 0;
  for (std::size_t i = 1; i < r.size(); ++i)
    if (r[i] != r[i - 1]) ap += (r[i] - r[i - 1]) * p[i];
  return ap;
}

MeanAp mean_average_precision(const std::vector<std::vector<Detection>>& detections,
                              const std::vector<std::vector<GroundTruth>>& truths, std::int64_t num_classes,
                              double iou_threshold) {
  const char* op = "mean_average_precision";
  if (detections.size() != truths.size())
    fail(op, "detections for ", detections.size(), " images but true boxes for ", truths.size());
  if (num_classes < 1) fail(op, "num_classes must be positive, got ", num_classes);
  if (!(iou_threshold >= 0 && iou_threshold <= 1)) fail(op, "iou_threshold must be in [0, 1], got ", iou_threshold);
  const auto check_class = [&](const char* what, std::size_t image, std::int64_t cls) {
    if (cls < 0 || cls >= num_classes)
      fail(op, what, " of image ", image, " has class ", cls, ", outside [0, ", num_classes, ")");
  };

  const std::size_t C = static_cast<std::size_t>(num_classes);
  MeanAp out;
  out.ap.assign(C, 0.0);
  out.num_truths.assign(C, 0);
  out.num_detections.assign(C, 0);
  struct Ref {
    std::size_t image, index;
    double score;
  };
  std::vector<std::vector<Ref>> per_class(C);
  for (std::size_t i = 0; i < truths.size(); ++i) {
    for (const GroundTruth& t : truths[i]) {
      check_class("a true box", i, t.cls);
      ++out.num_truths[static_cast<std::size_t>(t.cls)];
    }
    for (std::size_t k = 0; k < detections[i].size(); ++k) {
      const Detection& d = detections[i][k];
      check_class("a detection", i, d.cls);
      if (!std::isfinite(d.score)) fail(op, "detection ", k, " of image ", i, " has score ", d.score);
      per_class[static_cast<std::size_t>(d.cls)].push_back({i, k, d.score});
    }
  }

  double sum = 0;
  std::int64_t counted = 0;
  for (std::size_t c = 0; c < C; ++c) {
    std::vector<Ref>& dets = per_class[c];
    out.num_detections[c] = static_cast<std::int64_t>(dets.size());
    if (out.num_truths[c] == 0) continue;
    std::stable_sort(dets.begin(), dets.end(), [](const Ref& a, const Ref& b) { return a.score > b.score; });
    std::vector<std::vector<bool>> used(truths.size());
    for (std::size_t i = 0; i < truths.size(); ++i) used[i].assign(truths[i].size(), false);
    std::vector<double> recall, precision;
    double tp = 0, fp = 0;
    for (const Ref& d : dets) {
      const Box& box = detections[d.image][d.index].box;
      double best = -1;  // the devkit's ovmax starts at -inf
      std::size_t best_k = 0;
      for (std::size_t k = 0; k < truths[d.image].size(); ++k) {
        const GroundTruth& t = truths[d.image][k];
        if (static_cast<std::size_t>(t.cls) != c) continue;
        const double o = iou(box, t.box);
        if (o > best) best = o, best_k = k;  // the first of equal overlaps, as np.argmax
      }
      if (best > iou_threshold && !used[d.image][best_k]) {
        used[d.image][best_k] = true;
        ++tp;
      } else {
        ++fp;
      }
      recall.push_back(tp / static_cast<double>(out.num_truths[c]));
      precision.push_back(tp / (tp + fp));
    }
    out.ap[c] = voc_average_precision(recall, precision);
    sum += out.ap[c];
    ++counted;
  }
  out.map = counted > 0 ? sum / static_cast<double>(counted) : 0.0;
  return out;
}

}  // namespace xgrad::models
