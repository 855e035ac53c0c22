#include "xgrad/core/gemm.hpp"

#include <cblas.h>

#include <algorithm>

#include "xgrad/core/blas_threads.hpp"
#include "xgrad/core/small_gemm.hpp"

namespace xgrad::detail {

namespace {
int ld(std::size_t d) { return int(std::max<std::size_t>(1, d)); }
CBLAS_TRANSPOSE op(bool t) { return t ? CblasTrans : CblasNoTrans; }
}  // namespace

void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
          const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  if (lda == (ta ? m : k) && ldb == (tb ? k : n) && ldc == n && small_gemm_wins(ta, tb, m, n, k))
    return small_sgemm(ta, tb, m, n, k, a, b, beta, c);
  const SingleThreadedBlas single(!worth_blas_threads(double(m), double(n), double(k)));
  cblas_sgemm(CblasRowMajor, op(ta), op(tb), int(m), int(n), int(k), 1.0f, a, ld(lda), b, ld(ldb), beta, c, ld(ldc));
}

void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const double* a, std::size_t lda,
          const double* b, std::size_t ldb, double beta, double* c, std::size_t ldc) {
  const SingleThreadedBlas single(!worth_blas_threads(double(m), double(n), double(k)));
  cblas_dgemm(CblasRowMajor, op(ta), op(tb), int(m), int(n), int(k), 1.0, a, ld(lda), b, ld(ldb), beta, c, ld(ldc));
}

}  // namespace xgrad::detail
