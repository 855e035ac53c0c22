#pragma once
// Classifier: the interface shared by the Fashion-MNIST models. forward() maps inputs (N, D) to
// one score per class (N, C); the model also says how those scores are trained (loss) and how
// they become probabilities, since that is where softmax regression and one-vs-rest differ.
//
//   auto model = xg::models::make_classifier("mlp", 784, 10);   // or "softmax", "ovr"
//   xg::Tensor loss = model->loss(model->forward(x), y);        // y: int64 class indices (N)
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/nn/module.hpp"

namespace xgrad::models {

class Classifier : public nn::Module {
 public:
  explicit Classifier(std::size_t num_classes) : num_classes(num_classes) {}

  // The training loss on scores (N, C) and int64 labels (N), a mean over the batch. The default
  // is cross-entropy on the softmax of the scores.
  virtual Tensor loss(const Tensor& scores, const Tensor& labels) const;
  // Probabilities (N, C) that sum to 1 per row; the default is the softmax of the scores.
  virtual Tensor probabilities(const Tensor& scores) const;

  const std::size_t num_classes;
};

// "softmax" (SoftmaxClassifier), "mlp" (MLP with `hidden` layer widths) or "ovr" (OneVsRest).
std::shared_ptr<Classifier> make_classifier(const std::string& kind, std::size_t in_features, std::size_t num_classes,
                                            const std::vector<std::size_t>& hidden = {256});

}  // namespace xgrad::models
