#include <xgrad/core/function.hpp>

#include "helpers.hpp"

namespace {

TEST(Autograd, SharedInputSumsBothPaths) {
  // y = x·x + x  =>  dy/dx = 2x + 1: the two uses of x add up.
  xg::Tensor x = xg::tensor({3.0}, xg::kFloat64).requires_grad_();
  (x * x + x).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{7}));
}

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
  xg::Tensor x = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  (x * 3.0).sum().backward();
  (x * 3.0).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{6, 6}));
  x.set_grad({});  // what zero_grad(set_to_none) does
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, RetainGraphAllowsASecondBackward) {
  xg::Tensor x = xg::tensor({2.0}, xg::kFloat64).requires_grad_();
  xg::Tensor y = (x * x).sum();
  y.backward({}, /*retain_graph=*/true);
  y.backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{8}));  // 2 · 2x
  EXPECT_ERROR(y.backward(), "backward", "already freed", "retain_graph");
}

TEST(Autograd, FreedGraphThrowsOnSecondBackward) {
  xg::Tensor x = xg::tensor({2.0}, xg::kFloat64).requires_grad_();
  xg::Tensor y = xg::exp(x).sum();
  y.backward();
  EXPECT_ERROR(y.backward(), "backward", "'sum'", "retain_graph=true");
}

TEST(Autograd, RetainGradKeepsANonLeafGradient) {
  xg::Tensor x = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  xg::Tensor h = x * 2.0;
  xg::Tensor h2 = x * 2.0;
  h.retain_grad();
  (h * h + h2).sum().backward();
  EXPECT_EQ(values(h.grad()), (std::vector<double>{4, 8}));  // d(h²)/dh = 2h
  EXPECT_FALSE(h2.grad().defined());                         // not retained: like PyTorch, no .grad
  EXPECT_FALSE(h.is_leaf());
}

TEST(Autograd, RequiresGradPropagates) {
  xg::Tensor a = xg::ones({2}), b = xg::ones({2}).requires_grad_();
  EXPECT_FALSE((a + a).requires_grad());
  EXPECT_EQ((a + a).grad_fn(), nullptr);
  EXPECT_TRUE((a + b).requires_grad());
  EXPECT_STREQ((a + b).grad_fn()->name(), "add");
  EXPECT_FALSE((a + b).detach().requires_grad());
}

TEST(Autograd, DetachStopsGradients) {
  xg::Tensor x = xg::tensor({3.0}, xg::kFloat64).requires_grad_();
  (x * x.detach()).sum().backward();  // only the first factor is differentiated: dy/dx = x
  EXPECT_EQ(values(x.grad()), (std::vector<double>{3}));
}

TEST(Autograd, NoGradGuardRecordsNothingAndRestores) {
  xg::Tensor x = xg::ones({2}).requires_grad_();
  {
    xg::NoGradGuard no_grad;
    EXPECT_FALSE(xg::is_grad_enabled());
    EXPECT_FALSE((x * 2.0).requires_grad());
    { xg::NoGradGuard nested; }
    EXPECT_FALSE(xg::is_grad_enabled());
  }
  EXPECT_TRUE(xg::is_grad_enabled());
  EXPECT_TRUE((x * 2.0).requires_grad());
}

TEST(Autograd, BackwardWithAnExplicitGradient) {
  xg::Tensor x = xg::tensor({1.0, 2.0, 3.0}, xg::kFloat64).requires_grad_();
  (x * x).backward(xg::tensor({1.0, 0.5, 0.0}, xg::kFloat64));  // dx = g · 2x
  EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 2, 0}));
}

TEST(Autograd, BackwardOnALeaf) {
  xg::Tensor x = xg::tensor(5.0, xg::kFloat64).requires_grad_();
  x.backward();
  EXPECT_EQ(x.grad().item(), 1.0);
}

TEST(Autograd, Errors) {
  xg::Tensor x = xg::ones({2, 3}).requires_grad_();
  EXPECT_ERROR((x * 2.0).backward(), "backward", "scalar", "(2, 3)");
  EXPECT_ERROR((x * 2.0).backward(xg::ones({3})), "backward", "(3)", "(2, 3)");
  EXPECT_ERROR((x * 2.0).backward(xg::ones({2, 3}, xg::kFloat64)), "backward", "float64", "float32");
  EXPECT_ERROR(xg::ones({1}).backward(), "backward", "does not require grad");
  EXPECT_ERROR(xg::ones({1}, xg::kInt64).requires_grad_(), "requires_grad_", "int64");
  EXPECT_ERROR((x * 2.0).requires_grad_(false), "requires_grad_", "non-leaf");
}

// A user-defined op with its own backward, built the way core ops are (function.hpp).
xg::Tensor square_with_backward(const xg::Tensor& x, double grad_scale) {
  return xg::visit_float("my_square", x, [&]<class T>(const xt::xarray<T>& a) {
    return xg::record<T>("my_square", a * a, {x}, [grad_scale](const xg::Backward<T>& b) {
      b.add(0, b.grad * b.input(0) * static_cast<T>(grad_scale));
    });
  });
}

TEST(Autograd, CustomOpWithItsOwnBackward) {
  xg::Tensor x = leaf({3});
  expect_gradcheck([](const auto& v) { return square_with_backward(v[0], 2.0); }, {x});
}

TEST(Autograd, GradcheckCatchesAWrongBackward) {
  xg::Tensor x = leaf({3});
  const auto r = xg::gradcheck([](const auto& v) { return square_with_backward(v[0], 2.1); }, {x});
  EXPECT_FALSE(r.ok);
  EXPECT_NEAR(r.max_rel_error[0], 0.05, 1e-6);  // 2.1x vs 2x
}

TEST(Autograd, EngineRejectsAWronglyShapedGradient) {
  xg::Tensor x = xg::ones({2, 3}, xg::kFloat64).requires_grad_();
  xg::Tensor y = xg::visit_float("bad_op", x, [&]<class T>(const xt::xarray<T>& a) {
    return xg::record<T>("bad_op", xt::xarray<T>(a), {x}, [](const xg::Backward<T>& b) {
      b.add(0, xt::sum(b.grad, {0}));  // forgot to broadcast back
    });
  });
  EXPECT_ERROR(y.sum().backward(), "bad_op", "shape (3)", "input 0 of shape (2, 3)");
}

TEST(Autograd, HundredThousandOpChainRunsAndFreesIteratively) {
  const auto live = xg::Node::live_count();
  {
    xg::Tensor x = xg::tensor({1.0}, xg::kFloat64).requires_grad_();
    xg::Tensor y = x;
    for (int i = 0; i < 100000; ++i) y = y * 1.0;
    EXPECT_EQ(xg::Node::live_count() - live, 100000);
    y.sum().backward();  // recursion here would overflow the stack
    EXPECT_EQ(values(x.grad()), (std::vector<double>{1}));
  }
  {
    xg::Tensor y = xg::ones({1}).requires_grad_();
    for (int i = 0; i < 100000; ++i) y = y + 1.0;
  }  // destroyed without backward: a recursive destructor would overflow here
  EXPECT_EQ(xg::Node::live_count(), live);
}

TEST(Autograd, TenThousandTrainingStepsKeepTheGraphCountFlat) {
  // Nodes hold inputs, never outputs, so nothing keeps a step's graph alive after it.
  xg::manual_seed(15);
  xg::Tensor X = xg::randn({32, 4}), w = xg::zeros({4, 1}).requires_grad_(), b = xg::zeros({1}).requires_grad_();
  xg::Tensor y = X.matmul(xg::tensor({{1.0}, {-2.0}, {0.5}, {3.0}})) + 0.3;
  const auto live = xg::Node::live_count();
  std::int64_t peak = 0;
  for (int step = 0; step < 10000; ++step) {
    xg::Tensor loss = ((X.matmul(w) + b - y).pow(2.0)).mean();
    loss.backward();
    peak = std::max(peak, xg::Node::live_count() - live);
    {
      xg::NoGradGuard no_grad;
      w.data<float>() -= 0.05f * w.grad().data<float>();
      b.data<float>() -= 0.05f * b.grad().data<float>();
    }
    w.set_grad({});
    b.set_grad({});
  }
  EXPECT_EQ(xg::Node::live_count(), live);
  EXPECT_EQ(peak, 1);  // backward already freed all but the emptied node `loss` still holds
  EXPECT_NEAR(w.data<float>()(1, 0), -2.0f, 1e-3f);
}

}  // namespace
