#include "xgrad/nn/pooling.hpp"

#include <sstream>

namespace xgrad::nn {

namespace {
// The kernel size when stride is 0, as torch.nn's stride=None.
Size2 resolved(Size2 stride, Size2 kernel) { return stride == Size2(0) ? kernel : stride; }

// The op checks these again on every call; checking here too reports a bad layer where it is built.
void check_window(const char* layer, Size2 kernel, Size2 stride, Size2 padding) {
  if (kernel.h < 1 || kernel.w < 1) fail(layer, "kernel_size must be positive, got ", kernel);
  if (stride.h < 1 || stride.w < 1) fail(layer, "stride must be positive, got ", stride);
  if (padding.h < 0 || padding.w < 0 || 2 * padding.h > kernel.h || 2 * padding.w > kernel.w)
    fail(layer, "padding ", padding, " must be between 0 and half the kernel size ", kernel);
}

template <class... Args>
std::string text(Args&&... parts) {
  std::ostringstream s;
  (s << ... << parts);
  return s.str();
}
}  // namespace

MaxPool2d::MaxPool2d(Size2 kernel, Size2 stride_, Size2 padding_)
    : kernel_size(kernel), stride(resolved(stride_, kernel)), padding(padding_) {
  check_window("MaxPool2d", kernel_size, stride, padding);
}
Tensor MaxPool2d::forward(const Tensor& x) { return max_pool2d(x, kernel_size, stride, padding); }
std::string MaxPool2d::extra_repr() const {
  return text("kernel_size=", kernel_size, ", stride=", stride, ", padding=", padding);
}

AvgPool2d::AvgPool2d(Size2 kernel, Size2 stride_, Size2 padding_, bool include_pad)
    : kernel_size(kernel), stride(resolved(stride_, kernel)), padding(padding_), count_include_pad(include_pad) {
  check_window("AvgPool2d", kernel_size, stride, padding);
}
Tensor AvgPool2d::forward(const Tensor& x) { return avg_pool2d(x, kernel_size, stride, padding, count_include_pad); }
std::string AvgPool2d::extra_repr() const {
  return text("kernel_size=", kernel_size, ", stride=", stride, ", padding=", padding,
              count_include_pad ? "" : ", count_include_pad=false");
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Size2 size) : output_size(size) {
  if (size.h < 1 || size.w < 1) fail("AdaptiveAvgPool2d", "output_size must be positive, got ", size);
}
Tensor AdaptiveAvgPool2d::forward(const Tensor& x) { return adaptive_avg_pool2d(x, output_size); }
std::string AdaptiveAvgPool2d::extra_repr() const { return text("output_size=", output_size); }

}  // namespace xgrad::nn
