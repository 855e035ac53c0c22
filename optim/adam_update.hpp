#pragma once
// The update Adam and AdamW share (internal: included by adam.cpp and adamw.cpp only). It follows
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

namespace xgrad::optim::detail {

struct AdamScalars {
  double lr, beta1, beta2, eps;
  double weight_decay;     // added to the gradient (Adam's L2 penalty), or 0
  double decoupled_decay;  // p *= 1 - lr * decoupled_decay first (AdamW), or 0
  bool maximize;
  std::int64_t step;  // t, counted from 1
};

// v_max is null unless amsgrad.
template <class T>
void adam_update(T* w, const T* dw, T* m, T* v, T* v_max, std::size_t n, const AdamScalars& s) {
  const double t = static_cast<double>(s.step);
  const double bias_correction1 = 1 - std::pow(s.beta1, t);
  const double bias_correction2 = 1 - std::pow(s.beta2, t);
  const T neg_step_size = T(-(s.lr / bias_correction1));
  const T bias_correction2_sqrt = T(std::sqrt(bias_correction2));
  const T beta1 = T(s.beta1), beta2 = T(s.beta2), one_minus_beta1 = T(1 - s.beta1), one_minus_beta2 = T(1 - s.beta2);
  const T eps = T(s.eps), weight_decay = T(s.weight_decay), decay = T(1 - s.lr * s.decoupled_decay);
  for (std::size_t k = 0; k < n; ++k) {
    if (s.decoupled_decay != 0) w[k] = w[k] * decay;
    T g = s.maximize ? -dw[k] : dw[k];
    if (s.weight_decay != 0) g = g + weight_decay * w[k];
    m[k] = m[k] * beta1;
    m[k] = m[k] + one_minus_beta1 * g;
    v[k] = v[k] * beta2;
    v[k] = v[k] + one_minus_beta2 * g * g;
    T second = v[k];
    if (v_max) {
      // torch.maximum propagates NaN.
      if (!(v_max[k] >= v[k])) v_max[k] = v[k];
      second = v_max[k];
    }
    const T denom = std::sqrt(second) / bias_correction2_sqrt + eps;
    w[k] = w[k] + neg_step_size * m[k] / denom;
  }
}

}  // namespace xgrad::optim::detail
