#include "xgrad/core/conv.hpp"

#include <cblas.h>

#include <algorithm>
#include <climits>

#include "xgrad/core/function.hpp"

namespace xgrad {

namespace {
// C = op(A) op(B) + beta C, row-major, with the leading dims of the stored matrices.
void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const float* a, const float* b, float beta,
          float* c) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m), int(n), int(k),
              1.0f, a, int(std::max<std::size_t>(1, ta ? m : k)), b, int(std::max<std::size_t>(1, tb ? k : n)), beta, c,
              int(std::max<std::size_t>(1, n)));
}
void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const double* a, const double* b, double beta,
          double* c) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m), int(n), int(k),
              1.0, a, int(std::max<std::size_t>(1, ta ? m : k)), b, int(std::max<std::size_t>(1, tb ? k : n)), beta, c,
              int(std::max<std::size_t>(1, n)));
}

// Every size of one convolution. The column matrix has one row per (channel, ki, kj) and one
// column per (image, output pixel): its product with the (O, C kh kw) weight is the output of
// the whole batch, (O, N oh ow), in a single gemm.
struct Geometry {
  std::size_t n, c, h, w;  // input
  std::size_t o, kh, kw;   // weight
  std::size_t sh, sw, ph, pw;
  std::size_t oh, ow;  // output
  std::size_t rows() const { return c * kh * kw; }
  std::size_t plane() const { return oh * ow; }
  std::size_t cols() const { return n * oh * ow; }
};

// The output columns x in [lo, hi) whose input column x sw - pw + kj lies inside [0, w); the
// ones outside read the zero padding.
struct Span {
  std::size_t lo, hi;
};
Span inside(std::size_t k, std::size_t stride, std::size_t pad, std::size_t size, std::size_t out) {
  const std::size_t lo = pad > k ? (pad - k + stride - 1) / stride : 0;
  const std::size_t hi = size + pad > k ? std::min(out, (size + pad - k + stride - 1) / stride) : 0;
  return {std::min(lo, hi), hi};
}

// cols[(ci kh + ki) kw + kj][img oh ow + y ow + x] = input[img][ci][y sh - ph + ki][x sw - pw + kj],
// zero where that falls in the padding.
template <class T>
void im2col(const T* in, const Geometry& g, T* cols) {
  for (std::size_t ci = 0; ci < g.c; ++ci)
    for (std::size_t ki = 0; ki < g.kh; ++ki)
      for (std::size_t kj = 0; kj < g.kw; ++kj) {
        T* row = cols + ((ci * g.kh + ki) * g.kw + kj) * g.cols();
        const Span xs = inside(kj, g.sw, g.pw, g.w, g.ow);
        const Span ys = inside(ki, g.sh, g.ph, g.h, g.oh);
        for (std::size_t img = 0; img < g.n; ++img) {
          const T* plane = in + (img * g.c + ci) * g.h * g.w;
          T* dst = row + img * g.plane();
          std::fill(dst, dst + ys.lo * g.ow, T(0));
          std::fill(dst + ys.hi * g.ow, dst + g.plane(), T(0));
          for (std::size_t y = ys.lo; y < ys.hi; ++y) {
            const T* src = plane + (y * g.sh + ki - g.ph) * g.w;  // input row; column x reads x sw + kj - pw
            T* d = dst + y * g.ow;
            std::fill(d, d + xs.lo, T(0));
            std::fill(d + xs.hi, d + g.ow, T(0));
            if (g.sw == 1 && xs.lo < xs.hi)
              std::copy_n(src + xs.lo + kj - g.pw, xs.hi - xs.lo, d + xs.lo);
            else
              for (std::size_t x = xs.lo; x < xs.hi; ++x) d[x] = src[x * g.sw + kj - g.pw];
          }
        }
      }
}

// The adjoint of im2col: adds every column entry back onto the input pixel it was read from.
template <class T>
void col2im(const T* cols, const Geometry& g, T* in) {
  for (std::size_t ci = 0; ci < g.c; ++ci)
    for (std::size_t ki = 0; ki < g.kh; ++ki)
      for (std::size_t kj = 0; kj < g.kw; ++kj) {
        const T* row = cols + ((ci * g.kh + ki) * g.kw + kj) * g.cols();
        const Span xs = inside(kj, g.sw, g.pw, g.w, g.ow);
        const Span ys = inside(ki, g.sh, g.ph, g.h, g.oh);
        for (std::size_t img = 0; img < g.n; ++img) {
          T* plane = in + (img * g.c + ci) * g.h * g.w;
          const T* src = row + img * g.plane();
          for (std::size_t y = ys.lo; y < ys.hi; ++y) {
            T* dst = plane + (y * g.sh + ki - g.ph) * g.w;
            const T* s = src + y * g.ow;
            for (std::size_t x = xs.lo; x < xs.hi; ++x) dst[x * g.sw + kj - g.pw] += s[x];
          }
        }
      }
}

Geometry geometry(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride, Size2 padding) {
  if (!input.defined() || !weight.defined()) fail("conv2d", ": the input or the weight is undefined");
  const Shape xs = input.shape(), ws = weight.shape();
  if (xs.size() != 4)
    fail("conv2d", ": expected a 4-D input (N, C, H, W), got shape ", to_string(xs),
         xs.size() == 3 ? "; add a batch dim with unsqueeze(0)" : "");
  if (ws.size() != 4) fail("conv2d", ": expected a 4-D weight (out, in, kh, kw), got shape ", to_string(ws));
  if (xs[1] != ws[1])
    fail("conv2d", ": the input has ", xs[1], " channels but the weight ", to_string(ws), " expects ", ws[1]);
  if (bias.defined() && bias.shape() != Shape{ws[0]})
    fail("conv2d", ": the bias has shape ", to_string(bias.shape()), " but the weight ", to_string(ws), " needs (",
         ws[0], ")");
  if (input.dtype() != weight.dtype() || (bias.defined() && bias.dtype() != weight.dtype()))
    fail("conv2d", ": dtype mismatch: input ", input.dtype(), ", weight ", weight.dtype(),
         bias.defined() ? ", bias " : "", bias.defined() ? dtype_name(bias.dtype()) : "");
  if (stride.h < 1 || stride.w < 1) fail("conv2d", ": stride must be positive, got ", stride);
  if (padding.h < 0 || padding.w < 0) fail("conv2d", ": padding must be non-negative, got ", padding);
  if (ws[2] == 0 || ws[3] == 0) fail("conv2d", ": the kernel ", to_string(ws), " is empty");
  const auto ph = std::size_t(padding.h), pw = std::size_t(padding.w);
  if (xs[2] + 2 * ph < ws[2] || xs[3] + 2 * pw < ws[3])
    fail("conv2d", ": the kernel (", ws[2], ", ", ws[3], ") is larger than the padded input (", xs[2] + 2 * ph, ", ",
         xs[3] + 2 * pw, ") of input shape ", to_string(xs), " with padding ", padding);
  Geometry g{xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], std::size_t(stride.h), std::size_t(stride.w),
             ph,    pw,    0,     0};
  g.oh = (g.h + 2 * ph - g.kh) / g.sh + 1;
  g.ow = (g.w + 2 * pw - g.kw) / g.sw + 1;
  if (g.cols() > std::size_t(INT_MAX) || g.rows() > std::size_t(INT_MAX) || g.o > std::size_t(INT_MAX))
    fail("conv2d", ": input ", to_string(xs), " with weight ", to_string(ws), " is too large for a BLAS gemm");
  return g;
}
}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride, Size2 padding) {
  const Geometry g = geometry(input, weight, bias, stride, padding);
  std::vector<Tensor> inputs{input, weight};
  if (bias.defined()) inputs.push_back(bias);
  return visit_float("conv2d", input, weight, [&]<class T>(const xt::xarray<T>& x, const xt::xarray<T>& w) {
    xt::xarray<T> cols = xt::empty<T>(Shape{g.rows(), g.cols()});
    im2col(x.data(), g, cols.data());
    // (O, N oh ow) = W (O, C kh kw) · cols, then each image's block moves to its place in NCHW.
    xt::xarray<T> prod = xt::zeros<T>(Shape{g.o, g.cols()});
    if (g.rows() > 0 && g.cols() > 0)
      gemm(false, false, g.o, g.cols(), g.rows(), w.data(), cols.data(), T(0), prod.data());
    xt::xarray<T> out = xt::empty<T>(Shape{g.n, g.o, g.oh, g.ow});
    const T* b = bias.defined() ? bias.data<T>().data() : nullptr;
    for (std::size_t img = 0; img < g.n; ++img)
      for (std::size_t o = 0; o < g.o; ++o) {
        const T* src = prod.data() + o * g.cols() + img * g.plane();
        T* dst = out.data() + (img * g.o + o) * g.plane();
        const T shift = b ? b[o] : T(0);
        for (std::size_t i = 0; i < g.plane(); ++i) dst[i] = src[i] + shift;
      }
    // Only dW reads the columns: keep them only when the weight wants a gradient.
    if (!weight.requires_grad()) cols = xt::xarray<T>();
    return record<T>("conv2d", std::move(out), inputs, [g, cols = std::move(cols)](const Backward<T>& bw) {
      // dY back to the (O, N oh ow) layout of the forward product.
      xt::xarray<T> dy = xt::empty<T>(Shape{g.o, g.cols()});
      for (std::size_t img = 0; img < g.n; ++img)
        for (std::size_t o = 0; o < g.o; ++o)
          std::copy_n(bw.grad.data() + (img * g.o + o) * g.plane(), g.plane(),
                      dy.data() + o * g.cols() + img * g.plane());
      const bool work = g.rows() > 0 && g.cols() > 0;
      if (bw.needs(0)) {  // dcols = Wᵀ dY, then each column entry back onto its input pixel
        xt::xarray<T> dcols = xt::zeros<T>(Shape{g.rows(), g.cols()});
        if (work && g.o > 0)
          gemm(true, false, g.rows(), g.cols(), g.o, bw.input(1).data(), dy.data(), T(0), dcols.data());
        xt::xarray<T> dx = xt::zeros<T>(Shape{g.n, g.c, g.h, g.w});
        col2im(dcols.data(), g, dx.data());
        bw.add(0, std::move(dx));
      }
      if (bw.needs(1)) {  // dW = dY colsᵀ: the sum over images and pixels in one gemm
        xt::xarray<T> dw = xt::zeros<T>(Shape{g.o, g.c, g.kh, g.kw});
        if (work) gemm(false, true, g.o, g.rows(), g.cols(), dy.data(), cols.data(), T(0), dw.data());
        bw.add(1, std::move(dw));
      }
      if (bw.node.inputs().size() > 2 && bw.needs(2)) {  // db[o] = Σ dY[., o, ., .]
        xt::xarray<T> db = xt::empty<T>(Shape{g.o});
        for (std::size_t o = 0; o < g.o; ++o) {
          const T* row = dy.data() + o * g.cols();
          T s = 0;
          for (std::size_t i = 0; i < g.cols(); ++i) s += row[i];
          db(o) = s;
        }
        bw.add(2, std::move(db));
      }
    });
  });
}

}  // namespace xgrad
