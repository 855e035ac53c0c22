#include "xgrad/core/autograd.hpp"

#include <algorithm>
#include <atomic>
#include <string>

#include "xgrad/core/anomaly.hpp"
#include "xgrad/core/hooks.hpp"

namespace xgrad {

namespace {
thread_local bool grad_enabled = true;
// Pass numbers are process-wide, so that a pass in one thread never reuses the number a pass in
// another left on the nodes of a retained graph as their visit marker (a per-thread counter made
// the second thread's pass skip every node); each thread remembers the one it runs.
std::atomic<std::uint64_t> backward_passes{0};
thread_local std::uint64_t current_pass = 0;
std::atomic<std::int64_t> live_nodes{0};

Shape shape_of(const Storage& s) {
  return std::visit([](const auto& a) { return Shape(a.shape().begin(), a.shape().end()); }, s);
}
Dtype dtype_of(const Storage& s) {
  return std::visit([](const auto& a) { return xgrad::dtype_of<typename std::decay_t<decltype(a)>::value_type>(); }, s);
}

// Compares the two arrays' shapes in place: this runs once per gradient, so it allocates nothing.
bool same_shape(const Storage& a, const Storage& b) {
  return std::visit(
      [](const auto& x, const auto& y) {
        return std::equal(x.shape().begin(), x.shape().end(), y.shape().begin(), y.shape().end());
      },
      a, b);
}

// into += g, element types already known to match.
void add_into(Storage& into, const Storage& g) {
  std::visit(
      [&](auto& a) {
        using A = std::decay_t<decltype(a)>;
        a += std::get<A>(g);
      },
      into);
}

// A leaf's gradient of this backward, added into grad().
void add_to_leaf_grad(TensorImpl& leaf, Storage&& g) {
  if (leaf.grad)
    add_into(leaf.grad->data, g);
  else
    leaf.grad = std::make_shared<TensorImpl>(std::move(g));
}

bool has_hooks(const TensorImpl& t) {
  return t.hooks && (!t.hooks->grad_hooks.empty() || !t.hooks->post_accumulate_hooks.empty());
}

// Runs a tensor's register_hook functions on its gradient g, in registration order, each given
// the previous one's result (core/hooks.hpp).
void run_grad_hooks(const detail::HookTable& table, Storage& g) {
  if (table.grad_hooks.empty()) return;
  const auto hooks = table.grad_hooks;  // a copy: a hook may add or remove hooks
  NoGradGuard no_grad;
  Tensor current(std::make_shared<TensorImpl>(std::move(g)));
  for (const auto& entry : hooks) {
    Tensor replaced = entry.second(current);
    if (!replaced.defined()) continue;
    if (replaced.dtype() != current.dtype() || replaced.shape() != current.shape())
      fail("register_hook", "a hook returned a gradient of shape ", to_string(replaced.shape()), " (", replaced.dtype(),
           ") for a tensor whose gradient has shape ", to_string(current.shape()), " (", current.dtype(), ")");
    current = std::move(replaced);
  }
  // A hook may have kept the gradient tensor: move its values out only if nobody else holds it.
  g = detail::TensorAccess::impl(current).use_count() == 1 ? std::move(detail::TensorAccess::impl(current)->data)
                                                           : current.storage();
}

// A hooked leaf whose last contribution of this backward has arrived: hooks, accumulation, then
// the post-accumulate-grad hooks.
void finish_leaf(const Tensor& leaf) {
  const std::shared_ptr<detail::HookTable> table = detail::TensorAccess::impl(leaf)->hooks;
  std::optional<Storage> g = std::move(table->pending);
  table->pending.reset();
  if (!g) return;  // no gradient reached it
  run_grad_hooks(*table, *g);
  add_to_leaf_grad(*detail::TensorAccess::impl(leaf), std::move(*g));
  if (table->post_accumulate_hooks.empty()) return;
  const auto hooks = table->post_accumulate_hooks;
  NoGradGuard no_grad;
  for (const auto& entry : hooks) entry.second(leaf);
}
}  // namespace

bool is_grad_enabled() { return grad_enabled; }
std::uint64_t backward_pass_count() { return current_pass; }
void set_grad_enabled(bool enabled) { grad_enabled = enabled; }

Node::Node(const char* name, std::vector<Tensor> inputs) : name_(name), inputs_(std::move(inputs)) {
  ++live_nodes;
  for (std::size_t i = 0; i < inputs_.size(); ++i) {
    const std::uint32_t v = inputs_[i].impl_ ? inputs_[i].impl_->version : 0;
    if (i < kInline)
      versions_[i] = v;
    else
      more_versions_.push_back(v);
  }
}

void Node::version_error(const char* what, std::size_t i, std::uint32_t now, std::uint32_t expected) const {
  const std::string which = std::string(what) == "input" ? "input " + std::to_string(i) : std::string("output");
  const Tensor& t = std::string(what) == "input" ? inputs_[i] : Tensor();
  std::string shape = t.defined() ? " of shape " + to_string(t.shape()) : std::string();
  fail("backward",
       "one of the variables needed for gradient computation has been modified by an inplace operation: the ", which,
       shape, " of op '", name_, "' is at version ", now, ", expected version ", expected,
       " (written after the forward pass, through data<T>(), copy_, set, +=, or an optimizer's step); "
       "compute the forward again after the write, or write into a clone()");
}

Node::~Node() {
  --live_nodes;
  // Destroying a node drops its inputs, whose nodes drop theirs, and so on: done naively that
  // recursion overflows the stack on long chains. Instead, steal every input that would die here
  // onto an explicit stack and take its node apart in a loop.
  std::vector<std::shared_ptr<TensorImpl>> stack;
  auto steal_inputs = [&stack](std::vector<Tensor>& inputs) {
    for (auto& t : inputs)
      if (t.impl_ && t.impl_.use_count() == 1) stack.push_back(std::move(t.impl_));
  };
  steal_inputs(inputs_);
  while (!stack.empty()) {
    std::shared_ptr<TensorImpl> impl = std::move(stack.back());
    stack.pop_back();
    if (impl->grad_fn && impl->grad_fn.use_count() == 1) {
      std::shared_ptr<Node> node = std::move(impl->grad_fn);
      steal_inputs(node->inputs_);
    }  // node (now without dying inputs) and impl are freed here, without recursing
  }
}

std::int64_t Node::live_count() { return live_nodes.load(); }

void Node::accumulate(std::size_t i, Storage&& g) {
  TensorImpl& in = *inputs_[i].impl_;
  if (g.index() != in.data.index() || !same_shape(g, in.data))
    fail(name_, "backward produced a gradient of shape ", to_string(shape_of(g)), " (", dtype_of(g), ") for input ", i,
         " of shape ", to_string(shape_of(in.data)), " (", dtype_of(in.data), ")");
  if (is_anomaly_enabled()) detail::check_backward(name_, i, g, inputs_);
  if (in.grad_fn) {
    auto& pending = in.grad_fn->pending_;
    if (pending)
      add_into(*pending, g);
    else
      pending = std::move(g);
  } else if (in.requires_grad) {
    if (in.hooks && in.hooks->waiting > 0) {  // summed first: its hooks see the whole gradient
      auto& pending = in.hooks->pending;
      if (pending)
        add_into(*pending, g);
      else
        pending = std::move(g);
    } else {
      add_to_leaf_grad(in, std::move(g));
    }
  }
}

void run_backward(const Tensor& root, const Tensor& gradient, bool retain_graph) {
  if (!root.defined()) fail("backward", "the tensor is undefined");
  if (!root.requires_grad())
    fail("backward",
         "the tensor does not require grad and has no grad_fn; call requires_grad_() "
         "on the leaves you want gradients for (and not inside a NoGradGuard)");
  Storage seed = [&]() -> Storage {
    if (!gradient.defined()) {
      if (root.numel() != 1)
        fail("backward",
             "a gradient can be created implicitly only for a scalar output, but the "
             "output has shape ",
             to_string(root.shape()), "; pass backward(gradient) with a gradient of that shape");
      return std::visit([](const auto& a) -> Storage { return std::decay_t<decltype(a)>(xt::ones_like(a)); },
                        root.storage());
    }
    if (gradient.shape() != root.shape() || gradient.dtype() != root.dtype())
      fail("backward", "the gradient has shape ", to_string(gradient.shape()), " (", gradient.dtype(),
           ") but the output has shape ", to_string(root.shape()), " (", root.dtype(), ")");
    return gradient.storage();
  }();
  if (is_anomaly_enabled()) detail::check_seed(seed);
  const std::uint64_t pass = current_pass = ++backward_passes;

  TensorImpl* root_impl = detail::TensorAccess::impl(root).get();
  if (!root_impl->grad_fn) {  // a leaf: its gradient is the seed itself
    if (has_hooks(*root_impl)) {
      root_impl->hooks->pending = std::move(seed);
      finish_leaf(root);
    } else {
      add_to_leaf_grad(*root_impl, std::move(seed));
    }
    return;
  }

  // Topological order by an iterative depth-first search: `order` lists every node after the
  // nodes that produced its inputs (post-order), walked in reverse below so consumers run first.
  struct Frame {
    Node* node;
    TensorImpl* out;
    std::size_t next;
  };
  // Not owning: every node is held by its output, held by a consumer's inputs up to the root,
  // which the caller holds; nothing is freed before the release loop at the end.
  struct Visit {
    Node* node;
    TensorImpl* out;
  };
  std::vector<Frame> stack{{root_impl->grad_fn.get(), root_impl, 0}};
  std::vector<Visit> order;
  // Leaves with hooks: each counts the ops that will hand it a gradient, so that its hooks run
  // once, on the sum, as soon as the last of them has run (not at the end of backward).
  std::vector<std::shared_ptr<detail::HookTable>> hooked_leaves;
  root_impl->grad_fn->mark_ = pass;
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.node->released_)
      fail("backward", "the graph through op '", top.node->name_,
           "' was already freed by an earlier backward(); pass retain_graph=true to the first "
           "backward() to run backward through it twice");
    if (top.next < top.node->inputs_.size()) {
      TensorImpl* in = detail::TensorAccess::impl(top.node->inputs_[top.next++]).get();
      if (in->grad_fn) {
        if (in->grad_fn->mark_ != pass) {
          in->grad_fn->mark_ = pass;
          stack.push_back({in->grad_fn.get(), in, 0});
        }
      } else if (in->requires_grad && has_hooks(*in)) {
        detail::HookTable& table = *in->hooks;
        if (table.pass != pass) {
          table.pass = pass;
          table.waiting = 0;
          table.pending.reset();
          hooked_leaves.push_back(in->hooks);
        }
        ++table.waiting;
      }
    } else {
      order.push_back({top.node, top.out});
      stack.pop_back();
    }
  }

  root_impl->grad_fn->pending_ = std::move(seed);
  try {
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      Node& node = *it->node;
      if (node.pending_) {  // else no gradient reached it (e.g. only through argmax)
        if (it->out->hooks) run_grad_hooks(*it->out->hooks, *node.pending_);
        const Storage& g = *node.pending_;  // used in place: nothing upstream adds to it now
        if (it->out->retains_grad) {
          if (it->out->grad)
            add_into(it->out->grad->data, g);
          else
            it->out->grad = std::make_shared<TensorImpl>(g);
        }
        node.out_ = it->out;
        node.apply(g, it->out->data);
        node.out_ = nullptr;
        node.pending_.reset();
      }
      if (!hooked_leaves.empty())
        for (const Tensor& t : node.inputs_) {
          const TensorImpl* ti = detail::TensorAccess::impl(t).get();
          detail::HookTable* table = ti->grad_fn ? nullptr : ti->hooks.get();
          if (table && table->pass == pass && table->waiting > 0 && --table->waiting == 0) finish_leaf(t);
        }
    }
  } catch (...) {
    for (auto& v : order) {
      v.node->pending_.reset();
      v.node->out_ = nullptr;
    }
    for (auto& table : hooked_leaves) {
      table->waiting = 0;
      table->pending.reset();
    }
    throw;
  }
  // Producers come before their consumers in `order`, so clearing a node's inputs frees only
  // nodes already released, never one the loop has still to reach.
  if (!retain_graph)
    for (auto& v : order) {
      v.node->released_ = true;
      v.node->inputs_.clear();
    }
}

}  // namespace xgrad
