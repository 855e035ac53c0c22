// models/tiny_yolo.*, decode.*: the presets' shapes, the decode formula and bad input. Its training:
// tests/train/test_tiny_yolo_trainer.cpp.
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

#include "margins.hpp"

namespace xg = xgrad;
namespace xm = xgrad::models;

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
