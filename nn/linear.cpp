#include "xgrad/nn/linear.hpp"

#include <cmath>

#include "xgrad/core/factory.hpp"
#include "xgrad/core/ops/matmul.hpp"
#include "xgrad/nn/init.hpp"

namespace xgrad::nn {

namespace {
std::size_t positive(const char* what, std::int64_t n) {
  if (n < 1) fail("Linear", what, " must be positive, got ", n);
  return std::size_t(n);
}
}  // namespace

Linear::Linear(std::int64_t in, std::int64_t out, bool with_bias)
    : in_features(positive("in_features", in)), out_features(positive("out_features", out)) {
  weight = register_parameter("weight", zeros({out_features, in_features}));
  if (with_bias) bias = register_parameter("bias", zeros({out_features}));
  reset_parameters();
}

void Linear::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(double(in_features));
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& x) {
  if (!x.defined()) fail("Linear", "the input is undefined");
  if (x.dim() == 0 || x.shape().back() != in_features)
    fail("Linear", "the input has shape ", to_string(x.shape()), " but in_features is ", in_features,
         "; the last dim must match");
  if (x.dtype() != weight.dtype())
    fail("Linear", "the input is ", x.dtype(), " but the layer is ", weight.dtype(),
         "; convert one of them with .to()");
  return linear(x, weight, bias);
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + (bias.defined() ? "true" : "false");
}

}  // namespace xgrad::nn
