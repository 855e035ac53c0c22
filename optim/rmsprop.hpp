#pragma once
// RMSprop (Hinton), optionally centered and with momentum, step for step as torch.optim.RMSprop
// in PyTorch 1.13. For each parameter p with gradient g:
//
//   g = g + weight_decay * p                       (g = -g first when maximize)
//   v = alpha * v + (1 - alpha) * g^2
//   a = alpha * a + (1 - alpha) * g;  s = sqrt(v - a^2) + eps    (centered)
//                                     s = sqrt(v) + eps          (otherwise)
//   b = momentum * b + g / s;  p = p - lr * b      (momentum > 0)
//   p = p - lr * g / s                             (otherwise)
//
//   xg::optim::RMSprop opt(net.parameters(), {.lr = 1e-2, .momentum = 0.9, .centered = true});
#include <vector>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;  // the smoothing constant of the squared-gradient average
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;  // divide by the gradient's estimated variance instead of its second moment
  bool maximize = false;
  double eps = 1e-8;

  void validate() const;  // throws xg::Error naming the bad value
  static void visit(auto& self, auto&& f) {
    f("lr", self.lr);
    f("alpha", self.alpha);
    f("eps", self.eps);
    f("weight_decay", self.weight_decay);
    f("momentum", self.momentum);
    f("centered", self.centered);
    f("maximize", self.maximize);
  }
};

class RMSprop : public OptimizerWithOptions<RMSpropOptions> {
 public:
  explicit RMSprop(std::vector<Tensor> params, RMSpropOptions options = {});
  explicit RMSprop(std::vector<ParamGroup<RMSpropOptions>> groups);
  void step() override;

 protected:
  std::vector<std::string> required_buffers(std::size_t group) const override;
  std::vector<std::string> known_buffers() const override { return {"square_avg", "momentum_buffer", "grad_avg"}; }
  std::vector<std::string> nonnegative_buffers() const override { return {"square_avg"}; }
};

}  // namespace xgrad::optim
