#include "xgrad/core/tensor.hpp"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <ostream>
#include <sstream>
#include <string>

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
  if (!impl_) fail("Tensor", "this tensor is undefined (default-constructed, or a grad() that no backward() reached)");
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

namespace {
std::atomic<bool> non_leaf_grad_warned{false};
}  // namespace
namespace detail {
// For the test of the warning: makes it show again.
void reset_non_leaf_grad_warning() { non_leaf_grad_warned = false; }
}  // namespace detail

Tensor Tensor::grad() const {
  const TensorImpl& impl = checked();
  // As PyTorch: reading grad() of a non-leaf that did not retain_grad() warns once per process,
  // since it stays undefined however often backward() runs.
  if (impl.grad_fn && !impl.retains_grad && !impl.grad && !non_leaf_grad_warned.exchange(true))
    std::cerr << "xgrad: warning: grad() of a tensor that is not a leaf (made by '" << impl.grad_fn->name()
              << "') is read: backward() fills the grad() of leaves only, so it is undefined. Call retain_grad() "
                 "on it before backward() to keep its gradient, or read the grad() of the leaf you meant. "
                 "(shown once)\n";
  return Tensor(impl.grad);
}

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

std::uint32_t Tensor::version() const { return checked().version; }
bool Tensor::is_same(const Tensor& other) const { return impl_ == other.impl_; }

namespace {
// Row-major offset of `index` in `shape`, negative indices counting from the end.
std::size_t flat_offset(const char* op, const Shape& shape, std::initializer_list<std::int64_t> index) {
  if (index.size() != shape.size())
    fail(op, index.size(), " indices for a tensor of ", shape.size(), " dims (shape ", to_string(shape), ")");
  std::size_t offset = 0, d = 0;
  for (std::int64_t i : index) {
    const auto n = static_cast<std::int64_t>(shape[d]);
    const std::int64_t j = i < 0 ? i + n : i;
    if (j < 0 || j >= n) fail(op, "index ", i, " is out of range for dim ", d, " of size ", n);
    offset = offset * shape[d] + static_cast<std::size_t>(j);
    ++d;
  }
  return offset;
}

// PyTorch's rule for an in-place write: never on a leaf that requires grad while autograd records.
void check_in_place(const char* op, const Tensor& t) {
  if (t.is_leaf() && t.requires_grad() && is_grad_enabled())
    fail(op,
         "a leaf tensor that requires grad is being used in an in-place operation; write inside a NoGradGuard "
         "(as an optimizer's step does) or rebind instead (x = x + y)");
}
}  // namespace

double Tensor::at(std::initializer_list<std::int64_t> index) const {
  const std::size_t k = flat_offset("at", shape(), index);
  return std::visit([k](const auto& a) { return static_cast<double>(a.data()[k]); }, checked().data);
}

Tensor& Tensor::set(std::initializer_list<std::int64_t> index, double value) {
  check_in_place("set", *this);
  const std::size_t k = flat_offset("set", shape(), index);
  TensorImpl& impl = checked();
  std::visit([&](auto& a) { a.data()[k] = static_cast<typename std::decay_t<decltype(a)>::value_type>(value); },
             impl.data);
  ++impl.version;
  return *this;
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  return std::visit(
      [](const auto& a) {
        std::vector<T> out(a.size());
        for (std::size_t i = 0; i < a.size(); ++i) out[i] = static_cast<T>(a.data()[i]);
        return out;
      },
      checked().data);
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<std::int64_t> Tensor::to_vector<std::int64_t>() const;
template std::vector<int> Tensor::to_vector<int>() const;

Tensor& Tensor::copy_(const Tensor& src) {
  check_in_place("copy_", *this);
  if (!src.defined()) fail("copy_", "the source tensor is undefined");
  if (src.shape() != shape() || src.dtype() != dtype())
    fail("copy_", "the source has shape ", to_string(src.shape()), " (", src.dtype(), ") but the tensor has ",
         to_string(shape()), " (", dtype(), ")");
  TensorImpl& impl = checked();
  if (src.impl_ != impl_) impl.data = src.storage();
  ++impl.version;
  return *this;
}

Tensor& Tensor::set_data(const Tensor& t) {
  if (!t.defined()) fail("set_data", "the new data is undefined");
  if (t.dtype() == kInt64 && requires_grad()) fail("set_data", "a tensor that requires grad cannot hold int64 data");
  TensorImpl& impl = checked();
  const bool grad_fits = impl.grad && t.shape() == Tensor(impl.grad).shape() && t.dtype() == Tensor(impl.grad).dtype();
  if (t.impl_ != impl_) impl.data = t.storage();
  if (!grad_fits) impl.grad.reset();
  ++impl.version;
  return *this;
}

namespace {
// a op= b: rebinding while autograd records, in place otherwise (see tensor.hpp).
Tensor& compound(const char* name, Tensor& self, const Tensor& other, Tensor (*op)(const Tensor&, const Tensor&)) {
  check_in_place(name, self);
  if (other.defined() && self.dtype() != other.dtype())
    fail(name, "dtype mismatch: ", self.dtype(), " ", name, " ", other.dtype(),
         "; convert the right side with .to(xg::k", self.dtype() == kFloat64 ? "Float64" : "Float32", ")");
  if (is_grad_enabled() && (self.requires_grad() || other.requires_grad())) return self = op(self, other);
  Tensor r;
  {
    NoGradGuard no_grad;
    r = op(self, other);
  }
  if (r.shape() != self.shape())
    fail(name, "the result has shape ", to_string(r.shape()), " but an in-place write keeps the tensor's ",
         to_string(self.shape()), ": the right side must broadcast to it");
  return self.set_data(r);
}
Tensor& compound(const char* name, Tensor& self, double s, Tensor (*op)(const Tensor&, double)) {
  check_in_place(name, self);
  if (is_grad_enabled() && self.requires_grad()) return self = op(self, s);
  Tensor r;
  {
    NoGradGuard no_grad;
    r = op(self, s);
  }
  return self.set_data(r);
}
}  // namespace

Tensor& Tensor::operator+=(const Tensor& o) { return compound("+=", *this, o, &add); }
Tensor& Tensor::operator-=(const Tensor& o) { return compound("-=", *this, o, &sub); }
Tensor& Tensor::operator*=(const Tensor& o) { return compound("*=", *this, o, &mul); }
Tensor& Tensor::operator/=(const Tensor& o) { return compound("/=", *this, o, &div); }
Tensor& Tensor::operator+=(double s) { return compound("+=", *this, s, &add); }
Tensor& Tensor::operator-=(double s) { return compound("-=", *this, s, &sub); }
Tensor& Tensor::operator*=(double s) { return compound("*=", *this, s, &mul); }
Tensor& Tensor::operator/=(double s) { return compound("/=", *this, s, &div); }

Tensor Tensor::clone() const {
  if (dtype() == kInt64) return detach();
  return visit_float("clone", *this, [&]<class T>(const xt::xarray<T>& a) {
    return record<T>("clone", xt::xarray<T>(a), {*this}, [](const Backward<T>& b) { b.add(0, b.grad); });
  });
}

namespace {
// PyTorch's number format (torch/_tensor_str.py, precision 4): integral floats as "20.", others
// as "0.5000", in scientific notation "1.0000e-05" when the finite nonzero magnitudes span more
// than 1000x, exceed 1e8 or (non-integral) go below 1e-4; every element padded to one width.
struct Format {
  enum Kind { Int, Integral, Fixed, Sci } kind = Int;
  std::size_t width = 0;
};

template <class T>
std::string format_one(T v, Format::Kind kind) {
  char buf[64];
  if constexpr (std::is_integral_v<T>) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  } else {
    const double d = static_cast<double>(v);
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
    if (kind == Format::Integral)
      std::snprintf(buf, sizeof buf, "%.0f.", d);
    else if (kind == Format::Fixed)
      std::snprintf(buf, sizeof buf, "%.4f", d);
    else
      std::snprintf(buf, sizeof buf, "%.4e", d);
  }
  return buf;
}

template <class T>
Format choose_format(const xt::xarray<T>& a) {
  Format f;
  if constexpr (!std::is_integral_v<T>) {
    bool integral = true, any = false;
    double lo = 0, hi = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const double v = std::abs(static_cast<double>(a.data()[i]));
      if (!std::isfinite(v) || v == 0) continue;
      if (v != std::ceil(v)) integral = false;
      lo = any ? std::min(lo, v) : v;
      hi = any ? std::max(hi, v) : v;
      any = true;
    }
    if (integral)
      f.kind = any && (hi / lo > 1000.0 || hi > 1e8) ? Format::Sci : Format::Integral;
    else
      f.kind = hi / lo > 1000.0 || hi > 1e8 || lo < 1e-4 ? Format::Sci : Format::Fixed;
  }
  // As PyTorch, the finite values set the width; nan and inf are padded to it, never widen it.
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::isfinite(static_cast<double>(a.data()[i])))
      f.width = std::max(f.width, format_one(a.data()[i], f.kind).size());
  return f;
}

// Writes one nesting level of a PyTorch-style nested list, eliding the middle of long dims.
template <class T>
void print_level(std::ostream& os, const xt::xarray<T>& a, const Format& f, std::size_t dim, std::size_t offset,
                 std::size_t indent) {
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
      os << std::setw(static_cast<int>(f.width)) << format_one(a.data()[offset + i * stride], f.kind);
    else
      print_level(os, a, f, dim + 1, offset + i * stride, indent + 1);
    if (i + 1 < n) os << (dim + 1 == a.dimension() ? ", " : ",\n" + std::string(indent + 1, ' '));
  }
  os << ']';
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "tensor(undefined)";
  std::ostringstream body;
  std::visit(
      [&](const auto& a) {
        const Format f = choose_format(a);
        if (a.dimension() == 0)
          body << format_one(*a.begin(), f.kind);
        else
          print_level(body, a, f, 0, 0, 7);
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
