#include "xgrad/optim/adam.hpp"

#include <cmath>

#include "xgrad/core/autograd.hpp"
#include "xgrad/optim/detail/adam_update.hpp"
#include "xgrad/optim/detail/check_range.hpp"

namespace xgrad::optim {

void AdamOptions::validate() const {
  using detail::Interval;
  const detail::CheckRange check(decoupled_weight_decay ? "AdamW" : "Adam");
  check.at_least("lr", lr, 0)
      .finite("lr", lr)
      .in("betas[0]", betas[0], 0, 1, Interval::ClosedOpen)
      .in("betas[1]", betas[1], 0, 1, Interval::ClosedOpen)
      .at_least("eps", eps, 0)
      // eps = 0 divides 0 by 0 wherever a gradient (hence the second moment) is zero.
      .above_finite("eps", eps, 0)
      .at_least("weight_decay", weight_decay, 0);
}

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Adam(std::vector<ParamGroup<AdamOptions>>{{std::move(params), options}}) {}

Adam::Adam(std::vector<ParamGroup<AdamOptions>> groups) : Adam("Adam", std::move(groups)) {}

Adam::Adam(std::string name, std::vector<ParamGroup<AdamOptions>> groups)
    : OptimizerWithOptions(std::move(name), /*counts_steps=*/true, std::move(groups)) {}

std::vector<std::string> Adam::required_buffers(std::size_t group) const {
  if (options(group).amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"exp_avg", "exp_avg_sq"};
}

void Adam::step() {
  NoGradGuard no_grad;
  check_step_counts();  // before any parameter changes
  for (std::size_t g = 0; g < num_param_groups(); ++g) {
    const AdamOptions& o = options(g);
    for (std::size_t i = 0; i < params(g).size(); ++i) {
      Tensor p = params(g)[i];
      const Tensor grad = grad_of(p);
      if (!grad.defined()) continue;
      ParamState& s = state(g, i);
      ++s.step;
      dispatch_float(o.decoupled_weight_decay ? "AdamW.step" : "Adam.step", p, [&]<class T>() {
        T* v_max = o.amsgrad ? buffer(s, "max_exp_avg_sq", p).template data<T>().data() : nullptr;
        detail::adam_update<T>(p.data<T>().data(), grad.data<T>().data(),
                               buffer(s, "exp_avg", p).template data<T>().data(),
                               buffer(s, "exp_avg_sq", p).template data<T>().data(), v_max, p.numel(),
                               {o.lr, o.betas[0], o.betas[1], o.eps, o.decoupled_weight_decay ? 0.0 : o.weight_decay,
                                o.decoupled_weight_decay ? o.weight_decay : 0.0, o.maximize, s.step});
      });
    }
  }
}

}  // namespace xgrad::optim
