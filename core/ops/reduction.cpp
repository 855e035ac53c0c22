#include "xgrad/core/ops/reduction.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <xtensor/xbroadcast.hpp>
#include <xtensor/xmath.hpp>

#include "xgrad/core/detail/kernels.hpp"
#include "xgrad/core/function.hpp"

namespace xgrad {

namespace {
std::vector<std::size_t> reduce_axes(const char* op, const std::vector<std::int64_t>& dims, std::size_t ndim) {
  std::vector<std::size_t> axes;
  if (dims.empty()) {
    for (std::size_t i = 0; i < ndim; ++i) axes.push_back(i);
    return axes;
  }
  for (auto d : dims) {
    const std::size_t a = normalize_dim(op, d, ndim);
    if (std::find(axes.begin(), axes.end(), a) != axes.end()) fail(op, "dim ", d, " appears more than once");
    axes.push_back(a);
  }
  std::sort(axes.begin(), axes.end());
  return axes;
}

// The input shape with each reduced axis set to 1: what keepdim=true gives.
Shape kept_shape(Shape shape, const std::vector<std::size_t>& axes) {
  for (auto a : axes) shape[a] = 1;
  return shape;
}

Shape dropped_shape(const Shape& shape, const std::vector<std::size_t>& axes) {
  Shape out;
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) out.push_back(shape[i]);
  return out;
}

// Spreads a reduced gradient back over the input's shape, one reduced axis at a time as plain
// copies (xtensor's broadcasting assignment takes a few nanoseconds per element).
template <class T>
xt::xarray<T> expand_back(const xt::xarray<T>& g, const Shape& kept, const Shape& input) {
  if (g.size() == 1) {  // a full reduction: one value everywhere
    xt::xarray<T> r = xt::empty<T>(input);
    std::fill(r.begin(), r.end(), *g.data());
    return r;
  }
  xt::xarray<T> r = g;
  r.reshape(kept);
  for (std::size_t d = 0; d < input.size(); ++d) {
    if (r.shape()[d] == input[d]) continue;
    const kernels::AxisSplit s = kernels::split_at(r.shape(), d);  // s.n == 1
    Shape grown(r.shape().begin(), r.shape().end());
    grown[d] = input[d];
    xt::xarray<T> e = xt::empty<T>(grown);
    for (std::size_t o = 0; o < s.outer; ++o)
      for (std::size_t j = 0; j < input[d]; ++j)
        std::copy_n(r.data() + o * s.inner, s.inner, e.data() + (o * input[d] + j) * s.inner);
    r = std::move(e);
  }
  return r;
}

// Index of the first max (Sign = 1) or min (Sign = -1) along axis d; a NaN wins, as in PyTorch.
template <int Sign, class T>
xt::xarray<std::int64_t> arg_extreme(const xt::xarray<T>& a, std::size_t d) {
  const Shape shape = shape_of(a);
  std::size_t outer = 1, inner = 1;
  for (std::size_t i = 0; i < d; ++i) outer *= shape[i];
  for (std::size_t i = d + 1; i < shape.size(); ++i) inner *= shape[i];
  const std::size_t n = shape[d];
  Shape out_shape = shape;
  out_shape[d] = 1;
  xt::xarray<std::int64_t> idx = xt::empty<std::int64_t>(out_shape);
  const T* p = a.data();
  for (std::size_t o = 0; o < outer; ++o)
    for (std::size_t k = 0; k < inner; ++k) {
      const T* row = p + o * n * inner + k;
      std::size_t best = 0;
      for (std::size_t i = 1; i < n && !std::isnan(row[best * inner]); ++i) {
        const T v = row[i * inner];
        if (std::isnan(v) || (Sign > 0 ? v > row[best * inner] : v < row[best * inner])) best = i;
      }
      idx.data()[o * inner + k] = static_cast<std::int64_t>(best);
    }
  return idx;
}

template <int Sign>
Tensor extreme_all(const char* op, const Tensor& x) {
  return visit_float(op, x, [&]<class T>(const xt::xarray<T>& a) {
    if (a.size() == 0) fail(op, "cannot reduce an empty tensor of shape ", to_string(shape_of(a)));
    const T* p = a.data();
    // std::max_element skips NaN; the max of a tensor holding NaN is NaN, as in PyTorch.
    T best = p[0];
    for (std::size_t i = 1; i < a.size() && best == best; ++i)
      if (p[i] != p[i] || (Sign > 0 ? p[i] > best : p[i] < best)) best = p[i];
    xt::xarray<T> m(best);
    return record<T>(op, std::move(m), {x}, [](const Backward<T>& b) {
      const auto& a = b.input(0);
      const T value = b.output()();
      const xt::xarray<T> hit = xt::cast<T>(xt::equal(a, value) || (xt::isnan(a) && std::isnan(value)));
      b.add(0, hit * (b.grad() / std::accumulate(hit.begin(), hit.end(), T(0))));
    });
  });
}

template <int Sign>
ValuesIndices extreme_dim(const char* op, const Tensor& x, std::int64_t dim, bool keepdim) {
  return visit_float(op, x, [&]<class T>(const xt::xarray<T>& a) -> ValuesIndices {
    const std::size_t d = normalize_dim(op, dim, a.dimension());
    if (a.shape()[d] == 0) fail(op, "cannot reduce dim ", dim, " of size 0");
    xt::xarray<std::int64_t> idx = arg_extreme<Sign>(a, d);
    const Shape kept = shape_of(idx);
    // Pick a[..., idx, ...] along d: the values at the indices found.
    xt::xarray<T> values = xt::empty<T>(kept);
    const std::size_t n = a.shape()[d];
    std::size_t inner = 1;
    for (std::size_t i = d + 1; i < a.dimension(); ++i) inner *= a.shape()[i];
    for (std::size_t j = 0; j < idx.size(); ++j) {
      const std::size_t o = j / inner, k = j % inner;
      values.data()[j] = a.data()[(o * n + static_cast<std::size_t>(idx.data()[j])) * inner + k];
    }
    xt::xarray<std::int64_t> indices = idx;
    if (!keepdim) {
      values.reshape(dropped_shape(kept, {d}));
      indices.reshape(dropped_shape(kept, {d}));
    }
    Tensor v = record<T>(op, std::move(values), {x}, [idx, n, inner](const Backward<T>& b) {
      xt::xarray<T> g = xt::zeros<T>(b.input(0).shape());
      for (std::size_t j = 0; j < idx.size(); ++j) {
        const std::size_t o = j / inner, k = j % inner;
        g.data()[(o * n + static_cast<std::size_t>(idx.data()[j])) * inner + k] = b.grad.data()[j];
      }
      b.add(0, std::move(g));
    });
    return {std::move(v), constant<std::int64_t>(std::move(indices))};
  });
}

template <int Sign>
Tensor arg_dim(const char* op, const Tensor& x, std::int64_t dim, bool keepdim) {
  return visit_float(op, x, [&]<class T>(const xt::xarray<T>& a) {
    const std::size_t d = normalize_dim(op, dim, a.dimension());
    if (a.shape()[d] == 0) fail(op, "cannot reduce dim ", dim, " of size 0");
    xt::xarray<std::int64_t> idx = arg_extreme<Sign>(a, d);
    if (!keepdim) idx.reshape(dropped_shape(shape_of(idx), {d}));
    return constant<std::int64_t>(std::move(idx));
  });
}

template <int Sign>
Tensor arg_all(const char* op, const Tensor& x) {
  if (x.numel() == 0) fail(op, "cannot reduce an empty tensor");
  return arg_dim<Sign>(op, x.reshape({-1}), 0, false);
}
}  // namespace

Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  return visit_float("sum", x, [&]<class T>(const xt::xarray<T>& a) {
    const auto axes = reduce_axes("sum", dims, a.dimension());
    const Shape kept = kept_shape(shape_of(a), axes);
    xt::xarray<T> r = kernels::sum_axes(a, axes);
    r.reshape(keepdim ? kept : dropped_shape(shape_of(a), axes));
    return record<T>("sum", std::move(r), {x},
                     [kept](const Backward<T>& b) { b.add(0, expand_back(b.grad, kept, shape_of(b.input(0)))); });
  });
}

Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  return visit_float("mean", x, [&]<class T>(const xt::xarray<T>& a) {
    const auto axes = reduce_axes("mean", dims, a.dimension());
    const Shape kept = kept_shape(shape_of(a), axes);
    const std::size_t count = a.size() / std::max<std::size_t>(1, numel(dropped_shape(shape_of(a), axes)));
    if (count == 0) fail("mean", "cannot average over an empty dim of shape ", to_string(shape_of(a)));
    const T n = static_cast<T>(count);
    xt::xarray<T> r = kernels::sum_axes(a, axes);
    r /= n;
    r.reshape(keepdim ? kept : dropped_shape(shape_of(a), axes));
    return record<T>("mean", std::move(r), {x}, [kept, n](const Backward<T>& b) {
      b.add(0, expand_back(xt::xarray<T>(b.grad / n), kept, shape_of(b.input(0))));
    });
  });
}

Tensor max(const Tensor& x) { return extreme_all<1>("max", x); }
Tensor min(const Tensor& x) { return extreme_all<-1>("min", x); }
Tensor sum(const Tensor& x, std::int64_t dim, bool keepdim) { return sum(x, std::vector<std::int64_t>{dim}, keepdim); }
Tensor mean(const Tensor& x, std::int64_t dim, bool keepdim) {
  return mean(x, std::vector<std::int64_t>{dim}, keepdim);
}
ValuesIndices max(const Tensor& x, std::int64_t dim, bool keepdim) { return extreme_dim<1>("max", x, dim, keepdim); }
ValuesIndices min(const Tensor& x, std::int64_t dim, bool keepdim) { return extreme_dim<-1>("min", x, dim, keepdim); }
Tensor argmax(const Tensor& x) { return arg_all<1>("argmax", x); }
Tensor argmin(const Tensor& x) { return arg_all<-1>("argmin", x); }
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim) { return arg_dim<1>("argmax", x, dim, keepdim); }
Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim) { return arg_dim<-1>("argmin", x, dim, keepdim); }

}  // namespace xgrad
