// The YOLO loss (losses/yolo_loss.*, losses/yolo_assign.*): the reference preset against
// tests/fixtures/losses/yolo.json (written by make_yolo_fixtures.py, a PyTorch re-implementation
// of eriklindernoren/PyTorch-YOLOv3 master's compute_loss) to 1e-9 relative in float64, and the
// reference_v5_2021 preset against yolo_v5_2021.json (make_yolo_v5_2021_fixtures.py); gradcheck
// for both assignment rules and every box loss; the assignment rules by hand; bad input.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <xgrad/losses/yolo_loss.hpp>

#include "helpers.hpp"

namespace {
using json = nlohmann::json;
using xl::YoloAssignment;
using xl::YoloBoxLoss;
using xl::YoloLossConfig;

xg::Tensor from_json(const json& t) {
  std::vector<double> data = t.at("data").get<std::vector<double>>();
  std::vector<std::size_t> shape = t.at("shape").get<std::vector<std::size_t>>();
  xt::xarray<double> a = xt::xarray<double>::from_shape(shape);
  std::copy(data.begin(), data.end(), a.begin());
  return xg::from_xarray(std::move(a));
}

json load_cases(const std::string& file) {
  std::ifstream in(XGRAD_FIXTURES "/losses/" + file);
  if (!in) return json::array();
  return json::parse(in).at("cases");
}

// |got - want| <= 1e-9 |want| elementwise, plus 1e-15 times the largest |want| for entries that
// are sums cancelling to almost nothing.
double g_worst_relative = 0;  // over every compared value, printed by the parity test

void expect_close(const std::string& what, const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double scale = 0;
  for (double w : want) scale = std::max(scale, std::abs(w));
  double worst = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double err = std::abs(got[i] - want[i]);
    EXPECT_LE(err, 1e-9 * std::abs(want[i]) + 1e-15 * scale)
        << what << "[" << i << "]: " << got[i] << " vs " << want[i];
    if (want[i] != 0) worst = std::max(worst, err / std::abs(want[i]));
  }
  g_worst_relative = std::max(g_worst_relative, worst);
}

xg::Tensor targets(std::initializer_list<std::initializer_list<double>> rows) {
  if (rows.size() == 0) return xg::zeros({0, 6}, xg::kFloat64);
  return xg::tensor(xt::nested_initializer_list_t<double, 2>(rows), xg::kFloat64);
}

// One scale of stride 8 with anchors (w, h) in cells.
YoloLossConfig small_config(std::int64_t classes, std::vector<std::array<double, 2>> anchors_in_cells) {
  YoloLossConfig c = YoloLossConfig::reference(classes);
  c.scales = {{{}, 8}};
  for (auto a : anchors_in_cells) c.scales[0].anchors.push_back({a[0] * 8, a[1] * 8});
  return c;
}
}  // namespace

namespace {
// Every case of a fixture file against the preset, its scales replaced by the case's.
void expect_matches_fixtures(const std::string& file, YoloLossConfig (*preset)(std::int64_t), std::size_t min_cases) {
  const json cases = load_cases(file);
  ASSERT_GE(cases.size(), min_cases) << "missing or empty " XGRAD_FIXTURES "/losses/" << file;
  g_worst_relative = 0;
  for (const json& c : cases) {
    const std::string name = c.at("name");
    YoloLossConfig config = preset(c.at("num_classes").get<std::int64_t>());
    config.scales.clear();
    for (const json& s : c.at("scales"))
      config.scales.push_back(
          {s.at("anchors").get<std::vector<std::array<double, 2>>>(), s.at("stride").get<double>()});
    std::vector<xg::Tensor> predictions;
    for (const json& p : c.at("predictions")) predictions.push_back(requires_grad(from_json(p)));
    const xl::YoloLossParts out = xl::YoloLoss(config)(predictions, from_json(c.at("targets")));
    out.total.backward();
    expect_close(name + " total", {out.total.item()}, {c.at("total").get<double>()});
    expect_close(name + " box", {out.box.item()}, {c.at("box").get<double>()});
    expect_close(name + " obj", {out.obj.item() + out.noobj.item()}, {c.at("obj").get<double>()});
    expect_close(name + " cls", {out.cls.item()}, {c.at("cls").get<double>()});
    for (std::size_t s = 0; s < predictions.size(); ++s)
      expect_close(name + " grad " + std::to_string(s), values(predictions[s].grad()),
                   values(from_json(c.at("grads")[s])));
  }
  std::printf("%s parity: %zu cases, largest relative error %.3g\n", file.c_str(), cases.size(), g_worst_relative);
}
}  // namespace

TEST(YoloLoss, ReferencePresetMatchesPyTorchFixtures) {
  expect_matches_fixtures("yolo.json", &YoloLossConfig::reference, 11);
}

// tests/fixtures/losses/make_yolo_v5_2021_fixtures.py: the reference before mid-2021 (YOLOv5-style).
TEST(YoloLoss, ReferenceV5_2021PresetMatchesPyTorchFixtures) {
  expect_matches_fixtures("yolo_v5_2021.json", &YoloLossConfig::reference_v5_2021, 10);
}

TEST(YoloLoss, ReferenceV5_2021PresetIsTheReferenceWithYolov5sDecodeBalanceAndGains) {
  const YoloLossConfig r = YoloLossConfig::reference(3), v5 = YoloLossConfig::reference_v5_2021(3);
  EXPECT_EQ(r.decode, xl::YoloDecode::SigmoidExp);
  EXPECT_TRUE(r.objectness_balance.empty());
  EXPECT_FALSE(r.class_loss_for_one_class);
  EXPECT_FALSE(r.total_times_batch);
  EXPECT_EQ(v5.decode, xl::YoloDecode::ScaledSigmoid);
  EXPECT_EQ(v5.objectness_balance, (std::vector<double>{4.0, 1.0, 0.4}));
  EXPECT_EQ(v5.lambda_coord, 0.05 * 1.5);
  EXPECT_EQ(v5.lambda_obj, 1.5);
  EXPECT_EQ(v5.lambda_noobj, 1.5);
  EXPECT_EQ(v5.lambda_cls, 0.31);
  EXPECT_TRUE(v5.class_loss_for_one_class);
  EXPECT_TRUE(v5.total_times_batch);
  EXPECT_EQ(v5.box_loss, r.box_loss);
  EXPECT_EQ(v5.scales.size(), r.scales.size());
  EXPECT_EQ(v5.num_classes, 3);
}

TEST(YoloLoss, TotalTimesBatchLeavesThePartsAlone) {
  // total = batch * (box + obj + noobj + cls); each scale's Obj and NoObj weighted by its balance.
  xg::manual_seed(6);
  YoloLossConfig a = small_config(2, {{1, 1}, {2, 2}});
  a.scales.push_back({{{16, 16}, {24, 24}}, 16});
  YoloLossConfig b = a;
  b.total_times_batch = true;
  b.objectness_balance = {2.0, 0.5, 7.0};  // the third is unused with two prediction tensors
  const std::vector<xg::Tensor> p{leaf({3, 2, 4, 4, 7}), leaf({3, 2, 2, 2, 7})};
  const xg::Tensor t = targets({{0, 1, 0.3, 0.6, 0.2, 0.2}, {2, 0, 0.9, 0.9, 0.4, 0.1}});
  const auto plain = xl::yolo_loss(p, t, a), scaled = xl::yolo_loss(p, t, b);
  EXPECT_NEAR(scaled.total.item(),
              3 * (scaled.box.item() + scaled.obj.item() + scaled.noobj.item() + scaled.cls.item()), 1e-12);
  EXPECT_EQ(scaled.box.item(), plain.box.item());
  EXPECT_EQ(scaled.cls.item(), plain.cls.item());
  const auto s0 = xl::yolo_loss({p[0]}, t, [&] {
    YoloLossConfig c = a;
    c.scales = {a.scales[0]};
    return c;
  }());
  const auto s1 = xl::yolo_loss({p[1]}, t, [&] {
    YoloLossConfig c = a;
    c.scales = {a.scales[1]};
    return c;
  }());
  EXPECT_NEAR(scaled.noobj.item(), 2.0 * s0.noobj.item() + 0.5 * s1.noobj.item(), 1e-14);
  EXPECT_NEAR(scaled.obj.item(), 2.0 * s0.obj.item() + 0.5 * s1.obj.item(), 1e-14);
}

TEST(YoloLoss, ScaledSigmoidDecodeIsDifferentiable) {
  for (YoloAssignment rule : {YoloAssignment::AnchorRatio, YoloAssignment::ResponsibleByIoU}) {
    xg::manual_seed(8);
    YoloLossConfig config = YoloLossConfig::reference_v5_2021(1);
    config.scales = {{{{8, 8}, {16, 16}}, 8}};
    config.assignment = rule;
    config.box_loss = YoloBoxLoss::GIoU;
    config.objectness_target = xl::YoloObjectnessTarget::One;
    const xg::Tensor t = targets({{0, 0, 0.3, 0.6, 0.4, 0.3}, {1, 0, 0.7, 0.2, 0.6, 0.5}});
    expect_gradcheck([&](const std::vector<xg::Tensor>& in) { return xl::yolo_loss(in, t, config).total; },
                     {leaf({2, 2, 2, 2, 6}, -1.0, 1.0)});
  }
}

TEST(YoloLoss, PartsAreDetachedAndSumToTheTotal) {
  xg::manual_seed(1);
  YoloLossConfig config = small_config(3, {{1, 1}, {2.5, 2}});
  config.lambda_noobj = 0.5;  // the seed's weighting
  const xg::Tensor p = leaf({2, 2, 4, 4, 8});
  const auto out = xl::yolo_loss({p}, targets({{0, 2, 0.3, 0.4, 0.2, 0.3}, {1, 0, 0.8, 0.1, 0.5, 0.5}}), config);
  EXPECT_NEAR(out.total.item(), out.box.item() + out.obj.item() + out.noobj.item() + out.cls.item(), 1e-12);
  for (const xg::Tensor& part : {out.box, out.obj, out.noobj, out.cls}) {
    EXPECT_FALSE(part.requires_grad());
    EXPECT_EQ(part.dim(), 0u);
  }
  EXPECT_TRUE(out.total.requires_grad());
  EXPECT_EQ(out.total.dim(), 0u);
}

TEST(YoloLoss, NoObjectWeightScalesOnlyTheNegatives) {
  // Obj and NoObj are sums over disjoint predictors / N: halving l_noobj halves NoObj only.
  xg::manual_seed(2);
  const xg::Tensor p = leaf({1, 2, 3, 3, 7});
  const xg::Tensor t = targets({{0, 1, 0.5, 0.5, 0.3, 0.3}});
  YoloLossConfig a = small_config(2, {{1, 1}, {2, 2}});
  YoloLossConfig b = a;
  b.lambda_noobj = 0.5;
  const auto full_weight = xl::yolo_loss({p}, t, a), half = xl::yolo_loss({p}, t, b);
  EXPECT_DOUBLE_EQ(half.obj.item(), full_weight.obj.item());
  EXPECT_NEAR(half.noobj.item(), 0.5 * full_weight.noobj.item(), 1e-15);
  EXPECT_NEAR(half.total.item(), full_weight.total.item() - 0.5 * full_weight.noobj.item(), 1e-12);
}

TEST(YoloLoss, SeedPresetIsTheReferenceWithANoObjectWeight) {
  const YoloLossConfig r = YoloLossConfig::reference(), s = YoloLossConfig::seed();
  EXPECT_EQ(r.num_classes, 80);
  EXPECT_EQ(s.lambda_coord, 0.05);
  EXPECT_EQ(s.lambda_obj, 1.0);
  EXPECT_EQ(s.lambda_noobj, 0.5);
  EXPECT_EQ(r.lambda_noobj, 1.0);
  EXPECT_EQ(s.lambda_cls, 0.5);
  EXPECT_EQ(s.box_loss, YoloBoxLoss::CIoU);
  ASSERT_EQ(r.scales.size(), 3u);
  EXPECT_EQ(r.scales[0].stride, 32);
  EXPECT_EQ(r.scales[2].anchors[0], (std::array<double, 2>{10, 13}));
}

TEST(YoloAssign, AnchorRatioIsStrictAnchorMajorAndClampsTheCell) {
  const xl::YoloGrid grid{3, 8, 8};
  // anchors 0.5, 2.5 and 12 cells; a 3-cell box fits only 2.5 (3 / 12 = 4 exactly is rejected).
  const std::vector<std::array<double, 2>> anchors{{0.5, 0.5}, {2.5, 2.5}, {12, 12}};
  const std::vector<xl::YoloTarget> t{{0, 1, 1.0, 0.25, 3.0 / 8, 3.0 / 8}, {1, 0, 0.5, 0.5, 0.6 / 8, 0.6 / 8}};
  const auto m = xl::assign_by_anchor_ratio(t, grid, anchors);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].box, 0);  // anchor-major: anchor 0's match (target 1) comes first
  EXPECT_EQ(m[0].target, 1u);
  EXPECT_EQ(m[1].box, 1);
  EXPECT_EQ(m[1].cell_x, 7);  // x = 1.0: cell 8 clamped to 7, offset 1
  EXPECT_EQ(m[1].x, 1.0);
  EXPECT_EQ(m[1].cell_y, 2);  // y = 0.25 is on a border: cell 2, offset 0
  EXPECT_EQ(m[1].y, 0.0);
  EXPECT_EQ(m[1].flat_index(grid), ((0 * 3 + 1) * 8 + 2) * 8 + 7);
}

TEST(YoloAssign, ResponsibleIsTheBestIouBoxOfTheCell) {
  const xl::YoloGrid grid{3, 2, 2};
  // Decoded boxes of every cell: box 0 tiny, box 1 the truth's size, box 2 huge.
  const auto decoded = [](std::int64_t, std::int64_t b, std::int64_t, std::int64_t) {
    const double size[] = {0.1, 1.0, 4.0};
    return std::array<double, 4>{0.5, 0.5, size[b], size[b]};
  };
  const auto m = xl::assign_responsible_by_iou({{0, 0, 0.75, 0.25, 0.45, 0.5}}, grid, decoded);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].box, 1);
  EXPECT_EQ(m[0].cell_x, 1);
  EXPECT_EQ(m[0].cell_y, 0);
  EXPECT_DOUBLE_EQ(m[0].w, 0.9);
}

// The loss's gradient is by design not the derivative of its value in two places, as in the
// reference: the objectness target (the detached IoU of each match) and CIoU's alpha are constants.
// So gradcheck runs with objectness target 1, and CIoU at a point where every predicted box has the
// target's aspect ratio (square anchors, square targets, t_w = t_h), where the aspect term v and
// its gradient vanish to second order; away from it, CIoU's gradient is checked against PyTorch's
// autograd by the fixtures above.
TEST(YoloLoss, GradcheckEveryBoxLossAndBothRules) {
  const YoloBoxLoss kinds[] = {YoloBoxLoss::MSE, YoloBoxLoss::IoU, YoloBoxLoss::GIoU, YoloBoxLoss::DIoU,
                               YoloBoxLoss::CIoU};
  const char* const names[] = {"MSE", "IoU", "GIoU", "DIoU", "CIoU"};
  for (YoloAssignment rule : {YoloAssignment::AnchorRatio, YoloAssignment::ResponsibleByIoU}) {
    for (std::size_t k = 0; k < 5; ++k) {
      SCOPED_TRACE(std::string(names[k]) + (rule == YoloAssignment::AnchorRatio ? " anchor ratio" : " responsible"));
      const bool square = kinds[k] == YoloBoxLoss::CIoU;
      xg::manual_seed(10 + k);
      YoloLossConfig config = small_config(2, {{1, 1}, {2, 1.5}});
      config.scales = {config.scales[0], {{{16, 16}, {24, 20}}, 16}};
      if (square) config.scales = {{{{8, 8}, {16, 16}}, 8}, {{{16, 16}, {24, 24}}, 16}};
      config.assignment = rule;
      config.box_loss = kinds[k];
      config.objectness_target = xl::YoloObjectnessTarget::One;
      config.lambda_noobj = 0.5;
      config.label_smoothing = 0.1;
      const xg::Tensor t =
          square ? targets({{0, 1, 0.3, 0.6, 0.4, 0.4}, {1, 0, 0.7, 0.2, 0.6, 0.6}, {1, 1, 0.75, 0.3, 0.3, 0.3}})
                 : targets({{0, 1, 0.3, 0.6, 0.4, 0.3}, {1, 0, 0.7, 0.2, 0.6, 0.5}, {1, 1, 0.75, 0.3, 0.3, 0.3}});
      std::vector<xg::Tensor> inputs{leaf({2, 2, 2, 2, 7}, -1.0, 1.0), leaf({2, 2, 1, 1, 7}, -1.0, 1.0)};
      if (square)
        for (xg::Tensor& p : inputs) {
          auto& a = p.data<double>();
          for (std::size_t r = 0; r < a.size() / 7; ++r) a.data()[r * 7 + 3] = a.data()[r * 7 + 2];
        }
      expect_gradcheck([&](const std::vector<xg::Tensor>& in) { return xl::yolo_loss(in, t, config).total; }, inputs);
    }
  }
}

TEST(YoloLoss, ObjectnessTargetOneAndSoftmaxClassesAreDifferentiable) {
  xg::manual_seed(4);
  YoloLossConfig config = small_config(3, {{1, 1}, {2, 2}});
  config.objectness_target = xl::YoloObjectnessTarget::One;
  config.box_loss = YoloBoxLoss::GIoU;
  config.class_loss = xl::YoloClassLoss::CrossEntropy;
  config.label_smoothing = 0.2;
  const xg::Tensor t = targets({{0, 2, 0.3, 0.6, 0.2, 0.2}});
  expect_gradcheck([&](const std::vector<xg::Tensor>& in) { return xl::yolo_loss(in, t, config).total; },
                   {leaf({1, 2, 2, 2, 8})});
}

TEST(YoloLoss, ObjectnessOnlyWithoutTargetsAndFloat32AgreesWithFloat64) {
  xg::manual_seed(5);
  const xg::Tensor p = leaf({3, 3, 4, 4, 7});
  const YoloLossConfig config = small_config(2, {{1, 1}, {2, 2}, {3, 1}});
  const auto none = xl::yolo_loss({p}, targets({}), config);
  EXPECT_EQ(none.box.item(), 0.0);
  EXPECT_EQ(none.cls.item(), 0.0);
  EXPECT_EQ(none.obj.item(), 0.0);
  EXPECT_GT(none.noobj.item(), 0.0);
  const xg::Tensor t = targets({{0, 1, 0.3, 0.6, 0.2, 0.2}, {2, 0, 0.9, 0.9, 0.4, 0.1}});
  const auto f64 = xl::yolo_loss({p}, t, config);
  xg::Tensor p32 = p.detach().to(xg::kFloat32).requires_grad_();
  const auto f32 = xl::yolo_loss({p32}, t.to(xg::kFloat32), config);
  EXPECT_EQ(f32.total.dtype(), xg::kFloat32);
  EXPECT_EQ(f32.box.dtype(), xg::kFloat32);
  EXPECT_NEAR(f32.total.item(), f64.total.item(), 1e-5);
  f32.total.backward();
  f64.total.backward();
  const auto g32 = values(p32.grad()), g64 = values(p.grad());
  for (std::size_t i = 0; i < g64.size(); ++i) EXPECT_NEAR(g32[i], g64[i], 1e-6);
}

TEST(YoloLoss, BadInputIsAClearError) {
  const YoloLossConfig config = small_config(3, {{1, 1}, {2, 2}});
  const xg::Tensor p = leaf({2, 2, 4, 4, 8});
  EXPECT_ERROR(xl::yolo_loss({p}, targets({{0, 3, 0.5, 0.5, 0.1, 0.1}}), config), "yolo_loss", "class 3", "3 classes");
  EXPECT_ERROR(xl::yolo_loss({p}, xg::zeros({2, 5}, xg::kFloat64), config), "yolo_loss", "(2, 5)", "(T, 6)");
  EXPECT_ERROR(xl::yolo_loss({p}, targets({{2, 0, 0.5, 0.5, 0.1, 0.1}}), config), "yolo_loss", "image index 2",
               "batch has 2 images");
  EXPECT_ERROR(xl::yolo_loss({p}, targets({{-1, 0, 0.5, 0.5, 0.1, 0.1}}), config), "image index -1");
  EXPECT_ERROR(xl::yolo_loss({leaf({2, 2, 4, 4, 9})}, targets({}), config), "yolo_loss", "last dim 9",
               "5 + num_classes = 5 + 3 = 8");
  EXPECT_ERROR(xl::yolo_loss({p}, targets({{0, 0, NAN, 0.5, 0.1, 0.1}}), config), "yolo_loss", "non-finite cx");
  EXPECT_ERROR(xl::yolo_loss({p}, targets({{0, 0, 0.5, 0.5, INFINITY, 0.1}}), config), "non-finite w");
  EXPECT_ERROR(xl::yolo_loss({p}, targets({{0, 0, 0.5, 0.5, -0.1, 0.1}}), config), "negative size");
  EXPECT_ERROR(xl::yolo_loss({p, p}, targets({}), config), "2 prediction tensors", "1 scales");
  EXPECT_ERROR(xl::yolo_loss({leaf({2, 3, 4, 4, 8})}, targets({}), config), "3 boxes per cell", "2 anchors");
  EXPECT_ERROR(xl::yolo_loss({leaf({2, 4, 4, 8})}, targets({}), config), "expected 5 dims");
  EXPECT_ERROR(xl::YoloLoss({.num_classes = 0}), "num_classes must be at least 1");
  EXPECT_ERROR(xl::YoloLoss({.lambda_noobj = -1}), "lambda_noobj", "-1");
  EXPECT_ERROR(xl::YoloLoss({.label_smoothing = 1.5}), "label_smoothing", "1.5");
  EXPECT_ERROR(xl::YoloLoss({.objectness_balance = {1.0, -2.0}}), "objectness_balance[1]", "-2");
  YoloLossConfig short_balance = small_config(3, {{1, 1}, {2, 2}});
  short_balance.scales.push_back(short_balance.scales[0]);
  short_balance.objectness_balance = {4.0};
  EXPECT_ERROR(xl::yolo_loss({p, p}, targets({}), short_balance), "2 prediction tensors", "objectness_balance has 1");
}
