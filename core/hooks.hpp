#pragma once
// Gradient hooks, as torch.Tensor.register_hook and register_post_accumulate_grad_hook: functions
// the autograd engine calls with a tensor's gradient while backward() runs, to look at it (plot
// vanishing or exploding gradients, nn::GradientTrace) or to replace it (clip, scale), and to
// start work as soon as a gradient is final (distributed::DistributedDataParallel's allreduce).
//
//   xg::Tensor w = xg::randn({3}).requires_grad_();
//   auto h = w.register_hook([](const xg::Tensor& g) { return g * 2.0; });  // doubles w's gradient
//   loss.backward();
//   h.remove();
//
// When they run, and in which order:
// - Once per backward() and tensor, with the tensor's whole gradient of that backward (every
//   path through the graph summed), as soon as it is complete, under NoGradGuard.
// - A tensor's hooks run in the order they were registered, each given the previous one's
//   result; a hook returning a Tensor (same shape and dtype) replaces the gradient, one
//   returning void or an undefined Tensor keeps it.
// - Non-leaf: before the gradient goes on to the op that made the tensor, and before
//   retain_grad() stores it (grad() then holds the hooked gradient, as in PyTorch 2).
// - Leaf: the hooks run on this backward's gradient, the result is then added into grad()
//   (accumulation, see Tensor::backward), then the post-accumulate-grad hooks run, in
//   registration order, given the tensor itself (read t.grad()).
// - Across tensors, in the order the engine completes their gradients: a consumer before the
//   tensors it was computed from; for model parameters, roughly last layer first.
// A hook that throws aborts the backward: the exception reaches the backward() call.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "xgrad/core/tensor.hpp"

namespace xgrad {

namespace detail {
// A tensor's hooks (TensorImpl::hooks), and what the engine keeps for a leaf during one backward.
struct HookTable {
  std::vector<std::pair<std::uint64_t, std::function<Tensor(const Tensor&)>>> grad_hooks;
  std::vector<std::pair<std::uint64_t, std::function<void(const Tensor&)>>> post_accumulate_hooks;
  std::uint64_t next_id = 0;
  // A leaf with hooks: its gradient is summed here until the last op using it has run.
  std::optional<Storage> pending;
  std::size_t waiting = 0;  // ops of the current backward that still have to hand it a gradient
  std::uint64_t pass = 0;   // the backward pass `waiting` counts for
};
}  // namespace detail

// What register_hook returns: remove() unregisters the hook (later calls do nothing). Dropping
// the handle keeps the hook registered, as in PyTorch.
class HookHandle {
 public:
  HookHandle() = default;
  HookHandle(std::weak_ptr<detail::HookTable> table, std::uint64_t id) : table_(std::move(table)), id_(id) {}
  void remove();
  bool active() const;  // registered and not removed

 private:
  std::weak_ptr<detail::HookTable> table_;
  std::uint64_t id_ = 0;
};

template <class F>
HookHandle Tensor::register_hook(F&& fn) {
  using R = std::invoke_result_t<F&, const Tensor&>;
  if constexpr (std::is_void_v<R>) {
    return add_grad_hook([f = std::forward<F>(fn)](const Tensor& g) mutable {
      f(g);
      return Tensor();
    });
  } else {
    static_assert(std::is_convertible_v<R, Tensor>, "register_hook: the hook must return void or a Tensor");
    return add_grad_hook(std::function<Tensor(const Tensor&)>(std::forward<F>(fn)));
  }
}

}  // namespace xgrad
