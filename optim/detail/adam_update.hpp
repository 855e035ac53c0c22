#pragma once
// The update of Adam and AdamW (internal: included by adam.cpp only). It follows
// the single-tensor loop of torch.optim.Adam in PyTorch 1.13 operation for operation, so that
// results agree with PyTorch's to the last few bits:
//
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   v_max = max(v_max, v)                                   (amsgrad; v_max replaces v below)
//   denom = sqrt(v) / sqrt(1 - beta2^t) + eps
//   p = p - lr / (1 - beta1^t) * m / denom
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "xgrad/core/detail/parallel.hpp"
#include "xgrad/optim/detail/with_flags.hpp"

namespace xgrad::optim::detail {

struct AdamScalars {
  double lr, beta1, beta2, eps;
  double weight_decay;     // added to the gradient (Adam's L2 penalty), or 0
  double decoupled_decay;  // p *= 1 - lr * decoupled_decay first (AdamW), or 0
  bool maximize;
  std::int64_t step;  // t, counted from 1
};

// One element's update; the loop below instantiates it once per combination of the options, so
// that each instance is branch-free and the compiler vectorizes it (sqrt and divide included:
// they are correctly rounded in vector form too, so the bits do not change; adam.cpp builds
// with -fno-math-errno so that sqrt need not set errno).
template <bool Decoupled, bool Maximize, bool WeightDecay, bool AmsGrad, class T>
void adam_loop(T* __restrict w, const T* __restrict dw, T* __restrict m, T* __restrict v, T* __restrict v_max,
               std::size_t n, const AdamScalars& s) {
  const double t = static_cast<double>(s.step);
  const double bias_correction1 = 1 - std::pow(s.beta1, t);
  const double bias_correction2 = 1 - std::pow(s.beta2, t);
  const T neg_step_size = T(-(s.lr / bias_correction1));
  const T bias_correction2_sqrt = T(std::sqrt(bias_correction2));
  const T beta1 = T(s.beta1), beta2 = T(s.beta2), one_minus_beta1 = T(1 - s.beta1), one_minus_beta2 = T(1 - s.beta2);
  const T eps = T(s.eps), weight_decay = T(s.weight_decay), decay = T(1 - s.lr * s.decoupled_decay);
  for (std::size_t k = 0; k < n; ++k) {
    T p = w[k];
    if constexpr (Decoupled) p = p * decay;
    T g = Maximize ? -dw[k] : dw[k];
    if constexpr (WeightDecay) g = g + weight_decay * p;
    const T m1 = m[k] * beta1 + one_minus_beta1 * g;
    const T v1 = v[k] * beta2 + one_minus_beta2 * g * g;
    m[k] = m1;
    v[k] = v1;
    T second = v1;
    if constexpr (AmsGrad) {
      // torch.maximum propagates NaN.
      const T vm = (v_max[k] >= v1) ? v_max[k] : v1;
      v_max[k] = vm;
      second = vm;
    }
    const T denom = std::sqrt(second) / bias_correction2_sqrt + eps;  // vectorized: see -fno-math-errno

    w[k] = p + neg_step_size * m1 / denom;
  }
}

// Elements per piece when the update is split over the worker threads. Each element's update is
// independent of the others, so the split changes no bit. The sqrt and the two divisions make it
// compute-bound (~2 cycles per float with AVX2): a quarter of the MLP's step (W3) on one thread
// for its 784x256 weight, and half of that on two.
constexpr std::size_t kAdamGrain = 16384;

// v_max is null unless amsgrad.
template <class T>
void adam_update(T* w, const T* dw, T* m, T* v, T* v_max, std::size_t n, const AdamScalars& s) {
  with_flags(
      [&]<bool Decoupled, bool Maximize, bool WeightDecay, bool AmsGrad>() {
        xgrad::detail::parallel_ranges(n, kAdamGrain, [&](std::size_t b, std::size_t e) {
          adam_loop<Decoupled, Maximize, WeightDecay, AmsGrad>(w + b, dw + b, m + b, v + b,
                                                               AmsGrad ? v_max + b : nullptr, e - b, s);
        });
      },
      s.decoupled_decay != 0, s.maximize, s.weight_decay != 0, v_max != nullptr);
}

}  // namespace xgrad::optim::detail
