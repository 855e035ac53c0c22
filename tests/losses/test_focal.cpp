#include <xgrad/losses/binary_cross_entropy.hpp>
#include <xgrad/losses/focal.hpp>

#include "helpers.hpp"

TEST(SigmoidFocalLoss, ClosedForm) {
  // z = 0, t = 1: p = p_t = 1/2, BCE = ln 2, loss = alpha (1/2)^gamma ln 2
  const xg::Tensor z = xg::tensor({0.0}, xg::kFloat64), t = xg::tensor({1.0}, xg::kFloat64);
  EXPECT_NEAR(xl::sigmoid_focal_loss(z, t).item(), 0.25 * 0.25 * std::log(2.0), 1e-16);
  // t = 0: alpha_t = 1 - alpha
  EXPECT_NEAR(xl::sigmoid_focal_loss(z, xg::zeros({1}, xg::kFloat64)).item(), 0.75 * 0.25 * std::log(2.0), 1e-16);
}

TEST(SigmoidFocalLoss, GammaZeroNoAlphaIsBce) {
  const xg::Tensor z = leaf({3, 4}, -3, 3), t = xg::randint(0, 2, {3, 4}).to(xg::kFloat64);
  EXPECT_NEAR(xl::sigmoid_focal_loss(z, t, {.alpha = -1, .gamma = 0}).item(),
              xl::binary_cross_entropy_with_logits(z, t).item(), 1e-15);
}

TEST(SigmoidFocalLoss, EasyExamplesAreDownWeighted) {
  // A well-classified example (p_t = 0.95) keeps (1 - 0.95)^2 = 1/400 of its BCE; a hard one
  // (p_t = 0.1) keeps 0.81 of it: the point of the focal term.
  const double easy = std::log(0.95 / 0.05), hard = std::log(0.1 / 0.9);
  const xg::Tensor z = xg::tensor({easy, hard}, xg::kFloat64), t = xg::ones({2}, xg::kFloat64);
  const auto focal = values(xl::sigmoid_focal_loss(z, t, {.alpha = -1, .reduction = Reduction::None}));
  const auto bce = values(xl::binary_cross_entropy_with_logits(z, t, {.reduction = Reduction::None}));
  EXPECT_NEAR(focal[0] / bce[0], 0.05 * 0.05, 1e-12);
  EXPECT_NEAR(focal[1] / bce[1], 0.9 * 0.9, 1e-12);
}

TEST(SigmoidFocalLoss, Gradcheck) {
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum})
    for (double gamma : {0.0, 2.0, 0.5})
      expect_gradcheck(
          [&](const auto& in) {
            return xl::sigmoid_focal_loss(in[0], in[1], {.alpha = 0.25, .gamma = gamma, .reduction = r});
          },
          {leaf({2, 3}, -3, 3), leaf({2, 3}, 0, 1)});
}

TEST(SigmoidFocalLoss, StableAtPlusMinus100) {
  for (xg::Dtype dtype : {xg::kFloat64, xg::kFloat32}) {
    xg::Tensor z = xg::tensor({100.0, -100.0, 100.0, -100.0}, dtype).requires_grad_();
    const xg::Tensor t = xg::tensor({1.0, 0.0, 0.0, 1.0}, dtype);
    const xg::Tensor loss = xl::sigmoid_focal_loss(z, t, {.reduction = Reduction::None});
    const auto l = values(loss);
    EXPECT_EQ(l[0], 0.0);
    EXPECT_EQ(l[2], 0.75 * 100.0);  // confidently wrong: (1 - alpha) * 1^2 * 100
    EXPECT_EQ(l[3], 0.25 * 100.0);
    xg::sum(loss).backward();
    EXPECT_TRUE(all_finite(z.grad()));
  }
}

TEST(SigmoidFocalLoss, ModuleAndErrors) {
  const xg::Tensor z = leaf({4}), t = leaf({4}, 0, 1);
  EXPECT_EQ(xl::SigmoidFocalLoss({.gamma = 1.0})(z, t).item(), xl::sigmoid_focal_loss(z, t, {.gamma = 1.0}).item());
  EXPECT_ERROR(xl::SigmoidFocalLoss({.alpha = 1.5}), "sigmoid_focal_loss", "alpha", "1.5");
  EXPECT_ERROR(xl::sigmoid_focal_loss(z, t, {.gamma = -1}), "sigmoid_focal_loss", "gamma", "-1");
  EXPECT_ERROR(xl::sigmoid_focal_loss(z, leaf({2, 2})), "sigmoid_focal_loss", "(4)", "(2, 2)");
  EXPECT_TRUE(std::isnan(xl::sigmoid_focal_loss(leaf({0}), leaf({0})).item()));  // mean of nothing
}
