#include "xgrad/optim/sgd.hpp"

#include <cmath>

#include "xgrad/core/autograd.hpp"
#include "xgrad/optim/detail/check_range.hpp"
#include "xgrad/optim/detail/with_flags.hpp"

namespace xgrad::optim {

void SGDOptions::validate() const {
  detail::CheckRange("SGD")
      .at_least("lr", lr, 0)
      .finite("lr", lr)
      .at_least("momentum", momentum, 0)
      .at_least("weight_decay", weight_decay, 0);
  if (nesterov && (momentum <= 0 || dampening != 0))
    fail("SGD", "nesterov needs momentum > 0 and dampening = 0, got momentum ", momentum, " and dampening ", dampening);
}

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : SGD(std::vector<ParamGroup<SGDOptions>>{{std::move(params), options}}) {}

SGD::SGD(std::vector<ParamGroup<SGDOptions>> groups)
    : OptimizerWithOptions("SGD", /*counts_steps=*/false, std::move(groups)) {}

std::vector<std::string> SGD::required_buffers(std::size_t group) const {
  if (options(group).momentum != 0) return {"momentum_buffer"};
  return {};
}

namespace {

// The update's constants, in the parameter's type.
template <class T>
struct SgdScalars {
  T weight_decay, momentum, one_minus_dampening, neg_lr;
};

// One pass per element does what PyTorch's whole-tensor ops do, in the same order; one instance
// per combination of the options (with_flags), so that it vectorizes (tested per element, the
// options kept it scalar: 10-15% of a softmax-regression step).
template <bool Maximize, bool WeightDecay, bool Momentum, bool Nesterov, bool First, class T>
void sgd_loop(T* __restrict w, const T* __restrict dw, T* __restrict b, std::size_t n, SgdScalars<T> s) {
  for (std::size_t k = 0; k < n; ++k) {
    T d = Maximize ? -dw[k] : dw[k];
    if constexpr (WeightDecay) d = d + s.weight_decay * w[k];
    if constexpr (Momentum) {
      b[k] = First ? d : b[k] * s.momentum + s.one_minus_dampening * d;
      d = Nesterov ? d + s.momentum * b[k] : b[k];
    }
    w[k] = w[k] + s.neg_lr * d;
  }
}

}  // namespace

void SGD::step() {
  NoGradGuard no_grad;
  for (std::size_t g = 0; g < num_param_groups(); ++g) {
    const SGDOptions& o = options(g);
    for (std::size_t i = 0; i < params(g).size(); ++i) {
      Tensor p = params(g)[i];
      const Tensor grad = grad_of(p);
      if (!grad.defined()) continue;
      dispatch_float("SGD.step", p, [&]<class T>() {
        T* w = p.data<T>().data();
        const T* dw = grad.data<T>().data();
        const SgdScalars<T> scalars{T(o.weight_decay), T(o.momentum), T(1.0 - o.dampening), T(-o.lr)};
        T* b = nullptr;
        bool first = false;
        if (o.momentum != 0) {
          ParamState& s = state(g, i);
          first = !s.buffers.count("momentum_buffer");
          b = buffer(s, "momentum_buffer", p).template data<T>().data();
        }
        detail::with_flags(
            [&]<bool Maximize, bool WeightDecay, bool Momentum, bool Nesterov, bool First>() {
              sgd_loop<Maximize, WeightDecay, Momentum, Nesterov, First>(w, dw, b, p.numel(), scalars);
            },
            o.maximize, o.weight_decay != 0, b != nullptr, o.nesterov, first);
      });
    }
  }
}

}  // namespace xgrad::optim
