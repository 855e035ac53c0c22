#include <numbers>
#include <xgrad/losses/cross_entropy.hpp>
#include <xgrad/losses/kl_div.hpp>
#include <xgrad/losses/nll.hpp>

#include "helpers.hpp"

namespace {
const double kLn2 = std::numbers::ln2, kLn3 = std::log(3.0);
}

TEST(CrossEntropy, ClosedForm) {
  // logits (0, ln 3): softmax (1/4, 3/4). Target 1: loss -ln(3/4); target 0: -ln(1/4).
  xg::Tensor x = requires_grad(xg::tensor({{0.0, kLn3}, {0.0, kLn3}}, xg::kFloat64));
  const xg::Tensor loss = xl::cross_entropy(x, classes({1, 0}));
  EXPECT_NEAR(loss.item(), (std::log(4.0 / 3) + std::log(4.0)) / 2, 1e-15);
  loss.backward();
  // d/dx = (softmax - onehot) / N
  const auto g = values(x.grad());
  EXPECT_NEAR(g[0], 0.25 / 2, 1e-15);
  EXPECT_NEAR(g[1], -0.25 / 2, 1e-15);
  EXPECT_NEAR(g[2], -0.75 / 2, 1e-15);
  EXPECT_NEAR(g[3], 0.75 / 2, 1e-15);
}

TEST(CrossEntropy, GradientIsLargeWhenWrongSmallWhenRight) {
  // The claim docs/losses.md makes: |dL/dlogit| = 1 - p_target, near 1 when confidently wrong.
  for (double margin : {-8.0, 0.0, 8.0}) {
    xg::Tensor x = requires_grad(xg::tensor({{margin, 0.0}}, xg::kFloat64));
    xl::cross_entropy(x, classes({0})).backward();
    const double p = 1 / (1 + std::exp(-margin));
    EXPECT_NEAR(values(x.grad())[0], p - 1, 1e-12) << "margin " << margin;
  }
}

TEST(CrossEntropy, WeightsAndMeanDivideBySumOfTargetWeights) {
  const xg::Tensor x = leaf({3, 4}), w = xg::tensor({1.0, 2.0, 3.0, 4.0}, xg::kFloat64);
  const xg::Tensor t = classes({3, 0, 3});
  const auto per = values(xl::cross_entropy(x, t, {.weight = w, .reduction = Reduction::None}));
  const auto lp = values(xg::log_softmax(x, 1));
  EXPECT_NEAR(per[0], -4 * lp[3], 1e-14);  // weight[3] = 4
  EXPECT_NEAR(per[1], -1 * lp[4], 1e-14);  // weight[0] = 1
  EXPECT_NEAR(xl::cross_entropy(x, t, {.weight = w}).item(), (per[0] + per[1] + per[2]) / (4 + 1 + 4), 1e-14);
}

TEST(CrossEntropy, LabelSmoothingClosedForm) {
  // (1 - e) nll + (e / C) sum_c -logp_c, with logits (0, ln 3): logp = (ln 1/4, ln 3/4).
  const xg::Tensor x = xg::tensor({{0.0, kLn3}}, xg::kFloat64);
  const double e = 0.2, lp0 = std::log(0.25), lp1 = std::log(0.75);
  EXPECT_NEAR(xl::cross_entropy(x, classes({1}), {.label_smoothing = e}).item(), (1 - e) * -lp1 + e / 2 * -(lp0 + lp1),
              1e-15);
  // The same as probability targets (1 - e) onehot + e / C.
  const xg::Tensor smoothed = xg::tensor({{e / 2, 1 - e + e / 2}}, xg::kFloat64);
  EXPECT_NEAR(xl::cross_entropy(x, classes({1}), {.label_smoothing = e}).item(), xl::cross_entropy(x, smoothed).item(),
              1e-15);
}

TEST(CrossEntropy, IsKlDivergencePlusTargetEntropy) {
  // H(p, q) = KL(p || q) + H(p): why minimizing cross-entropy fits the label distribution.
  const xg::Tensor x = leaf({4, 5}), p = xg::softmax(leaf({4, 5}), 1);
  const auto pv = values(p);
  double entropy = 0;
  for (double v : pv) entropy -= v * std::log(v);
  const double ce = xl::cross_entropy(x, p, {.reduction = Reduction::Sum}).item();
  const double kl = xl::kl_div(xg::log_softmax(x, 1), p, {.reduction = Reduction::Sum}).item();
  EXPECT_NEAR(ce, kl + entropy, 1e-12);
}

TEST(CrossEntropy, IsNllOfLogSoftmax) {
  const xg::Tensor x = leaf({5, 3}), t = classes({0, 2, 1, -100, 2});
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    const auto a = values(xl::cross_entropy(x, t, {.reduction = r}));
    const auto b = values(xl::nll_loss(xg::log_softmax(x, 1), t, {.reduction = r}));
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]);
  }
}

TEST(CrossEntropy, Gradcheck) {
  const xg::Tensor w = xg::tensor({0.5, 1.0, 2.0}, xg::kFloat64);
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    for (double e : {0.0, 0.3}) {
      // (N, C) with weights and an ignored target
      expect_gradcheck(
          [&](const auto& in) {
            return xl::cross_entropy(in[0], classes({0, 2, -100, 1}),
                                     {.weight = w, .label_smoothing = e, .reduction = r});
          },
          {leaf({4, 3})});
      // (N, C, d1, d2), ignoring class 1
      xg::Tensor t = xg::randint(0, 3, {2, 2, 2});
      expect_gradcheck(
          [&](const auto& in) {
            return xl::cross_entropy(in[0], t, {.ignore_index = 1, .label_smoothing = e, .reduction = r});
          },
          {leaf({2, 3, 2, 2})});
      // probabilities: gradients for the input and the target
      expect_gradcheck(
          [&](const auto& in) {
            return xl::cross_entropy(in[0], in[1], {.weight = w, .label_smoothing = e, .reduction = r});
          },
          {leaf({3, 3}), leaf({3, 3}, 0.0, 1.0)});
    }
  }
}

TEST(CrossEntropy, EveryTargetIgnoredIsNaNWithZeroGradient) {
  // Decided: PyTorch's answer. Mean is 0 / 0 = NaN; the gradient is exactly 0 (not NaN), so a
  // batch of padding cannot corrupt the weights; Sum is 0; None is all zeros.
  for (double e : {0.0, 0.1}) {
    xg::Tensor x = leaf({3, 4});
    const xg::Tensor t = classes({-100, -100, -100});
    const xg::Tensor mean = xl::cross_entropy(x, t, {.label_smoothing = e});
    EXPECT_TRUE(std::isnan(mean.item()));
    mean.backward();
    for (double g : values(x.grad())) EXPECT_EQ(g, 0.0);
    EXPECT_EQ(xl::cross_entropy(x, t, {.label_smoothing = e, .reduction = Reduction::Sum}).item(), 0.0);
    EXPECT_EQ(values(xl::cross_entropy(x, t, {.reduction = Reduction::None})), (std::vector<double>{0, 0, 0}));
  }
}

TEST(CrossEntropy, EmptyBatch) {
  xg::Tensor x = xg::zeros({0, 4}, xg::kFloat64).requires_grad_();
  const xg::Tensor mean = xl::cross_entropy(x, xg::zeros({0}, xg::kInt64));
  EXPECT_TRUE(std::isnan(mean.item()));  // as PyTorch
  mean.backward();
  EXPECT_EQ(x.grad().shape(), (xg::Shape{0, 4}));
  EXPECT_EQ(xl::cross_entropy(x, xg::zeros({0}, xg::kInt64), {.reduction = Reduction::Sum}).item(), 0.0);
  EXPECT_TRUE(std::isnan(xl::cross_entropy(x, xg::zeros({0, 4}, xg::kFloat64)).item()));
}

TEST(CrossEntropy, LogitsOf1e4AreExact) {
  xg::Tensor x = requires_grad(xg::tensor({{1e4, 0.0, -1e4}, {1e4, 0.0, -1e4}, {0.0, 1e4, 1e4}}, xg::kFloat64));
  const auto per = values(xl::cross_entropy(x, classes({0, 2, 1}), {.reduction = Reduction::None}));
  EXPECT_EQ(per[0], 0.0);   // right with margin 1e4: exp(-1e4) underflows
  EXPECT_EQ(per[1], 2e4);   // wrong by 2e4
  EXPECT_EQ(per[2], kLn2);  // a tie between two classes
  xl::cross_entropy(x, classes({0, 2, 1})).backward();
  EXPECT_TRUE(all_finite(x.grad()));
  const xg::Tensor x32 = xg::tensor({{1e4, 0.0, -1e4}});
  EXPECT_EQ(xl::cross_entropy(x32, classes({2})).item(), 2e4);  // float32 too
}

TEST(CrossEntropy, OneSample) {
  const xg::Tensor x = leaf({2, 5});
  const xg::Tensor first = xg::select(x, 0, 0);
  const xg::Tensor batched = xl::cross_entropy(x, classes({3, 1}), {.reduction = Reduction::None});
  const xg::Tensor single = xl::cross_entropy(first, xg::tensor(3.0, xg::kInt64), {.reduction = Reduction::None});
  EXPECT_EQ(single.dim(), 0u);
  EXPECT_EQ(single.item(), values(batched)[0]);
}

TEST(CrossEntropy, Float32AndModule) {
  const xg::Tensor x = xg::tensor({{0.0, 1.0}, {2.0, 0.0}});
  const xl::CrossEntropyLoss ce({.label_smoothing = 0.1});
  const xg::Tensor loss = ce(x, classes({1, 0}));
  EXPECT_EQ(loss.dtype(), xg::kFloat32);
  EXPECT_NEAR(loss.item(), xl::cross_entropy(x.to(xg::kFloat64), classes({1, 0}), {.label_smoothing = 0.1}).item(),
              1e-6);
  EXPECT_EQ(ce.options().ignore_index, -100);
}

TEST(CrossEntropy, ClassIndexOutOfRange) {
  EXPECT_ERROR(xl::cross_entropy(leaf({3, 5}), classes({0, 5, 1})), "cross_entropy", "target 5", "5 classes", "0 to 4");
  EXPECT_ERROR(xl::cross_entropy(leaf({3, 5}), classes({0, -1, 1})), "cross_entropy", "target -1", "5 classes");
  EXPECT_ERROR(xl::cross_entropy(leaf({2, 3, 2}), xg::tensor({{0.0, 7.0}, {1.0, 2.0}}, xg::kInt64)), "target 7",
               "3 classes");
  // ignore_index may be any value, even a class: then that class is skipped, not an error.
  EXPECT_NO_THROW(xl::cross_entropy(leaf({2, 3}), classes({0, 7}), {.ignore_index = 7}));
}

TEST(CrossEntropy, Errors) {
  EXPECT_ERROR(xl::cross_entropy(leaf({3, 5}), classes({0, 1})), "cross_entropy", "(3, 5)", "target of shape (3)",
               "got (2)");
  EXPECT_ERROR(xl::cross_entropy(leaf({3, 5}), leaf({3})), "cross_entropy", "probabilities", "(3, 5)", "int64");
  EXPECT_ERROR(xl::cross_entropy(leaf({3, 5}), xg::zeros({3, 5})), "cross_entropy", "float32", "float64");
  EXPECT_ERROR(xl::cross_entropy(leaf({3, 5}), classes({0, 1, 2}), {.weight = xg::ones({4}, xg::kFloat64)}),
               "cross_entropy", "weight", "(4)", "5 classes");
  EXPECT_ERROR(xl::cross_entropy(leaf({3, 5}), classes({0, 1, 2}), {.weight = xg::ones({5})}), "cross_entropy",
               "weight", "float32", "float64");
  EXPECT_ERROR(xl::cross_entropy(leaf({3, 5}), classes({0, 1, 2}), {.label_smoothing = 1.5}), "cross_entropy",
               "label_smoothing", "1.5");
  EXPECT_ERROR(xl::CrossEntropyLoss({.label_smoothing = -0.1}), "label_smoothing", "-0.1");
  EXPECT_ERROR(xl::cross_entropy(leaf({}), classes({0})), "cross_entropy", "()");
  EXPECT_ERROR(xl::cross_entropy(leaf({4}), classes({0})), "cross_entropy", "one sample", "0-d");
  EXPECT_ERROR(xl::cross_entropy(xg::zeros({2, 2}, xg::kInt64), classes({0, 1})), "cross_entropy", "int64");
}
