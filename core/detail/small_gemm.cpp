#include "xgrad/core/detail/small_gemm.hpp"

// No xtensor here: the AVX-512 functions below are compiled for another instruction set than the
// rest of the library (-mno-avx512f), and xsimd's choice of types must not differ between the two.
#include <algorithm>
#include <atomic>
#include <vector>

#include "xgrad/core/error.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define XGRAD_SMALL_GEMM_AVX512 1
// The library is built with -mno-avx512f (GCC 12 miscompiles AVX-512 constant vectors, see
// tests/core/test_compiler.cpp); these functions alone use AVX-512, chosen at run time. They load,
// multiply-add, reduce and store through intrinsics only, no constant vectors.
#define XGRAD_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,fma")))
#endif

namespace xgrad::detail {

namespace {

std::atomic<SmallGemmPath> g_path{SmallGemmPath::kAuto};

// Calls f(start, size) over `total` split into the fewest blocks of at most `most`, their sizes
// differing by at most one: 10 rows in blocks of at most 6 are 5 + 5, not 6 + 4.
template <class F>
void for_blocks(std::size_t total, std::size_t most, F f) {
  const std::size_t count = (total + most - 1) / most;
  for (std::size_t i = 0, start = 0; i < count; ++i) {
    const std::size_t size = total / count + (i < total % count ? 1 : 0);
    f(start, size);
    start += size;
  }
}

// --- Portable loops: each element of C is its k products summed in order, then beta C added. ---

// C = A Bᵀ: every element a dot product of two contiguous rows.
void portable_dots(std::size_t m, std::size_t n, std::size_t k, const float* a, const float* b, float beta, float* c) {
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      float sum = 0;
      for (std::size_t p = 0; p < k; ++p) sum += a[i * k + p] * b[j * k + p];
      float& out = c[i * n + j];
      out = beta == 0 ? sum : sum + beta * out;
    }
}

// C = op(A) B, op(A)(i, p) at a[i * a_row + p * a_col]: rows of B scaled and added, which the
// compiler vectorizes along n.
void portable_rows(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t a_row, std::size_t a_col,
                   const float* b, float beta, float* c) {
  std::vector<float> sum(n);
  for (std::size_t i = 0; i < m; ++i) {
    std::fill(sum.begin(), sum.end(), 0.0f);
    for (std::size_t p = 0; p < k; ++p) {
      const float x = a[i * a_row + p * a_col];
      for (std::size_t j = 0; j < n; ++j) sum[j] += x * b[p * n + j];
    }
    for (std::size_t j = 0; j < n; ++j) c[i * n + j] = beta == 0 ? sum[j] : sum[j] + beta * c[i * n + j];
  }
}

#ifdef XGRAD_SMALL_GEMM_AVX512

// The first `count` of 16 lanes (all 16 from 16 on): loads and stores of a row's tail touch
// nothing past it.
XGRAD_AVX512 inline __mmask16 lanes(std::size_t count) {
  return count >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << count) - 1);
}

// The sum of the 16 lanes: adds the vector to itself with halves swapped (256-bit halves, then
// 128-bit quarters, pairs, neighbours) until every lane holds the total. The maskz forms with all
// lanes kept are the plain shuffles; GCC 12's plain forms (and _mm512_reduce_add_ps) start from
// an "undefined" vector and warn about it.
XGRAD_AVX512 inline float sum_lanes(__m512 v) {
  constexpr __mmask16 all = 0xFFFF;
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(all, v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(all, v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  v = _mm512_add_ps(v, _mm512_maskz_permute_ps(all, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_add_ps(v, _mm512_maskz_permute_ps(all, v, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm512_cvtss_f32(v);
}

// C = A Bᵀ on a tile of R rows of A by N rows of B: R * N dot products of length k. Each step of
// 16 along k loads R + N vectors and makes R * N multiply-adds into R * N accumulators (4 x 4: 16
// accumulators and 8 loaded vectors of the 32 registers, two multiply-adds per load, as many
// independent chains as the FMA units' latency needs). Each accumulator is summed across its lanes
// at the end. Every element adds its products in the same order whatever tile holds it.
template <int R, int N>
XGRAD_AVX512 void dots_tile(const float* a, const float* b, std::size_t k, float beta, float* c, std::size_t ldc) {
  __m512 acc[R][N];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int j = 0; j < N; ++j) acc[r][j] = _mm512_setzero_ps();
  for (std::size_t p = 0; p < k; p += 16) {
    const __mmask16 mask = lanes(k - p);  // lanes past k load as 0 and add 0 * 0
    __m512 x[R], w[N];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      x[r] = _mm512_maskz_loadu_ps(mask, a + r * k + p);
      // A streams from memory once (a batch of inputs, cold in the benchmark): asking for it 2 KB
      // ahead took the (128, 784) x (10, 784)ᵀ product from 14-15 to 12-12.7 us. A prefetch past
      // the end of A does not fault.
      _mm_prefetch(reinterpret_cast<const char*>(a + r * k + p + 512), _MM_HINT_T0);
    }
#pragma GCC unroll 8
    for (int j = 0; j < N; ++j) w[j] = _mm512_maskz_loadu_ps(mask, b + j * k + p);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (int j = 0; j < N; ++j) acc[r][j] = _mm512_fmadd_ps(x[r], w[j], acc[r][j]);
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int j = 0; j < N; ++j) {
      const float sum = sum_lanes(acc[r][j]);
      float& out = c[r * ldc + j];
      out = beta == 0 ? sum : sum + beta * out;
    }
}

using DotsTile = void (*)(const float*, const float*, std::size_t, float, float*, std::size_t);
constexpr int kDotsRows = 4, kDotsCols = 4;
constexpr DotsTile kDotsTiles[kDotsRows][kDotsCols] = {
    {dots_tile<1, 1>, dots_tile<1, 2>, dots_tile<1, 3>, dots_tile<1, 4>},
    {dots_tile<2, 1>, dots_tile<2, 2>, dots_tile<2, 3>, dots_tile<2, 4>},
    {dots_tile<3, 1>, dots_tile<3, 2>, dots_tile<3, 3>, dots_tile<3, 4>},
    {dots_tile<4, 1>, dots_tile<4, 2>, dots_tile<4, 3>, dots_tile<4, 4>}};

// A row block of A stays in L1 while it meets every row block of B (for (128, 784) x (10, 784)ᵀ:
// 4 rows of A, 12.5 KB, against the whole of B, 31 KB).
void avx512_dots(std::size_t m, std::size_t n, std::size_t k, const float* a, const float* b, float beta, float* c) {
  for_blocks(m, kDotsRows, [&](std::size_t i, std::size_t rows) {
    for_blocks(n, kDotsCols, [&](std::size_t j, std::size_t cols) {
      kDotsTiles[rows - 1][cols - 1](a + i * k, b + j * k, k, beta, c + i * n + j, n);
    });
  });
}

// C = op(A) B on a tile of R rows of C by V vectors of 16 columns, op(A)(i, p) at
// a[i * a_row + p * a_col]. Each step along k loads V vectors of B's row p and, for each of the R
// rows, broadcasts op(A)(i, p) and multiplies-adds it into V accumulators (6 x 4: 24 accumulators,
// 4 loads and 6 broadcasts for 24 multiply-adds). The last vector is cut to `last` lanes. Every
// element adds its products in order of p, whatever tile holds it.
template <int R, int V>
XGRAD_AVX512 void rows_tile(const float* a, std::size_t a_row, std::size_t a_col, const float* b, std::size_t ldb,
                            std::size_t k, __mmask16 last, float beta, float* c, std::size_t ldc) {
  __m512 acc[R][V];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[r][v] = _mm512_setzero_ps();
  for (std::size_t p = 0; p < k; ++p) {
    __m512 w[V];
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v)
      w[v] = _mm512_maskz_loadu_ps(v + 1 < V ? __mmask16(0xFFFF) : last, b + p * ldb + 16 * v);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512 x = _mm512_set1_ps(a[r * a_row + p * a_col]);
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) acc[r][v] = _mm512_fmadd_ps(x, w[v], acc[r][v]);
    }
  }
  const __m512 scale = _mm512_set1_ps(beta);
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) {
      const __mmask16 mask = v + 1 < V ? __mmask16(0xFFFF) : last;
      float* out = c + r * ldc + 16 * v;
      __m512 sum = acc[r][v];
      if (beta != 0) sum = _mm512_add_ps(sum, _mm512_mul_ps(scale, _mm512_maskz_loadu_ps(mask, out)));
      _mm512_mask_storeu_ps(out, mask, sum);
    }
}

using RowsTile = void (*)(const float*, std::size_t, std::size_t, const float*, std::size_t, std::size_t, __mmask16,
                          float, float*, std::size_t);
constexpr int kRowsRows = 6, kRowsVectors = 4;
constexpr RowsTile kRowsTiles[kRowsRows][kRowsVectors] = {
    {rows_tile<1, 1>, rows_tile<1, 2>, rows_tile<1, 3>, rows_tile<1, 4>},
    {rows_tile<2, 1>, rows_tile<2, 2>, rows_tile<2, 3>, rows_tile<2, 4>},
    {rows_tile<3, 1>, rows_tile<3, 2>, rows_tile<3, 3>, rows_tile<3, 4>},
    {rows_tile<4, 1>, rows_tile<4, 2>, rows_tile<4, 3>, rows_tile<4, 4>},
    {rows_tile<5, 1>, rows_tile<5, 2>, rows_tile<5, 3>, rows_tile<5, 4>},
    {rows_tile<6, 1>, rows_tile<6, 2>, rows_tile<6, 3>, rows_tile<6, 4>}};

// A panel of 64 columns of B stays in L1 while every row block of C passes over it (for the
// weight gradient (10, 128) x (128, 784): 128 x 64 floats, 32 KB, met by two blocks of 5 rows).
void avx512_rows(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t a_row, std::size_t a_col,
                 const float* b, float beta, float* c) {
  constexpr std::size_t panel = 16 * kRowsVectors;
  for (std::size_t j = 0; j < n; j += panel) {
    const std::size_t width = std::min(panel, n - j), vectors = (width + 15) / 16;
    const __mmask16 last = lanes(width - 16 * (vectors - 1));
    for_blocks(m, kRowsRows, [&](std::size_t i, std::size_t rows) {
      kRowsTiles[rows - 1][vectors - 1](a + i * a_row, a_row, a_col, b + j, n, k, last, beta, c + i * n + j, n);
    });
  }
}

#endif  // XGRAD_SMALL_GEMM_AVX512

}  // namespace

bool small_gemm_has_avx512() {
#ifdef XGRAD_SMALL_GEMM_AVX512
  // libgcc's check includes the OS saving the AVX-512 registers (XGETBV).
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
  }();
  return has;
#else
  return false;
#endif
}

void set_small_gemm_path(SmallGemmPath path) {
  if (path == SmallGemmPath::kAvx512 && !small_gemm_has_avx512())
    fail("set_small_gemm_path", "the AVX-512 path was asked for, but this CPU does not run AVX-512F");
  g_path.store(path, std::memory_order_relaxed);
}

bool small_gemm_uses_avx512() {
  const SmallGemmPath path = g_path.load(std::memory_order_relaxed);
  return path == SmallGemmPath::kAvx512 || (path == SmallGemmPath::kAuto && small_gemm_has_avx512());
}

void small_sgemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const float* a, const float* b,
                 float beta, float* c) {
  if (ta && tb) fail("small_sgemm", "both operands transposed is not supported (m ", m, ", n ", n, ", k ", k, ")");
  if (m == 0 || n == 0) return;  // as BLAS: nothing to write, and A and B are not read
  // op(A)(i, p) is a[i * k + p], or a[p * m + i] when A is stored transposed.
  const std::size_t a_row = ta ? 1 : k, a_col = ta ? m : 1;
#ifdef XGRAD_SMALL_GEMM_AVX512
  if (small_gemm_uses_avx512()) {
    if (tb)
      avx512_dots(m, n, k, a, b, beta, c);
    else
      avx512_rows(m, n, k, a, a_row, a_col, b, beta, c);
    return;
  }
#endif
  if (tb)
    portable_dots(m, n, k, a, b, beta, c);
  else
    portable_rows(m, n, k, a, a_row, a_col, b, beta, c);
}

// Measured against cblas_sgemm with OPENBLAS_CORETYPE=SkylakeX on one core of the Zen 5 (a sweep
// over each layout with one size in {1, 4, 10, 16, 32, 64} and the others in {64, 128, 256, 784,
// 2048}; the speedups below are the medians over the shapes the rule admits, the rule's worst
// case ~0.8, at noise level on a loaded machine). bench_core's BM_SkinnyGemm reruns the
// Fashion-MNIST shapes and the rule's edges:
// - C = A Bᵀ (dots) wins where C has 8 to 16 rows or columns, the other side at least 128 and
//   k at least 256: 1.7x median, (128, 784) x (10, 784)ᵀ 3.3x. With k of 64 or less the lane sums
//   cost more than the products (0.1-0.5x); with 1 to 4 rows or columns it is even.
// - C = op(A) B (rows) wins where C has 8 to 32 rows, at least 128 columns and k at least 16:
//   1.6x median, (10, 128)ᵀ x (128, 784) 2.6x. Fewer columns waste the masked vector; with 64 rows
//   or more it is even with OpenBLAS; past 16M multiply-adds the k x 64 panel of B outgrows the
//   caches and OpenBLAS's packing pays (16 x 2048 x 2048: 0.55x).
// The portable loops do not win against OpenBLAS's AVX2 kernels (OPENBLAS_CORETYPE=Haswell): 1.05-1.1x
// for C = Aᵀ B with 10 rows, 0.05-0.5x elsewhere; without AVX-512 every product goes to BLAS.
bool small_gemm_wins(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k) {
  if ((ta && tb) || !small_gemm_uses_avx512()) return false;
  if (double(m) * double(n) * double(k) > 16.0 * 1024 * 1024) return false;
  if (tb) return std::min(m, n) >= 8 && std::min(m, n) <= 16 && std::max(m, n) >= 128 && k >= 256;
  return m >= 8 && m <= 32 && n >= 128 && k >= 16;
}

}  // namespace xgrad::detail
