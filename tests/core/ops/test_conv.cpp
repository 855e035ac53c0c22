#include <cblas.h>

#include <cmath>
#include <utility>
#include <vector>

#include "../helpers.hpp"

namespace {

struct ConvCase {
  xg::Shape input, weight;
  xg::Size2 stride, padding;
  bool bias;
};

void PrintTo(const ConvCase& c, std::ostream* os) {
  *os << "input " << xg::to_string(c.input) << " weight " << xg::to_string(c.weight) << " stride " << c.stride
      << " padding " << c.padding << (c.bias ? " bias" : " no bias");
}

const std::vector<ConvCase> kCases = {
    {{2, 3, 5, 5}, {4, 3, 3, 3}, 1, 0, true},
    {{1, 2, 6, 5}, {3, 2, 3, 3}, 2, 1, false},
    {{2, 2, 5, 7}, {2, 2, 2, 3}, {2, 1}, {1, 0}, true},  // rectangular kernel, stride and padding
    {{1, 3, 4, 4}, {2, 3, 1, 1}, 1, 0, true},            // 1x1
    {{2, 1, 7, 6}, {2, 1, 3, 2}, {1, 2}, {0, 1}, false},
    {{1, 2, 3, 3}, {2, 2, 3, 3}, 3, 2, true},  // more padding than input, stride skipping it
    {{1, 2, 4, 5}, {3, 2, 4, 5}, 1, 0, true},  // kernel as large as the input: a 1x1 output
    {{2, 2, 5, 5}, {2, 2, 1, 3}, {2, 3}, {1, 2}, true},
    // Stride 2 along the width takes its own path (even and odd columns in one loop): odd and
    // even widths, with even and odd paddings.
    {{2, 2, 4, 7}, {3, 2, 3, 3}, 2, 0, true},
    {{1, 2, 5, 6}, {2, 2, 3, 2}, 2, 2, true},
    {{1, 1, 3, 9}, {2, 1, 2, 3}, {1, 2}, {0, 3}, false},
};

// The definition, as four nested loops, to compare the im2col + gemm path against.
xt::xarray<double> direct_conv(const xt::xarray<double>& x, const xt::xarray<double>& w, const double* b, xg::Size2 s,
                               xg::Size2 p) {
  const std::size_t n = x.shape()[0], c = x.shape()[1], h = x.shape()[2], wd = x.shape()[3];
  const std::size_t o = w.shape()[0], kh = w.shape()[2], kw = w.shape()[3];
  const std::size_t oh = (h + 2 * p.h - kh) / s.h + 1, ow = (wd + 2 * p.w - kw) / s.w + 1;
  xt::xarray<double> out = xt::zeros<double>(xg::Shape{n, o, oh, ow});
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t f = 0; f < o; ++f)
      for (std::size_t y = 0; y < oh; ++y)
        for (std::size_t z = 0; z < ow; ++z) {
          double acc = b ? b[f] : 0.0;
          for (std::size_t ch = 0; ch < c; ++ch)
            for (std::size_t ki = 0; ki < kh; ++ki)
              for (std::size_t kj = 0; kj < kw; ++kj) {
                const auto iy = std::int64_t(y * s.h + ki) - p.h, ix = std::int64_t(z * s.w + kj) - p.w;
                if (iy < 0 || ix < 0 || iy >= std::int64_t(h) || ix >= std::int64_t(wd)) continue;
                acc += x(i, ch, iy, ix) * w(f, ch, ki, kj);
              }
          out(i, f, y, z) = acc;
        }
  return out;
}

class Conv2dCase : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2dCase, Gradcheck) {
  xg::manual_seed(21);
  const ConvCase c = GetParam();
  std::vector<xg::Tensor> in{leaf(c.input), leaf(c.weight)};
  if (c.bias) in.push_back(leaf({c.weight[0]}));
  expect_gradcheck(
      [&](const auto& v) { return xg::conv2d(v[0], v[1], v.size() > 2 ? v[2] : xg::Tensor(), c.stride, c.padding); },
      in);
}

TEST_P(Conv2dCase, MatchesTheDefinition) {
  xg::manual_seed(22);
  const ConvCase c = GetParam();
  const xg::Tensor x = leaf(c.input), w = leaf(c.weight), b = c.bias ? leaf({c.weight[0]}) : xg::Tensor();
  const xg::Tensor y = xg::conv2d(x, w, b, c.stride, c.padding);
  const xt::xarray<double> want =
      direct_conv(x.data<double>(), w.data<double>(), c.bias ? b.data<double>().data() : nullptr, c.stride, c.padding);
  ASSERT_EQ(y.shape(), xg::Shape(want.shape().begin(), want.shape().end()));
  const auto got = values(y);
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want.data()[i], 1e-12) << "at " << i;
}

INSTANTIATE_TEST_SUITE_P(Shapes, Conv2dCase, ::testing::ValuesIn(kCases));

class Conv2dThreads : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2dThreads, SplittingTheBatchAgrees) {
  // Large enough (over a million multiply-adds) that conv2d splits the batch over OpenBLAS's
  // thread count; every count must give the definition's output, and the very same gradient
  // bits as one thread (partial sums are added per chunk of images, in chunk order).
  const ConvCase c = GetParam();
  const int saved = openblas_get_num_threads();
  xg::manual_seed(25);
  const xg::Tensor x0 = xg::randn(c.input, xg::kFloat64), w0 = xg::randn(c.weight, xg::kFloat64);
  const xg::Tensor b0 = xg::randn({c.weight[0]}, xg::kFloat64);
  const xt::xarray<double> want =
      direct_conv(x0.data<double>(), w0.data<double>(), b0.data<double>().data(), c.stride, c.padding);
  const xg::Tensor dy = xg::randn(xg::Shape(want.shape().begin(), want.shape().end()), xg::kFloat64);
  std::vector<std::vector<double>> grads_1;
  for (int threads : {1, 2, 3}) {
    openblas_set_num_threads(threads);
    xg::Tensor x = x0.detach().requires_grad_(), w = w0.detach().requires_grad_(), b = b0.detach().requires_grad_();
    const xg::Tensor y = xg::conv2d(x, w, b, c.stride, c.padding);
    const auto got = values(y);
    for (std::size_t i = 0; i < got.size(); ++i)
      ASSERT_NEAR(got[i], want.data()[i], 1e-12 * std::max(1.0, std::abs(want.data()[i]))) << threads << " threads";
    y.backward(dy);
    const std::vector<std::vector<double>> grads{values(x.grad()), values(w.grad()), values(b.grad())};
    if (threads == 1) grads_1 = grads;
    for (std::size_t k = 0; k < grads.size(); ++k)
      for (std::size_t i = 0; i < grads[k].size(); ++i)
        ASSERT_EQ(grads[k][i], grads_1[k][i]) << threads << " threads, grad " << k << " at " << i;
  }
  openblas_set_num_threads(saved);
  EXPECT_EQ(openblas_get_num_threads(), saved) << "conv2d must restore OpenBLAS's thread count";
}

// One case for each way conv2d multiplies (see Plan in core/ops/conv.cpp): a group at once, image by
// image, and image by image on the input itself (1x1, stride 1, no padding).
INSTANTIATE_TEST_SUITE_P(Large, Conv2dThreads,
                         ::testing::Values(ConvCase{{6, 16, 26, 23}, {32, 16, 3, 3}, 2, 1, true},
                                           ConvCase{{4, 8, 24, 24}, {32, 8, 3, 3}, 1, 1, true},
                                           ConvCase{{5, 32, 16, 16}, {128, 32, 1, 1}, 1, 0, true}));

TEST(Conv2d, ClosedForm) {
  // A 2x2 kernel of ones over a 3x3 input sums each window; with dY = ones, dX[i][j] counts the
  // windows covering pixel (i, j), dW[a][b] sums the pixels each kernel tap sees, db = 4 outputs.
  xg::Tensor x = xg::arange(9, xg::kFloat64).reshape({1, 1, 3, 3}).detach().requires_grad_();
  xg::Tensor w = xg::ones({1, 1, 2, 2}, xg::kFloat64).requires_grad_();
  xg::Tensor b = xg::tensor({0.5}, xg::kFloat64).requires_grad_();
  xg::Tensor y = xg::conv2d(x, w, b);
  EXPECT_EQ(values(y), (std::vector<double>{8.5, 12.5, 20.5, 24.5}));  // 0+1+3+4 + 0.5, ...
  y.sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1, 2, 1, 2, 4, 2, 1, 2, 1}));
  EXPECT_EQ(values(w.grad()), (std::vector<double>{8, 12, 20, 24}));  // 0+1+3+4, 1+2+4+5, ...
  EXPECT_EQ(values(b.grad()), (std::vector<double>{4}));
}

TEST(Conv2d, OutputShapes) {
  const xg::Tensor x = xg::zeros({16, 3, 64, 64});
  EXPECT_EQ(xg::conv2d(x, xg::zeros({16, 3, 3, 3}), {}, 2, 1).shape(), (xg::Shape{16, 16, 32, 32}));
  EXPECT_EQ(xg::conv2d(x, xg::zeros({8, 3, 3, 3})).shape(), (xg::Shape{16, 8, 62, 62}));
  EXPECT_EQ(xg::conv2d(x, xg::zeros({4, 3, 1, 5}), {}, {1, 2}, {0, 2}).shape(), (xg::Shape{16, 4, 64, 32}));
  EXPECT_EQ(xg::conv2d(xg::zeros({0, 3, 8, 8}), xg::zeros({4, 3, 3, 3})).shape(), (xg::Shape{0, 4, 6, 6}));
}

TEST(Conv2d, EmptyBatchAndChannels) {
  // No images: empty output and input gradient, zero weight and bias gradients. No input
  // channels: the output is the bias alone.
  xg::Tensor x = xg::zeros({0, 3, 8, 8}, xg::kFloat64).requires_grad_();
  xg::Tensor w = leaf({4, 3, 3, 3}), b = leaf({4});
  xg::conv2d(x, w, b, 2, 1).sum().backward();
  EXPECT_EQ(x.grad().shape(), (xg::Shape{0, 3, 8, 8}));
  EXPECT_EQ(values(w.grad()), std::vector<double>(108, 0.0));
  EXPECT_EQ(values(b.grad()), std::vector<double>(4, 0.0));
  xg::Tensor x0 = xg::zeros({2, 0, 5, 5}, xg::kFloat64).requires_grad_();
  xg::Tensor w0 = xg::zeros({3, 0, 3, 3}, xg::kFloat64).requires_grad_();
  const xg::Tensor y = xg::conv2d(x0, w0, xg::tensor({1.0, 2.0, 3.0}, xg::kFloat64));
  EXPECT_EQ(y.shape(), (xg::Shape{2, 3, 3, 3}));
  EXPECT_EQ(values(y)[9], 2.0);
  y.sum().backward();
  EXPECT_EQ(x0.grad().shape(), (xg::Shape{2, 0, 5, 5}));
}

TEST(Conv2d, Float32MatchesFloat64) {
  xg::manual_seed(23);
  const xg::Tensor x = xg::randn({2, 3, 9, 8}), w = xg::randn({4, 3, 3, 3}), b = xg::randn({4});
  const auto y32 = values(xg::conv2d(x, w, b, 2, 1));
  const auto y64 = values(xg::conv2d(x.to(xg::kFloat64), w.to(xg::kFloat64), b.to(xg::kFloat64), 2, 1));
  for (std::size_t i = 0; i < y32.size(); ++i) EXPECT_NEAR(y32[i], y64[i], 1e-4);
}

TEST(Conv2d, Float32AtTinyYoloShapesMatchesTheDefinition) {
  // Float32 at the first two tiny-YOLO layers, whose forward products are skinny enough for
  // detail::small_sgemm on AVX-512 CPUs; output and gradients against float64.
  xg::manual_seed(27);
  for (const auto& [input, weight] : {std::pair<xg::Shape, xg::Shape>{{2, 3, 64, 64}, {16, 3, 3, 3}},
                                      std::pair<xg::Shape, xg::Shape>{{2, 16, 32, 32}, {32, 16, 3, 3}}}) {
    const xg::Tensor x0 = xg::randn(input), w0 = xg::randn(weight), b0 = xg::randn({weight[0]});
    const xt::xarray<double> want = direct_conv(x0.to(xg::kFloat64).data<double>(), w0.to(xg::kFloat64).data<double>(),
                                                b0.to(xg::kFloat64).data<double>().data(), 2, 1);
    xg::Tensor x = x0.detach().requires_grad_(), w = w0.detach().requires_grad_();
    const xg::Tensor y = xg::conv2d(x, w, b0, 2, 1);
    const auto got = values(y);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i)
      ASSERT_NEAR(got[i], want.data()[i], 1e-4 * (1 + std::abs(want.data()[i])));
    const xg::Tensor dy = xg::randn(y.shape());
    y.backward(dy);
    xg::Tensor x64 = x0.to(xg::kFloat64).detach().requires_grad_(), w64 = w0.to(xg::kFloat64).detach().requires_grad_();
    xg::conv2d(x64, w64, b0.to(xg::kFloat64), 2, 1).backward(dy.to(xg::kFloat64));
    for (const auto& [g32, g64] : {std::pair{x.grad(), x64.grad()}, std::pair{w.grad(), w64.grad()}}) {
      const auto a = values(g32), b = values(g64);
      for (std::size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-3 * (1 + std::abs(b[i])));
    }
  }
}

TEST(Conv2d, GradientsOnlyWhereRequested) {
  // A frozen weight keeps no columns for dW, yet dX is still right; a frozen input gets none.
  xg::manual_seed(24);
  xg::Tensor x = leaf({1, 2, 5, 5});
  const xg::Tensor w = xg::randn({3, 2, 3, 3}, xg::kFloat64);
  expect_gradcheck([&](const auto& v) { return xg::conv2d(v[0], w, {}, 2, 1); }, {x});
  const xg::Tensor x0 = xg::randn({1, 2, 5, 5}, xg::kFloat64);
  xg::Tensor w1 = leaf({3, 2, 3, 3});
  xg::conv2d(x0, w1, {}, 1, 1).sum().backward();
  EXPECT_TRUE(w1.grad().defined());
  EXPECT_FALSE(x0.grad().defined());
}

TEST(Conv2d, Errors) {
  const xg::Tensor w = xg::zeros({4, 3, 3, 3});
  EXPECT_ERROR(xg::conv2d(xg::zeros({3, 8, 8}), w), "conv2d", "4-D input", "(3, 8, 8)", "unsqueeze(0)");
  EXPECT_ERROR(xg::conv2d(xg::zeros({1, 2, 8, 8}), w), "conv2d", "2 channels", "(4, 3, 3, 3)");
  EXPECT_ERROR(xg::conv2d(xg::zeros({1, 3, 8, 8}), xg::zeros({4, 3, 3})), "conv2d", "4-D weight", "(4, 3, 3)");
  EXPECT_ERROR(xg::conv2d(xg::zeros({1, 3, 8, 8}), w, xg::zeros({3})), "conv2d", "bias", "(3)", "(4)");
  EXPECT_ERROR(xg::conv2d(xg::zeros({1, 3, 2, 2}), w), "conv2d", "larger than the padded input (2, 2)");
  EXPECT_ERROR(xg::conv2d(xg::zeros({1, 3, 8, 8}), w, {}, 0), "conv2d", "stride must be positive", "(0, 0)");
  EXPECT_ERROR(xg::conv2d(xg::zeros({1, 3, 8, 8}), w, {}, 1, {0, -1}), "conv2d", "padding", "(0, -1)");
  EXPECT_ERROR(xg::conv2d(xg::zeros({1, 3, 8, 8}, xg::kFloat64), w), "conv2d", "dtype mismatch", "float64", "float32");
  EXPECT_ERROR(xg::conv2d(xg::zeros({1, 3, 8, 8}, xg::kInt64), xg::zeros({4, 3, 3, 3}, xg::kInt64)), "conv2d", "int64");
}

}  // namespace
