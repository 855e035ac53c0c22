#include "xgrad/nn/clip_grad.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "xgrad/core/error.hpp"

namespace xgrad::nn::utils {

namespace {

// Calls f(xt::xarray<T>&) with the gradient's array.
template <class F>
void with_grad(const char* op, Tensor grad, F&& f) {
  switch (grad.dtype()) {
    case kFloat32: f(grad.data<float>()); break;
    case kFloat64: f(grad.data<double>()); break;
    default: fail(op, "gradients must be float32 or float64, got ", grad.dtype());
  }
}

// ||x||_p of one gradient, accumulated in double.
double norm_of(const Tensor& grad, double p) {
  double acc = 0;
  with_grad("clip_grad_norm_", grad, [&](const auto& g) {
    for (const auto v : g) {
      const double a = std::abs(static_cast<double>(v));
      if (std::isinf(p))
        acc = std::isnan(a) || a > acc ? a : acc;  // NaN wins, as in torch.max
      else if (p == 1)
        acc += a;
      else if (p == 2)
        acc += a * a;
      else
        acc += std::pow(a, p);
    }
  });
  if (std::isinf(p) || p == 1) return acc;
  return p == 2 ? std::sqrt(acc) : std::pow(acc, 1.0 / p);
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type, bool error_if_nonfinite) {
  const char* op = "clip_grad_norm_";
  if (!(max_norm >= 0)) fail(op, "max_norm must be >= 0, got ", max_norm);
  if (!(norm_type > 0)) fail(op, "norm_type must be > 0 (or infinity), got ", norm_type);
  std::vector<Tensor> grads;
  for (const Tensor& p : params) {
    if (!p.defined()) fail(op, "a parameter is an undefined tensor");
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  if (grads.empty()) return 0.0;

  // Like PyTorch: the norm of each gradient, then the norm of those norms.
  std::vector<double> norms;
  for (const Tensor& g : grads) norms.push_back(norm_of(g, norm_type));
  double total = 0;
  if (std::isinf(norm_type)) {
    for (double n : norms) total = std::isnan(n) || n > total ? n : total;
  } else {
    for (double n : norms) total += norm_type == 2 ? n * n : std::pow(n, norm_type);
    total = norm_type == 2 ? std::sqrt(total) : norm_type == 1 ? total : std::pow(total, 1.0 / norm_type);
  }
  if (error_if_nonfinite && !std::isfinite(total))
    fail(op, "the total norm of order ", norm_type, " of the gradients is ", total,
         ", so they cannot be clipped; pass error_if_nonfinite = false to scale by it anyway");

  const double coef = std::min(max_norm / (total + 1e-6), 1.0);
  for (Tensor& g : grads)
    with_grad(op, g, [&](auto& a) {
      using T = typename std::decay_t<decltype(a)>::value_type;
      const T c = static_cast<T>(coef);
      for (auto& v : a) v = v * c;
    });
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  const char* op = "clip_grad_value_";
  if (!(clip_value >= 0)) fail(op, "clip_value must be >= 0, got ", clip_value);
  for (const Tensor& p : params) {
    if (!p.defined()) fail(op, "a parameter is an undefined tensor");
    if (!p.grad().defined()) continue;
    with_grad(op, p.grad(), [&](auto& a) {
      using T = typename std::decay_t<decltype(a)>::value_type;
      const T lo = static_cast<T>(-clip_value), hi = static_cast<T>(clip_value);
      for (auto& v : a) v = std::isnan(v) ? v : std::min(std::max(v, lo), hi);
    });
  }
}

}  // namespace xgrad::nn::utils
