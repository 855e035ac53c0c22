// DistributedDataParallel: N ranks with batch B/N train exactly as one process with batch B, and
// every rank holds the same bits after every step.
#include <algorithm>
#include <cmath>

#include "helpers.hpp"

namespace {

xg::Tensor mse(const xg::Tensor& out, const xg::Tensor& target) { return (out - target).pow(2.0).mean(); }

// The largest |a - b| / |b| over every parameter element; with `per_tensor`, |b| is replaced by
// the tensor's largest |b| (float32, where an element near zero has few significant bits).
double max_relative_difference(const xg::nn::Module& a, const xg::nn::Module& b, bool per_tensor) {
  double worst = 0;
  const auto pa = a.parameters(), pb = b.parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) {
    const xg::Tensor x64 = pa[i].to(xg::kFloat64), y64 = pb[i].to(xg::kFloat64);
    const auto &x = x64.data<double>(), &y = y64.data<double>();
    double scale = 0;
    for (double v : y) scale = std::max(scale, std::abs(v));
    for (std::size_t k = 0; k < x.size(); ++k) {
      const double denominator = per_tensor ? scale : std::abs(y.data()[k]);
      worst = std::max(worst, std::abs(x.data()[k] - y.data()[k]) / std::max(denominator, 1e-300));
    }
  }
  return worst;
}

double max_relative_difference_of_grads(const xg::nn::Module& a, const xg::nn::Module& b) {
  double worst = 0;
  const auto pa = a.parameters(), pb = b.parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) {
    const auto &x = pa[i].grad().data<double>(), &y = pb[i].grad().data<double>();
    for (std::size_t k = 0; k < x.size(); ++k)
      worst = std::max(worst, std::abs(x.data()[k] - y.data()[k]) / std::max(std::abs(y.data()[k]), 1e-300));
  }
  return worst;
}

// Trains `steps` SGD steps with batch B: the reference in this process on the whole batch, the
// DDP model on this rank's B/N rows of it. Returns the largest relative difference at the end.
double train_both(xg::Dtype dtype, int steps, double bucket_cap_mb, std::size_t* buckets) {
  const int w = xd::world_size(), r = xd::rank();
  const std::int64_t B = 8 * w, local = B / w;
  xg::manual_seed(100);  // the same data on every rank
  xg::Tensor X = xg::randn({std::size_t(steps * B), 6}, dtype), Y = xg::randn({std::size_t(steps * B), 3}, dtype);

  auto reference = make_mlp(0, dtype), model = make_mlp(0, dtype);
  xd::DistributedDataParallel ddp(model, {.bucket_cap_mb = bucket_cap_mb});
  *buckets = ddp.bucket_count();
  xg::optim::SGD ref_opt(reference->parameters(), {.lr = 0.05, .momentum = 0.9});
  xg::optim::SGD opt(model->parameters(), {.lr = 0.05, .momentum = 0.9});
  for (int s = 0; s < steps; ++s) {
    const std::int64_t begin = s * B;
    ref_opt.zero_grad();
    mse(reference->forward(X.slice(0, begin, begin + B)), Y.slice(0, begin, begin + B)).backward();
    ref_opt.step();

    const std::int64_t mine = begin + r * local;
    opt.zero_grad();
    mse(ddp.forward(X.slice(0, mine, mine + local)), Y.slice(0, mine, mine + local)).backward();
    opt.step();  // backward() has left the ranks' mean gradient in grad()
    EXPECT_TRUE(identical_across_ranks(*model)) << "after step " << s;
  }
  return max_relative_difference(*model, *reference, dtype == xg::kFloat32);
}

TEST(DistributedDataParallel, Float64MlpMatchesOneProcessWithTheWholeBatch) {
  std::size_t buckets = 0;
  const double diff = train_both(xg::kFloat64, 50, 1.0, &buckets);
  EXPECT_EQ(buckets, 1u);  // the whole 0.5 kB model fits one 1 MiB bucket
  EXPECT_LE(diff, 1e-10);
  if (xd::world_size() == 1) {
    EXPECT_EQ(diff, 0.0);  // world size 1 is the single process exactly
  }
}

TEST(DistributedDataParallel, ManySmallBucketsGiveTheSameTraining) {
  // 200 bytes per bucket: fc2.bias, fc2.weight, fc1.bias and fc1.weight each get their own (fc2's
  // weight and bias together exceed it), started one by one during backward.
  std::size_t buckets = 0;
  const double diff = train_both(xg::kFloat64, 50, 200.0 / (1024 * 1024), &buckets);
  EXPECT_EQ(buckets, 4u);
  EXPECT_LE(diff, 1e-10);
}

TEST(DistributedDataParallel, Float32Too) {
  // Relative to each tensor's largest value: float32 rounding, not exactness, sets this bound.
  std::size_t buckets = 0;
  EXPECT_LE(train_both(xg::kFloat32, 20, 1.0, &buckets), 1e-5);
}

TEST(DistributedDataParallel, BucketsHoldTheLastLayersFirst) {
  auto model = make_mlp(0, xg::kFloat64);
  xd::DistributedDataParallel ddp(model, {.bucket_cap_mb = 200.0 / (1024 * 1024)});
  ASSERT_EQ(ddp.bucket_count(), 4u);
  EXPECT_EQ(ddp.bucket_parameters(0), (std::vector<std::string>{"fc2.bias"}));
  EXPECT_EQ(ddp.bucket_parameters(3), (std::vector<std::string>{"fc1.weight"}));
}

TEST(DistributedDataParallel, AParameterNoBackwardReachedGetsTheMeanOfZeros) {
  // fc1 gets no gradient on any rank (the loss uses only fc2); finish() must not wait forever.
  auto model = make_mlp(0, xg::kFloat64);
  xd::DistributedDataParallel ddp(model);
  xg::Tensor h = xg::full({2, 16}, 1.0 + xd::rank(), xg::kFloat64);
  model->fc2->forward(h).sum().backward();
  ddp.finish();
  ASSERT_TRUE(model->fc1->weight.grad().defined());
  EXPECT_EQ(model->fc1->weight.grad().data<double>()(0, 0), 0.0);
  // d sum(h W^T + b)/dW[i][j] = Σ_rows h = 2 (1 + rank); averaged over ranks: 2 + (W - 1).
  EXPECT_DOUBLE_EQ(model->fc2->weight.grad().data<double>()(0, 0), 2.0 + (xd::world_size() - 1));
  EXPECT_TRUE(identical_across_ranks(*model));
}

TEST(DistributedDataParallel, BackwardReturnsTheMeanAndAccumulatesLikeOneProcess) {
  // Every parameter reached: backward() itself leaves the mean in grad(), no finish() needed.
  // f = sum(fc2(tanh(fc1(x)))) on x = (1 + rank) · ones: the gradient is the mean of the ranks'.
  auto model = make_mlp(0, xg::kFloat64), single = make_mlp(0, xg::kFloat64);
  xd::DistributedDataParallel ddp(model);
  const int w = xd::world_size();
  for (int pass = 0; pass < 2; ++pass) {  // the second backward accumulates onto the first
    model->forward(xg::full({2, 6}, 1.0 + xd::rank(), xg::kFloat64)).sum().backward();
    for (int r = 0; r < w; ++r) (single->forward(xg::full({2, 6}, 1.0 + r, xg::kFloat64)).sum() * (1.0 / w)).backward();
  }
  EXPECT_LE(max_relative_difference_of_grads(*model, *single), 1e-12);
  EXPECT_TRUE(identical_across_ranks(*model));
}

TEST(DistributedDataParallel, ABackwardThatMissedAParameterNeedsFinish) {
  auto model = make_mlp(0, xg::kFloat64);
  xd::DistributedDataParallel ddp(model);
  xg::Tensor h = xg::ones({2, 16}, xg::kFloat64);
  model->fc2->forward(h).sum().backward();  // fc1 not reached: its bucket waits
  EXPECT_ERROR(model->fc2->forward(h).sum().backward(), "DistributedDataParallel", "parameter 'fc2.",
               "did not reach every parameter", "ddp.finish()");
  ddp.finish();
  ddp.finish();  // nothing pending: does nothing
  EXPECT_TRUE(identical_across_ranks(*model));
}

}  // namespace
