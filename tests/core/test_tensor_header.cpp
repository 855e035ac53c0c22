// <xgrad/core/tensor.hpp> alone is enough for a tensor's arithmetic: every operator comes with it.
#include <gtest/gtest.h>

#include <xgrad/core/tensor.hpp>

TEST(TensorHeader, ArithmeticOperatorsNeedNoOtherHeader) {
  namespace xg = xgrad;
  const xg::Tensor a(xg::Storage(xt::xarray<double>{1.0, 2.0}));
  const xg::Tensor r = -(a * a + 1.0 - a / 2.0) + (a > 1.5);
  EXPECT_EQ(r.to_vector<double>(), (std::vector<double>{-1.5, -3.0}));
}
