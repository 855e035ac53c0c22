#pragma once
// One-vs-rest: C independent binary problems instead of one C-way softmax. Score c is the logit
// of "the input is of class c" against all other classes, trained with binary cross-entropy on
// its own; the prediction is the class with the highest score.
//
//   loss = mean over samples n and classes c of BCE-with-logits(s_nc, [y_n == c])
//
// The model is the same linear map as softmax regression; only the loss differs. The C sigmoids
// need not sum to 1, so probabilities() normalizes them: p_c = sigmoid(s_c) / sum_k sigmoid(s_k).
// Each classifier sees C - 1 negatives per positive and never learns how classes compare with each
// other, which shows in its calibration.
#include <cstddef>
#include <memory>

#include "xgrad/core/ops/indexing.hpp"
#include "xgrad/models/classifier.hpp"
#include "xgrad/nn/linear.hpp"

namespace xgrad::models {

class OneVsRest : public Classifier {
 public:
  OneVsRest(std::size_t in_features, std::size_t num_classes);
  Tensor forward(const Tensor& x) override;  // (N, in_features) -> logits (N, num_classes)
  std::string name() const override { return "OneVsRest"; }
  Tensor loss(const Tensor& scores, const Tensor& labels) const override;
  Tensor probabilities(const Tensor& scores) const override;

  std::shared_ptr<nn::Linear> linear;
};

// one_hot moved to core (<xgrad/core/ops/indexing.hpp>, xg::one_hot); this name stays for a release.
using xgrad::one_hot;

}  // namespace xgrad::models
