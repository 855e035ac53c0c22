#pragma once
// Dropout, as torch.nn.Dropout: in training, zeroes each element with probability p and scales
// the rest by 1 / (1 - p), so the expected value is unchanged; in eval mode, the identity. The
// mask comes from `generator` if given (it must outlive the layer), else the default generator.
#include <string>

#include "xgrad/core/generator.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, Generator* generator = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  const double p;

 private:
  Generator* generator_;
};

}  // namespace xgrad::nn
