#pragma once
// Anomaly mode, as torch.autograd.set_detect_anomaly: while it is on, every op's forward output
// and every gradient its backward produces is checked for NaN and Inf, and the first bad value
// throws an Error naming the op, its inputs' shapes and the pass (forward or backward) where it
// appeared. Off by default; when off, each op pays one thread-local load. The mode is per thread
// (as grad mode is): a guard affects only the thread that holds it.
//
//   {
//     xg::AnomalyGuard anomaly;  // on in this scope
//     loss = model(x) ...;       // throws at the op that made the first NaN/Inf
//     loss.backward();           // throws at the backward that made the first NaN/Inf
//   }
#include <vector>

#include "xgrad/core/tensor.hpp"

namespace xgrad {

bool is_anomaly_enabled();
void set_detect_anomaly(bool enabled);

class AnomalyGuard {
 public:
  explicit AnomalyGuard(bool enabled = true) : previous_(is_anomaly_enabled()) { set_detect_anomaly(enabled); }
  ~AnomalyGuard() { set_detect_anomaly(previous_); }
  AnomalyGuard(const AnomalyGuard&) = delete;
  AnomalyGuard& operator=(const AnomalyGuard&) = delete;

 private:
  bool previous_;
};

namespace detail {
// Called by record() on each op's result and by the engine on each gradient, only when anomaly
// mode is on. They throw when `value` holds a NaN or Inf.
void check_forward(const char* op, const Storage& value, const std::vector<Tensor>& inputs);
void check_backward(const char* op, std::size_t input, const Storage& grad, const std::vector<Tensor>& inputs);
void check_seed(const Storage& grad);
}  // namespace detail

}  // namespace xgrad
