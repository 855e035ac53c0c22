// detail::gemm (core/detail/gemm.hpp) on products large enough to be split over xgrad's workers: every
// layout, float and double, leading dimensions wider than the matrices, beta 0 and 0.5, split by
// rows and by columns at sizes that are not multiples of the 64-line blocks; 1, 2 and 3 threads,
// each against a reference accumulated in long double on the rows around every block edge and a
// sample of the rest. (Thread counts may differ in the last bits, as with OpenBLAS's own threads:
// its summation blocks follow the shape of each call.)
//
// Tolerance per element: (k + 2) eps (Σ_p |a_ip b_pj| + |beta c_ij|), the rounding bound of a sum
// of k products; a block multiplied twice, skipped or shifted by a line is off by far more.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "xgrad/core/detail/blas_threads.hpp"
#include "xgrad/core/detail/gemm.hpp"

namespace {

struct Case {
  std::size_t m, n, k;
};
// m n k >= 4 Mi (4.2 million), so that gemm splits them (worth_blas_threads): by rows, then by columns.
constexpr Case kCases[] = {{520, 300, 450}, {200, 700, 512}};

template <class T>
struct Problem {
  bool ta, tb;
  std::size_t m, n, k, lda, ldb, ldc;
  std::vector<T> a, b, c0;
  T beta;

  Problem(bool ta_, bool tb_, Case s, T beta_, unsigned seed) : ta(ta_), tb(tb_), m(s.m), n(s.n), k(s.k), beta(beta_) {
    // Wider than dense by a few entries, which gemm must skip.
    lda = (ta ? m : k) + 3;
    ldb = (tb ? k : n) + 5;
    ldc = n + 2;
    std::mt19937 gen(seed);
    std::uniform_real_distribution<T> u(-1, 1);
    auto fill = [&](std::vector<T>& v, std::size_t size) {
      v.resize(size);
      for (T& x : v) x = u(gen);
    };
    fill(a, (ta ? k : m) * lda);
    fill(b, (tb ? n : k) * ldb);
    fill(c0, m * ldc);
  }
  T at(std::size_t i, std::size_t p) const { return ta ? a[p * lda + i] : a[i * lda + p]; }
  T bt(std::size_t p, std::size_t j) const { return tb ? b[j * ldb + p] : b[p * ldb + j]; }

  std::vector<T> run(int threads) const {
    openblas_set_num_threads(threads);
    std::vector<T> c = c0;
    xgrad::detail::gemm(ta, tb, m, n, k, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
    EXPECT_EQ(openblas_get_num_threads(), threads) << "gemm must leave OpenBLAS's thread count as it was";
    return c;
  }
};

template <class T>
void check(bool ta, bool tb, Case s, T beta) {
  ASSERT_TRUE(xgrad::detail::worth_blas_threads(double(s.m), double(s.n), double(s.k))) << "too small to be split";
  const int saved = openblas_get_num_threads();
  const Problem<T> p(ta, tb, s, beta, unsigned(s.m * 7 + ta * 2 + tb));
  // Rows (or columns) next to a multiple of 64 hold the block edges of every thread count.
  auto checked = [](std::size_t i) { return i % 29 == 0 || i % 64 <= 1 || i % 64 >= 62; };
  struct Want {
    std::size_t i, j;
    long double exact, bound;
  };
  std::vector<Want> want;
  for (std::size_t i = 0; i < p.m; ++i)
    for (std::size_t j = 0; j < p.n; ++j) {
      if (!checked(i) && !checked(j)) continue;
      long double exact = (long double)beta * p.c0[i * p.ldc + j];
      long double magnitude = std::abs(exact);
      for (std::size_t q = 0; q < p.k; ++q) {
        exact += (long double)p.at(i, q) * p.bt(q, j);
        magnitude += std::abs((long double)p.at(i, q) * p.bt(q, j));
      }
      want.push_back({i, j, exact, (p.k + 2) * std::numeric_limits<T>::epsilon() * magnitude});
    }
  for (int threads : {1, 2, 3}) {
    SCOPED_TRACE(testing::Message() << threads << " threads");
    const std::vector<T> c = p.run(threads);
    for (const Want& w : want)
      ASSERT_LE(std::abs(c[w.i * p.ldc + w.j] - w.exact), w.bound) << "at (" << w.i << ", " << w.j << ")";
    for (std::size_t i = 0; i < p.m; ++i)  // the padding of C is left alone
      for (std::size_t j = p.n; j < p.ldc; ++j) ASSERT_EQ(c[i * p.ldc + j], p.c0[i * p.ldc + j]);
  }
  openblas_set_num_threads(saved);
}

TEST(Gemm, SplitOverThreadsAgreesWithTheDefinition) {
  if (openblas_get_parallel() != 1) GTEST_SKIP() << "OpenBLAS is not the pthreads build: gemm never splits";
  for (const Case& s : kCases)
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        SCOPED_TRACE(testing::Message() << "m " << s.m << " n " << s.n << " k " << s.k << (ta ? " At" : " A")
                                        << (tb ? " Bt" : " B"));
        check<float>(ta, tb, s, 0.0f);
        check<double>(ta, tb, s, 0.5);
      }
}

}  // namespace
