#pragma once
// Module: the base of every layer and model, as torch.nn.Module. A module owns named parameters
// (trained tensors), named buffers (state such as BatchNorm's running statistics) and named
// child modules; from those it derives dotted names ("backbone.0.weight"), state_dict(),
// train()/eval() and to(dtype).
//
//   struct Net : xg::nn::Module {
//     std::shared_ptr<xg::nn::Linear> fc1, fc2;
//     Net() : fc1(register_module("fc1", std::make_shared<xg::nn::Linear>(784, 256))),
//             fc2(register_module("fc2", std::make_shared<xg::nn::Linear>(256, 10))) {}
//     xg::Tensor forward(const xg::Tensor& x) override { return fc2->forward(xg::relu(fc1->forward(x))); }
//   };
//
// Parameters and buffers are Tensor handles shared between the module's registry and the
// layer's members (Linear::weight): to(dtype) and load_state_dict() replace their values in
// place, so both stay the same tensor. Write new values the same way (through data<T>() or
// load_state_dict), never by rebinding a member to another Tensor.
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "xgrad/core/state_dict.hpp"
#include "xgrad/core/tensor.hpp"

namespace xgrad::nn {

class Module;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
using NamedModules = std::vector<std::pair<std::string, std::shared_ptr<Module>>>;

// What load_state_dict() found that did not fit. With strict=true any of it is an error; with
// strict=false those entries are skipped and listed here.
struct LoadResult {
  std::vector<std::string> missing_keys;     // the module has them, the dict does not
  std::vector<std::string> unexpected_keys;  // the dict has them, the module does not
  // in both with another shape or dtype: "fc.weight: dict (10, 5) float32, module (3, 5) float32"
  std::vector<std::string> mismatched_keys;
  bool ok() const { return missing_keys.empty() && unexpected_keys.empty() && mismatched_keys.empty(); }
};
std::ostream& operator<<(std::ostream& os, const LoadResult& r);

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  // A copy would share or split parameters silently; modules live behind shared_ptr.
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The computation. Module's own throws: a container whose forward takes other arguments
  // defines its own and never calls this one. model(x) is model.forward(x), as in PyTorch
  // (Sequential included). A module whose forward takes other arguments declares its own
  // operator() beside it (and `using Module::operator();` to keep this one).
  virtual Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }

  // "Linear", "Conv2d", "Net": the class name, for messages and printing.
  virtual std::string name() const;
  // The layer's settings for printing: "in_features=784, out_features=256, bias=true".
  virtual std::string extra_repr() const { return {}; }

  // Registration, normally from a constructor. Names are unique across parameters, buffers and
  // children and contain no '.'. register_parameter sets requires_grad; a buffer is state that
  // is saved but not trained (it may be int64).
  Tensor register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  Tensor register_buffer(const std::string& name, Tensor t);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

  // This module's and, with recurse, all descendants' tensors, in registration order, children
  // after their parent. A tensor or module registered twice is listed once, under its first name.
  std::vector<Tensor> parameters(bool recurse = true) const;
  NamedTensors named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  NamedTensors named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  const NamedModules& named_children() const { return children_; }
  // Every descendant with its dotted name, pre-order; the module itself is not listed.
  NamedModules named_modules() const;

  // Training mode (the default) or evaluation mode, for this module and every descendant:
  // Dropout and BatchNorm behave differently in each.
  Module& train(bool on = true);
  Module& eval() { return train(false); }
  bool is_training() const { return training_; }

  // Clears every parameter's gradient (sets it undefined, like set_to_none in PyTorch).
  void zero_grad();

  // Converts every parameter, float buffer and their gradients to float32 or float64, in place.
  Module& to(Dtype dtype);

  // Copies of every parameter and buffer under its dotted name, each prefixed with `prefix`. A
  // tensor registered under two names appears under both, as in PyTorch. With a prefix, model and
  // optimizer share one file:
  //   StateDict all = model.state_dict("model.");
  //   all.merge(opt.state_dict("optimizer."));
  //   xg::save(all, "checkpoint.safetensors");
  //   model.load_state_dict(xg::load("checkpoint.safetensors"), "model.");  // strict: ignores "optimizer.*"
  StateDict state_dict(const std::string& prefix = "") const;
  // Copies the dict's values into the parameters and buffers of the same names. With a prefix,
  // only the keys that start with it are the module's (the prefix removed); others are left to
  // their owners and never count as unexpected. With strict, any missing key, unexpected key or
  // shape/dtype mismatch throws one Error naming every such key with both shapes, and nothing is
  // changed; without, the entries that fit are loaded and the rest are reported. The copies are
  // made as under a NoGradGuard and bump each tensor's version.
  LoadResult load_state_dict(const StateDict& dict, bool strict = true);
  LoadResult load_state_dict(const StateDict& dict, const std::string& prefix, bool strict = true);
  // A string literal would otherwise convert to the bool above.
  LoadResult load_state_dict(const StateDict& dict, const char* prefix, bool strict = true) {
    return load_state_dict(dict, std::string(prefix), strict);
  }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void check_new_name(const char* what, const std::string& name) const;
  // Every (prefix, module) in the tree, pre-order, this module first with prefix "". With
  // `unique`, a module reached twice is visited once.
  std::vector<std::pair<std::string, const Module*>> walk(bool unique) const;
  NamedTensors collect(bool parameters, bool recurse, bool unique) const;

  NamedTensors parameters_, buffers_;
  NamedModules children_;
  bool training_ = true;
};

// Prints the module tree the way PyTorch does:
//   Net(
//     (fc1): Linear(in_features=784, out_features=256, bias=true)
//     (fc2): Linear(in_features=256, out_features=10, bias=true)
//   )
std::ostream& operator<<(std::ostream& os, const Module& m);

}  // namespace xgrad::nn
