#include "xgrad/core/ops/pooling.hpp"

#include <cmath>
#include <limits>

#include "xgrad/core/function.hpp"

namespace xgrad {

namespace {
// One output position's window along one axis: input indices [lo, hi), and how many positions
// it spans counting the padding (avg_pool2d's divisor with count_include_pad).
struct Window {
  std::size_t lo, hi, padded;
};
using Windows = std::vector<Window>;

// Sliding windows: output i starts at i stride - pad and ends kernel later, but not past the
// padding; the part inside the input is [lo, hi).
Windows sliding(std::size_t size, std::size_t kernel, std::size_t stride, std::size_t pad, std::size_t out) {
  Windows ws(out);
  for (std::size_t i = 0; i < out; ++i) {
    const auto start = std::int64_t(i * stride) - std::int64_t(pad);
    const auto end = std::min(start + std::int64_t(kernel), std::int64_t(size + pad));
    ws[i] = {std::size_t(std::max<std::int64_t>(start, 0)), std::size_t(std::min(end, std::int64_t(size))),
             std::size_t(end - start)};
  }
  return ws;
}

// Adaptive windows: output i of out covers [floor(i size / out), ceil((i + 1) size / out)).
Windows adaptive(std::size_t size, std::size_t out) {
  Windows ws(out);
  for (std::size_t i = 0; i < out; ++i) {
    const std::size_t lo = i * size / out, hi = ((i + 1) * size + out - 1) / out;
    ws[i] = {lo, hi, hi - lo};
  }
  return ws;
}

struct Plan {
  std::size_t planes, h, w;  // N C planes of H x W
  Windows rows, cols;        // one window per output row and per output column
  Shape out_shape;
};

Plan plan_for(const Tensor& x, Windows rows, Windows cols) {
  const Shape s = x.shape();
  Shape out{s[0], s[1], rows.size(), cols.size()};
  return {s[0] * s[1], s[2], s[3], std::move(rows), std::move(cols), std::move(out)};
}

void check_input(const char* op, const Tensor& x) {
  if (!x.defined()) fail(op, "the input tensor is undefined");
  if (x.dim() != 4)
    fail(op, "expected a 4-D input (N, C, H, W), got shape ", to_string(x.shape()),
         x.dim() == 3 ? "; add a batch dim with unsqueeze(0)" : "");
}

// Checks kernel, stride and padding the way PyTorch does and returns the windows of each axis.
Plan sliding_plan(const char* op, const Tensor& x, Size2 kernel, Size2& stride, Size2 padding) {
  check_input(op, x);
  if (stride == Size2(0)) stride = kernel;
  if (kernel.h < 1 || kernel.w < 1) fail(op, "kernel size must be positive, got ", kernel);
  if (stride.h < 1 || stride.w < 1) fail(op, "stride must be positive, got ", stride);
  if (padding.h < 0 || padding.w < 0 || 2 * padding.h > kernel.h || 2 * padding.w > kernel.w)
    fail(op, "padding ", padding, " must be between 0 and half the kernel size ", kernel);
  const Shape s = x.shape();
  const auto h = std::int64_t(s[2]), w = std::int64_t(s[3]);
  if (h + 2 * padding.h < kernel.h || w + 2 * padding.w < kernel.w)
    fail(op, "the kernel ", kernel, " is larger than the padded input (", h + 2 * padding.h, ", ", w + 2 * padding.w,
         ") of input shape ", to_string(s), " with padding ", padding);
  const auto oh = std::size_t((h + 2 * padding.h - kernel.h) / stride.h + 1);
  const auto ow = std::size_t((w + 2 * padding.w - kernel.w) / stride.w + 1);
  return plan_for(x, sliding(s[2], std::size_t(kernel.h), std::size_t(stride.h), std::size_t(padding.h), oh),
                  sliding(s[3], std::size_t(kernel.w), std::size_t(stride.w), std::size_t(padding.w), ow));
}

// The mean of each window; the backward spreads each output's gradient evenly back over it.
Tensor average(const char* op, const Tensor& x, const Plan& p, bool count_padding) {
  // divisor[i j] for output (i, j); an empty window (all padding) gives 0 like PyTorch's.
  std::vector<double> divisor;
  for (const Window& r : p.rows)
    for (const Window& c : p.cols)
      divisor.push_back(double(count_padding ? r.padded * c.padded : (r.hi - r.lo) * (c.hi - c.lo)));
  return visit_float(op, x, [&]<class T>(const xt::xarray<T>& a) {
    xt::xarray<T> out = xt::empty<T>(p.out_shape);
    const std::size_t area = p.rows.size() * p.cols.size();
    for (std::size_t plane = 0; plane < p.planes; ++plane) {
      const T* in = a.data() + plane * p.h * p.w;
      T* dst = out.data() + plane * area;
      for (std::size_t i = 0; i < p.rows.size(); ++i)
        for (std::size_t j = 0; j < p.cols.size(); ++j) {
          T sum = 0;
          for (std::size_t y = p.rows[i].lo; y < p.rows[i].hi; ++y)
            for (std::size_t x = p.cols[j].lo; x < p.cols[j].hi; ++x) sum += in[y * p.w + x];
          const std::size_t k = i * p.cols.size() + j;
          dst[k] = divisor[k] > 0 ? sum / T(divisor[k]) : T(0);
        }
    }
    return record<T>(op, std::move(out), {x}, [p, divisor, area](const Backward<T>& b) {
      xt::xarray<T> g = xt::zeros<T>(b.input(0).shape());
      for (std::size_t plane = 0; plane < p.planes; ++plane) {
        T* dst = g.data() + plane * p.h * p.w;
        const T* dy = b.grad.data() + plane * area;
        for (std::size_t i = 0; i < p.rows.size(); ++i)
          for (std::size_t j = 0; j < p.cols.size(); ++j) {
            const std::size_t k = i * p.cols.size() + j;
            if (divisor[k] == 0) continue;
            const T share = dy[k] / T(divisor[k]);
            for (std::size_t y = p.rows[i].lo; y < p.rows[i].hi; ++y)
              for (std::size_t x = p.cols[j].lo; x < p.cols[j].hi; ++x) dst[y * p.w + x] += share;
          }
      }
      b.add(0, std::move(g));
    });
  });
}
}  // namespace

Tensor max_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding) {
  const Plan p = sliding_plan("max_pool2d", x, kernel, stride, padding);
  return visit_float("max_pool2d", x, [&]<class T>(const xt::xarray<T>& a) {
    xt::xarray<T> out = xt::empty<T>(p.out_shape);
    const std::size_t area = p.rows.size() * p.cols.size();
    // The flat input index each output took its value from: the backward's only need.
    std::vector<std::size_t> argmax(p.planes * area);
    for (std::size_t plane = 0; plane < p.planes; ++plane) {
      const T* in = a.data() + plane * p.h * p.w;
      for (std::size_t i = 0; i < p.rows.size(); ++i)
        for (std::size_t j = 0; j < p.cols.size(); ++j) {
          // PyTorch's loop: start at -inf on the window's first pixel, take strictly greater
          // values, and any NaN.
          std::size_t best = p.rows[i].lo * p.w + p.cols[j].lo;
          T best_value = -std::numeric_limits<T>::infinity();
          for (std::size_t y = p.rows[i].lo; y < p.rows[i].hi; ++y)
            for (std::size_t x = p.cols[j].lo; x < p.cols[j].hi; ++x) {
              const T v = in[y * p.w + x];
              if (v > best_value || std::isnan(v)) {
                best_value = v;
                best = y * p.w + x;
              }
            }
          const std::size_t k = plane * area + i * p.cols.size() + j;
          out.data()[k] = best_value;
          argmax[k] = plane * p.h * p.w + best;
        }
    }
    return record<T>("max_pool2d", std::move(out), {x}, [argmax = std::move(argmax)](const Backward<T>& b) {
      xt::xarray<T> g = xt::zeros<T>(b.input(0).shape());
      for (std::size_t k = 0; k < argmax.size(); ++k) g.data()[argmax[k]] += b.grad.data()[k];
      b.add(0, std::move(g));
    });
  });
}

Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, bool count_include_pad) {
  return average("avg_pool2d", x, sliding_plan("avg_pool2d", x, kernel, stride, padding), count_include_pad);
}

Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size) {
  check_input("adaptive_avg_pool2d", x);
  if (output_size.h < 1 || output_size.w < 1)
    fail("adaptive_avg_pool2d", "output size must be positive, got ", output_size);
  const Shape s = x.shape();
  if (s[2] == 0 || s[3] == 0)
    fail("adaptive_avg_pool2d", "cannot pool an input with an empty plane, shape ", to_string(s));
  return average("adaptive_avg_pool2d", x,
                 plan_for(x, adaptive(s[2], std::size_t(output_size.h)), adaptive(s[3], std::size_t(output_size.w))),
                 false);
}

}  // namespace xgrad
