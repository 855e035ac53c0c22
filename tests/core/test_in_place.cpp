// core/tensor.* and core/autograd.*: in-place writes (copy_, set_data, compound assignment) and
// the version counters that make backward refuse a value changed after the forward pass, as
// PyTorch's "one of the variables needed for gradient computation has been modified by an
// inplace operation".
#include "helpers.hpp"

TEST(InPlace, CompoundAssignmentWithoutGradWritesInPlace) {
  xg::Tensor a = xg::tensor({1.0, 2.0, 3.0}, xg::kFloat64);
  xg::Tensor alias = a;  // the same tensor
  const auto v0 = a.version();
  a += xg::tensor({1.0, 1.0, 1.0}, xg::kFloat64);
  a *= 2.0;
  a -= 1.0;
  a /= xg::tensor(2.0, xg::kFloat64);                              // broadcasts to a's shape
  EXPECT_EQ(values(alias), (std::vector<double>{1.5, 2.5, 3.5}));  // (x + 1) * 2 - 1, / 2
  EXPECT_TRUE(alias.is_same(a));
  EXPECT_EQ(a.version(), v0 + 4);
  // The right side must broadcast to a's shape: a += b never grows a.
  EXPECT_ERROR(a += xg::ones({2, 3}, xg::kFloat64), "+=", "(2, 3)", "(3)");
  EXPECT_ERROR(a += xg::ones({3}), "+=", "float64", "float32");
}

TEST(InPlace, CompoundAssignmentOnALeafThatRequiresGrad) {
  xg::Tensor w = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  EXPECT_ERROR(w += 1.0, "+=", "leaf", "requires grad", "in-place", "NoGradGuard");
  EXPECT_ERROR(w *= w, "*=", "leaf");
  {
    xg::NoGradGuard no_grad;  // an optimizer's update
    w -= 0.5;
  }
  EXPECT_EQ(values(w), (std::vector<double>{0.5, 1.5}));
  EXPECT_TRUE(w.is_leaf());
  EXPECT_TRUE(w.requires_grad());
}

TEST(InPlace, CompoundAssignmentWhileRecordingRebinds) {
  // With a graph to record, y += x is y = y + x: a new node, gradients flow through both.
  xg::Tensor x = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  xg::Tensor y = x * 3.0;
  const xg::Tensor before = y;
  y += x;  // y = 4x
  y *= x;  // y = 4x^2; d/dx = 8x
  EXPECT_FALSE(y.is_same(before));
  EXPECT_EQ(values(before), (std::vector<double>{3.0, 6.0}));
  y.sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{8.0, 16.0}));
  // and a plain tensor += one that requires grad joins the graph
  xg::Tensor acc = xg::zeros({2}, xg::kFloat64);
  acc += x;
  EXPECT_TRUE(acc.requires_grad());
  expect_gradcheck(
      [](const auto& in) {
        xg::Tensor t = in[0] * 1.0;
        t += in[1];
        t *= in[1];
        t -= in[0];
        t /= in[1] + 3.0;
        return t;
      },
      {leaf({2, 3}), leaf({3})});
}

TEST(InPlace, CopyAndSetData) {
  xg::Tensor a = xg::zeros({2, 2}, xg::kFloat64);
  xg::Tensor alias = a;
  a.copy_(xg::tensor({{1.0, 2.0}, {3.0, 4.0}}, xg::kFloat64));
  EXPECT_EQ(values(alias), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_ERROR(a.copy_(xg::zeros({4}, xg::kFloat64)), "copy_", "(4)", "(2, 2)");
  EXPECT_ERROR(a.copy_(xg::zeros({2, 2})), "copy_", "float32", "float64");
  xg::Tensor w = xg::zeros({2}).requires_grad_();
  EXPECT_ERROR(w.copy_(xg::ones({2})), "copy_", "leaf");
  // set_data replaces the values whatever their shape, as `x.data = t`; a grad that no longer
  // fits is cleared.
  w.sum().backward();
  w.set_data(xg::ones({2}));
  EXPECT_TRUE(w.grad().defined());
  w.set_data(xg::ones({3}));
  EXPECT_EQ(w.shape(), (xg::Shape{3}));
  EXPECT_FALSE(w.grad().defined());
  EXPECT_TRUE(w.requires_grad());
}

// Issue 17's first reproduction: w changed through data<T>() between forward and backward.
// Without the check, x.grad was [20, 30] instead of [2, 3].
TEST(VersionCounter, WriteThroughDataBeforeBackwardThrows) {
  xg::Tensor w = xg::tensor({2.0f, 3.0f}).requires_grad_();
  xg::Tensor x = xg::tensor({1.0f, 1.0f}).requires_grad_();
  xg::Tensor y = (w * x).sum();
  {
    xg::NoGradGuard g;
    w.data<float>() *= 10;
  }
  EXPECT_ERROR(y.backward(), "backward", "modified by an inplace operation", "input 0", "op 'mul'", "version 1",
               "expected version 0");
}

// The second: the output of exp() (which its backward reuses) edited before backward; the
// gradient was [100, 100].
TEST(VersionCounter, EditedOutputOfExpThrows) {
  xg::Tensor x = xg::tensor({0.0f, 0.0f}).requires_grad_();
  xg::Tensor y = xg::exp(x);
  {
    xg::NoGradGuard g;
    y.data<float>() *= 100;
  }
  EXPECT_ERROR(y.sum().backward(), "backward", "modified by an inplace operation", "output", "op 'exp'");
}

TEST(VersionCounter, ReadsAndOpsThatDoNotSaveTheValueAreFine) {
  xg::Tensor w = xg::tensor({2.0, 3.0}, xg::kFloat64).requires_grad_();
  xg::Tensor y = (w + 1.0).sum();  // add's backward does not read w
  {
    xg::NoGradGuard g;
    w -= 1.0;
  }
  y.backward();  // PyTorch allows it too
  EXPECT_EQ(values(w.grad()), (std::vector<double>{1.0, 1.0}));
  // reading through a const tensor, at() or to_vector() leaves the version alone
  xg::Tensor v = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  xg::Tensor z = xg::exp(v);
  const auto before = z.version();
  (void)std::as_const(z).data<double>();
  (void)z.at({0});
  (void)z.to_vector<double>();
  EXPECT_EQ(z.version(), before);
  z.sum().backward();
  EXPECT_NEAR(values(v.grad())[1], std::exp(2.0), 1e-12);
}

TEST(VersionCounter, OptimizerStepBetweenForwardAndBackwardThrows) {
  xg::manual_seed(0);
  xg::nn::Linear fc(3, 2);
  xg::optim::SGD opt(fc.parameters(), {.lr = 0.1});
  const xg::Tensor x = xg::randn({4, 3});
  xg::Tensor loss = fc(x).pow(2.0).mean();
  loss.backward(/*gradient=*/{}, /*retain_graph=*/true);
  opt.step();  // writes the weight that linear saved for its backward
  EXPECT_ERROR(loss.backward(), "backward", "modified by an inplace operation", "op 'linear'");
  // The usual order (zero_grad, forward, backward, step) is untouched.
  for (int i = 0; i < 3; ++i) {
    opt.zero_grad();
    xg::Tensor l = fc(x).pow(2.0).mean();
    l.backward();
    opt.step();
  }
  xg::optim::Adam adam(fc.parameters(), {.lr = 0.01});
  xg::Tensor l2 = fc(x).sum();
  adam.zero_grad();
  l2.backward({}, true);
  adam.step();
  EXPECT_ERROR(l2.backward(), "backward", "inplace", "linear");
}

TEST(VersionCounter, CopyAndSetCountAsWrites) {
  xg::Tensor w = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  xg::Tensor y = (w * w).sum();
  {
    xg::NoGradGuard g;
    w.copy_(xg::tensor({5.0, 5.0}, xg::kFloat64));
  }
  EXPECT_ERROR(y.backward(), "op 'mul'", "inplace");
  xg::Tensor y2 = (w * w).sum();
  {
    xg::NoGradGuard g;
    w.set({0}, 1.0);
  }
  EXPECT_ERROR(y2.backward(), "op 'mul'", "inplace");
}
