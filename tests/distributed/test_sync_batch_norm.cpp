// SyncBatchNorm on N ranks with B/N examples each computes what BatchNorm computes on the B
// examples in one process: outputs, input and parameter gradients, running statistics.
#include <cmath>

#include "helpers.hpp"

namespace {

void expect_close(const xg::Tensor& a, const xg::Tensor& b, double tol, const char* what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  const auto &x = a.data<double>(), &y = b.data<double>();
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x.data()[i], y.data()[i], tol) << what << " element " << i;
}

TEST(SyncBatchNorm, MatchesBatchNormOnTheGlobalBatch) {
  const int w = xd::world_size(), r = xd::rank();
  const std::int64_t B = 4 * w, local = B / w;
  xg::manual_seed(7);
  xg::Tensor X = xg::randn({std::size_t(B), 3, 2, 2}, xg::kFloat64) * 2.0 + 1.0;
  xg::Tensor C = xg::randn({std::size_t(B), 3, 2, 2}, xg::kFloat64);  // loss = Σ y · C

  xg::nn::BatchNorm2d reference(3);
  xd::SyncBatchNorm sync(3);
  reference.to(xg::kFloat64);
  sync.to(xg::kFloat64);
  for (int step = 0; step < 2; ++step) {  // twice, so the running statistics move twice
    reference.zero_grad();
    sync.zero_grad();
    xg::Tensor x = X.detach().requires_grad_();
    xg::Tensor y = reference.forward(x);
    (y * C).sum().backward();

    xg::Tensor mine = X.slice(0, r * local, (r + 1) * local).detach().requires_grad_();
    xg::Tensor y_mine = sync.forward(mine);
    (y_mine * C.slice(0, r * local, (r + 1) * local)).sum().backward();

    expect_close(y_mine, y.slice(0, r * local, (r + 1) * local).detach(), 1e-12, "output");
    expect_close(mine.grad(), x.grad().slice(0, r * local, (r + 1) * local), 1e-12, "input gradient");
    // The global loss is the sum of the ranks' losses: its weight gradient is the ranks' sum.
    xg::Tensor wg = sync.weight.grad().detach(), bg = sync.bias.grad().detach();
    xd::all_reduce(wg);
    xd::all_reduce(bg);
    expect_close(wg, reference.weight.grad(), 1e-11, "weight gradient");
    expect_close(bg, reference.bias.grad(), 1e-11, "bias gradient");
    expect_close(sync.running_mean, reference.running_mean, 1e-13, "running mean");
    expect_close(sync.running_var, reference.running_var, 1e-13, "running var");
  }
  EXPECT_EQ(sync.num_batches_tracked.data<std::int64_t>()(), 2);
  sync.eval();
  xg::Tensor probe = X.slice(0, 0, 2).detach();
  expect_close(sync.forward(probe), reference.eval().forward(probe), 1e-13, "eval mode");
}

}  // namespace
