#include "xgrad/optim/reduce_lr_on_plateau.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "xgrad/optim/detail/check_range.hpp"
#include "xgrad/optim/detail/scheduler_state.hpp"

namespace xgrad::optim {

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options)
    : optimizer_(optimizer), options_(options) {
  const auto& o = options_;
  detail::CheckRange("ReduceLROnPlateau")
      .in("factor", o.factor, 0, 1, detail::Interval::ClosedOpen)
      .at_least("patience", o.patience, 0)
      .at_least("threshold", o.threshold, 0)
      .at_least("cooldown", o.cooldown, 0)
      .at_least("min_lr", o.min_lr, 0)
      .finite("min_lr", o.min_lr)
      .at_least("eps", o.eps, 0);
  best_ =
      o.mode == PlateauMode::Min ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  const double t = options_.threshold;
  const bool rel = options_.threshold_mode == ThresholdMode::Rel;
  if (options_.mode == PlateauMode::Min) return rel ? a < best * (1. - t) : a < best - t;
  return rel ? a > best * (t + 1.) : a > best + t;
}

void ReduceLROnPlateau::step(double metric) {
  last_epoch_ += 1;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (cooldown_counter_ > 0) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;  // bad epochs in cooldown do not count
  }
  if (num_bad_epochs_ > options_.patience) {
    for (std::size_t g = 0; g < optimizer_.num_param_groups(); ++g) {
      const double old_lr = optimizer_.lr(g);
      const double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
      if (old_lr - new_lr > options_.eps) optimizer_.set_lr(g, new_lr);
    }
    cooldown_counter_ = options_.cooldown;
    num_bad_epochs_ = 0;
  }
  last_lr_ = current_lrs();
}

std::vector<double> ReduceLROnPlateau::current_lrs() const {
  std::vector<double> lrs(optimizer_.num_param_groups());
  for (std::size_t g = 0; g < lrs.size(); ++g) lrs[g] = optimizer_.lr(g);
  return lrs;
}

std::vector<double> ReduceLROnPlateau::get_last_lr() const { return last_lr_.empty() ? current_lrs() : last_lr_; }

StateDict ReduceLROnPlateau::state_dict(const std::string& prefix) const {
  return {{prefix + "best", tensor(best_, kFloat64)},
          {prefix + "num_bad_epochs", scalar(num_bad_epochs_)},
          {prefix + "cooldown_counter", scalar(cooldown_counter_)},
          {prefix + "last_epoch", scalar(last_epoch_)},
          {prefix + "last_lr", detail::float64_vector(get_last_lr())}};
}

void ReduceLROnPlateau::load_state_dict(const StateDict& dict, const std::string& prefix) {
  const detail::StateReader in("ReduceLROnPlateau.load_state_dict", dict, prefix,
                               {"best", "num_bad_epochs", "cooldown_counter", "last_epoch", "last_lr"});
  const double best = in.number("best");
  if (std::isnan(best)) fail("ReduceLROnPlateau.load_state_dict", "'", prefix, "best' is nan; it must be a number");
  const std::int64_t num_bad_epochs = in.integer("num_bad_epochs");
  const std::int64_t cooldown_counter = in.integer("cooldown_counter");
  const std::int64_t last_epoch = in.integer("last_epoch");
  std::vector<double> last_lr = in.rates("last_lr", optimizer_.num_param_groups());
  best_ = best;
  num_bad_epochs_ = num_bad_epochs;
  cooldown_counter_ = cooldown_counter;
  last_epoch_ = last_epoch;
  last_lr_ = std::move(last_lr);
}

}  // namespace xgrad::optim
