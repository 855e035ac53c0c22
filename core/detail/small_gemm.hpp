#pragma once
// A float32 gemm for skinny products, faster than OpenBLAS where one of the sizes is a handful:
// nn::Linear's (128, 784) x (784, 10) forward and its (10, 128) x (128, 784) weight gradient spend
// a third of their time in OpenBLAS packing the big operand, which this kernel streams once
// instead. Internal: xgrad.hpp does not include it, and it includes nothing of xtensor.
#include <cstddef>

namespace xgrad::detail {

// Which code computes small_sgemm. kAuto picks AVX-512 if the CPU has it, else the portable
// loops; the others force a path, for tests and benchmarks (forcing kAvx512 on a CPU without it
// throws xg::Error).
enum class SmallGemmPath { kAuto, kAvx512, kPortable };
void set_small_gemm_path(SmallGemmPath path);
bool small_gemm_has_avx512();   // whether this CPU (and OS) runs the AVX-512 path
bool small_gemm_uses_avx512();  // whether small_sgemm runs it, under the current setting

// C = op(A) op(B) + beta C for row-major, densely stored matrices (leading dims k or m for A,
// n or k for B, n for C), as cblas_sgemm with alpha 1. op(A) is (m, k), op(B) is (k, n). With
// beta 0, C is only written, never read. Both transposed at once is not supported (matmul and
// linear never ask for it): small_gemm_wins says false for it.
void small_sgemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const float* a, const float* b,
                 float beta, float* c);

// Whether small_sgemm beats cblas_sgemm (single-threaded) on this shape: the measured rule is
// beside its definition.
bool small_gemm_wins(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k);

}  // namespace xgrad::detail
