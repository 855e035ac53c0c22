#include "xgrad/core/detail/gemm.hpp"

#include "xgrad/core/detail/blas_config.hpp"
#if XGRAD_BLAS
#include <cblas.h>
#endif

#include <algorithm>

#include "xgrad/core/detail/blas_threads.hpp"
#include "xgrad/core/detail/parallel.hpp"
#include "xgrad/core/detail/portable_gemm.hpp"
#include "xgrad/core/detail/small_gemm.hpp"

namespace xgrad::detail {

namespace {
#if XGRAD_BLAS
int ld(std::size_t d) { return int(std::max<std::size_t>(1, d)); }
CBLAS_TRANSPOSE op(bool t) { return t ? CblasTrans : CblasNoTrans; }

void blas(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
          const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  cblas_sgemm(CblasRowMajor, op(ta), op(tb), int(m), int(n), int(k), 1.0f, a, ld(lda), b, ld(ldb), beta, c, ld(ldc));
}
void blas(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const double* a, std::size_t lda,
          const double* b, std::size_t ldb, double beta, double* c, std::size_t ldc) {
  cblas_dgemm(CblasRowMajor, op(ta), op(tb), int(m), int(n), int(k), 1.0, a, ld(lda), b, ld(ldb), beta, c, ld(ldc));
}
#else
// No BLAS in this build (XGRAD_BLAS=OFF, e.g. WebAssembly): the portable kernel takes every product.
void blas(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
          const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  portable_gemm(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
}
void blas(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const double* a, std::size_t lda,
          const double* b, std::size_t ldb, double beta, double* c, std::size_t ldc) {
  portable_gemm(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
}
#endif

// A large product is split over xgrad's workers, each block a single-threaded OpenBLAS call, so
// that OpenBLAS's own threads never run and one pool does all of xgrad's parallel work. OpenBLAS's
// threads spin for a while after each call they share, on the cores our workers want: a silu over
// 2 Mi floats on 2 threads took 0.60-0.67 ms right after a threaded 1024^2 gemm, 0.43-0.45 ms
// after the same gemm split over our workers. The split is
// along C's longer side, in blocks of whole 64-float lines; each thread packs the other operand
// once. As with OpenBLAS's threads, the last bits of the result depend on the thread count (its
// summation blocks follow each call's shape); below worth_blas_threads they never do.
template <class T>
void blas_split(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const T* a, std::size_t lda, const T* b,
                std::size_t ldb, T beta, T* c, std::size_t ldc) {
  const std::size_t threads = worth_blas_threads(double(m), double(n), double(k)) ? thread_count() : 1;
  const SingleThreadedBlas single;
  if (threads <= 1) return blas(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
  const bool by_rows = m >= n;
  const std::size_t lines = (by_rows ? m : n), units = (lines + 63) / 64;
  run_workers(threads, [&](std::size_t t) {
    const std::size_t first = std::min(lines, units * t / threads * 64);
    const std::size_t last = std::min(lines, units * (t + 1) / threads * 64);
    if (first == last) return;
    if (by_rows)  // rows [first, last) of C: the same rows of op(A)
      blas(ta, tb, last - first, n, k, ta ? a + first : a + first * lda, lda, b, ldb, beta, c + first * ldc, ldc);
    else  // columns [first, last) of C: the same columns of op(B)
      blas(ta, tb, m, last - first, k, a, lda, tb ? b + first * ldb : b + first, ldb, beta, c + first, ldc);
  });
}
}  // namespace

void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
          const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  if (lda == (ta ? m : k) && ldb == (tb ? k : n) && ldc == n && small_gemm_wins(ta, tb, m, n, k))
    return small_sgemm(ta, tb, m, n, k, a, b, beta, c);
  blas_split(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const double* a, std::size_t lda,
          const double* b, std::size_t ldb, double beta, double* c, std::size_t ldc) {
  blas_split(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace xgrad::detail
