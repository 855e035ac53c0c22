#include <xgrad/losses/l1.hpp>

#include "helpers.hpp"

TEST(L1Loss, ClosedForm) {
  xg::Tensor x = requires_grad(xg::tensor({1.0, 2.0, 3.0, 4.0}, xg::kFloat64));
  const xg::Tensor t = xg::tensor({0.0, 2.0, 5.0, 4.5}, xg::kFloat64);
  const xg::Tensor loss = xl::l1_loss(x, t);
  EXPECT_DOUBLE_EQ(loss.item(), 3.5 / 4);  // (1 + 0 + 2 + 0.5) / 4
  loss.backward();
  // d/dx_i = sign(x_i - t_i) / n, and 0 where x_i == t_i (as PyTorch)
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0.25, 0.0, -0.25, -0.25}));
}

TEST(L1Loss, OutliersPullNoHarderThanInliers) {
  // The gradient's size is 1/n whatever the residual: 1000 pulls like 0.1 (MSE: 10,000 times harder).
  xg::Tensor x = requires_grad(xg::tensor({0.1, 1000.0}, xg::kFloat64));
  xl::l1_loss(x, xg::zeros({2}, xg::kFloat64), {.reduction = Reduction::Sum}).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1.0, 1.0}));
}

TEST(L1Loss, Gradcheck) {
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum})
    expect_gradcheck([r](const auto& in) { return xl::l1_loss(in[0], in[1], {.reduction = r}); },
                     {leaf({3, 4}), leaf({3, 4})});
}

TEST(L1Loss, ModuleAndFloat32) {
  const xg::Tensor x = xg::tensor({1.0, -2.0}), t = xg::tensor({0.0, 0.0});
  const xg::Tensor loss = xl::L1Loss({.reduction = Reduction::Sum})(x, t);
  EXPECT_EQ(loss.dtype(), xg::kFloat32);
  EXPECT_EQ(loss.item(), 3.0);
}

TEST(L1Loss, Errors) {
  EXPECT_ERROR(xl::l1_loss(leaf({2, 3}), leaf({3, 2})), "l1_loss", "(2, 3)", "(3, 2)");
  EXPECT_ERROR(xl::l1_loss(xg::zeros({3}), leaf({3})), "l1_loss", "float32", "float64");
}
