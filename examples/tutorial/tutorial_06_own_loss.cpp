// Tutorial chapter 6 (docs/tutorial/06-your-own-loss.md): writing your own loss. The pinball
// (quantile) loss, composed from xgrad ops so that autograd derives its gradient:
//
//   r = target - input,   loss_i = max(tau r, (tau - 1) r)        tau in (0, 1)
//
// Under it a prediction is right when a fraction tau of the targets lies below it: tau = 0.5 is
// MAE (the median), tau = 0.9 the 90th percentile. The program
//   1. checks the gradient with gradcheck and against the closed form (-tau or 1 - tau);
//   2. shows the options check (a bad tau fails when the module is built);
//   3. fits three lines y = w x + b, for tau = 0.1, 0.5 and 0.9, to data whose noise grows with
//      x, and counts the points below each line.
// Inside the library the same loss would be losses/pinball.{hpp,cpp}: see docs/extending.md.
#include <cmath>
#include <cstdio>
#include <vector>
#include <xgrad/xgrad.hpp>

#include "common/cli.hpp"

namespace xg = xgrad;
namespace xl = xgrad::losses;

// The three parts every loss of losses/ has: options with validate(), the function, the module.
struct PinballLossOptions {
  double tau = 0.5;
  xl::Reduction reduction = xl::Reduction::Mean;
  void validate() const {
    if (!(tau > 0 && tau < 1)) xg::fail("pinball_loss", "tau must lie in (0, 1), got ", tau);
    xl::check_reduction("pinball_loss", reduction);
  }
};

xg::Tensor pinball_loss(const xg::Tensor& input, const xg::Tensor& target, const PinballLossOptions& o = {}) {
  o.validate();
  const xg::Tensor r = target - input;
  return xl::reduce(xg::maximum(r * o.tau, r * (o.tau - 1)), o.reduction, "pinball_loss");
}

class PinballLoss : public xl::LossModule<PinballLossOptions, pinball_loss> {
 public:
  using LossModule::LossModule;
};

int main(int argc, char** argv) {
  int steps = 4000;
  cli::Parser cli("tutorial_06_own_loss",
                  "A loss of your own: the pinball (quantile) loss composed from ops, checked with gradcheck, and "
                  "used to fit the 10th, 50th and 90th percentile lines of noisy data.");
  cli.number("--steps", steps, "gradient-descent steps per fit", cli::between(1, 1000000));
  if (auto exit = cli.parse(argc, argv)) return *exit;
  return cli::guarded("tutorial_06_own_loss", [&] {
    std::printf("1. The gradient\n");
    xg::manual_seed(0);
    const xg::Tensor input = xg::randn({6}, xg::kFloat64).requires_grad_(), target = xg::randn({6}, xg::kFloat64);
    const xg::GradcheckResult check = xg::gradcheck(
        [&](const std::vector<xg::Tensor>& in) { return pinball_loss(in[0], target, {.tau = 0.9}); }, {input});
    std::printf("  gradcheck (tau 0.9, 6 random points, float64): %s\n", check.ok ? "passes" : "FAILS");
    pinball_loss(input, target, {.tau = 0.9, .reduction = xl::Reduction::Sum}).backward();
    std::printf("  target - input   autograd   closed form\n");
    for (std::size_t i = 0; i < 6; ++i) {
      const double r = target.data<double>()(i) - input.data<double>()(i);
      std::printf("  %+14.4f   %+8.2f   %+8.2f\n", r, input.grad().data<double>()(i), r > 0 ? -0.9 : 0.1);
    }

    std::printf("\n2. The options are checked when the module is built\n");
    try {
      PinballLoss bad({.tau = 1.5});
    } catch (const xg::Error& e) {
      std::printf("  PinballLoss({.tau = 1.5}) throws: %s\n", e.what());
    }

    // 200 points of y = 1 + 0.5 x whose noise grows with x, so the quantile lines fan out.
    const std::size_t n = 200;
    const xg::Tensor x = xg::rand({n}, xg::kFloat64) * 4.0;
    const xg::Tensor y = 1.0 + 0.5 * x + xg::randn({n}, xg::kFloat64) * (0.2 + 0.3 * x);
    std::printf("\n3. Quantile lines fitted by gradient descent (%d steps, lr 0.2 decaying to 0)\n", steps);
    std::printf("  tau   slope w   intercept b   points below the line\n");
    for (double tau : {0.1, 0.5, 0.9}) {
      const PinballLoss loss({.tau = tau});
      xg::Tensor w = xg::tensor(0.0, xg::kFloat64).requires_grad_(), b = xg::tensor(0.0, xg::kFloat64).requires_grad_();
      xg::optim::SGD opt({w, b}, {.lr = 0.2});
      for (int step = 0; step < steps; ++step) {
        opt.set_lr(0, 0.2 * (1 - double(step) / steps));
        opt.zero_grad();
        loss(x * w + b, y).backward();
        opt.step();
      }
      const double below = xg::mean(y < x * w.detach() + b.detach()).item();
      std::printf("  %.1f   %7.3f   %11.3f   %5.1f %%\n", tau, w.item(), b.item(), 100 * below);
    }
    return 0;
  });
}
