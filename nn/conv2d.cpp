#include "xgrad/nn/conv2d.hpp"

#include <cmath>
#include <sstream>

#include "xgrad/core/factory.hpp"
#include "xgrad/nn/init.hpp"

namespace xgrad::nn {

namespace {
std::size_t positive(const char* what, std::int64_t n) {
  if (n < 1) fail("Conv2d", what, " must be positive, got ", n);
  return std::size_t(n);
}
Size2 checked(const char* what, Size2 s, std::int64_t min) {
  if (s.h < min || s.w < min) fail("Conv2d", what, " must be at least ", min, ", got ", s);
  return s;
}
}  // namespace

Conv2d::Conv2d(std::int64_t in, std::int64_t out, Size2 kernel, Size2 stride_, Size2 padding_, bool with_bias)
    : in_channels(positive("in_channels", in)),
      out_channels(positive("out_channels", out)),
      kernel_size(checked("kernel_size", kernel, 1)),
      stride(checked("stride", stride_, 1)),
      padding(checked("padding", padding_, 0)) {
  weight = register_parameter(
      "weight", zeros({out_channels, in_channels, std::size_t(kernel_size.h), std::size_t(kernel_size.w)}));
  if (with_bias) bias = register_parameter("bias", zeros({out_channels}));
  reset_parameters();
}

void Conv2d::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(double(init::calculate_fan_in_and_fan_out(weight).first));
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Conv2d::forward(const Tensor& x) {
  if (x.defined() && x.dtype() != weight.dtype())
    fail("Conv2d", "the input is ", x.dtype(), " but the layer is ", weight.dtype(),
         "; convert one of them with .to()");
  return conv2d(x, weight, bias, stride, padding);
}

std::string Conv2d::extra_repr() const {
  std::ostringstream s;
  s << in_channels << ", " << out_channels << ", kernel_size=" << kernel_size << ", stride=" << stride;
  if (padding != Size2(0)) s << ", padding=" << padding;
  if (!bias.defined()) s << ", bias=false";
  return s.str();
}

}  // namespace xgrad::nn
