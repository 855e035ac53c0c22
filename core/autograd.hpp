#pragma once
// The autograd graph: one Node per recorded op, holding the op's inputs (never its output, so
// there are no reference cycles), and the engine that walks it backward without recursion.
#include <cstdint>
#include <optional>
#include <vector>

#include "xgrad/core/tensor.hpp"

namespace xgrad {

bool is_grad_enabled();
void set_grad_enabled(bool enabled);

// Disables graph recording in its scope (inference, optimizer updates), like torch::NoGradGuard.
class NoGradGuard {
 public:
  NoGradGuard() : previous_(is_grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

class Node {
 public:
  Node(const char* name, std::vector<Tensor> inputs);
  virtual ~Node();  // tears the graph upstream down iteratively: a 100,000-op chain is fine
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const char* name() const { return name_; }
  const std::vector<Tensor>& inputs() const { return inputs_; }

  // Given dLoss/dOutput and the output's value, hands each input's gradient to accumulate().
  virtual void apply(const Storage& grad, const Storage& out) = 0;

  // Adds `g` into input i's gradient, after checking it has the input's shape and dtype.
  void accumulate(std::size_t i, Storage&& g);

  // Nodes alive right now, for tests that check the graph is freed.
  static std::int64_t live_count();

 private:
  friend void run_backward(const Tensor&, const Tensor&, bool);
  const char* name_;
  std::vector<Tensor> inputs_;
  std::optional<Storage> pending_;  // the output's gradient, summed while backward runs
  std::uint64_t mark_ = 0;          // visit marker of the current backward pass
  bool released_ = false;           // inputs freed by a backward without retain_graph
};

// The number of the backward() this thread started last, unique in the process and growing: hooks
// use it to tell one backward from the next (nn::GradientTrace starts a row per backward).
std::uint64_t backward_pass_count();

// Tensor::backward: seeds `root` with `gradient` (ones for a scalar) and runs the graph.
void run_backward(const Tensor& root, const Tensor& gradient, bool retain_graph);

}  // namespace xgrad
