#include "xgrad/optim/rmsprop.hpp"

#include <cmath>

#include "xgrad/core/autograd.hpp"

namespace xgrad::optim {

void RMSpropOptions::validate() const {
  if (!(lr >= 0)) fail("RMSprop", "lr must be >= 0, got ", lr);
  if (!std::isfinite(lr)) fail("RMSprop", "lr must be finite, got ", lr);
  if (!(alpha >= 0 && alpha <= 1)) fail("RMSprop", "alpha must be in [0, 1], got ", alpha);
  if (!(eps >= 0)) fail("RMSprop", "eps must be >= 0, got ", eps);
  // eps = 0 divides 0 by 0 wherever a gradient (hence the second moment) is zero.
  if (!(eps > 0 && std::isfinite(eps))) fail("RMSprop", "eps must be > 0 and finite, got ", eps);
  if (!(weight_decay >= 0)) fail("RMSprop", "weight_decay must be >= 0, got ", weight_decay);
  if (!(momentum >= 0)) fail("RMSprop", "momentum must be >= 0, got ", momentum);
}

RMSprop::RMSprop(std::vector<Tensor> params, RMSpropOptions options)
    : RMSprop(std::vector<ParamGroup<RMSpropOptions>>{{std::move(params), options}}) {}

RMSprop::RMSprop(std::vector<ParamGroup<RMSpropOptions>> groups)
    : OptimizerWithOptions("RMSprop", /*counts_steps=*/true, std::move(groups)) {}

std::vector<std::string> RMSprop::required_buffers(std::size_t group) const {
  std::vector<std::string> names = {"square_avg"};
  if (options(group).momentum > 0) names.push_back("momentum_buffer");
  if (options(group).centered) names.push_back("grad_avg");
  return names;
}

void RMSprop::step() {
  NoGradGuard no_grad;
  for (std::size_t g = 0; g < num_param_groups(); ++g) {
    const RMSpropOptions& o = options(g);
    for (std::size_t i = 0; i < params(g).size(); ++i) {
      Tensor p = params(g)[i];
      const Tensor grad = grad_of(p);
      if (!grad.defined()) continue;
      ParamState& s = state(g, i);
      ++s.step;
      dispatch_float("RMSprop.step", p, [&]<class T>() {
        T* w = p.data<T>().data();
        const T* dw = grad.data<T>().data();
        T* v = buffer(s, "square_avg", p).template data<T>().data();
        T* b = o.momentum > 0 ? buffer(s, "momentum_buffer", p).template data<T>().data() : nullptr;
        T* a = o.centered ? buffer(s, "grad_avg", p).template data<T>().data() : nullptr;
        const T alpha = T(o.alpha), one_minus_alpha = T(1 - o.alpha), eps = T(o.eps);
        const T weight_decay = T(o.weight_decay), momentum = T(o.momentum), neg_lr = T(-o.lr);
        // One pass per element, in the order of PyTorch's single-tensor loop.
        for (std::size_t k = 0, n = p.numel(); k < n; ++k) {
          T d = o.maximize ? -dw[k] : dw[k];
          if (o.weight_decay != 0) d = d + weight_decay * w[k];
          v[k] = v[k] * alpha;
          v[k] = v[k] + one_minus_alpha * d * d;
          T avg;
          if (a) {
            a[k] = a[k] * alpha;
            a[k] = a[k] + one_minus_alpha * d;
            avg = std::sqrt(v[k] + T(-1) * a[k] * a[k]);
          } else {
            avg = std::sqrt(v[k]);
          }
          avg = avg + eps;
          if (b) {
            b[k] = b[k] * momentum;
            b[k] = b[k] + d / avg;
            w[k] = w[k] + neg_lr * b[k];
          } else {
            w[k] = w[k] + neg_lr * d / avg;
          }
        }
      });
    }
  }
}

}  // namespace xgrad::optim
