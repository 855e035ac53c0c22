// train/checkpoint.* and train/environment.*: the one checkpoint schema of the three trainers
// (version, run identity, environment record), and that each trainer's step() is exactly the
// loop its program spells out (next_batch, zero_grad, forward, loss, backward, step).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/serialize.hpp>
#include <xgrad/data/shapes.hpp>
#include <xgrad/losses/mse.hpp>
#include <xgrad/models/softmax_classifier.hpp>
#include <xgrad/nn/clip_grad.hpp>
#include <xgrad/train/checkpoint.hpp>
#include <xgrad/train/classifier_trainer.hpp>
#include <xgrad/train/linear_regression_trainer.hpp>
#include <xgrad/train/tiny_yolo_trainer.hpp>

#include "../core/helpers.hpp"

namespace xtr = xgrad::train;
namespace models = xgrad::models;
namespace fs = std::filesystem;

namespace {

fs::path temp(const std::string& name) {
  return fs::temp_directory_path() / ("xgrad_checkpoint_" + std::to_string(getpid()) + "_" + name);
}

// Every tensor of two state dicts bit-identical (the same keys, dtypes, shapes and bytes).
bool bitwise_equal(const xg::StateDict& a, const xg::StateDict& b, std::string* which) {
  if (a.size() != b.size()) return *which = "the key sets", false;
  for (const auto& [k, t] : a) {
    const auto it = b.find(k);
    if (it == b.end() || it->second.dtype() != t.dtype() || it->second.shape() != t.shape()) return *which = k, false;
    const bool same = std::visit(
        [&](const auto& xa) {
          using A = std::decay_t<decltype(xa)>;
          const auto& ya = std::get<A>(it->second.storage());
          return xa.size() == ya.size() && std::memcmp(xa.data(), ya.data(), xa.size() * sizeof(*xa.data())) == 0;
        },
        t.storage());
    if (!same) return *which = k, false;
  }
  return true;
}

}  // namespace

TEST(Checkpoint, RoundTripsTheSchema) {
  auto model = std::make_shared<models::SoftmaxClassifier>(3, 2);
  xg::Generator g(7);
  xtr::Checkpoint c;
  c.put_model(*model);
  c.put_rng(g);
  c.put_count("progress.global_step", 12);
  c.put_number("extra.best", 0.25);
  c.put_run("seed", "7");
  const fs::path path = temp("round_trip.safetensors");
  c.write(path);
  const xtr::Checkpoint back = xtr::Checkpoint::read(path);
  EXPECT_EQ(back.count("test", "checkpoint.version"), xtr::Checkpoint::kVersion);
  EXPECT_EQ(back.count("test", "progress.global_step"), 12);
  EXPECT_EQ(back.number("test", "extra.best"), 0.25);
  EXPECT_EQ(back.run("seed"), std::optional<std::string>("7"));
  EXPECT_EQ(back.run("lr"), std::nullopt);
  auto other = std::make_shared<models::SoftmaxClassifier>(3, 2);
  back.load_model(*other);
  EXPECT_EQ(values(other->parameters()[0]), values(model->parameters()[0]));
  xg::Generator h(1);
  back.load_rng(h);
  EXPECT_EQ(values(xg::rand({4}, h, xg::kFloat64)), values(xg::rand({4}, g, xg::kFloat64)));
  EXPECT_NO_THROW(back.check_run("test", "seed", "7"));
  EXPECT_ERROR(back.check_run("test", "seed", "8"), "is of another run: its seed is 7, this run's is 8");
  EXPECT_ERROR(back.check_run("test", "lr", "0.1"), "does not record the run's lr");
  EXPECT_ERROR(back.count("test", "progress.epochs_done"), "no entry 'progress.epochs_done'");
  fs::remove(path);
}

TEST(Checkpoint, RefusesAFileOfBeforeTheSchemaAndOtherVersions) {
  const fs::path path = temp("old.safetensors");
  xg::save({{"progress.global_step", xg::scalar(std::int64_t(3))}}, path);
  EXPECT_ERROR(xtr::Checkpoint::read(path), path.c_str(), "no 'checkpoint.version'", "scripts/migrate_checkpoint.py");
  xg::save({{"checkpoint.version", xg::scalar(std::int64_t(99))}}, path);
  EXPECT_ERROR(xtr::Checkpoint::read(path), "schema version 99", "reads version 1");
  fs::remove(path);
}

TEST(Checkpoint, RecordsTheEnvironmentInTheMetadata) {
  const fs::path path = temp("environment.safetensors");
  xtr::Checkpoint c;
  c.write(path);
  xg::Metadata metadata;
  const xg::StateDict tensors = xg::load(path, metadata);
  EXPECT_EQ(tensors.size(), 1u);  // only the version: the record is metadata, not a tensor
  const xtr::Environment now = xtr::current_environment(), saved = xtr::Checkpoint::read(path).environment();
  EXPECT_EQ(saved.blas_kernels, now.blas_kernels);
  EXPECT_EQ(saved.threads, now.threads);
  EXPECT_EQ(saved.compiler, now.compiler);
  EXPECT_EQ(saved.build, now.build);
  EXPECT_FALSE(now.blas_kernels.empty());
  EXPECT_FALSE(now.compiler.empty());
  EXPECT_EQ(metadata.at("environment.threads"), std::to_string(now.threads));
  EXPECT_EQ(xtr::Checkpoint::read(path).environment_note(), "");  // same process: nothing to say
  fs::remove(path);
}

TEST(Checkpoint, ANoteNamesWhatDiffersInOneLine) {
  xtr::Environment a{"OpenBLAS 0.3.21", "Haswell", 2, "gcc 12.2.0", "Release -march=native avx2 fma"};
  EXPECT_EQ(xtr::reproducibility_note(a, a), "");
  xtr::Environment b = a;
  b.blas_kernels = "Prescott";
  b.threads = 1;
  const std::string note = xtr::reproducibility_note(a, b);
  EXPECT_NE(note.find("kernels Prescott, threads 1 where the checkpoint's had kernels Haswell, threads 2"),
            std::string::npos)
      << note;
  EXPECT_EQ(note.find('\n'), std::string::npos);
  b = a;
  b.build = "Debug";
  EXPECT_NE(xtr::reproducibility_note(a, b).find("build Debug where the checkpoint's had build Release"),
            std::string::npos);
  // A checkpoint that does not record a field is not compared on it.
  EXPECT_EQ(xtr::reproducibility_note(xtr::Environment{}, b), "");
}

TEST(Checkpoint, MetadataKeysOfTheChecksumsAreReserved) {
  EXPECT_ERROR(xg::save({}, temp("reserved.safetensors"), {{"xgrad.crc32.x", "00000000"}}), "reserved");
}

// The three trainers write the one schema.
TEST(Checkpoint, EveryTrainerWritesTheSchema) {
  const xg::Tensor x = xg::randn({8, 2}, xg::kFloat64), y = xg::randn({8}, xg::kFloat64);
  xtr::LinearRegressionTrainer lr(std::make_shared<models::LinearRegression>(2), x, y);
  lr.step();
  const xg::Tensor cx = xg::randn({8, 3});
  const xg::Tensor cy = xg::from_xarray(xt::xarray<std::int64_t>{0, 1, 0, 1, 0, 1, 0, 1});
  xtr::ClassifierTrainer cl(std::make_shared<models::SoftmaxClassifier>(3, 2), cx, cy, {.batch_size = 4});
  cl.step();
  const xg::data::ShapesDataset data(8, 3);
  xtr::TinyYoloTrainer yolo(models::TinyYoloConfig::small(), {.epochs = 1, .batch_size = 4}, 8,
                            [&](const std::vector<std::int64_t>& i) {
                              return xtr::DetectionBatch{data.images(i), data.targets(i)};
                            });
  yolo.step();
  for (const xg::StateDict& d : {lr.state_dict(), cl.state_dict(), yolo.state_dict()}) {
    const xtr::Checkpoint c(d);
    EXPECT_EQ(c.count("test", "checkpoint.version"), 1);
    EXPECT_EQ(c.count("test", "progress.global_step"), 1);
    EXPECT_TRUE(c.has("rng"));
    bool model = false, optimizer = false;
    for (const auto& [k, v] : d) {
      model |= k.starts_with("model.");
      optimizer |= k.starts_with("optimizer.");
      const bool known = k == "checkpoint.version" || k == "rng" || k.starts_with("model.") ||
                         k.starts_with("optimizer.") || k.starts_with("scheduler.") || k.starts_with("progress.") ||
                         k.starts_with("history.") || k.starts_with("run.");
      EXPECT_TRUE(known) << k;
    }
    EXPECT_TRUE(model && optimizer);
  }
  EXPECT_EQ(xtr::Checkpoint(yolo.state_dict()).run("batch_size"), std::optional<std::string>("4"));
}

// The loop the programs spell out is step(), bit for bit, and a trainer given its own generator
// draws from it, not from the default one.
TEST(Checkpoint, TheSpelledOutLoopIsStep) {
  const xg::Tensor x = xg::randn({64, 3});
  xt::xarray<std::int64_t> labels = xt::empty<std::int64_t>(xg::Shape{64});
  for (std::size_t i = 0; i < 64; ++i) labels(i) = std::int64_t(i % 3);
  const xg::Tensor y = xg::from_xarray(std::move(labels));
  xg::Generator ga(5), gb(5);
  auto ma = std::make_shared<models::SoftmaxClassifier>(3, 3), mb = std::make_shared<models::SoftmaxClassifier>(3, 3);
  mb->load_state_dict(ma->state_dict());
  xtr::ClassifierTrainer a(ma, x, y, {.optimizer = "adam", .lr = 0.01, .batch_size = 8, .generator = &ga});
  xtr::ClassifierTrainer b(mb, x, y, {.optimizer = "adam", .lr = 0.01, .batch_size = 8, .generator = &gb});
  xg::manual_seed(123);  // the default generator's state must not matter
  for (int s = 0; s < 12; ++s) {
    if (a.epoch_finished()) a.end_epoch({}), b.end_epoch({});
    a.step();
    const xg::data::Batch batch = b.next_batch();
    b.optimizer().zero_grad();
    xg::Tensor loss = mb->loss(mb->forward(batch.inputs), batch.targets);
    loss.backward();
    b.optimizer().step();
    b.finish_step(loss);
    xg::manual_seed(s);
  }
  std::string which;
  xg::StateDict da = a.state_dict(), db = b.state_dict();
  for (const char* clock : {"progress.seconds", "history.seconds"}) da.erase(clock), db.erase(clock);  // wall time
  EXPECT_TRUE(bitwise_equal(da, db, &which)) << which;
  const xg::Tensor state_a = ga.get_state(), state_b = gb.get_state();  // kept: data() refers into them
  const auto& sa = state_a.data<std::int64_t>();
  const auto& sb = state_b.data<std::int64_t>();
  EXPECT_TRUE(std::equal(sa.begin(), sa.end(), sb.begin(), sb.end()));

  // Linear regression: record() between backward and the update.
  const xg::Tensor rx = xg::randn({16, 2}, xg::kFloat64), ry = xg::randn({16}, xg::kFloat64);
  auto ra = std::make_shared<models::LinearRegression>(2), rb = std::make_shared<models::LinearRegression>(2);
  xtr::LinearRegressionTrainer la(ra, rx, ry, {.optimizer = "momentum"}), lb(rb, rx, ry, {.optimizer = "momentum"});
  for (int s = 0; s < 20; ++s) {
    la.step();
    lb.optimizer().zero_grad();
    xg::Tensor loss = xg::losses::mse_loss(rb->forward(rx), ry);
    loss.backward();
    lb.record(loss);
    lb.optimizer().step();
  }
  EXPECT_TRUE(bitwise_equal(la.state_dict(), lb.state_dict(), &which)) << which;

  // Tiny YOLO: the loss's parts read before backward, clipping, Adam, the schedule.
  const xg::data::ShapesDataset data(8, 3);
  const xtr::BatchFn fetch = [&](const std::vector<std::int64_t>& i) {
    return xtr::DetectionBatch{data.images(i), data.targets(i)};
  };
  // Each its own generator for the orders; the layers' initialization draws from the default one.
  xg::Generator oa, ob;
  xg::manual_seed(9);
  xtr::TinyYoloTrainer ya(models::TinyYoloConfig::small(), {.epochs = 2, .batch_size = 4, .seed = 3, .generator = &oa},
                          8, fetch);
  xg::manual_seed(9);
  xtr::TinyYoloTrainer yb(models::TinyYoloConfig::small(), {.epochs = 2, .batch_size = 4, .seed = 3, .generator = &ob},
                          8, fetch);
  while (!ya.finished()) {
    ya.step();
    const xtr::DetectionBatch batch = yb.next_batch();
    yb.optimizer().zero_grad();
    const xg::losses::YoloLossParts loss = yb.loss()({yb.model().forward(batch.images)}, batch.targets);
    yb.record(loss);
    loss.total.backward();
    xg::nn::utils::clip_grad_norm_(yb.model().parameters(), yb.options().clip_grad_norm);
    yb.optimizer().step();
    yb.scheduler().step();
    yb.finish_step();
  }
  EXPECT_TRUE(bitwise_equal(ya.state_dict(), yb.state_dict(), &which)) << which;
}
