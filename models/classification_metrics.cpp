#include "xgrad/models/classification_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <xtensor/xview.hpp>

#include "xgrad/core/autograd.hpp"
#include "xgrad/core/ops/indexing.hpp"

namespace xgrad::models {

std::vector<double> Evaluation::per_class_accuracy() const {
  std::vector<double> out;
  for (std::size_t c = 0; c < confusion.size(); ++c) {
    std::int64_t total = 0;
    for (std::int64_t n : confusion[c]) total += n;
    out.push_back(total ? double(confusion[c][c]) / double(total) : std::numeric_limits<double>::quiet_NaN());
  }
  return out;
}

double expected_calibration_error(const std::vector<double>& confidence, const std::vector<bool>& correct,
                                  std::size_t bins) {
  if (confidence.size() != correct.size() || confidence.empty() || bins == 0)
    fail("expected_calibration_error", confidence.size(), " confidences, ", correct.size(), " outcomes and ", bins,
         " bins; expected equal, non-zero counts");
  std::vector<double> conf_sum(bins, 0.0), right(bins, 0.0), count(bins, 0.0);
  for (std::size_t i = 0; i < confidence.size(); ++i) {
    // Bin b holds (b / bins, (b + 1) / bins]; a confidence of 0 joins the first bin.
    const double c = std::clamp(confidence[i], 0.0, 1.0);
    const std::size_t b = c <= 0 ? 0 : std::min(bins - 1, std::size_t(std::ceil(c * double(bins))) - 1);
    conf_sum[b] += c;
    right[b] += correct[i] ? 1.0 : 0.0;
    count[b] += 1.0;
  }
  double ece = 0;
  for (std::size_t b = 0; b < bins; ++b)
    if (count[b] > 0)
      ece += count[b] / double(confidence.size()) * std::abs(conf_sum[b] / count[b] - right[b] / count[b]);
  return ece;
}

Evaluation evaluate(Classifier& model, const Tensor& inputs, const Tensor& labels, std::size_t chunk,
                    std::size_t bins) {
  if (!labels.defined() || labels.dtype() != kInt64 || labels.dim() != 1 || inputs.dim() != 2 ||
      inputs.size(0) != labels.size(0) || labels.numel() == 0)
    fail("evaluate", "expected inputs (N, D) and int64 labels (N) with N > 0, got ", to_string(inputs.shape()), " and ",
         labels.defined() ? to_string(labels.shape()) : std::string("undefined"));
  if (chunk == 0) fail("evaluate", "the chunk size must be positive");
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;

  const std::size_t n = labels.numel(), classes = model.num_classes;
  const auto& y = labels.data<std::int64_t>();
  Evaluation e;
  e.confusion.assign(classes, std::vector<std::int64_t>(classes, 0));
  std::vector<bool> correct;
  double loss_sum = 0, nll_sum = 0;
  for (std::size_t begin = 0; begin < n; begin += chunk) {
    const std::size_t end = std::min(n, begin + chunk);
    const auto b = std::int64_t(begin), en = std::int64_t(end);
    const Tensor scores = model.forward(slice(inputs, 0, b, en));
    const Tensor batch_labels = Tensor(Storage(xt::xarray<std::int64_t>(xt::view(y, xt::range(begin, end)))));
    loss_sum += model.loss(scores, batch_labels).item() * double(end - begin);
    const Tensor p = model.probabilities(scores).to(kFloat64);
    const auto& pa = p.data<double>();
    for (std::size_t i = 0; i < end - begin; ++i) {
      std::size_t best = 0;
      for (std::size_t c = 1; c < classes; ++c)
        if (pa(i, c) > pa(i, best)) best = c;
      const auto truth = std::size_t(y(begin + i));
      e.predictions.push_back(std::int64_t(best));
      e.confidence.push_back(pa(i, best));
      correct.push_back(best == truth);
      ++e.confusion[truth][best];
      nll_sum -= std::log(std::max(pa(i, truth), 1e-12));
    }
  }
  model.train(was_training);
  e.loss = loss_sum / double(n);
  e.accuracy = double(std::count(correct.begin(), correct.end(), true)) / double(n);
  e.nll = nll_sum / double(n);
  e.ece = expected_calibration_error(e.confidence, correct, bins);
  return e;
}

}  // namespace xgrad::models
