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

  // Input i as a backward reads it: throws, as PyTorch does, when it was written in place since
  // this node was recorded (its version moved on). Backward<T>::input() and tensor() go here.
  const Tensor& saved_input(std::size_t i) const {
    if (inputs_[i].impl_->version != version_of(i)) version_error("input", i, inputs_[i].impl_->version, version_of(i));
    return inputs_[i];
  }
  // Throws likewise when the op's output was written in place before this backward reads it.
  void check_output() const {
    if (out_ && out_->version != out_version_) version_error("output", 0, out_->version, out_version_);
  }
  // The output's version when the node was recorded; record() sets it.
  void set_output_version(std::uint32_t v) { out_version_ = v; }

  // Nodes alive right now, for tests that check the graph is freed.
  static std::int64_t live_count();

 private:
  friend void run_backward(const Tensor&, const Tensor&, bool);
  std::uint32_t version_of(std::size_t i) const { return i < kInline ? versions_[i] : more_versions_[i - kInline]; }
  [[noreturn]] void version_error(const char* what, std::size_t i, std::uint32_t now, std::uint32_t expected) const;
  const char* name_;
  std::vector<Tensor> inputs_;
  // The inputs' versions at recording: inline for the usual one to four inputs (no allocation).
  static constexpr std::size_t kInline = 4;
  std::uint32_t versions_[kInline] = {};
  std::vector<std::uint32_t> more_versions_;
  std::uint32_t out_version_ = 0;
  const TensorImpl* out_ = nullptr;  // the output, while backward runs this node
  std::optional<Storage> pending_;   // the output's gradient, summed while backward runs
  std::uint64_t mark_ = 0;           // visit marker of the current backward pass
  bool released_ = false;            // inputs freed by a backward without retain_graph
};

// The number of the backward() this thread started last, unique in the process and growing: hooks
// use it to tell one backward from the next (nn::GradientTrace starts a row per backward).
std::uint64_t backward_pass_count();

// Tensor::backward: seeds `root` with `gradient` (ones for a scalar) and runs the graph.
void run_backward(const Tensor& root, const Tensor& gradient, bool retain_graph);

}  // namespace xgrad
