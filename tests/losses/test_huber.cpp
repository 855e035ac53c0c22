#include <xgrad/losses/huber.hpp>
#include <xgrad/losses/l1.hpp>
#include <xgrad/losses/mse.hpp>
#include <xgrad/losses/smooth_l1.hpp>

#include "helpers.hpp"

TEST(HuberLoss, ClosedFormOnBothSides) {
  // delta = 1: residuals 0.5 (quadratic: 0.125), 3 (linear: 3 - 0.5 = 2.5), -1 (at delta: 0.5)
  xg::Tensor x = requires_grad(xg::tensor({0.5, 3.0, -1.0}, xg::kFloat64));
  const xg::Tensor loss = xl::huber_loss(x, xg::zeros({3}, xg::kFloat64), {.reduction = Reduction::Sum});
  EXPECT_DOUBLE_EQ(loss.item(), 0.125 + 2.5 + 0.5);
  loss.backward();
  // d/dx = residual inside, ±delta outside; at |residual| == delta the linear side (±delta)
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0.5, 1.0, -1.0}));
}

TEST(HuberLoss, OutlierGradientIsCappedAtDelta) {
  xg::Tensor x = requires_grad(xg::tensor({1e6, -1e6}, xg::kFloat64));
  xl::huber_loss(x, xg::zeros({2}, xg::kFloat64), {.delta = 2.0, .reduction = Reduction::Sum}).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{2.0, -2.0}));
}

TEST(HuberLoss, LimitsAreHalfMseAndDeltaTimesL1) {
  const xg::Tensor x = leaf({10}, -0.5, 0.5), t = xg::zeros({10}, xg::kFloat64);
  // All residuals inside delta = 1: huber = mse / 2.
  EXPECT_NEAR(xl::huber_loss(x, t).item(), xl::mse_loss(x, t).item() / 2, 1e-15);
  // A tiny delta puts every residual outside: huber = delta (|d| - delta / 2), about delta |d|.
  const double delta = 1e-9;
  EXPECT_NEAR(xl::huber_loss(x, t, {.delta = delta}).item(), delta * xl::l1_loss(x, t).item(), 1e-17);
}

TEST(HuberLoss, IsBetaTimesSmoothL1) {
  const xg::Tensor x = leaf({3, 4}, -3, 3), t = leaf({3, 4});
  for (double beta : {0.5, 1.0, 2.0})
    EXPECT_NEAR(xl::huber_loss(x, t, {.delta = beta}).item(), beta * xl::smooth_l1_loss(x, t, {.beta = beta}).item(),
                1e-14);
}

TEST(HuberLoss, Gradcheck) {
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum})
    for (double delta : {0.5, 1.0})
      expect_gradcheck(
          [r, delta](const auto& in) { return xl::huber_loss(in[0], in[1], {.delta = delta, .reduction = r}); },
          {leaf({3, 4}), leaf({3, 4})});
}

TEST(HuberLoss, Errors) {
  EXPECT_ERROR(xl::huber_loss(leaf({2}), leaf({2}), {.delta = 0.0}), "huber_loss", "delta", "positive", "0");
  EXPECT_ERROR(xl::huber_loss(leaf({2}), leaf({2}), {.delta = -1.0}), "huber_loss", "-1");
  EXPECT_ERROR(xl::HuberLoss({.delta = -1.0}), "huber_loss", "delta", "-1");  // at construction
  EXPECT_ERROR(xl::huber_loss(leaf({2}), leaf({3})), "huber_loss", "(2)", "(3)");
}

TEST(HuberLoss, Float32MatchesFloat64) {
  const xg::Tensor x = leaf({3, 4}, -3, 3), t = leaf({3, 4});
  const xg::Tensor l32 = xl::HuberLoss({.delta = 0.7})(x.to(xg::kFloat32), t.to(xg::kFloat32));
  EXPECT_EQ(l32.dtype(), xg::kFloat32);
  EXPECT_NEAR(l32.item(), xl::huber_loss(x, t, {.delta = 0.7}).item(), 1e-5);
}
