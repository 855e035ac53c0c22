#include "xgrad/models/one_vs_rest.hpp"

#include "xgrad/core/factory.hpp"
#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/core/ops/reduction.hpp"
#include "xgrad/losses/binary_cross_entropy.hpp"

namespace xgrad::models {

OneVsRest::OneVsRest(std::size_t in_features, std::size_t num_classes)
    : Classifier(num_classes),
      linear(register_module("linear", std::make_shared<nn::Linear>(in_features, num_classes))) {}

Tensor OneVsRest::forward(const Tensor& x) { return linear->forward(x); }

Tensor OneVsRest::loss(const Tensor& scores, const Tensor& labels) const {
  if (scores.dim() != 2 || scores.size(1) != num_classes)
    fail("OneVsRest::loss", "expected scores of shape (N, ", num_classes, "), got ", to_string(scores.shape()));
  return losses::binary_cross_entropy_with_logits(scores, one_hot(labels, num_classes, scores.dtype()));
}

Tensor OneVsRest::probabilities(const Tensor& scores) const {
  const Tensor s = sigmoid(scores);
  return s / sum(s, {1}, true);
}

}  // namespace xgrad::models
