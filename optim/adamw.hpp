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
#include <array>
#include <vector>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

struct AdamWOptions {
  double lr = 1e-3;
  std::array<double, 2> betas = {0.9, 0.999};
  double weight_decay = 1e-2;  // PyTorch's default, unlike Adam's 0
  bool amsgrad = false;
  bool maximize = false;
  double eps = 1e-8;

  void validate() const;  // throws xg::Error naming the bad value
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

class AdamW : public OptimizerWithOptions<AdamWOptions> {
 public:
  explicit AdamW(std::vector<Tensor> params, AdamWOptions options = {});
  explicit AdamW(std::vector<ParamGroup<AdamWOptions>> groups);
  void step() override;

 protected:
  std::vector<std::string> required_buffers(std::size_t group) const override;
  std::vector<std::string> known_buffers() const override { return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}; }
  std::vector<std::string> nonnegative_buffers() const override { return {"exp_avg_sq", "max_exp_avg_sq"}; }
};

}  // namespace xgrad::optim
