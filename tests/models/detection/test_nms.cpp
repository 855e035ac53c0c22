// models/nms.*: against torchvision.ops.nms / batched_nms (tests/fixtures/models/detection.json,
// written by make_detection_fixtures.py), and small cases worked by hand.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/models/detection/nms.hpp>

namespace xm = xgrad::models;
using json = nlohmann::json;

namespace {

const json& fixture() {
  static const json data = [] {
    std::ifstream in(XGRAD_FIXTURES "/models/detection.json");
    return in ? json::parse(in) : json::object();
  }();
  return data;
}

std::vector<xm::Box> boxes_of(const json& rows) {
  std::vector<xm::Box> out;
  for (const auto& r : rows) out.push_back({r[0], r[1], r[2], r[3]});
  return out;
}

std::vector<std::size_t> indices(const json& list) { return list.get<std::vector<std::size_t>>(); }

}  // namespace

TEST(Nms, MatchesTorchvision) {
  ASSERT_TRUE(fixture().contains("nms")) << "missing " XGRAD_FIXTURES "/models/detection.json";
  const json& cases = fixture()["nms"];
  ASSERT_GE(cases.size(), 10u);
  for (const json& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto boxes = boxes_of(c["boxes"]);
    const auto scores = c["scores"].get<std::vector<double>>();
    const auto classes = c["classes"].get<std::vector<std::int64_t>>();
    const double thr = c["iou_threshold"];
    EXPECT_EQ(xm::nms(boxes, scores, thr), indices(c["keep"]));
    EXPECT_EQ(xm::batched_nms(boxes, scores, classes, thr), indices(c["batched_keep"]));
  }
}

// Three boxes, scores 0.9, 0.8, 0.7. Box 1 overlaps box 0 with IoU 0.81 / (1 + 1 - 0.81) = 0.68;
// box 2 is far away. Box 1 goes at thresholds below 0.68 and stays above it.
TEST(Nms, ByHand) {
  const std::vector<xm::Box> boxes = {{0, 0, 1, 1}, {0.1, 0.1, 1.1, 1.1}, {5, 5, 6, 6}};
  const std::vector<double> scores = {0.9, 0.8, 0.7};
  EXPECT_EQ(xm::nms(boxes, scores, 0.5), (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(xm::nms(boxes, scores, 0.7), (std::vector<std::size_t>{0, 1, 2}));
  // Reordered input: the output is still by decreasing score, as indices into the input.
  EXPECT_EQ(xm::nms({boxes[2], boxes[1], boxes[0]}, {0.7, 0.8, 0.9}, 0.5), (std::vector<std::size_t>{2, 0}));
}

// A suppressed box suppresses nothing: 0 suppresses 1, 1 would have suppressed 2, so 2 stays.
TEST(Nms, SuppressedBoxesDoNotSuppress) {
  const std::vector<xm::Box> boxes = {{0, 0, 1, 1}, {0.4, 0, 1.4, 1}, {0.8, 0, 1.8, 1}};
  // IoU(0, 1) = 0.6 / 1.4 = 0.43, IoU(1, 2) = 0.43, IoU(0, 2) = 0.2 / 1.8 = 0.11
  EXPECT_EQ(xm::nms(boxes, {0.9, 0.8, 0.7}, 0.3), (std::vector<std::size_t>{0, 2}));
}

// Equal scores keep their input order (a stable sort), so the earlier box wins.
TEST(Nms, TiesGoToTheEarlierBox) {
  const std::vector<xm::Box> boxes = {{0, 0, 1, 1}, {0, 0, 1, 1}};
  EXPECT_EQ(xm::nms(boxes, {0.5, 0.5}, 0.5), (std::vector<std::size_t>{0}));
}

TEST(Nms, NonMaxSuppressionOnDetections) {
  const std::vector<xm::Detection> dets = {
      {{0, 0, 1, 1}, 0, 0.6}, {{0, 0, 1, 1}, 1, 0.7}, {{0.05, 0, 1.05, 1}, 0, 0.9}, {{3, 3, 4, 4}, 2, 0.1}};
  const auto kept = xm::non_max_suppression(dets, 0.5);
  ASSERT_EQ(kept.size(), 3u);  // the class-0 box at 0.6 goes; class 1 is untouched by class 0
  EXPECT_EQ(kept[0].score, 0.9);
  EXPECT_EQ(kept[1].score, 0.7);
  EXPECT_EQ(kept[2].score, 0.1);
  EXPECT_EQ(xm::non_max_suppression(dets, 0.5, 2).size(), 2u);
}

TEST(Nms, BadInputThrows) {
  EXPECT_THROW(xm::nms({{0, 0, 1, 1}}, {0.5, 0.6}, 0.5), xgrad::Error);
  EXPECT_THROW(xm::nms({{0, 0, 1, 1}}, {NAN}, 0.5), xgrad::Error);
  EXPECT_THROW(xm::nms({{1, 0, 0, 1}}, {0.5}, 0.5), xgrad::Error);
  EXPECT_THROW(xm::batched_nms({{0, 0, 1, 1}}, {0.5}, {}, 0.5), xgrad::Error);
  try {
    xm::nms({{0, 0, 1, 1}, {0, 2, 1, 1}}, {0.5, 0.4}, 0.5);
    FAIL() << "no throw";
  } catch (const xgrad::Error& e) {
    EXPECT_NE(std::string(e.what()).find("box 1 (0, 2, 1, 1)"), std::string::npos) << e.what();
  }
}
