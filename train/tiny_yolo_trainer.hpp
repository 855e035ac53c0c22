#pragma once
// The tiny YOLO's training loop as an object, so that a run can stop after any step, be saved,
// and go on in a fresh process with the same result to the last bit.
//
//   TinyYoloTrainer trainer(TinyYoloConfig::small(), {.epochs = 10, .seed = 0}, train_size,
//                           [&](const std::vector<std::int64_t>& idx) {
//                             return DetectionBatch{data.images(idx), data.targets(idx)};
//                           });
//   while (!trainer.finished()) {
//     TrainStep s = trainer.step();              // one Adam step on the next mini-batch
//     if (trainer.step_in_epoch() == 0) { ... }  // an epoch just ended
//   }
//   xg::save(trainer.state_dict(), "checkpoint.safetensors");   // and later, in a new process:
//   trainer.load_state_dict(xg::load("checkpoint.safetensors"));
//
// What a step does: at the start of an epoch it draws the epoch's order with xg::randperm; it
// takes the next batch_size indices of that order (the last incomplete batch of an epoch is
// dropped), runs the model in training mode, the YOLO loss, backward, optional gradient-norm
// clipping, Adam, and one step of a OneCycleLR schedule spread over every step of every epoch.
//
// The constructor seeds the generator (options.generator, default xg::default_generator()) with
// `seed` and then builds the model, so a trainer's whole run follows from its options.
//
// state_dict(), the checkpoint, holds everything a run depends on:
//   model.*                 parameters and BatchNorm buffers (running statistics, batch counts)
//   optimizer.*             Adam's state and options (opt.state_dict("optimizer."))
//   scheduler.*             OneCycleLR's state
//   rng                     xg::get_rng_state(): the next epoch's order depends on it
//   progress.epochs_done, progress.step_in_epoch, progress.global_step    int64 0-d
//   progress.order          int64 (dataset size): the current epoch's order (data::EpochSampler)
//   run.*                   the options that must not change on resume (seed, epochs, batch
//                           size, dataset size, lr, weight decay, clipping), as text:
//                           loading a checkpoint of another run throws, naming the option
// (train/checkpoint.hpp's schema, shared with the other trainers)
// load_state_dict() restores all of it; the caller's own entries (any other prefix) are ignored.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "xgrad/core/generator.hpp"
#include "xgrad/core/state_dict.hpp"
#include "xgrad/data/epoch_sampler.hpp"
#include "xgrad/losses/yolo_loss.hpp"
#include "xgrad/models/detection/mean_ap.hpp"
#include "xgrad/models/tiny_yolo.hpp"
#include "xgrad/optim/lr_scheduler.hpp"
#include "xgrad/optim/optimizer.hpp"

namespace xgrad::train {

struct DetectionBatch {
  Tensor images;   // (B, C, S, S) float32
  Tensor targets;  // (T, 6) float32 rows (position in batch, class, cx, cy, w, h)
};
// Fetches the images and targets at the given dataset indices.
using BatchFn = std::function<DetectionBatch(const std::vector<std::int64_t>& indices)>;

struct TinyYoloTrainOptions {
  std::int64_t epochs = 10;
  std::int64_t batch_size = 16;
  double lr = 3e-3;  // OneCycleLR's peak rate
  double weight_decay = 0.0;
  double clip_grad_norm = 10.0;  // 0: no clipping
  std::uint64_t seed = 0;
  // Is seeded with `seed`, initializes the model (under a GeneratorGuard), draws the epochs'
  // orders and is what the checkpoint's "rng" holds; nullptr: xg::default_generator(). With one
  // generator per trainer, trainers in several threads give their serial runs' numbers. Must
  // outlive the trainer.
  Generator* generator = nullptr;
  void validate() const;
};

// One step's losses (weighted, as the loss's parts; total = box + obj + noobj + cls) and the
// learning rate it trained with.
struct TrainStep {
  double total = 0, box = 0, obj = 0, noobj = 0, cls = 0, lr = 0;
};

class TinyYoloTrainer {
 public:
  TinyYoloTrainer(models::TinyYoloConfig model, TinyYoloTrainOptions options, std::int64_t dataset_size,
                  BatchFn batches, std::optional<losses::YoloLossConfig> loss = {});  // default: model.loss_config()

  // One step on the next mini-batch. It is the loop a program may spell out itself:
  //   const DetectionBatch b = trainer.next_batch();
  //   trainer.optimizer().zero_grad();
  //   const losses::YoloLossParts loss = trainer.loss()({trainer.model().forward(b.images)}, b.targets);
  //   const TrainStep s = trainer.record(loss);   // throws when the loss is not finite
  //   loss.total.backward();
  //   nn::utils::clip_grad_norm_(trainer.model().parameters(), options.clip_grad_norm);   // when > 0
  //   trainer.optimizer().step();
  //   trainer.scheduler().step();
  //   trainer.finish_step();
  TrainStep step();
  // The next batch (a new epoch's order first), with the model in training mode.
  DetectionBatch next_batch();
  // The step's losses and learning rate, read before its backward; throws when not finite.
  TrainStep record(const losses::YoloLossParts& loss) const;
  // Counts the step just taken.
  void finish_step();
  const losses::YoloLoss& loss() const { return loss_; }
  optim::Optimizer& optimizer() { return *optimizer_; }
  optim::LRScheduler& scheduler() { return *scheduler_; }
  bool finished() const { return epoch_ >= options_.epochs; }

  std::int64_t epoch() const { return epoch_; }  // epochs completed
  std::int64_t step_in_epoch() const { return step_in_epoch_; }
  std::int64_t global_step() const { return global_step_; }
  std::int64_t steps_per_epoch() const { return steps_per_epoch_; }
  std::int64_t total_steps() const { return steps_per_epoch_ * options_.epochs; }

  models::TinyYolo& model() { return *model_; }
  const TinyYoloTrainOptions& options() const { return options_; }

  StateDict state_dict() const;
  void load_state_dict(const StateDict& dict);

 private:
  Generator& generator() const { return options_.generator ? *options_.generator : default_generator(); }
  // The options that must not change on resume, as the checkpoint's "run." texts.
  std::vector<std::pair<std::string, std::string>> run_record() const;

  TinyYoloTrainOptions options_;
  std::int64_t dataset_size_, steps_per_epoch_;
  BatchFn batches_;
  std::shared_ptr<models::TinyYolo> model_;
  losses::YoloLoss loss_;
  std::unique_ptr<optim::Optimizer> optimizer_;    // Adam
  std::unique_ptr<optim::LRScheduler> scheduler_;  // OneCycleLR
  std::int64_t epoch_ = 0, step_in_epoch_ = 0, global_step_ = 0;
  data::EpochSampler sampler_{1, 1};  // set in the constructor
};

// The model's detections on `size` images fetched `batch_size` at a time, scored against their
// targets; the model is put in eval mode for it and back in the mode it was in.
models::MeanAp evaluate_map(models::TinyYolo& model, std::int64_t size, const BatchFn& batches,
                            std::int64_t batch_size = 50, const models::DecodeOptions& options = {},
                            double iou_threshold = 0.5);

}  // namespace xgrad::train
