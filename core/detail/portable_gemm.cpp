#include "xgrad/core/detail/portable_gemm.hpp"

#include <algorithm>
#include <vector>

namespace xgrad::detail {

namespace {

// Register tile: kMr rows of C by Nr<T> columns, 8 vectors of 128 bits (the SSE / wasm simd128
// width: the WebAssembly build is what this kernel is for); wider CPUs vectorize it as well.
constexpr std::size_t kMr = 4;
template <class T>
constexpr std::size_t kNr = 32 / sizeof(T);
// Cache blocks: a (kMc, kKc) block of op(A) and a (kKc, kNc) block of op(B), packed, fit in a
// 256 KiB L2 together in float32 (64 + 256 KiB in float64, still mostly in L2).
constexpr std::size_t kMc = 64, kKc = kPortableGemmKc, kNc = 256;
static_assert(kMc % kMr == 0);

// op(B)[p0 .. p0+kc, j0 .. j0+nc) into panels of Nr columns, each panel row-major (kc, Nr), the
// columns past n zero.
template <class T>
void pack_b(bool tb, const T* b, std::size_t ldb, std::size_t p0, std::size_t kc, std::size_t j0, std::size_t nc,
            T* out) {
  constexpr std::size_t nr = kNr<T>;
  for (std::size_t jp = 0; jp < nc; jp += nr) {
    const std::size_t w = std::min(nr, nc - jp);
    for (std::size_t p = 0; p < kc; ++p) {
      T* row = out + p * nr;
      for (std::size_t j = 0; j < w; ++j) {
        const std::size_t pp = p0 + p, jj = j0 + jp + j;
        row[j] = tb ? b[jj * ldb + pp] : b[pp * ldb + jj];
      }
      for (std::size_t j = w; j < nr; ++j) row[j] = T(0);
    }
    out += kc * nr;
  }
}

// op(A)[i0 .. i0+mc, p0 .. p0+kc) into panels of kMr rows, each column-major (kc, kMr), the rows
// past m zero.
template <class T>
void pack_a(bool ta, const T* a, std::size_t lda, std::size_t i0, std::size_t mc, std::size_t p0, std::size_t kc,
            T* out) {
  for (std::size_t ip = 0; ip < mc; ip += kMr) {
    const std::size_t h = std::min(kMr, mc - ip);
    for (std::size_t p = 0; p < kc; ++p) {
      T* col = out + p * kMr;
      for (std::size_t i = 0; i < h; ++i) {
        const std::size_t ii = i0 + ip + i, pp = p0 + p;
        col[i] = ta ? a[pp * lda + ii] : a[ii * lda + pp];
      }
      for (std::size_t i = h; i < kMr; ++i) col[i] = T(0);
    }
    out += kc * kMr;
  }
}

// One tile: the kc products of a packed A panel and a packed B panel, summed in order of p, then
// added to (or, on the first block of k, scaled-and-added to or written into) the h x w corner of C.
template <class T>
void tile(std::size_t kc, const T* ap, const T* bp, bool first, T beta, T* c, std::size_t ldc, std::size_t h,
          std::size_t w) {
  constexpr std::size_t nr = kNr<T>;
  T acc[kMr][nr] = {};
  for (std::size_t p = 0; p < kc; ++p) {
    const T* bv = bp + p * nr;
    const T* av = ap + p * kMr;
    for (std::size_t i = 0; i < kMr; ++i)
      for (std::size_t j = 0; j < nr; ++j) acc[i][j] += av[i] * bv[j];
  }
  for (std::size_t i = 0; i < h; ++i) {
    T* row = c + i * ldc;
    if (!first)
      for (std::size_t j = 0; j < w; ++j) row[j] += acc[i][j];
    else if (beta == T(0))
      for (std::size_t j = 0; j < w; ++j) row[j] = acc[i][j];
    else
      for (std::size_t j = 0; j < w; ++j) row[j] = beta * row[j] + acc[i][j];
  }
}

template <class T>
void gemm_blocked(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const T* a, std::size_t lda,
                  const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // no products: C = beta C, and beta 0 clears C whatever it held
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
    return;
  }
  constexpr std::size_t nr = kNr<T>;
  // thread_local: the buffers are reused from call to call, and xgrad's workers may call at once.
  thread_local std::vector<T> packed_a, packed_b;
  packed_a.resize(kMc * kKc);
  packed_b.resize(((kNc + nr - 1) / nr) * nr * kKc);
  for (std::size_t j0 = 0; j0 < n; j0 += kNc) {
    const std::size_t nc = std::min(kNc, n - j0);
    for (std::size_t p0 = 0; p0 < k; p0 += kKc) {
      const std::size_t kc = std::min(kKc, k - p0);
      pack_b(tb, b, ldb, p0, kc, j0, nc, packed_b.data());
      for (std::size_t i0 = 0; i0 < m; i0 += kMc) {
        const std::size_t mc = std::min(kMc, m - i0);
        pack_a(ta, a, lda, i0, mc, p0, kc, packed_a.data());
        for (std::size_t jp = 0; jp < nc; jp += nr)
          for (std::size_t ip = 0; ip < mc; ip += kMr)
            tile(kc, packed_a.data() + ip * kc, packed_b.data() + jp * kc, p0 == 0, beta, c + (i0 + ip) * ldc + j0 + jp,
                 ldc, std::min(kMr, mc - ip), std::min(nr, nc - jp));
      }
    }
  }
}

}  // namespace

void portable_gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                   const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  gemm_blocked(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

void portable_gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const double* a, std::size_t lda,
                   const double* b, std::size_t ldb, double beta, double* c, std::size_t ldc) {
  gemm_blocked(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace xgrad::detail
