#include "xgrad/optim/lr_scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "xgrad/optim/detail/check_range.hpp"
#include "xgrad/optim/detail/scheduler_state.hpp"

namespace xgrad::optim {

namespace {
// Python's a % b for b > 0: never negative, which PyTorch's formulas rely on.
std::int64_t py_mod(std::int64_t a, std::int64_t b) { return ((a % b) + b) % b; }
}  // namespace

LRScheduler::LRScheduler(Optimizer& optimizer, std::string name)
    : optimizer_(optimizer), name_(std::move(name)), base_lrs_(current_lrs()) {}

std::vector<double> LRScheduler::current_lrs() const {
  std::vector<double> lrs(optimizer_.num_param_groups());
  for (std::size_t g = 0; g < lrs.size(); ++g) lrs[g] = optimizer_.lr(g);
  return lrs;
}

void LRScheduler::step() {
  if (last_epoch_ == std::numeric_limits<std::int64_t>::max())
    fail(name_.c_str(), "stepped past epoch ", last_epoch_, ", the last an int64 counts");
  ++last_epoch_;
  std::vector<double> lrs;
  try {
    lrs = get_lr();
    // A schedule that overflows (ExponentialLR with gamma 10 reaches inf within ~310 epochs)
    // is this scheduler's error, not the optimizer's.
    for (std::size_t g = 0; g < lrs.size(); ++g)
      if (!(std::isfinite(lrs[g]) && lrs[g] >= 0))
        fail(name_.c_str(), "epoch ", last_epoch_, " would set the learning rate of parameter group ", g, " to ",
             lrs[g], " (from ", optimizer_.lr(g), "); the schedule must keep it finite and >= 0");
  } catch (...) {
    --last_epoch_;
    throw;
  }
  for (std::size_t g = 0; g < lrs.size(); ++g) optimizer_.set_lr(g, lrs[g]);
  last_lr_ = current_lrs();
}

StateDict LRScheduler::state_dict(const std::string& prefix) const {
  return {{prefix + "last_epoch", scalar(last_epoch_)},
          {prefix + "base_lrs", detail::float64_vector(base_lrs_)},
          {prefix + "last_lr", detail::float64_vector(last_lr_)}};
}

void LRScheduler::load_state_dict(const StateDict& dict, const std::string& prefix) {
  const detail::StateReader in(name_ + ".load_state_dict", dict, prefix, {"last_epoch", "base_lrs", "last_lr"});
  const std::size_t groups = optimizer_.num_param_groups();
  std::int64_t last_epoch = in.integer("last_epoch", -1);
  std::vector<double> base_lrs = in.rates("base_lrs", groups);
  std::vector<double> last_lr = in.rates("last_lr", groups);
  last_epoch_ = last_epoch;
  base_lrs_ = std::move(base_lrs);
  last_lr_ = std::move(last_lr);
}

// --- StepLR ------------------------------------------------------------------------------------

StepLR::StepLR(Optimizer& optimizer, StepLROptions options) : LRScheduler(optimizer, "StepLR"), options_(options) {
  detail::CheckRange("StepLR").at_least("step_size", options_.step_size, 1).above_finite("gamma", options_.gamma, 0);
  step();
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0 || last_epoch_ % options_.step_size != 0) return lrs;
  for (double& lr : lrs) lr = lr * options_.gamma;
  return lrs;
}

// --- MultiStepLR -------------------------------------------------------------------------------

MultiStepLR::MultiStepLR(Optimizer& optimizer, MultiStepLROptions options)
    : LRScheduler(optimizer, "MultiStepLR"), options_(std::move(options)) {
  const detail::CheckRange check("MultiStepLR");
  for (std::int64_t m : options_.milestones) check.at_least("milestones", m, 0);
  check.above_finite("gamma", options_.gamma, 0);
  step();
}

std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  const auto hits = std::count(options_.milestones.begin(), options_.milestones.end(), last_epoch_);
  if (hits == 0) return lrs;
  for (double& lr : lrs) lr = lr * std::pow(options_.gamma, static_cast<double>(hits));
  return lrs;
}

// --- ExponentialLR -----------------------------------------------------------------------------

ExponentialLR::ExponentialLR(Optimizer& optimizer, ExponentialLROptions options)
    : LRScheduler(optimizer, "ExponentialLR"), options_(options) {
  detail::CheckRange("ExponentialLR").above("gamma", options_.gamma, 0).finite("gamma", options_.gamma);
  step();
}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr = lr * options_.gamma;
  return lrs;
}

// --- CosineAnnealingLR -------------------------------------------------------------------------

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, CosineAnnealingLROptions options)
    : LRScheduler(optimizer, "CosineAnnealingLR"), options_(options) {
  detail::CheckRange("CosineAnnealingLR")
      .at_least("t_max", options_.t_max, 1)
      .at_least_finite("eta_min", options_.eta_min, 0);
  step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
  constexpr double pi = std::numbers::pi;
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0) return lrs;
  const double t_max = static_cast<double>(options_.t_max), eta_min = options_.eta_min;
  const double epoch = static_cast<double>(last_epoch_);
  // At the bottom of the cosine the ratio below would divide by zero: PyTorch steps up by the
  // closed form's increment there instead.
  if (py_mod(last_epoch_ - 1 - options_.t_max, 2 * options_.t_max) == 0) {
    for (std::size_t g = 0; g < lrs.size(); ++g)
      lrs[g] = lrs[g] + (base_lrs_[g] - eta_min) * (1 - std::cos(pi / t_max)) / 2;
    return lrs;
  }
  for (double& lr : lrs)
    lr = (1 + std::cos(pi * epoch / t_max)) / (1 + std::cos(pi * (epoch - 1) / t_max)) * (lr - eta_min) + eta_min;
  return lrs;
}

// --- LinearLR ----------------------------------------------------------------------------------

LinearLR::LinearLR(Optimizer& optimizer, LinearLROptions options)
    : LRScheduler(optimizer, "LinearLR"), options_(options) {
  detail::CheckRange("LinearLR")
      .in("start_factor", options_.start_factor, 0, 1, detail::Interval::OpenClosed)
      .in("end_factor", options_.end_factor, 0, 1)
      .at_least("total_iters", options_.total_iters, 1);
  step();
}

std::vector<double> LinearLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  const double start = options_.start_factor, end = options_.end_factor;
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr = lr * start;
    return lrs;
  }
  if (last_epoch_ > options_.total_iters) return lrs;
  // The ratio of this epoch's factor to the previous one's.
  const double ratio = 1. + (end - start) / (static_cast<double>(options_.total_iters) * start +
                                             static_cast<double>(last_epoch_ - 1) * (end - start));
  for (double& lr : lrs) lr = lr * ratio;
  return lrs;
}

}  // namespace xgrad::optim
