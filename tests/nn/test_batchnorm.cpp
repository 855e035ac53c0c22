#include <limits>
#include <string>

#include "helpers.hpp"

namespace nn = xg::nn;

namespace {

// Per-channel mean and biased variance of a float64 (N, C, ...) tensor.
std::pair<std::vector<double>, std::vector<double>> channel_stats(const xg::Tensor& x) {
  const xg::Shape s = x.shape();
  const std::size_t c = s[1], inner = x.numel() / (s[0] * c);
  std::vector<double> mean(c, 0), var(c, 0);
  const double* p = x.data<double>().data();
  const double n = double(s[0] * inner);
  for (std::size_t i = 0; i < s[0]; ++i)
    for (std::size_t ch = 0; ch < c; ++ch)
      for (std::size_t k = 0; k < inner; ++k) mean[ch] += p[(i * c + ch) * inner + k] / n;
  for (std::size_t i = 0; i < s[0]; ++i)
    for (std::size_t ch = 0; ch < c; ++ch)
      for (std::size_t k = 0; k < inner; ++k) {
        const double d = p[(i * c + ch) * inner + k] - mean[ch];
        var[ch] += d * d / n;
      }
  return {mean, var};
}

// Non-trivial affine parameters, so their gradients are exercised.
void randomize_affine(nn::BatchNorm& bn) {
  bn.weight.data<double>() = xg::rand(bn.weight.shape(), xg::kFloat64).data<double>() + 0.5;
  bn.bias.data<double>() = xg::randn(bn.bias.shape(), xg::kFloat64).data<double>();
}

TEST(BatchNorm, GradcheckTrainAndEval) {
  xg::manual_seed(91);
  nn::BatchNorm2d bn2(3);
  nn::BatchNorm1d bn1(4);
  for (nn::BatchNorm* bn : {static_cast<nn::BatchNorm*>(&bn2), static_cast<nn::BatchNorm*>(&bn1)}) {
    bn->to(xg::kFloat64);
    randomize_affine(*bn);
    bn->running_var.data<double>() = xg::rand({bn->num_features}, xg::kFloat64).data<double>() + 0.5;
  }
  for (bool training : {true, false}) {
    bn2.train(training);
    bn1.train(training);
    expect_module_gradcheck(bn2, leaf({3, 3, 2, 3}), {&bn2.weight, &bn2.bias});
    expect_module_gradcheck(bn1, leaf({5, 4}), {&bn1.weight, &bn1.bias});
    expect_module_gradcheck(bn1, leaf({3, 4, 2}), {&bn1.weight, &bn1.bias});
  }
}

TEST(BatchNorm, TrainingNormalizesWithBatchStatistics) {
  xg::manual_seed(92);
  nn::BatchNorm2d bn(3);
  bn.to(xg::kFloat64);
  const xg::Tensor x = xg::randn({4, 3, 5, 5}, xg::kFloat64) * 3.0 + 2.0;
  const auto [mean, var] = channel_stats(bn.forward(x));
  for (std::size_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(mean[c], 0.0, 1e-12);
    EXPECT_NEAR(var[c], 1.0, 1e-4);  // var / (var + eps)
  }
}

TEST(BatchNorm, RunningStatisticsFollowPyTorch) {
  // One step with momentum 0.1 from (0, 1): running_mean = 0.1 mean,
  // running_var = 0.9 + 0.1 var n / (n - 1), n = 4 * 2 * 2 = 16 values per channel.
  xg::manual_seed(93);
  nn::BatchNorm2d bn(2);
  bn.to(xg::kFloat64);
  const xg::Tensor x = xg::randn({4, 2, 2, 2}, xg::kFloat64);
  bn.forward(x);
  const auto [mean, var] = channel_stats(x);
  for (std::size_t c = 0; c < 2; ++c) {
    EXPECT_NEAR(bn.running_mean.data<double>()(c), 0.1 * mean[c], 1e-15);
    EXPECT_NEAR(bn.running_var.data<double>()(c), 0.9 + 0.1 * var[c] * 16.0 / 15.0, 1e-15);
  }
  EXPECT_EQ(bn.num_batches_tracked.item(), 1.0);
}

TEST(BatchNorm, CumulativeAverageWithoutMomentum) {
  // momentum = nullopt: after k batches the running mean is the plain mean of the k batch means.
  xg::manual_seed(94);
  nn::BatchNorm1d bn(3, {.momentum = std::nullopt});
  bn.to(xg::kFloat64);
  std::vector<double> sum(3, 0);
  for (int k = 0; k < 3; ++k) {
    const xg::Tensor x = xg::randn({6, 3}, xg::kFloat64);
    bn.forward(x);
    const auto stats = channel_stats(x);
    for (std::size_t c = 0; c < 3; ++c) sum[c] += stats.first[c];
  }
  for (std::size_t c = 0; c < 3; ++c) EXPECT_NEAR(bn.running_mean.data<double>()(c), sum[c] / 3, 1e-15);
}

TEST(BatchNorm, EvalUsesRunningStatistics) {
  nn::BatchNorm1d bn(2);
  bn.to(xg::kFloat64);
  bn.load_state_dict({{"weight", xg::tensor({2.0, 1.0}, xg::kFloat64)},
                      {"bias", xg::tensor({0.0, 1.0}, xg::kFloat64)},
                      {"running_mean", xg::tensor({1.0, -1.0}, xg::kFloat64)},
                      {"running_var", xg::tensor({4.0, 0.25}, xg::kFloat64)},
                      {"num_batches_tracked", xg::scalar(7)}});
  bn.eval();
  // y = (x - rm) / sqrt(rv + eps) w + b; for x = (3, 0): (2/2) 2 + 0 = 2 and (1/0.5) 1 + 1 = 3.
  const auto y = values(bn.forward(xg::tensor({{3.0, 0.0}}, xg::kFloat64)));
  EXPECT_NEAR(y[0], 2.0, 1e-5);
  EXPECT_NEAR(y[1], 3.0, 1e-4);
  EXPECT_EQ(bn.num_batches_tracked.item(), 7.0);  // eval counts nothing
}

// num_batches_tracked comes back from checkpoints: at 2^63 - 1 the next training step overflowed
// it (found by fuzz_checkpoint_content under UBSan), and a negative one gave momentum None a
// division by zero. Both are refused, naming the count; eval mode, which counts nothing, runs.
TEST(BatchNorm, RefusesACountItCannotIncrement) {
  for (const std::int64_t tracked : {std::numeric_limits<std::int64_t>::max(), std::int64_t(-1)}) {
    nn::BatchNorm1d bn(2);
    xg::StateDict sd = bn.state_dict();
    sd["num_batches_tracked"] = xg::scalar(tracked);
    bn.load_state_dict(sd);
    const xg::Tensor x = xg::tensor({{3.0, 0.0}, {1.0, 2.0}});
    const std::string count = "num_batches_tracked is " + std::to_string(tracked);
    EXPECT_ERROR(bn.forward(x), "BatchNorm1d", count.c_str(), "it must be in [0, 2^63 - 1)");
    EXPECT_EQ(bn.num_batches_tracked.item(), double(tracked));
    bn.eval();
    EXPECT_NO_THROW(bn.forward(x));
  }
}

TEST(BatchNorm, OptionsShapeTheState) {
  nn::BatchNorm2d plain(4, {.affine = false, .track_running_stats = false});
  EXPECT_TRUE(plain.parameters().empty());
  EXPECT_TRUE(plain.buffers().empty());
  plain.eval();  // no running statistics: eval normalizes with the batch's, like PyTorch
  const auto [mean, var] = channel_stats(plain.forward(xg::randn({3, 4, 2, 2}, xg::kFloat64)).to(xg::kFloat64));
  EXPECT_NEAR(mean[0], 0.0, 1e-6);
  nn::BatchNorm2d bn(4, {.momentum = 0.01, .eps = 1e-3});
  EXPECT_EQ(bn.options.eps, 1e-3);
  EXPECT_EQ(bn.parameters().size(), 2u);
  EXPECT_EQ(bn.buffers().size(), 3u);
  EXPECT_EQ(bn.num_batches_tracked.dtype(), xg::kInt64);
}

TEST(BatchNorm, Errors) {
  nn::BatchNorm2d bn(3);
  EXPECT_ERROR(bn.forward(xg::zeros({2, 3, 4})), "BatchNorm2d", "4-D input", "(2, 3, 4)");
  EXPECT_ERROR(bn.forward(xg::zeros({2, 4, 2, 2})), "BatchNorm2d", "4 channels", "num_features is 3");
  EXPECT_ERROR(bn.forward(xg::zeros({1, 3, 1, 1})), "BatchNorm2d", "more than 1 value per channel", "(1, 3, 1, 1)");
  EXPECT_ERROR(bn.forward(xg::zeros({2, 3, 2, 2}, xg::kFloat64)), "BatchNorm2d", "float64", "float32");
  nn::BatchNorm1d bn1(3);
  EXPECT_ERROR(bn1.forward(xg::zeros({2, 3, 4, 5})), "BatchNorm1d", "2-D or 3-D input", "(2, 3, 4, 5)");
  EXPECT_ERROR(nn::BatchNorm1d(0), "BatchNorm1d", "num_features must be positive");
  EXPECT_ERROR(nn::BatchNorm2d(3, {.momentum = 1.5}), "BatchNorm2d", "momentum", "1.5");
  bn.eval();
  EXPECT_EQ(bn.forward(xg::zeros({1, 3, 1, 1})).shape(), (xg::Shape{1, 3, 1, 1}));  // fine in eval
}

}  // namespace
