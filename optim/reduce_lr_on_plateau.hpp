#pragma once
// Cuts the learning rate by `factor` when a metric has stopped improving for more than
// `patience` epochs, as torch.optim.lr_scheduler.ReduceLROnPlateau in PyTorch 1.13:
//
//   xg::optim::ReduceLROnPlateau sched(opt, {.factor = 0.5, .patience = 3});
//   for (...) { train(); sched.step(validation_loss); }
//
// "Improving" means beating the best value so far by more than `threshold`: relatively
// (best * (1 -/+ threshold)) or absolutely (best -/+ threshold). After a cut, `cooldown` epochs
// pass before bad epochs count again. A cut never goes below min_lr, and one smaller than eps is
// skipped.
#include <cstdint>
#include <string>
#include <vector>

#include "xgrad/core/state_dict.hpp"
#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

enum class PlateauMode { Min, Max };  // whether the metric should go down (a loss) or up (accuracy)
enum class ThresholdMode { Rel, Abs };

struct ReduceLROnPlateauOptions {
  PlateauMode mode = PlateauMode::Min;
  double factor = 0.1;  // in [0, 1)
  std::int64_t patience = 10;
  double threshold = 1e-4;
  ThresholdMode threshold_mode = ThresholdMode::Rel;
  std::int64_t cooldown = 0;
  double min_lr = 0.0;
  double eps = 1e-8;
};

class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options = {});
  ReduceLROnPlateau(const ReduceLROnPlateau&) = delete;
  ReduceLROnPlateau& operator=(const ReduceLROnPlateau&) = delete;

  // Records this epoch's metric and cuts the rates if it is time to.
  void step(double metric);
  // The optimizer's rates after the last step(), one per parameter group (before any step: now).
  std::vector<double> get_last_lr() const;

  double best() const { return best_; }
  std::int64_t num_bad_epochs() const { return num_bad_epochs_; }
  std::int64_t cooldown_counter() const { return cooldown_counter_; }
  std::int64_t last_epoch() const { return last_epoch_; }

  // "best", "num_bad_epochs", "cooldown_counter", "last_epoch" and "last_lr", each after `prefix`.
  StateDict state_dict(const std::string& prefix = "") const;
  void load_state_dict(const StateDict& dict, const std::string& prefix = "");

 private:
  bool is_better(double a, double best) const;
  std::vector<double> current_lrs() const;

  Optimizer& optimizer_;
  ReduceLROnPlateauOptions options_;
  double best_;
  std::int64_t num_bad_epochs_ = 0;
  std::int64_t cooldown_counter_ = 0;
  std::int64_t last_epoch_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace xgrad::optim
