#include "xgrad/train/classifier_trainer.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <xtensor/xarray.hpp>

#include "xgrad/core/factory.hpp"
#include "xgrad/train/checkpoint.hpp"
#include "xgrad/train/optimizer_factory.hpp"

namespace xgrad::train {

namespace {

constexpr const char* kOp = "ClassifierTrainer";

std::unique_ptr<optim::Optimizer> build_optimizer(const ClassifierTrainerOptions& o, std::vector<Tensor> params) {
  return make_optimizer(o.optimizer, std::move(params), {.lr = o.lr, .momentum = o.momentum});
}

// The options, checked before the members built from them.
ClassifierTrainerOptions validated(ClassifierTrainerOptions o) {
  o.validate();
  return o;
}

// The history's columns, by name, as stored under "history.<name>", and the range of their values.
struct Column {
  const char* name;
  double EpochRecord::*field;
  double low, high;
};
constexpr double kMax = std::numeric_limits<double>::max();
const Column kColumns[] = {{"train_loss", &EpochRecord::train_loss, 0, kMax},
                           {"test_loss", &EpochRecord::test_loss, 0, kMax},
                           {"test_accuracy", &EpochRecord::test_accuracy, 0, 1},
                           {"seconds", &EpochRecord::seconds, 0, kMax}};

}  // namespace

void ClassifierTrainerOptions::validate() const {
  check_optimizer_name(kOp, optimizer);
  if (!(lr > 0) || !std::isfinite(lr)) fail(kOp, "the learning rate must be positive, got ", lr);
  if (!(momentum >= 0 && momentum < 1)) fail(kOp, "momentum must be in [0, 1), got ", momentum);
  if (batch_size == 0) fail(kOp, "the batch size must be positive");
  check_scheduler_name(kOp, schedule);
  // Stepped once per epoch: a one-cycle schedule over epochs would be too coarse to be useful.
  if (schedule == "onecycle") fail(kOp, "the 'onecycle' schedule is stepped per batch; use none or cosine");
  if (schedule == "cosine" && epochs == 0) fail(kOp, "the cosine schedule needs the number of epochs");
}

ClassifierTrainer::ClassifierTrainer(std::shared_ptr<models::Classifier> model, data::Inputs inputs, Tensor labels,
                                     ClassifierTrainerOptions options)
    : model_(std::move(model)),
      options_(validated(std::move(options))),
      optimizer_(build_optimizer(options_, model_->parameters())),
      batches_(std::move(inputs), std::move(labels), options_.batch_size, /*shuffle=*/true, options_.generator) {
  scheduler_ = make_scheduler(options_.schedule, *optimizer_, {.length = std::int64_t(options_.epochs)});
}

data::Batch ClassifierTrainer::next_batch() {
  if (!in_epoch_) {
    batches_.start_epoch();
    in_epoch_ = true;
    epoch_loss_sum_ = epoch_seconds_ = 0;
  }
  if (!batches_.has_next())
    fail(kOp, "epoch ", epochs_done() + 1, " has no batch left; call end_epoch() before the next step");
  step_start_ = std::chrono::steady_clock::now();
  return batches_.next();
}

double ClassifierTrainer::finish_step(const Tensor& loss) {
  const double value = loss.item();
  if (!std::isfinite(value))
    fail(kOp, "the loss became ", value, " at step ", global_step_ + 1, " (epoch ", epochs_done() + 1,
         "): training diverged; lower the learning rate (now ", options_.lr, ")");
  ++global_step_;
  epoch_loss_sum_ += value;
  epoch_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - step_start_).count();
  return value;
}

// The loop body examples/fashion_mnist.cpp spells out in its main.
double ClassifierTrainer::step() {
  const data::Batch batch = next_batch();
  optimizer_->zero_grad();
  Tensor loss = model_->loss(model_->forward(batch.inputs), batch.targets);
  loss.backward();
  optimizer_->step();
  return finish_step(loss);
}

bool ClassifierTrainer::epoch_finished() const { return in_epoch_ && !batches_.has_next(); }

EpochRecord ClassifierTrainer::end_epoch(const models::Evaluation& test) {
  if (!epoch_finished())
    fail(kOp, "end_epoch() after ", batches_.position(), " of ", steps_per_epoch(), " batches; finish the epoch first");
  in_epoch_ = false;
  if (scheduler_) scheduler_->step();
  const EpochRecord r{epoch_loss_sum_ / double(steps_per_epoch()), test.loss, test.accuracy, epoch_seconds_};
  history_.push_back(r);
  return r;
}

StateDict ClassifierTrainer::state_dict() const {
  Checkpoint c;
  c.put_model(*model_);
  c.put_optimizer(*optimizer_);
  if (scheduler_) c.put_scheduler(*scheduler_);
  c.put_rng(generator());
  c.put_count("progress.global_step", std::int64_t(global_step_));
  c.put_count("progress.batch_size", std::int64_t(options_.batch_size));
  c.put_count("progress.examples", std::int64_t(batches_.examples()));
  c.put_count("progress.in_epoch", std::int64_t(in_epoch_));
  c.put_count("progress.step_in_epoch", std::int64_t(step_in_epoch()));
  c.put_count("progress.epochs_done", std::int64_t(epochs_done()));
  c.put_number("progress.loss_sum", epoch_loss_sum_);
  c.put_number("progress.seconds", epoch_seconds_);
  if (in_epoch_) c.put("progress.order", batches_.order().detach());
  if (!history_.empty())
    for (const auto& [name, field, low, high] : kColumns) {
      xt::xarray<double> column = xt::empty<double>(Shape{history_.size()});
      for (std::size_t e = 0; e < history_.size(); ++e) column(e) = history_[e].*field;
      c.put(std::string("history.") + name, from_xarray(std::move(column)));
    }
  return c.entries();
}

void ClassifierTrainer::load_state_dict(const StateDict& dict) {
  const Checkpoint c(dict);
  const auto count = [&](const char* key) { return c.count(kOp, key); };
  const auto entry = [&](const std::string& key, Dtype dtype) -> const Tensor& { return c.entry(kOp, key, dtype); };
  // Everything is checked before anything changes; the model's, optimizer's and scheduler's
  // parts are then loaded all or nothing.
  const auto batch_size = count("progress.batch_size"), examples = count("progress.examples");
  if (std::size_t(batch_size) != options_.batch_size || std::size_t(examples) != batches_.examples())
    fail(kOp, "the checkpoint was made with batch size ", batch_size, " on ", examples,
         " examples; this run has batch size ", options_.batch_size, " on ", batches_.examples());
  const bool in_epoch = count("progress.in_epoch") != 0;
  const auto position = std::uint64_t(count("progress.step_in_epoch"));
  const auto epochs = std::uint64_t(count("progress.epochs_done"));
  const auto global_step = std::uint64_t(count("progress.global_step"));
  // The counters, against the history the file really holds and against each other, before
  // anything is sized: an epochs_done of 2^40 beside 3 rows of history is a corrupt checkpoint.
  std::vector<const Tensor*> columns;
  for (const auto& [name, field, low, high] : kColumns) {
    if (epochs == 0) break;
    const std::string key = std::string("history.") + name;
    const Tensor& column = entry(key, kFloat64);
    if (column.numel() != epochs)
      fail(kOp, "the checkpoint's progress.epochs_done is ", epochs, " but its entry '", key, "' has ", column.numel(),
           " values");
    c.check_values(kOp, key, low, high);
    columns.push_back(&column);
  }
  const std::uint64_t per_epoch = steps_per_epoch();
  if ((in_epoch && position > per_epoch) || (!in_epoch && position != 0) ||
      global_step != epochs * per_epoch + (in_epoch ? position : 0))
    fail(kOp, "inconsistent progress in the checkpoint: global step ", global_step, ", ", epochs, " epochs done, step ",
         position, " of the epoch", in_epoch ? "" : " (between epochs)", " with ", per_epoch, " steps per epoch");
  data::Batches resumed = batches_;
  if (in_epoch) resumed.resume(entry("progress.order", kInt64), std::size_t(position));
  std::vector<EpochRecord> history(static_cast<std::size_t>(epochs));
  for (std::size_t c = 0; c < columns.size(); ++c)
    for (std::size_t e = 0; e < epochs; ++e) history[e].*kColumns[c].field = columns[c]->data<double>()(e);
  c.check_counters(kOp, std::int64_t(global_step), std::int64_t(global_step),
                   scheduler_ ? std::optional<std::int64_t>(epochs) : std::nullopt);
  c.check_values(kOp, "progress.loss_sum", 0, kMax);
  c.check_values(kOp, "progress.seconds", 0, kMax);
  const double loss_sum = c.number(kOp, "progress.loss_sum"), seconds = c.number(kOp, "progress.seconds");

  c.load_training(*model_, *optimizer_, scheduler_.get(), generator());
  batches_ = std::move(resumed);
  in_epoch_ = in_epoch;
  global_step_ = global_step;
  epoch_loss_sum_ = loss_sum;
  epoch_seconds_ = seconds;
  history_ = std::move(history);
  options_.lr = scheduler_ ? scheduler_->base_lrs().at(0) : optimizer_->lr(0);
  if (uses_momentum(options_.optimizer)) options_.momentum = optimizer_->option(0, "momentum");
}

void ClassifierTrainer::set_lr(double lr) {
  if (scheduler_)
    fail(kOp, "under the '", options_.schedule, "' schedule the rate follows the schedule; it cannot be set to ", lr);
  ClassifierTrainerOptions o = options_;
  o.lr = lr;
  o.validate();
  optimizer_->set_lr(0, lr);
  options_ = o;
}

void ClassifierTrainer::set_momentum(double momentum) {
  ClassifierTrainerOptions o = options_;
  o.momentum = momentum;
  o.validate();
  if (uses_momentum(options_.optimizer)) optimizer_->set_option(0, "momentum", momentum);
  options_ = o;
}

}  // namespace xgrad::train
