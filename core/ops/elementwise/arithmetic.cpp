#include <cmath>
#include <xtensor/xmath.hpp>

#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/elementwise.hpp"

namespace xgrad {

namespace {
// Checks that two shapes broadcast (with a message naming the op) before xtensor sees them.
template <class T>
void check_broadcast(const char* op, const xt::xarray<T>& a, const xt::xarray<T>& b) {
  if (!std::equal(a.shape().begin(), a.shape().end(), b.shape().begin(), b.shape().end()))
    broadcast_shapes(op, shape_of(a), shape_of(b));
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  return visit_float("add", a, b, [&]<class T>(const xt::xarray<T>& x, const xt::xarray<T>& y) {
    check_broadcast("add", x, y);
    return record<T>("add", x + y, {a, b}, [](const Backward<T>& g) {
      if (g.needs(0)) g.add(0, sum_to(g.grad, shape_of(g.input(0))));
      if (g.needs(1)) g.add(1, sum_to(g.grad, shape_of(g.input(1))));
    });
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  return visit_float("sub", a, b, [&]<class T>(const xt::xarray<T>& x, const xt::xarray<T>& y) {
    check_broadcast("sub", x, y);
    return record<T>("sub", x - y, {a, b}, [](const Backward<T>& g) {
      if (g.needs(0)) g.add(0, sum_to(g.grad, shape_of(g.input(0))));
      if (g.needs(1)) g.add(1, sum_to(-g.grad, shape_of(g.input(1))));
    });
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  return visit_float("mul", a, b, [&]<class T>(const xt::xarray<T>& x, const xt::xarray<T>& y) {
    check_broadcast("mul", x, y);
    return record<T>("mul", x * y, {a, b}, [](const Backward<T>& g) {
      if (g.needs(0)) g.add(0, sum_to(g.grad * g.input(1), shape_of(g.input(0))));
      if (g.needs(1)) g.add(1, sum_to(g.grad * g.input(0), shape_of(g.input(1))));
    });
  });
}

Tensor div(const Tensor& a, const Tensor& b) {
  return visit_float("div", a, b, [&]<class T>(const xt::xarray<T>& x, const xt::xarray<T>& y) {
    check_broadcast("div", x, y);
    return record<T>("div", x / y, {a, b}, [](const Backward<T>& g) {
      const auto& x = g.input(0);
      const auto& y = g.input(1);
      if (g.needs(0)) g.add(0, sum_to(g.grad / y, shape_of(x)));
      // d(x/y)/dy = -x/y^2, written (x/y)/y as PyTorch does so the rounding matches.
      if (g.needs(1)) g.add(1, sum_to(-g.grad * ((x / y) / y), shape_of(y)));
    });
  });
}

Tensor pow(const Tensor& a, const Tensor& b) {
  return visit_float("pow", a, b, [&]<class T>(const xt::xarray<T>& x, const xt::xarray<T>& y) {
    check_broadcast("pow", x, y);
    // 0^0 = 1 as in PyTorch; xsimd's pow gives 0 there under AVX2.
    return record<T>("pow", xt::where(xt::equal(y, T(0)), T(1), xt::pow(x, y)), {a, b}, [](const Backward<T>& g) {
      const auto& x = g.input(0);
      const auto& y = g.input(1);
      // d x^y/dx = y x^(y-1), zero where y == 0 (so 0^0 has no NaN gradient).
      if (g.needs(0))
        g.add(0, sum_to(xt::where(xt::equal(y, T(0)), T(0), g.grad * y * xt::pow(x, y - T(1))), shape_of(x)));
      // d x^y/dy = x^y log x, zero where x == 0 and y >= 0, as in PyTorch.
      if (g.needs(1))
        g.add(1, sum_to(xt::where(xt::equal(x, T(0)) && y >= T(0), T(0), g.grad * g.out * xt::log(x)), shape_of(y)));
    });
  });
}

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

Tensor pow(const Tensor& a, double e) {
  return visit_float("pow", a, [&]<class T>(const xt::xarray<T>& x) {
    const T c = static_cast<T>(e);
    // Like PyTorch, the common exponents skip pow(): x^0 is 1 even at 0 (xsimd's pow gives 0^0 = 0
    // under AVX2) and x^2 is the exactly rounded x * x.
    xt::xarray<T> y = c == T(0)   ? xt::xarray<T>(xt::ones_like(x))
                      : c == T(2) ? xt::xarray<T>(x * x)
                                  : xt::xarray<T>(xt::pow(x, c));
    return record<T>("pow", std::move(y), {a}, [c](const Backward<T>& g) {
      if (c == T(0))
        g.add(0, xt::zeros_like(g.grad));
      else if (c == T(2))  // x^1 is x: skip pow(), as PyTorch does for exponent 1
        g.add(0, g.grad * (c * g.input(0)));
      else
        g.add(0, g.grad * (c * xt::pow(g.input(0), c - T(1))));
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
