// Optimizers, LR schedulers and gradient clipping against PyTorch 1.13, in float64.
//
// The cases come from tests/fixtures/optim/optim.json, written by make_optim_fixtures.py next to
// it. Each optimizer case trains the fixture's problem for 50 steps and compares every parameter
// after every step; each scheduler case compares the learning rates (and OneCycleLR's momentum)
// after construction and after each of 40 steps; each clipping case compares the clipped
// gradients and the returned norm.
//
// Tolerance, for every value: |got - expected| <= 1e-12 * max(1, |expected|): relative for values
// of magnitude 1 and more, absolute below (a parameter crossing zero). Each case prints the
// largest |got - expected| / max(1, |expected|) it saw.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iomanip>
#include <limits>
#include <memory>
#include <xgrad/nn/clip_grad.hpp>
#include <xgrad/optim/adam.hpp>
#include <xgrad/optim/adamw.hpp>
#include <xgrad/optim/lr_scheduler.hpp>
#include <xgrad/optim/one_cycle_lr.hpp>
#include <xgrad/optim/reduce_lr_on_plateau.hpp>
#include <xgrad/optim/rmsprop.hpp>
#include <xgrad/optim/sgd.hpp>

#include "helpers.hpp"

namespace {

constexpr double kTol = 1e-12;

// Compares values and returns the largest |got - expected| / max(1, |expected|).
double expect_close(const std::string& what, const std::vector<double>& got, const std::vector<double>& want) {
  EXPECT_EQ(got.size(), want.size()) << what;
  double worst = 0;
  int reported = 0;
  for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    const double scaled = std::abs(got[i] - want[i]) / std::max(1.0, std::abs(want[i]));
    worst = std::max(worst, scaled);
    if (!(scaled <= kTol) && ++reported <= 5)
      ADD_FAILURE() << what << "[" << i << "] is " << std::setprecision(17) << got[i] << ", PyTorch gives " << want[i];
  }
  return worst;
}

using Case = xg::test::FixtureCase;

// The cases of one section of the fixture; an unreadable fixture becomes one failing case.
std::vector<Case> cases(const char* section) {
  return xg::test::fixture_cases([&] { return optim_fixture().at(section); }, std::string("the fixture's ") + section);
}

// --- optimizers --------------------------------------------------------------------------------
// Options missing from a case take xgrad's defaults, which must then equal PyTorch's.

xg::optim::SGDOptions sgd_options(const json& j) {
  xg::optim::SGDOptions o;
  o.lr = j.value("lr", o.lr);
  o.momentum = j.value("momentum", o.momentum);
  o.dampening = j.value("dampening", o.dampening);
  o.weight_decay = j.value("weight_decay", o.weight_decay);
  o.nesterov = j.value("nesterov", o.nesterov);
  o.maximize = j.value("maximize", o.maximize);
  return o;
}

template <class Options>
Options adam_options(const json& j) {
  Options o;
  o.lr = j.value("lr", o.lr);
  if (j.contains("betas")) o.betas = {j.at("betas")[0].get<double>(), j.at("betas")[1].get<double>()};
  o.eps = j.value("eps", o.eps);
  o.weight_decay = j.value("weight_decay", o.weight_decay);
  o.amsgrad = j.value("amsgrad", o.amsgrad);
  o.maximize = j.value("maximize", o.maximize);
  return o;
}

xg::optim::RMSpropOptions rmsprop_options(const json& j) {
  xg::optim::RMSpropOptions o;
  o.lr = j.value("lr", o.lr);
  o.alpha = j.value("alpha", o.alpha);
  o.eps = j.value("eps", o.eps);
  o.weight_decay = j.value("weight_decay", o.weight_decay);
  o.momentum = j.value("momentum", o.momentum);
  o.centered = j.value("centered", o.centered);
  o.maximize = j.value("maximize", o.maximize);
  return o;
}

template <class Opt, class Options>
std::unique_ptr<xg::optim::Optimizer> build(const json& groups, const Problem& problem,
                                            Options (*options)(const json&)) {
  std::vector<xg::optim::ParamGroup<Options>> out;
  for (const auto& g : groups) {
    std::vector<xg::Tensor> params;
    for (const auto& name : g.at("params")) params.push_back(problem.params.at(name.get<std::string>()));
    out.push_back({params, options(g.at("options"))});
  }
  return std::make_unique<Opt>(std::move(out));
}

std::unique_ptr<xg::optim::Optimizer> make_optimizer(const json& spec, const Problem& problem) {
  const std::string kind = spec.at("optimizer");
  const json& groups = spec.at("groups");
  if (kind == "SGD") return build<xg::optim::SGD>(groups, problem, sgd_options);
  if (kind == "Adam") return build<xg::optim::Adam>(groups, problem, adam_options<xg::optim::AdamOptions>);
  if (kind == "AdamW") return build<xg::optim::AdamW>(groups, problem, adam_options<xg::optim::AdamWOptions>);
  if (kind == "RMSprop") return build<xg::optim::RMSprop>(groups, problem, rmsprop_options);
  throw std::runtime_error("no optimizer '" + kind + "' in xgrad");
}

class OptimizerParity : public testing::TestWithParam<Case> {};

TEST_P(OptimizerParity, FiftyStepsMatchPyTorch) {
  const Case& c = GetParam();
  ASSERT_TRUE(c.load_error.empty()) << c.load_error;
  Problem problem;
  const auto opt = make_optimizer(c.spec, problem);
  const json& trajectory = c.spec.at("trajectory");
  const int steps = c.spec.at("steps");
  double worst = 0;
  for (int step = 0; step < steps && !HasFailure(); ++step) {
    problem.train_step(*opt);
    for (const auto& [name, expected] : trajectory.items())
      worst = std::max(
          worst, expect_close(c.name + ": " + name + " after step " + std::to_string(step + 1),
                              flat_values(problem.params.at(name)), expected.at(step).get<std::vector<double>>()));
  }
  std::printf("[ parity   ] %-40s largest scaled difference %.2e over %d steps\n", c.name.c_str(), worst, steps);
}

INSTANTIATE_TEST_SUITE_P(Optimizers, OptimizerParity, testing::ValuesIn(cases("optimizers")),
                         xg::test::fixture_test_name);

// --- schedulers --------------------------------------------------------------------------------

// Steps a scheduler as the fixture did: construction, then `n` times opt.step(); sched.step().
struct SchedulerRun {
  std::vector<std::vector<double>> lrs, momentums;
};

std::vector<double> momentums_of(const xg::optim::Optimizer& opt) {
  std::vector<double> m;
  const char* name = opt.has_option("beta1") ? "beta1" : "momentum";
  for (std::size_t g = 0; g < opt.num_param_groups(); ++g) m.push_back(opt.option(g, name));
  return m;
}

SchedulerRun run_scheduler(const json& spec) {
  std::vector<xg::Tensor> keep;  // the parameters outlive the optimizer
  auto groups_for = [&]<class Options>(Options base) {
    std::vector<xg::optim::ParamGroup<Options>> groups;
    for (const auto& lr : spec.at("group_lrs")) {
      keep.push_back(xg::zeros({2}, xg::kFloat64).requires_grad_());
      Options o = base;
      o.lr = lr.get<double>();
      groups.push_back({{keep.back()}, o});
    }
    return groups;
  };
  std::unique_ptr<xg::optim::Optimizer> opt;
  if (spec.at("optimizer") == "SGD")
    opt = std::make_unique<xg::optim::SGD>(groups_for(xg::optim::SGDOptions{.momentum = 0.9}));
  else
    opt = std::make_unique<xg::optim::Adam>(groups_for(xg::optim::AdamOptions{}));

  const std::string kind = spec.at("scheduler");
  const json& a = spec.at("args");
  const int steps = static_cast<int>(spec.at("lrs").size()) - 1;
  SchedulerRun run;
  auto record = [&] {
    std::vector<double> lrs;
    for (std::size_t g = 0; g < opt->num_param_groups(); ++g) lrs.push_back(opt->lr(g));
    run.lrs.push_back(lrs);
    run.momentums.push_back(momentums_of(*opt));
  };

  if (kind == "ReduceLROnPlateau") {
    xg::optim::ReduceLROnPlateauOptions o;
    o.mode = a.value("mode", "min") == "min" ? xg::optim::PlateauMode::Min : xg::optim::PlateauMode::Max;
    o.factor = a.value("factor", o.factor);
    o.patience = a.value("patience", o.patience);
    o.threshold = a.value("threshold", o.threshold);
    o.threshold_mode =
        a.value("threshold_mode", "rel") == "rel" ? xg::optim::ThresholdMode::Rel : xg::optim::ThresholdMode::Abs;
    o.cooldown = a.value("cooldown", o.cooldown);
    o.min_lr = a.value("min_lr", o.min_lr);
    o.eps = a.value("eps", o.eps);
    xg::optim::ReduceLROnPlateau sched(*opt, o);
    record();
    for (int i = 0; i < steps; ++i) {
      sched.step(spec.at("metrics").at(i).get<double>());
      record();
      EXPECT_EQ(sched.get_last_lr(), run.lrs.back());
    }
    return run;
  }

  std::unique_ptr<xg::optim::LRScheduler> sched;
  if (kind == "StepLR") {
    sched = std::make_unique<xg::optim::StepLR>(
        *opt,
        xg::optim::StepLROptions{.step_size = a.at("step_size").get<std::int64_t>(), .gamma = a.value("gamma", 0.1)});
  } else if (kind == "MultiStepLR") {
    sched = std::make_unique<xg::optim::MultiStepLR>(
        *opt, xg::optim::MultiStepLROptions{.milestones = a.at("milestones").get<std::vector<std::int64_t>>(),
                                            .gamma = a.value("gamma", 0.1)});
  } else if (kind == "ExponentialLR") {
    sched = std::make_unique<xg::optim::ExponentialLR>(
        *opt, xg::optim::ExponentialLROptions{.gamma = a.at("gamma").get<double>()});
  } else if (kind == "CosineAnnealingLR") {
    sched = std::make_unique<xg::optim::CosineAnnealingLR>(
        *opt, xg::optim::CosineAnnealingLROptions{.t_max = a.at("T_max").get<std::int64_t>(),
                                                  .eta_min = a.value("eta_min", 0.0)});
  } else if (kind == "LinearLR") {
    xg::optim::LinearLROptions o;
    o.start_factor = a.value("start_factor", o.start_factor);
    o.end_factor = a.value("end_factor", o.end_factor);
    o.total_iters = a.value("total_iters", o.total_iters);
    sched = std::make_unique<xg::optim::LinearLR>(*opt, o);
  } else if (kind == "OneCycleLR") {
    xg::optim::OneCycleLROptions o{.max_lr = a.at("max_lr").get<double>()};
    o.total_steps = a.value("total_steps", o.total_steps);
    o.epochs = a.value("epochs", o.epochs);
    o.steps_per_epoch = a.value("steps_per_epoch", o.steps_per_epoch);
    o.pct_start = a.value("pct_start", o.pct_start);
    o.anneal_strategy =
        a.value("anneal_strategy", "cos") == "cos" ? xg::optim::AnnealStrategy::Cos : xg::optim::AnnealStrategy::Linear;
    o.cycle_momentum = a.value("cycle_momentum", o.cycle_momentum);
    o.base_momentum = a.value("base_momentum", o.base_momentum);
    o.max_momentum = a.value("max_momentum", o.max_momentum);
    o.div_factor = a.value("div_factor", o.div_factor);
    o.final_div_factor = a.value("final_div_factor", o.final_div_factor);
    o.three_phase = a.value("three_phase", o.three_phase);
    sched = std::make_unique<xg::optim::OneCycleLR>(*opt, o);
  } else {
    throw std::runtime_error("no scheduler '" + kind + "' in xgrad");
  }
  record();
  EXPECT_EQ(sched->get_last_lr(), run.lrs.back());
  for (int i = 0; i < steps; ++i) {
    opt->step();
    sched->step();
    record();
    EXPECT_EQ(sched->get_last_lr(), run.lrs.back());
  }
  return run;
}

class SchedulerParity : public testing::TestWithParam<Case> {};

TEST_P(SchedulerParity, LearningRatesMatchPyTorch) {
  const Case& c = GetParam();
  ASSERT_TRUE(c.load_error.empty()) << c.load_error;
  const SchedulerRun run = run_scheduler(c.spec);
  const json& lrs = c.spec.at("lrs");
  const json& momentums = c.spec.at("momentums");
  ASSERT_EQ(run.lrs.size(), lrs.size());
  double worst = 0;
  for (std::size_t i = 0; i < lrs.size(); ++i) {
    const std::string at = c.name + " after " + std::to_string(i) + " steps: ";
    worst = std::max(worst, expect_close(at + "lr", run.lrs[i], lrs[i].get<std::vector<double>>()));
    worst = std::max(worst, expect_close(at + "momentum", run.momentums[i], momentums[i].get<std::vector<double>>()));
  }
  std::printf("[ parity   ] %-40s largest scaled difference %.2e over %zu rates\n", c.name.c_str(), worst, lrs.size());
}

INSTANTIATE_TEST_SUITE_P(Schedulers, SchedulerParity, testing::ValuesIn(cases("schedulers")),
                         xg::test::fixture_test_name);

// --- gradient clipping -------------------------------------------------------------------------

class ClipParity : public testing::TestWithParam<Case> {};

TEST_P(ClipParity, ClippedGradientsMatchPyTorch) {
  const Case& c = GetParam();
  ASSERT_TRUE(c.load_error.empty()) << c.load_error;
  Problem problem;
  problem.loss().backward();
  const std::vector<xg::Tensor> params = {problem.params.at("w"), problem.params.at("b"), problem.params.at("unused")};
  const json& a = c.spec.at("args");
  double worst = 0;
  if (c.spec.at("fn") == "clip_grad_norm_") {
    double norm_type = 2.0;
    if (a.contains("norm_type"))
      norm_type =
          a.at("norm_type").is_string() ? std::numeric_limits<double>::infinity() : a.at("norm_type").get<double>();
    const double total = xg::nn::utils::clip_grad_norm_(params, a.at("max_norm").get<double>(), norm_type);
    worst = expect_close(c.name + ": total norm", {total}, {c.spec.at("total_norm").get<double>()});
  } else {
    xg::nn::utils::clip_grad_value_(params, a.at("clip_value").get<double>());
  }
  for (const auto& [name, expected] : c.spec.at("grads").items())
    worst = std::max(worst, expect_close(c.name + ": grad of " + name, flat_values(problem.params.at(name).grad()),
                                         expected.get<std::vector<double>>()));
  EXPECT_FALSE(problem.params.at("unused").grad().defined());
  std::printf("[ parity   ] %-40s largest scaled difference %.2e\n", c.name.c_str(), worst);
}

INSTANTIATE_TEST_SUITE_P(Clipping, ClipParity, testing::ValuesIn(cases("clipping")), xg::test::fixture_test_name);

}  // namespace
