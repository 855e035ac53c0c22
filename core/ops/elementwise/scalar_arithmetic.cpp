// Negation, tensor-scalar arithmetic and scalar^tensor: the scalar takes the tensor's dtype, as a
// Python number does in PyTorch.
#include <cmath>
#include <xtensor/xmath.hpp>

#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/elementwise.hpp"

namespace xgrad {

Tensor neg(const Tensor& a) {
  return visit_float("neg", a, [&]<class T>(const xt::xarray<T>& x) {
    return record<T>("neg", -x, {a}, [](const Backward<T>& g) { g.add(0, -g.grad); });
  });
}

Tensor add(const Tensor& a, double s) {
  return visit_float("add", a, [&]<class T>(const xt::xarray<T>& x) {
    return record<T>("add", x + static_cast<T>(s), {a}, [](const Backward<T>& g) { g.add(0, g.grad); });
  });
}

Tensor sub(const Tensor& a, double s) { return add(a, -s); }  // exact: x - s == x + (-s)

Tensor div(const Tensor& a, double s) {
  return visit_float("div", a, [&]<class T>(const xt::xarray<T>& x) {
    const T c = static_cast<T>(s);  // a true division, so results round as PyTorch's do
    return record<T>("div", x / c, {a}, [c](const Backward<T>& g) { g.add(0, g.grad / c); });
  });
}

Tensor mul(const Tensor& a, double s) {
  return visit_float("mul", a, [&]<class T>(const xt::xarray<T>& x) {
    const T c = static_cast<T>(s);
    return record<T>("mul", x * c, {a}, [c](const Backward<T>& g) { g.add(0, g.grad * c); });
  });
}

Tensor rsub(const Tensor& a, double s) {
  return visit_float("rsub", a, [&]<class T>(const xt::xarray<T>& x) {
    return record<T>("rsub", static_cast<T>(s) - x, {a}, [](const Backward<T>& g) { g.add(0, -g.grad); });
  });
}

Tensor rdiv(const Tensor& a, double s) {
  return visit_float("rdiv", a, [&]<class T>(const xt::xarray<T>& x) {
    return record<T>("rdiv", static_cast<T>(s) / x, {a}, [](const Backward<T>& g) {
      g.add(0, -g.grad * g.out / g.input(0));  // d(s/x)/dx = -s/x^2 = -out/x
    });
  });
}

Tensor pow(double base, const Tensor& e) {
  return visit_float("pow", e, [&]<class T>(const xt::xarray<T>& x) {
    const T c = static_cast<T>(base);
    return record<T>("pow", xt::pow(c, x), {e}, [c](const Backward<T>& g) {
      // d c^x/dx = c^x log c, zero for c == 0 as in PyTorch.
      if (c == T(0))
        g.add(0, xt::zeros_like(g.grad));
      else
        g.add(0, g.grad * g.out * std::log(c));
    });
  });
}

}  // namespace xgrad
