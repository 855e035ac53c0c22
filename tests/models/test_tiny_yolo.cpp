// models/tiny_yolo.*, decode.*, tiny_yolo_trainer.*: shapes, the decode formula, training that
// really learns (the loss falls, 8 images are overfit to near-perfect mAP), and checkpoints that
// resume to the same bits.
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
#include <xgrad/models/tiny_yolo_trainer.hpp>

#include "margins.hpp"

namespace xg = xgrad;
namespace xm = xgrad::models;

namespace {

xm::BatchFn batches_of(const xg::data::ShapesDataset& d) {
  return [&d](const std::vector<std::int64_t>& idx) { return xm::DetectionBatch{d.images(idx), d.targets(idx)}; };
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

TEST(TinyYolo, W4PresetIsTheBenchmarkArchitecture) {
  xg::manual_seed(0);
  xm::TinyYolo net(xm::TinyYoloConfig::w4());
  const xg::Tensor y = net.forward(xg::rand({2, 3, 64, 64}));
  EXPECT_EQ(y.shape(), (xg::Shape{2, 3, 8, 8, 8}));
  // Conv2d(3,16,3) + (16,32,3) + (32,64,3) + head (64, 24, 1), each with a bias.
  std::size_t count = 0;
  for (const auto& p : net.parameters()) count += p.numel();
  EXPECT_EQ(count, (3 * 16 * 9 + 16) + (16 * 32 * 9 + 32) + (32 * 64 * 9 + 64) + (64 * 24 + 24));
  EXPECT_TRUE(net.buffers().empty());
}

TEST(TinyYolo, SmallPresetHasBatchNorm) {
  xg::manual_seed(0);
  xm::TinyYolo net(xm::TinyYoloConfig::small());
  EXPECT_EQ(net.forward(xg::rand({1, 3, 64, 64})).shape(), (xg::Shape{1, 3, 8, 8, 8}));
  EXPECT_EQ(net.buffers().size(), 5u * 3);  // running mean, var and count per BatchNorm2d
  EXPECT_EQ(net.config().stride(), 8);
}

// One predictor lit up: anchor 1 (18 px) in cell (x 5, y 2) with t = (0, 0, log 2, 0), objectness
// and class-2 logits of 10. Decoded: center ((0.5 + 5) / 8, (0.5 + 2) / 8), size (2 * 18 / 64,
// 18 / 64), score sigmoid(10)^2. Every other predictor has logits -10: below the threshold.
TEST(TinyYolo, DecodeInvertsTheParametrization) {
  const xm::TinyYoloConfig cfg = xm::TinyYoloConfig::w4();
  xt::xarray<float> p = xt::xarray<float>::from_shape({1, 3, 8, 8, 8});
  p.fill(-10.0f);
  for (int k = 0; k < 4; ++k) p(0, 1, 2, 5, k) = 0;
  p(0, 1, 2, 5, 2) = static_cast<float>(std::log(2.0));
  p(0, 1, 2, 5, 4) = 10;
  p(0, 1, 2, 5, 7) = 10;
  const auto found = xm::decode_yolo(xg::from_xarray(p), cfg.scale());
  ASSERT_EQ(found.size(), 1u);
  ASSERT_EQ(found[0].size(), 1u);
  const xm::Detection& d = found[0][0];
  EXPECT_EQ(d.cls, 2);
  const double s = 1 / (1 + std::exp(-10.0));
  EXPECT_NEAR(d.score, s * s, 1e-6);
  EXPECT_NEAR((d.box.x1 + d.box.x2) / 2, 5.5 / 8, 1e-7);
  EXPECT_NEAR((d.box.y1 + d.box.y2) / 2, 2.5 / 8, 1e-7);
  EXPECT_NEAR(d.box.x2 - d.box.x1, 36.0 / 64, 1e-6);
  EXPECT_NEAR(d.box.y2 - d.box.y1, 18.0 / 64, 1e-7);
}

TEST(TinyYolo, BadInputThrows) {
  EXPECT_THROW(xm::TinyYoloConfig::preset("huge"), xg::Error);
  xm::TinyYoloConfig c = xm::TinyYoloConfig::w4();
  c.image_size = 60;  // not a multiple of 8
  EXPECT_THROW(xm::TinyYolo{c}, xg::Error);
  xm::TinyYolo net(xm::TinyYoloConfig::w4());
  EXPECT_THROW(net.forward(xg::rand({1, 3, 32, 32})), xg::Error);
  EXPECT_THROW(xm::decode_yolo(xg::rand({1, 2, 8, 8, 8}), net.config().scale()), xg::Error);  // 2 boxes, 3 anchors
}

// --- training -------------------------------------------------------------------------------

// The mean loss of the last epoch against the first's, on a few images: below a third for the
// default model, below half for the benchmark model, whose 15-pixel receptive field learns more
// slowly. Measured (scripts/kernel_margins.sh: seeds 1-6, OpenBLAS Zen, Haswell and Prescott
// kernels, 1 and 2 threads, AMD EPYC): small 3.34-3.92 (worst seed 1), w4 2.475-10.4 (worst
// seed 6; seed 1, the test's own, 3.36). The w4 bar was 2.5 until seed 6 showed it held by luck.
TEST(TinyYoloTrainer, LossFalls) {
  const auto falls = [](xm::TinyYoloConfig config, std::int64_t images, std::int64_t epochs, double lr,
                        std::uint64_t seed) {
    const xg::data::ShapesDataset data(images, 10 + seed);
    xm::TinyYoloTrainer trainer(std::move(config), {.epochs = epochs, .batch_size = 8, .lr = lr, .seed = seed}, images,
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
    xm::TinyYoloTrainer trainer(xm::TinyYoloConfig::small(), {.epochs = 50, .batch_size = 8, .lr = 1e-2, .seed = seed},
                                8, batches_of(data));
    const double before = xm::evaluate_map(trainer.model(), 8, batches_of(data)).map;
    const double first_loss = trainer.step().total;
    double last_loss = 0;
    while (!trainer.finished()) last_loss = trainer.step().total;
    const xm::MeanAp after = xm::evaluate_map(trainer.model(), 8, batches_of(data));
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
    xm::TinyYoloTrainer t(xm::TinyYoloConfig::small(), {.epochs = 2, .batch_size = 4, .seed = seed}, 16,
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
  const xm::TinyYoloTrainOptions options{.epochs = 3, .batch_size = 8, .lr = 4e-3, .seed = 3};
  const std::int64_t N = 9, k = 4;

  xm::TinyYoloTrainer straight(xm::TinyYoloConfig::small(), options, 24, batches_of(data));
  std::vector<double> straight_losses;
  for (std::int64_t i = 0; i < N; ++i) straight_losses.push_back(straight.step().total);
  EXPECT_TRUE(straight.finished());

  const auto path =
      std::filesystem::temp_directory_path() / ("tiny_yolo_resume_" + std::to_string(::getpid()) + ".safetensors");
  std::vector<double> resumed_losses;
  {
    xm::TinyYoloTrainer first(xm::TinyYoloConfig::small(), options, 24, batches_of(data));
    for (std::int64_t i = 0; i < k; ++i) resumed_losses.push_back(first.step().total);
    EXPECT_EQ(first.step_in_epoch(), 1);
    xg::save(first.state_dict(), path);
  }
  xm::TinyYoloTrainer second(xm::TinyYoloConfig::small(), options, 24, batches_of(data));
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
  xm::TinyYoloTrainer shorter(xm::TinyYoloConfig::small(), options, 24, batches_of(data));
  for (std::int64_t i = 0; i < N - 1; ++i) shorter.step();
  EXPECT_FALSE(bitwise_equal(under_model(shorter.state_dict()), under_model(straight.state_dict()), &which));
}

TEST(TinyYoloTrainer, CheckpointOfAnotherRunThrows) {
  const xg::data::ShapesDataset data(16, 15);
  xm::TinyYoloTrainer a(xm::TinyYoloConfig::small(), {.epochs = 2, .batch_size = 4, .seed = 1}, 16, batches_of(data));
  xm::TinyYoloTrainer b(xm::TinyYoloConfig::small(), {.epochs = 2, .batch_size = 8, .seed = 1}, 16, batches_of(data));
  a.step();
  try {
    b.load_state_dict(a.state_dict());
    FAIL() << "no throw";
  } catch (const xg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("batch_size is 4, this run's is 8"), std::string::npos) << e.what();
  }
  EXPECT_EQ(b.global_step(), 0);  // nothing changed
  xm::TinyYoloTrainer w4(xm::TinyYoloConfig::w4(), {.epochs = 2, .batch_size = 4, .seed = 1}, 16, batches_of(data));
  EXPECT_THROW(w4.load_state_dict(a.state_dict()), xg::Error);  // another architecture
  xg::StateDict broken = a.state_dict();
  broken.erase("rng");
  EXPECT_THROW(a.load_state_dict(broken), xg::Error);
}
