// LR schedulers (optim/lr_scheduler.*, one_cycle_lr.*, reduce_lr_on_plateau.*): closed forms,
// option checks, state dicts. Their PyTorch sequences are in test_torch_parity.cpp.
#include <cmath>
#include <limits>
#include <numbers>
#include <xgrad/optim/adam.hpp>
#include <xgrad/optim/lr_scheduler.hpp>
#include <xgrad/optim/one_cycle_lr.hpp>
#include <xgrad/optim/reduce_lr_on_plateau.hpp>
#include <xgrad/optim/sgd.hpp>

#include "helpers.hpp"

namespace {

namespace optim = xg::optim;

struct Fixture {
  xg::Tensor p = xg::zeros({1}, xg::kFloat64).requires_grad_();
  optim::SGD opt{{p}, {.lr = 0.1, .momentum = 0.9}};
};

TEST(StepLR, ClosedForm) {
  // lr_t = 0.1 * 0.5^floor(t / 3)
  Fixture f;
  optim::StepLR sched(f.opt, {.step_size = 3, .gamma = 0.5});
  for (int t = 0; t <= 10; ++t) {
    EXPECT_DOUBLE_EQ(f.opt.lr(), 0.1 * std::pow(0.5, t / 3)) << "epoch " << t;
    EXPECT_EQ(sched.last_epoch(), t);
    sched.step();
  }
}

TEST(CosineAnnealingLR, FollowsTheClosedFormWithinRounding) {
  // lr_t = eta_min + (base - eta_min) * (1 + cos(pi t / T)) / 2, also past T (it climbs back).
  Fixture f;
  optim::CosineAnnealingLR sched(f.opt, {.t_max = 8, .eta_min = 0.01});
  for (int t = 0; t <= 30; ++t) {
    const double closed = 0.01 + (0.1 - 0.01) * (1 + std::cos(std::numbers::pi * t / 8)) / 2;
    EXPECT_NEAR(sched.get_last_lr()[0], closed, 1e-15) << "epoch " << t;
    sched.step();
  }
}

TEST(LinearLR, WarmsUpThenHolds) {
  Fixture f;
  optim::LinearLR sched(f.opt, {.start_factor = 0.25, .total_iters = 3});
  const std::vector<double> factors = {0.25, 0.5, 0.75, 1.0, 1.0, 1.0};
  for (double factor : factors) {
    EXPECT_NEAR(f.opt.lr(), 0.1 * factor, 1e-16);
    sched.step();
  }
}

TEST(OneCycleLR, EndpointsAndMomentum) {
  Fixture f;
  optim::OneCycleLR sched(f.opt, {.max_lr = 1.0, .total_steps = 100});
  EXPECT_NEAR(f.opt.lr(), 1.0 / 25, 1e-15);  // max_lr / div_factor
  EXPECT_DOUBLE_EQ(f.opt.options().momentum, 0.95);
  for (int i = 0; i < 29; ++i) sched.step();  // the peak is at pct_start * total - 1 = 29
  EXPECT_DOUBLE_EQ(f.opt.lr(), 1.0);
  EXPECT_DOUBLE_EQ(f.opt.options().momentum, 0.85);
  for (int i = 29; i < 99; ++i) sched.step();
  EXPECT_NEAR(f.opt.lr(), 1.0 / 25 / 1e4, 1e-15);
  EXPECT_DOUBLE_EQ(f.opt.options().momentum, 0.95);
  sched.step();  // PyTorch allows one more
  EXPECT_ERROR(sched.step(), "OneCycleLR", "stepped 102 times", "total_steps is 100");
  EXPECT_EQ(sched.last_epoch(), 100);  // the failed step changed nothing
}

// A checkpoint may hold last_epoch 2^63 - 2 (the largest a scheduler loads); the step after it
// is refused, and the message's step count overflowed the int64 (fuzz_checkpoint_content, under
// UBSan: one_cycle_lr.cpp "9223372036854775807 + 1").
TEST(OneCycleLR, StepFromTheLargestLoadableEpochIsAnError) {
  Fixture f;
  optim::OneCycleLR sched(f.opt, {.max_lr = 1.0, .total_steps = 100});
  xg::StateDict sd = sched.state_dict();
  sd["last_epoch"] = xg::scalar(std::numeric_limits<std::int64_t>::max() - 1);
  sched.load_state_dict(sd);
  EXPECT_ERROR(sched.step(), "OneCycleLR", "stepped 9223372036854775808 times", "total_steps is 100");
}

TEST(OneCycleLR, LinearAnnealingNeverGoesBelowTheFinalRate) {
  Fixture f;
  optim::OneCycleLR sched(f.opt, {.max_lr = 1.0, .total_steps = 10, .anneal_strategy = optim::AnnealStrategy::Linear});
  for (int i = 0; i < 10; ++i) sched.step();
  // PyTorch would extrapolate step 10 to a negative rate; xgrad holds the final one.
  EXPECT_NEAR(f.opt.lr(), 1.0 / 25 / 1e4, 1e-15);
}

TEST(OneCycleLR, CyclesAdamsBeta1) {
  xg::Tensor p = xg::zeros({1}, xg::kFloat64).requires_grad_();
  optim::Adam adam({p}, {.lr = 0.1, .betas = {0.5, 0.99}});
  optim::OneCycleLR sched(adam, {.max_lr = 0.1, .epochs = 2, .steps_per_epoch = 5});
  EXPECT_EQ(sched.total_steps(), 10);
  EXPECT_DOUBLE_EQ(adam.options().betas[0], 0.95);
  EXPECT_EQ(adam.options().betas[1], 0.99);
}

TEST(ReduceLROnPlateau, CutsAfterPatienceRunsOut) {
  Fixture f;
  optim::ReduceLROnPlateau sched(f.opt, {.factor = 0.5, .patience = 2});
  EXPECT_EQ(sched.get_last_lr(), (std::vector<double>{0.1}));
  sched.step(1.0);  // best
  sched.step(1.0);  // bad 1
  sched.step(1.0);  // bad 2
  EXPECT_EQ(f.opt.lr(), 0.1);
  sched.step(1.0);  // bad 3 > patience: cut
  EXPECT_EQ(f.opt.lr(), 0.05);
  EXPECT_EQ(sched.num_bad_epochs(), 0);
  sched.step(0.5);  // better
  EXPECT_EQ(sched.best(), 0.5);
}

TEST(Schedulers, BadOptionsAreErrors) {
  Fixture f;
  EXPECT_ERROR(optim::StepLR(f.opt, {}), "StepLR", "step_size must be >= 1", "got 0");
  EXPECT_ERROR(optim::MultiStepLR(f.opt, {.milestones = {3, -1}}), "MultiStepLR", "milestones must be >= 0", "-1");
  EXPECT_ERROR(optim::ExponentialLR(f.opt, {}), "ExponentialLR", "gamma must be > 0", "got 0");
  EXPECT_ERROR(optim::CosineAnnealingLR(f.opt, {.t_max = 0}), "CosineAnnealingLR", "t_max must be >= 1");
  EXPECT_ERROR(optim::LinearLR(f.opt, {.start_factor = 0}), "LinearLR", "start_factor must be in (0, 1]", "got 0");
  EXPECT_ERROR(optim::LinearLR(f.opt, {.end_factor = 2}), "LinearLR", "end_factor must be in [0, 1]", "2");
  EXPECT_ERROR(optim::LinearLR(f.opt, {.total_iters = 0}), "LinearLR", "total_iters must be >= 1");
  EXPECT_ERROR(optim::OneCycleLR(f.opt, {.total_steps = 10}), "OneCycleLR", "max_lr must be > 0");
  EXPECT_ERROR(optim::OneCycleLR(f.opt, {.max_lr = 1}), "OneCycleLR", "set total_steps, or epochs and steps_per_epoch");
  EXPECT_ERROR(optim::OneCycleLR(f.opt, {.max_lr = 1, .total_steps = 10, .pct_start = 1.5}), "OneCycleLR",
               "pct_start must be in [0, 1]", "1.5");
  EXPECT_ERROR(optim::ReduceLROnPlateau(f.opt, {.factor = 1.0}), "ReduceLROnPlateau", "factor must be in [0, 1)",
               "got 1");
  EXPECT_ERROR(optim::ReduceLROnPlateau(f.opt, {.patience = -1}), "ReduceLROnPlateau", "patience must be >= 0");
  EXPECT_EQ(f.opt.lr(), 0.1);  // none of them touched the optimizer

  // cycle_momentum needs momentum: SGD has the option even at 0, so OneCycleLR turns it on.
  xg::Tensor q = xg::zeros({1}, xg::kFloat64).requires_grad_();
  optim::SGD plain({q}, {.lr = 0.1});
  optim::OneCycleLR sched(plain, {.max_lr = 1, .total_steps = 10});
  EXPECT_EQ(plain.options().momentum, 0.95);
}

TEST(Schedulers, OptionsAreValidatedWhereTheyAreGiven) {
  // Each was accepted before; the error, if any, came later from the optimizer.
  Fixture f;
  EXPECT_ERROR(optim::StepLR(f.opt, {.step_size = 2, .gamma = -1}), "StepLR", "gamma must be > 0 and finite", "got -1");
  EXPECT_ERROR(optim::StepLR(f.opt, {.step_size = 2, .gamma = std::nan("")}), "StepLR", "gamma", "got nan");
  EXPECT_ERROR(optim::MultiStepLR(f.opt, {.milestones = {2}, .gamma = INFINITY}), "MultiStepLR", "gamma", "inf");
  EXPECT_ERROR(optim::ExponentialLR(f.opt, {.gamma = INFINITY}), "ExponentialLR", "gamma must be finite", "inf");
  EXPECT_ERROR(optim::ExponentialLR(f.opt, {.gamma = -0.5}), "ExponentialLR", "gamma must be > 0", "-0.5");
  EXPECT_ERROR(optim::OneCycleLR(f.opt, {.max_lr = INFINITY, .total_steps = 10}), "OneCycleLR", "max_lr must be finite",
               "inf");
  EXPECT_ERROR(optim::OneCycleLR(f.opt, {.max_lr = 1, .total_steps = 10, .div_factor = INFINITY}), "OneCycleLR",
               "div_factor must be > 0 and finite");
  EXPECT_ERROR(optim::CosineAnnealingLR(f.opt, {.t_max = 5, .eta_min = INFINITY}), "CosineAnnealingLR",
               "eta_min must be >= 0 and finite");
  EXPECT_ERROR(optim::ReduceLROnPlateau(f.opt, {.min_lr = INFINITY}), "ReduceLROnPlateau", "min_lr must be finite");
  EXPECT_EQ(f.opt.lr(), 0.1);
}

TEST(OneCycleLR, StepCountsThatOverflowAreErrors) {
  // epochs x steps_per_epoch overflowed int64 (UBSan), and tiny_yolo --epochs INT64_MAX said
  // "total_steps must be > 0, got -4".
  Fixture f;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  EXPECT_ERROR(optim::OneCycleLR(f.opt, {.max_lr = 1, .epochs = kMax, .steps_per_epoch = 2}), "OneCycleLR",
               "epochs 9223372036854775807 x steps_per_epoch 2 overflows the int64 step count");
  EXPECT_ERROR(optim::OneCycleLR(f.opt, {.max_lr = 1, .epochs = kMax / 2 + 1, .steps_per_epoch = 2}), "OneCycleLR",
               "overflows");
  EXPECT_ERROR(optim::OneCycleLR(f.opt, {.max_lr = 1, .total_steps = kMax}), "OneCycleLR",
               "total_steps must be below 2^63 - 1");
  optim::OneCycleLR big(f.opt, {.max_lr = 1, .epochs = kMax / 4, .steps_per_epoch = 2});
  EXPECT_EQ(big.total_steps(), kMax / 4 * 2);
}

TEST(ExponentialLR, AScheduleThatOverflowsIsTheSchedulersError) {
  // gamma 10 reaches inf within ~310 epochs; before, the inf went into the optimizer.
  Fixture f;
  optim::ExponentialLR sched(f.opt, {.gamma = 10});
  std::int64_t epoch = 0;
  try {
    for (; epoch < 1000; ++epoch) sched.step();
    ADD_FAILURE() << "no error in 1000 epochs";
  } catch (const xg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("ExponentialLR: epoch"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("learning rate of parameter group 0 to inf"), std::string::npos) << e.what();
  }
  EXPECT_GT(epoch, 300);
  EXPECT_TRUE(std::isfinite(f.opt.lr()));
  EXPECT_EQ(sched.last_epoch(), epoch);  // the failed step did not count
}

TEST(Schedulers, LoadedStateMustBeValid) {
  Fixture f;
  optim::StepLR sched(f.opt, {.step_size = 2});
  xg::StateDict sd = sched.state_dict();
  sd["base_lrs"] = xg::tensor({std::nan("")}, xg::kFloat64);
  EXPECT_ERROR(sched.load_state_dict(sd), "StepLR.load_state_dict", "'base_lrs' holds nan for parameter group 0",
               "finite and >= 0");
  sd = sched.state_dict();
  sd["last_lr"] = xg::tensor({-0.1}, xg::kFloat64);
  EXPECT_ERROR(sched.load_state_dict(sd), "'last_lr' holds -0.1");
  sd = sched.state_dict();
  sd["last_epoch"] = xg::scalar(std::numeric_limits<std::int64_t>::max());
  EXPECT_ERROR(sched.load_state_dict(sd), "'last_epoch' must be in [-1, 2^63 - 1)", "9223372036854775807");
  sd["last_epoch"] = xg::tensor(1e30, xg::kFloat64);  // its conversion to int64 was undefined
  EXPECT_ERROR(sched.load_state_dict(sd), "'last_epoch' must be a whole number", "1e+30");
  sd["last_epoch"] = xg::scalar(-2);
  EXPECT_ERROR(sched.load_state_dict(sd), "'last_epoch' must be in [-1");
  EXPECT_EQ(sched.last_epoch(), 0);

  optim::ReduceLROnPlateau plateau(f.opt, {});
  xg::StateDict ps = plateau.state_dict();
  ps["best"] = xg::tensor(std::nan(""), xg::kFloat64);
  EXPECT_ERROR(plateau.load_state_dict(ps), "ReduceLROnPlateau.load_state_dict", "'best' is nan");
  ps = plateau.state_dict();
  ps["num_bad_epochs"] = xg::scalar(-3);
  EXPECT_ERROR(plateau.load_state_dict(ps), "'num_bad_epochs' must be in [0, 2^63 - 1), got -3");
}

TEST(Schedulers, StateDictRoundTrip) {
  Fixture a, b;
  optim::CosineAnnealingLR sa(a.opt, {.t_max = 5});
  for (int i = 0; i < 7; ++i) sa.step();
  b.opt.load_state_dict(a.opt.state_dict());
  optim::CosineAnnealingLR sb(b.opt, {.t_max = 5});
  sb.load_state_dict(sa.state_dict());
  EXPECT_EQ(sb.last_epoch(), 7);
  EXPECT_EQ(sb.base_lrs(), sa.base_lrs());
  EXPECT_EQ(sb.get_last_lr(), sa.get_last_lr());
  for (int i = 0; i < 9; ++i) {
    sa.step();
    sb.step();
    EXPECT_EQ(a.opt.lr(), b.opt.lr());
  }
  const xg::StateDict sd = sa.state_dict();
  EXPECT_EQ(sd.at("last_epoch").dtype(), xg::kInt64);
  EXPECT_EQ(sd.at("base_lrs").shape(), (xg::Shape{1}));
}

TEST(Schedulers, StateDictErrors) {
  Fixture f;
  optim::StepLR sched(f.opt, {.step_size = 2});
  xg::StateDict sd = sched.state_dict();
  sd["base_lrs"] = xg::tensor({0.1, 0.2}, xg::kFloat64);
  EXPECT_ERROR(sched.load_state_dict(sd), "StepLR.load_state_dict", "'base_lrs' must hold 1 numbers", "(2)");
  sd = sched.state_dict();
  sd.erase("last_lr");
  EXPECT_ERROR(sched.load_state_dict(sd), "StepLR.load_state_dict", "no key 'last_lr'");
  sd = sched.state_dict();
  sd["gamma"] = xg::tensor(0.5, xg::kFloat64);
  EXPECT_ERROR(sched.load_state_dict(sd), "StepLR.load_state_dict", "unexpected key 'gamma'");
  EXPECT_EQ(sched.last_epoch(), 0);
}

TEST(Schedulers, ReduceLROnPlateauStateDictRoundTrip) {
  Fixture a, b;
  optim::ReduceLROnPlateau sa(a.opt, {.patience = 1, .cooldown = 2});
  for (double m : {3.0, 2.0, 2.5, 2.5, 2.5}) sa.step(m);
  optim::ReduceLROnPlateau sb(b.opt, {.patience = 1, .cooldown = 2});
  b.opt.load_state_dict(a.opt.state_dict());
  sb.load_state_dict(sa.state_dict("plateau."), "plateau.");
  EXPECT_EQ(sb.best(), 2.0);
  EXPECT_EQ(sb.cooldown_counter(), sa.cooldown_counter());
  EXPECT_EQ(sb.num_bad_epochs(), sa.num_bad_epochs());
  for (double m : {2.5, 2.5, 2.5, 2.5, 1.0, 1.5, 1.5}) {
    sa.step(m);
    sb.step(m);
    EXPECT_EQ(sa.get_last_lr(), sb.get_last_lr());
  }
  // A fresh one's best is +infinity in min mode, and it survives the round trip.
  Fixture c;
  optim::ReduceLROnPlateau fresh(c.opt);
  optim::ReduceLROnPlateau copy(c.opt);
  copy.load_state_dict(fresh.state_dict());
  EXPECT_TRUE(std::isinf(copy.best()));
}

}  // namespace
