#include "xgrad/optim/optimizer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <utility>

#include "xgrad/core/autograd.hpp"
#include "xgrad/core/factory.hpp"

namespace xgrad::optim {

namespace {

// "state.3.exp_avg" -> {"state", 3, "exp_avg"}. Anything else, including a field with a dot in
// it, is not an optimizer key.
struct Key {
  std::string section;
  std::size_t index = 0;
  std::string field;
};

std::optional<Key> parse_key(std::string_view key) {
  for (std::string_view section : {"state.", "param_groups."}) {
    if (!key.starts_with(section)) continue;
    std::string_view rest = key.substr(section.size());
    const std::size_t dot = rest.find('.');
    if (dot == 0 || dot == std::string_view::npos) return std::nullopt;
    Key out{std::string(section.substr(0, section.size() - 1)), 0, std::string(rest.substr(dot + 1))};
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + dot, out.index);
    if (ec != std::errc() || end != rest.data() + dot) return std::nullopt;
    if (out.field.empty() || out.field.find('.') != std::string::npos) return std::nullopt;
    return out;
  }
  return std::nullopt;
}

Tensor int64_tensor(const std::vector<std::int64_t>& values) {
  xt::xarray<std::int64_t> a = xt::empty<std::int64_t>(Shape{values.size()});
  std::copy(values.begin(), values.end(), a.begin());
  return from_xarray(std::move(a));
}

// A 0-d or one-element tensor as a whole number in [0, 2^63 - 1): int64 read as is, floating
// values checked before the conversion (which is undefined out of range). Nothing otherwise.
std::optional<std::int64_t> step_count(const Tensor& t) {
  if (t.numel() != 1) return std::nullopt;
  std::int64_t v = 0;
  if (t.dtype() == kInt64) {
    v = t.data<std::int64_t>().data()[0];
  } else {
    const double d = t.item();
    if (!(d >= 0 && d < 0x1p63) || d != std::floor(d)) return std::nullopt;
    v = static_cast<std::int64_t>(d);
  }
  // The next step() adds one.
  if (v < 0 || v == std::numeric_limits<std::int64_t>::max()) return std::nullopt;
  return v;
}

// The first element of a float tensor that is not finite, or negative when `nonnegative`.
template <class T>
std::optional<std::pair<std::size_t, double>> first_bad(const xt::xarray<T>& a, bool nonnegative) {
  const T* p = a.data();
  for (std::size_t i = 0, n = a.size(); i < n; ++i)
    if (!std::isfinite(p[i]) || (nonnegative && p[i] < 0)) return std::pair{i, double(p[i])};
  return std::nullopt;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out.empty() ? "nothing" : out;
}

}  // namespace

Optimizer::Optimizer(std::string name, bool counts_steps) : name_(std::move(name)), counts_steps_(counts_steps) {}

const std::vector<Tensor>& Optimizer::params(std::size_t group) const {
  if (group >= groups_.size())
    fail(name_.c_str(), "parameter group ", group, " does not exist; there are ", groups_.size());
  return groups_[group].params;
}

std::vector<Tensor> Optimizer::parameters() const {
  std::vector<Tensor> all;
  for (const auto& g : groups_) all.insert(all.end(), g.params.begin(), g.params.end());
  return all;
}

void Optimizer::add_params(std::vector<Tensor> params) {
  const char* op = name_.c_str();
  const std::size_t g = groups_.size();
  if (params.empty()) fail(op, "parameter group ", g, " is empty; a group needs at least one parameter");
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    if (!p.defined()) fail(op, "parameter ", i, " of group ", g, " is an undefined tensor");
    if (p.dtype() != kFloat32 && p.dtype() != kFloat64)
      fail(op, "can only optimize float32 or float64 tensors, but parameter ", i, " of group ", g, " is ", p.dtype());
    if (!p.is_leaf())
      fail(op, "can't optimize a non-leaf tensor: parameter ", i, " of group ", g, " was computed by '",
           p.grad_fn()->name(), "'; optimize the leaf tensors it was computed from, or detach() it");
    // Listed twice, a parameter would be updated twice per step.
    for (std::size_t j = 0; j < i; ++j)
      if (params[j].is_same(p)) fail(op, "parameter ", i, " of group ", g, " is listed twice (also as ", j, ")");
    for (std::size_t h = 0; h < groups_.size(); ++h)
      for (std::size_t j = 0; j < groups_[h].params.size(); ++j)
        if (groups_[h].params[j].is_same(p))
          fail(op, "parameter ", i, " of group ", g, " is already parameter ", j, " of group ", h,
               "; a parameter can be in one group only, once");
  }
  const std::size_t first = states_.size();
  states_.resize(first + params.size());
  groups_.push_back({std::move(params), first});
}

Optimizer::ParamState& Optimizer::state(std::size_t group, std::size_t index) {
  auto& s = states_.at(groups_.at(group).first_index + index);
  if (!s) s.emplace();
  return *s;
}

Tensor& Optimizer::buffer(ParamState& state, const std::string& name, const Tensor& param) const {
  auto it = state.buffers.find(name);
  if (it == state.buffers.end()) it = state.buffers.emplace(name, zeros_like(param)).first;
  if (it->second.shape() != param.shape() || it->second.dtype() != param.dtype())
    fail((name_ + ".step").c_str(), "the state '", name, "' has shape ", to_string(it->second.shape()), " (",
         it->second.dtype(), ") but its parameter now has shape ", to_string(param.shape()), " (", param.dtype(),
         "); a parameter must keep its shape and dtype while an optimizer holds it");
  return it->second;
}

void Optimizer::check_step_counts() const {
  for (std::size_t i = 0; i < states_.size(); ++i)
    if (states_[i] && states_[i]->step == std::numeric_limits<std::int64_t>::max())
      fail((name_ + ".step").c_str(), "parameter ", i,
           " has taken 2^63 - 1 steps, the most its int64 step count "
           "holds; its state (from a checkpoint?) cannot take another");
}

Tensor Optimizer::grad_of(const Tensor& param) const {
  Tensor grad = param.grad();
  if (grad.defined() && (grad.shape() != param.shape() || grad.dtype() != param.dtype()))
    fail((name_ + ".step").c_str(), "a gradient of shape ", to_string(grad.shape()), " (", grad.dtype(),
         ") for a parameter of shape ", to_string(param.shape()), " (", param.dtype(), ")");
  return grad;
}

void Optimizer::zero_grad(bool set_to_none) {
  for (const auto& g : groups_)
    for (Tensor p : g.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (set_to_none)
        p.set_grad({});
      else
        dispatch_float("zero_grad", grad, [&]<class T>() { grad.data<T>().fill(T(0)); });
    }
}

bool Optimizer::has_option(std::string_view name) const {
  const auto names = option_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::vector<std::string> Optimizer::option_names() const {
  std::vector<std::string> names;
  visit_options(0, [&](std::string_view n, double) { names.emplace_back(n); });
  return names;
}

double Optimizer::option(std::size_t group, std::string_view name) const {
  std::optional<double> value;
  visit_options(group, [&](std::string_view n, double v) {
    if (n == name) value = v;
  });
  if (!value) fail(name_.c_str(), "has no option '", name, "'; its options are ", join(option_names()));
  return *value;
}

void Optimizer::set_option(std::size_t group, std::string_view name, double value) {
  if (!has_option(name)) fail(name_.c_str(), "has no option '", name, "'; its options are ", join(option_names()));
  assign_options(group, {{std::string(name), value}});
}

StateDict Optimizer::state_dict(const std::string& prefix) const {
  StateDict out;
  for (std::size_t i = 0; i < states_.size(); ++i) {
    if (!states_[i]) continue;
    const std::string key = prefix + "state." + std::to_string(i) + ".";
    if (counts_steps_) out[key + "step"] = scalar(states_[i]->step);
    for (const auto& [name, buf] : states_[i]->buffers) out[key + name] = buf.detach();
  }
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const std::string key = prefix + "param_groups." + std::to_string(g) + ".";
    std::vector<std::int64_t> indices(groups_[g].params.size());
    for (std::size_t j = 0; j < indices.size(); ++j) indices[j] = static_cast<std::int64_t>(groups_[g].first_index + j);
    out[key + "params"] = int64_tensor(indices);
    visit_options(g, [&](std::string_view name, double v) { out[key + std::string(name)] = tensor(v, kFloat64); });
  }
  return out;
}

void Optimizer::load_state_dict(const StateDict& dict, const std::string& prefix) {
  const std::string where_s = name_ + ".load_state_dict";
  const char* where = where_s.c_str();

  // 1. Sort this optimizer's keys into groups and per-parameter states.
  std::map<std::size_t, std::map<std::string, Tensor>> saved_groups, saved_states;
  for (const auto& [key, t] : dict) {
    if (!key.starts_with(prefix)) continue;
    const auto k = parse_key(std::string_view(key).substr(prefix.size()));
    if (!k) {
      if (!prefix.empty()) fail(where, "unexpected key '", key, "' under the prefix '", prefix, "'");
      fail(where, "unexpected key '", key,
           "'; to load from a checkpoint that holds more than the optimizer, pass the prefix its keys start with");
    }
    if (!t.defined()) fail(where, "the tensor of '", key, "' is undefined");
    (k->section == "state" ? saved_states : saved_groups)[k->index][k->field] = t;
  }
  if (saved_groups.empty())
    fail(where, "the state dict holds no optimizer state (no key '", prefix, "param_groups.0.params')");

  // 2. Groups: the same number, each with as many parameters as ours and every option.
  if (saved_groups.size() != groups_.size() || saved_groups.rbegin()->first != groups_.size() - 1)
    fail(where, "the saved state has ", saved_groups.size(), " parameter groups, this optimizer has ", groups_.size());
  std::map<std::int64_t, std::size_t> global_of_saved;  // saved parameter index -> ours
  std::vector<std::size_t> group_of(states_.size());
  std::vector<std::map<std::string, double>> options(groups_.size());
  const std::vector<std::string> option_list = option_names();
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    auto& fields = saved_groups[g];
    const auto pit = fields.find("params");
    if (pit == fields.end()) fail(where, "parameter group ", g, " has no 'params' entry");
    const Tensor& ids = pit->second;
    if (ids.dtype() != kInt64 || ids.dim() != 1)
      fail(where, "'param_groups.", g, ".params' must be a 1-d int64 tensor, got shape ", to_string(ids.shape()),
           " of ", ids.dtype());
    const Group& group = groups_[g];
    if (ids.numel() != group.params.size())
      fail(where, "parameter group ", g, " holds ", ids.numel(), " parameters in the saved state but ",
           group.params.size(), " in this optimizer");
    for (std::size_t j = 0; j < ids.numel(); ++j) {
      const std::int64_t id = ids.data<std::int64_t>()(j);
      if (!global_of_saved.emplace(id, group.first_index + j).second)
        fail(where, "parameter index ", id, " appears twice in the saved parameter groups");
      group_of[group.first_index + j] = g;
    }
    for (const auto& [field, t] : fields) {
      if (field == "params") continue;
      if (std::find(option_list.begin(), option_list.end(), field) == option_list.end())
        fail(where, "parameter group ", g, " has an option '", field, "' that ", name_,
             " does not have; its options are ", join(option_list));
      if (t.numel() != 1)
        fail(where, "option '", field, "' of parameter group ", g, " must hold one number, got shape ",
             to_string(t.shape()));
      options[g][field] = t.item();
    }
    for (const auto& o : option_list)
      if (!options[g].count(o)) fail(where, "parameter group ", g, " lacks the option '", o, "'");
  }

  // 3. Per-parameter states, checked against the parameter each maps to.
  const std::vector<std::string> known = known_buffers();
  const std::vector<std::string> squares = nonnegative_buffers();
  std::vector<std::string> keeps = known;
  if (counts_steps_) keeps.insert(keeps.begin(), "step");
  std::vector<std::optional<ParamState>> states(states_.size());
  for (const auto& [id, fields] : saved_states) {
    const auto git = global_of_saved.find(static_cast<std::int64_t>(id));
    if (git == global_of_saved.end())
      fail(where, "the saved state has an entry for parameter ", id, ", which no saved parameter group lists");
    const std::size_t gi = git->second;
    const Tensor& p = groups_[group_of[gi]].params[gi - groups_[group_of[gi]].first_index];
    ParamState& s = states[gi].emplace();
    for (const auto& [field, t] : fields) {
      if (counts_steps_ && field == "step") {
        const std::optional<std::int64_t> step = step_count(t);
        if (!step)
          fail(where, "'state.", id, ".step' must be one whole number >= 0 and below 2^63 - 1, got ",
               t.numel() == 1 ? std::to_string(t.item()) : "shape " + to_string(t.shape()));
        s.step = *step;
        continue;
      }
      if (std::find(known.begin(), known.end(), field) == known.end())
        fail(where, "unknown state '", field, "' for parameter ", id, "; ", name_, " keeps ", join(keeps));
      if (t.dtype() == kInt64) fail(where, "'state.", id, ".", field, "' is int64; it must be float32 or float64");
      if (t.shape() != p.shape())
        fail(where, "'state.", id, ".", field, "' has shape ", to_string(t.shape()),
             " but the parameter it maps to has shape ", to_string(p.shape()));
      Tensor value = t.to(p.dtype()).detach();
      const bool nonnegative = std::find(squares.begin(), squares.end(), field) != squares.end();
      const auto bad = dispatch_float(where, value, [&]<class T>() { return first_bad(value.data<T>(), nonnegative); });
      if (bad)
        fail(where, "'state.", id, ".", field, "' holds ", bad->second, " at element ", bad->first, "; it must be ",
             nonnegative ? "finite and >= 0 (an average of squares)" : "finite");
      s.buffers[field] = std::move(value);
    }
    if (counts_steps_ && !fields.count("step")) fail(where, "the state of parameter ", id, " has no 'step'");
  }

  // 4. Options, then the buffers they require; undo the options if anything fails.
  std::vector<std::map<std::string, double>> previous(groups_.size());
  for (std::size_t g = 0; g < groups_.size(); ++g)
    visit_options(g, [&](std::string_view n, double v) { previous[g][std::string(n)] = v; });
  try {
    for (std::size_t g = 0; g < groups_.size(); ++g) assign_options(g, options[g]);
    for (std::size_t i = 0; i < states.size(); ++i) {
      if (!states[i]) continue;
      for (const auto& b : required_buffers(group_of[i]))
        if (!states[i]->buffers.count(b))
          fail(where, "the state of parameter ", i, " lacks '", b, "', which ", name_, " needs with these options");
    }
  } catch (...) {
    for (std::size_t g = 0; g < groups_.size(); ++g) assign_options(g, previous[g]);
    throw;
  }
  states_ = std::move(states);
}

}  // namespace xgrad::optim
