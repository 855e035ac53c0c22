#include "xgrad/core/ops/shape_ops.hpp"

#include <algorithm>
#include <xtensor/xmanipulation.hpp>

#include "xgrad/core/function.hpp"

namespace xgrad {

namespace {
// Every shape change here moves no element relative to row-major order, so forward and
// backward are the same copy into another shape.
Tensor reshaped(const char* op, const Tensor& x, Shape shape) {
  return visit_float(op, x, [&]<class T>(const xt::xarray<T>& a) {
    xt::xarray<T> out = a;
    out.reshape(shape);
    return record<T>(op, std::move(out), {x}, [](const Backward<T>& b) {
      xt::xarray<T> g = b.grad;
      g.reshape(b.input(0).shape());
      b.add(0, std::move(g));
    });
  });
}
}  // namespace

Tensor reshape(const Tensor& x, const std::vector<std::int64_t>& shape) {
  const std::size_t total = x.numel();
  Shape out(shape.size());
  std::size_t known = 1;
  std::ptrdiff_t infer = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) fail("reshape", "only one dimension can be -1");
      infer = static_cast<std::ptrdiff_t>(i);
    } else if (shape[i] < 0) {
      fail("reshape", "invalid size ", shape[i], " at dim ", i);
    } else {
      out[i] = static_cast<std::size_t>(shape[i]);
      known *= out[i];
    }
  }
  if (infer >= 0 && known != 0 && total % known == 0) out[static_cast<std::size_t>(infer)] = total / known;
  if (numel(out) != total || (infer >= 0 && known == 0)) {
    std::string wanted = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) wanted += (i ? ", " : "") + std::to_string(shape[i]);
    fail("reshape", "shape ", wanted, ") is invalid for a tensor of shape ", to_string(x.shape()), " (", total,
         " elements)");
  }
  if (x.dtype() == kInt64) {  // indices reshape too, without a gradient
    xt::xarray<std::int64_t> a = x.data<std::int64_t>();
    a.reshape(out);
    return Tensor(Storage(std::move(a)));
  }
  return reshaped("reshape", x, std::move(out));
}

Tensor flatten(const Tensor& x, std::int64_t start_dim, std::int64_t end_dim) {
  if (x.dim() == 0) return reshape(x, {1});
  const std::size_t s = normalize_dim("flatten", start_dim, x.dim());
  const std::size_t e = normalize_dim("flatten", end_dim, x.dim());
  if (s > e) fail("flatten", "start_dim ", start_dim, " comes after end_dim ", end_dim);
  const Shape in = x.shape();
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < in.size(); ++i)
    if (i <= s || i > e) out.push_back(i == s ? -1 : static_cast<std::int64_t>(in[i]));
  return reshape(x, out);
}

namespace {
// a's elements in the order of its permuted dims, as a new row-major array. Assigning xtensor's
// transpose view goes element by element through a stepper (3-4 ns each at 5-D: tiny YOLO's head
// permute took 4% of a training step); this walks the output in order and the input by strides.
template <class T>
xt::xarray<T> permuted(const xt::xarray<T>& a, const std::vector<std::size_t>& perm) {
  const std::size_t n = perm.size();
  if (n == 0) return a;
  std::vector<std::size_t> a_stride(n), stride(n), index(n, 0);
  for (std::size_t i = n, s = 1; i-- > 0; s *= a.shape()[i]) a_stride[i] = s;
  Shape shape(n);
  for (std::size_t i = 0; i < n; ++i) shape[i] = a.shape()[perm[i]], stride[i] = a_stride[perm[i]];
  xt::xarray<T> out = xt::empty<T>(shape);
  const std::size_t inner = shape[n - 1], inner_stride = stride[n - 1];
  if (out.size() == 0) return out;
  const T* src = a.data();
  T* dst = out.data();
  for (std::size_t row = 0, rows = out.size() / inner, offset = 0; row < rows; ++row, dst += inner) {
    for (std::size_t j = 0; j < inner; ++j) dst[j] = src[offset + j * inner_stride];
    for (std::size_t d = n - 1; d-- > 0;) {  // the next row: an odometer over the outer dims
      offset += stride[d];
      if (++index[d] < shape[d]) break;
      offset -= stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}
}  // namespace

Tensor permute(const Tensor& x, const std::vector<std::int64_t>& dims) {
  const std::size_t n = x.dim();
  if (dims.size() != n)
    fail("permute", "got ", dims.size(), " dims for a tensor with ", n, " dimensions, shape ", to_string(x.shape()));
  std::vector<std::size_t> perm(n), inverse(n, n);
  for (std::size_t i = 0; i < n; ++i) {
    perm[i] = normalize_dim("permute", dims[i], n);
    if (inverse[perm[i]] != n) fail("permute", "dim ", dims[i], " appears more than once");
    inverse[perm[i]] = i;
  }
  return visit_float("permute", x, [&]<class T>(const xt::xarray<T>& a) {
    return record<T>("permute", permuted(a, perm), {x},
                     [inverse](const Backward<T>& b) { b.add(0, permuted(b.grad, inverse)); });
  });
}

Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1) {
  const std::size_t n = x.dim();
  std::vector<std::int64_t> perm(n);
  for (std::size_t i = 0; i < n; ++i) perm[i] = static_cast<std::int64_t>(i);
  std::swap(perm[normalize_dim("transpose", dim0, n)], perm[normalize_dim("transpose", dim1, n)]);
  return permute(x, perm);
}

Tensor unsqueeze(const Tensor& x, std::int64_t dim) {
  Shape shape = x.shape();
  const std::size_t d = normalize_dim("unsqueeze", dim, shape.size() + 1);
  shape.insert(shape.begin() + static_cast<std::ptrdiff_t>(d), 1);
  return reshaped("unsqueeze", x, std::move(shape));
}

Tensor squeeze(const Tensor& x) {
  Shape shape;
  for (auto s : x.shape())
    if (s != 1) shape.push_back(s);
  return reshaped("squeeze", x, std::move(shape));
}

Tensor squeeze(const Tensor& x, std::int64_t dim) {
  Shape shape = x.shape();
  const std::size_t d = normalize_dim("squeeze", dim, shape.size());
  if (shape[d] == 1) shape.erase(shape.begin() + static_cast<std::ptrdiff_t>(d));
  return reshaped("squeeze", x, std::move(shape));
}

}  // namespace xgrad
