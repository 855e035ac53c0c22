#include "xgrad/nn/module.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <typeinfo>

#include "xgrad/core/autograd.hpp"

namespace xgrad::nn {

namespace {
std::string describe(const Tensor& t) { return to_string(t.shape()) + " " + dtype_name(t.dtype()); }

// Converts a tensor's values (and its gradient) to `dtype` in place, keeping the TensorImpl, so
// every handle to it sees the change.
void convert_in_place(const Tensor& t, Dtype dtype) {
  if (t.dtype() == kInt64 || t.dtype() == dtype) return;
  NoGradGuard no_grad;
  const Tensor grad = t.grad();
  Tensor(t).set_data(t.detach().to(dtype));  // a handle to the same tensor: every other sees it
  if (grad.defined()) Tensor(t).set_grad(grad.to(dtype));
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const LoadResult& r) {
  auto list = [&](const char* what, const std::vector<std::string>& keys) {
    os << what << ": [";
    for (std::size_t i = 0; i < keys.size(); ++i) os << (i ? ", " : "") << keys[i];
    os << "]";
  };
  list("missing", r.missing_keys);
  list("; unexpected", r.unexpected_keys);
  list("; mismatched", r.mismatched_keys);
  return os;
}

Tensor Module::forward(const Tensor&) {
  fail("forward", name(), " does not define forward(const Tensor&); override it or call its own forward");
}

std::string Module::name() const {
  const char* mangled = typeid(*this).name();
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string full = status == 0 && demangled ? demangled : mangled;
  std::free(demangled);
  // "xgrad::nn::Linear" -> "Linear"; keep template arguments whole.
  const std::size_t end = std::min(full.find('<'), full.size());
  const std::size_t colon = full.rfind("::", end);
  return colon == std::string::npos ? full : full.substr(colon + 2);
}

void Module::check_new_name(const char* what, const std::string& name) const {
  if (name.empty()) fail(what, this->name(), ": the name is empty");
  if (name.find('.') != std::string::npos)
    fail(what, this->name(), ": name '", name, "' contains '.', which separates the parts of dotted names");
  auto taken = [&](const auto& list) {
    return std::any_of(list.begin(), list.end(), [&](const auto& e) { return e.first == name; });
  };
  if (taken(parameters_) || taken(buffers_) || taken(children_))
    fail(what, this->name(), " already has a parameter, buffer or module named '", name, "'");
}

Tensor Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
  check_new_name("register_parameter", name);
  if (!t.defined()) fail("register_parameter", this->name(), ": parameter '", name, "' is undefined");
  if (t.dtype() == kInt64)
    fail("register_parameter", this->name(), ": parameter '", name, "' is int64; parameters are float32 or float64");
  if (!t.is_leaf())
    fail("register_parameter", this->name(), ": parameter '", name,
         "' was computed by an op; register a leaf (use detach())");
  t.requires_grad_(requires_grad);
  parameters_.emplace_back(name, t);
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
  check_new_name("register_buffer", name);
  if (!t.defined()) fail("register_buffer", this->name(), ": buffer '", name, "' is undefined");
  buffers_.emplace_back(name, t);
  return t;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name("register_module", name);
  if (!module) fail("register_module", this->name(), ": module '", name, "' is null");
  for (const auto& [prefix, m] : module->walk(true))
    if (m == this)
      fail("register_module", this->name(), ": registering '", name, "' would make the module its own descendant");
  children_.emplace_back(name, std::move(module));
}

std::vector<std::pair<std::string, const Module*>> Module::walk(bool unique) const {
  std::vector<std::pair<std::string, const Module*>> order;
  std::set<const Module*> seen;
  std::vector<std::pair<std::string, const Module*>> stack{{"", this}};
  while (!stack.empty()) {
    auto [prefix, m] = std::move(stack.back());
    stack.pop_back();
    if (unique && !seen.insert(m).second) continue;
    order.emplace_back(prefix, m);
    for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it)
      stack.emplace_back(prefix.empty() ? it->first : prefix + "." + it->first, it->second.get());
  }
  return order;
}

NamedTensors Module::collect(bool parameters, bool recurse, bool unique) const {
  NamedTensors out;
  std::vector<Tensor> seen;  // a few hundred tensors at most: a linear search is enough
  const auto modules = recurse ? walk(unique) : std::vector<std::pair<std::string, const Module*>>{{"", this}};
  for (const auto& [prefix, m] : modules)
    for (const auto& [name, t] : parameters ? m->parameters_ : m->buffers_) {
      if (unique) {
        // Named, not the structured binding itself: clang 14 (emscripten 3.1.6, the fuzz preset) cannot
        // capture those in a lambda.
        const Tensor& tensor = t;
        if (std::any_of(seen.begin(), seen.end(), [&](const Tensor& s) { return s.is_same(tensor); })) continue;
        seen.push_back(t);
      }
      out.emplace_back(prefix.empty() ? name : prefix + "." + name, t);
    }
  return out;
}

NamedTensors Module::named_parameters(bool recurse) const { return collect(true, recurse, true); }
NamedTensors Module::named_buffers(bool recurse) const { return collect(false, recurse, true); }

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_buffers(recurse)) out.push_back(t);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& [name, m] : children_) out.push_back(m);
  return out;
}

NamedModules Module::named_modules() const {
  NamedModules out;
  std::set<const Module*> seen{this};
  NamedModules stack(children_.rbegin(), children_.rend());
  while (!stack.empty()) {
    auto [name, m] = std::move(stack.back());
    stack.pop_back();
    if (!seen.insert(m.get()).second) continue;
    for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it)
      stack.emplace_back(name + "." + it->first, it->second);
    out.emplace_back(std::move(name), std::move(m));
  }
  return out;
}

Module& Module::train(bool on) {
  for (const auto& [prefix, m] : walk(true)) const_cast<Module*>(m)->training_ = on;
  return *this;
}

void Module::zero_grad() {
  for (Tensor& p : parameters()) p.set_grad({});
}

Module& Module::to(Dtype dtype) {
  if (dtype == kInt64) fail("to", name(), ": a module converts to float32 or float64, not int64");
  for (const auto& [name, t] : collect(true, true, true)) convert_in_place(t, dtype);
  for (const auto& [name, t] : collect(false, true, true)) convert_in_place(t, dtype);
  return *this;
}

StateDict Module::state_dict(const std::string& prefix) const {
  StateDict out;
  for (const auto& [name, t] : collect(true, true, false)) out.emplace(prefix + name, t.detach());
  for (const auto& [name, t] : collect(false, true, false)) out.emplace(prefix + name, t.detach());
  return out;
}

LoadResult Module::load_state_dict(const StateDict& all, const std::string& prefix, bool strict) {
  if (prefix.empty()) return load_state_dict(all, strict);
  StateDict dict;  // the entries under the prefix, named as this module names them
  for (auto it = all.lower_bound(prefix); it != all.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
    dict.emplace(it->first.substr(prefix.size()), it->second);
  return load_state_dict(dict, strict);  // its messages name the keys without the prefix
}

LoadResult Module::load_state_dict(const StateDict& dict, bool strict) {
  std::map<std::string, Tensor> own;
  for (const auto& [name, t] : collect(true, true, false)) own.emplace(name, t);
  for (const auto& [name, t] : collect(false, true, false)) own.emplace(name, t);

  LoadResult result;
  std::vector<std::pair<Tensor, Tensor>> to_copy;  // (destination, source)
  std::ostringstream problems;
  for (const auto& [name, t] : own) {
    const auto it = dict.find(name);
    if (it == dict.end()) {
      result.missing_keys.push_back(name);
      problems << "\n  missing key '" << name << "' (the module has " << describe(t) << ")";
      continue;
    }
    const Tensor& src = it->second;
    if (!src.defined() || src.shape() != t.shape() || src.dtype() != t.dtype()) {
      const std::string dict_side = src.defined() ? describe(src) : "an undefined tensor";
      result.mismatched_keys.push_back(name + ": dict " + dict_side + ", module " + describe(t));
      problems << "\n  mismatch for '" << name << "': the dict has " << dict_side << ", the module has " << describe(t);
      continue;
    }
    to_copy.emplace_back(t, src);
  }
  for (const auto& [name, t] : dict)
    if (!own.count(name)) {
      result.unexpected_keys.push_back(name);
      problems << "\n  unexpected key '" << name << "'"
               << (t.defined() ? " (the dict has " + describe(t) + ")" : std::string());
    }
  if (strict && !result.ok()) fail("load_state_dict", name(), ": the state dict does not fit:", problems.str());
  NoGradGuard no_grad;  // as PyTorch's load_state_dict: the copies are not part of any graph
  for (auto& [dst, src] : to_copy) dst.copy_(src);
  return result;
}

std::ostream& operator<<(std::ostream& os, const Module& root) {
  // Iterative: a frame per open module, its children printed one by one, then its ')'.
  struct Frame {
    const Module* m;
    std::size_t next = 0;
  };
  auto head = [](const Module& m) { return m.name() + "(" + m.extra_repr(); };
  os << head(root);
  if (root.named_children().empty()) return os << ")";
  std::vector<Frame> stack{{&root}};
  while (!stack.empty()) {
    Frame& f = stack.back();
    const std::string indent(2 * stack.size(), ' ');
    if (f.next == f.m->named_children().size()) {
      stack.pop_back();
      os << "\n" << std::string(2 * stack.size(), ' ') << ")";
      continue;
    }
    const auto& [name, child] = f.m->named_children()[f.next++];
    os << "\n" << indent << "(" << name << "): " << head(*child);
    if (child->named_children().empty())
      os << ")";
    else
      stack.push_back({child.get()});
  }
  return os;
}

}  // namespace xgrad::nn
