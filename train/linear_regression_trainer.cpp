#include "xgrad/train/linear_regression_trainer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <xtensor/xarray.hpp>

#include "xgrad/core/autograd.hpp"
#include "xgrad/core/factory.hpp"
#include "xgrad/losses/mse.hpp"
#include "xgrad/train/checkpoint.hpp"
#include "xgrad/train/optimizer_factory.hpp"

namespace xgrad::train {

namespace {

constexpr const char* kOp = "LinearRegressionTrainer";

// Plain "sgd" ignores the momentum, which is "momentum"'s own (0.9 by default).
std::unique_ptr<optim::Optimizer> build_optimizer(const LinearRegressionTrainerOptions& o, std::vector<Tensor> p) {
  return make_optimizer(o.optimizer, std::move(p),
                        {.lr = o.lr, .momentum = o.optimizer == "momentum" ? o.momentum : 0.0});
}

}  // namespace

void LinearRegressionTrainerOptions::validate() const {
  check_optimizer_name(kOp, optimizer);
  if (!(lr > 0) || !std::isfinite(lr)) fail(kOp, "the learning rate must be positive, got ", lr);
  if (!(momentum >= 0 && momentum < 1)) fail(kOp, "momentum must be in [0, 1), got ", momentum);
  if (!(divergence_factor > 1)) fail(kOp, "divergence_factor must be above 1, got ", divergence_factor);
}

LinearRegressionTrainer::LinearRegressionTrainer(std::shared_ptr<models::LinearRegression> model, Tensor x, Tensor y,
                                                 LinearRegressionTrainerOptions options)
    : model_(std::move(model)), x_(std::move(x)), y_(std::move(y)), options_(std::move(options)) {
  options_.validate();
  lr_limit_ = models::gradient_descent_lr_limit(x_);  // also checks x
  if (x_.size(1) != model_->linear->in_features)
    fail(kOp, "the data has ", x_.size(1), " features but the model ", model_->linear->in_features);
  if (!y_.defined() || y_.dtype() != kFloat64 || y_.dim() != 1 || y_.size(0) != x_.size(0))
    fail(kOp, "expected float64 targets of shape (", x_.size(0), "), got ",
         y_.defined() ? to_string(y_.shape()) + " " + dtype_name(y_.dtype()) : std::string("undefined"));
  if (model_->linear->weight.dtype() != kFloat64) fail(kOp, "the model must be float64");
  optimizer_ = build_optimizer(options_, model_->parameters());
}

std::vector<double> LinearRegressionTrainer::params() const {
  const auto& w = model_->linear->weight.data<double>();
  std::vector<double> p(w.begin(), w.end());
  p.push_back(model_->linear->bias.item());
  return p;
}

double LinearRegressionTrainer::loss() const {
  NoGradGuard no_grad;
  return losses::mse_loss(model_->forward(x_), y_).item();
}

void LinearRegressionTrainer::set_lr(double lr) {
  LinearRegressionTrainerOptions o = options_;
  o.lr = lr;
  o.validate();
  optimizer_->set_lr(0, lr);
  options_ = o;
  divergence_base_ = history_.size();
}

void LinearRegressionTrainer::set_momentum(double momentum) {
  LinearRegressionTrainerOptions o = options_;
  o.momentum = momentum;
  o.validate();
  if (o.optimizer == "momentum") optimizer_->set_option(0, "momentum", momentum);
  options_ = o;
  divergence_base_ = history_.size();
}

// The loop body examples/linear_regression.cpp spells out in its main.
const RegressionStep& LinearRegressionTrainer::step() {
  optimizer_->zero_grad();
  Tensor loss = losses::mse_loss(model_->forward(x_), y_);
  loss.backward();
  const RegressionStep& s = record(loss);
  optimizer_->step();
  return s;
}

const RegressionStep& LinearRegressionTrainer::record(const Tensor& loss) {
  RegressionStep s;
  s.params = params();
  s.loss = loss.item();
  double squares = 0;
  for (const Tensor& p : model_->parameters()) {
    if (!p.grad().defined()) fail(kOp, "record(loss) before loss.backward(): the parameters have no gradient");
    for (double g : p.grad().data<double>()) squares += g * g;
  }
  s.grad_norm = std::sqrt(squares);
  history_.push_back(std::move(s));

  // Divergence is growth since the first step, or since the rate was last changed: a run resumed
  // with a lower rate after a divergence starts from a loss far above its first one.
  const double first = history_[std::min(divergence_base_, history_.size() - 1)].loss, now = history_.back().loss,
               norm = history_.back().grad_norm;
  if (!std::isfinite(now) || !std::isfinite(norm) || now > first * options_.divergence_factor) {
    std::ostringstream message;
    message.precision(6);
    message << kOp << ": diverged at step " << history_.size() << ": the loss went from " << first << " to " << now
            << " with " << options_.optimizer << " at lr " << options_.lr
            << "; plain gradient descent converges only for lr < 2 / lambda_max(Hessian) = " << lr_limit_;
    throw DivergenceError(message.str());
  }
  return history_.back();
}

StateDict LinearRegressionTrainer::state_dict() const {
  Checkpoint c;
  c.put_model(*model_);
  c.put_optimizer(*optimizer_);
  c.put_rng(generator());
  c.put_count("progress.global_step", std::int64_t(history_.size()));
  if (!history_.empty()) {
    const std::size_t steps = history_.size(), width = history_[0].params.size();
    xt::xarray<double> loss = xt::empty<double>(Shape{steps}), norm = xt::empty<double>(Shape{steps});
    xt::xarray<double> params = xt::empty<double>(Shape{steps, width});
    for (std::size_t s = 0; s < steps; ++s) {
      loss(s) = history_[s].loss;
      norm(s) = history_[s].grad_norm;
      for (std::size_t j = 0; j < width; ++j) params(s, j) = history_[s].params[j];
    }
    c.put("history.loss", from_xarray(std::move(loss)));
    c.put("history.grad_norm", from_xarray(std::move(norm)));
    c.put("history.params", from_xarray(std::move(params)));
  }
  return c.entries();
}

void LinearRegressionTrainer::load_state_dict(const StateDict& dict) {
  const Checkpoint c(dict);
  const auto entry = [&](const char* key, Dtype dtype) -> const Tensor& { return c.entry(kOp, key, dtype); };
  const auto steps = std::uint64_t(c.count(kOp, "progress.global_step"));
  const std::size_t width = x_.size(1) + 1;
  // The counter is checked against the history the file really holds before anything is sized:
  // a counter of 2^40 with 50 rows of history is a corrupt checkpoint, not 2^40 steps to allocate.
  std::vector<RegressionStep> history;
  bool diverged = false;
  if (steps > 0) {
    const Tensor &loss = entry("history.loss", kFloat64), &norm = entry("history.grad_norm", kFloat64),
                 &params = entry("history.params", kFloat64);
    if (loss.numel() != steps || norm.numel() != steps || params.shape() != Shape{std::size_t(steps), width})
      fail(kOp, "the checkpoint's progress.global_step is ", steps, " but its history holds ", to_string(loss.shape()),
           " losses, ", to_string(norm.shape()), " gradient norms and ", to_string(params.shape()),
           " parameters (expected ", steps, " steps of ", width, ")");
    // Every row finite, but the last of a diverged run: a diverging step records its row (its
    // loss not finite) before it throws. A finite last loss leaves no row exempt.
    constexpr double kMax = std::numeric_limits<double>::max();
    c.check_values(kOp, "history.loss", 0, kMax, 1);
    diverged = !std::isfinite(loss.data<double>()(steps - 1));
    c.check_values(kOp, "history.grad_norm", 0, kMax, diverged ? 1 : 0);
    c.check_values(kOp, "history.params", -kMax, kMax, diverged ? width : 0);
    history.resize(std::size_t(steps));
    for (std::size_t s = 0; s < steps; ++s) {
      history[s].loss = loss.data<double>()(s);
      history[s].grad_norm = norm.data<double>()(s);
      for (std::size_t j = 0; j < width; ++j) history[s].params.push_back(params.data<double>()(s, j));
    }
  }
  // The optimizer stepped once per row, but after a divergence: that step recorded its row and
  // threw before stepping.
  c.check_counters(kOp, std::int64_t(steps) - (diverged ? 1 : 0), std::int64_t(steps), std::nullopt);
  c.load_training(*model_, *optimizer_, nullptr, generator());
  history_ = std::move(history);
  divergence_base_ = 0;
  options_.lr = optimizer_->lr(0);
  if (options_.optimizer == "momentum") options_.momentum = optimizer_->option(0, "momentum");
}

}  // namespace xgrad::train
