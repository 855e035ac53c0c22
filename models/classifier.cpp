#include "xgrad/models/classifier.hpp"

#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/losses/cross_entropy.hpp"
#include "xgrad/models/mlp.hpp"
#include "xgrad/models/one_vs_rest.hpp"
#include "xgrad/models/softmax_classifier.hpp"

namespace xgrad::models {

Tensor Classifier::loss(const Tensor& scores, const Tensor& labels) const {
  return losses::cross_entropy(scores, labels);
}

Tensor Classifier::probabilities(const Tensor& scores) const { return softmax(scores, 1); }

std::shared_ptr<Classifier> make_classifier(const std::string& kind, std::size_t in_features, std::size_t num_classes,
                                            const std::vector<std::size_t>& hidden) {
  if (kind == "softmax") return std::make_shared<SoftmaxClassifier>(in_features, num_classes);
  if (kind == "mlp") return std::make_shared<MLP>(in_features, hidden, num_classes);
  if (kind == "ovr") return std::make_shared<OneVsRest>(in_features, num_classes);
  fail("make_classifier", "unknown kind '", kind, "'; expected softmax, mlp or ovr");
}

}  // namespace xgrad::models
