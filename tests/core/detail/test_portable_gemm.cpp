// The portable gemm (core/detail/portable_gemm.hpp), which every product of an XGRAD_BLAS=OFF
// build (the WebAssembly one) runs, called directly so that a normal build tests it: every
// transpose, float and double, leading dimensions wider than the matrices (their padding NaN, so
// a read past a row shows), beta 0 (C NaN beforehand: never read), 1 and 0.5, shapes around the
// register tile (4 rows by 8 float / 4 double columns) and past the cache blocks (64 rows, 256
// columns, 256 of k), each against a reference accumulated in long double and against OpenBLAS.
//
// Tolerance per element: (k + 2) eps (Σ_p |a_ip b_pj| + |beta c_ij|), the rounding bound of a sum
// of k products in any order (the same as tests/core/detail/test_gemm.cpp); the two libraries sum
// in different orders, so they may each be that far from the exact value, twice that from each
// other. A product dropped, counted twice or shifted by a row is off by about 1/k of the magnitude
// and fails it. Small integers (|a|, |b| <= 4, k <= 600) make every partial sum exact: then the
// portable gemm, OpenBLAS and the exact value agree bit for bit.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "xgrad/core/detail/blas_config.hpp"
#include "xgrad/core/detail/portable_gemm.hpp"

#if XGRAD_BLAS
#include <cblas.h>
#endif

namespace {

using xgrad::detail::portable_gemm;

struct Shape {
  std::size_t m, n, k;
};
// Around the register tile and its edges, one dimension 1, and past each cache block (m 64,
// n 256, k 256) by a ragged amount.
constexpr Shape kShapes[] = {{1, 1, 1},   {1, 9, 3},   {5, 1, 7},     {4, 8, 16},     {7, 13, 5},
                             {3, 5, 300}, {65, 9, 31}, {33, 257, 17}, {70, 260, 300}, {66, 40, 257}};

template <class T>
struct Problem {
  bool ta, tb;
  std::size_t m, n, k, lda, ldb, ldc;
  std::vector<T> a, b, c0;
  T beta;

  // Entries uniform in [-1, 1], or integers in [-4, 4].
  Problem(bool ta_, bool tb_, Shape s, T beta_, bool integers, unsigned seed)
      : ta(ta_), tb(tb_), m(s.m), n(s.n), k(s.k), beta(beta_) {
    lda = (ta ? m : k) + 3;
    ldb = (tb ? k : n) + 2;
    ldc = n + 5;
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> u(-1, 1);
    std::uniform_int_distribution<int> small(-4, 4);
    const T nan = std::numeric_limits<T>::quiet_NaN();
    // Row-major storage of `rows` rows of `cols` values, each row padded with NaN to `ld`.
    auto fill = [&](std::vector<T>& v, std::size_t rows, std::size_t cols, std::size_t ld) {
      v.assign(rows * ld, nan);
      for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) v[r * ld + c] = integers ? T(small(gen)) : T(u(gen));
    };
    fill(a, ta ? k : m, ta ? m : k, lda);
    fill(b, tb ? n : k, tb ? k : n, ldb);
    fill(c0, m, n, ldc);
    if (beta == T(0))  // beta 0: C is written, never read
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) c0[i * ldc + j] = nan;
  }
  T a_at(std::size_t i, std::size_t p) const { return ta ? a[p * lda + i] : a[i * lda + p]; }
  T b_at(std::size_t p, std::size_t j) const { return tb ? b[j * ldb + p] : b[p * ldb + j]; }

  std::vector<T> portable() const {
    std::vector<T> c = c0;
    portable_gemm(ta, tb, m, n, k, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
    return c;
  }
#if XGRAD_BLAS
  std::vector<T> openblas() const {
    std::vector<T> c = c0;
    const auto op = [](bool t) { return t ? CblasTrans : CblasNoTrans; };
    if constexpr (std::is_same_v<T, float>)
      cblas_sgemm(CblasRowMajor, op(ta), op(tb), int(m), int(n), int(k), 1.0f, a.data(), int(lda), b.data(), int(ldb),
                  beta, c.data(), int(ldc));
    else
      cblas_dgemm(CblasRowMajor, op(ta), op(tb), int(m), int(n), int(k), 1.0, a.data(), int(lda), b.data(), int(ldb),
                  beta, c.data(), int(ldc));
    return c;
  }
#endif
  // The exact value (up to long double's rounding, far below T's) and its error scale.
  void exact(std::size_t i, std::size_t j, long double& value, long double& scale) const {
    value = 0;
    scale = 0;
    for (std::size_t p = 0; p < k; ++p) {
      const long double prod = (long double)a_at(i, p) * b_at(p, j);
      value += prod;
      scale += std::fabs(prod);
    }
    if (beta != T(0)) {
      value += (long double)beta * c0[i * ldc + j];
      scale += std::fabs((long double)beta * c0[i * ldc + j]);
    }
  }
  std::string name() const {
    return std::string(sizeof(T) == 4 ? "float" : "double") + (ta ? " At" : " A") + (tb ? " Bt" : " B") + " m " +
           std::to_string(m) + " n " + std::to_string(n) + " k " + std::to_string(k) + " beta " + std::to_string(beta);
  }
};

// Checks C against the exact values (within `bound_factor` times the bound, bit for bit when
// `exact_bits`); the padding past n in each row of C must be untouched.
template <class T>
void expect_close(const Problem<T>& p, const std::vector<long double>& value, const std::vector<long double>& scale,
                  const std::vector<T>& c, const char* who, long double bound_factor, bool exact_bits) {
  const long double eps = std::numeric_limits<T>::epsilon();
  int reported = 0;
  for (std::size_t i = 0; i < p.m; ++i) {
    for (std::size_t j = 0; j < p.n; ++j) {
      const T got = c[i * p.ldc + j];
      const long double want = value[i * p.n + j];
      const long double bound = exact_bits ? 0 : bound_factor * (p.k + 2) * eps * scale[i * p.n + j];
      if (!(std::fabs((long double)got - want) <= bound) && reported++ < 3)
        ADD_FAILURE() << who << ", " << p.name() << ": C(" << i << ", " << j << ") = " << got << ", want "
                      << (double)want << " within " << (double)bound;
    }
    for (std::size_t j = p.n; j < p.ldc; ++j)
      if (!std::isnan(c[i * p.ldc + j]) && reported++ < 3)
        ADD_FAILURE() << who << ", " << p.name() << ": wrote C(" << i << ", " << j << ") past n";
  }
}

template <class T>
void check_all(bool integers) {
  unsigned seed = 1;
  for (const Shape& s : kShapes)
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (T beta : {T(0), T(1), T(0.5)}) {
          const Problem<T> p(ta, tb, s, beta, integers, seed++);
          std::vector<long double> value(p.m * p.n), scale(p.m * p.n);
          for (std::size_t i = 0; i < p.m; ++i)
            for (std::size_t j = 0; j < p.n; ++j) p.exact(i, j, value[i * p.n + j], scale[i * p.n + j]);
          // Small integers: every partial sum is exact, so the result is the exact value.
          expect_close(p, value, scale, p.portable(), "portable", 1, integers);
#if XGRAD_BLAS
          // OpenBLAS under the same bound, and so within twice it of the portable gemm; the same
          // bits on small integers.
          const std::vector<T> mine = p.portable(), blas = p.openblas();
          expect_close(p, value, scale, blas, "OpenBLAS", 1, integers);
          std::vector<long double> theirs(p.m * p.n);
          for (std::size_t i = 0; i < p.m; ++i)
            for (std::size_t j = 0; j < p.n; ++j) theirs[i * p.n + j] = blas[i * p.ldc + j];
          expect_close(p, theirs, scale, mine, "portable against OpenBLAS", 2, integers);
#endif
        }
}

TEST(PortableGemm, FloatAgainstExactAndOpenBlas) { check_all<float>(false); }
TEST(PortableGemm, DoubleAgainstExactAndOpenBlas) { check_all<double>(false); }
TEST(PortableGemm, SmallIntegersExactlyFloat) { check_all<float>(true); }
TEST(PortableGemm, SmallIntegersExactlyDouble) { check_all<double>(true); }

// k = 0: C = beta C, and beta 0 clears C even where it held NaN (as cblas does); m or n = 0 writes
// nothing.
TEST(PortableGemm, EmptyProducts) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> c = {nan, 2, 3, 4};
  portable_gemm(false, false, 2, 2, 0, nullptr, 1, nullptr, 2, 0.0f, c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{0, 0, 0, 0}));
  c = {1, 2, 3, 4};
  portable_gemm(true, true, 2, 2, 0, nullptr, 2, nullptr, 1, 0.5f, c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{0.5f, 1, 1.5f, 2}));
  portable_gemm(false, false, 0, 2, 3, nullptr, 3, nullptr, 2, 0.0f, c.data(), 2);
  portable_gemm(false, false, 2, 0, 3, nullptr, 3, nullptr, 1, 0.0f, c.data(), 1);
  EXPECT_EQ(c, (std::vector<float>{0.5f, 1, 1.5f, 2}));
}

// The header's promise, on which gemm's split over threads relies for thread-count-independent
// results: each element is the same sum whatever block of rows or columns of C a call computes.
TEST(PortableGemm, BlocksOfRowsAndColumnsGiveTheSameBits) {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      const Problem<float> p(ta, tb, {150, 300, 600}, 0.5f, false, 42);
      const std::vector<float> whole = p.portable();
      std::vector<float> rows = p.c0, cols = p.c0;
      for (std::size_t r0 = 0; r0 < p.m; r0 += 37) {  // blocks of 37 rows: not multiples of the tile
        const std::size_t r = std::min<std::size_t>(37, p.m - r0);
        portable_gemm(ta, tb, r, p.n, p.k, ta ? p.a.data() + r0 : p.a.data() + r0 * p.lda, p.lda, p.b.data(), p.ldb,
                      p.beta, rows.data() + r0 * p.ldc, p.ldc);
      }
      for (std::size_t c0 = 0; c0 < p.n; c0 += 70) {
        const std::size_t w = std::min<std::size_t>(70, p.n - c0);
        portable_gemm(ta, tb, p.m, w, p.k, p.a.data(), p.lda, tb ? p.b.data() + c0 * p.ldb : p.b.data() + c0, p.ldb,
                      p.beta, cols.data() + c0, p.ldc);
      }
      for (std::size_t i = 0; i < p.m * p.ldc; ++i) {
        if (std::isnan(whole[i])) continue;  // the padding
        ASSERT_EQ(whole[i], rows[i]) << p.name() << " element " << i << " (rows)";
        ASSERT_EQ(whole[i], cols[i]) << p.name() << " element " << i << " (columns)";
      }
    }
}

}  // namespace
