#include "xgrad/core/graphviz.hpp"

#include <sstream>
#include <unordered_map>

#include "xgrad/core/autograd.hpp"

namespace xgrad {

std::string to_dot(const Tensor& root) {
  std::ostringstream dot;
  dot << "digraph xgrad {\n  rankdir=BT;\n  node [shape=box, fontname=\"monospace\"];\n";
  std::unordered_map<const TensorImpl*, std::size_t> ids;
  std::vector<const TensorImpl*> stack;
  auto id_of = [&](const TensorImpl* t) {
    auto [it, added] = ids.emplace(t, ids.size());
    if (added) stack.push_back(t);
    return it->second;
  };
  id_of(detail::TensorAccess::impl(root).get());
  while (!stack.empty()) {  // iterative: deep graphs must not overflow the stack
    const TensorImpl* t = stack.back();
    stack.pop_back();
    const std::size_t id = ids.at(t);
    const std::string shape =
        std::visit([](const auto& a) { return to_string(Shape(a.shape().begin(), a.shape().end())); }, t->data);
    dot << "  t" << id << " [label=\"" << (t->grad_fn ? t->grad_fn->name() : "leaf") << "\\n"
        << shape << ' ' << dtype_name(static_cast<Dtype>(t->data.index())) << "\"";
    if (!t->grad_fn) dot << (t->requires_grad ? ", style=filled, fillcolor=lightblue" : ", style=dashed");
    dot << "];\n";
    if (!t->grad_fn) continue;
    for (const Tensor& in : t->grad_fn->inputs())
      dot << "  t" << id_of(detail::TensorAccess::impl(in).get()) << " -> t" << id << ";\n";
  }
  dot << "}\n";
  return dot.str();
}

}  // namespace xgrad
