#include "xgrad/optim/one_cycle_lr.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "xgrad/optim/detail/check_range.hpp"

namespace xgrad::optim {

OneCycleLR::OneCycleLR(Optimizer& optimizer, OneCycleLROptions options)
    : LRScheduler(optimizer, "OneCycleLR"), options_(options) {
  const OneCycleLROptions& o = options_;
  const detail::CheckRange check("OneCycleLR");
  check.above("max_lr", o.max_lr, 0).finite("max_lr", o.max_lr);
  if (o.total_steps > 0) {
    total_steps_ = o.total_steps;
  } else if (o.total_steps < 0) {
    check.above("total_steps", o.total_steps, 0);
  } else {
    if (o.epochs <= 0 || o.steps_per_epoch <= 0)
      fail("OneCycleLR", "set total_steps, or epochs and steps_per_epoch (both > 0); got epochs ", o.epochs,
           " and steps_per_epoch ", o.steps_per_epoch);
    if (__builtin_mul_overflow(o.epochs, o.steps_per_epoch, &total_steps_))
      fail("OneCycleLR", "epochs ", o.epochs, " x steps_per_epoch ", o.steps_per_epoch,
           " overflows the int64 step count");
  }
  // step() counts to total_steps inclusive, so the count must leave room for one more.
  if (total_steps_ == std::numeric_limits<std::int64_t>::max())
    fail("OneCycleLR", "total_steps must be below 2^63 - 1, got ", total_steps_);
  check.in("pct_start", o.pct_start, 0, 1)
      .above_finite("div_factor", o.div_factor, 0)
      .above_finite("final_div_factor", o.final_div_factor, 0);

  const double initial_lr = o.max_lr / o.div_factor;
  const double min_lr = initial_lr / o.final_div_factor;
  const double total = static_cast<double>(total_steps_);
  const double base_m = o.base_momentum, max_m = o.max_momentum;
  if (o.three_phase)
    phases_ = {{o.pct_start * total - 1, initial_lr, o.max_lr, max_m, base_m},
               {2 * o.pct_start * total - 2, o.max_lr, initial_lr, base_m, max_m},
               {total - 1, initial_lr, min_lr, max_m, max_m}};
  else
    phases_ = {{o.pct_start * total - 1, initial_lr, o.max_lr, max_m, base_m},
               {total - 1, o.max_lr, min_lr, base_m, max_m}};
  double start = 0;
  for (const Phase& p : phases_) {
    if (p.end_step == start)
      fail("OneCycleLR", "a phase of zero length (pct_start ", o.pct_start, " of ", total_steps_,
           " steps); change pct_start or total_steps");
    start = p.end_step;
  }

  if (o.cycle_momentum) {
    if (optimizer.has_option("momentum"))
      momentum_name_ = "momentum";
    else if (optimizer.has_option("beta1"))
      momentum_name_ = "beta1";
    else
      fail("OneCycleLR", "cycle_momentum needs an optimizer with momentum or betas, and ", optimizer.name(),
           " has neither; set .cycle_momentum = false");
    for (std::size_t g = 0; g < optimizer.num_param_groups(); ++g) optimizer.set_option(g, momentum_name_, max_m);
  }
  base_lrs_.assign(optimizer.num_param_groups(), initial_lr);
  step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy == AnnealStrategy::Linear) return (end - start) * pct + start;
  const double cos_out = std::cos(std::numbers::pi * pct) + 1;
  return end + (start - end) / 2.0 * cos_out;
}

std::vector<double> OneCycleLR::get_lr() {
  const std::int64_t step_num = last_epoch_;
  if (step_num > total_steps_)
    // Unsigned: a checkpoint's last_epoch may be 2^63 - 1 here, and its + 1 overflowed.
    fail("OneCycleLR", "stepped ", static_cast<std::uint64_t>(step_num) + 1, " times, but total_steps is ",
         total_steps_);
  const double t = static_cast<double>(step_num);
  double start_step = 0, lr = 0, momentum = 0;
  for (std::size_t i = 0; i < phases_.size(); ++i) {
    const Phase& p = phases_[i];
    if (t <= p.end_step || i == phases_.size() - 1) {
      double pct = (t - start_step) / (p.end_step - start_step);
      // PyTorch allows one step past the last phase's end, whose rate no batch uses; a linear
      // anneal would extrapolate it below zero, so it stays at the final rate instead.
      if (options_.anneal_strategy == AnnealStrategy::Linear) pct = std::min(pct, 1.0);
      lr = anneal(p.start_lr, p.end_lr, pct);
      momentum = anneal(p.start_momentum, p.end_momentum, pct);
      break;
    }
    start_step = p.end_step;
  }
  if (momentum_name_)
    for (std::size_t g = 0; g < optimizer_.num_param_groups(); ++g) optimizer_.set_option(g, momentum_name_, momentum);
  return std::vector<double>(optimizer_.num_param_groups(), lr);
}

}  // namespace xgrad::optim
