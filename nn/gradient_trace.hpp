#pragma once
// GradientTrace: the L2 norm of every parameter's gradient at every backward(), recorded by
// gradient hooks (core/hooks.hpp), for plotting how gradients flow through a network during
// training: vanishing ones in the first layers of a deep sigmoid net, exploding ones at a too
// large learning rate.
//
//   xg::nn::GradientTrace trace(net);            // hooks on every named parameter
//   for (...) { opt.zero_grad(); loss.backward(); opt.step(); }
//   trace.write_csv("out/grad_norms.csv");       // step,fc1.weight,fc1.bias,...
//
// Each backward() that reaches a parameter adds one row: norms()[row][i] is parameter i's
// gradient norm in that backward (the gradient of that backward alone, before it is added into
// grad()), NaN for a parameter that backward did not reach. Destroying the trace removes its hooks.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/core/tensor.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

class GradientTrace {
 public:
  explicit GradientTrace(const Module& module);  // every parameter, under its dotted name
  explicit GradientTrace(const NamedTensors& parameters);
  ~GradientTrace();
  GradientTrace(const GradientTrace&) = delete;
  GradientTrace& operator=(const GradientTrace&) = delete;

  const std::vector<std::string>& names() const;
  std::size_t steps() const;
  const std::vector<std::vector<double>>& norms() const;      // [step][parameter]
  std::vector<double> series(const std::string& name) const;  // one parameter's norms, per step
  // step,<name>,<name>,...: one line per recorded backward, %.9g, NaN written as "nan".
  void write_csv(const std::string& path) const;
  void clear();

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::vector<HookHandle> handles_;
};

}  // namespace xgrad::nn
