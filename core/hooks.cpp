#include "xgrad/core/hooks.hpp"

#include <algorithm>

#include "xgrad/core/autograd.hpp"

namespace xgrad {

namespace {
template <class List>
bool erase_id(List& list, std::uint64_t id) {
  auto it = std::find_if(list.begin(), list.end(), [id](const auto& e) { return e.first == id; });
  if (it == list.end()) return false;
  list.erase(it);
  return true;
}

detail::HookTable& table_of(TensorImpl& impl) {
  if (!impl.hooks) impl.hooks = std::make_shared<detail::HookTable>();
  return *impl.hooks;
}
}  // namespace

void HookHandle::remove() {
  if (auto table = table_.lock()) {
    if (!erase_id(table->grad_hooks, id_)) erase_id(table->post_accumulate_hooks, id_);
  }
  table_.reset();
}

bool HookHandle::active() const {
  auto table = table_.lock();
  if (!table) return false;
  auto has = [&](const auto& list) {
    return std::any_of(list.begin(), list.end(), [&](const auto& e) { return e.first == id_; });
  };
  return has(table->grad_hooks) || has(table->post_accumulate_hooks);
}

HookHandle Tensor::add_grad_hook(std::function<Tensor(const Tensor&)> fn) {
  TensorImpl& impl = checked();
  if (!impl.requires_grad)
    fail("register_hook", "cannot register a hook on a tensor that does not require grad; call requires_grad_() first");
  if (!fn) fail("register_hook", "the hook is an empty function");
  detail::HookTable& table = table_of(impl);
  const std::uint64_t id = table.next_id++;
  table.grad_hooks.emplace_back(id, std::move(fn));
  return HookHandle(impl.hooks, id);
}

HookHandle Tensor::register_post_accumulate_grad_hook(std::function<void(const Tensor&)> fn) {
  TensorImpl& impl = checked();
  if (impl.grad_fn)
    fail("register_post_accumulate_grad_hook", "only a leaf tensor accumulates a gradient; this one was made by '",
         impl.grad_fn->name(), "' (use register_hook on it instead)");
  if (!impl.requires_grad)
    fail("register_post_accumulate_grad_hook",
         "cannot register a hook on a tensor that does not require grad; call requires_grad_() first");
  if (!fn) fail("register_post_accumulate_grad_hook", "the hook is an empty function");
  detail::HookTable& table = table_of(impl);
  const std::uint64_t id = table.next_id++;
  table.post_accumulate_hooks.emplace_back(id, std::move(fn));
  return HookHandle(impl.hooks, id);
}

}  // namespace xgrad
