#include "xgrad/nn/pooling.hpp"

#include <sstream>

namespace xgrad::nn {

namespace {
// The kernel size when stride is 0, as torch.nn's stride=None.
Size2 resolved(Size2 stride, Size2 kernel) { return stride == Size2(0) ? kernel : stride; }

template <class... Args>
std::string text(Args&&... parts) {
  std::ostringstream s;
  (s << ... << parts);
  return s.str();
}
}  // namespace

MaxPool2d::MaxPool2d(Size2 kernel, Size2 stride_, Size2 padding_)
    : kernel_size(kernel), stride(resolved(stride_, kernel)), padding(padding_) {}
Tensor MaxPool2d::forward(const Tensor& x) { return max_pool2d(x, kernel_size, stride, padding); }
std::string MaxPool2d::extra_repr() const {
  return text("kernel_size=", kernel_size, ", stride=", stride, ", padding=", padding);
}

AvgPool2d::AvgPool2d(Size2 kernel, Size2 stride_, Size2 padding_, bool include_pad)
    : kernel_size(kernel), stride(resolved(stride_, kernel)), padding(padding_), count_include_pad(include_pad) {}
Tensor AvgPool2d::forward(const Tensor& x) { return avg_pool2d(x, kernel_size, stride, padding, count_include_pad); }
std::string AvgPool2d::extra_repr() const {
  return text("kernel_size=", kernel_size, ", stride=", stride, ", padding=", padding,
              count_include_pad ? "" : ", count_include_pad=false");
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Size2 size) : output_size(size) {}
Tensor AdaptiveAvgPool2d::forward(const Tensor& x) { return adaptive_avg_pool2d(x, output_size); }
std::string AdaptiveAvgPool2d::extra_repr() const { return text("output_size=", output_size); }

}  // namespace xgrad::nn
