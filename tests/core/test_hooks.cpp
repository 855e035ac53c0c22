// Gradient hooks (core/hooks.hpp): replacement, removal, once per backward on the summed
// gradient, the documented order, and the gradient a non-leaf hook sees against finite differences.
#include <string>
#include <vector>

#include "helpers.hpp"

namespace {

TEST(Hooks, DoublingHookDoublesTheLeafGradient) {
  // y = sum(w²)  =>  dy/dw = 2w; the hook makes it 4w.
  xg::Tensor w = xg::tensor({1.0, -2.0, 3.0}, xg::kFloat64).requires_grad_();
  w.register_hook([](const xg::Tensor& g) { return g * 2.0; });
  (w * w).sum().backward();
  EXPECT_EQ(values(w.grad()), (std::vector<double>{4, -8, 12}));
}

TEST(Hooks, AVoidHookObservesAndKeepsTheGradient) {
  xg::Tensor w = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  std::vector<double> seen;
  w.register_hook([&](const xg::Tensor& g) { seen = values(g); });
  (w * 3.0).sum().backward();
  EXPECT_EQ(seen, (std::vector<double>{3, 3}));
  EXPECT_EQ(values(w.grad()), (std::vector<double>{3, 3}));
}

TEST(Hooks, RemovedHookNoLongerRuns) {
  xg::Tensor w = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  int calls = 0;
  xg::HookHandle h = w.register_hook([&](const xg::Tensor& g) {
    ++calls;
    return g * 10.0;
  });
  EXPECT_TRUE(h.active());
  (w * 1.0).sum().backward();
  EXPECT_EQ(values(w.grad()), (std::vector<double>{10, 10}));
  h.remove();
  EXPECT_FALSE(h.active());
  h.remove();  // a second remove does nothing
  w.set_grad({});
  (w * 1.0).sum().backward();
  EXPECT_EQ(values(w.grad()), (std::vector<double>{1, 1}));
  EXPECT_EQ(calls, 1);
}

TEST(Hooks, RunOncePerBackwardOnTheSummedGradient) {
  // y = x·x + x + exp(x) uses x in three ops: d/dx = 2x + 1 + exp(x), handed to the hook once.
  xg::Tensor x = xg::tensor({0.5}, xg::kFloat64).requires_grad_();
  std::vector<std::vector<double>> seen;
  x.register_hook([&](const xg::Tensor& g) { seen.push_back(values(g)); });
  xg::Tensor y = (x * x + x + xg::exp(x)).sum();
  y.backward({}, /*retain_graph=*/true);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_DOUBLE_EQ(seen[0][0], 2 * 0.5 + 1 + std::exp(0.5));
  y.backward();
  EXPECT_EQ(seen.size(), 2u);  // once more for the second backward
  EXPECT_DOUBLE_EQ(values(x.grad())[0], 2 * (2 * 0.5 + 1 + std::exp(0.5)));
}

TEST(Hooks, RunInTheDocumentedOrder) {
  // x (leaf) -> h = x * 3 -> y = sum(h²). The engine completes h's gradient before x's; each
  // tensor's hooks run in registration order, each given the previous result; a leaf's
  // post-accumulate-grad hooks run after grad() has been updated.
  xg::Tensor x = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  xg::Tensor h = x * 3.0;
  std::vector<std::string> log;
  h.register_hook([&](const xg::Tensor& g) {
    log.push_back("h1");
    return g + 1.0;
  });
  h.register_hook([&](const xg::Tensor& g) {
    log.push_back("h2 " + std::to_string(values(g)[0]));  // sees h1's result: 2·3 + 1 = 7
  });
  x.register_post_accumulate_grad_hook([&](const xg::Tensor& t) {
    log.push_back("x post " + std::to_string(values(t.grad())[0]));  // grad already added: 7·3
  });
  x.register_hook([&](const xg::Tensor& g) { log.push_back("x1 " + std::to_string(values(g)[0])); });
  x.register_hook([&](const xg::Tensor&) { log.push_back("x2"); });
  h.retain_grad();
  (h * h).sum().backward();
  EXPECT_EQ(log, (std::vector<std::string>{"h1", "h2 7.000000", "x1 21.000000", "x2", "x post 21.000000"}));
  EXPECT_EQ(values(h.grad()), (std::vector<double>{7, 13}));  // retain_grad stores the hooked gradient
  EXPECT_EQ(values(x.grad()), (std::vector<double>{21, 39}));
}

TEST(Hooks, NonLeafHookSeesTheGradientFiniteDifferencesGive) {
  // loss = sum(exp(h) * c) with h = tanh(x @ W): the hook on h must see dloss/dh, which we
  // estimate by central differences of loss as a function of h alone.
  xg::manual_seed(3);
  xg::Tensor x = leaf({4, 3}), W = leaf({3, 5}), c = xg::rand({4, 5}, xg::kFloat64);
  auto loss_of_h = [&](const xg::Tensor& h) { return (xg::exp(h) * c).sum(); };
  xg::Tensor h = xg::tanh(x.matmul(W));
  xg::Tensor seen;
  h.register_hook([&](const xg::Tensor& g) { seen = g.detach(); });
  loss_of_h(h).backward();
  ASSERT_TRUE(seen.defined());
  xg::Tensor h0 = h.detach();
  const double eps = 1e-6;
  auto& base = h0.data<double>();
  for (std::size_t i = 0; i < base.size(); ++i) {
    const double keep = base.data()[i];
    base.data()[i] = keep + eps;
    const double up = loss_of_h(h0).item();
    base.data()[i] = keep - eps;
    const double down = loss_of_h(h0).item();
    base.data()[i] = keep;
    EXPECT_NEAR(seen.data<double>().data()[i], (up - down) / (2 * eps), 1e-8) << "element " << i;
  }
}

TEST(Hooks, NonLeafReplacementFlowsUpstream) {
  // h = x * 2, y = sum(h): the hook zeroes h's gradient but element 0, so only x[0] gets one.
  xg::Tensor x = xg::tensor({1.0, 2.0, 3.0}, xg::kFloat64).requires_grad_();
  xg::Tensor h = x * 2.0;
  h.register_hook([](const xg::Tensor& g) { return g * xg::tensor({1.0, 0.0, 0.0}, xg::kFloat64); });
  h.sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 0, 0}));
}

TEST(Hooks, OnABackwardFromTheLeafItself) {
  xg::Tensor x = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  int post = 0;
  x.register_hook([](const xg::Tensor& g) { return g * 5.0; });
  x.register_post_accumulate_grad_hook([&](const xg::Tensor&) { ++post; });
  x.backward(xg::ones({2}, xg::kFloat64));
  EXPECT_EQ(values(x.grad()), (std::vector<double>{5, 5}));
  EXPECT_EQ(post, 1);
}

TEST(Hooks, ALeafTheBackwardDoesNotReachGetsNoCall) {
  xg::Tensor a = xg::tensor({1.0}, xg::kFloat64).requires_grad_();
  xg::Tensor b = xg::tensor({1.0}, xg::kFloat64).requires_grad_();
  int calls = 0;
  b.register_hook([&](const xg::Tensor&) { ++calls; });
  b.register_post_accumulate_grad_hook([&](const xg::Tensor&) { ++calls; });
  (a * 2.0).sum().backward();
  EXPECT_EQ(calls, 0);
  EXPECT_FALSE(b.grad().defined());
}

TEST(Hooks, BadUseIsRefusedNamingTheCall) {
  xg::Tensor plain = xg::tensor({1.0}, xg::kFloat64);
  EXPECT_ERROR(plain.register_hook([](const xg::Tensor&) {}), "register_hook", "does not require grad");
  xg::Tensor x = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  xg::Tensor h = x * 2.0;
  EXPECT_ERROR(h.register_post_accumulate_grad_hook([](const xg::Tensor&) {}), "register_post_accumulate_grad_hook",
               "leaf", "'mul'");
  h.register_hook([](const xg::Tensor&) { return xg::zeros({3}, xg::kFloat64); });
  EXPECT_ERROR(h.sum().backward(), "register_hook", "shape (3)", "shape (2)");
}

TEST(Hooks, AThrowingHookAbortsThatBackwardOnly) {
  xg::Tensor x = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  bool fail_now = true;
  x.register_hook([&](const xg::Tensor& g) {
    if (fail_now) xg::fail("test hook", "asked to fail");
    return g;
  });
  EXPECT_ERROR((x * x).sum().backward(), "test hook", "asked to fail");
  EXPECT_FALSE(x.grad().defined());
  fail_now = false;
  (x * x).sum().backward();  // the engine's per-backward state was reset
  EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 4}));
}

}  // namespace
