#pragma once
// Array-level loops shared by the ops. xtensor's lazy reducers are slow along leading axes (4 ms
// for a 1024x1024 column sum) and its immediate ones crash when reducing to 0-d, so reductions run
// through these: one axis at a time as an (outer, n, inner) loop whose innermost loop is
// contiguous and vectorizes. simd_map is the elementwise loop of the fused ops.
#include <algorithm>
#include <array>
#include <cstddef>
#include <vector>
#include <xsimd/xsimd.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xmath.hpp>

#include "xgrad/core/shape.hpp"

namespace xgrad::kernels {

// out[i] = f(in[i]...) for i in [begin, end), over SIMD batches; a partial last batch goes
// through a zero-padded one, so that every element gets the same arithmetic.
template <class T, class F, class... In>
void simd_map(std::size_t begin, std::size_t end, T* out, F f, const In*... in) {
  using Batch = xsimd::batch<T>;
  std::size_t i = begin;
  for (; i + Batch::size <= end; i += Batch::size) f(Batch::load_unaligned(in + i)...).store_unaligned(out + i);
  if (i == end) return;
  auto padded = [&](const T* p) {
    std::array<T, Batch::size> a{};
    std::copy(p + i, p + end, a.begin());
    return Batch::load_unaligned(a.data());
  };
  std::array<T, Batch::size> r;
  f(padded(in)...).store_unaligned(r.data());
  std::copy(r.begin(), r.begin() + (end - i), out + i);
}

// (outer, n, inner) sizes of an array seen around axis d.
struct AxisSplit {
  std::size_t outer = 1, n = 1, inner = 1;
};
template <class S>
AxisSplit split_at(const S& shape, std::size_t d) {
  AxisSplit s;
  for (std::size_t i = 0; i < shape.size(); ++i) (i < d ? s.outer : i == d ? s.n : s.inner) *= shape[i];
  return s;
}

// Reduces axis d with op, keeping it as size 1; `empty` is the result when the axis has size 0.
template <class T, class Op>
xt::xarray<T> reduce_dim(const xt::xarray<T>& a, std::size_t d, T empty, Op op) {
  const AxisSplit s = split_at(a.shape(), d);
  Shape out_shape(a.shape().begin(), a.shape().end());
  out_shape[d] = 1;
  xt::xarray<T> out = xt::empty<T>(out_shape);
  if (s.n == 1) {  // nothing to reduce: a copy
    std::copy(a.data(), a.data() + a.size(), out.data());
    return out;
  }
  if (s.inner == 1) {  // contiguous rows: accumulate in a register, in the same order
    for (std::size_t o = 0; o < s.outer; ++o) {
      const T* src = a.data() + o * s.n;
      T acc = s.n == 0 ? empty : src[0];
      for (std::size_t j = 1; j < s.n; ++j) acc = op(acc, src[j]);
      out.data()[o] = acc;
    }
    return out;
  }
  for (std::size_t o = 0; o < s.outer; ++o) {
    T* dst = out.data() + o * s.inner;
    const T* src = a.data() + o * s.n * s.inner;
    if (s.n == 0)
      std::fill_n(dst, s.inner, empty);
    else
      std::copy_n(src, s.inner, dst);
    for (std::size_t j = 1; j < s.n; ++j)
      for (std::size_t k = 0; k < s.inner; ++k) dst[k] = op(dst[k], src[j * s.inner + k]);
  }
  return out;
}

template <class T>
xt::xarray<T> sum_dim(const xt::xarray<T>& a, std::size_t d) {
  return reduce_dim(a, d, T(0), [](T x, T y) { return x + y; });
}

template <class T>
xt::xarray<T> max_dim(const xt::xarray<T>& a, std::size_t d) {
  return reduce_dim(a, d, T(0), [](T x, T y) { return y > x || y != y ? y : x; });  // a NaN wins
}

// log_softmax along axis d: a - max - log(sum(exp(a - max))), as loops over (outer, n, inner)
// rather than broadcasting expressions: xtensor evaluates a broadcast element by element, which
// took a libm log per element (the same log n times over). exp runs vectorized on the whole
// array; each row's log of its sum is taken once. log_softmax and the fused cross_entropy share it,
// so their values agree to the bit.
template <class T>
xt::xarray<T> log_softmax_dim(const xt::xarray<T>& a, std::size_t d) {
  const AxisSplit s = split_at(a.shape(), d);
  const xt::xarray<T> m = max_dim(a, d);  // (outer, 1, inner)
  xt::xarray<T> y = xt::empty<T>(a.shape());
  for (std::size_t o = 0; o < s.outer; ++o)
    for (std::size_t j = 0; j < s.n; ++j)
      for (std::size_t k = 0; k < s.inner; ++k)
        y.data()[(o * s.n + j) * s.inner + k] = a.data()[(o * s.n + j) * s.inner + k] - m.data()[o * s.inner + k];
  const xt::xarray<T> lse = xt::log(sum_dim(xt::xarray<T>(xt::exp(y)), d));
  for (std::size_t o = 0; o < s.outer; ++o)
    for (std::size_t j = 0; j < s.n; ++j)
      for (std::size_t k = 0; k < s.inner; ++k) y.data()[(o * s.n + j) * s.inner + k] -= lse.data()[o * s.inner + k];
  return y;
}

// Sum over the given axes, each kept as size 1.
template <class T>
xt::xarray<T> sum_axes(const xt::xarray<T>& a, std::vector<std::size_t> axes) {
  if (axes.empty()) return a;
  std::sort(axes.begin(), axes.end());
  xt::xarray<T> r = sum_dim(a, axes.back());
  for (auto it = axes.rbegin() + 1; it != axes.rend(); ++it) r = sum_dim(r, *it);
  return r;
}

// The entries `rows` of the middle axis of `a` seen as (outer, n, inner), in that order, into
// `out` seen as (outer, rows.size(), inner). Any axis split works: one axis (take_rows below) or
// several leading axes seen as one (index_select_flat), so no reshape copies `a` first.
template <class T>
void take_rows(const T* a, const AxisSplit& s, const std::vector<std::size_t>& rows, T* out) {
  if (s.inner == 1) {  // a column (select on the last dim): a copy_n per element would be a call each
    for (std::size_t o = 0; o < s.outer; ++o)
      for (std::size_t r = 0; r < rows.size(); ++r) out[o * rows.size() + r] = a[o * s.n + rows[r]];
    return;
  }
  for (std::size_t o = 0; o < s.outer; ++o)
    for (std::size_t r = 0; r < rows.size(); ++r)
      std::copy_n(a + (o * s.n + rows[r]) * s.inner, s.inner, out + (o * rows.size() + r) * s.inner);
}

// The reverse: adds `src` (outer, rows.size(), inner) into entries `rows` of `dst` (outer, n,
// inner), so a row taken twice receives both gradients.
template <class T>
void add_rows(T* dst, const AxisSplit& s, const std::vector<std::size_t>& rows, const T* src) {
  if (s.inner == 1) {
    for (std::size_t o = 0; o < s.outer; ++o)
      for (std::size_t r = 0; r < rows.size(); ++r) dst[o * s.n + rows[r]] += src[o * rows.size() + r];
    return;
  }
  for (std::size_t o = 0; o < s.outer; ++o)
    for (std::size_t r = 0; r < rows.size(); ++r) {
      T* to = dst + (o * s.n + rows[r]) * s.inner;
      const T* from = src + (o * rows.size() + r) * s.inner;
      for (std::size_t k = 0; k < s.inner; ++k) to[k] += from[k];
    }
}

// The entries `rows` of axis d, in that order: shape of `a` with axis d of size rows.size().
template <class T>
xt::xarray<T> take_rows(const xt::xarray<T>& a, std::size_t d, const std::vector<std::size_t>& rows) {
  Shape out_shape(a.shape().begin(), a.shape().end());
  out_shape[d] = rows.size();
  xt::xarray<T> out = xt::empty<T>(out_shape);
  take_rows(a.data(), split_at(a.shape(), d), rows, out.data());
  return out;
}

// Adds `src`'s entries along axis d into entries `rows` of `dst`.
template <class T>
void add_rows(xt::xarray<T>& dst, std::size_t d, const std::vector<std::size_t>& rows, const xt::xarray<T>& src) {
  add_rows(dst.data(), split_at(dst.shape(), d), rows, src.data());
}

// start, start + step, ... below end.
inline std::vector<std::size_t> row_range(std::size_t start, std::size_t end, std::size_t step = 1) {
  std::vector<std::size_t> rows;
  for (std::size_t i = start; i < end; i += step) rows.push_back(i);
  return rows;
}

}  // namespace xgrad::kernels
