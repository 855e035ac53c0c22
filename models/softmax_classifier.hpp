#pragma once
// Softmax regression (multinomial logistic regression): one linear map from the inputs to a score
// per class, trained with cross-entropy, so that softmax(scores) estimates P(class | input).
//
//   p(c | x) = exp(w_c . x + b_c) / sum_k exp(w_k . x + b_k)
//
// The decision boundaries between classes are hyperplanes; on Fashion-MNIST this reaches about
// 84% test accuracy.
#include <cstddef>
#include <memory>

#include "xgrad/models/classifier.hpp"
#include "xgrad/nn/linear.hpp"

namespace xgrad::models {

class SoftmaxClassifier : public Classifier {
 public:
  SoftmaxClassifier(std::size_t in_features, std::size_t num_classes);
  Tensor forward(const Tensor& x) override;  // (N, in_features) -> scores (N, num_classes)
  std::string name() const override { return "SoftmaxClassifier"; }

  std::shared_ptr<nn::Linear> linear;
};

}  // namespace xgrad::models
