#include "xgrad/core/ops/batch_norm.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>
#include <xsimd/xsimd.hpp>

#include "xgrad/core/detail/kernels.hpp"
#include "xgrad/core/detail/parallel.hpp"
#include "xgrad/core/function.hpp"

namespace xgrad {

namespace {

constexpr const char* kOp = "batch_norm";

// Values summed in SIMD lanes of T before their total is added in double: float lanes keep about
// 1e-7 relative over a piece this long, and the double total keeps that over any batch.
constexpr std::size_t kPiece = 1024;

// Below this many values the op stays on the calling thread: waking a worker costs more.
constexpr std::size_t kParallelValues = 1 << 15;

// An (N, C, ...) array seen as N x C blocks of `inner` contiguous values; channel c owns blocks
// b C + c for b in [0, N).
struct Layout {
  std::size_t n, c, inner;
  double count() const { return double(n * inner); }  // values per channel
  std::size_t offset(std::size_t b, std::size_t ch) const { return (b * c + ch) * inner; }
};

// total[k] += Σ f(in[i]...)[k] over i in [0, len). f takes and returns SIMD batches or scalars
// (a generic lambda). Four batches in flight per sum hide the add latency; the order of every
// addition depends only on len, so a channel's sums are the same whichever thread runs it.
template <class T, std::size_t K, class F, class... In>
void add_sums(std::array<double, K>& total, std::size_t len, F f, const In*... in) {
  using Batch = xsimd::batch<T>;
  constexpr std::size_t W = Batch::size, U = 4;
  for (std::size_t start = 0; start < len; start += kPiece) {
    const std::size_t end = std::min(len, start + kPiece);
    std::array<std::array<Batch, U>, K> acc;
    for (auto& a : acc) a.fill(Batch(T(0)));
    std::size_t i = start;
    for (; i + U * W <= end; i += U * W)
      for (std::size_t u = 0; u < U; ++u) {
        const auto v = f(Batch::load_unaligned(in + i + u * W)...);
        for (std::size_t k = 0; k < K; ++k) acc[k][u] += v[k];
      }
    for (; i + W <= end; i += W) {
      const auto v = f(Batch::load_unaligned(in + i)...);
      for (std::size_t k = 0; k < K; ++k) acc[k][0] += v[k];
    }
    for (std::size_t k = 0; k < K; ++k)
      total[k] += double(xsimd::hadd((acc[k][0] + acc[k][1]) + (acc[k][2] + acc[k][3])));
    for (; i < end; ++i) {
      const auto v = f(in[i]...);
      for (std::size_t k = 0; k < K; ++k) total[k] += double(v[k]);
    }
  }
}

// Calls f(ch) for every channel, split over the worker threads when the array is large. Each
// channel's arithmetic is the same on any thread, so the result does not depend on the split.
template <class F>
void for_each_channel(const Layout& l, F f) {
  const std::size_t threads = l.n * l.c * l.inner >= kParallelValues ? std::min(detail::thread_count(), l.c) : 1;
  if (threads <= 1) {
    for (std::size_t ch = 0; ch < l.c; ++ch) f(ch);
    return;
  }
  detail::run_workers(threads, [&](std::size_t t) {
    for (std::size_t ch = t * l.c / threads; ch < (t + 1) * l.c / threads; ++ch) f(ch);
  });
}

// A per-channel tensor must be (C) and of the input's dtype.
void check_channel_tensor(const char* name, const Tensor& t, const Tensor& input, std::size_t c) {
  if (!t.defined()) return;
  if (t.shape() != Shape{c})
    fail(kOp, name, " has shape ", to_string(t.shape()), " but the input ", to_string(input.shape()), " has ", c,
         " channels; expected (", c, ")");
  if (t.dtype() != input.dtype())
    fail(kOp, "the input is ", input.dtype(), " but ", name, " is ", t.dtype(), "; convert one of them with .to()");
}

// What the backward needs per channel: the mean and 1 / sqrt(var + eps) the forward used.
struct Stats {
  std::vector<double> mean, invstd;
};

}  // namespace

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  if (!input.defined()) fail(kOp, "the input is undefined");
  const Shape s = input.shape();
  if (s.size() < 2) fail(kOp, "expected an input (N, C, ...) with at least 2 dims, got shape ", to_string(s));
  std::size_t inner = 1;
  for (std::size_t d = 2; d < s.size(); ++d) inner *= s[d];
  const Layout l{s[0], s[1], inner};
  check_channel_tensor("running_mean", running_mean, input, l.c);
  check_channel_tensor("running_var", running_var, input, l.c);
  check_channel_tensor("weight", weight, input, l.c);
  check_channel_tensor("bias", bias, input, l.c);
  if (running_mean.defined() != running_var.defined())
    fail(kOp, "running_mean and running_var must both be given or both be undefined");
  if (!(eps >= 0)) fail(kOp, "eps must be non-negative, got ", eps);
  if (!(momentum >= 0 && momentum <= 1)) fail(kOp, "momentum must be in [0, 1], got ", momentum);
  if (!training && !running_mean.defined())
    fail(kOp, "eval mode (training = false) needs running_mean and running_var; pass them or set training");
  if (training && l.n * l.inner <= 1)
    fail(kOp, "Expected more than 1 value per channel when training, got input shape ", to_string(s));

  return visit_float(kOp, input, [&]<class T>(const xt::xarray<T>& xa) {
    const T* x = xa.data();
    const T* w = weight.defined() ? weight.data<T>().data() : nullptr;
    const T* bi = bias.defined() ? bias.data<T>().data() : nullptr;
    Stats st{std::vector<double>(l.c), std::vector<double>(l.c)};
    Tensor rm_tensor = running_mean, rv_tensor = running_var;  // updated in place in training
    T* rm = rm_tensor.defined() ? rm_tensor.data<T>().data() : nullptr;
    T* rv = rv_tensor.defined() ? rv_tensor.data<T>().data() : nullptr;
    if (!training)
      for (std::size_t ch = 0; ch < l.c; ++ch) {
        const double v = double(rv[ch]);
        if (!(v + eps > 0))
          fail(kOp, "running_var + eps must be positive, got running_var[", ch, "] = ", v, " and eps = ", eps);
        st.mean[ch] = double(rm[ch]);
        st.invstd[ch] = 1 / std::sqrt(v + eps);
      }

    xt::xarray<T> y = xt::empty<T>(xa.shape());
    for_each_channel(l, [&](std::size_t ch) {
      if (training) {  // the mean, then the variance around it: two passes, no cancellation
        std::array<double, 1> sum{};
        for (std::size_t b = 0; b < l.n; ++b)
          add_sums<T>(
              sum, l.inner, [](auto v) { return std::array{v}; }, x + l.offset(b, ch));
        const double mean = sum[0] / l.count();
        const T m = T(mean);
        std::array<double, 1> sq{};
        for (std::size_t b = 0; b < l.n; ++b)
          add_sums<T>(
              sq, l.inner,
              [m](auto v) {
                const auto d = v - decltype(v)(m);
                return std::array{d * d};
              },
              x + l.offset(b, ch));
        // Σ (x - m)² = Σ (x - mean)² + n (mean - m)²: the rounding of the mean taken back out.
        const double var = std::max(0.0, sq[0] / l.count() - (mean - double(m)) * (mean - double(m)));
        st.mean[ch] = mean;
        st.invstd[ch] = 1 / std::sqrt(var + eps);
        if (rm) {  // in place, outside the graph, in double then rounded once
          rm[ch] = T((1 - momentum) * double(rm[ch]) + momentum * mean);
          rv[ch] = T((1 - momentum) * double(rv[ch]) + momentum * var * l.count() / (l.count() - 1));
        }
      }
      // y = (x - m) scale + shift, with m the mean rounded to T and the rest of it in shift.
      const T m = T(st.mean[ch]);
      const double scale = (w ? double(w[ch]) : 1.0) * st.invstd[ch];
      const T a = T(scale), c = T((bi ? double(bi[ch]) : 0.0) - (st.mean[ch] - double(m)) * scale);
      for (std::size_t b = 0; b < l.n; ++b)
        kernels::simd_map(
            std::size_t(0), l.inner, y.data() + l.offset(b, ch),
            [m, a, c](auto v) {
              using B = decltype(v);
              return xsimd::fma(v - B(m), B(a), B(c));
            },
            x + l.offset(b, ch));
    });

    std::vector<Tensor> inputs{input};
    const std::size_t w_at = weight.defined() ? inputs.size() : 0;
    if (weight.defined()) inputs.push_back(weight);
    const std::size_t b_at = bias.defined() ? inputs.size() : 0;
    if (bias.defined()) inputs.push_back(bias);
    return record<T>(
        kOp, std::move(y), std::move(inputs), [l, st = std::move(st), training, w_at, b_at](const Backward<T>& bw) {
          // Per channel, xhat = (x - mean) invstd, a = weight invstd:
          //   db = Σ dy,  dw = Σ dy xhat,
          //   dx = a (dy - Σ dy / n - xhat Σ dy xhat / n)  in training (mean and var depend on x),
          //   dx = a dy                                    in eval.
          const bool need_x = bw.needs(0), need_w = w_at && bw.needs(w_at), need_b = b_at && bw.needs(b_at);
          const T* x = bw.input(0).data();
          const T* dy = bw.grad.data();
          const T* w = w_at ? bw.input(w_at).data() : nullptr;
          xt::xarray<T> dx = need_x ? xt::xarray<T>(xt::empty<T>(bw.grad.shape())) : xt::xarray<T>();
          xt::xarray<T> dw = need_w ? xt::xarray<T>(xt::empty<T>(Shape{l.c})) : xt::xarray<T>();
          xt::xarray<T> db = need_b ? xt::xarray<T>(xt::empty<T>(Shape{l.c})) : xt::xarray<T>();
          const bool need_sums = need_w || need_b || (need_x && training);
          for_each_channel(l, [&](std::size_t ch) {
            const double mean = st.mean[ch], invstd = st.invstd[ch];
            const T m = T(mean);
            double sdy = 0, sdyx = 0;  // Σ dy and Σ dy (x - mean)
            if (need_sums) {
              std::array<double, 2> sums{};
              for (std::size_t b = 0; b < l.n; ++b)
                add_sums<T>(
                    sums, l.inner,
                    [m](auto v, auto g) {
                      return std::array{g, g * (v - decltype(v)(m))};
                    },
                    x + l.offset(b, ch), dy + l.offset(b, ch));
              sdy = sums[0];
              sdyx = sums[1] - (mean - double(m)) * sdy;
            }
            if (need_b) db(ch) = T(sdy);
            if (need_w) dw(ch) = T(sdyx * invstd);
            if (!need_x) return;
            const double a = (w ? double(w[ch]) : 1.0) * invstd;
            T* out = dx.data();
            if (!training) {
              const T at = T(a);
              for (std::size_t b = 0; b < l.n; ++b)
                kernels::simd_map(
                    std::size_t(0), l.inner, out + l.offset(b, ch), [at](auto g) { return g * decltype(g)(at); },
                    dy + l.offset(b, ch));
              return;
            }
            // dx = a (dy - (x - mean) k - Σ dy / n), k = invstd² Σ dy (x - mean) / n; (x - mean) as
            // (x - m) - (mean - m), the second part folded into the constant.
            const double k = invstd * invstd * sdyx / l.count();
            const T kt = T(k), at = T(a), ct = T(sdy / l.count() - (mean - double(m)) * k);
            for (std::size_t b = 0; b < l.n; ++b)
              kernels::simd_map(
                  std::size_t(0), l.inner, out + l.offset(b, ch),
                  [m, kt, at, ct](auto v, auto g) {
                    using B = decltype(v);
                    return (g - xsimd::fma(v - B(m), B(kt), B(ct))) * B(at);
                  },
                  x + l.offset(b, ch), dy + l.offset(b, ch));
          });
          if (need_x) bw.add(0, std::move(dx));
          if (need_w) bw.add(w_at, std::move(dw));
          if (need_b) bw.add(b_at, std::move(db));
        });
  });
}

}  // namespace xgrad
