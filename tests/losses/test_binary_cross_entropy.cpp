#include <xgrad/losses/binary_cross_entropy.hpp>

#include "helpers.hpp"

TEST(BinaryCrossEntropy, ClosedForm) {
  // x = 0.8: t = 1 costs -ln 0.8, t = 0 costs -ln 0.2; d/dx = (x - t) / (x (1 - x)) = (-1.25, 5)
  xg::Tensor x = requires_grad(xg::tensor({0.8, 0.8}, xg::kFloat64));
  const xg::Tensor loss =
      xl::binary_cross_entropy(x, xg::tensor({1.0, 0.0}, xg::kFloat64), {.reduction = Reduction::Sum});
  EXPECT_NEAR(loss.item(), -std::log(0.8) - std::log(0.2), 1e-15);
  loss.backward();
  EXPECT_NEAR(values(x.grad())[0], -1.25, 1e-14);
  EXPECT_NEAR(values(x.grad())[1], 5.0, 1e-14);
}

TEST(BinaryCrossEntropy, SaturatedPredictionsCost100AndStillLearn) {
  // Each log is clamped at -100, so x = 0 with t = 1 costs 100 (not inf), and the explicit
  // backward still pushes x up: (0 - 1) / max(0, 1e-12) ~ -1e12 (a composed clamp would give 0).
  xg::Tensor x = requires_grad(xg::tensor({0.0, 1.0, 0.0, 1.0}, xg::kFloat64));
  const xg::Tensor t = xg::tensor({1.0, 0.0, 0.0, 1.0}, xg::kFloat64);
  const xg::Tensor loss = xl::binary_cross_entropy(x, t, {.reduction = Reduction::None});
  // Element by element: GCC 12.2 with -mavx512f miscompiles the literal std::vector<double>{100,
  // 100, 0, 0} in this file into {100, 100, 100, 100} (a constant broadcast); see the final report.
  const auto l = values(loss);
  EXPECT_EQ(l[0], 100.0);
  EXPECT_EQ(l[1], 100.0);
  EXPECT_EQ(l[2], 0.0);
  EXPECT_EQ(l[3], 0.0);
  xg::sum(loss).backward();
  const auto g = values(x.grad());
  EXPECT_NEAR(g[0], -1e12, 1e4);
  EXPECT_NEAR(g[1], 1e12, 1e4);
  EXPECT_EQ(g[2], 0.0);  // right answers: no push
  EXPECT_EQ(g[3], 0.0);
}

TEST(BinaryCrossEntropy, WeightBroadcasts) {
  const xg::Tensor x = leaf({2, 3}, 0.1, 0.9), t = leaf({2, 3}, 0, 1);
  const xg::Tensor w = xg::tensor({1.0, 2.0, 3.0}, xg::kFloat64);
  const auto plain = values(xl::binary_cross_entropy(x, t, {.reduction = Reduction::None}));
  const auto weighted = values(xl::binary_cross_entropy(x, t, {.weight = w, .reduction = Reduction::None}));
  for (std::size_t i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(weighted[i], plain[i] * (1.0 + i % 3));
}

TEST(BinaryCrossEntropy, Gradcheck) {
  // The explicit backward, for the input and the target, away from the clamps.
  const xg::Tensor w = xg::tensor({0.5, 2.0, 1.0}, xg::kFloat64);
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum})
    expect_gradcheck(
        [&](const auto& in) { return xl::binary_cross_entropy(in[0], in[1], {.weight = w, .reduction = r}); },
        {leaf({2, 3}, 0.05, 0.95), leaf({2, 3}, 0.0, 1.0)});
}

TEST(BinaryCrossEntropy, Float32) {
  const xg::Tensor loss = xl::BCELoss()(xg::tensor({0.5f, 0.0f}), xg::tensor({1.0f, 1.0f}));
  EXPECT_EQ(loss.dtype(), xg::kFloat32);
  EXPECT_NEAR(loss.item(), (std::log(2.0) + 100) / 2, 1e-5);
}

TEST(BinaryCrossEntropy, ProbabilitiesOutsideUnitIntervalAreErrors) {
  EXPECT_ERROR(xl::binary_cross_entropy(xg::tensor({0.5, 1.5}, xg::kFloat64), xg::tensor({1.0, 0.0}, xg::kFloat64)),
               "binary_cross_entropy", "input[1]", "1.5", "[0, 1]", "binary_cross_entropy_with_logits");
  EXPECT_ERROR(xl::binary_cross_entropy(xg::tensor({-0.5}, xg::kFloat64), xg::tensor({1.0}, xg::kFloat64)), "input[0]",
               "-0.5");
  EXPECT_ERROR(xl::binary_cross_entropy(xg::tensor({std::nan("")}, xg::kFloat64), xg::tensor({1.0}, xg::kFloat64)),
               "input[0]", "nan");
  EXPECT_ERROR(xl::binary_cross_entropy(xg::tensor({0.5}, xg::kFloat64), xg::tensor({2.0}, xg::kFloat64)),
               "binary_cross_entropy", "target[0]", "2");
}

TEST(BinaryCrossEntropy, Errors) {
  EXPECT_ERROR(xl::binary_cross_entropy(leaf({3}, 0, 1), leaf({3, 1}, 0, 1)), "binary_cross_entropy", "(3)", "(3, 1)");
  EXPECT_ERROR(xl::binary_cross_entropy(leaf({3}, 0, 1), xg::zeros({3})), "float64", "float32");
  EXPECT_ERROR(
      xl::binary_cross_entropy(leaf({2, 3}, 0, 1), leaf({2, 3}, 0, 1), {.weight = xg::ones({2}, xg::kFloat64)}),
      "weight", "(2)", "does not broadcast", "(2, 3)");
}

// --- with logits ---------------------------------------------------------------------------

TEST(BCEWithLogits, MatchesSigmoidThenBce) {
  const xg::Tensor z = leaf({3, 4}, -4, 4), t = leaf({3, 4}, 0, 1);
  EXPECT_NEAR(xl::binary_cross_entropy_with_logits(z, t).item(), xl::binary_cross_entropy(xg::sigmoid(z), t).item(),
              1e-14);
}

TEST(BCEWithLogits, StableAtPlusMinus100) {
  // loss = softplus(-z) for t = 1 and softplus(z) for t = 0, exactly; gradient sigmoid(z) - t.
  xg::Tensor z = requires_grad(xg::tensor({100.0, -100.0, 100.0, -100.0, 1e4, -1e4}, xg::kFloat64));
  const xg::Tensor t = xg::tensor({1.0, 1.0, 0.0, 0.0, 0.0, 1.0}, xg::kFloat64);
  const xg::Tensor loss = xl::binary_cross_entropy_with_logits(z, t, {.reduction = Reduction::None});
  // PyTorch's formula computes log(1 + e^-100) as log(exp(0) + exp(-100)) = log(1) = 0; the true
  // value 3.7e-44 is below double's resolution around 1, so 0 is the exactly rounded answer here.
  const auto l = values(loss);
  EXPECT_EQ(l[0], 0.0);
  EXPECT_EQ(l[1], 100.0);
  EXPECT_EQ(l[2], 100.0);
  EXPECT_EQ(l[3], 0.0);
  EXPECT_EQ(l[4], 1e4);
  EXPECT_EQ(l[5], 1e4);
  xg::sum(loss).backward();
  const auto g = values(z.grad());
  EXPECT_NEAR(g[0], -std::exp(-100.0), 1e-43);  // sigmoid(100) - 1
  EXPECT_EQ(g[1], -1.0);
  EXPECT_EQ(g[2], 1.0);
  EXPECT_NEAR(g[3], std::exp(-100.0), 1e-43);  // sigmoid(-100) - 0
  EXPECT_EQ(g[4], 1.0);
  EXPECT_EQ(g[5], -1.0);
  // float32, where exp(100) overflows: still finite and exact.
  const xg::Tensor l32 = xl::binary_cross_entropy_with_logits(xg::tensor({100.0f, -100.0f}), xg::tensor({0.0f, 1.0f}),
                                                              {.reduction = Reduction::None});
  EXPECT_EQ(values(l32), (std::vector<double>{100.0, 100.0}));
}

TEST(BCEWithLogits, PosWeightScalesThePositiveTerm) {
  // loss = p t softplus(-z) + (1 - t) softplus(z), with p per class (last dim)
  const xg::Tensor z = leaf({2, 3}, -3, 3), t = leaf({2, 3}, 0, 1);
  const xg::Tensor p = xg::tensor({1.0, 2.0, 5.0}, xg::kFloat64);
  const auto l = values(xl::binary_cross_entropy_with_logits(z, t, {.pos_weight = p, .reduction = Reduction::None}));
  const auto zv = values(z), tv = values(t);
  for (std::size_t i = 0; i < 6; ++i) {
    const double softplus_neg = std::log1p(std::exp(-zv[i])), softplus = std::log1p(std::exp(zv[i]));
    EXPECT_NEAR(l[i], (1.0 + (i % 3 == 1) + 4.0 * (i % 3 == 2)) * tv[i] * softplus_neg + (1 - tv[i]) * softplus, 1e-13);
  }
}

TEST(BCEWithLogits, Gradcheck) {
  const xg::Tensor w = xg::tensor({0.5, 2.0, 1.0}, xg::kFloat64), p = xg::tensor({3.0, 1.0, 0.5}, xg::kFloat64);
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    expect_gradcheck(
        [&](const auto& in) {
          return xl::binary_cross_entropy_with_logits(in[0], in[1], {.weight = w, .pos_weight = p, .reduction = r});
        },
        {leaf({2, 3}, -4, 4), leaf({2, 3}, 0, 1)});
    expect_gradcheck(
        [&](const auto& in) { return xl::binary_cross_entropy_with_logits(in[0], in[1], {.reduction = r}); },
        {leaf({4}, -4, 4), leaf({4}, 0, 1)});
  }
}

TEST(BCEWithLogits, ModuleAndErrors) {
  const xg::Tensor z = leaf({2, 3}), t = leaf({2, 3}, 0, 1);
  EXPECT_EQ(xl::BCEWithLogitsLoss({.reduction = Reduction::Sum})(z, t).item(),
            xl::binary_cross_entropy_with_logits(z, t, {.reduction = Reduction::Sum}).item());
  EXPECT_ERROR(xl::binary_cross_entropy_with_logits(z, t, {.pos_weight = xg::ones({2}, xg::kFloat64)}),
               "binary_cross_entropy_with_logits", "pos_weight", "(2)", "(2, 3)");
  EXPECT_ERROR(xl::binary_cross_entropy_with_logits(z, leaf({3, 2})), "binary_cross_entropy_with_logits", "(2, 3)",
               "(3, 2)");
  EXPECT_ERROR(xl::binary_cross_entropy_with_logits(z, t, {.weight = xg::ones({3})}), "weight", "float32", "float64");
}
