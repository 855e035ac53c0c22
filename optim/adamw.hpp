#pragma once
// AdamW (Loshchilov & Hutter): Adam whose weight decay shrinks the parameter directly instead of
// being added to the gradient, step for step as torch.optim.AdamW in PyTorch 1.13. For each
// parameter p with gradient g, at step t:
//
//   p = p * (1 - lr * weight_decay)                (g = -g when maximize)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g^2
//   v_max = max(v_max, v), used instead of v below (amsgrad)
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
//   xg::optim::AdamW opt(net.parameters(), {.lr = 1e-3, .weight_decay = 0.05});
//
// It is Adam with AdamOptions::decoupled_weight_decay set (one update loop, optim/adam.cpp); this
// class only gives it its name and PyTorch's default decay.
#include <array>
#include <vector>

#include "xgrad/optim/adam.hpp"

namespace xgrad::optim {

// Adam's options with PyTorch's AdamW default for weight_decay.
struct AdamWOptions {
  double lr = 1e-3;
  std::array<double, 2> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;  // PyTorch's default, unlike Adam's 0
  bool amsgrad = false;
  bool maximize = false;

  // The same options as Adam's, decoupled.
  AdamOptions adam() const {
    AdamOptions o;  // by name: independent of the order the fields are declared in
    o.lr = lr, o.betas = betas, o.eps = eps, o.weight_decay = weight_decay, o.amsgrad = amsgrad;
    o.maximize = maximize, o.decoupled_weight_decay = true;
    return o;
  }
  void validate() const { adam().validate(); }  // throws xg::Error naming the bad value
};

class AdamW : public Adam {
 public:
  explicit AdamW(std::vector<Tensor> params, AdamWOptions options = {});
  explicit AdamW(std::vector<ParamGroup<AdamWOptions>> groups);
  void add_param_group(ParamGroup<AdamWOptions> group) {
    Adam::add_param_group({std::move(group.params), group.options.adam()});
  }
};

}  // namespace xgrad::optim
