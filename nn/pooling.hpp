#pragma once
// Pooling layers over (N, C, H, W) inputs, as torch.nn's; see core/ops/pooling.hpp for the rules.
// A lone (h, w) pair is spelled Size2(2, 3): MaxPool2d({2, 3}) would also read as a copy of a
// MaxPool2d built from (2, 3), and C++ rejects the call as ambiguous.
#include <string>

#include "xgrad/core/ops/pooling.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

class MaxPool2d : public Module {
 public:
  // A stride of 0 (the default) means the kernel size.
  explicit MaxPool2d(Size2 kernel_size, Size2 stride = 0, Size2 padding = 0);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  const Size2 kernel_size, stride, padding;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Size2 kernel_size, Size2 stride = 0, Size2 padding = 0, bool count_include_pad = true);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  const Size2 kernel_size, stride, padding;
  const bool count_include_pad;
};

// AdaptiveAvgPool2d(1) is global average pooling: (N, C, H, W) -> (N, C, 1, 1).
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Size2 output_size);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  const Size2 output_size;
};

}  // namespace xgrad::nn
