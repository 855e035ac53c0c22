#pragma once
// Adam (Kingma & Ba), with optional L2 weight decay added to the gradient and AMSGrad, step for
// step as torch.optim.Adam in PyTorch 1.13; with decoupled_weight_decay, AdamW (Loshchilov &
// Hutter; optim/adamw.hpp), as torch.optim.AdamW. For each parameter p with gradient g, at step t:
//
//   g = g + weight_decay * p                       (g = -g first when maximize)
//     or, decoupled: p = p * (1 - lr * weight_decay)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g^2
//   v_max = max(v_max, v), used instead of v below (amsgrad)
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
//   xg::optim::Adam opt(net.parameters(), {.lr = 1e-3, .betas = {0.9, 0.99}});
#include <array>
#include <vector>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

struct AdamOptions {
  double lr = 1e-3;
  std::array<double, 2> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool amsgrad = false;
  bool maximize = false;
  // AdamW's decay: shrink the parameter instead of adding to the gradient. A property of the
  // optimizer (AdamW sets it), not a hyper-parameter: not in the state dict, not settable by name.
  bool decoupled_weight_decay = false;

  void validate() const;  // throws xg::Error naming the bad value (and "AdamW" when decoupled)
  static void visit(auto& self, auto&& f) {
    f("lr", self.lr);
    f("beta1", self.betas[0]);
    f("beta2", self.betas[1]);
    f("eps", self.eps);
    f("weight_decay", self.weight_decay);
    f("amsgrad", self.amsgrad);
    f("maximize", self.maximize);
  }
};

class Adam : public OptimizerWithOptions<AdamOptions> {
 public:
  explicit Adam(std::vector<Tensor> params, AdamOptions options = {});
  explicit Adam(std::vector<ParamGroup<AdamOptions>> groups);
  void step() override;

 protected:
  Adam(std::string name, std::vector<ParamGroup<AdamOptions>> groups);  // AdamW's

  std::vector<std::string> required_buffers(std::size_t group) const override;
  std::vector<std::string> known_buffers() const override { return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}; }
  std::vector<std::string> nonnegative_buffers() const override { return {"exp_avg_sq", "max_exp_avg_sq"}; }
};

}  // namespace xgrad::optim
