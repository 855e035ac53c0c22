#pragma once
// Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay,
// step for step as torch.optim.SGD in PyTorch 1.13. For each parameter p with gradient g:
//
//   g = g + weight_decay * p                      (g = -g first when maximize)
//   b = g on the first step, else b = momentum * b + (1 - dampening) * g   (when momentum != 0)
//   g = g + momentum * b if nesterov, else g = b                             (when momentum != 0)
//   p = p - lr * g
//
//   xg::optim::SGD opt(net.parameters(), {.lr = 0.1, .momentum = 0.9, .nesterov = true});
#include <vector>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool maximize = false;  // ascend the objective instead

  void validate() const;  // throws xg::Error naming the bad value
  static void visit(auto& self, auto&& f) {
    f("lr", self.lr);
    f("momentum", self.momentum);
    f("dampening", self.dampening);
    f("weight_decay", self.weight_decay);
    f("nesterov", self.nesterov);
    f("maximize", self.maximize);
  }
};

class SGD : public OptimizerWithOptions<SGDOptions> {
 public:
  explicit SGD(std::vector<Tensor> params, SGDOptions options = {});
  explicit SGD(std::vector<ParamGroup<SGDOptions>> groups);
  void step() override;

 protected:
  std::vector<std::string> required_buffers(std::size_t group) const override;
  std::vector<std::string> known_buffers() const override { return {"momentum_buffer"}; }
};

}  // namespace xgrad::optim
