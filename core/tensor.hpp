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
};

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
  Tensor clamp(std::optional<double> min, std::optional<double> max) const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor relu() const;
  Tensor softmax(std::int64_t dim) const;
  Tensor log_softmax(std::int64_t dim) const;
  Tensor sum() const;
  Tensor sum(const std::vector<std::int64_t>& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const std::vector<std::int64_t>& dims, bool keepdim = false) const;
  Tensor max() const;
  Tensor max(std::int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  Tensor min(std::int64_t dim, bool keepdim = false) const;
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
  Tensor slice(std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step = 1) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;

  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }

 private:
  friend class Node;
  HookHandle add_grad_hook(std::function<Tensor(const Tensor&)> fn);
  const TensorImpl& checked() const;
  TensorImpl& checked();
  std::shared_ptr<TensorImpl> impl_;
};

// Prints like PyTorch: tensor([[1, 2], [3, 4]], dtype=float64, requires_grad=true).
std::ostream& operator<<(std::ostream& os, const Tensor& t);

template <class T>
xt::xarray<T>& Tensor::data() {
  auto* a = std::get_if<xt::xarray<T>>(&checked().data);
  if (!a) fail("data", "requested ", dtype_name(dtype_of<T>()), " but the tensor is ", dtype());
  return *a;
}

template <class T>
const xt::xarray<T>& Tensor::data() const {
  return const_cast<Tensor*>(this)->data<T>();
}

}  // namespace xgrad

#include "xgrad/core/hooks.hpp"  // register_hook's definition and HookHandle
