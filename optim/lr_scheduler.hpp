#pragma once
// Learning-rate schedulers that change an optimizer's "lr" once per epoch (or per batch), as
// torch.optim.lr_scheduler in PyTorch 1.13. Like PyTorch, each computes the next rate from the
// optimizer's current one (the "chainable" recursive form), so the sequences agree to the bit
// pattern PyTorch's own arithmetic gives. Construction applies the epoch-0 rate:
//
//   xg::optim::SGD opt(params, {.lr = 0.1});
//   xg::optim::StepLR sched(opt, {.step_size = 30, .gamma = 0.1});
//   for (int epoch = 0; epoch < 90; ++epoch) { train_one_epoch(opt); sched.step(); }
//
// OneCycleLR and ReduceLROnPlateau live in files of their own.
#include <cstdint>
#include <string>
#include <vector>

#include "xgrad/core/state_dict.hpp"
#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // Moves to the next epoch and writes its learning rates into the optimizer's groups.
  void step();
  // The rates the last step() (or the constructor) set, one per parameter group.
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  std::int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }

  // "last_epoch" (int64), "base_lrs" and "last_lr" (float64, one per group), each key after
  // `prefix`. Loading restores them without touching the optimizer, whose own state dict holds
  // its current rates; the scheduler's options come from its constructor, as they did at saving.
  StateDict state_dict(const std::string& prefix = "") const;
  void load_state_dict(const StateDict& dict, const std::string& prefix = "");

 protected:
  // Takes each group's current lr as its base lr. The derived constructor calls step() last,
  // which is PyTorch's "initial step" to epoch 0.
  LRScheduler(Optimizer& optimizer, std::string name);
  // The rates for last_epoch_, from the optimizer's current ones.
  virtual std::vector<double> get_lr() = 0;
  std::vector<double> current_lrs() const;

  Optimizer& optimizer_;
  std::string name_;
  std::vector<double> base_lrs_;
  std::int64_t last_epoch_ = -1;
  std::vector<double> last_lr_;
};

// Multiplies the rate by gamma every step_size epochs.
struct StepLROptions {
  std::int64_t step_size = 0;  // required, >= 1
  double gamma = 0.1;
};
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, StepLROptions options);

 protected:
  std::vector<double> get_lr() override;
  StepLROptions options_;
};

// Multiplies the rate by gamma at each milestone epoch (by gamma^k at a milestone listed k times).
struct MultiStepLROptions {
  std::vector<std::int64_t> milestones;
  double gamma = 0.1;
};
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, MultiStepLROptions options);

 protected:
  std::vector<double> get_lr() override;
  MultiStepLROptions options_;
};

// Multiplies the rate by gamma every epoch.
struct ExponentialLROptions {
  double gamma = 0.0;  // required, > 0
};
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, ExponentialLROptions options);

 protected:
  std::vector<double> get_lr() override;
  ExponentialLROptions options_;
};

// Anneals the rate from its base to eta_min along half a cosine over t_max epochs, then back up
// over the next t_max, and so on (SGDR without restarts):
//   lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / t_max)) / 2
// computed recursively from lr_{t-1}, as PyTorch does.
struct CosineAnnealingLROptions {
  std::int64_t t_max = 0;  // required, >= 1
  double eta_min = 0.0;
};
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, CosineAnnealingLROptions options);

 protected:
  std::vector<double> get_lr() override;
  CosineAnnealingLROptions options_;
};

// Warm-up (or cool-down): scales the base rate by a factor going linearly from start_factor to
// end_factor over total_iters epochs, then keeps it.
struct LinearLROptions {
  double start_factor = 1.0 / 3;  // in (0, 1]
  double end_factor = 1.0;        // in [0, 1]
  std::int64_t total_iters = 5;
};
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, LinearLROptions options = {});

 protected:
  std::vector<double> get_lr() override;
  LinearLROptions options_;
};

}  // namespace xgrad::optim
