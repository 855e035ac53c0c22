#include "xgrad/core/ops/matmul.hpp"

#include <algorithm>

#include "xgrad/core/detail/gemm.hpp"
#include "xgrad/core/function.hpp"
#include "xgrad/core/ops/shape_ops.hpp"

namespace xgrad {

namespace {
using detail::gemm;

// Which matrix of an operand each matrix of the broadcast batch reads: index j of the batch
// `full` maps to matrix offsets[j] of an operand with batch shape `own`.
std::vector<std::size_t> batch_offsets(const Shape& full, const Shape& own) {
  const std::size_t count = numel(full), lead = full.size() - own.size();
  std::vector<std::size_t> offsets(count);
  for (std::size_t j = 0; j < count; ++j) {
    std::size_t rest = j, offset = 0, stride = 1;
    for (std::size_t i = full.size(); i-- > 0;) {
      const std::size_t coord = rest % full[i];
      rest /= full[i];
      if (i >= lead) {
        const std::size_t size = own[i - lead];
        offset += (size == 1 ? 0 : coord) * stride;
        stride *= size;
      }
    }
    offsets[j] = offset;
  }
  return offsets;
}

struct Plan {
  std::size_t n, k, m;                    // (n, k) @ (k, m)
  std::vector<std::size_t> a_off, b_off;  // per batch entry, in matrices
  bool a_whole, b_whole;                  // operand covers the whole batch: no accumulation
};

Tensor matmul_nd(const Tensor& a, const Tensor& b) {
  const Shape sa = a.shape(), sb = b.shape();
  if (sa[sa.size() - 1] != sb[sb.size() - 2])
    fail("matmul", "inner dimensions differ: ", to_string(sa), " @ ", to_string(sb));
  const Shape ba(sa.begin(), sa.end() - 2), bb(sb.begin(), sb.end() - 2);
  const Shape batch = broadcast_shapes("matmul", ba, bb);
  Plan p{sa[sa.size() - 2],
         sa.back(),
         sb.back(),
         batch_offsets(batch, ba),
         batch_offsets(batch, bb),
         numel(ba) == numel(batch),
         numel(bb) == numel(batch)};
  Shape out_shape = batch;
  out_shape.push_back(p.n);
  out_shape.push_back(p.m);
  return visit_float("matmul", a, b, [&]<class T>(const xt::xarray<T>& x, const xt::xarray<T>& y) {
    xt::xarray<T> out = xt::empty<T>(out_shape);
    for (std::size_t j = 0; j < p.a_off.size(); ++j)
      gemm(false, false, p.n, p.m, p.k, x.data() + p.a_off[j] * p.n * p.k, y.data() + p.b_off[j] * p.k * p.m, T(0),
           out.data() + j * p.n * p.m);
    return record<T>("matmul", std::move(out), {a, b}, [p](const Backward<T>& g) {
      const auto& x = g.input(0);
      const auto& y = g.input(1);
      const T* dy = g.grad.data();
      // An operand broadcast over the batch sums its gradients: start from zeros, beta = 1.
      if (g.needs(0)) {  // dA = dC Bᵀ
        xt::xarray<T> da = p.a_whole ? xt::xarray<T>(xt::empty<T>(x.shape())) : xt::xarray<T>(xt::zeros<T>(x.shape()));
        for (std::size_t j = 0; j < p.a_off.size(); ++j)
          gemm(false, true, p.n, p.k, p.m, dy + j * p.n * p.m, y.data() + p.b_off[j] * p.k * p.m, T(p.a_whole ? 0 : 1),
               da.data() + p.a_off[j] * p.n * p.k);
        g.add(0, std::move(da));
      }
      if (g.needs(1)) {  // dB = Aᵀ dC
        xt::xarray<T> db = p.b_whole ? xt::xarray<T>(xt::empty<T>(y.shape())) : xt::xarray<T>(xt::zeros<T>(y.shape()));
        for (std::size_t j = 0; j < p.b_off.size(); ++j)
          gemm(true, false, p.k, p.m, p.n, x.data() + p.a_off[j] * p.n * p.k, dy + j * p.n * p.m, T(p.b_whole ? 0 : 1),
               db.data() + p.b_off[j] * p.k * p.m);
        g.add(1, std::move(db));
      }
    });
  });
}
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined()) fail("matmul", "an operand is undefined");
  if (a.dim() == 0 || b.dim() == 0)
    fail("matmul", "both operands need at least one dimension, got shapes ", to_string(a.shape()), " and ",
         to_string(b.shape()));
  // 1-D operands: a row vector on the left, a column on the right, squeezed out afterwards.
  if (a.dim() == 1 && b.dim() == 1) {
    if (a.shape()[0] != b.shape()[0])
      fail("matmul", "inner dimensions differ: ", to_string(a.shape()), " @ ", to_string(b.shape()));
    return reshape(matmul_nd(unsqueeze(a, 0), unsqueeze(b, 1)), {});
  }
  if (a.dim() == 1) {
    if (a.shape()[0] != b.shape()[b.dim() - 2])
      fail("matmul", "inner dimensions differ: ", to_string(a.shape()), " @ ", to_string(b.shape()));
    return squeeze(matmul_nd(unsqueeze(a, 0), b), -2);
  }
  if (b.dim() == 1) {
    if (a.shape().back() != b.shape()[0])
      fail("matmul", "inner dimensions differ: ", to_string(a.shape()), " @ ", to_string(b.shape()));
    return squeeze(matmul_nd(a, unsqueeze(b, 1)), -1);
  }
  return matmul_nd(a, b);
}

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  if (!input.defined() || !weight.defined()) fail("linear", "the input or the weight is undefined");
  if (weight.dim() != 2)
    fail("linear", "the weight must be 2-D (out_features, in_features), got shape ", to_string(weight.shape()));
  const Shape xs = input.shape();
  const std::size_t out = weight.shape()[0], in = weight.shape()[1];
  if (xs.empty() || xs.back() != in)
    fail("linear", "the input has shape ", to_string(xs), " but the weight ", to_string(weight.shape()), " takes ", in,
         " features; the input's last dim must be ", in);
  if (bias.defined() && bias.shape() != Shape{out})
    fail("linear", "the bias has shape ", to_string(bias.shape()), " but the weight ", to_string(weight.shape()),
         " needs (", out, ")");
  if (bias.defined() && bias.dtype() != weight.dtype())
    fail("linear", "dtype mismatch: the weight is ", weight.dtype(), " but the bias is ", bias.dtype());
  const std::size_t rows = numel(Shape(xs.begin(), xs.end() - 1));
  Shape ys = xs;
  ys.back() = out;
  std::vector<Tensor> inputs{input, weight};
  if (bias.defined()) inputs.push_back(bias);
  return visit_float("linear", input, weight, [&]<class T>(const xt::xarray<T>& x, const xt::xarray<T>& w) {
    xt::xarray<T> y = xt::empty<T>(ys);
    if (bias.defined()) {
      const T* b = bias.data<T>().data();
      for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t j = 0; j < out; ++j) y.data()[r * out + j] = b[j];
    }
    gemm(false, true, rows, out, in, x.data(), w.data(), T(bias.defined() ? 1 : 0), y.data());  // y (+)= x Wᵀ
    return record<T>("linear", std::move(y), inputs, [rows, in, out](const Backward<T>& g) {
      const T* dy = g.grad.data();
      if (g.needs(0)) {  // dx = dy W
        xt::xarray<T> dx = xt::empty<T>(g.input(0).shape());
        gemm(false, false, rows, in, out, dy, g.input(1).data(), T(0), dx.data());
        g.add(0, std::move(dx));
      }
      if (g.needs(1)) {  // dW = dyᵀ x
        xt::xarray<T> dw = xt::empty<T>(g.input(1).shape());
        gemm(true, false, out, in, rows, dy, g.input(0).data(), T(0), dw.data());
        g.add(1, std::move(dw));
      }
      if (g.node.inputs().size() > 2 && g.needs(2)) {  // db = dy summed over the rows, in row order
        xt::xarray<T> db = xt::zeros<T>(Shape{out});
        for (std::size_t r = 0; r < rows; ++r)
          for (std::size_t j = 0; j < out; ++j) db.data()[j] += dy[r * out + j];
        g.add(2, std::move(db));
      }
    });
  });
}

}  // namespace xgrad
