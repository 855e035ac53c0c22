#include "xgrad/core/tensor.hpp"

#include <iomanip>
#include <ostream>
#include <sstream>

#include "xgrad/core/autograd.hpp"
#include "xgrad/core/detail/blas_kernels.hpp"
#include "xgrad/core/function.hpp"

namespace xgrad {

namespace {
// Every program linked with xgrad has a Tensor, so this file is always linked: before main, make
// OpenBLAS run the kernels this CPU can run best (core/blas_info.hpp says why it is done here).
[[maybe_unused]] const detail::KernelChoice& blas_kernels_checked = detail::process_kernel_choice();
}  // namespace

const TensorImpl& Tensor::checked() const {
  if (!impl_)
    fail("Tensor", "this tensor is undefined (default-constructed, or a grad() that no backward() reached)");
  return *impl_;
}
TensorImpl& Tensor::checked() { return const_cast<TensorImpl&>(std::as_const(*this).checked()); }

Dtype Tensor::dtype() const { return static_cast<Dtype>(checked().data.index()); }

Shape Tensor::shape() const {
  return std::visit([](const auto& a) { return Shape(a.shape().begin(), a.shape().end()); }, checked().data);
}

std::size_t Tensor::dim() const {
  return std::visit([](const auto& a) { return a.dimension(); }, checked().data);
}

std::size_t Tensor::numel() const {
  return std::visit([](const auto& a) { return a.size(); }, checked().data);
}

std::size_t Tensor::size(std::int64_t d) const { return shape()[normalize_dim("size", d, dim())]; }

const Storage& Tensor::storage() const { return checked().data; }

bool Tensor::requires_grad() const { return checked().requires_grad; }

Tensor& Tensor::requires_grad_(bool on) {
  TensorImpl& impl = checked();
  if (impl.grad_fn && !on)
    fail("requires_grad_", "cannot turn off requires_grad on a non-leaf tensor (made by '", impl.grad_fn->name(),
         "'); use detach() instead");
  if (on && dtype() == kInt64)
    fail("requires_grad_", "only float32 and float64 tensors can require gradients, not int64");
  impl.requires_grad = on;
  return *this;
}

bool Tensor::is_leaf() const { return checked().grad_fn == nullptr; }

Tensor Tensor::grad() const { return Tensor(checked().grad); }

void Tensor::set_grad(const Tensor& g) {
  if (g.defined() && (g.shape() != shape() || g.dtype() != dtype()))
    fail("set_grad", "gradient of shape ", to_string(g.shape()), " (", g.dtype(), ") does not match the tensor's ",
         to_string(shape()), " (", dtype(), ")");
  checked().grad = g.impl_;
}

Tensor& Tensor::retain_grad() {
  if (!requires_grad()) fail("retain_grad", "the tensor does not require grad");
  checked().retains_grad = true;
  return *this;
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const { run_backward(*this, gradient, retain_graph); }

Tensor Tensor::detach() const { return Tensor(Storage(checked().data)); }

Node* Tensor::grad_fn() const { return checked().grad_fn.get(); }

double Tensor::item() const {
  if (numel() != 1)
    fail("item", "only a tensor with one element converts to a number, this one has shape ", to_string(shape()));
  return std::visit([](const auto& a) { return static_cast<double>(*a.begin()); }, checked().data);
}

Tensor Tensor::to(Dtype target) const {
  if (target == dtype()) return *this;        // like PyTorch: no copy when nothing changes
  if (dtype() == kInt64 || target == kInt64)  // no gradient through integers
    return std::visit(
        [&](const auto& a) -> Tensor {
          switch (target) {
            case kFloat32: return constant<float>(xt::cast<float>(a));
            case kFloat64: return constant<double>(xt::cast<double>(a));
            case kInt64: return constant<std::int64_t>(xt::cast<std::int64_t>(a));
          }
          fail("to", "unknown dtype");
        },
        storage());
  // float32 <-> float64: the gradient is converted back to the input's dtype.
  return visit_float("to", *this, [&]<class From>(const xt::xarray<From>& a) {
    using To = std::conditional_t<std::is_same_v<From, float>, double, float>;
    return record<To>("to", xt::cast<To>(a), {*this}, [](const Backward<To>& b) {
      b.node.accumulate(0, Storage(xt::xarray<From>(xt::cast<From>(b.grad))));
    });
  });
}

Tensor Tensor::clone() const {
  if (dtype() == kInt64) return detach();
  return visit_float("clone", *this, [&]<class T>(const xt::xarray<T>& a) {
    return record<T>("clone", xt::xarray<T>(a), {*this}, [](const Backward<T>& b) { b.add(0, b.grad); });
  });
}

namespace {
// Writes one nesting level of a PyTorch-style nested list, eliding the middle of long dims.
template <class T>
void print_level(std::ostream& os, const xt::xarray<T>& a, std::size_t dim, std::size_t offset, std::size_t indent) {
  const std::size_t n = a.shape()[dim];
  const std::size_t stride = a.strides()[dim];
  const bool elide = n > 8;
  os << '[';
  for (std::size_t i = 0; i < n; ++i) {
    if (elide && i == 3) {
      os << "...";
      i = n - 4;
      os << (dim + 1 == a.dimension() ? ", " : ",\n" + std::string(indent + 1, ' '));
      continue;
    }
    if (dim + 1 == a.dimension())
      os << a.data()[offset + i * stride];
    else
      print_level(os, a, dim + 1, offset + i * stride, indent + 1);
    if (i + 1 < n) os << (dim + 1 == a.dimension() ? ", " : ",\n" + std::string(indent + 1, ' '));
  }
  os << ']';
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "tensor(undefined)";
  std::ostringstream body;
  body << std::setprecision(6);
  std::visit(
      [&](const auto& a) {
        if (a.dimension() == 0)
          body << *a.begin();
        else
          print_level(body, a, 0, 0, 7);
      },
      t.storage());
  os << "tensor(" << body.str();
  if (t.dtype() != kFloat32) os << ", dtype=" << t.dtype();
  if (t.grad_fn())
    os << ", grad_fn=<" << t.grad_fn()->name() << ">";
  else if (t.requires_grad())
    os << ", requires_grad=true";
  return os << ')';
}

}  // namespace xgrad
