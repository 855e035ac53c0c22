// Gradient clipping (nn/clip_grad.*), tested here with the optimizers it serves: closed forms
// and errors. PyTorch's values are in test_torch_parity.cpp.
#include <limits>
#include <xgrad/nn/clip_grad.hpp>

#include "helpers.hpp"

namespace {

using xg::nn::utils::clip_grad_norm_;
using xg::nn::utils::clip_grad_value_;

xg::Tensor with_grad(std::vector<double> grad, xg::Dtype dtype = xg::kFloat64) {
  xg::Tensor p = xg::zeros({grad.size()}, dtype).requires_grad_();
  p.set_grad(from_values(grad, dtype));
  return p;
}

TEST(ClipGradNorm, ScalesToMaxNorm) {
  // Gradients (3, 0) and (4,): total 2-norm 5; scaled by 1 / (5 + 1e-6).
  xg::Tensor a = with_grad({3.0, 0.0}), b = with_grad({4.0});
  const double norm = clip_grad_norm_({a, b}, 1.0);
  EXPECT_DOUBLE_EQ(norm, 5.0);
  const double c = 1.0 / (5.0 + 1e-6);
  EXPECT_EQ(flat_values(a.grad()), (std::vector<double>{3.0 * c, 0.0}));
  EXPECT_EQ(flat_values(b.grad()), (std::vector<double>{4.0 * c}));
}

TEST(ClipGradNorm, LeavesSmallGradientsAlone) {
  xg::Tensor a = with_grad({0.3, -0.4});
  EXPECT_DOUBLE_EQ(clip_grad_norm_({a}, 1.0), 0.5);
  EXPECT_EQ(flat_values(a.grad()), (std::vector<double>{0.3, -0.4}));
}

TEST(ClipGradNorm, OtherNorms) {
  xg::Tensor a = with_grad({3.0, -4.0}), b = with_grad({-12.0});
  EXPECT_DOUBLE_EQ(clip_grad_norm_({a, b}, 100.0, 1.0), 19.0);
  EXPECT_DOUBLE_EQ(clip_grad_norm_({a, b}, 100.0, std::numeric_limits<double>::infinity()), 12.0);
  EXPECT_NEAR(clip_grad_norm_({a, b}, 100.0, 3.0), std::cbrt(27.0 + 64.0 + 1728.0), 1e-12);
}

TEST(ClipGradNorm, SkipsParametersWithoutGradientAndWorksInFloat32) {
  xg::Tensor a = with_grad({6.0, 8.0}, xg::kFloat32);
  xg::Tensor none = xg::zeros({3}).requires_grad_();
  EXPECT_NEAR(clip_grad_norm_({a, none}, 5.0), 10.0, 1e-6);
  EXPECT_EQ(a.grad().dtype(), xg::kFloat32);
  EXPECT_NEAR(flat_values(a.grad())[0], 3.0, 1e-5);
  EXPECT_FALSE(none.grad().defined());
  EXPECT_EQ(clip_grad_norm_({none}, 1.0), 0.0);
}

TEST(ClipGradNorm, NonFinite) {
  xg::Tensor a = with_grad({std::numeric_limits<double>::infinity(), 1.0});
  EXPECT_ERROR(clip_grad_norm_({a}, 1.0, 2.0, /*error_if_nonfinite=*/true), "clip_grad_norm_", "is inf",
               "cannot be clipped");
  EXPECT_TRUE(std::isinf(clip_grad_norm_({a}, 1.0)));
}

TEST(ClipGradNorm, BadArguments) {
  xg::Tensor a = with_grad({1.0});
  EXPECT_ERROR(clip_grad_norm_({a}, -1.0), "clip_grad_norm_", "max_norm must be >= 0", "-1");
  EXPECT_ERROR(clip_grad_norm_({a}, 1.0, 0.0), "clip_grad_norm_", "norm_type must be > 0", "got 0");
  EXPECT_ERROR(clip_grad_norm_({xg::Tensor()}, 1.0), "clip_grad_norm_", "undefined");
}

TEST(ClipGradValue, Clamps) {
  xg::Tensor a = with_grad({-3.0, 0.2, 0.7});
  clip_grad_value_({a}, 0.5);
  EXPECT_EQ(flat_values(a.grad()), (std::vector<double>{-0.5, 0.2, 0.5}));
  EXPECT_ERROR(clip_grad_value_({a}, -0.5), "clip_grad_value_", "clip_value must be >= 0", "-0.5");
}

}  // namespace
