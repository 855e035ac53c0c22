#pragma once
// The graph that produced a tensor, as a picture: Graphviz DOT text, and PNG/SVG/PDF through
// Graphviz's `dot` program. In the style of micrograd's draw_dot: one box per tensor with its
// name, shape, values and (after backward) gradient, and one small oval per op.
//
//   xg::GraphCapture graph(loss);          // before backward(), which frees the graph
//   loss.backward();
//   graph.render("graph.png", {.parameters = net.named_parameters(), .names = {{"x", x}}});
//
// Why a capture: backward() frees the graph (unless retain_graph) and keeps the gradient of
// leaves only. GraphCapture walks the graph when it is made, holds every tensor in it (so their
// values stay alive) and marks each non-leaf as retain_grad(), so after backward every box shows
// its gradient, as micrograd's does. The picture reads values and gradients when it is drawn,
// not when the capture is made: draw it after backward() and before the optimizer's step().
//
// to_dot(t) is the same without a capture: before backward(), or after backward(retain_graph)
// (then only leaves, and tensors you retain_grad()ed, have a gradient to show). On a graph that
// backward() already freed it throws, saying to capture it first.
//
// Rendering runs Graphviz's `dot` as a child process (posix_spawnp, no shell) rather than
// linking libgvc: the core library needs no Graphviz to build or to run (only render() does), and
// a missing `dot` is an xg::Error naming the package to install.
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "xgrad/core/tensor.hpp"

namespace xgrad {

// The same type as nn::NamedTensors, so `net.named_parameters()` can be passed as is.
using NamedTensorList = std::vector<std::pair<std::string, Tensor>>;

struct DotOptions {
  // Tensors named and coloured as parameters, e.g. module.named_parameters().
  NamedTensorList parameters{};
  // Any other tensor to name in the picture: inputs, targets, intermediate results.
  NamedTensorList names{};
  // Tensors of at most this many elements show every value (and gradient); larger ones show
  // min / mean / max. 0 summarizes all.
  std::size_t max_values = 16;
  // Digits after the decimal point (micrograd's "%.4f"); tiny and huge values switch to 1.2e-07.
  int precision = 4;
  // "LR" (left to right, micrograd's layout) or "BT" (bottom to top).
  std::string rankdir{"LR"};
};

// Colours of the boxes (also in the legend of docs/graphs.md).
inline constexpr const char* kDotParameterColor = "#a6cee3";  // a leaf in `parameters`, or a leaf that requires grad
inline constexpr const char* kDotInputColor = "#e0e0e0";      // any other leaf: data, targets
inline constexpr const char* kDotLossColor = "#fdbf6f";       // the tensor the graph was drawn from

class GraphCapture {
 public:
  // Walks the graph that produced `root` (iteratively). With retain_grads, every non-leaf that
  // requires grad is marked retain_grad(), so backward() stores its gradient too.
  explicit GraphCapture(const Tensor& root, bool retain_grads = true);

  std::string to_dot(const DotOptions& options = {}) const;
  // Writes the picture to `path`, its format from the extension (.png, .svg or .pdf).
  void render(const std::string& path, const DotOptions& options = {}) const;

  std::size_t size() const { return nodes_.size(); }

 private:
  struct Entry {
    std::shared_ptr<TensorImpl> tensor;
    std::string op;                   // empty for a leaf
    std::vector<std::size_t> inputs;  // indices into nodes_
  };
  std::vector<Entry> nodes_;  // nodes_[0] is the root
};

// The graph of `t` in DOT, drawn now: see the header comment for when that works.
std::string to_dot(const Tensor& t, const DotOptions& options = {});

// Runs `program` (Graphviz's dot) on the DOT text and writes its output to `path` atomically
// (a temporary file next to it, renamed into place). Throws xg::Error if the program is missing,
// fails (its message quoted), or the extension is not .png, .svg or .pdf.
void render_dot(const std::string& dot, const std::string& path, const std::string& program = "dot");

}  // namespace xgrad
