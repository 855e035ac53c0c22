#include <xgrad/losses/kl_div.hpp>

#include "helpers.hpp"

namespace {
// KL(p || q) per row, summed over the batch, computed directly.
double kl_sum(const std::vector<double>& p, const std::vector<double>& q) {
  double s = 0;
  for (std::size_t i = 0; i < p.size(); ++i)
    if (p[i] > 0) s += p[i] * std::log(p[i] / q[i]);
  return s;
}
}  // namespace

TEST(KLDiv, BatchMeanIsTheKlDivergenceMeanIsItOverC) {
  const xg::Tensor logq = xg::log_softmax(leaf({4, 5}), 1), p = xg::softmax(leaf({4, 5}), 1);
  const double kl = kl_sum(values(p), values(xg::exp(logq))) / 4;  // mean over the batch of KL(p_n || q_n)
  EXPECT_NEAR(xl::kl_div(logq, p, {.reduction = Reduction::BatchMean}).item(), kl, 1e-14);
  // Mean divides by N C = 20, not N = 4: the true KL divided by the number of classes.
  EXPECT_NEAR(xl::kl_div(logq, p, {.reduction = Reduction::Mean}).item(), kl / 5, 1e-14);
  EXPECT_NEAR(xl::kl_div(logq, p, {.reduction = Reduction::Sum}).item(), kl * 4, 1e-13);
}

TEST(KLDiv, OfADistributionWithItselfIsZero) {
  const xg::Tensor p = xg::softmax(leaf({3, 4}), 1);
  EXPECT_NEAR(xl::kl_div(xg::log(p), p, {.reduction = Reduction::BatchMean}).item(), 0.0, 1e-15);
}

TEST(KLDiv, ZerosInTheTargetCountAsZero) {
  // 0 log 0 = 0: a one-hot target gives -log q[class], finite, and finite gradients.
  xg::Tensor logq = requires_grad(xg::log_softmax(leaf({2, 3}), 1));
  xg::Tensor p = requires_grad(xg::tensor({{0.0, 1.0, 0.0}, {0.5, 0.0, 0.5}}, xg::kFloat64));
  const xg::Tensor loss = xl::kl_div(logq, p, {.reduction = Reduction::None});
  const auto l = values(loss), lq = values(logq);
  EXPECT_EQ(l[0], 0.0);
  EXPECT_EQ(l[1], -lq[1]);  // 1 log 1 - 1 log q
  EXPECT_EQ(l[4], 0.0);
  EXPECT_NEAR(l[3], 0.5 * (std::log(0.5) - lq[3]), 1e-15);
  xg::sum(loss).backward();
  EXPECT_TRUE(all_finite(logq.grad()));
  EXPECT_TRUE(all_finite(p.grad()));  // PyTorch: NaN at the zeros
  EXPECT_EQ(values(logq.grad()), (std::vector<double>{-0.0, -1.0, -0.0, -0.5, -0.0, -0.5}));  // d/d input = -p
  EXPECT_EQ(values(p.grad())[0], -lq[0]);  // the t log t term contributes 0 at t = 0
}

TEST(KLDiv, NegativeTargetIsNaNAsPyTorch) {
  const xg::Tensor l = xl::kl_div(xg::tensor({-1.0}, xg::kFloat64), xg::tensor({-0.5}, xg::kFloat64));
  EXPECT_TRUE(std::isnan(l.item()));
}

TEST(KLDiv, LogTargetMatchesProbabilityTarget) {
  const xg::Tensor logq = xg::log_softmax(leaf({3, 4}), 1), p = xg::softmax(leaf({3, 4}), 1);
  EXPECT_NEAR(xl::kl_div(logq, xg::log(p), {.log_target = true, .reduction = Reduction::Sum}).item(),
              xl::kl_div(logq, p, {.reduction = Reduction::Sum}).item(), 1e-14);
}

TEST(KLDiv, Gradcheck) {
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum, Reduction::BatchMean})
    for (bool log_target : {false, true})
      expect_gradcheck(
          [&](const auto& in) { return xl::kl_div(in[0], in[1], {.log_target = log_target, .reduction = r}); },
          {leaf({3, 4}, -3, 0), log_target ? leaf({3, 4}, -3, 0) : leaf({3, 4}, 0.05, 1)});
}

TEST(KLDiv, EmptyBatchAnd0d) {
  const xg::Tensor e = xg::zeros({0, 3}, xg::kFloat64);
  EXPECT_TRUE(std::isnan(xl::kl_div(e, e, {.reduction = Reduction::BatchMean}).item()));
  EXPECT_TRUE(std::isnan(xl::kl_div(e, e).item()));
  EXPECT_EQ(xl::kl_div(e, e, {.reduction = Reduction::Sum}).item(), 0.0);
  // A 0-d input has no batch dim: BatchMean is the sum.
  const xg::Tensor x = xg::tensor(-0.5, xg::kFloat64), p = xg::tensor(0.25, xg::kFloat64);
  EXPECT_EQ(xl::kl_div(x, p, {.reduction = Reduction::BatchMean}).item(),
            xl::kl_div(x, p, {.reduction = Reduction::Sum}).item());
}

TEST(KLDiv, ModuleFloat32AndErrors) {
  const xg::Tensor logq = xg::log_softmax(xg::tensor({{1.0, 2.0}}), 1), p = xg::tensor({{0.5, 0.5}});
  const xg::Tensor l = xl::KLDivLoss({.reduction = Reduction::BatchMean})(logq, p);
  EXPECT_EQ(l.dtype(), xg::kFloat32);
  EXPECT_TRUE(std::isfinite(l.item()));
  EXPECT_ERROR(xl::kl_div(leaf({2, 3}), leaf({2, 4})), "kl_div", "(2, 3)", "(2, 4)");
  EXPECT_ERROR(xl::kl_div(leaf({2}), xg::zeros({2})), "kl_div", "float64", "float32");
}
