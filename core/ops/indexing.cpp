#include "xgrad/core/ops/indexing.hpp"

#include <algorithm>
#include <string>

#include "xgrad/core/detail/kernels.hpp"
#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/shape_ops.hpp"

namespace xgrad {

namespace {
// Takes entries `rows` of the middle axis of x seen as (outer, n, inner) = s, giving `out_shape`
// (slice, select, index_select: s splits x around one axis; index_select_flat: its leading axes
// seen as one, without a reshape's copy of x); the backward adds the gradient back into those
// entries of zeros shaped like x.
Tensor take(const char* op, const Tensor& x, kernels::AxisSplit s, std::vector<std::size_t> rows, Shape out_shape) {
  if (x.defined() && x.dtype() == kInt64) {  // indices and labels: the same rows, no gradient
    xt::xarray<std::int64_t> out = xt::empty<std::int64_t>(out_shape);
    kernels::take_rows(x.data<std::int64_t>().data(), s, rows, out.data());
    return constant<std::int64_t>(std::move(out));
  }
  return visit_float(op, x, [&]<class T>(const xt::xarray<T>& a) {
    xt::xarray<T> out = xt::empty<T>(out_shape);
    kernels::take_rows(a.data(), s, rows, out.data());
    return record<T>(op, std::move(out), {x}, [s, rows](const Backward<T>& b) {
      xt::xarray<T> g = xt::zeros<T>(b.input(0).shape());
      kernels::add_rows(g.data(), s, rows, b.grad.data());  // b.grad is row-major: (outer, rows, inner)
      b.add(0, std::move(g));
    });
  });
}

// take along axis d; `keep_dim` false drops it (select).
Tensor take(const char* op, const Tensor& x, std::size_t d, std::vector<std::size_t> rows, bool keep_dim = true) {
  Shape out_shape = x.shape();
  out_shape[d] = rows.size();
  if (!keep_dim) out_shape.erase(out_shape.begin() + static_cast<std::ptrdiff_t>(d));
  return take(op, x, kernels::split_at(x.shape(), d), std::move(rows), std::move(out_shape));
}

// Row-major strides of a shape (xtensor's own are 0 along dims of size 1).
Shape strides_of(const Shape& shape) {
  Shape s(shape.size(), 1);
  for (std::size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

const xt::xarray<std::int64_t>& indices(const char* op, const Tensor& index) {
  if (!index.defined() || index.dtype() != kInt64)
    fail(op, "the index must be an int64 tensor, got ", index.defined() ? dtype_name(index.dtype()) : "undefined");
  return index.data<std::int64_t>();
}

std::size_t checked_index(const char* op, std::int64_t i, std::size_t size, std::size_t dim) {
  const auto n = static_cast<std::int64_t>(size);
  if (i < -n || i >= n) fail(op, "index ", i, " is out of range for dim ", dim, " of size ", size);
  return static_cast<std::size_t>(i < 0 ? i + n : i);
}
}  // namespace

Tensor slice(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step) {
  const std::size_t d = normalize_dim("slice", dim, x.dim());
  if (step <= 0) fail("slice", "step must be positive, got ", step);
  const auto n = static_cast<std::int64_t>(x.shape()[d]);
  auto clamp_index = [n](std::int64_t i) { return std::clamp(i < 0 ? i + n : i, std::int64_t{0}, n); };
  const std::int64_t s = clamp_index(start), e = std::max(clamp_index(end), s);
  return take("slice", x, d, kernels::row_range(std::size_t(s), std::size_t(e), std::size_t(step)));
}

Tensor select(const Tensor& x, std::int64_t dim, std::int64_t index) {
  const std::size_t d = normalize_dim("select", dim, x.dim());
  return take("select", x, d, {checked_index("select", index, x.shape()[d], d)}, /*keep_dim=*/false);
}

Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim) {
  if (tensors.empty()) fail("cat", "needs at least one tensor");
  const Shape first = tensors[0].shape();
  const std::size_t d = normalize_dim("cat", dim, first.size());
  Shape out_shape = first;
  out_shape[d] = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    Shape s = tensors[i].shape();
    if (tensors[i].dtype() != tensors[0].dtype())
      fail("cat", "tensor ", i, " is ", tensors[i].dtype(), " but tensor 0 is ", tensors[0].dtype());
    const std::size_t len = s.size() == first.size() ? s[d] : 0;
    if (s.size() == first.size()) s[d] = first[d];
    if (s != first)
      fail("cat", "tensor ", i, " has shape ", to_string(tensors[i].shape()), " but tensor 0 has ", to_string(first),
           "; all dims but ", dim, " must match");
    out_shape[d] += len;
  }
  // Input i fills entries offsets[i] .. offsets[i+1] of axis d.
  std::vector<std::size_t> offsets{0};
  for (const Tensor& t : tensors) offsets.push_back(offsets.back() + t.shape()[d]);
  return visit_float("cat", tensors[0], [&]<class T>(const xt::xarray<T>&) {
    xt::xarray<T> out = xt::zeros<T>(out_shape);
    for (std::size_t i = 0; i < tensors.size(); ++i)
      kernels::add_rows(out, d, kernels::row_range(offsets[i], offsets[i + 1]), tensors[i].data<T>());
    return record<T>("cat", std::move(out), tensors, [offsets, d](const Backward<T>& b) {
      for (std::size_t i = 0; i + 1 < offsets.size(); ++i)
        if (b.needs(i)) b.add(i, kernels::take_rows(b.grad, d, kernels::row_range(offsets[i], offsets[i + 1])));
    });
  });
}

Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim) {
  if (tensors.empty()) fail("stack", "needs at least one tensor");
  const std::size_t d = normalize_dim("stack", dim, tensors[0].dim() + 1);
  for (std::size_t i = 1; i < tensors.size(); ++i)
    if (tensors[i].shape() != tensors[0].shape())
      fail("stack", "tensor ", i, " has shape ", to_string(tensors[i].shape()), " but tensor 0 has ",
           to_string(tensors[0].shape()), "; stack needs equal shapes");
  std::vector<Tensor> parts;
  for (const Tensor& t : tensors) parts.push_back(unsqueeze(t, static_cast<std::int64_t>(d)));
  return cat(parts, static_cast<std::int64_t>(d));
}

Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index) {
  const auto& idx = indices("gather", index);
  const Shape in_shape = x.shape(), idx_shape = index.shape();
  const std::size_t d = normalize_dim("gather", dim, in_shape.size());
  if (idx_shape.size() != in_shape.size())
    fail("gather", "index has shape ", to_string(idx_shape), " but the input has shape ", to_string(in_shape),
         "; they need the same number of dims");
  for (std::size_t i = 0; i < in_shape.size(); ++i)
    if (i != d && idx_shape[i] > in_shape[i])
      fail("gather", "index shape ", to_string(idx_shape), " exceeds input shape ", to_string(in_shape), " at dim ", i);
  // The flat position in x of every index entry, computed once and shared by forward and backward.
  const Shape in_strides = strides_of(in_shape), idx_strides = strides_of(idx_shape);
  std::vector<std::size_t> pos(idx.size());
  for (std::size_t j = 0; j < idx.size(); ++j) {
    std::size_t p = 0;
    for (std::size_t k = 0; k < idx_shape.size(); ++k) {
      const std::size_t coord = (j / idx_strides[k]) % idx_shape[k];
      p += (k == d ? checked_index("gather", idx.data()[j], in_shape[d], d) : coord) * in_strides[k];
    }
    pos[j] = p;
  }
  return visit_float("gather", x, [&]<class T>(const xt::xarray<T>& a) {
    xt::xarray<T> out = xt::empty<T>(idx_shape);
    for (std::size_t j = 0; j < pos.size(); ++j) out.data()[j] = a.data()[pos[j]];
    return record<T>("gather", std::move(out), {x}, [pos](const Backward<T>& b) {
      xt::xarray<T> g = xt::zeros<T>(b.input(0).shape());
      for (std::size_t j = 0; j < pos.size(); ++j) g.data()[pos[j]] += b.grad.data()[j];
      b.add(0, std::move(g));
    });
  });
}

Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index) {
  const auto& idx = indices("index_select", index);
  if (index.dim() != 1) fail("index_select", "the index must be 1-D, got shape ", to_string(index.shape()));
  const std::size_t d = normalize_dim("index_select", dim, x.dim());
  std::vector<std::size_t> rows;
  for (auto i : idx) rows.push_back(checked_index("index_select", i, x.shape()[d], d));
  return take("index_select", x, d, std::move(rows));
}

Tensor index_select_flat(const Tensor& x, std::int64_t end_dim, const Tensor& index) {
  const char* op = "index_select_flat";
  const auto& idx = indices(op, index);
  if (index.dim() != 1) fail(op, "the index must be 1-D, got shape ", to_string(index.shape()));
  if (x.dim() == 0) fail(op, "needs at least one dim, got a 0-d tensor");
  const std::size_t e = normalize_dim(op, end_dim, x.dim());
  const Shape in = x.shape();
  kernels::AxisSplit flat{1, 1, 1};  // (1, x.shape[0] * ... * x.shape[e], the rest)
  for (std::size_t i = 0; i < in.size(); ++i) (i <= e ? flat.n : flat.inner) *= in[i];
  std::vector<std::size_t> rows;
  const auto n = static_cast<std::int64_t>(flat.n);
  for (auto i : idx) {
    if (i < -n || i >= n)
      fail(op, "index ", i, " is out of range for dims 0 to ", e, " of shape ", to_string(in), " seen as one of size ",
           n);
    rows.push_back(static_cast<std::size_t>(i < 0 ? i + n : i));
  }
  Shape out_shape{rows.size()};
  out_shape.insert(out_shape.end(), in.begin() + static_cast<std::ptrdiff_t>(e) + 1, in.end());
  return take(op, x, flat, std::move(rows), std::move(out_shape));
}

Tensor one_hot(const Tensor& labels, std::size_t num_classes, Dtype dtype) {
  if (!labels.defined() || labels.dtype() != kInt64 || labels.dim() != 1)
    fail("one_hot", "expected int64 labels of shape (N), got ",
         labels.defined() ? to_string(labels.shape()) + " " + dtype_name(labels.dtype()) : std::string("undefined"));
  const auto& y = labels.data<std::int64_t>();
  xt::xarray<double> out = xt::zeros<double>(Shape{y.size(), num_classes});
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (y(i) < 0 || std::size_t(y(i)) >= num_classes)
      fail("one_hot", "label ", i, " is ", y(i), "; classes are 0 to ", num_classes - 1);
    out(i, std::size_t(y(i))) = 1.0;
  }
  return Tensor(Storage(std::move(out))).to(dtype);
}

}  // namespace xgrad
