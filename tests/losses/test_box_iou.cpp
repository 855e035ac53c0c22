#include <xgrad/core/ops/indexing.hpp>
#include <xgrad/losses/box_iou.hpp>

#include "helpers.hpp"

namespace {
xg::Tensor boxes(std::initializer_list<std::initializer_list<double>> rows) {
  return xg::tensor(xt::nested_initializer_list_t<double, 2>(rows), xg::kFloat64);
}

// Random valid boxes: corner in [0, 10), sides in [0.5, 5).
xg::Tensor random_boxes(std::size_t n) {
  const xg::Tensor xy = xg::rand({n, 2}, xg::kFloat64) * 10.0;
  const xg::Tensor wh = xg::rand({n, 2}, xg::kFloat64) * 4.5 + 0.5;
  return requires_grad(xg::cat({xy, xy + wh}, 1));
}

constexpr double kEps = 1e-7;
}  // namespace

TEST(BoxIou, ClosedForms) {
  // [0,0,2,2] and [1,1,3,3]: I = 1, U = 7, enclosing 3x3 = 9, centers (1,1) and (2,2): rho^2 = 2,
  // diagonal^2 = 18; same aspect ratio, so CIoU = DIoU.
  const xg::Tensor a = boxes({{0, 0, 2, 2}}), b = boxes({{1, 1, 3, 3}});
  EXPECT_NEAR(xl::box_iou(a, b).item(), 1 / (7 + kEps), 1e-15);
  EXPECT_NEAR(xl::generalized_box_iou(a, b).item(), 1 / (7 + kEps) - 2 / (9 + kEps), 1e-15);
  EXPECT_NEAR(xl::distance_box_iou(a, b).item(), 1 / (7 + kEps) - 2 / (18 + kEps), 1e-15);
  EXPECT_NEAR(xl::complete_box_iou(a, b).item(), xl::distance_box_iou(a, b).item(), 1e-15);
}

TEST(BoxIou, DegenerateBoxesAreFinite) {
  // identical, nested, disjoint, touching, zero width, a point twice, a point in a box, zero height
  const xg::Tensor a = boxes({{1, 1, 3, 4},
                              {0, 0, 10, 10},
                              {0, 0, 1, 1},
                              {0, 0, 2, 2},
                              {1, 1, 1, 3},
                              {2, 2, 2, 2},
                              {2, 2, 2, 2},
                              {0, 1, 4, 1}});
  const xg::Tensor b = boxes(
      {{1, 1, 3, 4}, {2, 3, 4, 5}, {5, 6, 7, 9}, {2, 0, 4, 2}, {0, 0, 2, 4}, {2, 2, 2, 2}, {1, 1, 3, 3}, {1, 0, 2, 2}});
  for (auto metric : {&xl::box_iou, &xl::generalized_box_iou, &xl::distance_box_iou, &xl::complete_box_iou}) {
    xg::Tensor x = requires_grad(a), y = requires_grad(b);
    const xg::Tensor m = metric(x, y, kEps);
    EXPECT_TRUE(all_finite(m)) << m;
    xg::sum(m).backward();
    EXPECT_TRUE(all_finite(x.grad())) << x.grad();
    EXPECT_TRUE(all_finite(y.grad())) << y.grad();
  }
  const auto iou = values(xl::box_iou(a, b)), giou = values(xl::generalized_box_iou(a, b));
  EXPECT_NEAR(iou[0], 6 / (6 + kEps), 1e-15);            // identical
  EXPECT_NEAR(iou[1], 4 / (100 + kEps), 1e-15);          // nested: the small one's area over the big one's
  EXPECT_NEAR(giou[1], iou[1], 1e-15);                   // nested: the enclosing box is the union
  EXPECT_EQ(iou[2], 0.0);                                // disjoint
  EXPECT_NEAR(giou[2], -(63 - 7) / (63 + kEps), 1e-15);  // disjoint: enclosing 7 x 9, union 1 + 6
  EXPECT_EQ(iou[5], 0.0);                                // two identical points: 0 / (0 + eps)
  EXPECT_EQ(values(xl::complete_box_iou(a, b))[5], 0.0);
}

TEST(BoxIou, GiouHasAGradientWhenBoxesAreDisjoint) {
  // IoU is flat (0) for disjoint boxes: no direction to move in. GIoU pulls them together.
  xg::Tensor a = requires_grad(boxes({{0, 0, 1, 1}}));
  const xg::Tensor b = boxes({{3, 0, 4, 1}});
  xl::box_iou(a, b).sum().backward();
  for (double g : values(a.grad())) EXPECT_EQ(g, 0.0);
  a.set_grad({});
  xl::generalized_box_iou(a, b).sum().backward();
  EXPECT_GT(values(a.grad())[2], 0.0);  // growing x2 towards b raises GIoU
}

TEST(BoxIou, Gradcheck) {
  // Random boxes in general position (no ties, no touching edges). CIoU is left out: its a is a
  // constant by definition (torchvision's no_grad), which finite differences cannot know; its
  // atan2 op is checked in tests/core/ops/test_trig.cpp and its gradients against torchvision in
  // test_torch_parity.
  for (auto metric : {&xl::box_iou, &xl::generalized_box_iou, &xl::distance_box_iou})
    expect_gradcheck([metric](const auto& in) { return metric(in[0], in[1], kEps); },
                     {random_boxes(6), random_boxes(6)});
}

TEST(BoxIou, PairwiseByBroadcasting) {
  const xg::Tensor a = random_boxes(4), b = random_boxes(3);
  const xg::Tensor all = xl::box_iou(xg::unsqueeze(a, 1), xg::unsqueeze(b, 0));
  ASSERT_EQ(all.shape(), (xg::Shape{4, 3}));
  const auto v = values(all);
  for (std::int64_t i = 0; i < 4; ++i)
    for (std::int64_t j = 0; j < 3; ++j)
      EXPECT_EQ(v[static_cast<std::size_t>(i * 3 + j)], xl::box_iou(xg::select(a, 0, i), xg::select(b, 0, j)).item());
}

TEST(BoxIou, Conversions) {
  const xg::Tensor c = boxes({{2, 3, 4, 2}});  // center (2, 3), 4 wide, 2 high
  EXPECT_EQ(values(xl::cxcywh_to_xyxy(c)), (std::vector<double>{0, 2, 4, 4}));
  EXPECT_EQ(values(xl::xyxy_to_cxcywh(xl::cxcywh_to_xyxy(c))), values(c));
  EXPECT_EQ(values(xl::box_area(boxes({{0, 2, 4, 4}, {1, 1, 1, 5}}))), (std::vector<double>{8, 0}));
  expect_gradcheck([](const auto& in) { return xl::cxcywh_to_xyxy(in[0]); }, {leaf({3, 4})});
  expect_gradcheck([](const auto& in) { return xl::xyxy_to_cxcywh(in[0]); }, {leaf({3, 4})});
}

TEST(BoxIou, Errors) {
  EXPECT_ERROR(xl::box_iou(leaf({3, 5}), leaf({3, 4})), "box_iou", "boxes1", "(3, 5)", "(x1, y1, x2, y2)");
  EXPECT_ERROR(xl::complete_box_iou(leaf({3, 4}), leaf({2, 4})), "complete_box_iou", "(3, 4)", "(2, 4)");
  EXPECT_ERROR(xl::box_iou(leaf({3, 4}), xg::zeros({3, 4})), "box_iou", "float64", "float32");
  EXPECT_ERROR(xl::box_iou(leaf({4}), leaf({4}), -1.0), "box_iou", "eps", "-1");
  EXPECT_ERROR(xl::cxcywh_to_xyxy(leaf({2, 3})), "cxcywh_to_xyxy", "(2, 3)");
}
