#include "xgrad/optim/rmsprop.hpp"

#include <cmath>

#include "xgrad/core/autograd.hpp"
#include "xgrad/optim/detail/check_range.hpp"

namespace xgrad::optim {

void RMSpropOptions::validate() const {
  const detail::CheckRange check("RMSprop");
  check.at_least("lr", lr, 0).finite("lr", lr).in("alpha", alpha, 0, 1).at_least("eps", eps, 0);
  // eps = 0 divides 0 by 0 wherever a gradient (hence the second moment) is zero.
  check.above_finite("eps", eps, 0).at_least("weight_decay", weight_decay, 0).at_least("momentum", momentum, 0);
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
  check_step_counts();  // before any parameter changes
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
