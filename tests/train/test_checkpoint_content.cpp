// What fuzz/fuzz_checkpoint_content found in train/ (fuzz/RESULTS.md): checkpoints whose content
// is impossible for the run they claim to be, which loaded without an error, and refused loads
// that had already changed the trainer. Each says what a resume must refuse.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <xgrad/data/shapes.hpp>
#include <xgrad/models/classifier.hpp>
#include <xgrad/models/linear_regression.hpp>
#include <xgrad/models/tiny_yolo.hpp>
#include <xgrad/train/classifier_trainer.hpp>
#include <xgrad/train/linear_regression_trainer.hpp>
#include <xgrad/train/tiny_yolo_trainer.hpp>

#include "../core/helpers.hpp"

namespace xtr = xgrad::train;
namespace xm = xgrad::models;

namespace {

struct Regression {
  xg::Tensor x = xg::randn({40, 2}, xg::kFloat64), y = xg::randn({40}, xg::kFloat64);
  std::unique_ptr<xtr::LinearRegressionTrainer> make(const std::string& optimizer = "sgd") {
    return std::make_unique<xtr::LinearRegressionTrainer>(std::make_shared<xm::LinearRegression>(2), x, y,
                                                          xtr::LinearRegressionTrainerOptions{.optimizer = optimizer});
  }
};

struct Classification {
  xg::Tensor x = xg::randn({24, 6}), y = xg::randint(0, 3, {24});
  std::unique_ptr<xtr::ClassifierTrainer> make() {
    xg::manual_seed(1);
    return std::make_unique<xtr::ClassifierTrainer>(
        xm::make_classifier("softmax", 6, 3), x, y,
        xtr::ClassifierTrainerOptions{.optimizer = "adam", .lr = 0.01, .batch_size = 8});
  }
  // One epoch and one step: history, Adam state, mid-epoch progress.
  xg::StateDict checkpoint() {
    auto t = make();
    while (!t->epoch_finished()) t->step();
    xm::Evaluation e;
    e.loss = 1.0, e.accuracy = 0.5;
    t->end_epoch(e);
    t->step();
    return t->state_dict();
  }
};

std::vector<double> doubles(const xg::Tensor& t) {
  const xg::Tensor d = t.to(xg::kFloat64);
  return {d.data<double>().begin(), d.data<double>().end()};
}

xg::Tensor with(const xg::Tensor& t, std::size_t i, double value) {
  xg::Tensor c = t.clone().detach();
  c.data<double>().data()[i] = value;
  return c;
}

TEST(CheckpointContent, RegressionRefusesANaNBeforeTheLastStepOfItsHistory) {
  Regression r;
  auto t = r.make();
  for (int i = 0; i < 5; ++i) t->step();
  xg::StateDict d = t->state_dict();
  d["history.loss"] = with(d.at("history.loss"), 1, std::nan(""));
  EXPECT_ERROR(r.make()->load_state_dict(d), "LinearRegressionTrainer", "history.loss");
  d = t->state_dict();
  d["history.grad_norm"] = with(d.at("history.grad_norm"), 2, -1.0);
  EXPECT_ERROR(r.make()->load_state_dict(d), "LinearRegressionTrainer", "history.grad_norm");
}

// Only a diverged run's last row (its loss not finite) may hold non-finite values: with a finite
// last loss, a NaN gradient norm or parameter there is a corrupt checkpoint (found by
// fuzz_checkpoint_content, fuzz/RESULTS.md).
TEST(CheckpointContent, RegressionExemptsTheLastRowOnlyWhenItsLossDiverged) {
  Regression r;
  auto t = r.make();
  for (int i = 0; i < 5; ++i) t->step();
  const xg::StateDict good = t->state_dict();
  xg::StateDict d = good;
  d["history.grad_norm"] = with(d.at("history.grad_norm"), 4, std::nan(""));
  EXPECT_ERROR(r.make()->load_state_dict(d), "LinearRegressionTrainer", "history.grad_norm");
  d = good;
  d["history.params"] = with(d.at("history.params"), d.at("history.params").numel() - 1, INFINITY);
  EXPECT_ERROR(r.make()->load_state_dict(d), "LinearRegressionTrainer", "history.params");
  EXPECT_NO_THROW(r.make()->load_state_dict(good));
}

TEST(CheckpointContent, ClassifierRefusesAnImpossibleHistory) {
  Classification c;
  const xg::StateDict good = c.checkpoint();
  for (const auto& [key, value] : std::vector<std::pair<std::string, double>>{{"history.test_accuracy", 5.0},
                                                                              {"history.seconds", -1.0},
                                                                              {"history.test_loss", std::nan("")},
                                                                              {"history.train_loss", INFINITY}}) {
    SCOPED_TRACE(key);
    xg::StateDict d = good;
    d[key] = with(d.at(key), 0, value);
    EXPECT_ERROR(c.make()->load_state_dict(d), "ClassifierTrainer", key.c_str());
  }
}

// Adam's per-parameter step counts are the trainer's global step: a checkpoint where they differ
// resumes with other bias corrections than the run it claims to be.
TEST(CheckpointContent, OptimizerStepCountsAgreeWithTheGlobalStep) {
  Classification c;
  xg::StateDict d = c.checkpoint();
  d["optimizer.state.0.step"] = xg::scalar(std::int64_t(0));
  EXPECT_ERROR(c.make()->load_state_dict(d), "ClassifierTrainer", "optimizer.state.0.step");
}

// A refused checkpoint leaves the trainer as it was: here the model's entries load, then the
// optimizer's refuse (a negative average of squares), and the model kept the file's weights.
TEST(CheckpointContent, ARefusedLoadChangesNothing) {
  Regression r;
  auto other = r.make("adam");
  for (int i = 0; i < 5; ++i) other->step();
  xg::StateDict d = other->state_dict();
  d["optimizer.state.0.exp_avg_sq"] = with(d.at("optimizer.state.0.exp_avg_sq"), 0, -1.0);
  auto t = r.make("adam");
  t->step();
  const std::vector<double> before = t->params();
  EXPECT_ERROR(t->load_state_dict(d), "exp_avg_sq");
  EXPECT_EQ(t->params(), before) << "the refused checkpoint's weights were loaded";
}

// The one-cycle schedule and Adam step once per step: a checkpoint whose scheduler or optimizer
// counts otherwise is refused, and leaves the trainer's weights as they were.
TEST(CheckpointContent, TinyYoloCountersAgreeAndARefusedLoadChangesNothing) {
  const xg::data::ShapesDataset data(16, 13);
  const xtr::BatchFn batches = [&data](const std::vector<std::int64_t>& idx) {
    return xtr::DetectionBatch{data.images(idx), data.targets(idx)};
  };
  const xtr::TinyYoloTrainOptions options{.epochs = 2, .batch_size = 4, .seed = 5};
  xtr::TinyYoloTrainer a(xm::TinyYoloConfig::small(), options, 16, batches);
  for (int i = 0; i < 3; ++i) a.step();
  xtr::TinyYoloTrainer b(xm::TinyYoloConfig::small(), options, 16, batches);
  b.step();
  const xg::StateDict before = b.state_dict();
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::int64_t>>{{"scheduler.last_epoch", 7}, {"optimizer.state.3.step", 2}}) {
    SCOPED_TRACE(key);
    xg::StateDict d = a.state_dict();
    d[key] = xg::scalar(value);
    EXPECT_ERROR(b.load_state_dict(d), "TinyYoloTrainer", key.c_str());
  }
  xg::StateDict d = a.state_dict();
  d["optimizer.state.0.exp_avg_sq"] = -xg::ones_like(d.at("optimizer.state.0.exp_avg_sq"));
  EXPECT_ERROR(b.load_state_dict(d), "exp_avg_sq");
  const xg::StateDict after = b.state_dict();
  for (const auto& [key, t] : before) {
    SCOPED_TRACE(key);
    EXPECT_EQ(doubles(after.at(key)), doubles(t)) << "the refused checkpoint changed it";
  }
}

}  // namespace
