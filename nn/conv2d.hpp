#pragma once
// Conv2d: 2-D convolution over (N, C, H, W) inputs, as torch.nn.Conv2d without dilation and
// groups. The weight is (out, in, kh, kw), so it loads from PyTorch state dicts unchanged.
#include <cstdint>
#include <string>

#include "xgrad/core/ops/conv.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

class Conv2d : public Module {
 public:
  // kernel_size, stride and padding take one number or an (h, w) pair: Conv2d(3, 16, {3, 1}).
  // PyTorch's default initialization: weight and bias uniform in ±1/sqrt(in kh kw). Float32.
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel_size, Size2 stride = 1, Size2 padding = 0,
         bool bias = true);

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters();

  const std::size_t in_channels, out_channels;
  const Size2 kernel_size, stride, padding;
  Tensor weight;  // (out_channels, in_channels, kh, kw)
  Tensor bias;    // (out_channels), or undefined without a bias
};

}  // namespace xgrad::nn
