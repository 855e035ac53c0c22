// Adam and AdamW (optim/adam.*, optim/adamw.*): steps worked out by hand, and the option checks.
#include <cblas.h>

#include <xgrad/core/detail/parallel.hpp>
#include <xgrad/optim/adam.hpp>
#include <xgrad/optim/adamw.hpp>

#include "helpers.hpp"

namespace {

namespace optim = xg::optim;

xg::Tensor param(std::vector<double> v) { return from_values(v).requires_grad_(); }
// Sets the gradient directly: the update is all that is under test.
void set_grad(xg::Tensor& p, std::vector<double> g) { p.set_grad(from_values(g)); }

TEST(Adam, FirstStepMovesEachElementByAboutLr) {
  // Step 1: m = (1 - b1) g, v = (1 - b2) g^2, so m / (1 - b1) = g and sqrt(v) / sqrt(1 - b2) = |g|:
  //   p = p - lr * g / (|g| + eps)
  xg::Tensor p = param({1.0, 1.0, 1.0});
  optim::Adam opt({p}, {.lr = 0.1, .eps = 1e-3});
  set_grad(p, {2.0, -0.5, 1e-3});
  opt.step();
  const auto v = flat_values(p);
  EXPECT_NEAR(v[0], 1.0 - 0.1 * 2.0 / (2.0 + 1e-3), 1e-15);
  EXPECT_NEAR(v[1], 1.0 + 0.1 * 0.5 / (0.5 + 1e-3), 1e-15);
  EXPECT_NEAR(v[2], 1.0 - 0.1 * 0.5, 1e-15);  // g = eps: half a step
}

TEST(Adam, TwoStepsByHand) {
  const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  xg::Tensor p = param({0.5});
  optim::Adam opt({p}, {.lr = lr});
  double m = 0, v = 0, want = 0.5;
  int t = 0;
  for (const double g : {3.0, -1.0}) {
    ++t;
    set_grad(p, {g});
    opt.step();
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    want -= lr / (1 - std::pow(b1, t)) * m / (std::sqrt(v) / std::sqrt(1 - std::pow(b2, t)) + eps);
    EXPECT_NEAR(flat_values(p)[0], want, 1e-15);
  }
  EXPECT_EQ(opt.state_dict().at("state.0.step").item(), 2.0);
}

TEST(Adam, AmsgradKeepsTheLargestSecondMoment) {
  xg::Tensor p = param({0.0});
  optim::Adam opt({p}, {.lr = 0.1, .amsgrad = true});
  set_grad(p, {10.0});
  opt.step();
  set_grad(p, {0.0});
  opt.step();
  const xg::StateDict sd = opt.state_dict();
  // v_1 = (1 - 0.999) * 10^2 = 0.1, v_2 = 0.999 * v_1 + 0; v_max stays v_1.
  const double v1 = (1 - 0.999) * 10.0 * 10.0;
  EXPECT_EQ(sd.at("state.0.max_exp_avg_sq").item(), v1);
  EXPECT_EQ(sd.at("state.0.exp_avg_sq").item(), 0.999 * v1);
}

TEST(AdamW, DecaysTheParameterNotTheGradient) {
  // With a zero gradient Adam's L2 decay would still move p through m; AdamW's only shrinks it:
  //   p = p * (1 - lr * wd), then m = v = 0, so the Adam part adds 0 / (0 + eps) = 0.
  xg::Tensor p = param({2.0});
  optim::AdamW opt({p}, {.lr = 0.1, .weight_decay = 0.5});
  set_grad(p, {0.0});
  opt.step();
  EXPECT_DOUBLE_EQ(flat_values(p)[0], 2.0 * (1 - 0.1 * 0.5));
  // And Adam with the same weight decay moves it by about lr instead.
  xg::Tensor q = param({2.0});
  optim::Adam adam({q}, {.lr = 0.1, .weight_decay = 0.5});
  set_grad(q, {0.0});
  adam.step();
  EXPECT_NEAR(flat_values(q)[0], 2.0 - 0.1, 1e-7);
}

TEST(AdamW, IsAdamWithDecoupledDecay) {
  // The same steps to the bit: AdamW is Adam with decoupled_weight_decay, and one update loop.
  xg::Tensor p = param({2.0, -1.0, 0.5}), q = param({2.0, -1.0, 0.5});
  optim::AdamW adamw({p}, {.lr = 0.1, .weight_decay = 0.3, .amsgrad = true});
  optim::AdamOptions o;
  o.lr = 0.1, o.weight_decay = 0.3, o.amsgrad = true, o.decoupled_weight_decay = true;
  optim::Adam adam({q}, o);
  for (int step = 0; step < 5; ++step) {
    set_grad(p, {0.3 * step, -1.0, 2.0});
    set_grad(q, {0.3 * step, -1.0, 2.0});
    adamw.step();
    adam.step();
  }
  EXPECT_EQ(flat_values(p), flat_values(q));
  EXPECT_EQ(adamw.name(), "AdamW");
  EXPECT_TRUE(adamw.options().decoupled_weight_decay);
  // The flag is the class's, not a hyper-parameter: the state dict is PyTorch's.
  EXPECT_FALSE(adamw.has_option("decoupled_weight_decay"));
  o.lr = -1;  // and it names its messages as AdamW's
  EXPECT_ERROR(optim::Adam({q}, o), "AdamW", "lr must be >= 0");
}

TEST(AdamW, DefaultWeightDecayIsPyTorchs) { EXPECT_EQ(optim::AdamWOptions{}.weight_decay, 1e-2); }

TEST(Adam, BadOptionsAreErrors) {
  xg::Tensor p = param({0.0});
  EXPECT_ERROR(optim::Adam({p}, {.lr = -1e-3}), "Adam", "lr must be >= 0", "-0.001");
  EXPECT_ERROR(optim::Adam({p}, {.betas = {1.0, 0.999}}), "Adam", "betas[0] must be in [0, 1)", "got 1");
  EXPECT_ERROR(optim::Adam({p}, {.betas = {-0.1, 0.999}}), "Adam", "betas[0]", "-0.1");
  EXPECT_ERROR(optim::Adam({p}, {.betas = {0.9, 1.5}}), "Adam", "betas[1] must be in [0, 1)", "1.5");
  EXPECT_ERROR(optim::Adam({p}, {.eps = -1e-8}), "Adam", "eps must be >= 0", "-1e-08");
  EXPECT_ERROR(optim::Adam({p}, {.weight_decay = -0.1}), "Adam", "weight_decay must be >= 0");
  EXPECT_ERROR(optim::AdamW({p}, {.lr = -1}), "AdamW", "lr must be >= 0");
  EXPECT_ERROR(optim::AdamW({p}, {.betas = {0.9, 1.0}}), "AdamW", "betas[1]");
}

TEST(Adam, EpsMustBePositiveAndLrFinite) {
  // eps = 0 was accepted, and a zero gradient then gave 0 / 0 = NaN weights.
  xg::Tensor p = param({0.0});
  EXPECT_ERROR(optim::Adam({p}, {.eps = 0}), "Adam", "eps must be > 0 and finite", "got 0");
  EXPECT_ERROR(optim::Adam({p}, {.eps = INFINITY}), "Adam", "eps must be > 0 and finite", "inf");
  EXPECT_ERROR(optim::AdamW({p}, {.eps = 0}), "AdamW", "eps must be > 0");
  EXPECT_ERROR(optim::Adam({p}, {.lr = INFINITY}), "Adam", "lr must be finite");
  EXPECT_ERROR(optim::AdamW({p}, {.lr = INFINITY}), "AdamW", "lr must be finite");
}

// A parameter large enough that the update is split over the worker threads (optim/detail/
// adam_update.hpp: pieces of 16384, bounds multiples of 64; 100,003 elements leave a ragged last
// piece). Each element's update is its own, so 2 threads give the bits of 1, and both agree with
// the formula in float64; amsgrad's v_max and AdamW's decay take the same pieces.
TEST(Adam, SplitOverThreadsGivesTheBitsOfOneThread) {
  constexpr std::size_t n = 100'003;
  std::vector<double> start(n), grads(n);
  for (std::size_t k = 0; k < n; ++k) {
    start[k] = std::sin(double(k)) * 0.5;
    grads[k] = std::cos(double(k) * 0.37) * (1 + double(k % 7));
  }
  const int saved = openblas_get_num_threads();
  openblas_set_num_threads(2);
  if (xg::detail::thread_count() < 2) {
    openblas_set_num_threads(saved);
    GTEST_SKIP() << "this OpenBLAS runs one thread (serial or OpenMP build): nothing is split";
  }
  const auto run = [&](int threads, bool decoupled, bool amsgrad) {
    openblas_set_num_threads(threads);
    xg::Tensor p = from_values(start, xg::kFloat32).requires_grad_();
    optim::Adam opt({p}, {.lr = 0.01, .weight_decay = 0.1, .amsgrad = amsgrad, .decoupled_weight_decay = decoupled});
    for (int step = 1; step <= 3; ++step) {
      std::vector<double> g = grads;
      for (double& x : g) x *= step == 2 ? -0.25 : 1.0;  // shrinks v below v_max for amsgrad
      p.set_grad(from_values(g, xg::kFloat32));
      opt.step();
    }
    return p;
  };
  for (const bool decoupled : {false, true}) {
    for (const bool amsgrad : {false, true}) {
      const xg::Tensor one = run(1, decoupled, amsgrad), two = run(2, decoupled, amsgrad);
      EXPECT_TRUE(same_bits(one, two)) << "decoupled " << decoupled << ", amsgrad " << amsgrad;
      // float64 reference of the three steps
      const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
      const auto got = flat_values(two);
      double worst = 0;
      for (std::size_t k = 0; k < n; ++k) {
        double p = double(float(start[k])), m = 0, v = 0, vmax = 0;
        for (int t = 1; t <= 3; ++t) {
          double g = double(float(grads[k] * (t == 2 ? -0.25 : 1.0)));
          if (decoupled) {
            p *= 1 - lr * wd;
          } else {
            g += wd * p;
          }
          m = b1 * m + (1 - b1) * g;
          v = b2 * v + (1 - b2) * g * g;
          vmax = std::max(vmax, v);
          const double second = amsgrad ? vmax : v;
          p -= lr / (1 - std::pow(b1, t)) * m / (std::sqrt(second) / std::sqrt(1 - std::pow(b2, t)) + eps);
        }
        worst = std::max(worst, std::abs(got[k] - p));
      }
      EXPECT_LT(worst, 1e-6) << "decoupled " << decoupled << ", amsgrad " << amsgrad;
    }
  }
  openblas_set_num_threads(saved);
}

}  // namespace
