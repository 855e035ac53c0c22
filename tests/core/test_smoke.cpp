#include <gtest/gtest.h>

#include <xgrad/xgrad.hpp>

namespace xg = xgrad;

TEST(Smoke, MatmulReluMean) {
  xg::manual_seed(0);
  xg::Tensor x = xg::randn({64, 10});
  xg::Tensor w = xg::zeros({10, 1}, xg::kFloat64).requires_grad_();
  auto y = (x.to(xg::kFloat64).matmul(w) + 1.0).relu().mean();
  y.backward();
  EXPECT_EQ(w.grad().shape(), (xg::Shape{10, 1}));
  EXPECT_DOUBLE_EQ(y.item(), 1.0);
}
