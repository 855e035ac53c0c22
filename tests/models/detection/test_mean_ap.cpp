// models/mean_ap.*: the VOC all-point AP on cases worked by hand, and against a numpy
// transcription of the VOC devkit (tests/fixtures/models/detection.json).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/models/detection/mean_ap.hpp>

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

xm::Detection det(std::int64_t cls, double score, xm::Box b) { return {b, cls, score}; }
xm::GroundTruth truth(std::int64_t cls, xm::Box b) { return {b, cls}; }

}  // namespace

// Precision/recall steps by hand. 4 true boxes; detections TP, FP, TP, TP, FP by score:
//   recall    .25  .25  .5   .75  .75
//   precision 1    .5   .667 .75  .6
// Made monotone from the right: 1, .75, .75, .75, .6. Area = .25 * 1 + .25 * .75 + .25 * .75 = .625
// (recall never reaches 1: the last quarter adds nothing).
TEST(MeanAp, VocAllPointByHand) {
  EXPECT_DOUBLE_EQ(xm::voc_average_precision({.25, .25, .5, .75, .75}, {1, .5, 2.0 / 3, .75, .6}), 0.625);
  EXPECT_DOUBLE_EQ(xm::voc_average_precision({}, {}), 0.0);               // no detections
  EXPECT_DOUBLE_EQ(xm::voc_average_precision({1}, {1}), 1.0);             // one perfect hit
  EXPECT_DOUBLE_EQ(xm::voc_average_precision({0, 0.5}, {0, 0.5}), 0.25);  // FP then TP: 0.5 * 0.5
}

// The same five detections as boxes: image 0 has 3 true circles, image 1 one. The detections, by
// score: a hit in image 0 (0.9), a duplicate of it (0.8: FP), a hit in image 1 (0.7), a hit in
// image 0 (0.6), a miss (0.5). AP = 0.625 as above. Class 1 has one true box found by a
// detection with the highest score: AP 1. Class 2 has no true box: left out. mAP = 0.8125.
TEST(MeanAp, DetectionsByHand) {
  const xm::Box a{0, 0, 1, 1}, b{2, 2, 3, 3}, c{4, 4, 5, 5}, far{8, 8, 9, 9};
  const std::vector<std::vector<xm::GroundTruth>> truths = {{truth(0, a), truth(0, b), truth(0, c), truth(1, c)},
                                                            {truth(0, a)}};
  const std::vector<std::vector<xm::Detection>> dets = {
      {det(0, 0.9, a), det(0, 0.8, a), det(0, 0.6, b), det(0, 0.5, far), det(1, 0.95, c), det(2, 0.3, a)},
      {det(0, 0.7, a)}};
  const xm::MeanAp m = xm::mean_average_precision(dets, truths, 3);
  EXPECT_DOUBLE_EQ(m.ap[0], 0.625);
  EXPECT_DOUBLE_EQ(m.ap[1], 1.0);
  EXPECT_DOUBLE_EQ(m.ap[2], 0.0);
  EXPECT_DOUBLE_EQ(m.map, (0.625 + 1.0) / 2);
  EXPECT_EQ(m.num_truths, (std::vector<std::int64_t>{4, 1, 0}));
  EXPECT_EQ(m.num_detections, (std::vector<std::int64_t>{5, 1, 1}));
}

// IoU of exactly 0.5 does not count at threshold 0.5 (the devkit's ovmax > ovthresh): the box
// (0, 0)-(2, 1) against the truth (0, 0)-(1, 1) has IoU 1 / 2.
TEST(MeanAp, IouExactlyAtThresholdIsAMiss) {
  const std::vector<std::vector<xm::GroundTruth>> truths = {{truth(0, {0, 0, 1, 1})}};
  const std::vector<std::vector<xm::Detection>> dets = {{det(0, 0.9, {0, 0, 2, 1})}};
  EXPECT_EQ(xm::mean_average_precision(dets, truths, 1, 0.5).map, 0.0);
  EXPECT_EQ(xm::mean_average_precision(dets, truths, 1, 0.4999).map, 1.0);
}

// A detection goes to the truth it overlaps most, even if that one is taken: then it is a
// duplicate (FP), not a hit on the second-best truth.
TEST(MeanAp, MatchesTheBestOverlapOnly) {
  const std::vector<std::vector<xm::GroundTruth>> truths = {{truth(0, {0, 0, 1, 1}), truth(0, {0.3, 0, 1.3, 1})}};
  // Both detections overlap truth 0 best (IoU 1 and 0.90) and truth 1 with IoU 0.54 and 0.60.
  const std::vector<std::vector<xm::Detection>> dets = {{det(0, 0.9, {0, 0, 1, 1}), det(0, 0.8, {0.05, 0, 1.05, 1})}};
  const xm::MeanAp m = xm::mean_average_precision(dets, truths, 1);
  // TP then FP: recall .5, .5; precision 1, .5: AP 0.5.
  EXPECT_DOUBLE_EQ(m.map, 0.5);
}

// Missing a class entirely gives it AP 0; a class present only in detections does not count.
TEST(MeanAp, MissedClassCountsAsZero) {
  const std::vector<std::vector<xm::GroundTruth>> truths = {{truth(0, {0, 0, 1, 1}), truth(1, {2, 2, 3, 3})}};
  const std::vector<std::vector<xm::Detection>> dets = {{det(0, 0.9, {0, 0, 1, 1})}};
  EXPECT_DOUBLE_EQ(xm::mean_average_precision(dets, truths, 2).map, 0.5);
  EXPECT_DOUBLE_EQ(xm::mean_average_precision({{}}, {{}}, 2).map, 0.0);
}

TEST(MeanAp, MatchesNumpyVocDevkit) {
  ASSERT_TRUE(fixture().contains("map")) << "missing " XGRAD_FIXTURES "/models/detection.json";
  const json& cases = fixture()["map"];
  ASSERT_GE(cases.size(), 4u);
  for (const json& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    std::vector<std::vector<xm::Detection>> dets;
    std::vector<std::vector<xm::GroundTruth>> truths;
    for (const json& im : c["images"]) {
      truths.emplace_back();
      dets.emplace_back();
      for (const json& t : im["truths"]) truths.back().push_back(truth(t[0], {t[1], t[2], t[3], t[4]}));
      for (const json& d : im["detections"]) dets.back().push_back(det(d[0], d[1], {d[2], d[3], d[4], d[5]}));
    }
    const xm::MeanAp m = xm::mean_average_precision(dets, truths, c["num_classes"], c["iou_threshold"]);
    const auto ap = c["ap"].get<std::vector<double>>();
    ASSERT_EQ(m.ap.size(), ap.size());
    for (std::size_t k = 0; k < ap.size(); ++k) EXPECT_NEAR(m.ap[k], ap[k], 1e-12) << "class " << k;
    EXPECT_NEAR(m.map, c["map"].get<double>(), 1e-12);
  }
}

TEST(MeanAp, BadInputThrows) {
  EXPECT_THROW(xm::mean_average_precision({{}}, {}, 3), xgrad::Error);
  EXPECT_THROW(xm::mean_average_precision({{det(3, 0.5, {0, 0, 1, 1})}}, {{}}, 3), xgrad::Error);
  EXPECT_THROW(xm::mean_average_precision({{}}, {{truth(-1, {0, 0, 1, 1})}}, 3), xgrad::Error);
  EXPECT_THROW(xm::mean_average_precision({{det(0, NAN, {0, 0, 1, 1})}}, {{}}, 3), xgrad::Error);
  EXPECT_THROW(xm::mean_average_precision({{}}, {{}}, 0), xgrad::Error);
  EXPECT_THROW(xm::voc_average_precision({0.5}, {}), xgrad::Error);
}
