// Elementwise selection: maximum, minimum and where, with NumPy broadcasting.
#include <xtensor/xbroadcast.hpp>
#include <xtensor/xmath.hpp>

#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/elementwise.hpp"

namespace xgrad {

namespace {
// maximum (Sign = 1) and minimum (Sign = -1) share one backward: the winner takes the
// gradient, a tie splits it in half.
template <int Sign>
Tensor extremum(const char* op, const Tensor& a, const Tensor& b) {
  return visit_float(op, a, b, [&]<class T>(const xt::xarray<T>& x, const xt::xarray<T>& y) {
    broadcast_shapes(op, shape_of(x), shape_of(y));
    xt::xarray<T> out = Sign > 0 ? xt::xarray<T>(xt::maximum(x, y)) : xt::xarray<T>(xt::minimum(x, y));
    return record<T>(op, std::move(out), {a, b}, [](const Backward<T>& g) {
      // A plain loop over the broadcast shape: xsimd mis-evaluates xarray<bool> masks mixed with
      // comparisons of T under AVX2, which the parity fixtures caught.
      const Shape s = shape_of(g.grad);
      const xt::xarray<T> x = xt::broadcast(g.input(0), s), y = xt::broadcast(g.input(1), s);
      xt::xarray<T> gx = xt::empty<T>(s), gy = xt::empty<T>(s);
      for (std::size_t i = 0; i < gx.size(); ++i) {
        const T xi = x.data()[i], yi = y.data()[i], gi = g.grad.data()[i];
        const bool x_wins = Sign > 0 ? xi > yi : xi<yi, y_wins = Sign> 0 ? yi > xi : yi < xi;
        gx.data()[i] = x_wins ? gi : y_wins ? T(0) : gi / T(2);
        gy.data()[i] = y_wins ? gi : x_wins ? T(0) : gi / T(2);
      }
      if (g.needs(0)) g.add(0, sum_to(gx, shape_of(g.input(0))));
      if (g.needs(1)) g.add(1, sum_to(gy, shape_of(g.input(1))));
    });
  });
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum<1>("maximum", a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum<-1>("minimum", a, b); }

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  if (!condition.defined()) fail("where", "the condition tensor is undefined");
  xt::xarray<bool> c =
      std::visit([](const auto& m) { return xt::xarray<bool>(xt::not_equal(m, 0)); }, condition.storage());
  return visit_float("where", a, b, [&]<class T>(const xt::xarray<T>& x, const xt::xarray<T>& y) {
    broadcast_shapes("where", broadcast_shapes("where", shape_of(c), shape_of(x)), shape_of(y));
    return record<T>("where", xt::where(c, x, y), {a, b}, [c](const Backward<T>& g) {
      if (g.needs(0)) g.add(0, sum_to(xt::where(c, g.grad, T(0)), shape_of(g.input(0))));
      if (g.needs(1)) g.add(1, sum_to(xt::where(c, T(0), g.grad), shape_of(g.input(1))));
    });
  });
}

}  // namespace xgrad
