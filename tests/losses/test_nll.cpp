#include <xgrad/losses/nll.hpp>

#include "helpers.hpp"

TEST(NLLLoss, ClosedFormWithWeights) {
  // loss = -(w[t0] x[0, t0] + w[t1] x[1, t1]) / (w[t0] + w[t1]) over the targets not ignored
  xg::Tensor x = requires_grad(xg::tensor({{-1.0, -2.0, -3.0}, {-4.0, -5.0, -6.0}, {-7.0, -8.0, -9.0}}, xg::kFloat64));
  const xg::Tensor w = xg::tensor({1.0, 2.0, 3.0}, xg::kFloat64);
  const xg::Tensor loss = xl::nll_loss(x, classes({0, 2, -100}), {.weight = w});
  EXPECT_DOUBLE_EQ(loss.item(), (1 * 1.0 + 3 * 6.0) / 4);
  loss.backward();
  // d/dx[n, t_n] = -w[t_n] / sum of weights; 0 elsewhere and on the ignored row
  EXPECT_EQ(values(x.grad()), (std::vector<double>{-0.25, 0, 0, 0, 0, -0.75, 0, 0, 0}));
  EXPECT_EQ(values(xl::nll_loss(x, classes({0, 2, -100}), {.weight = w, .reduction = Reduction::None})),
            (std::vector<double>{1.0, 18.0, 0.0}));
}

TEST(NLLLoss, SpatialTargets) {
  // (N, C, d) with target (N, d): one class per position.
  const xg::Tensor x = xg::log_softmax(leaf({2, 3, 4}), 1);
  const xg::Tensor t = xg::tensor({{0.0, 1.0, 2.0, 0.0}, {2.0, 2.0, 1.0, 0.0}}, xg::kInt64);
  const auto per = values(xl::nll_loss(x, t, {.reduction = Reduction::None}));
  const auto xv = values(x);
  EXPECT_EQ(per[1], -xv[0 * 12 + 1 * 4 + 1]);  // n = 0, position 1, class 1
  EXPECT_EQ(per[6], -xv[1 * 12 + 1 * 4 + 2]);  // n = 1, position 2, class 1
}

TEST(NLLLoss, Gradcheck) {
  const xg::Tensor w = xg::tensor({0.5, 1.0, 2.0}, xg::kFloat64);
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum})
    expect_gradcheck(
        [&](const auto& in) {
          return xl::nll_loss(in[0], classes({2, -100, 0, 1}), {.weight = w, .reduction = r});
        },
        {leaf({4, 3})});
}

TEST(NLLLoss, ModuleOneSampleAndEmpty) {
  const xg::Tensor x = leaf({5});
  EXPECT_EQ(xl::NLLLoss()(x, xg::tensor(2.0, xg::kInt64)).item(), -values(x)[2]);
  EXPECT_TRUE(std::isnan(xl::nll_loss(leaf({0, 3}), xg::zeros({0}, xg::kInt64)).item()));
}

TEST(NLLLoss, Errors) {
  EXPECT_ERROR(xl::nll_loss(leaf({2, 3}), classes({0, 3})), "nll_loss", "target 3", "3 classes", "0 to 2");
  EXPECT_ERROR(xl::nll_loss(leaf({2, 3}), leaf({2})), "nll_loss", "int64", "float64");
  EXPECT_ERROR(xl::nll_loss(leaf({2, 3}), classes({0, 1, 2})), "nll_loss", "(2)", "(3)");
  EXPECT_ERROR(xl::nll_loss(leaf({3}), classes({0})), "nll_loss", "0-d");
}
