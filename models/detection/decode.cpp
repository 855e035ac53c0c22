#include "xgrad/models/detection/decode.hpp"

#include <cmath>

#include "xgrad/core/error.hpp"
#include "xgrad/models/detection/nms.hpp"

namespace xgrad::models {

namespace {
double sigmoid(double t) { return 1 / (1 + std::exp(-t)); }

template <class T>
std::vector<std::vector<Detection>> decode(const xt::xarray<T>& p, const losses::YoloScale& scale,
                                           const DecodeOptions& o) {
  const auto& s = p.shape();
  const std::size_t N = s[0], A = s[1], H = s[2], W = s[3], K = s[4];
  const T* row = p.data();
  std::vector<std::vector<Detection>> out(N);
  for (std::size_t n = 0; n < N; ++n) {
    std::vector<Detection> candidates;
    for (std::size_t a = 0; a < A; ++a)
      for (std::size_t y = 0; y < H; ++y)
        for (std::size_t x = 0; x < W; ++x, row += K) {
          std::size_t best = 5;
          for (std::size_t k = 6; k < K; ++k)
            if (row[k] > row[best]) best = k;  // sigmoid is increasing: the largest logit wins
          const double score = sigmoid(row[4]) * sigmoid(row[best]);
          if (!(score > o.score_threshold)) continue;
          const double cx = (sigmoid(row[0]) + double(x)) / double(W), cy = (sigmoid(row[1]) + double(y)) / double(H);
          const double w = std::exp(double(row[2])) * scale.anchors[a][0] / (scale.stride * double(W));
          const double h = std::exp(double(row[3])) * scale.anchors[a][1] / (scale.stride * double(H));
          if (!std::isfinite(w) || !std::isfinite(h)) continue;  // exp overflowed: no usable box
          candidates.push_back({Box::from_center(cx, cy, w, h), std::int64_t(best - 5), score});
        }
    out[n] = non_max_suppression(candidates, o.iou_threshold, o.max_detections);
  }
  return out;
}
}  // namespace

void DecodeOptions::validate() const {
  if (!(score_threshold >= 0 && score_threshold < 1))
    fail("DecodeOptions", "score_threshold must be in [0, 1), got ", score_threshold);
  if (!(iou_threshold >= 0 && iou_threshold <= 1))
    fail("DecodeOptions", "iou_threshold must be in [0, 1], got ", iou_threshold);
}

std::vector<std::vector<Detection>> decode_yolo(const Tensor& predictions, const losses::YoloScale& scale,
                                                const DecodeOptions& options) {
  options.validate();
  const Shape s = predictions.shape();
  if (s.size() != 5 || s[4] < 6)
    fail("decode_yolo", "expected predictions (N, anchors, grid_h, grid_w, 5 + C) with C >= 1, got ", ShapeText{s});
  if (s[1] != scale.anchors.size())
    fail("decode_yolo", "the predictions have ", s[1], " boxes per cell but the scale has ", scale.anchors.size(),
         " anchors");
  if (!(scale.stride > 0)) fail("decode_yolo", "the stride must be positive, got ", scale.stride);
  switch (predictions.dtype()) {
    case kFloat32: return decode(predictions.data<float>(), scale, options);
    case kFloat64: return decode(predictions.data<double>(), scale, options);
    default: fail("decode_yolo", "expected float32 or float64 predictions, got ", predictions.dtype());
  }
}

std::vector<std::vector<GroundTruth>> truths_from_targets(const Tensor& targets, std::int64_t images) {
  const Shape s = targets.shape();
  if (s.size() != 2 || s[1] != 6)
    fail("truths_from_targets", "expected targets (T, 6) rows (image, class, cx, cy, w, h), got ", ShapeText{s});
  const Tensor t = targets.dtype() == kFloat64 ? targets : targets.to(kFloat64);
  const auto& v = t.data<double>();
  std::vector<std::vector<GroundTruth>> out(static_cast<std::size_t>(images));
  for (std::size_t r = 0; r < s[0]; ++r) {
    const double image = v(r, 0);
    if (!(image >= 0 && image < double(images)) || image != std::floor(image))
      fail("truths_from_targets", "row ", r, " has image index ", image, ", outside [0, ", images, ")");
    out[std::size_t(image)].push_back({Box::from_center(v(r, 2), v(r, 3), v(r, 4), v(r, 5)), std::int64_t(v(r, 1))});
  }
  return out;
}

}  // namespace xgrad::models
