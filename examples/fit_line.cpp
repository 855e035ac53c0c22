// Fits a line y = w x + b to noisy points drawn from y = 3x - 2, with autograd and plain
// gradient descent: the smallest training loop xgrad can run. The real trainings (linear
// regression, softmax classifier, tiny YOLO) will use nn/, losses/ and optim/; this one spells
// out by hand what an optimizer's zero_grad() and step() do.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <xgrad/xgrad.hpp>

#include "common/cli.hpp"

namespace xg = xgrad;

int main(int argc, char** argv) try {
  int steps = 300;
  double lr = 0.1;
  std::uint64_t seed = 0;
  cli::Parser cli("fit_line",
                  "Fits y = w x + b to 256 noisy points of y = 3x - 2 by gradient descent on the mean squared error.");
  cli.number("--steps", steps, "number of gradient-descent steps", cli::between(1, 10'000'000));
  cli.number("--lr", lr, "learning rate", cli::above(0.0));
  cli.number("--seed", seed, "random seed for the data");
  if (auto exit = cli.parse(argc, argv)) return *exit;

  // The data: x uniform in [-1, 1), y = 3x - 2 plus Gaussian noise of standard deviation 0.1.
  const double true_w = 3.0, true_b = -2.0, noise = 0.1;
  const double tolerance = 0.05;  // with 256 points the least-squares fit lands within ~0.01
  xg::manual_seed(seed);
  xg::Tensor x = xg::rand({256, 1}) * 2.0 - 1.0;
  xg::Tensor y = x * true_w + true_b + xg::randn({256, 1}) * noise;

  // The model: two parameters, starting at zero, whose gradients autograd will compute.
  xg::Tensor w = xg::zeros({1, 1}).requires_grad_();
  xg::Tensor b = xg::zeros({1}).requires_grad_();

  const int print_every = std::max(1, steps / 10);
  for (int step = 1; step <= steps; ++step) {
    xg::Tensor loss = (x.matmul(w) + b - y).pow(2.0).mean();  // mean squared error
    loss.backward();                                          // fills w.grad() and b.grad()

    {  // The update is not part of the model, so autograd must not record it.
      xg::NoGradGuard no_grad;
      const auto rate = static_cast<float>(lr);
      w.data<float>() -= rate * w.grad().data<float>();
      b.data<float>() -= rate * b.grad().data<float>();
    }
    w.set_grad({});  // backward() adds into grad(): clear it before the next step
    b.set_grad({});

    if (step % print_every == 0 || step == 1)
      std::printf("step %4d  loss %.6f  w %+.4f  b %+.4f\n", step, loss.item(), w.item(), b.item());
  }

  const double w_err = std::abs(w.item() - true_w), b_err = std::abs(b.item() - true_b);
  std::printf("\n      fitted    true\n  w  %+.4f   %+.4f\n  b  %+.4f   %+.4f\n", w.item(), true_w, b.item(), true_b);
  if (w_err > tolerance || b_err > tolerance) {
    std::printf("FAILED: off by more than %.2f (w by %.4f, b by %.4f)\n", tolerance, w_err, b_err);
    return 1;
  }
  std::printf("ok: both within %.2f of the truth\n", tolerance);
  return 0;
} catch (...) {
  return cli::report_exception("fit_line");
}
