// Where splitting a mid-size product over xgrad's two workers starts to pay (issue 21): for each
// shape, one single-threaded OpenBLAS call against the same product cut into two blocks of whole
// 64-line rows or columns of C, run on detail::run_workers as detail::gemm's blas_split does.
// The two are timed alternately, in rounds, so a change in the machine's load weighs on both.
//
//   bench_gemm_split [--rounds R] [--seconds S]      prints one line per shape: medians in us, ratio
//
// Shapes: W3's two 784-wide products (batch 128, hidden 256), their sizes scaled up and down, and
// squares, from 1 Mi to 128 Mi multiply-adds.
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "xgrad/core/detail/blas_threads.hpp"
#include "xgrad/core/detail/parallel.hpp"

namespace {

struct Shape {
  const char* what;
  bool ta, tb;
  int m, n, k;
};

void one(const Shape& s, const float* a, const float* b, float* c) {
  const int lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
  cblas_sgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans, s.tb ? CblasTrans : CblasNoTrans, s.m, s.n, s.k, 1.0f, a,
              lda, b, ldb, 0.0f, c, s.n);
}

// blas_split's cut for two threads: along C's longer side, blocks of whole 64-float lines.
void split(const Shape& s, const float* a, const float* b, float* c) {
  const int lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
  const bool by_rows = s.m >= s.n;
  const std::size_t lines = std::size_t(by_rows ? s.m : s.n), units = (lines + 63) / 64;
  xgrad::detail::run_workers(2, [&](std::size_t t) {
    const std::size_t first = std::min(lines, units * t / 2 * 64), last = std::min(lines, units * (t + 1) / 2 * 64);
    if (first == last) return;
    const int len = int(last - first);
    const auto ta = s.ta ? CblasTrans : CblasNoTrans, tb = s.tb ? CblasTrans : CblasNoTrans;
    if (by_rows)
      cblas_sgemm(CblasRowMajor, ta, tb, len, s.n, s.k, 1.0f, s.ta ? a + first : a + first * lda, lda, b, ldb, 0.0f,
                  c + first * s.n, s.n);
    else
      cblas_sgemm(CblasRowMajor, ta, tb, s.m, len, s.k, 1.0f, a, lda, s.tb ? b + first * ldb : b + first, ldb, 0.0f,
                  c + first, s.n);
  });
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 15;
  double seconds = 0.05;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--rounds"))
      rounds = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seconds"))
      seconds = std::atof(argv[i + 1]);
  }
  openblas_set_num_threads(2);  // xgrad's thread count: the pool has two workers
  if (xgrad::detail::thread_count() < 2) {
    std::fprintf(stderr, "bench_gemm_split: needs OpenBLAS's pthreads build and 2 threads\n");
    return 1;
  }
  const xgrad::detail::SingleThreadedBlas single;  // each block single-threaded, as in blas_split
  const Shape shapes[] = {
      {"W3 fc1 forward (128x784)(784x256)", false, true, 128, 256, 784},
      {"W3 fc1 dW (256x128)(128x784)", true, false, 256, 784, 128},
      {"W3 batch 64 forward", false, true, 64, 256, 784},
      {"W3 batch 256 forward", false, true, 256, 256, 784},
      {"W3 batch 256 dW", true, false, 256, 784, 256},
      {"W3 batch 32 forward", false, true, 32, 256, 784},
      {"square 100", false, false, 100, 100, 100},
      {"square 128", false, false, 128, 128, 128},
      {"square 160", false, false, 160, 160, 160},
      {"square 256", false, false, 256, 256, 256},
      {"square 320", false, false, 320, 320, 320},
      {"square 400", false, false, 400, 400, 400},
      {"square 512", false, false, 512, 512, 512},
  };
  std::mt19937 gen(0);
  std::uniform_real_distribution<float> u(-1, 1);
  std::printf("| shape | M multiply-adds | 1 thread us | split over 2 us | 1T / split |\n|---|---|---|---|---|\n");
  for (const Shape& s : shapes) {
    std::vector<float> a(std::size_t(s.m) * s.k), b(std::size_t(s.k) * s.n), c(std::size_t(s.m) * s.n);
    for (float& x : a) x = u(gen);
    for (float& x : b) x = u(gen);
    auto time = [&](auto f) {
      using Clock = std::chrono::steady_clock;
      const auto start = Clock::now();
      std::size_t count = 0;
      double elapsed = 0;
      do {
        f(s, a.data(), b.data(), c.data());
        ++count;
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      } while (elapsed < seconds);
      return elapsed / double(count) * 1e6;
    };
    time(one), time(split);  // warm-up
    std::vector<double> t1, t2;
    for (int r = 0; r < rounds; ++r) {
      t1.push_back(time(one));
      t2.push_back(time(split));
    }
    const double mac = double(s.m) * s.n * s.k / 1e6;
    std::printf("| %s | %.1f | %.1f | %.1f | %.2f |\n", s.what, mac, median(t1), median(t2), median(t1) / median(t2));
    std::fflush(stdout);
  }
  return 0;
}
