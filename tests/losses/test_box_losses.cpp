#include <xgrad/core/ops/indexing.hpp>
#include <xgrad/losses/box_losses.hpp>

#include "helpers.hpp"

namespace {
using LossFn = xg::Tensor (*)(const xg::Tensor&, const xg::Tensor&, const xl::BoxLossOptions&);
const LossFn kLosses[] = {&xl::box_iou_loss, &xl::generalized_box_iou_loss, &xl::distance_box_iou_loss,
                          &xl::complete_box_iou_loss};
const char* const kNames[] = {"box_iou_loss", "generalized_box_iou_loss", "distance_box_iou_loss",
                              "complete_box_iou_loss"};

xg::Tensor boxes(std::initializer_list<std::initializer_list<double>> rows, xg::Dtype dtype = xg::kFloat64) {
  return xg::tensor(xt::nested_initializer_list_t<double, 2>(rows), dtype);
}

xg::Tensor random_boxes(std::size_t n) {
  const xg::Tensor xy = xg::rand({n, 2}, xg::kFloat64) * 10.0;
  return requires_grad(xg::cat({xy, xy + xg::rand({n, 2}, xg::kFloat64) * 4.5 + 0.5}, 1));
}
}  // namespace

TEST(BoxLosses, AreOneMinusTheMetric) {
  const xg::Tensor a = random_boxes(5), b = random_boxes(5);
  const auto none = xl::BoxLossOptions{.reduction = Reduction::None};
  const auto iou = values(xl::box_iou(a, b)), l = values(xl::box_iou_loss(a, b, none));
  const auto giou = values(xl::generalized_box_iou(a, b)), gl = values(xl::generalized_box_iou_loss(a, b, none));
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(l[i], 1 - iou[i]);
    EXPECT_EQ(gl[i], 1 - giou[i]);
  }
}

TEST(BoxLosses, IdenticalBoxesCostAlmostNothing) {
  const xg::Tensor a = boxes({{1, 1, 3, 4}, {0, 0, 5, 1}});
  for (LossFn loss : kLosses) EXPECT_NEAR(loss(a, a, {}).item(), 0.0, 1e-7);  // eps / area
}

TEST(BoxLosses, DegenerateBoxesAreFiniteInBothDtypes) {
  for (xg::Dtype dtype : {xg::kFloat64, xg::kFloat32}) {
    // identical, nested, disjoint, touching, zero width, two points, a point in a box, zero height
    const xg::Tensor a0 = boxes({{1, 1, 3, 4},
                                 {0, 0, 10, 10},
                                 {0, 0, 1, 1},
                                 {0, 0, 2, 2},
                                 {1, 1, 1, 3},
                                 {2, 2, 2, 2},
                                 {2, 2, 2, 2},
                                 {0, 1, 4, 1}},
                                dtype);
    const xg::Tensor b0 = boxes({{1, 1, 3, 4},
                                 {2, 3, 4, 5},
                                 {5, 6, 7, 9},
                                 {2, 0, 4, 2},
                                 {0, 0, 2, 4},
                                 {2, 2, 2, 2},
                                 {1, 1, 3, 3},
                                 {1, 0, 2, 2}},
                                dtype);
    for (std::size_t k = 0; k < 4; ++k) {
      xg::Tensor a = a0.detach().requires_grad_(), b = b0.detach().requires_grad_();
      const xg::Tensor loss = kLosses[k](a, b, {.reduction = Reduction::None});
      EXPECT_TRUE(all_finite(loss)) << kNames[k] << " " << loss;
      for (double v : values(loss)) {
        EXPECT_GE(v, -1e-6) << kNames[k];
        EXPECT_LE(v, 2.0 + 1e-6) << kNames[k];
      }
      xg::sum(loss).backward();
      EXPECT_TRUE(all_finite(a.grad())) << kNames[k] << " " << a.grad();
      EXPECT_TRUE(all_finite(b.grad())) << kNames[k] << " " << b.grad();
    }
  }
}

TEST(BoxLosses, DiouPullsCentersTogetherWhereIouCannot) {
  // Disjoint boxes: 1 - IoU is flat at 1 (zero gradient); DIoU's centre term is not. Sliding a
  // right by t, towards b: rho = 4 - t and the enclosing width 5 - t, so rho^2 / c^2 falls:
  // d/dt [(4 - t)^2 / ((5 - t)^2 + 1)] at 0 = (-8 * 26 + 16 * 10) / 26^2 < 0.
  const xg::Tensor b = boxes({{4, 0, 5, 1}});
  xg::Tensor a = requires_grad(boxes({{0, 0, 1, 1}}));
  xl::box_iou_loss(a, b).backward();
  for (double g : values(a.grad())) EXPECT_EQ(g, 0.0);
  a.set_grad({});
  xl::distance_box_iou_loss(a, b).backward();
  const auto g = values(a.grad());
  // (eps = 1e-7 in c^2 moves it by ~1e-9)
  EXPECT_NEAR(g[0] + g[2], (-8.0 * 26 + 16 * 10) / (26.0 * 26), 1e-8);
}

TEST(BoxLosses, Gradcheck) {
  // CIoU is left out: see test_box_iou.cpp.
  for (std::size_t k = 0; k < 3; ++k)
    for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum})
      expect_gradcheck([&](const auto& in) { return kLosses[k](in[0], in[1], {.reduction = r}); },
                       {random_boxes(4), random_boxes(4)});
}

TEST(BoxLosses, EmptyBatchMeanIsZero) {
  // torchvision's choice (0.0 * loss.sum()): a batch without boxes trains on instead of NaN.
  xg::Tensor a = xg::zeros({0, 4}, xg::kFloat64).requires_grad_();
  for (LossFn loss : kLosses) {
    const xg::Tensor l = loss(a, xg::zeros({0, 4}, xg::kFloat64), {});
    EXPECT_EQ(l.item(), 0.0);
    l.backward();
    EXPECT_EQ(a.grad().shape(), (xg::Shape{0, 4}));
  }
}

TEST(BoxLosses, ModulesMatchFunctions) {
  const xg::Tensor a = random_boxes(3), b = random_boxes(3);
  EXPECT_EQ(xl::BoxIoULoss()(a, b).item(), xl::box_iou_loss(a, b).item());
  EXPECT_EQ(xl::GeneralizedBoxIoULoss({.reduction = Reduction::Sum})(a, b).item(),
            xl::generalized_box_iou_loss(a, b, {.reduction = Reduction::Sum}).item());
  EXPECT_EQ(xl::DistanceBoxIoULoss()(a, b).item(), xl::distance_box_iou_loss(a, b).item());
  EXPECT_EQ(xl::CompleteBoxIoULoss({.eps = 1e-5})(a, b).item(), xl::complete_box_iou_loss(a, b, {.eps = 1e-5}).item());
}

TEST(BoxLosses, Errors) {
  EXPECT_ERROR(xl::generalized_box_iou_loss(leaf({3, 4}), leaf({2, 4})), "generalized_box_iou_loss", "(3, 4)",
               "(2, 4)");
  EXPECT_ERROR(xl::complete_box_iou_loss(leaf({3, 5}), leaf({3, 5})), "complete_box_iou", "(3, 5)", "(..., 4)");
  EXPECT_ERROR(xl::box_iou_loss(leaf({3, 4}), xg::zeros({3, 4})), "box_iou_loss", "float64", "float32");
  EXPECT_ERROR(xl::DistanceBoxIoULoss({.eps = -1e-7}), "eps", "-1e-07");
}
