#pragma once
// How good a classifier's predictions are on a labelled set: accuracy, the confusion matrix, and
// the calibration of its probabilities (are 80%-confident answers right 80% of the time?).
#include <cstddef>
#include <vector>

#include "xgrad/core/tensor.hpp"
#include "xgrad/models/classifier.hpp"

namespace xgrad::models {

struct Evaluation {
  double loss = 0;                        // the model's own training loss, averaged over the examples
  double accuracy = 0;                    // fraction of argmax predictions equal to the label
  double nll = 0;                         // mean -log p(true class) of probabilities(), floored at 1e-12
  double ece = 0;                         // expected calibration error over `bins` equal-width confidence bins
  std::vector<std::int64_t> predictions;  // argmax per example
  std::vector<double> confidence;         // the predicted class's probability
  std::vector<std::vector<std::int64_t>> confusion;  // confusion[true][predicted], counts
  // The fraction of each class's examples predicted right (NaN for a class with no examples).
  std::vector<double> per_class_accuracy() const;
};

// Runs the model in eval mode and without gradients over `inputs` (N, D) in chunks of `chunk`
// rows and compares with int64 `labels` (N); restores the model's training mode after.
Evaluation evaluate(Classifier& model, const Tensor& inputs, const Tensor& labels, std::size_t chunk = 1000,
                    std::size_t bins = 15);

// sum over bins b of |B_b| / N * |mean confidence in B_b - accuracy in B_b|, the bins splitting
// (0, 1] into `bins` equal parts, each right-closed (as Guo et al. 2017).
double expected_calibration_error(const std::vector<double>& confidence, const std::vector<bool>& correct,
                                  std::size_t bins = 15);

}  // namespace xgrad::models
