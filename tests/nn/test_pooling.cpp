#include <sstream>

#include "helpers.hpp"

namespace nn = xg::nn;

namespace {

TEST(PoolingModules, ForwardIsTheOp) {
  xg::manual_seed(81);
  const xg::Tensor x = xg::randn({2, 3, 7, 6});
  EXPECT_EQ(values(nn::MaxPool2d(2).forward(x)), values(xg::max_pool2d(x, 2, 2)));
  EXPECT_EQ(values(nn::MaxPool2d(3, 2, 1).forward(x)), values(xg::max_pool2d(x, 3, 2, 1)));
  EXPECT_EQ(values(nn::AvgPool2d({3, 2}, 1, {1, 0}, false).forward(x)),
            values(xg::avg_pool2d(x, {3, 2}, 1, {1, 0}, false)));
  EXPECT_EQ(values(nn::AdaptiveAvgPool2d(1).forward(x)), values(xg::adaptive_avg_pool2d(x, 1)));
}

TEST(PoolingModules, StrideDefaultsToTheKernel) {
  EXPECT_EQ(nn::MaxPool2d(3).stride, xg::Size2(3));
  EXPECT_EQ(nn::AvgPool2d(xg::Size2(2, 3)).stride, xg::Size2(2, 3));
  EXPECT_EQ(nn::MaxPool2d(2).forward(xg::zeros({1, 1, 8, 8})).shape(), (xg::Shape{1, 1, 4, 4}));
}

TEST(PoolingModules, GlobalAveragePooling) {
  xg::Tensor x = xg::arange(8, xg::kFloat64).reshape({1, 2, 2, 2}).detach().requires_grad_();
  const xg::Tensor y = nn::AdaptiveAvgPool2d(1).forward(x);
  EXPECT_EQ(y.shape(), (xg::Shape{1, 2, 1, 1}));
  EXPECT_EQ(values(y), (std::vector<double>{1.5, 5.5}));
  y.sum().backward();
  EXPECT_EQ(values(x.grad()), std::vector<double>(8, 0.25));
}

TEST(PoolingModules, Gradcheck) {
  xg::manual_seed(82);
  nn::MaxPool2d max(3, 2, 1);
  expect_module_gradcheck(max, leaf({1, 2, 5, 5}), {});
  nn::AvgPool2d avg({2, 3}, 1, {1, 1}, false);
  expect_module_gradcheck(avg, leaf({1, 2, 4, 5}), {});
}

TEST(PoolingModules, ConstructorsCheckTheWindow) {
  EXPECT_ERROR(nn::MaxPool2d(0), "MaxPool2d", "kernel_size must be positive");
  EXPECT_ERROR(nn::MaxPool2d(2, -1), "MaxPool2d", "stride must be positive", "(-1, -1)");
  EXPECT_ERROR(nn::AvgPool2d(3, 1, 2), "AvgPool2d", "padding (2, 2)", "half the kernel size (3, 3)");
  EXPECT_ERROR(nn::AdaptiveAvgPool2d(xg::Size2(0, 1)), "AdaptiveAvgPool2d", "output_size must be positive");
}

TEST(PoolingModules, Print) {
  std::ostringstream s;
  s << nn::MaxPool2d(2) << " " << nn::AvgPool2d(3, 1, 1, false) << " " << nn::AdaptiveAvgPool2d(xg::Size2(2, 3));
  EXPECT_EQ(s.str(),
            "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)) AvgPool2d(kernel_size=(3, 3), stride=(1, "
            "1), padding=(1, 1), count_include_pad=false) AdaptiveAvgPool2d(output_size=(2, 3))");
}

}  // namespace
