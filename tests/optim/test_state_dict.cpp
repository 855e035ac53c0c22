// Optimizer state dicts (optim/optimizer.*): what they hold, that resuming from one is exact, and
// that a state that does not fit is refused without changing anything.
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <xgrad/optim/adam.hpp>
#include <xgrad/optim/adamw.hpp>
#include <xgrad/optim/lr_scheduler.hpp>
#include <xgrad/optim/one_cycle_lr.hpp>
#include <xgrad/optim/rmsprop.hpp>
#include <xgrad/optim/sgd.hpp>

#include "helpers.hpp"

namespace {

namespace optim = xg::optim;

using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(std::vector<xg::Tensor>)>;

// Two groups (w, then b) so that group options and parameter numbering are exercised.
const std::vector<std::pair<std::string, MakeOptimizer>>& optimizers() {
  static const std::vector<std::pair<std::string, MakeOptimizer>> all = {
      {"SGD nesterov",
       [](std::vector<xg::Tensor> p) {
         return std::make_unique<optim::SGD>(std::vector<optim::ParamGroup<optim::SGDOptions>>{
             {{p[0]}, {.lr = 0.01, .momentum = 0.9, .nesterov = true}}, {{p[1]}, {.lr = 0.02, .weight_decay = 0.1}}});
       }},
      {"Adam amsgrad",
       [](std::vector<xg::Tensor> p) {
         return std::make_unique<optim::Adam>(std::vector<optim::ParamGroup<optim::AdamOptions>>{
             {{p[0]}, {.lr = 0.05, .amsgrad = true}}, {{p[1]}, {.lr = 0.01}}});
       }},
      {"AdamW",
       [](std::vector<xg::Tensor> p) {
         return std::make_unique<optim::AdamW>(std::vector<optim::ParamGroup<optim::AdamWOptions>>{
             {{p[0]}, {.lr = 0.05}}, {{p[1]}, {.lr = 0.01, .weight_decay = 0.3}}});
       }},
      {"RMSprop centered momentum",
       [](std::vector<xg::Tensor> p) {
         return std::make_unique<optim::RMSprop>(std::vector<optim::ParamGroup<optim::RMSpropOptions>>{
             {{p[0]}, {.lr = 0.01, .momentum = 0.9, .centered = true}}, {{p[1]}, {.lr = 0.01}}});
       }},
  };
  return all;
}

// Copies of the parameter values, as fresh leaves: what a fresh process would load from a file.
std::vector<xg::Tensor> copies(const std::vector<xg::Tensor>& params) {
  std::vector<xg::Tensor> out;
  for (const auto& p : params) out.push_back(p.detach().requires_grad_());
  return out;
}

// Trains `problem` n steps with `opt`, and with `sched` stepped after each if given.
void train(const Problem& problem, optim::Optimizer& opt, int n, optim::LRScheduler* sched = nullptr) {
  for (int i = 0; i < n; ++i) {
    problem.train_step(opt);
    if (sched) sched->step();
  }
}

TEST(OptimizerStateDict, Keys) {
  Problem problem;
  optim::Adam opt({{{problem.params.at("w")}, {.lr = 0.05, .amsgrad = true}}, {{problem.params.at("b")}, {}}});
  train(problem, opt, 3);
  const xg::StateDict sd = opt.state_dict();
  std::vector<std::string> keys;
  for (const auto& [k, v] : sd) keys.push_back(k);
  const std::vector<std::string> expected = {"param_groups.0.amsgrad",
                                             "param_groups.0.beta1",
                                             "param_groups.0.beta2",
                                             "param_groups.0.eps",
                                             "param_groups.0.lr",
                                             "param_groups.0.maximize",
                                             "param_groups.0.params",
                                             "param_groups.0.weight_decay",
                                             "param_groups.1.amsgrad",
                                             "param_groups.1.beta1",
                                             "param_groups.1.beta2",
                                             "param_groups.1.eps",
                                             "param_groups.1.lr",
                                             "param_groups.1.maximize",
                                             "param_groups.1.params",
                                             "param_groups.1.weight_decay",
                                             "state.0.exp_avg",
                                             "state.0.exp_avg_sq",
                                             "state.0.max_exp_avg_sq",
                                             "state.0.step",
                                             "state.1.exp_avg",
                                             "state.1.exp_avg_sq",
                                             "state.1.step"};
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(sd.at("state.0.step").dtype(), xg::kInt64);
  EXPECT_EQ(sd.at("state.0.step").dim(), 0u);
  EXPECT_EQ(sd.at("state.0.step").item(), 3.0);
  EXPECT_EQ(sd.at("state.0.exp_avg").shape(), (xg::Shape{3, 4}));
  EXPECT_EQ(sd.at("param_groups.1.params").dtype(), xg::kInt64);
  EXPECT_EQ(flat_values(sd.at("param_groups.1.params")), (std::vector<double>{1}));
  EXPECT_EQ(sd.at("param_groups.0.lr").dtype(), xg::kFloat64);
  EXPECT_EQ(sd.at("param_groups.0.lr").item(), 0.05);
  EXPECT_EQ(sd.at("param_groups.0.amsgrad").item(), 1.0);
  EXPECT_EQ(sd.at("param_groups.1.beta2").item(), 0.999);
}

TEST(OptimizerStateDict, IsACopy) {
  Problem problem;
  optim::SGD opt(problem.trained(), {.lr = 0.01, .momentum = 0.9});
  train(problem, opt, 2);
  const xg::StateDict before = opt.state_dict();
  const std::vector<double> buffer = flat_values(before.at("state.0.momentum_buffer"));
  train(problem, opt, 1);
  EXPECT_EQ(flat_values(before.at("state.0.momentum_buffer")), buffer);
}

TEST(OptimizerStateDict, PrefixForMergingIntoACheckpoint) {
  Problem problem;
  optim::SGD opt(problem.trained(), {.lr = 0.01, .momentum = 0.9});
  train(problem, opt, 1);
  xg::StateDict checkpoint = {{"model.w", problem.params.at("w")}, {"model.b", problem.params.at("b")}};
  checkpoint.merge(opt.state_dict("optimizer."));
  EXPECT_TRUE(checkpoint.count("optimizer.state.0.momentum_buffer"));
  EXPECT_TRUE(checkpoint.count("optimizer.param_groups.0.lr"));

  Problem fresh;
  optim::SGD loaded(fresh.trained(), {.lr = 0.5});
  loaded.load_state_dict(checkpoint, "optimizer.");  // ignores the model's keys
  EXPECT_EQ(loaded.lr(), 0.01);
  EXPECT_EQ(loaded.options().momentum, 0.9);
  // Without the prefix the model's keys are not optimizer keys.
  EXPECT_ERROR(loaded.load_state_dict(checkpoint), "SGD.load_state_dict", "unexpected key 'model.b'", "prefix");
}

// Training N steps, moving the state into a fresh optimizer over copies of the parameters, and
// training M more gives bit-identical parameters to N + M uninterrupted steps.
TEST(OptimizerStateDict, ResumeIsBitIdentical) {
  constexpr int N = 7, M = 11;
  for (const auto& [name, make] : optimizers()) {
    SCOPED_TRACE(name);
    Problem straight;
    auto opt = make(straight.trained());
    train(straight, *opt, N + M);

    Problem first;
    auto before = make(first.trained());
    train(first, *before, N);
    const xg::StateDict saved = before->state_dict();

    Problem resumed;
    resumed.params["w"] = copies({first.params.at("w")})[0];
    resumed.params["b"] = copies({first.params.at("b")})[0];
    // A fresh optimizer with other options: load_state_dict brings the saved ones back.
    auto after = make(resumed.trained());
    for (std::size_t g = 0; g < after->num_param_groups(); ++g) after->set_lr(g, 123.0);
    after->load_state_dict(saved);
    train(resumed, *after, M);

    for (const char* p : {"w", "b"}) EXPECT_TRUE(same_bits(resumed.params.at(p), straight.params.at(p))) << p;
    const xg::StateDict a = after->state_dict(), b = opt->state_dict();
    ASSERT_EQ(a.size(), b.size());
    for (const auto& [key, t] : a) EXPECT_TRUE(same_bits(t.to(xg::kFloat64), b.at(key).to(xg::kFloat64))) << key;
  }
}

// The same with a scheduler that changes the lr and the momentum every step (OneCycleLR), whose
// state goes along.
TEST(OptimizerStateDict, ResumeWithSchedulerIsBitIdentical) {
  constexpr int N = 9, M = 13;
  const optim::OneCycleLROptions cycle{.max_lr = 0.05, .total_steps = N + M};
  Problem straight;
  optim::Adam opt(straight.trained(), {.lr = 0.05});
  optim::OneCycleLR sched(opt, cycle);
  train(straight, opt, N + M, &sched);

  Problem first;
  optim::Adam before(first.trained(), {.lr = 0.05});
  optim::OneCycleLR before_sched(before, cycle);
  train(first, before, N, &before_sched);
  xg::StateDict checkpoint = before.state_dict("optimizer.");
  checkpoint.merge(before_sched.state_dict("scheduler."));

  Problem resumed;
  resumed.params["w"] = copies({first.params.at("w")})[0];
  resumed.params["b"] = copies({first.params.at("b")})[0];
  optim::Adam after(resumed.trained(), {.lr = 0.05});
  optim::OneCycleLR after_sched(after, cycle);
  after.load_state_dict(checkpoint, "optimizer.");
  after_sched.load_state_dict(checkpoint, "scheduler.");
  EXPECT_EQ(after_sched.last_epoch(), N);
  EXPECT_EQ(after.options().betas[0], before.options().betas[0]);
  train(resumed, after, M, &after_sched);

  EXPECT_TRUE(same_bits(resumed.params.at("w"), straight.params.at("w")));
  EXPECT_TRUE(same_bits(resumed.params.at("b"), straight.params.at("b")));
  EXPECT_EQ(after_sched.get_last_lr(), sched.get_last_lr());
}

TEST(OptimizerStateDict, LoadingBeforeAnyStepAndSavingEmptyState) {
  Problem problem;
  optim::Adam opt(problem.trained(), {.lr = 0.05});
  const xg::StateDict sd = opt.state_dict();  // no steps: groups only
  EXPECT_FALSE(sd.count("state.0.step"));
  optim::Adam other(problem.trained(), {.lr = 0.5});
  other.load_state_dict(sd);
  EXPECT_EQ(other.lr(), 0.05);
}

class OptimizerLoadErrors : public testing::Test {
 protected:
  void SetUp() override {
    opt = std::make_unique<optim::Adam>(std::vector<optim::ParamGroup<optim::AdamOptions>>{
        {{problem.params.at("w")}, {.lr = 0.05}}, {{problem.params.at("b")}, {.lr = 0.01}}});
    train(problem, *opt, 2);
    good = opt->state_dict();
  }

  // Loading `bad` must throw with the given words and leave the optimizer as it was.
  void expect_refused(const xg::StateDict& bad, std::vector<const char*> words) {
    const xg::StateDict before = opt->state_dict();
    try {
      opt->load_state_dict(bad);
      ADD_FAILURE() << "no exception";
    } catch (const xg::Error& e) {
      for (const char* w : words) EXPECT_NE(std::string(e.what()).find(w), std::string::npos) << e.what();
    }
    const xg::StateDict after = opt->state_dict();
    ASSERT_EQ(after.size(), before.size());
    for (const auto& [k, t] : before) EXPECT_TRUE(same_bits(after.at(k), t)) << k;
  }

  Problem problem;
  std::unique_ptr<optim::Adam> opt;
  xg::StateDict good;
};

TEST_F(OptimizerLoadErrors, WrongNumberOfGroups) {
  optim::Adam one_group(problem.trained());
  one_group.load_state_dict(one_group.state_dict());  // fits itself
  EXPECT_ERROR(one_group.load_state_dict(good), "Adam.load_state_dict", "2 parameter groups", "has 1");
}

TEST_F(OptimizerLoadErrors, WrongNumberOfParametersInAGroup) {
  xg::StateDict bad = good;
  bad["param_groups.1.params"] = xg::from_xarray(xt::xarray<std::int64_t>{1, 2});
  expect_refused(bad, {"Adam.load_state_dict", "group 1 holds 2 parameters in the saved state but 1"});
}

TEST_F(OptimizerLoadErrors, BufferShapeDoesNotFit) {
  xg::StateDict bad = good;
  bad["state.1.exp_avg"] = xg::zeros({3}, xg::kFloat64);
  expect_refused(bad, {"'state.1.exp_avg' has shape (3)", "parameter it maps to has shape (4)"});
}

TEST_F(OptimizerLoadErrors, MissingAndUnknownState) {
  xg::StateDict bad = good;
  bad.erase("state.0.exp_avg_sq");
  expect_refused(bad, {"lacks 'exp_avg_sq'"});
  bad = good;
  bad["state.0.momentum_buffer"] = xg::zeros({3, 4}, xg::kFloat64);
  expect_refused(bad, {"unknown state 'momentum_buffer'", "'exp_avg'"});
  bad = good;
  bad.erase("state.1.step");
  expect_refused(bad, {"no 'step'"});
  bad = good;
  bad["state.5.exp_avg"] = xg::zeros({4}, xg::kFloat64);
  expect_refused(bad, {"parameter 5", "no saved parameter group lists"});
}

TEST_F(OptimizerLoadErrors, OptionsMissingUnknownOrInvalid) {
  xg::StateDict bad = good;
  bad.erase("param_groups.0.eps");
  expect_refused(bad, {"group 0 lacks the option 'eps'"});
  bad = good;
  bad["param_groups.0.momentum"] = xg::tensor(0.9, xg::kFloat64);
  expect_refused(bad, {"option 'momentum' that Adam does not have"});
  bad = good;
  bad["param_groups.1.beta1"] = xg::tensor(1.5, xg::kFloat64);
  expect_refused(bad, {"betas[0] must be in [0, 1)", "1.5"});
  // amsgrad switched on without the buffer it needs: the options are rolled back.
  bad = good;
  bad["param_groups.0.amsgrad"] = xg::tensor(1.0, xg::kFloat64);
  expect_refused(bad, {"lacks 'max_exp_avg_sq'", "needs with these options"});
  EXPECT_FALSE(opt->options(0).amsgrad);
}

TEST_F(OptimizerLoadErrors, NotAnOptimizerState) {
  expect_refused({}, {"holds no optimizer state"});
  expect_refused({{"fc.weight", xg::zeros({2})}}, {"unexpected key 'fc.weight'"});
  xg::StateDict bad = good;
  bad["state.x.exp_avg"] = xg::zeros({2});
  expect_refused(bad, {"unexpected key 'state.x.exp_avg'"});
}

TEST_F(OptimizerLoadErrors, StateMustBeFiniteAndSquaresNonNegative) {
  // A negative exp_avg_sq loaded silently before, and the next step's sqrt made the weights NaN.
  xg::StateDict bad = good;
  xg::Tensor v = good.at("state.0.exp_avg_sq").clone().detach();
  v.data<double>()(1, 2) = -0.5;
  bad["state.0.exp_avg_sq"] = v;
  expect_refused(bad, {"Adam.load_state_dict", "'state.0.exp_avg_sq' holds -0.5 at element 6",
                       "finite and >= 0 (an average of squares)"});
  bad = good;
  xg::Tensor m = good.at("state.1.exp_avg").clone().detach();
  m.data<double>()(3) = std::nan("");
  bad["state.1.exp_avg"] = m;
  expect_refused(bad, {"'state.1.exp_avg' holds nan at element 3", "must be finite"});
  bad = good;
  bad["state.0.exp_avg"] = xg::full({3, 4}, INFINITY, xg::kFloat64);
  expect_refused(bad, {"'state.0.exp_avg' holds inf at element 0"});
  // A step count the next step() cannot increment, or one a double cannot convert (undefined
  // behaviour before: static_cast of 1e30 to int64).
  bad = good;
  bad["state.0.step"] = xg::scalar(std::numeric_limits<std::int64_t>::max());
  expect_refused(bad, {"'state.0.step' must be one whole number >= 0 and below 2^63 - 1"});
  bad = good;
  bad["state.0.step"] = xg::tensor(1e30, xg::kFloat64);
  expect_refused(bad, {"'state.0.step' must be one whole number"});
  bad = good;
  bad["state.0.step"] = xg::tensor(-1.0, xg::kFloat64);
  expect_refused(bad, {"'state.0.step' must be one whole number"});
}

TEST(OptimizerLoad, RmspropSquareAveragesMustBeNonNegative) {
  xg::Tensor p = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  optim::RMSprop opt({p}, {.lr = 0.01});
  (p * p).sum().backward();
  opt.step();
  xg::StateDict sd = opt.state_dict();
  sd["state.0.square_avg"] = xg::tensor({0.1, -1e-3}, xg::kFloat64);
  EXPECT_ERROR(opt.load_state_dict(sd), "RMSprop.load_state_dict", "'state.0.square_avg' holds -0.001 at element 1");
}

TEST_F(OptimizerLoadErrors, StateFromAnotherOptimizer) {
  Problem other;
  optim::SGD sgd({{{other.params.at("w")}, {.lr = 0.1, .momentum = 0.9}}, {{other.params.at("b")}, {.lr = 0.1}}});
  train(other, sgd, 1);
  expect_refused(sgd.state_dict(), {"Adam.load_state_dict", "option 'dampening' that Adam does not have"});
}

}  // namespace

// The largest step count load_state_dict accepts is 2^63 - 2: one more step reaches 2^63 - 1, and
// the step after that overflowed the int64 (undefined behaviour). It is refused before any
// parameter changes.
TEST(OptimizerLoad, StepCountsStopAtTheLargestInt64) {
  for (const std::string name : {"Adam", "RMSprop"}) {
    SCOPED_TRACE(name);
    xg::Tensor a = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
    xg::Tensor b = xg::tensor({3.0}, xg::kFloat64).requires_grad_();
    std::unique_ptr<optim::Optimizer> opt;
    if (name == "Adam")
      opt = std::make_unique<optim::Adam>(std::vector<xg::Tensor>{a, b}, optim::AdamOptions{.lr = 0.01});
    else
      opt = std::make_unique<optim::RMSprop>(std::vector<xg::Tensor>{a, b}, optim::RMSpropOptions{.lr = 0.01});
    const auto backward = [&] {
      opt->zero_grad();
      ((a * a).sum() + (b * b).sum()).backward();
    };
    backward();
    opt->step();
    xg::StateDict sd = opt->state_dict();
    sd["state.1.step"] = xg::scalar(std::numeric_limits<std::int64_t>::max() - 1);
    opt->load_state_dict(sd);
    backward();
    opt->step();  // parameter 1 reaches 2^63 - 1
    EXPECT_EQ(opt->state_dict().at("state.1.step").item(), double(std::numeric_limits<std::int64_t>::max()));
    const std::vector<double> before = {a.data<double>()(0), a.data<double>()(1), b.data<double>()(0)};
    backward();
    const std::string op = name + ".step";
    EXPECT_ERROR(opt->step(), op.c_str(), "parameter 1 has taken 2^63 - 1 steps");
    EXPECT_EQ((std::vector<double>{a.data<double>()(0), a.data<double>()(1), b.data<double>()(0)}), before)
        << "a refused step changed a parameter";
  }
}
