// SGD (optim/sgd.*): steps worked out by hand, and the option checks.
#include <xgrad/optim/sgd.hpp>

#include "helpers.hpp"

namespace {

namespace optim = xg::optim;

// A parameter p and a loss whose gradient is exactly `g`: loss = sum(g * p).
struct Linear1 {
  xg::Tensor p, g;
  Linear1(std::vector<double> p0, std::vector<double> g0) : p(from_values(p0).requires_grad_()), g(from_values(g0)) {}
  void backward() const { (g * p).sum().backward(); }
};

TEST(SGD, OneStepByHand) {
  // p = p - lr * g with lr = 0.1, p = (1, -2), g = (0.5, 4):  (1 - 0.05, -2 - 0.4) = (0.95, -2.4).
  Linear1 f({1.0, -2.0}, {0.5, 4.0});
  optim::SGD opt({f.p}, {.lr = 0.1});
  f.backward();
  opt.step();
  EXPECT_EQ(flat_values(f.p), (std::vector<double>{1.0 - 0.1 * 0.5, -2.0 - 0.1 * 4.0}));
}

TEST(SGD, WeightDecayAddsToTheGradient) {
  // g' = g + wd * p = 0.5 + 0.1 * 2 = 0.7;  p = 2 - 1 * 0.7 = 1.3.
  Linear1 f({2.0}, {0.5});
  optim::SGD opt({f.p}, {.lr = 1.0, .weight_decay = 0.1});
  f.backward();
  opt.step();
  EXPECT_DOUBLE_EQ(flat_values(f.p)[0], 2.0 - (0.5 + 0.1 * 2.0));
}

TEST(SGD, MomentumByHand) {
  // Constant gradient g = 1, momentum 0.9, dampening 0.5, lr 1:
  //   step 1: b = g = 1 (no dampening on the first step)         p = 0 - 1 = -1
  //   step 2: b = 0.9 * 1 + 0.5 * 1 = 1.4                          p = -1 - 1.4 = -2.4
  //   step 3: b = 0.9 * 1.4 + 0.5 = 1.76                           p = -2.4 - 1.76 = -4.16
  Linear1 f({0.0}, {1.0});
  optim::SGD opt({f.p}, {.lr = 1.0, .momentum = 0.9, .dampening = 0.5});
  const double b1 = 1.0, b2 = 0.9 * b1 + 0.5 * 1.0, b3 = 0.9 * b2 + 0.5 * 1.0;
  const std::vector<double> expected = {-b1, -b1 - b2, -b1 - b2 - b3};
  for (double want : expected) {
    opt.zero_grad();
    f.backward();
    opt.step();
    EXPECT_DOUBLE_EQ(flat_values(f.p)[0], want);
  }
}

TEST(SGD, NesterovLooksAhead) {
  // g = 1, momentum 0.9, lr 1: step 1 b = 1, update g + 0.9 b = 1.9; step 2 b = 1.9, update 1 + 0.9 * 1.9.
  Linear1 f({0.0}, {1.0});
  optim::SGD opt({f.p}, {.lr = 1.0, .momentum = 0.9, .nesterov = true});
  f.backward();
  opt.step();
  EXPECT_DOUBLE_EQ(flat_values(f.p)[0], -1.9);
  opt.zero_grad();
  f.backward();
  opt.step();
  EXPECT_DOUBLE_EQ(flat_values(f.p)[0], -1.9 - (1.0 + 0.9 * 1.9));
}

TEST(SGD, MaximizeClimbs) {
  Linear1 f({0.0}, {2.0});
  optim::SGD opt({f.p}, {.lr = 0.5, .maximize = true});
  f.backward();
  opt.step();
  EXPECT_EQ(flat_values(f.p)[0], 1.0);
}

TEST(SGD, BadOptionsAreErrors) {
  xg::Tensor p = xg::zeros({2}, xg::kFloat64).requires_grad_();
  EXPECT_ERROR(optim::SGD({p}, {.lr = -0.1}), "SGD", "lr must be >= 0", "-0.1");
  EXPECT_ERROR(optim::SGD({p}, {.lr = std::nan("")}), "SGD", "lr must be >= 0", "nan");
  EXPECT_ERROR(optim::SGD({p}, {.lr = 0.1, .momentum = -0.5}), "SGD", "momentum must be >= 0", "-0.5");
  EXPECT_ERROR(optim::SGD({p}, {.lr = 0.1, .weight_decay = -1}), "SGD", "weight_decay must be >= 0", "-1");
  EXPECT_ERROR(optim::SGD({p}, {.lr = 0.1, .nesterov = true}), "SGD", "nesterov needs momentum > 0", "momentum 0");
  EXPECT_ERROR(optim::SGD({p}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true}), "SGD",
               "dampening = 0", "dampening 0.1");
}

TEST(SGD, LrMustBeFinite) {
  // lr = inf was accepted and turned every weight into inf or NaN at the first step.
  xg::Tensor p = xg::zeros({2}, xg::kFloat64).requires_grad_();
  EXPECT_ERROR(optim::SGD({p}, {.lr = INFINITY}), "SGD", "lr must be finite", "got inf");
  optim::SGD opt({p}, {.lr = 0.1});
  EXPECT_ERROR(opt.set_lr(0, INFINITY), "SGD", "lr must be finite");
  EXPECT_EQ(opt.lr(), 0.1);
}

}  // namespace
