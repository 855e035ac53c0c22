#pragma once
// Dropout, as torch.nn.Dropout: in training, zeroes each element with probability p and scales
// the rest by 1 / (1 - p), so the expected value is unchanged; in eval mode, the identity.
#include <string>

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  const double p;
};

}  // namespace xgrad::nn
