#include "xgrad/optim/adamw.hpp"

#include <cmath>

#include "xgrad/core/autograd.hpp"
#include "xgrad/optim/detail/adam_update.hpp"

namespace xgrad::optim {

void AdamWOptions::validate() const {
  if (!(lr >= 0)) fail("AdamW", "lr must be >= 0, got ", lr);
  if (!std::isfinite(lr)) fail("AdamW", "lr must be finite, got ", lr);
  if (!(betas[0] >= 0 && betas[0] < 1)) fail("AdamW", "betas[0] must be in [0, 1), got ", betas[0]);
  if (!(betas[1] >= 0 && betas[1] < 1)) fail("AdamW", "betas[1] must be in [0, 1), got ", betas[1]);
  if (!(eps >= 0)) fail("AdamW", "eps must be >= 0, got ", eps);
  // eps = 0 divides 0 by 0 wherever a gradient (hence the second moment) is zero.
  if (!(eps > 0 && std::isfinite(eps))) fail("AdamW", "eps must be > 0 and finite, got ", eps);
  if (!(weight_decay >= 0)) fail("AdamW", "weight_decay must be >= 0, got ", weight_decay);
}

AdamW::AdamW(std::vector<Tensor> params, AdamWOptions options)
    : AdamW(std::vector<ParamGroup<AdamWOptions>>{{std::move(params), options}}) {}

AdamW::AdamW(std::vector<ParamGroup<AdamWOptions>> groups)
    : OptimizerWithOptions("AdamW", /*counts_steps=*/true, std::move(groups)) {}

std::vector<std::string> AdamW::required_buffers(std::size_t group) const {
  if (options(group).amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"exp_avg", "exp_avg_sq"};
}

void AdamW::step() {
  NoGradGuard no_grad;
  for (std::size_t g = 0; g < num_param_groups(); ++g) {
    const AdamWOptions& o = options(g);
    for (std::size_t i = 0; i < params(g).size(); ++i) {
      Tensor p = params(g)[i];
      const Tensor grad = grad_of(p);
      if (!grad.defined()) continue;
      ParamState& s = state(g, i);
      ++s.step;
      dispatch_float("AdamW.step", p, [&]<class T>() {
        T* v_max = o.amsgrad ? buffer(s, "max_exp_avg_sq", p).template data<T>().data() : nullptr;
        detail::adam_update<T>(p.data<T>().data(), grad.data<T>().data(),
                               buffer(s, "exp_avg", p).template data<T>().data(),
                               buffer(s, "exp_avg_sq", p).template data<T>().data(), v_max, p.numel(),
                               {o.lr, o.betas[0], o.betas[1], o.eps, 0.0, o.weight_decay, o.maximize, s.step});
      });
    }
  }
}

}  // namespace xgrad::optim
