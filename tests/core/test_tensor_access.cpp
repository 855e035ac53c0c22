// core/tensor.* and core/factory.*: a tensor from and to a std::vector, element access, printing
// (compared with PyTorch's repr, pasted below from python3 -c 'print(repr(torch.tensor(...)))'),
// shapes on a stream, and the warning for grad() of a non-leaf.
#include <cmath>
#include <limits>
#include <sstream>

#include "helpers.hpp"

namespace xgrad::detail {
void reset_non_leaf_grad_warning();  // core/tensor.cpp
}

namespace {
std::string str(const xg::Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}
}  // namespace

TEST(TensorAccess, FromVectorWithShapeAndBack) {
  const xg::Tensor a = xg::tensor(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(a.dtype(), xg::kFloat32);
  EXPECT_EQ(a.shape(), (xg::Shape{2, 3}));
  EXPECT_EQ(a.at({1, 0}), 4.0);
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(a.tolist<double>(), (std::vector<double>{1, 2, 3, 4, 5, 6}));

  const xg::Tensor b = xg::tensor(std::vector<double>{0.5, -1.5});
  EXPECT_EQ(b.dtype(), xg::kFloat64);
  EXPECT_EQ(b.shape(), (xg::Shape{2}));
  const xg::Tensor c = xg::tensor(std::vector<std::int64_t>{3, 1, 2}, {3, 1});
  EXPECT_EQ(c.dtype(), xg::kInt64);
  EXPECT_EQ(c.to_vector<int>(), (std::vector<int>{3, 1, 2}));
  const xg::Tensor i = xg::tensor(std::vector<int>{4, 5});  // other integers make int64, as torch.tensor([4, 5])
  EXPECT_EQ(i.dtype(), xg::kInt64);
  EXPECT_EQ(i.to_vector<std::int64_t>(), (std::vector<std::int64_t>{4, 5}));
  const xg::Tensor s = xg::tensor(std::vector<double>{7.0}, xg::Shape{});  // 0-d
  EXPECT_EQ(s.dim(), 0u);
  EXPECT_EQ(s.item(), 7.0);

  EXPECT_ERROR(xg::tensor(std::vector<float>{1, 2, 3}, {2, 2}), "tensor", "(2, 2)", "4 elements", "3");
}

TEST(TensorAccess, AtReadsAndSetWritesOneElement) {
  xg::Tensor t = xg::zeros({2, 3}, xg::kFloat64);
  t.set({0, 1}, 2.5).set({-1, -1}, -4.0);  // negative indices count from the end
  EXPECT_EQ(t.at({0, 1}), 2.5);
  EXPECT_EQ(t.at({1, 2}), -4.0);
  EXPECT_EQ(t.at({-2, 1}), 2.5);
  EXPECT_EQ(t.to_vector<double>(), (std::vector<double>{0, 2.5, 0, 0, 0, -4}));
  EXPECT_ERROR(t.at({2, 0}), "at", "index 2", "dim 0", "size 2");
  EXPECT_ERROR(t.at({0}), "at", "1 indices", "2 dims");
  // A leaf that requires grad refuses an in-place write unless autograd is off, as in PyTorch.
  xg::Tensor w = xg::zeros({2}).requires_grad_();
  EXPECT_ERROR(w.set({0}, 1.0), "set", "leaf", "in-place");
  {
    xg::NoGradGuard no_grad;
    w.set({0}, 1.0);
  }
  EXPECT_EQ(w.at({0}), 1.0);
}

TEST(TensorAccess, ShapePrintsOnAnyStream) {
  std::ostringstream os;
  os << xg::zeros({3, 1, 4}).shape() << ' ' << xg::tensor(1.0).shape();
  EXPECT_EQ(os.str(), "(3, 1, 4) ()");
}

// Each expectation is PyTorch's repr of the same values (torch 1.13, precision 4).
TEST(TensorAccess, PrintsNumbersAsPyTorch) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(str(xg::tensor({-20.0})), "tensor([-20.])");
  EXPECT_EQ(str(xg::tensor(-20.0)), "tensor(-20.)");
  EXPECT_EQ(str(xg::tensor({1.0, 2.0})), "tensor([1., 2.])");
  EXPECT_EQ(str(xg::tensor({1.5, -2.25})), "tensor([ 1.5000, -2.2500])");
  EXPECT_EQ(str(xg::tensor(1e-5)), "tensor(1.0000e-05)");
  EXPECT_EQ(str(xg::tensor({1e-5, 1.0})), "tensor([1.0000e-05, 1.0000e+00])");
  EXPECT_EQ(str(xg::tensor({123456789.0}, xg::kFloat64)), "tensor([1.2346e+08], dtype=float64)");
  EXPECT_EQ(str(xg::tensor({1e10, 1.0}, xg::kFloat64)), "tensor([1.0000e+10, 1.0000e+00], dtype=float64)");
  EXPECT_EQ(str(xg::tensor({nan, 1.0})), "tensor([nan, 1.])");
  EXPECT_EQ(str(xg::tensor({nan, 1.0, 10.0})), "tensor([nan,  1., 10.])");
  EXPECT_EQ(str(xg::tensor({inf, -1.5})), "tensor([    inf, -1.5000])");
  EXPECT_EQ(str(xg::tensor({nan, inf})), "tensor([nan, inf])");
  EXPECT_EQ(str(xg::tensor({0.0, 0.0})), "tensor([0., 0.])");
  EXPECT_EQ(str(xg::tensor({100.0, 0.001})), "tensor([1.0000e+02, 1.0000e-03])");
  EXPECT_EQ(str(xg::tensor({3.14159265})), "tensor([3.1416])");
  EXPECT_EQ(str(xg::tensor({{1.0, -1.0}, {0.5, 100.0}}, xg::kFloat64)),
            "tensor([[  1.0000,  -1.0000],\n        [  0.5000, 100.0000]], dtype=float64)");
  EXPECT_EQ(str(xg::tensor(std::vector<std::int64_t>{1, -20})), "tensor([  1, -20], dtype=int64)");
  xg::Tensor x = xg::tensor(-5.0).requires_grad_();
  EXPECT_EQ(str(x), "tensor(-5., requires_grad=true)");
  EXPECT_EQ(str(x + (-15.0)), "tensor(-20., grad_fn=<add>)");
}

TEST(TensorAccess, GradOfANonLeafWarnsOnce) {
  xg::detail::reset_non_leaf_grad_warning();
  xg::Tensor x = xg::tensor({1.0, 2.0}).requires_grad_();
  xg::Tensor y = x * 2.0;
  y.sum().backward();
  testing::internal::CaptureStderr();
  EXPECT_FALSE(y.grad().defined());
  EXPECT_FALSE(y.grad().defined());
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("not a leaf (made by 'mul')"), std::string::npos) << err;
  EXPECT_NE(err.find("retain_grad()"), std::string::npos) << err;
  EXPECT_EQ(err.find("warning", err.find("warning") + 1), std::string::npos) << "warned twice: " << err;
  // A leaf's grad and a retained one do not warn.
  xg::detail::reset_non_leaf_grad_warning();
  xg::Tensor z = (x * 3.0).retain_grad();
  z.sum().backward();
  testing::internal::CaptureStderr();
  EXPECT_TRUE(x.grad().defined());
  EXPECT_TRUE(z.grad().defined());
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}
