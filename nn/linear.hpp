#pragma once
// Linear: y = x Wᵀ + b over the last dim of x, as torch.nn.Linear. W is (out, in), so weights
// load from PyTorch state dicts unchanged.
#include <cstdint>
#include <string>

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

class Linear : public Module {
 public:
  // PyTorch's default initialization: W and b uniform in ±1/sqrt(in_features) (kaiming_uniform_
  // with a = sqrt(5) for W). Float32; convert with to(kFloat64).
  Linear(std::int64_t in_features, std::int64_t out_features, bool bias = true);

  // x is (..., in_features); the result is (..., out_features).
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters();

  const std::size_t in_features, out_features;
  Tensor weight;  // (out_features, in_features)
  Tensor bias;    // (out_features), or undefined without a bias
};

}  // namespace xgrad::nn
