#pragma once
// The 1cycle policy (Smith & Topor), as torch.optim.lr_scheduler.OneCycleLR in PyTorch 1.13:
// the rate climbs from max_lr / div_factor to max_lr over the first pct_start of the steps, then
// anneals to max_lr / (div_factor * final_div_factor); momentum (or Adam's beta1) moves the
// opposite way between max_momentum and base_momentum. Step it after every batch:
//
//   xg::optim::OneCycleLR sched(opt, {.max_lr = 0.1, .epochs = 10, .steps_per_epoch = batches});
//
// With three_phase, the rate climbs, comes back down symmetrically, then anneals to the minimum.
//
// One difference from PyTorch: like PyTorch it allows total_steps calls to step(), the last of
// which sets a rate no batch trains with; PyTorch extrapolates that one past the end of the
// anneal, which with linear annealing makes it negative, so xgrad holds the final rate there.
#include <cstdint>

#include "xgrad/optim/lr_scheduler.hpp"

namespace xgrad::optim {

enum class AnnealStrategy { Cos, Linear };

struct OneCycleLROptions {
  double max_lr = 0.0;           // required, > 0
  std::int64_t total_steps = 0;  // give this, or epochs and steps_per_epoch
  std::int64_t epochs = 0;
  std::int64_t steps_per_epoch = 0;
  double pct_start = 0.3;  // the fraction of the steps spent climbing
  AnnealStrategy anneal_strategy = AnnealStrategy::Cos;
  bool cycle_momentum = true;  // needs an optimizer with "momentum" or "beta1"
  double base_momentum = 0.85;
  double max_momentum = 0.95;
  double div_factor = 25.0;       // initial lr = max_lr / div_factor
  double final_div_factor = 1e4;  // final lr = initial lr / final_div_factor
  bool three_phase = false;
};

class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, OneCycleLROptions options);
  std::int64_t total_steps() const { return total_steps_; }

 protected:
  std::vector<double> get_lr() override;

 private:
  struct Phase {
    double end_step;
    double start_lr, end_lr;
    double start_momentum, end_momentum;
  };
  double anneal(double start, double end, double pct) const;

  OneCycleLROptions options_;
  std::int64_t total_steps_ = 0;
  std::vector<Phase> phases_;
  const char* momentum_name_ = nullptr;  // "momentum" or "beta1" when cycling momentum
};

}  // namespace xgrad::optim
