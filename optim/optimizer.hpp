#pragma once
// The base of every optimizer: parameter groups, zero_grad, per-parameter state and the state
// dict that saves it, as in torch.optim.Optimizer.
//
// An optimizer holds the parameter Tensors themselves (shared handles), so step() updates the
// very tensors the model holds, in place, through data<T>().
//
// state_dict() flattens what PyTorch keeps in {"state": ..., "param_groups": ...} into named
// tensors, so it can be written with xg::save, alone or merged into a model's checkpoint:
//
//   state.<i>.step             int64, 0-d     steps taken by parameter i (optimizers that count)
//   state.<i>.<buffer>         param's dtype  a moment buffer of parameter i ("exp_avg", ...)
//   param_groups.<g>.params    int64, (n,)    the indices i of group g's parameters
//   param_groups.<g>.<option>  float64, 0-d   a hyper-parameter of group g ("lr", "beta1", ...);
//                                             booleans are 0 or 1
//
// Parameters are numbered across groups in order, as PyTorch does; a parameter that has not been
// stepped yet has no state entry.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "xgrad/core/error.hpp"
#include "xgrad/core/state_dict.hpp"
#include "xgrad/core/tensor.hpp"

namespace xgrad::optim {

// Some parameters with their own options: `{{backbone_params, {.lr = 1e-4}}, {head_params}}`.
template <class Options>
struct ParamGroup {
  std::vector<Tensor> params;
  Options options{};
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient; parameters without one are skipped.
  virtual void step() = 0;

  // Clears every parameter's gradient: undefined (the default, as PyTorch 2) or filled with zeros.
  void zero_grad(bool set_to_none = true);

  const std::string& name() const { return name_; }
  std::size_t num_param_groups() const { return groups_.size(); }
  const std::vector<Tensor>& params(std::size_t group) const;
  std::vector<Tensor> parameters() const;  // every group's, in order

  // Hyper-parameters by name, like param_groups[group][name] in PyTorch: what schedulers read
  // and write ("lr", "momentum", "beta1"). Setting validates the group like the constructor does.
  bool has_option(std::string_view name) const;
  std::vector<std::string> option_names() const;
  double option(std::size_t group, std::string_view name) const;
  void set_option(std::size_t group, std::string_view name, double value);
  double lr(std::size_t group = 0) const { return option(group, "lr"); }
  void set_lr(std::size_t group, double lr) { set_option(group, "lr", lr); }

  // Copies of the state (see the top of this file). With a prefix, every key starts with it, so
  // the result can be merged into a model's state dict: opt.state_dict("optimizer.").
  StateDict state_dict(const std::string& prefix = "") const;
  // Replaces options and state with copies of those in `dict`, matched to this optimizer's
  // parameters by position. With a prefix, only keys starting with it are read and others are
  // ignored; without, every key must be an optimizer key. Throws xg::Error, changing nothing, when
  // the state does not fit: another number of groups or of parameters in a group, a buffer whose
  // shape is not its parameter's, a missing or unknown key, an option the constructor would
  // refuse, a step count outside [0, 2^63 - 1), a buffer value that is not finite, or a negative
  // one where the optimizer keeps squares (Adam's exp_avg_sq, RMSprop's square_avg).
  void load_state_dict(const StateDict& dict, const std::string& prefix = "");

 protected:
  // counts_steps: whether each parameter's state has a step count (Adam, RMSprop; not SGD).
  Optimizer(std::string name, bool counts_steps);

  struct ParamState {
    std::int64_t step = 0;
    std::map<std::string, Tensor> buffers;
  };

  // Checks and appends a group's parameters: floating leaves, none already in any group.
  void add_params(std::vector<Tensor> params);
  // Parameter `index` of `group`'s state, created empty on first use.
  ParamState& state(std::size_t group, std::size_t index);
  // The buffer `name` of a state, created as zeros shaped like `param` when missing. Throws if
  // the parameter's shape changed since (the update loops index both alike).
  Tensor& buffer(ParamState& state, const std::string& name, const Tensor& param) const;
  // The parameter's gradient, undefined if it has none, checked to have the parameter's shape.
  Tensor grad_of(const Tensor& param) const;
  // Throws before a step that would take a state's step count past 2^63 - 1 (a checkpoint may
  // hold 2^63 - 2, the largest load_state_dict accepts): called by the optimizers that count.
  void check_step_counts() const;

  // --- what each optimizer tells the base (OptimizerWithOptions implements the option part) ---
  virtual void visit_options(std::size_t group, const std::function<void(std::string_view, double)>& f) const = 0;
  // Replaces a group's options by name all at once, validating the result first (changes
  // nothing if it throws). Names not given keep their value.
  virtual void assign_options(std::size_t group, const std::map<std::string, double>& values) = 0;
  // Buffers a stepped parameter of `group` must have under its current options, and every
  // buffer name this optimizer knows.
  virtual std::vector<std::string> required_buffers(std::size_t group) const = 0;
  virtual std::vector<std::string> known_buffers() const = 0;
  // Buffers that hold averages of squares, which load_state_dict requires to be >= 0.
  virtual std::vector<std::string> nonnegative_buffers() const { return {}; }

 private:
  struct Group {
    std::vector<Tensor> params;
    std::size_t first_index;  // the global index of params[0]
  };
  std::string name_;
  bool counts_steps_;
  std::vector<Group> groups_;
  std::vector<std::optional<ParamState>> states_;  // by global index; empty until stepped
};

// The part of an optimizer that depends on its options struct. `Options` is an aggregate with
// `void validate() const` and `static void visit(auto& self, auto&& f)` calling f(name, field)
// for every field (double or bool).
template <class Options>
class OptimizerWithOptions : public Optimizer {
 public:
  const Options& options(std::size_t group = 0) const { return options_.at(checked_group(group)); }

  void add_param_group(ParamGroup<Options> group) {
    group.options.validate();
    add_params(std::move(group.params));
    options_.push_back(group.options);
  }

 protected:
  OptimizerWithOptions(std::string name, bool counts_steps, std::vector<ParamGroup<Options>> groups)
      : Optimizer(std::move(name), counts_steps) {
    if (groups.empty()) fail(this->name().c_str(), "got no parameter groups");
    for (auto& g : groups) add_param_group(std::move(g));
  }

  void visit_options(std::size_t group, const std::function<void(std::string_view, double)>& f) const override {
    Options::visit(options_.at(checked_group(group)),
                   [&](std::string_view name, const auto& field) { f(name, static_cast<double>(field)); });
  }

  void assign_options(std::size_t group, const std::map<std::string, double>& values) override {
    Options next = options_.at(checked_group(group));
    std::size_t found = 0;
    Options::visit(next, [&](std::string_view name, auto& field) {
      const auto it = values.find(std::string(name));
      if (it == values.end()) return;
      using Field = std::remove_reference_t<decltype(field)>;
      if constexpr (std::is_same_v<Field, bool>)
        field = it->second != 0.0;
      else
        field = static_cast<Field>(it->second);
      ++found;
    });
    if (found != values.size())
      for (const auto& [name, value] : values)
        if (!has_option(name)) fail(this->name().c_str(), "has no option '", name, "'");
    next.validate();
    options_[group] = next;
  }

  std::vector<Options> options_;

 private:
  std::size_t checked_group(std::size_t group) const {
    if (group >= options_.size())
      fail(name().c_str(), "parameter group ", group, " does not exist; there are ", options_.size());
    return group;
  }
};

// Calls f.template operator()<T>() with T the parameter's element type, float or double.
template <class F>
decltype(auto) dispatch_float(const char* op, const Tensor& param, F&& f) {
  switch (param.dtype()) {
    case kFloat32: return f.template operator()<float>();
    case kFloat64: return f.template operator()<double>();
    default: fail(op, "parameters must be float32 or float64, got ", param.dtype());
  }
}

}  // namespace xgrad::optim
