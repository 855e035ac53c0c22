#include <xgrad/losses/mse.hpp>

#include "helpers.hpp"

TEST(MSELoss, ClosedForm) {
  xg::Tensor x = requires_grad(xg::tensor({1.0, 2.0, 3.0}, xg::kFloat64));
  const xg::Tensor t = xg::tensor({0.0, 0.0, 5.0}, xg::kFloat64);
  const xg::Tensor loss = xl::mse_loss(x, t);
  EXPECT_DOUBLE_EQ(loss.item(), 3.0);  // (1 + 4 + 4) / 3
  loss.backward();
  // d/dx_i = 2 (x_i - t_i) / n = (2, 4, -4) / 3
  const auto g = values(x.grad());
  EXPECT_DOUBLE_EQ(g[0], 2.0 / 3);
  EXPECT_DOUBLE_EQ(g[1], 4.0 / 3);
  EXPECT_DOUBLE_EQ(g[2], -4.0 / 3);
  EXPECT_EQ(xl::mse_loss(x, t, {.reduction = Reduction::Sum}).item(), 9.0);
  EXPECT_EQ(values(xl::mse_loss(x, t, {.reduction = Reduction::None})), (std::vector<double>{1, 4, 4}));
}

TEST(MSELoss, Gradcheck) {
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum})
    expect_gradcheck([r](const auto& in) { return xl::mse_loss(in[0], in[1], {.reduction = r}); },
                     {leaf({3, 4}), leaf({3, 4})});
}

TEST(MSELoss, Float32) {
  const xg::Tensor x = xg::tensor({1.0, 2.0}), t = xg::tensor({0.0, 0.0});
  const xg::Tensor loss = xl::mse_loss(x, t);
  EXPECT_EQ(loss.dtype(), xg::kFloat32);
  EXPECT_FLOAT_EQ(static_cast<float>(loss.item()), 2.5f);
}

TEST(MSELoss, ModuleMatchesFunction) {
  const xg::Tensor x = leaf({2, 3}), t = leaf({2, 3});
  const xl::MSELoss mse({.reduction = Reduction::Sum});
  EXPECT_EQ(mse(x, t).item(), xl::mse_loss(x, t, {.reduction = Reduction::Sum}).item());
  EXPECT_EQ(mse.forward(x, t).item(), mse(x, t).item());
  EXPECT_EQ(mse.options().reduction, Reduction::Sum);
  EXPECT_EQ(xl::MSELoss()(x, t).item(), xl::mse_loss(x, t).item());  // default: Mean
}

TEST(MSELoss, EmptyBatch) {
  const xg::Tensor x = xg::zeros({0, 3}, xg::kFloat64), t = xg::zeros({0, 3}, xg::kFloat64);
  EXPECT_TRUE(std::isnan(xl::mse_loss(x, t).item()));  // mean of nothing, as PyTorch
  EXPECT_EQ(xl::mse_loss(x, t, {.reduction = Reduction::Sum}).item(), 0.0);
}

TEST(MSELoss, Errors) {
  // (3, 1) against (3) would broadcast to (3, 3) in PyTorch, with only a warning.
  EXPECT_ERROR(xl::mse_loss(leaf({3, 1}), leaf({3})), "mse_loss", "(3, 1)", "(3)", "must be equal");
  EXPECT_ERROR(xl::mse_loss(leaf({3}), xg::zeros({3})), "mse_loss", "float64", "float32");
  EXPECT_ERROR(xl::mse_loss(xg::zeros({3}, xg::kInt64), xg::zeros({3}, xg::kInt64)), "mse_loss", "int64");
  EXPECT_ERROR(xl::mse_loss(xg::Tensor(), leaf({3})), "mse_loss", "undefined");
}
