#include "xgrad/optim/sgd.hpp"

#include "xgrad/core/autograd.hpp"

namespace xgrad::optim {

void SGDOptions::validate() const {
  if (!(lr >= 0)) fail("SGD", ": lr must be >= 0, got ", lr);
  if (!(momentum >= 0)) fail("SGD", ": momentum must be >= 0, got ", momentum);
  if (!(weight_decay >= 0)) fail("SGD", ": weight_decay must be >= 0, got ", weight_decay);
  if (nesterov && (momentum <= 0 || dampening != 0))
    fail("SGD", ": nesterov needs momentum > 0 and dampening = 0, got momentum ", momentum, " and dampening ",
         dampening);
}

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : SGD(std::vector<ParamGroup<SGDOptions>>{{std::move(params), options}}) {}

SGD::SGD(std::vector<ParamGroup<SGDOptions>> groups)
    : OptimizerWithOptions("SGD", /*counts_steps=*/false, std::move(groups)) {}

std::vector<std::string> SGD::required_buffers(std::size_t group) const {
  if (options(group).momentum != 0) return {"momentum_buffer"};
  return {};
}

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
        const std::size_t n = p.numel();
        // One pass per element does what PyTorch's whole-tensor ops do, in the same order.
        const T weight_decay = T(o.weight_decay), momentum = T(o.momentum), neg_lr = T(-o.lr);
        const T one_minus_dampening = T(1.0 - o.dampening);
        T* b = nullptr;
        bool first = false;
        if (o.momentum != 0) {
          ParamState& s = state(g, i);
          first = !s.buffers.count("momentum_buffer");
          b = buffer(s, "momentum_buffer", p).template data<T>().data();
        }
        for (std::size_t k = 0; k < n; ++k) {
          T d = o.maximize ? -dw[k] : dw[k];
          if (o.weight_decay != 0) d = d + weight_decay * w[k];
          if (b) {
            b[k] = first ? d : b[k] * momentum + one_minus_dampening * d;
            d = o.nesterov ? d + momentum * b[k] : b[k];
          }
          w[k] = w[k] + neg_lr * d;
        }
      });
    }
  }
}

}  // namespace xgrad::optim
