#include "scenes.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <xgrad/core/autograd.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/graphviz.hpp>
#include <xgrad/core/ops/elementwise.hpp>
#include <xgrad/core/ops/indexing.hpp>
#include <xgrad/losses/binary_cross_entropy.hpp>
#include <xgrad/losses/huber.hpp>
#include <xgrad/losses/l1.hpp>
#include <xgrad/losses/mse.hpp>
#include <xgrad/nn/activation.hpp>
#include <xgrad/nn/linear.hpp>
#include <xgrad/optim/adam.hpp>
#include <xgrad/optim/rmsprop.hpp>
#include <xgrad/optim/sgd.hpp>

#include "examples/descent_functions.hpp"

namespace playground {

namespace optim = xgrad::optim;
using xg::fail;

namespace {

// The page's sliders stay in these bounds; a program calling the module directly gets an error.
void check_count(const char* op, const char* what, int n, int lo, int hi) {
  if (n < lo || n > hi) fail(op, what, " must be in [", lo, ", ", hi, "], got ", n);
}
void check_rate(const char* op, double lr) {
  if (!(lr > 0) || !std::isfinite(lr)) fail(op, "the learning rate must be positive and finite, got ", lr);
}

xg::Tensor grid_coordinate(int nx, int ny, double lo, double hi, bool along_x) {
  // x varies along a row, y down the rows: row-major with y outer.
  const xg::Tensor line = xg::linspace(lo, hi, along_x ? nx : ny, xg::kFloat64);
  const xg::Tensor zeros = xg::zeros({std::size_t(ny), std::size_t(nx)}, xg::kFloat64);  // broadcast to (ny, nx)
  return along_x ? line.reshape({1, nx}) + zeros : line.reshape({ny, 1}) + zeros;
}

void check_grid(const char* op, int nx, int ny, double x0, double x1, double y0, double y1) {
  check_count(op, "nx", nx, 1, 1024);
  check_count(op, "ny", ny, 1, 1024);
  if (!std::isfinite(x0) || !std::isfinite(x1) || !std::isfinite(y0) || !std::isfinite(y1))
    fail(op, "the grid's bounds must be finite, got [", x0, ", ", x1, "] x [", y0, ", ", y1, "]");
}

double coordinate(const xg::Tensor& t) { return t.item(); }

}  // namespace

std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& name, std::vector<xg::Tensor> params, double lr) {
  check_rate("make_optimizer", lr);
  if (name == "sgd") return std::make_unique<optim::SGD>(std::move(params), optim::SGDOptions{.lr = lr});
  if (name == "momentum")
    return std::make_unique<optim::SGD>(std::move(params), optim::SGDOptions{.lr = lr, .momentum = 0.9});
  if (name == "nesterov")
    return std::make_unique<optim::SGD>(std::move(params),
                                        optim::SGDOptions{.lr = lr, .momentum = 0.9, .nesterov = true});
  if (name == "rmsprop") return std::make_unique<optim::RMSprop>(std::move(params), optim::RMSpropOptions{.lr = lr});
  if (name == "adam") return std::make_unique<optim::Adam>(std::move(params), optim::AdamOptions{.lr = lr});
  fail("make_optimizer", "unknown optimizer \"", name, "\"; the optimizers are sgd, momentum, nesterov, rmsprop, adam");
}

// --- Descent ---------------------------------------------------------------------------------

Descent::Descent(const std::string& fn, const std::string& optimizer, double lr, double x0, double y0)
    : fn_(fn), optimizer_(optimizer), lr_(lr) {
  if (fn == "quadratic")
    f_ = [this](const xg::Tensor& x, const xg::Tensor& y) { return (x * x + k_ * y * y) * 0.5; };
  else if (fn == "rosenbrock") {
    for (const descent::Function& entry : descent::functions())  // examples/descent_paths' own
      if (entry.name == "rosenbrock") f_ = entry.f;
    if (!f_) fail("Descent", "examples/descent_functions.hpp has no rosenbrock entry");
  } else if (fn == "saddle")
    f_ = [](const xg::Tensor& x, const xg::Tensor& y) { return x * x + y * y * y * y * 0.25 - y * y * 0.5; };
  else if (fn == "beale")
    f_ = [](const xg::Tensor& x, const xg::Tensor& y) {
      const xg::Tensor a = 1.5 - x + x * y, b = 2.25 - x + x * y * y, c = 2.625 - x + x * y * y * y;
      return a * a + b * b + c * c;
    };
  else
    fail("Descent", "unknown function \"", fn, "\"; the functions are quadratic, rosenbrock, saddle, beale");
  reset(x0, y0);
}

void Descent::set_conditioning(double k) {
  if (fn_ != "quadratic") fail("Descent.setConditioning", "only the quadratic has a conditioning, not ", fn_);
  if (!(k > 0) || !std::isfinite(k)) fail("Descent.setConditioning", "k must be positive and finite, got ", k);
  k_ = k;
}

void Descent::reset(double x0, double y0) {
  if (!std::isfinite(x0) || !std::isfinite(y0)) fail("Descent", "the start must be finite, got (", x0, ", ", y0, ")");
  x_ = xg::scalar(x0).requires_grad_();
  y_ = xg::scalar(y0).requires_grad_();
  opt_ = make_optimizer(optimizer_, {x_, y_}, lr_);
}

std::vector<Step> Descent::step(int n) {
  check_count("Descent.step", "n", n, 0, 100000);
  std::vector<Step> path;
  for (int i = 0; i < n && !diverged(); ++i) {
    opt_->zero_grad();
    f_(x_, y_).backward();
    opt_->step();
    path.push_back({coordinate(x_), coordinate(y_), loss()});
  }
  return path;
}

XY Descent::position() const { return {coordinate(x_), coordinate(y_)}; }

double Descent::loss() const {
  xg::NoGradGuard no_grad;
  return f_(x_, y_).item();
}

bool Descent::diverged() const {
  const XY p = position();
  const double f = loss();
  for (double v : {p.x, p.y, f})
    if (!std::isfinite(v) || std::abs(v) > 1e6) return true;
  return false;
}

XY Descent::minimum() const {
  if (fn_ == "rosenbrock") return {1, 1};
  if (fn_ == "beale") return {3, 0.5};
  if (fn_ == "saddle") return {0, coordinate(y_) < 0 ? -1.0 : 1.0};
  return {0, 0};
}

double Descent::value(double x, double y) const {
  xg::NoGradGuard no_grad;
  return f_(xg::scalar(x), xg::scalar(y)).item();
}

std::vector<double> Descent::grid(int nx, int ny, double x0, double x1, double y0, double y1) const {
  check_grid("Descent.grid", nx, ny, x0, x1, y0, y1);
  xg::NoGradGuard no_grad;
  return f_(grid_coordinate(nx, ny, x0, x1, true), grid_coordinate(nx, ny, y0, y1, false)).to_vector<double>();
}

// --- LineFit ---------------------------------------------------------------------------------

LineFit::LineFit(const std::string& loss, const std::string& optimizer, double lr)
    : loss_(loss), optimizer_(optimizer), lr_(lr) {
  if (loss != "mse" && loss != "mae" && loss != "huber")
    fail("LineFit", "unknown loss \"", loss, "\"; the losses are mse, mae, huber");
  reset();
}

void LineFit::reset() {
  w_ = xg::scalar(0.0).requires_grad_();
  b_ = xg::scalar(0.0).requires_grad_();
  opt_ = make_optimizer(optimizer_, {w_, b_}, lr_);
}

void LineFit::set_points(const std::vector<double>& xs, const std::vector<double>& ys) {
  if (xs.size() != ys.size()) fail("LineFit.setPoints", xs.size(), " x values but ", ys.size(), " y values");
  for (std::size_t i = 0; i < xs.size(); ++i)
    if (!std::isfinite(xs[i]) || !std::isfinite(ys[i]))
      fail("LineFit.setPoints", "point ", i, " is not finite: (", xs[i], ", ", ys[i], ")");
  xs_ = xg::tensor(xs);
  ys_ = xg::tensor(ys);
}

xg::Tensor LineFit::loss_of(const xg::Tensor& pred) const {
  if (loss_ == "mse") return xg::losses::mse_loss(pred, ys_);
  if (loss_ == "mae") return xg::losses::l1_loss(pred, ys_);
  return xg::losses::huber_loss(pred, ys_);
}

double LineFit::step(int n) {
  check_count("LineFit.step", "n", n, 0, 100000);
  if (!xs_.defined() || xs_.numel() == 0) fail("LineFit.step", "no points: setPoints first");
  double last = std::numeric_limits<double>::quiet_NaN();
  for (int i = 0; i < n; ++i) {
    opt_->zero_grad();
    const xg::Tensor loss = loss_of(w_ * xs_ + b_);
    loss.backward();
    opt_->step();
    last = loss.item();
  }
  if (n == 0 && xs_.numel() > 0) {
    xg::NoGradGuard no_grad;
    last = loss_of(w_ * xs_ + b_).item();
  }
  return last;
}

double LineFit::w() const { return coordinate(w_); }
double LineFit::b() const { return coordinate(b_); }

XY LineFit::closed_form() const {
  // Models/linear_regression's fit calls LAPACK, which the wasm build has not: for one feature the
  // normal equations are w = cov(x, y) / var(x), b = mean(y) - w mean(x).
  if (!xs_.defined() || xs_.numel() < 2) fail("LineFit.closedForm", "needs at least two points");
  xg::NoGradGuard no_grad;
  const xg::Tensor dx = xs_ - xs_.mean(), dy = ys_ - ys_.mean();
  const double var = (dx * dx).sum().item();
  if (!(var > 0)) fail("LineFit.closedForm", "all ", xs_.numel(), " points have the same x: no line fits them best");
  const double w = (dx * dy).sum().item() / var;
  return {w, ys_.mean().item() - w * xs_.mean().item()};
}

// --- Classifier ------------------------------------------------------------------------------

Classifier::Classifier(const ClassifierOptions& o) : options_(o) {
  check_count("Classifier", "n", o.n, 4, 10000);
  check_count("Classifier", "width", o.width, 1, 256);
  check_count("Classifier", "depth", o.depth, 1, 8);
  if (!(o.noise >= 0) || !std::isfinite(o.noise))
    fail("Classifier", "noise must be non-negative and finite, got ", o.noise);
  if (o.loss != "bce" && o.loss != "mse") fail("Classifier", "unknown loss \"", o.loss, "\"; the losses are bce, mse");

  xg::manual_seed(o.seed);
  const std::size_t n = std::size_t(o.n);
  const std::int64_t n0 = o.n / 2, n1 = o.n - n0;  // class 0, class 1
  const auto ramp = [](std::int64_t count, double end) { return xg::linspace(0, end, count, xg::kFloat64); };
  xg::Tensor a, b;             // the two classes' points, (n0, 2) and (n1, 2), before the noise
  if (o.dataset == "moons") {  // sklearn's make_moons
    const xg::Tensor t0 = ramp(n0, std::numbers::pi), t1 = ramp(n1, std::numbers::pi);
    a = xg::stack({xg::cos(t0), xg::sin(t0)}, 1);
    b = xg::stack({1.0 - xg::cos(t1), 0.5 - xg::sin(t1)}, 1);
  } else if (o.dataset == "circles") {  // sklearn's make_circles(factor=0.5), without the end point
    const xg::Tensor t0 = ramp(n0, 2 * std::numbers::pi * double(n0 - 1) / double(n0));
    const xg::Tensor t1 = ramp(n1, 2 * std::numbers::pi * double(n1 - 1) / double(n1));
    a = xg::stack({xg::cos(t0), xg::sin(t0)}, 1);
    b = xg::stack({0.5 * xg::cos(t1), 0.5 * xg::sin(t1)}, 1);
  } else if (o.dataset == "spiral") {  // two arms, 1.5 turns each, the second the first turned by pi
    const auto arm = [&](std::int64_t count, double turn) {
      const xg::Tensor r = 0.1 + ramp(count, 0.9), t = 3 * std::numbers::pi * r + turn;
      return xg::stack({r * xg::cos(t), r * xg::sin(t)}, 1);
    };
    a = arm(n0, 0);
    b = arm(n1, std::numbers::pi);
  } else if (o.dataset == "xor") {  // uniform in [-1, 1]^2: class 1 where x and y have the same sign
    // Quadrants I and III alternately, then the class-0 half mirrored into II and IV.
    std::vector<double> signs(std::size_t(o.n));
    for (std::size_t i = 0; i < signs.size(); ++i) signs[i] = i % 2 ? -1.0 : 1.0;
    const xg::Tensor q = xg::rand({n, 2}, xg::kFloat64) * xg::tensor(signs).reshape({o.n, 1});
    a = q.slice(0, 0, n0) * xg::tensor({1.0, -1.0}, xg::kFloat64);
    b = q.slice(0, n0, o.n);
  } else {
    fail("Classifier", "unknown dataset \"", o.dataset, "\"; the datasets are moons, circles, spiral, xor");
  }
  points_ = xg::cat({a, b}) + o.noise * xg::randn({n, 2}, xg::kFloat64);
  const std::size_t na = a.shape()[0];
  targets_ = xg::cat({xg::zeros({na, 1}, xg::kFloat64), xg::ones({n - na, 1}, xg::kFloat64)});
  const std::vector<double> p = points_.to_vector<double>();
  for (std::int64_t i = 0; i < o.n; ++i) {
    xs_.push_back(p[2 * i]);
    ys_.push_back(p[2 * i + 1]);
    labels_.push_back(std::size_t(i) < na ? 0 : 1);
  }

  // The layers are pushed one by one, so their weights are drawn in order (not in the
  // unspecified order of a function's arguments).
  std::vector<std::shared_ptr<xg::nn::Module>> layers;
  for (int d = 0; d < o.depth; ++d) {
    layers.push_back(std::make_shared<xg::nn::Linear>(d == 0 ? 2 : o.width, o.width));
    if (o.activation == "relu")
      layers.push_back(std::make_shared<xg::nn::ReLU>());
    else if (o.activation == "tanh")
      layers.push_back(std::make_shared<xg::nn::Tanh>());
    else if (o.activation == "sigmoid")
      layers.push_back(std::make_shared<xg::nn::Sigmoid>());
    else if (o.activation == "silu")
      layers.push_back(std::make_shared<xg::nn::SiLU>());
    else
      fail("Classifier", "unknown activation \"", o.activation, "\"; the activations are relu, tanh, sigmoid, silu");
  }
  layers.push_back(std::make_shared<xg::nn::Linear>(o.width, 1));
  model_ = std::make_shared<xg::nn::Sequential>(layers);
  model_->to(xg::kFloat64);
  opt_ = make_optimizer(o.optimizer, model_->parameters(), o.lr);
}

xg::Tensor Classifier::loss_of(const xg::Tensor& logits, const xg::Tensor& target) const {
  if (options_.loss == "bce") return xg::losses::binary_cross_entropy_with_logits(logits, target);
  return xg::losses::mse_loss(xg::sigmoid(logits), target);
}

StepResult Classifier::step(int n) {
  check_count("Classifier.step", "n", n, 0, 100000);
  StepResult r{std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  const auto accuracy = [&](const xg::Tensor& logits) {
    return xg::eq(logits > 0.0, targets_ > 0.5).to(xg::kFloat64).mean().item();
  };
  for (int i = 0; i < n; ++i) {
    opt_->zero_grad();
    const xg::Tensor logits = (*model_)(points_);
    const xg::Tensor loss = loss_of(logits, targets_);
    loss.backward();
    opt_->step();
    r = {loss.item(), accuracy(logits.detach())};
  }
  if (n == 0) {
    xg::NoGradGuard no_grad;
    const xg::Tensor logits = (*model_)(points_);
    r = {loss_of(logits, targets_).item(), accuracy(logits)};
  }
  return r;
}

std::vector<double> Classifier::grid(int nx, int ny, double x0, double x1, double y0, double y1) {
  check_grid("Classifier.grid", nx, ny, x0, x1, y0, y1);
  xg::NoGradGuard no_grad;
  const xg::Tensor gx = grid_coordinate(nx, ny, x0, x1, true).reshape({nx * ny, 1});
  const xg::Tensor gy = grid_coordinate(nx, ny, y0, y1, false).reshape({nx * ny, 1});
  return xg::sigmoid((*model_)(xg::cat({gx, gy}, 1))).to_vector<double>();
}

std::string Classifier::dot() {
  const xg::Tensor x = points_.slice(0, 0, 1), y = targets_.slice(0, 0, 1);
  model_->zero_grad();
  const xg::Tensor loss = loss_of((*model_)(x), y);
  const xg::GraphCapture graph(loss);
  loss.backward();
  std::string text = graph.to_dot({.parameters = model_->named_parameters(), .names = {{"x", x}, {"target", y}}});
  model_->zero_grad();
  return text;
}

}  // namespace playground
