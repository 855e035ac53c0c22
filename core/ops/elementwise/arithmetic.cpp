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

}  // namespace xgrad
