#pragma once
// Tensor: a shared handle to an xt::xarray of float32, float64 or int64, plus the autograd state
// (requires_grad, the accumulated gradient, and the Node that produced it). Copying a Tensor
// copies the handle, as in PyTorch.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <variant>
#include <vector>
#include <xtensor/xarray.hpp>

#include "xgrad/core/dtype.hpp"
#include "xgrad/core/error.hpp"
#include "xgrad/core/shape.hpp"

namespace xgrad {

class Node;
class HookHandle;  // core/hooks.hpp
namespace detail {
struct HookTable;  // core/hooks.hpp
}

using Storage = std::variant<xt::xarray<float>, xt::xarray<double>, xt::xarray<std::int64_t>>;

struct TensorImpl {
  explicit TensorImpl(Storage d) : data(std::move(d)) {}
  // Builds the array in place: every op's result comes this way, and each move of an xt::xarray
  // swaps three small shape vectors (a tenth of a 4x4 op's time).
  template <class T>
  explicit TensorImpl(xt::xarray<T>&& a) : data(std::in_place_type<xt::xarray<T>>, std::move(a)) {}
  Storage data;
  std::shared_ptr<TensorImpl> grad;  // accumulated by backward(): leaves and retain_grad() only
  std::shared_ptr<Node> grad_fn;     // the op that produced this tensor; null for leaves
  bool requires_grad = false;
  bool retains_grad = false;
  std::shared_ptr<detail::HookTable> hooks;  // register_hook's functions; null until one is added
  // Bumped by every in-place write (mutable data<T>(), copy_, set, +=, optimizers' updates): a
  // node records its inputs' versions, and backward refuses an input that changed since.
  std::uint32_t version = 0;
};

class Tensor;
namespace detail {
// Core's own access to a tensor's TensorImpl (the op kit, the engine, to_dot). Not for nn/,
// optim/ or programs: they use Tensor's methods (copy_, set_data, set_grad, is_same).
struct TensorAccess {
  static const std::shared_ptr<TensorImpl>& impl(const Tensor& t);
};
}  // namespace detail

struct ValuesIndices;
// Ends a slice at the end of its dim: slice(x, 1, 2, kEnd, 2) is Python's x[:, 2::2].
inline constexpr std::int64_t kEnd = INT64_MAX;

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor, like a default torch::Tensor
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  explicit Tensor(Storage data) : impl_(std::make_shared<TensorImpl>(std::move(data))) {}

  bool defined() const { return impl_ != nullptr; }
  Dtype dtype() const;
  Shape shape() const;
  std::size_t dim() const;
  std::size_t numel() const;
  std::size_t size(std::int64_t dim) const;

  // The xt::xarray underneath. Throws if T is not this tensor's dtype. Writing through it is not
  // tracked by autograd (like tensor.data in PyTorch): optimizers update parameters this way.
  template <class T>
  xt::xarray<T>& data();
  template <class T>
  const xt::xarray<T>& data() const;
  const Storage& storage() const;

  // One element as a number, from any dtype; negative indices count from the end, as t[i, j].item().
  double at(std::initializer_list<std::int64_t> index) const;
  // Writes one element in place (t[i, j] = value), bumping the version. Like every in-place
  // write here, refused on a leaf that requires grad unless inside a NoGradGuard.
  Tensor& set(std::initializer_list<std::int64_t> index, double value);
  // All elements in row-major order, converted to T (float, double, int64_t or int): the
  // values of t.flatten().tolist() in PyTorch. tolist() is the same.
  template <class T>
  std::vector<T> to_vector() const;
  template <class T>
  std::vector<T> tolist() const {
    return to_vector<T>();
  }

  // In-place writes, recorded by no graph, each bumping the version (see TensorImpl::version).
  // copy_: src's values into this tensor's storage; shapes and dtypes must match.
  Tensor& copy_(const Tensor& src);
  // set_data: this tensor now holds `t`'s values (any shape or dtype), as `x.data = t` in
  // PyTorch; every handle to it sees them, its grad is kept if it still fits, else cleared.
  Tensor& set_data(const Tensor& t);
  std::uint32_t version() const;            // torch's x._version
  bool is_same(const Tensor& other) const;  // the same tensor, not equal values (torch's is_same)

  // Compound assignment, as in PyTorch: when autograd records (a or b requires grad, grad mode
  // on), `a += b` is `a = a + b`, a new node in the graph, and other handles to the old `a` keep
  // its old value; on a leaf that requires grad it throws, as PyTorch's "a leaf Variable that
  // requires grad is being used in an in-place operation". Otherwise (inside a NoGradGuard, or
  // without grads) it writes into a's storage in place, b broadcasting to a's shape, and bumps
  // a's version.
  Tensor& operator+=(const Tensor& other);
  Tensor& operator-=(const Tensor& other);
  Tensor& operator*=(const Tensor& other);
  Tensor& operator/=(const Tensor& other);
  Tensor& operator+=(double s);
  Tensor& operator-=(double s);
  Tensor& operator*=(double s);
  Tensor& operator/=(double s);

  // Autograd. Gradients accumulate: backward() adds into grad(); clear it with set_grad({}).
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);
  bool is_leaf() const;
  Tensor grad() const;  // undefined until a backward() reached this tensor
  void set_grad(const Tensor& g);
  Tensor& retain_grad();
  void backward(const Tensor& gradient = {}, bool retain_graph = false) const;
  Tensor detach() const;  // same values, new storage, cut from the graph
  Node* grad_fn() const;

  // Gradient hooks, as in PyTorch (core/hooks.hpp says when they run and in which order).
  // fn(grad) may return a replacement gradient (a Tensor of the same shape and dtype) or nothing
  // (void, or an undefined Tensor) to keep it. On leaves and non-leaves that require grad.
  template <class F>
  HookHandle register_hook(F&& fn);
  // Leaves only: fn(tensor) runs after backward() has added this tensor's gradient into grad().
  HookHandle register_post_accumulate_grad_hook(std::function<void(const Tensor&)> fn);

  double item() const;
  Tensor to(Dtype dtype) const;
  Tensor clone() const;  // a differentiable copy

  // Methods for PyTorch-style chaining; each calls the free function of the same name.
  Tensor matmul(const Tensor& other) const;
  Tensor pow(double exponent) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor sin() const;
  Tensor cos() const;
  Tensor clamp(std::optional<double> min, std::optional<double> max) const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor relu() const;
  Tensor softmax(std::int64_t dim) const;
  Tensor log_softmax(std::int64_t dim) const;
  Tensor sum() const;
  Tensor sum(const std::vector<std::int64_t>& dims, bool keepdim = false) const;
  Tensor sum(std::int64_t dim, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const std::vector<std::int64_t>& dims, bool keepdim = false) const;
  Tensor mean(std::int64_t dim, bool keepdim = false) const;
  Tensor max() const;
  ValuesIndices max(std::int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  ValuesIndices min(std::int64_t dim, bool keepdim = false) const;
  Tensor argmax(std::int64_t dim, bool keepdim = false) const;
  Tensor argmin(std::int64_t dim, bool keepdim = false) const;
  Tensor reshape(const std::vector<std::int64_t>& shape) const;
  Tensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
  Tensor transpose(std::int64_t dim0, std::int64_t dim1) const;
  Tensor t() const;
  Tensor permute(const std::vector<std::int64_t>& dims) const;
  Tensor unsqueeze(std::int64_t dim) const;
  Tensor squeeze() const;
  Tensor squeeze(std::int64_t dim) const;
  Tensor slice(std::int64_t dim, std::int64_t start, std::int64_t end = kEnd, std::int64_t step = 1) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;

 private:
  friend class Node;
  HookHandle add_grad_hook(std::function<Tensor(const Tensor&)> fn);
  friend struct detail::TensorAccess;
  const TensorImpl& checked() const;
  TensorImpl& checked();
  std::shared_ptr<TensorImpl> impl_;
};

inline const std::shared_ptr<TensorImpl>& detail::TensorAccess::impl(const Tensor& t) { return t.impl_; }

// What max(x, dim) and min(x, dim) return, as torch.return_types.max: the values and the int64
// indices where they are (auto [v, i] = max(x, 1)). It converts to its values, so
// `Tensor m = max(x, 1)` keeps working; call a method on `.values`.
struct ValuesIndices {
  Tensor values;
  Tensor indices;
  operator Tensor() const { return values; }
};

// Prints like PyTorch, its number format included: tensor([[1., 2.], [3., 4.]], dtype=float64,
// requires_grad=true), tensor([ 0.5000, -1.2500]), tensor(1.0000e-05).
std::ostream& operator<<(std::ostream& os, const Tensor& t);

// The mutable array counts as a write: it bumps the version, so a value saved for backward and
// changed through it is caught. Read through a const Tensor (std::as_const(t).data<T>()), at()
// or to_vector() to leave the version alone.
template <class T>
xt::xarray<T>& Tensor::data() {
  TensorImpl& impl = checked();
  auto* a = std::get_if<xt::xarray<T>>(&impl.data);
  if (!a) fail("data", "requested ", dtype_name(dtype_of<T>()), " but the tensor is ", dtype());
  ++impl.version;
  return *a;
}

template <class T>
const xt::xarray<T>& Tensor::data() const {
  auto* a = std::get_if<xt::xarray<T>>(&checked().data);
  if (!a) fail("data", "requested ", dtype_name(dtype_of<T>()), " but the tensor is ", dtype());
  return *a;
}

}  // namespace xgrad

#include "xgrad/core/hooks.hpp"  // register_hook's definition and HookHandle
// Every arithmetic and comparison operator (+ - * / < > ...) comes with Tensor itself.
#include "xgrad/core/ops/elementwise.hpp"
