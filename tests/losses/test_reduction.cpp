// Reduction and reduce(): the one helper every loss ends with.
#include <xgrad/losses/box_losses.hpp>
#include <xgrad/losses/cross_entropy.hpp>
#include <xgrad/losses/focal.hpp>
#include <xgrad/losses/huber.hpp>
#include <xgrad/losses/kl_div.hpp>
#include <xgrad/losses/mse.hpp>
#include <xgrad/losses/reduction.hpp>

#include "helpers.hpp"

TEST(Reduction, NoneSumMean) {
  const xg::Tensor x = xg::tensor({1.0, 2.0, 6.0}, xg::kFloat64);
  EXPECT_EQ(values(xl::reduce(x, Reduction::None)), (std::vector<double>{1, 2, 6}));
  EXPECT_EQ(xl::reduce(x, Reduction::Sum).item(), 9.0);
  EXPECT_EQ(xl::reduce(x, Reduction::Mean).item(), 3.0);
  EXPECT_EQ(xl::reduce(x, Reduction::Mean).dim(), 0u);
}

TEST(Reduction, MeanGradientIsOneOverN) {
  xg::Tensor x = leaf({4});
  xl::reduce(x, Reduction::Mean).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0.25, 0.25, 0.25, 0.25}));  // d mean / dx_i = 1/n
}

TEST(Reduction, EmptyMeanIsNaNSumIsZero) {
  xg::Tensor x = xg::zeros({0, 3}, xg::kFloat64).requires_grad_();
  const xg::Tensor mean = xl::reduce(x, Reduction::Mean);
  EXPECT_TRUE(std::isnan(mean.item()));  // 0 / 0, as PyTorch
  mean.backward();
  EXPECT_EQ(x.grad().shape(), (xg::Shape{0, 3}));  // an empty gradient: nothing upstream is poisoned
  EXPECT_EQ(xl::reduce(x, Reduction::Sum).item(), 0.0);
  EXPECT_EQ(xl::reduce(x, Reduction::None).shape(), (xg::Shape{0, 3}));
}

TEST(Reduction, BatchMeanIsOnlyForKlDiv) {
  const xg::Tensor x = leaf({2, 3}), t = leaf({2, 3}, 0.1, 0.9);
  EXPECT_ERROR(xl::reduce(x, Reduction::BatchMean, "my_loss"), "my_loss", "BatchMean", "kl_div");
  EXPECT_ERROR(xl::mse_loss(x, t, {.reduction = Reduction::BatchMean}), "mse_loss", "BatchMean");
  EXPECT_ERROR(xl::huber_loss(x, t, {.reduction = Reduction::BatchMean}), "huber_loss", "BatchMean");
  EXPECT_ERROR(xl::cross_entropy(x, classes({0, 1}), {.reduction = Reduction::BatchMean}), "cross_entropy",
               "BatchMean");
  EXPECT_ERROR(xl::sigmoid_focal_loss(x, t, {.reduction = Reduction::BatchMean}), "sigmoid_focal_loss", "BatchMean");
  EXPECT_ERROR(xl::MSELoss({.reduction = Reduction::BatchMean}), "mse_loss", "BatchMean");  // at construction
  EXPECT_NO_THROW(xl::kl_div(x, t, {.reduction = Reduction::BatchMean}));
}

TEST(Reduction, Names) {
  EXPECT_STREQ(xl::to_string(Reduction::None), "Reduction::None");
  EXPECT_STREQ(xl::to_string(Reduction::BatchMean), "Reduction::BatchMean");
  std::ostringstream os;
  os << Reduction::Sum;
  EXPECT_EQ(os.str(), "Reduction::Sum");
}
