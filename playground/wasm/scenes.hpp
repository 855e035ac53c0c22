#pragma once
// The playground's scenes (playground/index.html) as plain C++ on xgrad: what the page's buttons
// do, written once. bindings.cpp hands them to JavaScript with embind; natively the same file
// builds reference.cpp (the numbers the wasm module must reproduce) and tests/playground.
// The contract with the page is playground/wasm/API.md.
//
// Every scene holds float64 tensors, so the wasm build (portable gemm) and a native one
// (OpenBLAS) agree to far better than the 1e-6 the check asks (rounding only differs in the
// products' summation order).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include <xgrad/core/tensor.hpp>
#include <xgrad/nn/sequential.hpp>
#include <xgrad/optim/optimizer.hpp>

namespace playground {

namespace xg = xgrad;

// "sgd" | "momentum" | "nesterov" | "rmsprop" | "adam" on `params`, at rate lr; momentum 0.9 for
// the two momentum methods. Anything else is an xg::Error listing the names.
std::unique_ptr<xg::optim::Optimizer> make_optimizer(const std::string& name, std::vector<xg::Tensor> params,
                                                     double lr);

struct Step {
  double x, y, loss;
};
struct XY {
  double x, y;
};

// Descent on a surface f(x, y): one point, one optimizer.
class Descent {
 public:
  // fn: "quadratic" (x^2 + k y^2) / 2, k from set_conditioning (default 10); "rosenbrock"
  // (1 - x)^2 + 100 (y - x^2)^2; "saddle" x^2 + y^4 / 4 - y^2 / 2 (a saddle at the origin,
  // minima at (0, +-1)); "beale" (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2.
  Descent(const std::string& fn, const std::string& optimizer, double lr, double x0, double y0);
  void set_conditioning(double k);  // quadratic only: k > 0
  // Takes n steps and returns where each one ended with f there. Stops early once diverged().
  std::vector<Step> step(int n);
  XY position() const;
  double loss() const;    // f at position()
  bool diverged() const;  // a coordinate or f non-finite or larger than 1e6 in magnitude
  XY minimum() const;     // the minimum nearest to position() (the saddle has two)
  double value(double x, double y) const;
  // f on an nx by ny grid over [x0, x1] x [y0, y1], row-major with y outer (row 0 at y0).
  std::vector<double> grid(int nx, int ny, double x0, double x1, double y0, double y1) const;
  void reset(double x0, double y0);  // back to (x0, y0) with a fresh optimizer

 private:
  std::function<xg::Tensor(const xg::Tensor&, const xg::Tensor&)> f_;
  std::string fn_, optimizer_;
  double lr_, k_ = 10;
  xg::Tensor x_, y_;
  std::unique_ptr<xg::optim::Optimizer> opt_;
};

// y = w x + b fitted to points by gradient descent on "mse" | "mae" | "huber" (delta 1).
class LineFit {
 public:
  LineFit(const std::string& loss, const std::string& optimizer, double lr);
  void set_points(const std::vector<double>& xs, const std::vector<double>& ys);  // keeps w and b
  // n steps of the optimizer; returns the loss of the last step's forward pass (before its update).
  double step(int n);
  double w() const;
  double b() const;
  XY closed_form() const;  // the least-squares line {w, b}: needs two distinct x values
  void reset();            // w = b = 0, a fresh optimizer

 private:
  xg::Tensor loss_of(const xg::Tensor& pred) const;
  std::string loss_, optimizer_;
  double lr_;
  xg::Tensor xs_, ys_, w_, b_;
  std::unique_ptr<xg::optim::Optimizer> opt_;
};

struct ClassifierOptions {
  std::string dataset = "moons";    // "moons" | "circles" | "spiral" | "xor"
  int n = 200;                      // points, half of each class
  double noise = 0.1;               // standard deviation of the Gaussian jitter
  std::uint64_t seed = 0;           // xg::manual_seed: the data, then the initial weights
  int width = 16;                   // hidden units per layer
  int depth = 2;                    // hidden layers
  std::string activation = "relu";  // "relu" | "tanh" | "sigmoid" | "silu"
  std::string loss = "bce";         // "bce" (with logits) | "mse" (on the sigmoid)
  std::string optimizer = "adam";
  double lr = 0.01;
};

struct StepResult {
  double loss, accuracy;  // of the last step's forward pass, on all points
};

// An MLP 2 -> width (x depth) -> 1 on a 2-D data set of two classes, full-batch.
class Classifier {
 public:
  explicit Classifier(const ClassifierOptions& options);
  const ClassifierOptions& options() const { return options_; }
  const std::vector<double>& xs() const { return xs_; }
  const std::vector<double>& ys() const { return ys_; }
  const std::vector<int>& labels() const { return labels_; }
  StepResult step(int n);
  // P(class 1) on an nx by ny grid over [x0, x1] x [y0, y1], row-major with y outer.
  std::vector<double> grid(int nx, int ny, double x0, double x1, double y0, double y1);
  // The graph of one forward pass and loss on the first point, with values and gradients after
  // its backward (core/graphviz), in DOT. Leaves the parameters' gradients zero and the
  // optimizer untouched.
  std::string dot();

 private:
  xg::Tensor loss_of(const xg::Tensor& logits, const xg::Tensor& target) const;
  ClassifierOptions options_;
  std::vector<double> xs_, ys_;
  std::vector<int> labels_;
  xg::Tensor points_, targets_;  // (n, 2) and (n, 1), float64
  std::shared_ptr<xg::nn::Sequential> model_;
  std::unique_ptr<xg::optim::Optimizer> opt_;
};

}  // namespace playground
