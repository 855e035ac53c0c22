#include <cblas.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <vector>
#include <xgrad/core/detail/parallel.hpp>

#include "../helpers.hpp"

// detail::parallel_ranges spreads elementwise ops (SiLU) over the workers conv2d uses.
TEST(ParallelRanges, CoversEveryIndexOnce) {
  const int saved = openblas_get_num_threads();
  for (int threads : {1, 2, 3})
    for (std::size_t n : {std::size_t(0), std::size_t(5), std::size_t(1000), std::size_t(70001)}) {
      openblas_set_num_threads(threads);
      std::vector<std::atomic<int>> hits(n);
      xg::detail::parallel_ranges(n, 1000, [&](std::size_t begin, std::size_t end) {
        EXPECT_LE(begin, end);
        EXPECT_TRUE(begin % 64 == 0 || begin == n) << begin;
        for (std::size_t i = begin; i < end; ++i) hits[i].fetch_add(1);
      });
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << threads << " threads, n " << n << " at " << i;
    }
  openblas_set_num_threads(saved);
}

TEST(ParallelRanges, SiluSameBitsForAnyThreadCountAndRightValues) {
  // Large enough to be split; an odd size, so that the last SIMD batch is a padded one.
  const int saved = openblas_get_num_threads();
  xg::manual_seed(26);
  const xg::Tensor x0 = xg::randn({3, 40001}) * 4.0, dy = xg::randn({3, 40001});
  std::vector<double> y_1, dx_1;
  for (int threads : {1, 2}) {
    openblas_set_num_threads(threads);
    xg::Tensor x = x0.detach().requires_grad_();
    const xg::Tensor y = xg::silu(x);
    y.backward(dy);
    const auto y_now = values(y), dx_now = values(x.grad());
    if (threads == 1) {
      y_1 = y_now, dx_1 = dx_now;
      const auto xs = values(x0), gs = values(dy);
      for (std::size_t i = 0; i < xs.size(); ++i) {  // against float64 formulas
        const double s = 1.0 / (1.0 + std::exp(-xs[i]));
        ASSERT_NEAR(y_now[i], xs[i] * s, 1e-6 * std::max(1.0, std::abs(xs[i]))) << i;
        ASSERT_NEAR(dx_now[i], gs[i] * s * (1.0 + xs[i] * (1.0 - s)), 1e-6 * std::max(1.0, std::abs(gs[i] * xs[i])))
            << i;
      }
    }
    for (std::size_t i = 0; i < y_now.size(); ++i) {
      ASSERT_EQ(y_now[i], y_1[i]) << threads << " threads at " << i;
      ASSERT_EQ(dx_now[i], dx_1[i]) << threads << " threads at " << i;
    }
  }
  openblas_set_num_threads(saved);
}

// detail::run_workers: every piece once per call, whichever thread takes it, over many calls in a
// row (a worker waking late must not take a piece of the next call), and the first exception
// rethrown after every other piece ran.
TEST(RunWorkers, EveryPieceOnceInEveryCall) {
  const int saved = openblas_get_num_threads();
  for (int threads : {2, 3}) {
    openblas_set_num_threads(threads);
    for (int call = 0; call < 20000; ++call) {
      const std::size_t n = std::size_t(1 + call % threads);
      std::vector<std::atomic<int>> hits(n);
      xg::detail::run_workers(n, [&](std::size_t i) { hits.at(i).fetch_add(1); });
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << threads << " threads, call " << call;
    }
  }
  openblas_set_num_threads(saved);
}

TEST(RunWorkers, RethrowsAfterTheOtherPiecesRan) {
  const int saved = openblas_get_num_threads();
  openblas_set_num_threads(2);
  for (int call = 0; call < 200; ++call) {
    std::atomic<int> ran{0};
    EXPECT_THROW(xg::detail::run_workers(2,
                                         [&](std::size_t i) {
                                           if (i == std::size_t(call % 2)) throw std::runtime_error("piece");
                                           ran.fetch_add(1);
                                         }),
                 std::runtime_error);
    EXPECT_EQ(ran.load(), 1);
  }
  openblas_set_num_threads(saved);
}
