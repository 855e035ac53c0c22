#include "xgrad/train/optimizer_factory.hpp"

#include <algorithm>

#include "xgrad/core/error.hpp"
#include "xgrad/optim/adam.hpp"
#include "xgrad/optim/adamw.hpp"
#include "xgrad/optim/one_cycle_lr.hpp"
#include "xgrad/optim/rmsprop.hpp"
#include "xgrad/optim/sgd.hpp"

namespace xgrad::train {

namespace {

// "a, b or c"
std::string listed(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return out;
}

void check_name(const char* op, const char* what, const std::string& name, const std::vector<std::string>& names) {
  if (std::find(names.begin(), names.end(), name) == names.end())
    fail(op, "unknown ", what, " '", name, "'; expected ", listed(names));
}

}  // namespace

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names = {"sgd", "momentum", "rmsprop", "adam", "adamw"};
  return names;
}

const std::vector<std::string>& scheduler_names() {
  static const std::vector<std::string> names = {"none", "cosine", "onecycle"};
  return names;
}

void check_optimizer_name(const char* op, const std::string& name) {
  check_name(op, "optimizer", name, optimizer_names());
}
void check_scheduler_name(const char* op, const std::string& name) {
  check_name(op, "schedule", name, scheduler_names());
}

bool uses_momentum(const std::string& name) { return name == "sgd" || name == "momentum"; }

// Options are set by name, not with designated initializers, so that this list does not depend
// on the order the options structs declare their fields in.
std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& name, std::vector<Tensor> params,
                                                 const OptimizerSettings& s) {
  check_optimizer_name("make_optimizer", name);
  if (name == "sgd" || name == "momentum") {
    optim::SGDOptions o;
    o.lr = s.lr, o.momentum = s.momentum, o.weight_decay = s.weight_decay;
    return std::make_unique<optim::SGD>(std::move(params), o);
  }
  if (name == "rmsprop") {
    optim::RMSpropOptions o;
    o.lr = s.lr, o.weight_decay = s.weight_decay;
    return std::make_unique<optim::RMSprop>(std::move(params), o);
  }
  if (name == "adam") {
    optim::AdamOptions o;
    o.lr = s.lr, o.weight_decay = s.weight_decay;
    return std::make_unique<optim::Adam>(std::move(params), o);
  }
  optim::AdamWOptions o;
  o.lr = s.lr, o.weight_decay = s.weight_decay;
  return std::make_unique<optim::AdamW>(std::move(params), o);
}

std::unique_ptr<optim::LRScheduler> make_scheduler(const std::string& name, optim::Optimizer& optimizer,
                                                   const SchedulerSettings& s) {
  check_scheduler_name("make_scheduler", name);
  if (name == "cosine") {
    optim::CosineAnnealingLROptions o;
    o.t_max = s.length;
    return std::make_unique<optim::CosineAnnealingLR>(optimizer, o);
  }
  if (name == "onecycle") {
    optim::OneCycleLROptions o;
    o.max_lr = s.max_lr, o.total_steps = s.length;
    return std::make_unique<optim::OneCycleLR>(optimizer, o);
  }
  return nullptr;
}

}  // namespace xgrad::train
