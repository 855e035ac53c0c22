#pragma once
// The one-input elementwise op of core/ops/elementwise/ (unary math and activations), on the op
// kit: y = forward(x), dx = grad(dy, x, y), for float32 and float64.
#include "xgrad/core/function.hpp"

namespace xgrad::detail {

template <class Forward, class Grad>
Tensor unary(const char* op, const Tensor& x, Forward forward, Grad grad) {
  return visit_float(op, x, [&]<class T>(const xt::xarray<T>& a) {
    return record<T>(op, forward(a), {x},
                     [grad](const Backward<T>& b) { b.add(0, grad(b.grad, b.input(0), b.output())); });
  });
}

}  // namespace xgrad::detail
