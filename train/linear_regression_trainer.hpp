#pragma once
// Full-batch gradient descent on a LinearRegression, one step at a time, keeping each step's loss,
// gradient norm and parameters for tracing and plotting, and watching for divergence. A class, so
// that a test can stop it anywhere, save it, rebuild it and carry on bit for bit.
//
//   LinearRegressionTrainer trainer(model, x, y, {.optimizer = "sgd", .lr = 0.1});
//   for (int s = 0; s < 300; ++s) trainer.step();       // throws DivergenceError if the loss blows up
//   xg::save(trainer.state_dict(), "checkpoint.safetensors");
//
// The checkpoint (train/checkpoint.hpp's schema) holds the model ("model."), the optimizer
// ("optimizer."), the generator ("rng", unused by full-batch descent but part of every
// checkpoint), the step count ("progress.global_step") and the history ("history.loss",
// "history.grad_norm", "history.params").
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/core/error.hpp"
#include "xgrad/core/generator.hpp"
#include "xgrad/core/state_dict.hpp"
#include "xgrad/models/linear_regression.hpp"
#include "xgrad/optim/optimizer.hpp"

namespace xgrad::train {

// Thrown when training diverges: the loss is not finite, or has grown by more than the factor the
// options allow. The message names the step, the losses, the rate and the stable limit.
class DivergenceError : public Error {
 public:
  using Error::Error;
};

struct LinearRegressionTrainerOptions {
  std::string optimizer = "sgd";  // "sgd", "momentum" (SGD with momentum), "rmsprop" or "adam"
  double lr = 0.1;
  double momentum = 0.9;           // for "momentum"
  double divergence_factor = 1e6;  // a loss this many times the first one is divergence
  // The generator whose state the checkpoint keeps (full-batch descent draws nothing; a program
  // that draws its data from it resumes it); nullptr: xg::default_generator(). Must outlive the trainer.
  Generator* generator = nullptr;
  void validate() const;
};

// One step, as it was taken: the loss and gradient at the parameters before the update.
struct RegressionStep {
  double loss = 0;
  double grad_norm = 0;        // Euclidean norm of (dL/dw, dL/db)
  std::vector<double> params;  // w_1 ... w_F, b
};

class LinearRegressionTrainer {
 public:
  // x float64 (N, F), y float64 (N); the model's features must be F.
  LinearRegressionTrainer(std::shared_ptr<models::LinearRegression> model, Tensor x, Tensor y,
                          LinearRegressionTrainerOptions options = {});

  // One gradient-descent step on the whole data set; returns what it saw. The step is recorded
  // in history() even when it then throws DivergenceError.
  // It is the loop a program may spell out itself (record() before the update):
  //   trainer.optimizer().zero_grad();
  //   Tensor loss = losses::mse_loss(model->forward(x), y);
  //   loss.backward();
  //   trainer.record(loss);            // throws DivergenceError
  //   trainer.optimizer().step();
  const RegressionStep& step();
  // Keeps the step whose loss this is, after its backward and before the update: the loss, the
  // gradient's norm and the parameters. Throws DivergenceError as step() does.
  const RegressionStep& record(const Tensor& loss);
  optim::Optimizer& optimizer() { return *optimizer_; }
  std::size_t global_step() const { return history_.size(); }
  const std::vector<RegressionStep>& history() const { return history_; }
  std::vector<double> params() const;            // the current w_1 ... w_F, b
  double loss() const;                           // the loss at the current parameters (no step)
  double lr_limit() const { return lr_limit_; }  // models::gradient_descent_lr_limit(x)
  models::LinearRegression& model() { return *model_; }

  // The optimizer's current learning rate and momentum (a resumed run's come from its checkpoint).
  const LinearRegressionTrainerOptions& options() const { return options_; }
  // Overrides them, e.g. a lower rate for a run resumed after a divergence; validated as in the
  // constructor. The momentum applies to the "momentum" optimizer only. Divergence is then
  // measured from the next step's loss, not the first one's.
  void set_lr(double lr);
  void set_momentum(double momentum);

  StateDict state_dict() const;
  // Restores a checkpoint of a trainer with the same model size; also sets the generator.
  // The step count is checked against the history the checkpoint holds before anything is sized,
  // and the optimizer's rate (and momentum) become the checkpoint's.
  void load_state_dict(const StateDict& dict);

 private:
  Generator& generator() const { return options_.generator ? *options_.generator : default_generator(); }
  std::shared_ptr<models::LinearRegression> model_;
  Tensor x_, y_;
  LinearRegressionTrainerOptions options_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  double lr_limit_;
  std::vector<RegressionStep> history_;
  std::size_t divergence_base_ = 0;  // the step whose loss divergence is measured against
};

}  // namespace xgrad::train
