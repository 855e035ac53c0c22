#pragma once
// The one way the ops multiply matrices (internal: xgrad.hpp does not include it).
#include <cstddef>

namespace xgrad::detail {

// C = op(A) op(B) + beta C, row-major, each matrix with its own leading dimension (so that a block
// of columns of a wider matrix can take part). Skinny float products of densely stored matrices,
// such as a Linear layer with 10 outputs, go to small_sgemm where it beats OpenBLAS; it is
// single-threaded and chosen by shape alone, so results do not depend on the thread count. The
// rest goes to OpenBLAS, single-threaded; a large product (worth_blas_threads) is split into
// blocks of rows or columns over xgrad's workers unless the caller made OpenBLAS single-threaded.
void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
          const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc);
void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const double* a, std::size_t lda,
          const double* b, std::size_t ldb, double beta, double* c, std::size_t ldc);

// The same for densely stored matrices: leading dimensions k or m for A, n or k for B, n for C.
template <class T>
void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const T* a, const T* b, T beta, T* c) {
  gemm(ta, tb, m, n, k, a, ta ? m : k, b, tb ? k : n, beta, c, n);
}

}  // namespace xgrad::detail
