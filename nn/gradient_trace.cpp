#include "xgrad/nn/gradient_trace.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <variant>

#include "xgrad/core/autograd.hpp"

namespace xgrad::nn {

struct GradientTrace::State {
  std::vector<std::string> names;
  std::vector<std::vector<double>> norms;
  std::uint64_t last_pass = 0;  // the backward the last row belongs to

  void record(std::size_t index, const Tensor& grad) {
    const std::uint64_t pass = backward_pass_count();
    if (norms.empty() || pass != last_pass) {
      norms.emplace_back(names.size(), std::numeric_limits<double>::quiet_NaN());
      last_pass = pass;
    }
    const double sum_sq = std::visit(
        [](const auto& a) {
          double s = 0;
          for (auto v : a) s += double(v) * double(v);
          return s;
        },
        grad.storage());
    norms.back()[index] = std::sqrt(sum_sq);
  }
};

GradientTrace::GradientTrace(const Module& module) : GradientTrace(module.named_parameters()) {}

GradientTrace::GradientTrace(const NamedTensors& parameters) : state_(std::make_shared<State>()) {
  if (parameters.empty()) fail("GradientTrace", "no parameters to trace");
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    auto [name, p] = parameters[i];
    if (!p.defined() || !p.requires_grad())
      fail("GradientTrace", "parameter '", name, "' is undefined or does not require grad");
    state_->names.push_back(name);
    // The hook holds the state weakly: the trace owns it, the parameter must not keep it alive.
    std::weak_ptr<State> weak = state_;
    handles_.push_back(p.register_hook([weak, i](const Tensor& g) {
      if (auto s = weak.lock()) s->record(i, g);
    }));
  }
}

GradientTrace::~GradientTrace() {
  for (auto& h : handles_) h.remove();
}

const std::vector<std::string>& GradientTrace::names() const { return state_->names; }
std::size_t GradientTrace::steps() const { return state_->norms.size(); }
const std::vector<std::vector<double>>& GradientTrace::norms() const { return state_->norms; }

std::vector<double> GradientTrace::series(const std::string& name) const {
  for (std::size_t i = 0; i < state_->names.size(); ++i)
    if (state_->names[i] == name) {
      std::vector<double> out;
      for (const auto& row : state_->norms) out.push_back(row[i]);
      return out;
    }
  fail("GradientTrace::series", "no parameter named '", name, "'");
}

void GradientTrace::write_csv(const std::string& path) const {
  std::ofstream f(path);
  if (!f) fail("GradientTrace::write_csv", "cannot open '", path, "' for writing");
  f << "step";
  for (const auto& n : state_->names) f << ',' << n;
  f << '\n';
  char buf[32];
  for (std::size_t s = 0; s < state_->norms.size(); ++s) {
    f << s;
    for (double v : state_->norms[s]) {
      std::snprintf(buf, sizeof buf, "%.9g", v);
      f << ',' << buf;
    }
    f << '\n';
  }
  if (!f.flush()) fail("GradientTrace::write_csv", "writing '", path, "' failed");
}

void GradientTrace::clear() { state_->norms.clear(); }

}  // namespace xgrad::nn
