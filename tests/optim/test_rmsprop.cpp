// RMSprop (optim/rmsprop.*): steps worked out by hand, and the option checks.
#include <xgrad/optim/rmsprop.hpp>

#include "helpers.hpp"

namespace {

namespace optim = xg::optim;

TEST(RMSprop, FirstStepByHand) {
  // v = (1 - alpha) g^2, p = p - lr * g / (sqrt(v) + eps).
  const double lr = 0.01, alpha = 0.99, eps = 1e-8, g = 3.0;
  xg::Tensor p = xg::tensor({1.0}, xg::kFloat64).requires_grad_();
  optim::RMSprop opt({p}, {.lr = lr});
  p.set_grad(xg::tensor({g}, xg::kFloat64));
  opt.step();
  EXPECT_NEAR(flat_values(p)[0], 1.0 - lr * g / (std::sqrt((1 - alpha) * g * g) + eps), 1e-15);
}

TEST(RMSprop, CenteredWithMomentumByHand) {
  // a = (1 - alpha) g, v = (1 - alpha) g^2, s = sqrt(v - a^2) + eps, b = g / s, p = p - lr * b.
  const double lr = 0.1, alpha = 0.5, eps = 1e-6, g = 2.0;
  xg::Tensor p = xg::tensor({0.0}, xg::kFloat64).requires_grad_();
  optim::RMSprop opt({p}, {.lr = lr, .alpha = alpha, .momentum = 0.9, .centered = true, .eps = eps});
  p.set_grad(xg::tensor({g}, xg::kFloat64));
  opt.step();
  const double a = (1 - alpha) * g, v = (1 - alpha) * g * g, s = std::sqrt(v - a * a) + eps;
  EXPECT_NEAR(flat_values(p)[0], -lr * g / s, 1e-14);
  const xg::StateDict sd = opt.state_dict();
  EXPECT_EQ(sd.at("state.0.step").item(), 1.0);
  EXPECT_DOUBLE_EQ(sd.at("state.0.grad_avg").item(), a);
  EXPECT_DOUBLE_EQ(sd.at("state.0.square_avg").item(), v);
  EXPECT_NEAR(sd.at("state.0.momentum_buffer").item(), g / s, 1e-14);
}

TEST(RMSprop, BadOptionsAreErrors) {
  xg::Tensor p = xg::zeros({1}, xg::kFloat64).requires_grad_();
  EXPECT_ERROR(optim::RMSprop({p}, {.lr = -0.01}), "RMSprop", "lr must be >= 0", "-0.01");
  EXPECT_ERROR(optim::RMSprop({p}, {.alpha = 1.5}), "RMSprop", "alpha must be in [0, 1]", "1.5");
  EXPECT_ERROR(optim::RMSprop({p}, {.eps = -1}), "RMSprop", "eps must be >= 0");
  EXPECT_ERROR(optim::RMSprop({p}, {.weight_decay = -1}), "RMSprop", "weight_decay must be >= 0");
  EXPECT_ERROR(optim::RMSprop({p}, {.momentum = -0.9}), "RMSprop", "momentum must be >= 0", "-0.9");
}

TEST(RMSprop, EpsMustBePositiveAndLrFinite) {
  // eps = 0 with a zero gradient divides 0 by 0.
  xg::Tensor p = xg::zeros({1}, xg::kFloat64).requires_grad_();
  EXPECT_ERROR(optim::RMSprop({p}, {.eps = 0}), "RMSprop", "eps must be > 0 and finite", "got 0");
  EXPECT_ERROR(optim::RMSprop({p}, {.lr = INFINITY}), "RMSprop", "lr must be finite");
}

}  // namespace
