// pow with a tensor base: tensor^tensor (NumPy broadcasting) and tensor^scalar; scalar^tensor is
// in scalar_arithmetic.cpp.
#include <cmath>
#include <xtensor/xmath.hpp>

#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/elementwise.hpp"

namespace xgrad {

Tensor pow(const Tensor& a, const Tensor& b) {
  return visit_float("pow", a, b, [&]<class T>(const xt::xarray<T>& x, const xt::xarray<T>& y) {
    broadcast_shapes("pow", shape_of(x), shape_of(y));
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

}  // namespace xgrad
