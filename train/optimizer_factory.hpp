#pragma once
// Optimizers and learning-rate schedules by name, so that every program and trainer accepts the
// same words on its command line and in its options (one list, here):
//
//   auto opt = xg::train::make_optimizer("adam", net.parameters(), {.lr = 1e-3});
//   auto sched = xg::train::make_scheduler("cosine", *opt, {.length = epochs});   // null for "none"
//
// optimizers  "sgd"       SGD (with `momentum`, 0 by default)
//             "momentum"  SGD with `momentum` (a name of its own for the programs that teach it)
//             "rmsprop"   RMSprop
//             "adam"      Adam (`weight_decay` as L2 on the gradient)
//             "adamw"     AdamW (`weight_decay` decoupled)
// schedules   "none"      the rate stays
//             "cosine"    CosineAnnealingLR from lr down to 0 over `length` steps of the schedule
//             "onecycle"  OneCycleLR up to `max_lr` and down over `length` steps
// Every other hyper-parameter takes PyTorch's default.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/optim/lr_scheduler.hpp"
#include "xgrad/optim/optimizer.hpp"

namespace xgrad::train {

const std::vector<std::string>& optimizer_names();
const std::vector<std::string>& scheduler_names();

// Throws xg::Error naming `op` and the known names when `name` is not one of them:
// "op: unknown optimizer 'lbfgs'; expected sgd, momentum, rmsprop, adam or adamw".
void check_optimizer_name(const char* op, const std::string& name);
void check_scheduler_name(const char* op, const std::string& name);

// Whether the optimizer `name` follows OptimizerSettings::momentum ("sgd", "momentum").
bool uses_momentum(const std::string& name);

struct OptimizerSettings {
  double lr = 0.1;
  double momentum = 0.0;  // "sgd" and "momentum"
  double weight_decay = 0.0;
};

std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& name, std::vector<Tensor> params,
                                                 const OptimizerSettings& settings);

struct SchedulerSettings {
  std::int64_t length = 0;  // the schedule's steps: "cosine"'s t_max, "onecycle"'s total_steps
  double max_lr = 0;        // "onecycle"'s peak rate
};

// Null for "none".
std::unique_ptr<optim::LRScheduler> make_scheduler(const std::string& name, optim::Optimizer& optimizer,
                                                   const SchedulerSettings& settings);

}  // namespace xgrad::train
