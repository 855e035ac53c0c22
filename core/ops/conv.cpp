#include "xgrad/core/ops/conv.hpp"

#include <algorithm>
#include <atomic>
#include <climits>
#include <functional>
#include <type_traits>
#include <utility>
#include <vector>

#include "xgrad/core/detail/blas_threads.hpp"
#include "xgrad/core/detail/gemm.hpp"
#include "xgrad/core/detail/parallel.hpp"
#include "xgrad/core/function.hpp"

namespace xgrad {

namespace {
using detail::gemm;
using detail::SingleThreadedBlas;
}  // namespace

namespace {

// --- geometry, im2col, col2im ----------------------------------------------------------------

// Every size of one convolution. The column matrix has one row per (channel, ki, kj) and one
// column per (image, output pixel): its product with the (O, C kh kw) weight is the output of
// those images, (O, images oh ow), in one gemm.
struct Geometry {
  std::size_t n, c, h, w;  // input
  std::size_t o, kh, kw;   // weight
  std::size_t sh, sw, ph, pw;
  std::size_t oh, ow;  // output
  std::size_t rows() const { return c * kh * kw; }
  std::size_t plane() const { return oh * ow; }
  std::size_t cols() const { return n * oh * ow; }
};

// im2col and col2im work on "phase planes": the input plane, zero-padded, and split by row
// phase and column phase. Padded pixel (r, c) goes to plane (r mod sh, c mod sw) at
// (r / sh, c / sw). Tap (ki, kj) of output pixel (y, x) reads padded pixel (y sh + ki,
// x sw + kj), which is plane (ki mod sh, kj mod sw) at (y + ki / sh, x + kj / sw): for each
// tap, an oh x ow window of one plane. Copying windows row by row needs no bounds checks (the
// padding is in the planes) and no strided loads (the stride is in the phases).
struct Phases {
  std::size_t sh, sw, hq, wq;  // phase counts, and the height and width of each plane
  std::size_t size() const { return sh * sw * hq * wq; }
  std::size_t window(std::size_t ki, std::size_t kj) const {  // where tap (ki, kj)'s window starts
    return (((ki % sh) * sw + kj % sw) * hq + ki / sh) * wq + kj / sw;
  }
};
Phases phases_of(const Geometry& g) {
  return {g.sh, g.sw, (g.h + 2 * g.ph + g.sh - 1) / g.sh, (g.w + 2 * g.pw + g.sw - 1) / g.sw};
}

// Where each tap's window starts and where each input row goes in the phase planes, computed once
// per call: computed per tap and per row of every channel, their divisions by the stride (a
// runtime value) were most of im2col's time at tiny YOLO's 64-channel layers.
struct PhaseOffsets {
  std::vector<std::size_t> tap;  // tap (ki, kj) at ki kw + kj: Phases::window
  std::vector<std::size_t> row;  // input row iy: the start of its padded row r = iy + ph, column phase 0
};
PhaseOffsets offsets_of(const Geometry& g, const Phases& p) {
  PhaseOffsets o;
  for (std::size_t ki = 0; ki < g.kh; ++ki)
    for (std::size_t kj = 0; kj < g.kw; ++kj) o.tap.push_back(p.window(ki, kj));
  for (std::size_t iy = 0; iy < g.h; ++iy) {
    const std::size_t r = iy + g.ph;
    o.row.push_back(((r % p.sh) * p.sw * p.hq + r / p.sh) * p.wq);
  }
  return o;
}

// Per-thread scratch memory, kept between calls: allocating a fresh megabyte per group and per
// call made the kernel's page-fault handling a fifth of the run time. Slot 0 holds a group's
// gemm operands, slot 1 the phase planes. Requests above 16 MB are not kept.
template <class T>
class Scratch {
 public:
  Scratch(int slot, std::size_t n) {
    thread_local std::vector<T> kept[2];
    std::vector<T>& v = n <= (std::size_t(16) << 20) / sizeof(T) ? kept[slot] : own_;
    if (v.size() < n) v.resize(n);
    data_ = v.data();
  }
  T* data() const { return data_; }

 private:
  std::vector<T> own_;
  T* data_;
};

// Input row iy of an h x w plane, as row (iy + ph) / sh of its row phase: `at` points there in
// phase plane (row phase, column phase 0); column phase q starts q hq wq further.
// For each column ix: padded column c = ix + pw, plane c mod sw, entry c / sw.
template <class T, class Move>
void for_row_phases(T* at, std::size_t plane_size, std::size_t w, std::size_t pw, std::size_t sw, Move move) {
  if (sw == 1) return move(at + pw, std::size_t(0), std::size_t(1), w);
  for (std::size_t e = 0; e < sw && e < w; ++e)
    move(at + ((e + pw) % sw) * plane_size + (e + pw) / sw, e, sw, (w - e + sw - 1) / sw);
}

// Stride 2, the common case: even columns ix = 2j land in plane pw mod 2 from entry pw / 2 on,
// odd ones in the other plane from entry (1 + pw) / 2 on. Both in one loop, which the compiler
// vectorizes as an interleave (column by column, the odd and even halves were scalar stores).
template <class T>
std::pair<T*, T*> even_odd(T* at, std::size_t plane_size, std::size_t pw) {
  return {at + (pw % 2) * plane_size + pw / 2, at + ((1 + pw) % 2) * plane_size + (1 + pw) / 2};
}

// The row's w pixels into their even and odd halves, and back. The three rows never overlap:
// __restrict saves the overlap checks GCC would otherwise make on every row of 16 or 32 pixels.
template <class T>
void split_row(const T* __restrict src, std::size_t w, T* __restrict even, T* __restrict odd) {
  for (std::size_t j = 0; j < w / 2; ++j) {
    even[j] = src[2 * j];
    odd[j] = src[2 * j + 1];
  }
  if (w % 2) even[w / 2] = src[w - 1];
}
template <class T>
void merge_row(const T* __restrict even, const T* __restrict odd, std::size_t w, T* __restrict dst) {
  for (std::size_t j = 0; j < w / 2; ++j) {
    dst[2 * j] = even[j];
    dst[2 * j + 1] = odd[j];
  }
  if (w % 2) dst[w - 1] = even[w / 2];
}

// The phase planes of one input plane. Writes the entries of input pixels only: the padding's
// entries stay as they were, zero since im2col cleared the planes before the first plane.
template <class T>
void to_phases(const T* plane, const Geometry& g, const Phases& p, const PhaseOffsets& o, T* planes) {
  for (std::size_t iy = 0; iy < g.h; ++iy) {
    const T* src = plane + iy * g.w;
    T* at = planes + o.row[iy];
    if (p.sw == 2) {
      const auto [even, odd] = even_odd(at, p.hq * p.wq, g.pw);
      split_row(src, g.w, even, odd);
      continue;
    }
    for_row_phases(at, p.hq * p.wq, g.w, g.pw, p.sw, [&](T* dst, std::size_t first, std::size_t step, std::size_t n) {
      for (std::size_t j = 0; j < n; ++j) dst[j] = src[first + j * step];
    });
  }
}

// The inverse, keeping only the pixels inside the input: plane[iy][ix] = its phase entry.
template <class T>
void from_phases(const T* planes, const Geometry& g, const Phases& p, const PhaseOffsets& o, T* plane) {
  for (std::size_t iy = 0; iy < g.h; ++iy) {
    T* dst = plane + iy * g.w;
    T* at = const_cast<T*>(planes) + o.row[iy];
    if (p.sw == 2) {
      const auto [even, odd] = even_odd(at, p.hq * p.wq, g.pw);
      merge_row(even, odd, g.w, dst);
      continue;
    }
    for_row_phases(at, p.hq * p.wq, g.w, g.pw, p.sw, [&](T* src, std::size_t first, std::size_t step, std::size_t n) {
      for (std::size_t j = 0; j < n; ++j) dst[first + j * step] = src[j];
    });
  }
}

// Runs row(y, n) for the rows of an oh x ow window with n = ow, a compile-time constant for
// the common widths, so that each row's copy or sum compiles to a few vector instructions.
template <class Row>
void for_window_rows(std::size_t oh, std::size_t ow, Row row) {
  auto rows = [&](auto n) {
    for (std::size_t y = 0; y < oh; ++y) row(y, n);
  };
  switch (ow) {
    case 4: return rows(std::integral_constant<std::size_t, 4>());
    case 8: return rows(std::integral_constant<std::size_t, 8>());
    case 16: return rows(std::integral_constant<std::size_t, 16>());
    case 32: return rows(std::integral_constant<std::size_t, 32>());
    case 64: return rows(std::integral_constant<std::size_t, 64>());
    default: return rows(ow);
  }
}

// to[x] += from[x] for x < n, in SIMD batches. Written out because GCC, unable to rule out that
// the two rows overlap, compiled a row of 16 into 16 scalar loads, adds and stores: half of
// conv2d's own backward time at tiny-YOLO's second layer.
template <class T, class N>
void add_row(T* to, const T* from, N n) {
  using Batch = xsimd::batch<T>;
  std::size_t x = 0;
  for (; x + Batch::size <= n; x += Batch::size)
    (Batch::load_unaligned(to + x) + Batch::load_unaligned(from + x)).store_unaligned(to + x);
  for (; x < n; ++x) to[x] += from[x];
}

// Images [first, last) of the input into column matrix `cols` (row stride ld), image `first`
// at column 0: cols[(ci kh + ki) kw + kj][(img - first) oh ow + y ow + x] =
// input[img][ci][y sh - ph + ki][x sw - pw + kj], zero where that falls in the padding.
template <class T>
void im2col(const T* in, const Geometry& g, std::size_t first, std::size_t last, T* cols, std::size_t ld) {
  const Phases p = phases_of(g);
  const PhaseOffsets o = offsets_of(g, p);
  Scratch<T> scratch(1, p.size());
  T* planes = scratch.data();
  std::fill_n(planes, p.size(), T(0));  // the padding, once: to_phases never writes there
  const std::size_t taps = g.kh * g.kw;
  for (std::size_t img = first; img < last; ++img)
    for (std::size_t ci = 0; ci < g.c; ++ci) {
      to_phases(in + (img * g.c + ci) * g.h * g.w, g, p, o, planes);
      for (std::size_t t = 0; t < taps; ++t) {
        const T* src = planes + o.tap[t];
        T* dst = cols + (ci * taps + t) * ld + (img - first) * g.plane();
        for_window_rows(g.oh, g.ow, [&](std::size_t y, auto n) {
          const T* __restrict from = src + y * p.wq;  // a window row and a column row never overlap
          T* __restrict to = dst + y * n;
          for (std::size_t x = 0; x < n; ++x) to[x] = from[x];
        });
      }
    }
}

// The adjoint of im2col: adds every column entry back onto the input pixel it was read from,
// writing each image's planes of `in` whole (no need to zero them first).
template <class T>
void col2im(const T* cols, std::size_t ld, const Geometry& g, std::size_t first, std::size_t last, T* in) {
  const Phases p = phases_of(g);
  const PhaseOffsets o = offsets_of(g, p);
  Scratch<T> scratch(1, p.size());
  T* planes = scratch.data();
  const std::size_t taps = g.kh * g.kw;
  for (std::size_t img = first; img < last; ++img)
    for (std::size_t ci = 0; ci < g.c; ++ci) {
      std::fill_n(planes, p.size(), T(0));
      for (std::size_t t = 0; t < taps; ++t) {
        T* dst = planes + o.tap[t];
        const T* src = cols + (ci * taps + t) * ld + (img - first) * g.plane();
        for_window_rows(g.oh, g.ow, [&](std::size_t y, auto n) { add_row(dst + y * p.wq, src + y * n, n); });
      }
      from_phases(planes, g, p, o, in + (img * g.c + ci) * g.h * g.w);
    }
}

// v[0] + ... + v[n - 1] in 8 running sums, added up in a fixed order at the end: vectorizes,
// where one running sum is a chain of dependent scalar additions, and the order depends on n only.
template <class T>
T sum_of(const T* v, std::size_t n) {
  T lane[8] = {};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (std::size_t k = 0; k < 8; ++k) lane[k] += v[i + k];
  for (std::size_t k = 0; i < n; ++i, ++k) lane[k] += v[i];
  return ((lane[0] + lane[4]) + (lane[2] + lane[6])) + ((lane[1] + lane[5]) + (lane[3] + lane[7]));
}

// C = Aᵀ B, overwriting C: cleared here, then the product added to it (beta 1). What OpenBLAS
// does for beta 0 too (its kernel always adds to C), but its clearing is a scalar loop per column
// (sgemm_beta, 3% of tiny YOLO's training time) where std::fill_n uses vector stores: the same
// bits, the input-gradient products 4-11% faster at tiny YOLO's shapes. Only for transposed A:
// with AVX-512, OpenBLAS sends small row-major A B products with beta 0 to another kernel
// (sgemm_direct), whose rounding beta 1 would change.
template <class T>
void gemm_overwrite(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const T* a, std::size_t lda,
                    const T* b, std::size_t ldb, T* c, std::size_t ldc) {
  for (std::size_t r = 0; r < m; ++r) std::fill_n(c + r * ldc, n, T(0));
  gemm(ta, tb, m, n, k, a, lda, b, ldb, T(1), c, ldc);
}

// How to multiply. `direct`: image by image, reading and writing NCHW where it lies, rather than
// a whole group at once through an (O, images oh ow) layout that costs a copy of the output
// and of its gradient but packs the weight once per group instead of once per image: direct
// when an image has at least as many output pixels as the weight has columns. `identity`: a
// 1x1 kernel at stride 1 without padding, whose columns are the input image itself, so that
// im2col and col2im vanish (only image by image, where each image's columns are one block).
struct Plan {
  bool direct, identity;
};
Plan plan_for(const Geometry& g) {
  const bool direct = g.plane() >= g.rows();
  return {direct, direct && g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0};
}

// OpenBLAS's pthreads build splits each gemm over its threads, but a convolution's gemms are
// small and half its time goes to im2col/col2im, which would stay serial. So conv2d splits the
// batch over xgrad's workers (core/detail/parallel.hpp) instead: each thread takes whole images through
// im2col, gemm and col2im, while OpenBLAS runs single-threaded (one pool busy at a time, never two
// fighting over the cores).
// How the batch is cut: into `chunks` contiguous ranges of images (at most 8, whatever the thread
// count), each walked in groups of `group` images, small enough that a group's columns stay in
// a core's L2 cache between im2col and the gemm that reads them. Threads take chunks one at a
// time as they finish the last, so a thread the OS preempts holds up nothing, and dW and db
// are summed per chunk and then in chunk order: the same bits for any thread count.
struct Split {
  std::size_t threads, chunks, group;
  std::size_t first(std::size_t chunk, std::size_t n) const { return n * chunk / chunks; }
};

template <class T>
Split split_for(const Geometry& g) {
  constexpr std::size_t kGroupBytes = 256 * 1024, kMaxChunks = 8;
  const std::size_t per_image = std::max<std::size_t>(1, g.rows() * g.plane() * sizeof(T));
  const std::size_t chunks = std::max<std::size_t>(1, std::min(g.n, kMaxChunks));
  std::size_t threads = 1;
  // Below about a million multiply-adds a second thread saves less than it costs to hand it work.
  // (Tiny YOLO's 1x1 head, 1.6 million: 58 us fwd+bwd on one thread, 34 on two.)
  if (double(g.o) * double(g.rows()) * double(g.cols()) > 1e6) threads = std::min(detail::thread_count(), chunks);
  // A direct plan multiplies image by image: groups of one keep each image's columns dense, as
  // detail::small_sgemm wants them.
  if (plan_for(g).direct) return {threads, chunks, 1};
  return {threads, chunks, std::max<std::size_t>(1, std::min(kGroupBytes / per_image, g.n))};
}

// Runs body(first_image, last_image, chunk) over every group of every chunk; with more than one
// thread OpenBLAS stays single-threaded meanwhile.
template <class Body>
void for_each_group(std::size_t n, const Split& s, Body&& body) {
  std::atomic<std::size_t> next{0};
  auto work = [&](std::size_t) {
    for (std::size_t k; (k = next.fetch_add(1)) < s.chunks;) {
      const std::size_t end = s.first(k + 1, n);
      for (std::size_t a = s.first(k, n); a < end; a += s.group) body(a, std::min(end, a + s.group), k);
    }
  };
  if (s.threads == 1) return work(0);
  SingleThreadedBlas single;
  detail::run_workers(s.threads, work);
}

// A view of column matrices: image i's (C kh kw, oh ow) block starts at data + i step, row
// stride ld.
template <class T>
struct Columns {
  const T* data;
  std::size_t ld, step;
  const T* image(std::size_t i) const { return data + i * step; }
};

// Images [first, last)'s columns: the input itself for an identity plan, else im2col's output
// in `scratch`, a (C kh kw, group oh ow) matrix.
template <class T>
Columns<T> columns(const Geometry& g, const Plan& plan, const T* input, std::size_t first, std::size_t last,
                   T* scratch) {
  if (plan.identity) return {input + first * g.c * g.plane(), g.plane(), g.c * g.plane()};
  const std::size_t width = (last - first) * g.plane();
  im2col(input, g, first, last, scratch, width);
  return {scratch, width, g.plane()};
}

Geometry geometry(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride, Size2 padding) {
  if (!input.defined() || !weight.defined()) fail("conv2d", "the input or the weight is undefined");
  const Shape xs = input.shape(), ws = weight.shape();
  if (xs.size() != 4)
    fail("conv2d", "expected a 4-D input (N, C, H, W), got shape ", to_string(xs),
         xs.size() == 3 ? "; add a batch dim with unsqueeze(0)" : "");
  if (ws.size() != 4) fail("conv2d", "expected a 4-D weight (out, in, kh, kw), got shape ", to_string(ws));
  if (xs[1] != ws[1])
    fail("conv2d", "the input has ", xs[1], " channels but the weight ", to_string(ws), " expects ", ws[1]);
  if (bias.defined() && bias.shape() != Shape{ws[0]})
    fail("conv2d", "the bias has shape ", to_string(bias.shape()), " but the weight ", to_string(ws), " needs (", ws[0],
         ")");
  if (input.dtype() != weight.dtype() || (bias.defined() && bias.dtype() != weight.dtype()))
    fail("conv2d", "dtype mismatch: input ", input.dtype(), ", weight ", weight.dtype(),
         bias.defined() ? ", bias " : "", bias.defined() ? dtype_name(bias.dtype()) : "");
  if (stride.h < 1 || stride.w < 1) fail("conv2d", "stride must be positive, got ", stride);
  if (padding.h < 0 || padding.w < 0) fail("conv2d", "padding must be non-negative, got ", padding);
  if (ws[2] == 0 || ws[3] == 0) fail("conv2d", "the kernel ", to_string(ws), " is empty");
  const auto ph = std::size_t(padding.h), pw = std::size_t(padding.w);
  if (xs[2] + 2 * ph < ws[2] || xs[3] + 2 * pw < ws[3])
    fail("conv2d", "the kernel (", ws[2], ", ", ws[3], ") is larger than the padded input (", xs[2] + 2 * ph, ", ",
         xs[3] + 2 * pw, ") of input shape ", to_string(xs), " with padding ", padding);
  Geometry g{xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], std::size_t(stride.h), std::size_t(stride.w),
             ph,    pw,    0,     0};
  g.oh = (g.h + 2 * ph - g.kh) / g.sh + 1;
  g.ow = (g.w + 2 * pw - g.kw) / g.sw + 1;
  if (g.cols() > std::size_t(INT_MAX) || g.rows() > std::size_t(INT_MAX) || g.o > std::size_t(INT_MAX))
    fail("conv2d", "input ", to_string(xs), " with weight ", to_string(ws), " is too large for a BLAS gemm");
  return g;
}
}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride, Size2 padding) {
  const Geometry g = geometry(input, weight, bias, stride, padding);
  std::vector<Tensor> inputs{input, weight};
  if (bias.defined()) inputs.push_back(bias);
  return visit_float("conv2d", input, weight, [&]<class T>(const xt::xarray<T>& x, const xt::xarray<T>& w) {
    const Split split = split_for<T>(g);
    const Plan plan = plan_for(g);
    const std::size_t L = g.plane();
    // The columns live in the thread's scratch memory for one group at a time; dW builds them
    // again from the input rather than the graph holding C kh kw copies of it. (Keeping them cost
    // as much as it saved: written to and read back from memory instead of built in L2.)
    const bool want_w = is_grad_enabled() && weight.requires_grad();
    xt::xarray<T> out = xt::empty<T>(Shape{g.n, g.o, g.oh, g.ow});
    const T* b = bias.defined() ? bias.data<T>().data() : nullptr;
    for_each_group(g.n, split, [&](std::size_t first, std::size_t last, std::size_t) {
      const std::size_t width = (last - first) * L;  // the group's columns
      const Scratch<T> buf(0, (plan.direct ? 0 : g.o * width) + (plan.identity ? 0 : g.rows() * width));
      T* prod = buf.data();
      const Columns<T> c = columns(g, plan, x.data(), first, last, prod + (plan.direct ? 0 : g.o * width));
      if (plan.direct) {  // out[img] (O, oh ow) = W (O, C kh kw) · columns of img, straight into NCHW
        for (std::size_t img = first; img < last; ++img) {
          T* dst = out.data() + img * g.o * L;
          gemm(false, false, g.o, L, g.rows(), w.data(), g.rows(), c.image(img - first), c.ld, T(0), dst, L);
          if (b)
            for (std::size_t o = 0; o < g.o; ++o)
              for (std::size_t i = 0; i < L; ++i) dst[o * L + i] += b[o];
        }
        return;
      }
      // (O, group oh ow) = W (O, C kh kw) · columns, then each image's rows move into NCHW.
      gemm(false, false, g.o, width, g.rows(), w.data(), g.rows(), c.data, c.ld, T(0), prod, width);
      for (std::size_t img = first; img < last; ++img)
        for (std::size_t o = 0; o < g.o; ++o) {
          const T* src = prod + o * width + (img - first) * L;
          T* dst = out.data() + (img * g.o + o) * L;
          const T shift = b ? b[o] : T(0);
          for (std::size_t i = 0; i < L; ++i) dst[i] = src[i] + shift;
        }
    });
    return record<T>("conv2d", std::move(out), inputs, [g, want_w](const Backward<T>& bw) {
      const Split split = split_for<T>(g);
      const Plan plan = plan_for(g);
      const std::size_t L = g.plane();
      // As in PyTorch, the weight gets a gradient only if it wanted one when the graph was built.
      const bool need_x = bw.needs(0), need_w = want_w && bw.needs(1),
                 need_b = bw.node.inputs().size() > 2 && bw.needs(2);
      const T* wd = bw.input(1).data();
      xt::xarray<T> dx = need_x ? xt::xarray<T>(xt::empty<T>(Shape{g.n, g.c, g.h, g.w})) : xt::xarray<T>();
      // Per chunk: dW and db summed over its images, added up in chunk order afterwards.
      std::vector<xt::xarray<T>> dw_part(split.chunks), db_part(split.chunks);
      for_each_group(g.n, split, [&](std::size_t first, std::size_t last, std::size_t t) {
        const std::size_t width = (last - first) * L;
        if (first == split.first(t, g.n)) {  // the chunk's first group
          if (need_w) dw_part[t] = xt::zeros<T>(Shape{g.o, g.rows()});
          if (need_b) db_part[t] = xt::zeros<T>(Shape{g.o});
        }
        // Scratch: the group's dY as (O, group oh ow) when not direct, its columns for dW and its
        // dcols (C kh kw, group oh ow) for dX, unless those are the input and dX themselves.
        const std::size_t dy_size = plan.direct ? 0 : g.o * width;
        const std::size_t cols_size = need_w && !plan.identity ? g.rows() * width : 0;
        const Scratch<T> buf(0, dy_size + cols_size + (need_x && !plan.identity ? g.rows() * width : 0));
        const Columns<T> c = need_w ? columns(g, plan, bw.input(0).data(), first, last, buf.data() + dy_size)
                                    : Columns<T>{nullptr, 0, 0};
        const Columns<T> dc = plan.identity ? Columns<T>{dx.data() + first * g.c * L, L, g.c * L}
                                            : Columns<T>{buf.data() + dy_size + cols_size, width, L};
        if (plan.direct) {  // image by image, reading dY where it lies in NCHW
          for (std::size_t img = first; img < last; ++img) {
            const T* dy = bw.grad.data() + img * g.o * L;
            if (need_b)
              for (std::size_t o = 0; o < g.o; ++o) db_part[t](o) += sum_of(dy + o * L, L);
            if (need_w)  // dW += dY colsᵀ
              gemm(false, true, g.o, g.rows(), L, dy, L, c.image(img - first), c.ld, T(1), dw_part[t].data(), g.rows());
            if (need_x)  // dcols = Wᵀ dY
              gemm_overwrite(true, false, g.rows(), L, g.o, wd, g.rows(), dy, L, const_cast<T*>(dc.image(img - first)),
                             dc.ld);
          }
        } else {
          T* dy = buf.data();
          for (std::size_t img = first; img < last; ++img)
            for (std::size_t o = 0; o < g.o; ++o)
              std::copy_n(bw.grad.data() + (img * g.o + o) * L, L, dy + o * width + (img - first) * L);
          if (need_b)
            for (std::size_t o = 0; o < g.o; ++o) db_part[t](o) += sum_of(dy + o * width, width);
          if (need_w)  // dW += dY colsᵀ over the group's pixels
            gemm(false, true, g.o, g.rows(), width, dy, width, c.data, c.ld, T(1), dw_part[t].data(), g.rows());
          if (need_x)  // dcols = Wᵀ dY
            gemm_overwrite(true, false, g.rows(), width, g.o, wd, g.rows(), dy, width, const_cast<T*>(dc.data), dc.ld);
        }
        // Every column entry back onto the input pixel it was read from.
        if (need_x && !plan.identity) col2im(dc.data, dc.ld, g, first, last, dx.data());
      });
      if (need_x) bw.add(0, std::move(dx));
      // Chunk sums in chunk order: the same bits for any thread count.
      auto total = [&](std::vector<xt::xarray<T>>& parts, Shape shape) {
        xt::xarray<T> sum = xt::zeros<T>(shape);
        for (const auto& p : parts)
          if (p.size() == sum.size())
            for (std::size_t i = 0; i < sum.size(); ++i) sum.data()[i] += p.data()[i];
        return sum;
      };
      if (need_w) bw.add(1, total(dw_part, Shape{g.o, g.c, g.kh, g.kw}));
      if (need_b) bw.add(2, total(db_part, Shape{g.o}));
    });
  });
}

}  // namespace xgrad
