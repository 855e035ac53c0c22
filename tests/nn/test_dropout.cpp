#include "helpers.hpp"

namespace nn = xg::nn;

namespace {

TEST(Dropout, TrainingZeroesAboutPAndScalesTheRest) {
  xg::manual_seed(101);
  nn::Dropout drop(0.3);
  xg::Tensor x = xg::ones({100, 100}, xg::kFloat64).requires_grad_();
  const xg::Tensor y = drop.forward(x);
  std::size_t zeros = 0;
  for (double v : values(y)) {
    if (v == 0)
      ++zeros;
    else
      EXPECT_DOUBLE_EQ(v, 1.0 / 0.7);
  }
  EXPECT_NEAR(double(zeros) / 10000.0, 0.3, 0.02);
  // The gradient is the same mask: dy/dx = keep / (1 - p).
  y.sum().backward();
  EXPECT_EQ(values(x.grad()), values(y));
}

TEST(Dropout, EvalIsTheIdentity) {
  nn::Dropout drop(0.9);
  drop.eval();
  const xg::Tensor x = xg::randn({4, 4});
  EXPECT_TRUE(drop.forward(x).is_same(x));
}

TEST(Dropout, Extremes) {
  const xg::Tensor x = xg::randn({3, 3});
  EXPECT_EQ(values(nn::Dropout(0.0).forward(x)), values(x));
  EXPECT_EQ(values(nn::Dropout(1.0).forward(x)), std::vector<double>(9, 0.0));
}

TEST(Dropout, SeededMasksRepeat) {
  nn::Dropout drop(0.5);
  const xg::Tensor x = xg::ones({50});
  xg::manual_seed(102);
  const auto a = values(drop.forward(x));
  xg::manual_seed(102);
  EXPECT_EQ(values(drop.forward(x)), a);
  EXPECT_NE(values(drop.forward(x)), a);
}

TEST(Dropout, Errors) {
  EXPECT_ERROR(nn::Dropout(-0.1), "Dropout", "p must be in [0, 1]", "-0.1");
  EXPECT_ERROR(nn::Dropout(1.5), "Dropout", "1.5");
}

}  // namespace
