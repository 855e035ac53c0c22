#pragma once
// What an op is made of: a forward that computes an xt::xarray, and a backward lambda written
// right below it that turns dLoss/dOutput into each input's gradient. record() ties the two
// together and adds a Node to the graph only when some input requires grad.
//
//   Tensor exp(const Tensor& x) {
//     return visit_float("exp", x, [&]<class T>(const xt::xarray<T>& a) {
//       return record<T>("exp", xt::exp(a), {x}, [](const Backward<T>& b) {
//         b.add(0, b.grad * b.output());  // d exp(a) = exp(a)
//       });
//     });
//   }
#include <algorithm>
#include <functional>
#include <initializer_list>
#include <utility>
#include <xtensor/xarray.hpp>
#include <xtensor/xreducer.hpp>
#include <xtensor/xtensor.hpp>

#include "xgrad/core/anomaly.hpp"
#include "xgrad/core/autograd.hpp"

namespace xgrad {

template <class T>
struct Backward {
  const xt::xarray<T>& grad;  // dLoss/dOutput
  const xt::xarray<T>& out;   // the op's forward result; read it through output() (checked)
  Node& node;

  // The inputs and the output as saved at forward time: each read checks that no in-place write
  // (see Tensor::version) changed it since, and throws PyTorch's error naming the op if one did.
  const xt::xarray<T>& input(std::size_t i) const { return node.saved_input(i).template data<T>(); }
  const Tensor& tensor(std::size_t i) const { return node.saved_input(i); }
  const xt::xarray<T>& output() const {
    node.check_output();
    return out;
  }
  bool needs(std::size_t i) const { return node.inputs()[i].requires_grad(); }
  void add(std::size_t i, xt::xarray<T> g) const { node.accumulate(i, Storage(std::move(g))); }
};

template <class T, class F>
class FunctionNode final : public Node {
 public:
  FunctionNode(const char* name, std::vector<Tensor> inputs, F backward)
      : Node(name, std::move(inputs)), backward_(std::move(backward)) {}
  void apply(const Storage& grad, const Storage& out) override {
    backward_(Backward<T>{std::get<xt::xarray<T>>(grad), std::get<xt::xarray<T>>(out), *this});
  }

 private:
  F backward_;
};

template <class T, class F>
Tensor record(const char* op, xt::xarray<T>&& value, std::vector<Tensor> inputs, F&& backward) {
  auto impl = std::make_shared<TensorImpl>(std::move(value));
  if (is_anomaly_enabled()) detail::check_forward(op, impl->data, inputs);
  const bool track =
      is_grad_enabled() && std::any_of(inputs.begin(), inputs.end(), [](const Tensor& t) { return t.requires_grad(); });
  if (track) {
    impl->requires_grad = true;
    impl->grad_fn =
        std::make_shared<FunctionNode<T, std::decay_t<F>>>(op, std::move(inputs), std::forward<F>(backward));
    impl->grad_fn->set_output_version(impl->version);
  }
  return Tensor(std::move(impl));
}

// The usual call, record<T>(op, value, {a, b}, backward): the inputs come as references and are
// copied once, into the node, and only when there will be one. A braced list of Tensors itself
// would copy each twice (into the list, then out of it), each copy an atomic reference count.
template <class T, class F>
Tensor record(const char* op, xt::xarray<T>&& value, std::initializer_list<std::reference_wrapper<const Tensor>> inputs,
              F&& backward) {
  const bool track =
      is_grad_enabled() && std::any_of(inputs.begin(), inputs.end(), [](const Tensor& t) { return t.requires_grad(); });
  if (!track && !is_anomaly_enabled()) return Tensor(std::make_shared<TensorImpl>(std::move(value)));
  return record<T>(op, std::move(value), std::vector<Tensor>(inputs.begin(), inputs.end()), std::forward<F>(backward));
}

// An op with no gradient (comparisons, argmax): a plain result.
template <class T>
Tensor constant(xt::xarray<T>&& value) {
  return Tensor(std::make_shared<TensorImpl>(std::move(value)));
}

// Calls f(xt::xarray<T>) with the tensor's float32 or float64 array; int64 is rejected naming
// the op, since no differentiable op takes it.
template <class F>
decltype(auto) visit_float(const char* op, const Tensor& t, F&& f) {
  if (!t.defined()) fail(op, "the input tensor is undefined");
  switch (t.dtype()) {
    case kFloat32: return f(t.data<float>());
    case kFloat64: return f(t.data<double>());
    default: fail(op, "expected a float32 or float64 tensor, got ", t.dtype());
  }
}

// Same for two tensors, which must share a dtype: xgrad never promotes silently.
template <class F>
decltype(auto) visit_float(const char* op, const Tensor& a, const Tensor& b, F&& f) {
  if (a.defined() && b.defined() && a.dtype() != b.dtype())
    fail(op, "dtype mismatch: ", a.dtype(), " and ", b.dtype(), "; convert one with .to(xg::k",
         a.dtype() == kFloat64 ? "Float64" : "Float32", ")");
  return visit_float(op, a, [&]<class T>(const xt::xarray<T>& x) { return f(x, b.data<T>()); });
}

// Sums a broadcast gradient back to an input's shape: over the leading dims the input lacks and
// over the dims where it has size 1. Every broadcasting op's backward goes through here.
template <class T>
xt::xarray<T> sum_to_shape(const xt::xarray<T>& g, const Shape& shape);  // core/function.cpp

template <class E>
auto sum_to(const xt::xexpression<E>& expr, const Shape& shape) {
  using T = typename E::value_type;
  xt::xarray<T> g = expr;
  if (std::equal(g.shape().begin(), g.shape().end(), shape.begin(), shape.end())) return g;
  return sum_to_shape(g, shape);
}

template <class T>
Shape shape_of(const xt::xarray<T>& a) {
  return Shape(a.shape().begin(), a.shape().end());
}

}  // namespace xgrad
