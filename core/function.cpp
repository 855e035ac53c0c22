#include "xgrad/core/function.hpp"

#include "xgrad/core/detail/kernels.hpp"

namespace xgrad {

// The reducing half of sum_to, out of line: one instantiation per dtype instead of one per
// expression type, and core/detail stays out of the installed op kit.
template <class T>
xt::xarray<T> sum_to_shape(const xt::xarray<T>& g, const Shape& shape) {
  const std::size_t lead = g.dimension() - shape.size();
  std::vector<std::size_t> axes;
  for (std::size_t i = 0; i < g.dimension(); ++i)
    if (i < lead || (shape[i - lead] == 1 && g.shape()[i] != 1)) axes.push_back(i);
  xt::xarray<T> r = kernels::sum_axes(g, axes);
  r.reshape(shape);
  return r;
}

template xt::xarray<float> sum_to_shape(const xt::xarray<float>&, const Shape&);
template xt::xarray<double> sum_to_shape(const xt::xarray<double>&, const Shape&);

}  // namespace xgrad
