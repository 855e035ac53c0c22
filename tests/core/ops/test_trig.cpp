// core/ops/elementwise/trig.cpp: sin, cos, atan and atan2 (declared in elementwise.hpp; trig.hpp forwards), values
// against std, gradients by gradcheck and in closed form.
#include <cmath>
#include <numbers>
#include <xgrad/core/ops/trig.hpp>

#include "../helpers.hpp"

TEST(Trig, AtanValuesAndGradcheck) {
  const xg::Tensor x = xg::tensor({-3.0, -0.5, 0.0, 0.25, 10.0}, xg::kFloat64);
  const auto v = values(xg::atan(x));
  for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i], std::atan(values(x)[i]));
  expect_gradcheck([](const auto& in) { return xg::atan(in[0]); }, {leaf({2, 3}, -3, 3)});
  // d atan(x) / dx = 1 / (1 + x^2): 1 at 0, 1/5 at 2
  xg::Tensor t = xg::tensor({0.0, 2.0}, xg::kFloat64).requires_grad_();
  xg::sum(xg::atan(t)).backward();
  EXPECT_EQ(values(t.grad()), (std::vector<double>{1.0, 0.2}));
}

TEST(Trig, Atan2ValuesInEveryQuadrantAndGradcheck) {
  const xg::Tensor y = xg::tensor({1.0, 1.0, -1.0, -1.0, 0.0, 2.0}, xg::kFloat64);
  const xg::Tensor x = xg::tensor({1.0, -1.0, -1.0, 1.0, -2.0, 0.0}, xg::kFloat64);
  const auto v = values(xg::atan2(y, x));
  for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i], std::atan2(values(y)[i], values(x)[i]));
  EXPECT_EQ(v[1], 3 * std::numbers::pi / 4);
  expect_gradcheck([](const auto& in) { return xg::atan2(in[0], in[1]); }, {leaf({2, 3}), leaf({2, 3}, 0.5, 2)});
  // broadcasting: (2, 3) with (3)
  expect_gradcheck([](const auto& in) { return xg::atan2(in[0], in[1]); }, {leaf({2, 3}), leaf({3}, -2, -0.5)});
  EXPECT_ERROR(xg::atan2(leaf({2}), leaf({3})), "atan2", "(2)", "(3)");
  EXPECT_ERROR(xg::atan2(leaf({2}), xg::zeros({2})), "atan2", "float64", "float32");
}

TEST(Trig, Atan2ExtendsAtanOfARatioToZeroHeights) {
  // CIoU's aspect angle atan2(w, h) (the former losses::detail::atan_ratio): h = 0 gives pi/2 with
  // gradient (0, -1/w); w = h = 0 gives 0 with gradient (0, 0), where PyTorch's is NaN.
  xg::Tensor w = xg::tensor({2.0, 0.0}, xg::kFloat64).requires_grad_(),
             h = xg::zeros({2}, xg::kFloat64).requires_grad_();
  const xg::Tensor angle = xg::atan2(w, h);
  EXPECT_EQ(values(angle), (std::vector<double>{std::numbers::pi / 2, 0.0}));
  xg::sum(angle).backward();
  EXPECT_EQ(values(w.grad()), (std::vector<double>{0.0, 0.0}));
  EXPECT_EQ(values(h.grad()), (std::vector<double>{-0.5, 0.0}));
  expect_gradcheck([](const auto& in) { return xg::atan2(in[0], in[1]); }, {leaf({5}, 0.1, 3), leaf({5}, 0.1, 3)});
}

TEST(Trig, Float32) {
  const xg::Tensor y = xg::tensor({0.5f, -2.0f}), x = xg::tensor({1.5f, 0.25f});
  EXPECT_EQ(xg::atan2(y, x).dtype(), xg::kFloat32);
  EXPECT_EQ(xg::atan(y).dtype(), xg::kFloat32);
  const auto v = values(xg::atan2(y, x));
  EXPECT_NEAR(v[1], std::atan2(-2.0, 0.25), 1e-6);
}

TEST(Trig, SinCosValuesAndGradcheck) {
  const xg::Tensor x = xg::tensor({-3.0, -0.5, 0.0, 1.0, 10.0}, xg::kFloat64);
  const auto s = values(xg::sin(x)), c = values(x.cos());
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s[i], std::sin(values(x)[i]));
    EXPECT_EQ(c[i], std::cos(values(x)[i]));
  }
  expect_gradcheck([](const auto& in) { return xg::sin(in[0]); }, {leaf({2, 3}, -4, 4)});
  expect_gradcheck([](const auto& in) { return in[0].cos() * in[0].sin(); }, {leaf({3}, -4, 4)});
  // d sin / dx = cos: 1 at 0; d cos / dx = -sin: -1 at pi/2
  xg::Tensor t = xg::tensor({0.0, std::numbers::pi / 2}, xg::kFloat64).requires_grad_();
  (xg::sin(t) + xg::cos(t)).sum().backward();
  EXPECT_NEAR(values(t.grad())[0], 1.0, 1e-15);
  EXPECT_NEAR(values(t.grad())[1], -1.0, 1e-15);
  const xg::Tensor f = xg::sin(xg::tensor({1.0f}));
  EXPECT_EQ(f.dtype(), xg::kFloat32);
  EXPECT_EQ(f.item(), std::sin(1.0f));
  EXPECT_ERROR(xg::sin(xg::from_xarray(xt::xarray<std::int64_t>{1})), "sin", "int64");
}
