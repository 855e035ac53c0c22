// softmax and log_softmax along one dim, each with its closed-form backward.
#include <xtensor/xmath.hpp>

#include "xgrad/core/detail/kernels.hpp"
#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/elementwise.hpp"

namespace xgrad {

namespace {
using kernels::max_dim;
using kernels::sum_dim;
}  // namespace

Tensor softmax(const Tensor& x, std::int64_t dim) {
  return visit_float("softmax", x, [&]<class T>(const xt::xarray<T>& a) {
    const std::size_t d = normalize_dim("softmax", dim, a.dimension());
    xt::xarray<T> e = xt::exp(a - max_dim(a, d));
    xt::xarray<T> y = e / sum_dim(e, d);
    return record<T>("softmax", std::move(y), {x}, [d](const Backward<T>& b) {
      // dx = y (dy − Σ dy·y)
      b.add(0, b.output() * (b.grad - sum_dim(xt::xarray<T>(b.grad * b.output()), d)));
    });
  });
}

Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  return visit_float("log_softmax", x, [&]<class T>(const xt::xarray<T>& a) {
    const std::size_t d = normalize_dim("log_softmax", dim, a.dimension());
    xt::xarray<T> y = kernels::log_softmax_dim(a, d);
    return record<T>("log_softmax", std::move(y), {x}, [d](const Backward<T>& b) {
      // dx = dy − exp(y) Σ dy
      const kernels::AxisSplit s = kernels::split_at(b.grad.shape(), d);
      const xt::xarray<T> total = sum_dim(b.grad, d);
      xt::xarray<T> dx = xt::exp(b.output());
      for (std::size_t o = 0; o < s.outer; ++o)
        for (std::size_t j = 0; j < s.n; ++j)
          for (std::size_t k = 0; k < s.inner; ++k) {
            const std::size_t i = (o * s.n + j) * s.inner + k;
            dx.data()[i] = b.grad.data()[i] - dx.data()[i] * total.data()[o * s.inner + k];
          }
      b.add(0, std::move(dx));
    });
  });
}

}  // namespace xgrad
