// Tensor's chaining methods, each a one-line call of the free function that does the work.
#include "xgrad/core/ops/elementwise.hpp"
#include "xgrad/core/ops/indexing.hpp"
#include "xgrad/core/ops/matmul.hpp"
#include "xgrad/core/ops/reduction.hpp"
#include "xgrad/core/ops/shape_ops.hpp"

namespace xgrad {

Tensor Tensor::matmul(const Tensor& other) const { return xgrad::matmul(*this, other); }
Tensor Tensor::pow(double exponent) const { return xgrad::pow(*this, exponent); }
Tensor Tensor::pow(const Tensor& exponent) const { return xgrad::pow(*this, exponent); }
Tensor Tensor::exp() const { return xgrad::exp(*this); }
Tensor Tensor::log() const { return xgrad::log(*this); }
Tensor Tensor::sqrt() const { return xgrad::sqrt(*this); }
Tensor Tensor::abs() const { return xgrad::abs(*this); }
Tensor Tensor::sin() const { return xgrad::sin(*this); }
Tensor Tensor::cos() const { return xgrad::cos(*this); }
Tensor Tensor::clamp(std::optional<double> min, std::optional<double> max) const {
  return xgrad::clamp(*this, min, max);
}
Tensor Tensor::sigmoid() const { return xgrad::sigmoid(*this); }
Tensor Tensor::tanh() const { return xgrad::tanh(*this); }
Tensor Tensor::relu() const { return xgrad::relu(*this); }
Tensor Tensor::softmax(std::int64_t dim) const { return xgrad::softmax(*this, dim); }
Tensor Tensor::log_softmax(std::int64_t dim) const { return xgrad::log_softmax(*this, dim); }
Tensor Tensor::sum() const { return xgrad::sum(*this); }
Tensor Tensor::sum(const std::vector<std::int64_t>& dims, bool keepdim) const {
  return xgrad::sum(*this, dims, keepdim);
}
Tensor Tensor::sum(std::int64_t dim, bool keepdim) const { return xgrad::sum(*this, dim, keepdim); }
Tensor Tensor::mean(std::int64_t dim, bool keepdim) const { return xgrad::mean(*this, dim, keepdim); }
Tensor Tensor::mean() const { return xgrad::mean(*this); }
Tensor Tensor::mean(const std::vector<std::int64_t>& dims, bool keepdim) const {
  return xgrad::mean(*this, dims, keepdim);
}
Tensor Tensor::max() const { return xgrad::max(*this); }
ValuesIndices Tensor::max(std::int64_t dim, bool keepdim) const { return xgrad::max(*this, dim, keepdim); }
Tensor Tensor::min() const { return xgrad::min(*this); }
ValuesIndices Tensor::min(std::int64_t dim, bool keepdim) const { return xgrad::min(*this, dim, keepdim); }
Tensor Tensor::argmax(std::int64_t dim, bool keepdim) const { return xgrad::argmax(*this, dim, keepdim); }
Tensor Tensor::argmin(std::int64_t dim, bool keepdim) const { return xgrad::argmin(*this, dim, keepdim); }
Tensor Tensor::reshape(const std::vector<std::int64_t>& shape) const { return xgrad::reshape(*this, shape); }
Tensor Tensor::flatten(std::int64_t start_dim, std::int64_t end_dim) const {
  return xgrad::flatten(*this, start_dim, end_dim);
}
Tensor Tensor::transpose(std::int64_t dim0, std::int64_t dim1) const { return xgrad::transpose(*this, dim0, dim1); }
Tensor Tensor::t() const { return xgrad::transpose(*this, 0, 1); }
Tensor Tensor::permute(const std::vector<std::int64_t>& dims) const { return xgrad::permute(*this, dims); }
Tensor Tensor::unsqueeze(std::int64_t dim) const { return xgrad::unsqueeze(*this, dim); }
Tensor Tensor::squeeze() const { return xgrad::squeeze(*this); }
Tensor Tensor::squeeze(std::int64_t dim) const { return xgrad::squeeze(*this, dim); }
Tensor Tensor::slice(std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step) const {
  return xgrad::slice(*this, dim, start, end, step);
}
Tensor Tensor::select(std::int64_t dim, std::int64_t index) const { return xgrad::select(*this, dim, index); }

}  // namespace xgrad
