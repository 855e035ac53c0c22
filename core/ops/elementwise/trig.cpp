#include <cmath>
#include <xtensor/xbroadcast.hpp>

#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/core/shape.hpp"

namespace xgrad {

// Plain loops over the data: the same rounding as std::sin, std::atan, ... on every CPU, and no
// expression templates to instantiate.
namespace {
// y = f(x) elementwise, dx = dy * df(x).
template <class F, class DF>
Tensor unary_loop(const char* op, const Tensor& x, F f, DF df) {
  return visit_float(op, x, [&]<class T>(const xt::xarray<T>& a) {
    xt::xarray<T> out = xt::empty<T>(a.shape());
    for (std::size_t i = 0; i < a.size(); ++i) out.data()[i] = f(a.data()[i]);
    return record<T>(op, std::move(out), {x}, [df](const Backward<T>& b) {
      const xt::xarray<T>& a = b.input(0);
      xt::xarray<T> g = xt::empty<T>(a.shape());
      for (std::size_t i = 0; i < a.size(); ++i) g.data()[i] = b.grad.data()[i] * df(a.data()[i]);
      b.add(0, std::move(g));
    });
  });
}
}  // namespace

Tensor sin(const Tensor& x) {
  return unary_loop(
      "sin", x, [](auto v) { return std::sin(v); }, [](auto v) { return std::cos(v); });
}

Tensor cos(const Tensor& x) {
  return unary_loop(
      "cos", x, [](auto v) { return std::cos(v); }, [](auto v) { return -std::sin(v); });
}

Tensor atan(const Tensor& x) {
  return visit_float("atan", x, [&]<class T>(const xt::xarray<T>& a) {
    xt::xarray<T> out = xt::empty<T>(a.shape());
    for (std::size_t i = 0; i < a.size(); ++i) out.data()[i] = std::atan(a.data()[i]);
    return record<T>("atan", std::move(out), {x}, [](const Backward<T>& b) {
      const xt::xarray<T>& a = b.input(0);
      xt::xarray<T> g = xt::empty<T>(a.shape());
      for (std::size_t i = 0; i < a.size(); ++i) {
        const T v = a.data()[i];
        g.data()[i] = b.grad.data()[i] / (T(1) + v * v);
      }
      b.add(0, std::move(g));
    });
  });
}

Tensor atan2(const Tensor& y, const Tensor& x) {
  return visit_float("atan2", y, x, [&]<class T>(const xt::xarray<T>& ya, const xt::xarray<T>& xa) {
    const Shape s = broadcast_shapes("atan2", shape_of(ya), shape_of(xa));
    const xt::xarray<T> yb = xt::broadcast(ya, s), xb = xt::broadcast(xa, s);
    xt::xarray<T> out = xt::empty<T>(s);
    for (std::size_t i = 0; i < out.size(); ++i) out.data()[i] = std::atan2(yb.data()[i], xb.data()[i]);
    return record<T>("atan2", std::move(out), {y, x}, [](const Backward<T>& b) {
      const Shape s = shape_of(b.grad);
      const xt::xarray<T> yb = xt::broadcast(b.input(0), s), xb = xt::broadcast(b.input(1), s);
      xt::xarray<T> gy = xt::empty<T>(s), gx = xt::empty<T>(s);
      for (std::size_t i = 0; i < gy.size(); ++i) {
        const T yi = yb.data()[i], xi = xb.data()[i], r2 = xi * xi + yi * yi, g = b.grad.data()[i];
        gy.data()[i] = r2 == T(0) ? T(0) : g * xi / r2;  // 0 at the origin (see the header)
        gx.data()[i] = r2 == T(0) ? T(0) : -g * yi / r2;
      }
      if (b.needs(0)) b.add(0, sum_to(gy, shape_of(b.input(0))));
      if (b.needs(1)) b.add(1, sum_to(gx, shape_of(b.input(1))));
    });
  });
}

}  // namespace xgrad
