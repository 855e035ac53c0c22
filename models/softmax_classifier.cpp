#include "xgrad/models/softmax_classifier.hpp"

namespace xgrad::models {

SoftmaxClassifier::SoftmaxClassifier(std::size_t in_features, std::size_t num_classes)
    : Classifier(num_classes),
      linear(register_module("linear", std::make_shared<nn::Linear>(in_features, num_classes))) {}

Tensor SoftmaxClassifier::forward(const Tensor& x) { return linear->forward(x); }

}  // namespace xgrad::models
