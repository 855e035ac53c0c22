// core/ops/boxes.*: the eps policies in closed form, the two formats, the fused CIoU against CIoU
// composed of the other ops (values and gradients), gradcheck, and the plain-number IoU.
// torchvision parity of every metric is in tests/losses/test_torch_parity.cpp.
#include <cmath>
#include <numbers>
#include <xgrad/core/ops/boxes.hpp>
#include <xgrad/core/ops/trig.hpp>

#include "../helpers.hpp"

namespace {
using xg::BoxEpsPolicy;
using xg::BoxFormat;
using xg::BoxIouOptions;

xg::Tensor boxes(std::initializer_list<std::initializer_list<double>> rows) {
  return xg::tensor(xt::nested_initializer_list_t<double, 2>(rows), xg::kFloat64);
}

// n random (cx, cy, w, h) boxes: centers in [0, 6), sides in [0.5, 4): many overlap, some do not.
xg::Tensor random_centered(std::size_t n) {
  const xg::Tensor c = xg::rand({n, 2}, xg::kFloat64) * 6.0, wh = xg::rand({n, 2}, xg::kFloat64) * 3.5 + 0.5;
  return xg::cat({c, wh}, 1).detach().requires_grad_();
}

xg::Tensor in_format(const xg::Tensor& centered, BoxFormat f) {
  const xg::Tensor b = f == BoxFormat::XYXY ? xg::cxcywh_to_xyxy(centered) : centered;
  return b.detach().requires_grad_();
}

// CIoU composed of ops, as the library computed it before the fused op: DIoU - a v with a
// constant, eps placed by the policy. The oracle of FusedMatchesComposed.
xg::Tensor composed_ciou(const xg::Tensor& a, const xg::Tensor& b, const BoxIouOptions& o) {
  const bool yolo = o.policy == BoxEpsPolicy::YoloReference;
  const auto aspect = [&](const xg::Tensor& boxes) {
    const xg::Tensor c = o.format == BoxFormat::XYXY ? boxes : xg::cxcywh_to_xyxy(boxes);
    const xg::Tensor w = xg::select(c, -1, 2) - xg::select(c, -1, 0), h = xg::select(c, -1, 3) - xg::select(c, -1, 1);
    return xg::atan2(w, yolo ? h + o.eps : h);
  };
  const xg::Tensor v = (4.0 / (std::numbers::pi * std::numbers::pi)) * xg::pow(aspect(b) - aspect(a), 2.0);
  const xg::Tensor iou = xg::box_iou(a, b, o);
  xg::Tensor alpha;
  {
    xg::NoGradGuard no_grad;
    alpha = yolo ? v / ((1.0 + o.eps) - iou + v) : v / (1 - iou + v + o.eps);
  }
  return xg::distance_box_iou(a, b, o) - alpha * v;
}

void expect_near(const std::vector<double>& got, const std::vector<double>& want, double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tol * (1 + std::abs(want[i]))) << what << "[" << i << "]";
}

const BoxIouOptions kPolicies[] = {BoxIouOptions(), BoxIouOptions(1e-3), BoxIouOptions::yolo_reference(BoxFormat::XYXY),
                                   BoxIouOptions(1e-3, BoxEpsPolicy::YoloReference, BoxFormat::XYXY)};
}  // namespace

TEST(Boxes, YoloReferencePolicyInClosedForm) {
  // [0,0,2,2] and [1,1,3,3] with eps e on both heights: U = 2 (2 + e) 2 - 1 + e = 7 + 5e;
  // enclosing area 9 + e; c^2 = 18 + e; rho^2 = ((1 + 3 - 0 - 2)^2 + (1 + 3 - 0 - 2)^2) / 4 = 2.
  const double e = 1e-3;
  const BoxIouOptions o(e, BoxEpsPolicy::YoloReference);
  const xg::Tensor a = boxes({{0, 0, 2, 2}}), b = boxes({{1, 1, 3, 3}});
  const double iou = 1 / (7 + 5 * e);
  EXPECT_NEAR(xg::box_iou(a, b, o).item(), iou, 1e-15);
  EXPECT_NEAR(xg::generalized_box_iou(a, b, o).item(), iou - (9 + e - (7 + 5 * e)) / (9 + e), 1e-15);
  EXPECT_NEAR(xg::distance_box_iou(a, b, o).item(), iou - 2 / (18 + e), 1e-15);
  EXPECT_NEAR(xg::complete_box_iou(a, b, o).item(), iou - 2 / (18 + e), 1e-15);  // one aspect ratio: v = 0
  // TorchVision's places eps in the denominators only: I / (U + e).
  EXPECT_NEAR(xg::box_iou(a, b, e).item(), 1 / (7 + e), 1e-15);
  EXPECT_EQ(BoxIouOptions::yolo_reference().eps, 1e-9);
  EXPECT_EQ(BoxIouOptions::yolo_reference().format, BoxFormat::CXCYWH);
  EXPECT_EQ(BoxIouOptions(0.0).policy, BoxEpsPolicy::TorchVision);
}

TEST(Boxes, CenterFormatIsTheCornersMetric) {
  xg::manual_seed(3);
  const xg::Tensor c1 = random_centered(8), c2 = random_centered(8);
  for (BoxIouOptions o : kPolicies) {
    BoxIouOptions oc = o;
    oc.format = BoxFormat::CXCYWH;
    for (auto metric : {&xg::box_iou, &xg::generalized_box_iou, &xg::distance_box_iou, &xg::complete_box_iou})
      expect_near(values(metric(c1, c2, oc)), values(metric(xg::cxcywh_to_xyxy(c1), xg::cxcywh_to_xyxy(c2), o)), 1e-14,
                  "cxcywh");
  }
}

TEST(Boxes, FusedMatchesComposed) {
  // Values and the gradients of both boxes, float64, for both eps policies and both formats, on
  // overlapping, disjoint and nested pairs, and pairwise by broadcasting.
  xg::manual_seed(7);
  const xg::Tensor c1 = random_centered(24), c2 = random_centered(24);
  for (BoxIouOptions o : kPolicies) {
    for (BoxFormat f : {BoxFormat::XYXY, BoxFormat::CXCYWH}) {
      o.format = f;
      const std::string what = std::string(o.policy == BoxEpsPolicy::TorchVision ? "torchvision" : "yolo") +
                               (f == BoxFormat::XYXY ? " xyxy" : " cxcywh") + " eps " + std::to_string(o.eps);
      xg::Tensor a = in_format(c1, f), b = in_format(c2, f), a2 = in_format(c1, f), b2 = in_format(c2, f);
      const xg::Tensor weights = xg::rand({24}, xg::kFloat64) - 0.5;  // a random direction downstream
      const xg::Tensor fused = xg::complete_box_iou(a, b, o), composed = composed_ciou(a2, b2, o);
      expect_near(values(fused), values(composed), 1e-14, what + " value");
      xg::sum(fused * weights).backward();
      xg::sum(composed * weights).backward();
      expect_near(values(a.grad()), values(a2.grad()), 1e-12, what + " grad boxes1");
      expect_near(values(b.grad()), values(b2.grad()), 1e-12, what + " grad boxes2");
    }
    // (4, 1, 4) with (1, 5, 4): the (4, 5) matrix of every pair, gradients summed back.
    xg::Tensor a = xg::unsqueeze(xg::slice(c1, 0, 0, 4), 1).detach().requires_grad_();
    xg::Tensor b = xg::unsqueeze(xg::slice(c2, 0, 0, 5), 0).detach().requires_grad_();
    xg::Tensor a2 = a.detach().requires_grad_(), b2 = b.detach().requires_grad_();
    o.format = BoxFormat::CXCYWH;
    const xg::Tensor fused = xg::complete_box_iou(a, b, o), composed = composed_ciou(a2, b2, o);
    ASSERT_EQ(fused.shape(), (xg::Shape{4, 5}));
    expect_near(values(fused), values(composed), 1e-14, "pairwise value");
    xg::sum(fused).backward();
    xg::sum(composed).backward();
    expect_near(values(a.grad()), values(a2.grad()), 1e-12, "pairwise grad boxes1");
    expect_near(values(b.grad()), values(b2.grad()), 1e-12, "pairwise grad boxes2");
  }
}

TEST(Boxes, FusedMatchesComposedOnDegenerateBoxes) {
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
  for (BoxIouOptions o : kPolicies) {
    xg::Tensor x = a.detach().requires_grad_(), y = b.detach().requires_grad_();
    xg::Tensor x2 = a.detach().requires_grad_(), y2 = b.detach().requires_grad_();
    const xg::Tensor fused = xg::complete_box_iou(x, y, o), composed = composed_ciou(x2, y2, o);
    expect_near(values(fused), values(composed), 1e-14, "degenerate value");
    xg::sum(fused).backward();
    xg::sum(composed).backward();
    expect_near(values(x.grad()), values(x2.grad()), 1e-12, "degenerate grad boxes1");
    expect_near(values(y.grad()), values(y2.grad()), 1e-12, "degenerate grad boxes2");
  }
}

TEST(Boxes, Gradcheck) {
  // IoU, GIoU, DIoU for every policy and format. CIoU's a is a constant by definition, which finite
  // differences cannot know, so its gradcheck runs where both boxes of a pair have one aspect ratio
  // (v and its gradient vanish to second order); FusedMatchesComposed covers the aspect term.
  xg::manual_seed(11);
  const xg::Tensor c1 = random_centered(6), c2 = random_centered(6);
  const xg::Tensor scale = xg::rand({6, 1}, xg::kFloat64) + 0.5;
  const xg::Tensor same_aspect = xg::cat({xg::slice(c2, 1, 0, 2), xg::slice(c1, 1, 2, 4) * scale}, 1);
  for (BoxIouOptions o : kPolicies) {
    for (BoxFormat f : {BoxFormat::XYXY, BoxFormat::CXCYWH}) {
      o.format = f;
      for (auto metric : {&xg::box_iou, &xg::generalized_box_iou, &xg::distance_box_iou})
        expect_gradcheck([&](const auto& in) { return metric(in[0], in[1], o); }, {in_format(c1, f), in_format(c2, f)});
      expect_gradcheck([&](const auto& in) { return xg::complete_box_iou(in[0], in[1], o); },
                       {in_format(c1, f), in_format(same_aspect, f)});
    }
  }
}

TEST(Boxes, Float32) {
  xg::manual_seed(5);
  const xg::Tensor c1 = random_centered(6), c2 = random_centered(6);
  const BoxIouOptions o = BoxIouOptions::yolo_reference();
  xg::Tensor a = c1.detach().to(xg::kFloat32).requires_grad_(), b = c2.detach().to(xg::kFloat32);
  const xg::Tensor f32 = xg::complete_box_iou(a, b, o);
  EXPECT_EQ(f32.dtype(), xg::kFloat32);
  expect_near(values(f32), values(xg::complete_box_iou(c1, c2, o)), 1e-6, "float32");
  xg::sum(f32).backward();
  EXPECT_EQ(a.grad().dtype(), xg::kFloat32);
}

TEST(Boxes, PlainIouIsTheTensorIouWithoutEps) {
  xg::manual_seed(9);
  const xg::Tensor a = xg::cxcywh_to_xyxy(random_centered(10)), b = xg::cxcywh_to_xyxy(random_centered(10));
  const auto t = values(xg::box_iou(a, b, 0.0)), va = values(a), vb = values(b);
  for (std::size_t i = 0; i < 10; ++i) {
    const xg::Box p{va[4 * i], va[4 * i + 1], va[4 * i + 2], va[4 * i + 3]};
    const xg::Box q{vb[4 * i], vb[4 * i + 1], vb[4 * i + 2], vb[4 * i + 3]};
    EXPECT_NEAR(xg::iou(p, q), t[i], 1e-15);
  }
  EXPECT_EQ(xg::iou(xg::Box{1, 1, 1, 1}, xg::Box{1, 1, 1, 1}), 0.0);  // empty union
  const xg::Box c = xg::Box::from_center(2, 3, 4, 2);
  EXPECT_EQ(c.x1, 0);
  EXPECT_EQ(c.y2, 4);
  EXPECT_EQ(c.area(), 8);
}

TEST(Boxes, Errors) {
  EXPECT_ERROR(xg::complete_box_iou(leaf({3, 5}), leaf({3, 5})), "complete_box_iou", "boxes1", "(3, 5)",
               "(x1, y1, x2, y2)");
  EXPECT_ERROR(xg::box_iou(leaf({3, 4}), leaf({3, 3}), BoxIouOptions::yolo_reference()), "box_iou", "boxes2",
               "(cx, cy, w, h)");
  EXPECT_ERROR(xg::complete_box_iou(leaf({3, 4}), leaf({2, 4})), "complete_box_iou", "(3, 4)", "(2, 4)");
  EXPECT_ERROR(xg::complete_box_iou(leaf({3, 4}), xg::zeros({3, 4})), "complete_box_iou", "float64", "float32");
  EXPECT_ERROR(xg::complete_box_iou(leaf({4}), leaf({4}), -1.0), "complete_box_iou", "eps", "-1");
  EXPECT_ERROR(xg::distance_box_iou(leaf({4}), leaf({4}), std::nan("")), "distance_box_iou", "eps", "nan");
}
