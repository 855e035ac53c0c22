#include "xgrad/optim/adam.hpp"

#include <cmath>

#include "xgrad/core/autograd.hpp"
#include "xgrad/optim/detail/adam_update.hpp"

namespace xgrad::optim {

void AdamOptions::validate() const {
  if (!(lr >= 0)) fail("Adam", "lr must be >= 0, got ", lr);
  if (!std::isfinite(lr)) fail("Adam", "lr must be finite, got ", lr);
  if (!(betas[0] >= 0 && betas[0] < 1)) fail("Adam", "betas[0] must be in [0, 1), got ", betas[0]);
  if (!(betas[1] >= 0 && betas[1] < 1)) fail("Adam", "betas[1] must be in [0, 1), got ", betas[1]);
  if (!(eps >= 0)) fail("Adam", "eps must be >= 0, got ", eps);
  // eps = 0 divides 0 by 0 wherever a gradient (hence the second moment) is zero.
  if (!(eps > 0 && std::isfinite(eps))) fail("Adam", "eps must be > 0 and finite, got ", eps);
  if (!(weight_decay >= 0)) fail("Adam", "weight_decay must be >= 0, got ", weight_decay);
}

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Adam(std::vector<ParamGroup<AdamOptions>>{{std::move(params), options}}) {}

Adam::Adam(std::vector<ParamGroup<AdamOptions>> groups)
    : OptimizerWithOptions("Adam", /*counts_steps=*/true, std::move(groups)) {}

std::vector<std::string> Adam::required_buffers(std::size_t group) const {
  if (options(group).amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"exp_avg", "exp_avg_sq"};
}

void Adam::step() {
  NoGradGuard no_grad;
  for (std::size_t g = 0; g < num_param_groups(); ++g) {
    const AdamOptions& o = options(g);
    for (std::size_t i = 0; i < params(g).size(); ++i) {
      Tensor p = params(g)[i];
      const Tensor grad = grad_of(p);
      if (!grad.defined()) continue;
      ParamState& s = state(g, i);
      ++s.step;
      dispatch_float("Adam.step", p, [&]<class T>() {
        T* v_max = o.amsgrad ? buffer(s, "max_exp_avg_sq", p).template data<T>().data() : nullptr;
        detail::adam_update<T>(p.data<T>().data(), grad.data<T>().data(),
                               buffer(s, "exp_avg", p).template data<T>().data(),
                               buffer(s, "exp_avg_sq", p).template data<T>().data(), v_max, p.numel(),
                               {o.lr, o.betas[0], o.betas[1], o.eps, o.weight_decay, 0.0, o.maximize, s.step});
      });
    }
  }
}

}  // namespace xgrad::optim
