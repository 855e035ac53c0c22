#include "xgrad/nn/dropout.hpp"

#include <sstream>

#include "xgrad/core/factory.hpp"
#include "xgrad/core/ops/elementwise.hpp"

namespace xgrad::nn {

Dropout::Dropout(double prob, Generator* generator) : p(prob), generator_(generator) {
  if (!(p >= 0 && p <= 1)) fail("Dropout", "p must be in [0, 1], got ", p);
}

Tensor Dropout::forward(const Tensor& x) {
  if (!x.defined()) fail("Dropout", "the input is undefined");
  if (!is_training() || p == 0) return x;
  if (p == 1) return x * 0.0;  // 1 / (1 - p) would be inf, and inf * 0 NaN
  // The mask is a constant: the gradient flows through the kept elements, scaled alike.
  const Tensor keep = ge(rand(x.shape(), generator_ ? *generator_ : default_generator(), kFloat64), p).to(x.dtype());
  return x * (keep * (1.0 / (1.0 - p)));
}

std::string Dropout::extra_repr() const {
  std::ostringstream s;
  s << "p=" << p;
  return s.str();
}

}  // namespace xgrad::nn
