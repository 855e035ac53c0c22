#pragma once
// A matrix product in plain C++ (internal: xgrad.hpp does not include it), for builds without
// BLAS (XGRAD_BLAS=OFF, the WebAssembly build): gemm() sends every product here there. Native
// builds compile it too, so that its tests compare it with OpenBLAS in one build.
#include <cstddef>

namespace xgrad::detail {

// C = op(A) op(B) + beta C, row-major, with leading dimensions, as cblas_?gemm with alpha 1:
// op(A) is (m, k), op(B) is (k, n); beta 0 writes C without reading it (NaN in C is overwritten).
// Cache-blocked: blocks of op(B) and op(A) are packed into contiguous panels and a register tile
// of C accumulates over each block of k. Every element of C is the same sum in the same order
// whatever m, n, the leading dimensions or a split of C into blocks of rows or columns: its k
// products are summed in order in blocks of kKc, each block's sum added to C in order.
void portable_gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                   const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc);
void portable_gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const double* a, std::size_t lda,
                   const double* b, std::size_t ldb, double beta, double* c, std::size_t ldc);

// The block of k each partial sum covers (exposed for the tests' error bound).
inline constexpr std::size_t kPortableGemmKc = 256;

}  // namespace xgrad::detail
