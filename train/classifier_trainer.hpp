#pragma once
// The training loop of the Fashion-MNIST example, as a class so that a test can stop it anywhere,
// save it, rebuild it and carry on: mini-batches in a new random order each epoch, one optimizer
// step per batch, and a checkpoint that holds everything the rest of the run depends on.
//
//   ClassifierTrainer trainer(model, train.images, train.labels, {.optimizer = "adam", .lr = 1e-3});
//   while (trainer.epochs_done() < epochs) {
//     while (!trainer.epoch_finished()) trainer.step();   // or its five lines: see step()
//     trainer.end_epoch(evaluate(*model, test.images, test.labels));   // an epoch's record
//     xg::save(trainer.state_dict(), dir / "checkpoint.safetensors");
//   }
//
// A run resumed from state_dict() ends with bit-identical parameters and losses to one that never
// stopped: the checkpoint holds the model ("model."), the optimizer ("optimizer."), the global
// random generator ("rng", the options' generator), the learning-rate schedule ("scheduler.", with "cosine"), the
// epoch's data order and position ("progress.") and the finished epochs' records ("history.").
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/core/generator.hpp"
#include "xgrad/core/state_dict.hpp"
#include "xgrad/data/batches.hpp"
#include "xgrad/models/classification_metrics.hpp"
#include "xgrad/models/classifier.hpp"
#include "xgrad/optim/lr_scheduler.hpp"
#include "xgrad/optim/optimizer.hpp"

namespace xgrad::train {

struct ClassifierTrainerOptions {
  std::string optimizer = "sgd";  // a name of train/optimizer_factory.hpp: "sgd", "adam", ...
  double lr = 0.1;
  double momentum = 0.0;  // "sgd" and "momentum" only
  std::size_t batch_size = 128;
  // "none", or "cosine": the rate follows half a cosine from lr down to 0 over `epochs` epochs
  // (CosineAnnealingLR, stepped at each end_epoch), which quiets the last epochs' noise.
  std::string schedule = "none";
  std::size_t epochs = 0;  // the cosine's length; required with "cosine"
  // Draws each epoch's order and is what the checkpoint's "rng" holds; nullptr:
  // xg::default_generator(). Must outlive the trainer.
  Generator* generator = nullptr;
  void validate() const;
};

// What one epoch achieved, as metrics.csv lists it.
struct EpochRecord {
  double train_loss = 0;     // the mean of the epoch's batch losses
  double test_loss = 0;      // the model's loss on the test set after the epoch
  double test_accuracy = 0;  // in [0, 1]
  double seconds = 0;        // training time of the epoch, evaluation excluded
};

class ClassifierTrainer {
 public:
  // inputs: a float tensor (N, D), or data::ByteImages (e.g. load_fashion_mnist_bytes's), whose
  // batches are converted as they are drawn; labels: int64 (N).
  ClassifierTrainer(std::shared_ptr<models::Classifier> model, data::Inputs inputs, Tensor labels,
                    ClassifierTrainerOptions options = {});

  // One optimizer step on the next mini-batch, starting a new epoch (a new order) when none is
  // under way; returns the batch's loss. Throws xg::Error when the loss is not finite (a
  // learning rate too large) or when the epoch's batches are used up (call end_epoch first).
  // It is the loop a program may spell out itself:
  //   const data::Batch batch = trainer.next_batch();
  //   trainer.optimizer().zero_grad();
  //   Tensor loss = model->loss(model->forward(batch.inputs), batch.targets);
  //   loss.backward();
  //   trainer.optimizer().step();
  //   trainer.finish_step(loss);
  double step();
  // The next mini-batch (a new epoch's order first when none is under way).
  data::Batch next_batch();
  // Counts the step just taken on next_batch()'s batch, whose loss this was; returns its value.
  // Throws when it is not finite.
  double finish_step(const Tensor& loss);
  // Every batch of the current epoch has been stepped on; end_epoch() is due.
  bool epoch_finished() const;
  // Closes the epoch: records its mean train loss and time with the test results given.
  EpochRecord end_epoch(const models::Evaluation& test);

  std::size_t epochs_done() const { return history_.size(); }
  std::size_t step_in_epoch() const { return in_epoch_ ? batches_.position() : 0; }
  std::size_t global_step() const { return global_step_; }
  std::size_t steps_per_epoch() const { return batches_.batches_per_epoch(); }
  const std::vector<EpochRecord>& history() const { return history_; }
  models::Classifier& model() { return *model_; }
  optim::Optimizer& optimizer() { return *optimizer_; }

  // The optimizer's current rate and momentum (a resumed run's come from its checkpoint).
  const ClassifierTrainerOptions& options() const { return options_; }
  // Overrides them, e.g. a lower rate for a run resumed after a divergence; validated as in the
  // constructor. Under a schedule the rate is the schedule's, so set_lr throws there; the momentum
  // applies to SGD only.
  void set_lr(double lr);
  void set_momentum(double momentum);

  // The checkpoint (see the top of this file, and train/checkpoint.hpp for the schema);
  // load_state_dict also sets the generator.
  // Its counters are checked against each other and against the history it holds before
  // anything is sized.
  StateDict state_dict() const;
  void load_state_dict(const StateDict& dict);

 private:
  Generator& generator() const { return options_.generator ? *options_.generator : default_generator(); }
  std::shared_ptr<models::Classifier> model_;
  ClassifierTrainerOptions options_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  std::unique_ptr<optim::LRScheduler> scheduler_;  // null without a schedule
  data::Batches batches_;
  bool in_epoch_ = false;
  std::size_t global_step_ = 0;
  double epoch_loss_sum_ = 0, epoch_seconds_ = 0;
  std::chrono::steady_clock::time_point step_start_;
  std::vector<EpochRecord> history_;
};

}  // namespace xgrad::train
