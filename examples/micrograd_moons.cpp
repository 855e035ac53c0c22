// micrograd's demo (karpathy/micrograd, demo.ipynb) in xgrad: a 2-16-16-1 MLP separates sklearn's
// two moons, trained on an SVM max-margin loss plus L2 regularization by plain SGD whose rate
// decays from 1.0 to 0.1. The update is written out, micrograd style, with `p -= lr * p.grad()`
// inside a NoGradGuard (on a parameter outside one, an in-place write is an error, as in PyTorch).
//
//   micrograd_moons                 (100 steps; about 100% training accuracy at the end)
//   micrograd_moons --steps 20 --seed 3
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numbers>
#include <xgrad/xgrad.hpp>

#include "common/cli.hpp"

namespace xg = xgrad;

int main(int argc, char** argv) try {
  int steps = 100;
  std::uint64_t seed = 1337;
  cli::Parser cli("micrograd_moons", "Trains micrograd's demo: a 2-16-16-1 MLP on 100 points of two moons.");
  cli.number("--steps", steps, "number of SGD steps", cli::between(1, 1'000'000));
  cli.number("--seed", seed, "random seed for the data and the initial weights");
  if (auto exit = cli.parse(argc, argv)) return *exit;

  // sklearn's make_moons(100, noise=0.1): two interleaved half circles, labels -1 and 1.
  xg::manual_seed(seed);
  const xg::Tensor t = xg::linspace(0, std::numbers::pi, 50, xg::kFloat64);
  const xg::Tensor outer = xg::stack({xg::cos(t), xg::sin(t)}, 1);
  const xg::Tensor inner = xg::stack({1.0 - xg::cos(t), 0.5 - xg::sin(t)}, 1);
  const xg::Tensor X = xg::cat({outer, inner}) + 0.1 * xg::randn({100, 2}, xg::kFloat64);
  const xg::Tensor y = xg::cat({xg::full({50, 1}, -1.0, xg::kFloat64), xg::ones({50, 1}, xg::kFloat64)});

  // The model: micrograd's MLP(2, [16, 16, 1]), ReLU between the layers.
  xg::nn::Sequential model{std::make_shared<xg::nn::Linear>(2, 16), std::make_shared<xg::nn::ReLU>(),
                           std::make_shared<xg::nn::Linear>(16, 16), std::make_shared<xg::nn::ReLU>(),
                           std::make_shared<xg::nn::Linear>(16, 1)};
  model.to(xg::kFloat64);

  double accuracy = 0;
  for (int k = 0; k < steps; ++k) {
    const xg::Tensor scores = model(X);
    const xg::Tensor data_loss = (1.0 - y * scores).relu().mean();  // SVM max-margin
    xg::Tensor reg_loss = xg::zeros({}, xg::kFloat64);
    for (const xg::Tensor& p : model.parameters()) reg_loss = reg_loss + (p * p).sum();
    const xg::Tensor loss = data_loss + 1e-4 * reg_loss;  // L2, alpha = 1e-4
    accuracy = ((y * scores) > 0.0).mean().item();

    model.zero_grad();
    loss.backward();
    const double lr = 1.0 - 0.9 * k / steps;  // decays from 1.0 towards 0.1
    {
      xg::NoGradGuard no_grad;
      for (xg::Tensor p : model.parameters()) p -= lr * p.grad();
    }
    if (k % 10 == 0 || k == steps - 1)
      std::printf("step %3d  loss %.6f  accuracy %5.1f%%\n", k, loss.item(), accuracy * 100);
  }
  return 0;
} catch (...) {
  return cli::report_exception("micrograd_moons");
}
