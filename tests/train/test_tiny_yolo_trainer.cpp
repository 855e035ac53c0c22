// train/tiny_yolo_trainer.*: training that really learns (the loss falls, 8 images are overfit to
// near-perfect mAP), and checkpoints that resume to the same bits.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <xgrad/core/error.hpp>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/serialize.hpp>
#include <xgrad/data/shapes.hpp>
#include <xgrad/models/tiny_yolo.hpp>
#include <xgrad/train/tiny_yolo_trainer.hpp>

#include "margins.hpp"

namespace xg = xgrad;
namespace xm = xgrad::models;
namespace xtr = xgrad::train;

namespace {

xtr::BatchFn batches_of(const xg::data::ShapesDataset& d) {
  return [&d](const std::vector<std::int64_t>& idx) { return xtr::DetectionBatch{d.images(idx), d.targets(idx)}; };
}

bool bitwise_equal(const xg::StateDict& a, const xg::StateDict& b, std::string* which) {
  if (a.size() != b.size()) return *which = "sizes", false;
  for (const auto& [key, t] : a) {
    const auto it = b.find(key);
    if (it == b.end() || it->second.dtype() != t.dtype() || it->second.shape() != t.shape()) return *which = key, false;
    bool same = true;
    if (t.dtype() == xg::kFloat32)
      same = std::equal(t.data<float>().begin(), t.data<float>().end(), it->second.data<float>().begin(),
                        [](float x, float y) { return std::memcmp(&x, &y, sizeof x) == 0; });
    else if (t.dtype() == xg::kFloat64)
      same = std::equal(t.data<double>().begin(), t.data<double>().end(), it->second.data<double>().begin(),
                        [](double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; });
    else
      same = t.data<std::int64_t>() == it->second.data<std::int64_t>();
    if (!same) return *which = key, false;
  }
  return true;
}

// The model's entries only (the optimizer's and the counters differ between runs of other lengths).
xg::StateDict under_model(const xg::StateDict& d) {
  xg::StateDict out;
  for (const auto& [key, t] : d)
    if (key.rfind("model.", 0) == 0) out.emplace(key, t);
  return out;
}

}  // namespace

// The mean loss of the last epoch against the first's, on a few images: below a third for the
// default model, below half for the benchmark model, whose 15-pixel receptive field learns more
// slowly. Measured (scripts/kernel_margins.sh: seeds 1-6, OpenBLAS Zen, Haswell and Prescott
// kernels, 1 and 2 threads, AMD EPYC): small 3.34-3.92 (worst seed 1), w4 2.475-10.4 (worst
// seed 6; seed 1, the test's own, 3.36). The w4 bar was 2.5 until seed 6 showed it held by luck.
TEST(TinyYoloTrainer, LossFalls) {
  const auto falls = [](xm::TinyYoloConfig config, std::int64_t images, std::int64_t epochs, double lr,
                        std::uint64_t seed) {
    const xg::data::ShapesDataset data(images, 10 + seed);
    xtr::TinyYoloTrainer trainer(std::move(config), {.epochs = epochs, .batch_size = 8, .lr = lr, .seed = seed}, images,
                                 batches_of(data));
    double first = 0, last = 0;
    while (!trainer.finished()) {
      const std::int64_t epoch = trainer.epoch();
      const double loss = trainer.step().total / double(trainer.steps_per_epoch());
      if (epoch == 0) first += loss;
      if (epoch == epochs - 1) last += loss;
    }
    return first / last;
  };
  for (const std::uint64_t seed : xg::testing::margin_seeds(1)) {
    const double small = falls(xm::TinyYoloConfig::small(), 32, 10, 5e-3, seed);
    const double w4 = falls(xm::TinyYoloConfig::w4(), 8, 60, 1e-2, seed);
    xg::testing::report_margin("small first/last", seed, small, 3.0);
    xg::testing::report_margin("w4 first/last", seed, w4, 2.0);
    EXPECT_GT(small, 3.0) << "seed " << seed;
    EXPECT_GT(w4, 2.0) << "seed " << seed;
  }
}

// Eight images seen 50 times: the detector finds nearly every object in them, and the loss falls
// more than tenfold. Measured (scripts/kernel_margins.sh: seeds 1-6, OpenBLAS Zen, Haswell and
// Prescott kernels, 1 and 2 threads, AMD EPYC): mAP 0.989-1.0, loss 21.9-23.7-fold. On an Intel
// Xeon with AVX-512 (whose build takes other code paths: small_sgemm) the test's own seed reached
// 0.944 on Prescott kernels, under the 0.95 this test once asked; 0.9 holds with room everywhere.
TEST(TinyYoloTrainer, OverfitsEightImages) {
  for (const std::uint64_t seed : xg::testing::margin_seeds(2)) {
    const xg::data::ShapesDataset data(8, 10 + seed);
    xtr::TinyYoloTrainer trainer(xm::TinyYoloConfig::small(), {.epochs = 50, .batch_size = 8, .lr = 1e-2, .seed = seed},
                                 8, batches_of(data));
    const double before = xtr::evaluate_map(trainer.model(), 8, batches_of(data)).map;
    const double first_loss = trainer.step().total;
    double last_loss = 0;
    while (!trainer.finished()) last_loss = trainer.step().total;
    const xm::MeanAp after = xtr::evaluate_map(trainer.model(), 8, batches_of(data));
    xg::testing::report_margin("mAP after", seed, after.map, 0.9);
    xg::testing::report_margin("first/last loss", seed, first_loss / last_loss, 10);
    EXPECT_LT(before, 0.2);
    EXPECT_GE(after.map, 0.9) << "seed " << seed << ": AP per class " << after.ap[0] << " " << after.ap[1] << " "
                              << after.ap[2];
    EXPECT_LT(last_loss, first_loss / 10) << "seed " << seed;
    EXPECT_TRUE(trainer.model().is_training());  // evaluate_map put it back
  }
}

TEST(TinyYoloTrainer, SameSeedSameLossesOtherSeedOthers) {
  const xg::data::ShapesDataset data(16, 13);
  const auto run = [&](std::uint64_t seed) {
    xtr::TinyYoloTrainer t(xm::TinyYoloConfig::small(), {.epochs = 2, .batch_size = 4, .seed = seed}, 16,
                           batches_of(data));
    std::vector<double> losses;
    for (int i = 0; i < 5; ++i) losses.push_back(t.step().total);
    return losses;
  };
  const auto a = run(7), b = run(7), c = run(8);
  EXPECT_EQ(a, b);  // bitwise: doubles compared with ==
  EXPECT_NE(a, c);
}

// N steps straight, against k steps, a checkpoint written to a file, a new trainer (new model,
// optimizer, scheduler; the global generator disturbed), the checkpoint loaded, N - k steps.
// Every parameter, BatchNorm buffer, Adam moment, the generator and the counters agree bit for
// bit. k = 4 is mid-epoch (3 steps per epoch), and the run crosses two epoch boundaries after it.
TEST(TinyYoloTrainer, ResumeIsBitIdentical) {
  const xg::data::ShapesDataset data(24, 14);
  const xtr::TinyYoloTrainOptions options{.epochs = 3, .batch_size = 8, .lr = 4e-3, .seed = 3};
  const std::int64_t N = 9, k = 4;

  xtr::TinyYoloTrainer straight(xm::TinyYoloConfig::small(), options, 24, batches_of(data));
  std::vector<double> straight_losses;
  for (std::int64_t i = 0; i < N; ++i) straight_losses.push_back(straight.step().total);
  EXPECT_TRUE(straight.finished());

  const auto path =
      std::filesystem::temp_directory_path() / ("tiny_yolo_resume_" + std::to_string(::getpid()) + ".safetensors");
  std::vector<double> resumed_losses;
  {
    xtr::TinyYoloTrainer first(xm::TinyYoloConfig::small(), options, 24, batches_of(data));
    for (std::int64_t i = 0; i < k; ++i) resumed_losses.push_back(first.step().total);
    EXPECT_EQ(first.step_in_epoch(), 1);
    xg::save(first.state_dict(), path);
  }
  xtr::TinyYoloTrainer second(xm::TinyYoloConfig::small(), options, 24, batches_of(data));
  xg::manual_seed(999);  // whatever the generator holds now, the checkpoint's state wins
  (void)xg::rand({10});
  second.load_state_dict(xg::load(path));
  std::filesystem::remove(path);
  EXPECT_EQ(second.global_step(), k);
  while (!second.finished()) resumed_losses.push_back(second.step().total);

  EXPECT_EQ(resumed_losses, straight_losses);
  std::string which;
  EXPECT_TRUE(bitwise_equal(second.state_dict(), straight.state_dict(), &which)) << "differs at " << which;
  // The comparison can fail: one step fewer leaves other parameters.
  xtr::TinyYoloTrainer shorter(xm::TinyYoloConfig::small(), options, 24, batches_of(data));
  for (std::int64_t i = 0; i < N - 1; ++i) shorter.step();
  EXPECT_FALSE(bitwise_equal(under_model(shorter.state_dict()), under_model(straight.state_dict()), &which));
}

// With its own generator a trainer's model is initialized from it, not from the default one, so
// trainers in several threads follow their options alone.
TEST(TinyYoloTrainer, ItsOwnGeneratorAlsoInitializesTheModel) {
  const xg::data::ShapesDataset data(16, 13);
  const auto weights = [&](std::uint64_t disturb) {
    xg::Generator gen;
    xg::manual_seed(disturb);
    xtr::TinyYoloTrainer t(xm::TinyYoloConfig::small(), {.epochs = 2, .batch_size = 4, .seed = 5, .generator = &gen},
                           16, batches_of(data));
    return under_model(t.state_dict());
  };
  std::string which;
  EXPECT_TRUE(bitwise_equal(weights(1), weights(2), &which)) << "differs at " << which;
}

TEST(TinyYoloTrainer, CheckpointOfAnotherRunThrows) {
  const xg::data::ShapesDataset data(16, 15);
  xtr::TinyYoloTrainer a(xm::TinyYoloConfig::small(), {.epochs = 2, .batch_size = 4, .seed = 1}, 16, batches_of(data));
  xtr::TinyYoloTrainer b(xm::TinyYoloConfig::small(), {.epochs = 2, .batch_size = 8, .seed = 1}, 16, batches_of(data));
  a.step();
  try {
    b.load_state_dict(a.state_dict());
    FAIL() << "no throw";
  } catch (const xg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("batch_size is 4, this run's is 8"), std::string::npos) << e.what();
  }
  EXPECT_EQ(b.global_step(), 0);  // nothing changed
  xtr::TinyYoloTrainer w4(xm::TinyYoloConfig::w4(), {.epochs = 2, .batch_size = 4, .seed = 1}, 16, batches_of(data));
  EXPECT_THROW(w4.load_state_dict(a.state_dict()), xg::Error);  // another architecture
  xg::StateDict broken = a.state_dict();
  broken.erase("rng");
  EXPECT_THROW(a.load_state_dict(broken), xg::Error);
}
