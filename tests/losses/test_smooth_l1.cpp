#include <xgrad/losses/l1.hpp>
#include <xgrad/losses/smooth_l1.hpp>

#include "helpers.hpp"

TEST(SmoothL1Loss, ClosedForm) {
  // beta = 0.5: residual 0.25 -> 0.5 * 0.0625 / 0.5 = 0.0625; residual -2 -> 2 - 0.25 = 1.75
  xg::Tensor x = requires_grad(xg::tensor({0.25, -2.0}, xg::kFloat64));
  const xg::Tensor loss =
      xl::smooth_l1_loss(x, xg::zeros({2}, xg::kFloat64), {.beta = 0.5, .reduction = Reduction::Sum});
  EXPECT_DOUBLE_EQ(loss.item(), 0.0625 + 1.75);
  loss.backward();
  // d/dx = residual / beta inside, ±1 outside
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0.5, -1.0}));
}

TEST(SmoothL1Loss, BetaZeroIsL1) {
  const xg::Tensor x = leaf({3, 4}), t = leaf({3, 4});
  EXPECT_EQ(xl::smooth_l1_loss(x, t, {.beta = 0.0}).item(), xl::l1_loss(x, t).item());
}

TEST(SmoothL1Loss, Gradcheck) {
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum})
    for (double beta : {0.0, 0.3, 1.0})
      expect_gradcheck(
          [r, beta](const auto& in) { return xl::smooth_l1_loss(in[0], in[1], {.beta = beta, .reduction = r}); },
          {leaf({3, 4}), leaf({3, 4})});
}

TEST(SmoothL1Loss, ModuleAndErrors) {
  const xg::Tensor x = leaf({4}), t = leaf({4});
  EXPECT_EQ(xl::SmoothL1Loss({.beta = 0.5})(x, t).item(), xl::smooth_l1_loss(x, t, {.beta = 0.5}).item());
  EXPECT_ERROR(xl::SmoothL1Loss({.beta = -0.5}), "smooth_l1_loss", "beta", "-0.5");
  EXPECT_ERROR(xl::smooth_l1_loss(x, xg::zeros({4})), "smooth_l1_loss", "float64", "float32");
}

TEST(SmoothL1Loss, Float32MatchesFloat64) {
  const xg::Tensor x = leaf({3, 4}, -3, 3), t = leaf({3, 4});
  const xg::Tensor l32 = xl::smooth_l1_loss(x.to(xg::kFloat32), t.to(xg::kFloat32), {.beta = 0.7});
  EXPECT_EQ(l32.dtype(), xg::kFloat32);
  EXPECT_NEAR(l32.item(), xl::smooth_l1_loss(x, t, {.beta = 0.7}).item(), 1e-5);
}
