// docs/extending.md's worked example, both ways: dice_loss (composed from ops) and
// dice_loss_explicit (one op with a hand-written backward) must agree, and gradcheck both.
#include <fstream>
#include <sstream>
#include <xgrad/losses/dice.hpp>

#include "helpers.hpp"

TEST(DiceLoss, ClosedForm) {
  // p = (1, 0.5), t = (1, 0), smooth 1: (2 * 1 + 1) / (1.5 + 1 + 1) = 3 / 3.5
  const xg::Tensor p = xg::tensor({{1.0, 0.5}}, xg::kFloat64), t = xg::tensor({{1.0, 0.0}}, xg::kFloat64);
  EXPECT_NEAR(xl::dice_loss(p, t).item(), 1 - 3 / 3.5, 1e-15);
  EXPECT_NEAR(xl::dice_loss_explicit(p, t).item(), 1 - 3 / 3.5, 1e-15);
  // A perfect mask costs 0; an empty mask predicted empty costs 0 too, thanks to smooth.
  const xg::Tensor mask = xg::tensor({{1.0, 0.0, 1.0}}, xg::kFloat64), empty = xg::zeros({1, 3}, xg::kFloat64);
  EXPECT_NEAR(xl::dice_loss(mask, mask, {.smooth = 0.0}).item(), 0.0, 1e-15);
  EXPECT_EQ(xl::dice_loss(empty, empty).item(), 0.0);
}

TEST(DiceLoss, BothWaysAgree) {
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    for (double smooth : {1.0, 0.0}) {
      const xg::Tensor p0 = leaf({3, 2, 4}, 0, 1), t0 = leaf({3, 2, 4}, 0, 1), up = leaf({3});
      xg::Tensor p1 = requires_grad(p0), t1 = requires_grad(t0), p2 = requires_grad(p0), t2 = requires_grad(t0);
      const xg::Tensor a = xl::dice_loss(p1, t1, {.smooth = smooth, .reduction = r});
      const xg::Tensor b = xl::dice_loss_explicit(p2, t2, {.smooth = smooth, .reduction = r});
      const auto av = values(a), bv = values(b);
      ASSERT_EQ(av.size(), bv.size());
      for (std::size_t i = 0; i < av.size(); ++i) EXPECT_NEAR(av[i], bv[i], 1e-15);
      const xg::Tensor seed = r == Reduction::None ? up : xg::tensor(0.7, xg::kFloat64);
      a.backward(seed);
      b.backward(seed);
      for (auto [g1, g2] : {std::pair{p1.grad(), p2.grad()}, std::pair{t1.grad(), t2.grad()}}) {
        const auto x = values(g1), y = values(g2);
        for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], 1e-14);
      }
    }
  }
}

TEST(DiceLoss, Gradcheck) {
  for (Reduction r : {Reduction::None, Reduction::Mean}) {
    expect_gradcheck([r](const auto& in) { return xl::dice_loss(in[0], in[1], {.reduction = r}); },
                     {leaf({2, 5}, 0, 1), leaf({2, 5}, 0, 1)});
    expect_gradcheck([r](const auto& in) { return xl::dice_loss_explicit(in[0], in[1], {.reduction = r}); },
                     {leaf({2, 5}, 0, 1), leaf({2, 5}, 0, 1)});
  }
}

TEST(DiceLoss, OneNodeInsteadOfMany) {
  // The explicit op records one node (plus p's flatten); the composed one records every op.
  const xg::Tensor p = leaf({2, 3}, 0, 1), t = xg::rand({2, 3}, xg::kFloat64);
  const std::int64_t base = xg::Node::live_count();
  const xg::Tensor composed = xl::dice_loss(p, t, {.reduction = Reduction::None});
  const std::int64_t composed_nodes = xg::Node::live_count() - base;
  const xg::Tensor explicit_ = xl::dice_loss_explicit(p, t, {.reduction = Reduction::None});
  const std::int64_t explicit_nodes = xg::Node::live_count() - base - composed_nodes;
  EXPECT_EQ(explicit_nodes, 2);   // flatten(p) and dice_loss; t needs no gradient, so records nothing
  EXPECT_EQ(composed_nodes, 10);  // flatten, *, sum, sum, +, *, +, +, /, rsub (t needs no gradient)
}

TEST(DiceLoss, ModuleFloat32AndErrors) {
  const xg::Tensor p = xg::tensor({{0.2f, 0.9f}}), t = xg::tensor({{0.0f, 1.0f}});
  EXPECT_EQ(xl::DiceLoss()(p, t).dtype(), xg::kFloat32);
  EXPECT_NEAR(xl::dice_loss_explicit(p, t).item(), xl::dice_loss(p, t).item(), 1e-6);
  EXPECT_ERROR(xl::dice_loss(leaf({4}), leaf({4})), "dice_loss", "at least 2 dims", "(4)");
  EXPECT_ERROR(xl::dice_loss_explicit(leaf({2, 2}), leaf({2, 3})), "dice_loss", "(2, 2)", "(2, 3)");
  EXPECT_ERROR(xl::DiceLoss({.smooth = -1}), "dice_loss", "smooth", "-1");
}

TEST(DiceLoss, ExtendingDocShowsTheRealFiles) {
  // docs/extending.md quotes these three files whole; this fails when one changes without the doc.
  const auto read = [](const std::string& path) {
    std::ifstream in(std::string(XGRAD_FIXTURES) + "/../../" + path);
    EXPECT_TRUE(in) << "cannot open " << path;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  };
  const std::string doc = read("docs/extending.md");
  for (const char* file : {"losses/dice.hpp", "losses/dice.cpp", "losses/dice_explicit.cpp"}) {
    const std::string code = read(file);
    ASSERT_FALSE(code.empty()) << file;
    EXPECT_NE(doc.find("```cpp\n" + code + "```"), std::string::npos) << "docs/extending.md no longer shows " << file;
  }
}
