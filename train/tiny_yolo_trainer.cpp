#include "xgrad/train/tiny_yolo_trainer.hpp"

#include <cmath>
#include <string>

#include "xgrad/core/error.hpp"
#include "xgrad/core/factory.hpp"
#include "xgrad/nn/clip_grad.hpp"
#include "xgrad/train/checkpoint.hpp"
#include "xgrad/train/optimizer_factory.hpp"

namespace xgrad::train {

namespace {

data::EpochSamplerOptions sampler_options(Generator* generator) {
  return {.drop_last = true, .generator = generator, .name = "TinyYoloTrainer"};
}

constexpr const char* kLoad = "TinyYoloTrainer::load_state_dict";

}  // namespace

void TinyYoloTrainOptions::validate() const {
  const char* op = "TinyYoloTrainOptions";
  if (epochs < 1) fail(op, "epochs must be positive, got ", epochs);
  if (batch_size < 1) fail(op, "batch_size must be positive, got ", batch_size);
  if (!(lr > 0) || !std::isfinite(lr)) fail(op, "lr must be positive and finite, got ", lr);
  if (!(weight_decay >= 0)) fail(op, "weight_decay must be non-negative, got ", weight_decay);
  if (!(clip_grad_norm >= 0)) fail(op, "clip_grad_norm must be non-negative (0: off), got ", clip_grad_norm);
}

TinyYoloTrainer::TinyYoloTrainer(models::TinyYoloConfig model, TinyYoloTrainOptions options, std::int64_t dataset_size,
                                 BatchFn batches, std::optional<losses::YoloLossConfig> loss)
    : options_(options),
      dataset_size_(dataset_size),
      steps_per_epoch_(0),
      batches_(std::move(batches)),
      loss_(loss ? *loss : model.loss_config()) {
  options_.validate();
  if (dataset_size < 1) fail("TinyYoloTrainer", "the dataset is empty");
  if (!batches_) fail("TinyYoloTrainer", "no batch function");
  // Every batch full: BatchNorm's statistics and the loss's scale do not jump on a short last one.
  sampler_ = data::EpochSampler(std::size_t(dataset_size), std::size_t(options_.batch_size),
                                sampler_options(options_.generator));
  steps_per_epoch_ = std::int64_t(sampler_.batches_per_epoch());
  generator().manual_seed(options_.seed);
  {
    const GeneratorGuard initialization(generator());  // the layers' weights, from the run's generator
    model_ = std::make_shared<models::TinyYolo>(std::move(model));
  }
  optimizer_ = make_optimizer("adam", model_->parameters(), {.lr = options_.lr, .weight_decay = options_.weight_decay});
  scheduler_ = make_scheduler("onecycle", *optimizer_, {.length = total_steps(), .max_lr = options_.lr});
}

DetectionBatch TinyYoloTrainer::next_batch() {
  if (finished()) fail("TinyYoloTrainer::step", "the run is over (", options_.epochs, " epochs)");
  if (step_in_epoch_ == 0) sampler_.start_epoch();
  const std::span<const std::int64_t> next = sampler_.next();
  const std::vector<std::int64_t> indices(next.begin(), next.end());
  DetectionBatch b = batches_(indices);
  model_->train();
  return b;
}

TrainStep TinyYoloTrainer::record(const losses::YoloLossParts& parts) const {
  TrainStep out{parts.total.item(), parts.box.item(), parts.obj.item(),
                parts.noobj.item(), parts.cls.item(), optimizer_->lr()};
  if (!std::isfinite(out.total))
    fail("TinyYoloTrainer::step", "the loss is ", out.total, " at global step ", global_step_, " (box ", out.box,
         ", obj ", out.obj, ", noobj ", out.noobj, ", cls ", out.cls, "); try a lower lr");
  return out;
}

void TinyYoloTrainer::finish_step() {
  ++global_step_;
  if (++step_in_epoch_ == steps_per_epoch_) {
    step_in_epoch_ = 0;
    ++epoch_;
  }
}

// The loop body examples/tiny_yolo.cpp spells out in its train().
TrainStep TinyYoloTrainer::step() {
  const DetectionBatch b = next_batch();
  optimizer_->zero_grad();
  const losses::YoloLossParts parts = loss_({model_->forward(b.images)}, b.targets);
  const TrainStep out = record(parts);
  parts.total.backward();
  if (options_.clip_grad_norm > 0) nn::utils::clip_grad_norm_(model_->parameters(), options_.clip_grad_norm);
  optimizer_->step();
  scheduler_->step();
  finish_step();
  return out;
}

std::vector<std::pair<std::string, std::string>> TinyYoloTrainer::run_record() const {
  return {{"seed", std::to_string(options_.seed)},
          {"epochs", std::to_string(options_.epochs)},
          {"batch_size", std::to_string(options_.batch_size)},
          {"dataset_size", std::to_string(dataset_size_)},
          {"lr", run_text(options_.lr)},
          {"weight_decay", run_text(options_.weight_decay)},
          {"clip_grad_norm", run_text(options_.clip_grad_norm)}};
}

StateDict TinyYoloTrainer::state_dict() const {
  Checkpoint c;
  for (const auto& [name, value] : run_record()) c.put_run(name, value);
  c.put_model(*model_);
  c.put_optimizer(*optimizer_);
  c.put_scheduler(*scheduler_);
  c.put_rng(generator());
  c.put_count("progress.epochs_done", epoch_);
  c.put_count("progress.step_in_epoch", step_in_epoch_);
  c.put_count("progress.global_step", global_step_);
  const Tensor& order = sampler_.order();
  c.put("progress.order", order.defined() ? order.clone() : Tensor(Storage(xt::xarray<std::int64_t>::from_shape({0}))));
  return c.entries();
}

void TinyYoloTrainer::load_state_dict(const StateDict& dict) {
  const char* op = kLoad;
  const Checkpoint c(dict);
  // The run and the progress are checked before anything changes; the model's, optimizer's and
  // scheduler's parts are then loaded all or nothing, each checked by its own loader.
  for (const auto& [name, mine] : run_record()) c.check_run(op, name, mine);
  const std::int64_t epoch = c.count(op, "progress.epochs_done");
  const std::int64_t step = c.count(op, "progress.step_in_epoch");
  const std::int64_t global = c.count(op, "progress.global_step");
  if (epoch < 0 || epoch > options_.epochs || step < 0 || step >= steps_per_epoch_ ||
      global != epoch * steps_per_epoch_ + step)
    fail(op, "inconsistent progress: epoch ", epoch, ", step in epoch ", step, ", global step ", global, " with ",
         steps_per_epoch_, " steps per epoch");
  const Tensor& order = c.entry(op, "progress.order");
  const bool has_order = order.numel() > 0;
  if (order.dtype() != kInt64 || order.dim() != 1 || (has_order && order.numel() != std::size_t(dataset_size_)))
    fail(op, "\"order\" must be int64 of ", dataset_size_, " indices, got ", order.dtype(), " ",
         ShapeText{order.shape()});
  if (step > 0 && !has_order) fail(op, "the checkpoint is mid-epoch but has no order");
  // Between epochs the order is the finished epoch's: kept (the next step draws a new one).
  data::EpochSampler sampler(std::size_t(dataset_size_), std::size_t(options_.batch_size),
                             sampler_options(options_.generator));
  if (has_order) sampler.resume(order, step > 0 ? std::size_t(step) : sampler.batches_per_epoch());

  // Adam and the one-cycle schedule step once per step.
  c.check_counters(op, global, global, global);
  c.load_training(*model_, *optimizer_, scheduler_.get(), generator());
  epoch_ = epoch;
  step_in_epoch_ = step;
  global_step_ = global;
  sampler_ = std::move(sampler);
}

models::MeanAp evaluate_map(models::TinyYolo& model, std::int64_t size, const BatchFn& batches, std::int64_t batch_size,
                            const models::DecodeOptions& options, double iou_threshold) {
  if (size < 1 || batch_size < 1)
    fail("evaluate_map", "need positive size and batch_size, got ", size, " and ", batch_size);
  const bool was_training = model.is_training();
  model.eval();
  std::vector<std::vector<models::Detection>> detections;
  std::vector<std::vector<models::GroundTruth>> truths;
  for (std::int64_t start = 0; start < size; start += batch_size) {
    std::vector<std::int64_t> indices;
    for (std::int64_t i = start; i < std::min(size, start + batch_size); ++i) indices.push_back(i);
    const DetectionBatch b = batches(indices);
    for (auto& d : model.detect(b.images, options)) detections.push_back(std::move(d));
    for (auto& t : models::truths_from_targets(b.targets, static_cast<std::int64_t>(indices.size())))
      truths.push_back(std::move(t));
  }
  model.train(was_training);
  return models::mean_average_precision(detections, truths, model.config().num_classes, iou_threshold);
}

}  // namespace xgrad::train
