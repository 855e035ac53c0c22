// Tutorial chapter 5 (docs/tutorial/05-yolo-loss.md): the YOLO loss taken apart on one image with
// one object, a 4x4 grid and 3 classes, with xgrad's own YoloLoss.
//   1. the primer's loss (YOLOv1's rule): B = 2 boxes per cell, the box whose prediction overlaps
//      the truth most (highest IoU) is responsible; box MSE on x, y, sqrt(w), sqrt(h); objectness
//      BCE with lambda_noobj = 0.5 on every other box; class BCE on the responsible box only;
//      each term recomputed by hand next to YoloLoss's;
//   2. the same with the box term 1 - CIoU instead of MSE;
//   3. which prediction entries receive a gradient;
//   4. the reference's loss (YoloLossConfig::reference(3)): anchors, the ratio rule, CIoU, and
//      its weights, next to the project's seed preset (the same with lambda_noobj = 0.5).
// float64 and no matrix products: every machine prints the same digits.
#include <array>
#include <cmath>
#include <cstdio>
#include <vector>
#include <xgrad/xgrad.hpp>

#include "common/cli.hpp"

namespace xg = xgrad;
namespace xl = xgrad::losses;

constexpr int S = 4, C = 3;  // grid cells per side, classes
constexpr int cell_y = 1, cell_x = 2;
double sigmoid(double z) { return 1 / (1 + std::exp(-z)); }
double bce(double z, double target) { return std::log1p(std::exp(-std::abs(z))) + std::max(z, 0.0) - z * target; }

// Raw predictions (1, boxes, S, S, 5 + C): every box says "nothing here" (t_obj = -3, sigmoid
// 0.05), except the rows given for the object's cell.
xg::Tensor predictions(int boxes, const std::vector<std::array<double, 5 + C>>& cell_rows) {
  xt::xarray<double> p = xt::zeros<double>({1, boxes, S, S, 5 + C});
  for (int b = 0; b < boxes; ++b)
    for (int y = 0; y < S; ++y)
      for (int x = 0; x < S; ++x) p(0, b, y, x, 4) = -3.0;
  for (std::size_t b = 0; b < cell_rows.size(); ++b)
    for (int k = 0; k < 5 + C; ++k) p(0, b, cell_y, cell_x, k) = cell_rows[b][k];
  return xg::from_xarray(std::move(p)).requires_grad_();
}

void parts(const char* name, const xl::YoloLossParts& out) {
  std::printf("  %-34s box %.6f  obj %.6f  noobj %.6f  cls %.6f  total %.6f\n", name, out.box.item(), out.obj.item(),
              out.noobj.item(), out.cls.item(), out.total.item());
}

int main(int argc, char** argv) {
  cli::Parser cli("tutorial_05_yolo",
                  "The YOLO loss taken apart on one object in a 4x4 grid: the responsible box, the box term (MSE "
                  "and CIoU), objectness with lambda_noobj, the class term, with the primer's and the reference's "
                  "weights.");
  if (auto exit = cli.parse(argc, argv)) return *exit;
  return cli::guarded("tutorial_05_yolo", [&] {
    // One object of class 2, centre (0.60, 0.40), size 0.30 x 0.45 of the image.
    const xg::Tensor targets = xg::tensor({{0.0, 2.0, 0.60, 0.40, 0.30, 0.45}}, xg::kFloat64);
    const xl::YoloTarget t{.image = 0, .cls = 2, .x = 0.60, .y = 0.40, .w = 0.30, .h = 0.45};
    std::printf("1. The primer's loss: a %dx%d grid, B = 2 boxes per cell, %d classes\n", S, S, C);
    std::printf("  object: class 2, centre (%.2f, %.2f), size %.2f x %.2f of the image\n", t.x, t.y, t.w, t.h);
    // In grid units the centre is (2.4, 1.6): cell (row 1, column 2), offset (0.4, 0.6) in it.
    const std::array<double, 4> truth{t.x * S - cell_x, t.y * S - cell_y, t.w * S, t.h * S};
    std::printf("  in cells: cell (row %d, col %d), offset (%.2f, %.2f), size %.2f x %.2f cells\n", cell_y, cell_x,
                truth[0], truth[1], truth[2], truth[3]);

    // The cell's two rows (t_x, t_y, t_w, t_h, t_obj, 3 class logits); decoded x = sigmoid(t_x),
    // w = exp(t_w) in cells.
    const std::vector<std::array<double, 5 + C>> rows = {
        {0.0, 0.4, std::log(1.0), std::log(1.5), 0.5, -1.0, -1.0, 1.0},  // a tall box near the truth
        {0.5, -0.5, std::log(2.0), std::log(0.5), -1.0, 0.0, 0.0, 0.0},  // a flat box
    };
    std::printf("  box  decoded (x, y, w, h)            IoU with the truth\n");
    for (std::size_t b = 0; b < rows.size(); ++b) {
      const std::array<double, 4> d{sigmoid(rows[b][0]), sigmoid(rows[b][1]), std::exp(rows[b][2]),
                                    std::exp(rows[b][3])};
      std::printf("  %zu    (%.3f, %.3f, %.3f, %.3f)    %.4f\n", b, d[0], d[1], d[2], d[3], xl::yolo_box_iou(d, truth));
    }
    xg::Tensor p = predictions(2, rows);
    const auto& raw = p.data<double>();
    const auto matches = xl::assign_responsible_by_iou({t}, {2, S, S}, [&](auto, auto b, auto y, auto x) {
      return std::array<double, 4>{sigmoid(raw(0, b, y, x, 0)), sigmoid(raw(0, b, y, x, 1)),
                                   std::exp(raw(0, b, y, x, 2)), std::exp(raw(0, b, y, x, 3))};
    });
    std::printf("  responsible (highest IoU): box %lld of cell (%lld, %lld)\n", (long long)matches[0].box,
                (long long)matches[0].cell_y, (long long)matches[0].cell_x);

    xl::YoloLossConfig primer = xl::YoloLossConfig::seed(C);
    primer.assignment = xl::YoloAssignment::ResponsibleByIoU;
    primer.box_loss = xl::YoloBoxLoss::MSE;
    primer.objectness_target = xl::YoloObjectnessTarget::One;
    primer.lambda_coord = 5.0, primer.lambda_obj = 1.0, primer.lambda_noobj = 0.5, primer.lambda_cls = 1.0;
    const xl::YoloLossParts out = xl::YoloLoss(primer)({p}, targets);

    // Each term by hand, from the same numbers.
    const auto& r = rows[0];
    const double x = sigmoid(r[0]), y = sigmoid(r[1]), w = std::exp(r[2]), h = std::exp(r[3]);
    const double box = std::pow(x - truth[0], 2) + std::pow(y - truth[1], 2) +
                       std::pow(std::sqrt(w) - std::sqrt(truth[2]), 2) +
                       std::pow(std::sqrt(h) - std::sqrt(truth[3]), 2);
    const double N = 2 * S * S;                                                  // every box of every cell
    const double obj = bce(r[4], 1.0) / N;                                       // the responsible box: "an object"
    const double noobj = (bce(rows[1][4], 0.0) + (N - 2) * bce(-3.0, 0.0)) / N;  // the 31 others: "none"
    double cls = 0;
    for (int c = 0; c < C; ++c) cls += bce(r[5 + c], c == 2 ? 1.0 : 0.0) / C;  // mean over the classes
    std::printf("\n  term   by hand     lambda   lambda x term   YoloLoss\n");
    std::printf("  box    %.6f  x %.1f   = %.6f        %.6f   (x-x^)^2 + (y-y^)^2 + (sqrt w - sqrt w^)^2 + ...\n", box,
                primer.lambda_coord, primer.lambda_coord * box, out.box.item());
    std::printf("  obj    %.6f  x %.1f   = %.6f        %.6f   BCE(t_obj, 1) / %g\n", obj, primer.lambda_obj,
                primer.lambda_obj * obj, out.obj.item(), N);
    std::printf("  noobj  %.6f  x %.1f   = %.6f        %.6f   sum of BCE(t_obj, 0) over 31 boxes / %g\n", noobj,
                primer.lambda_noobj, primer.lambda_noobj * noobj, out.noobj.item(), N);
    std::printf("  cls    %.6f  x %.1f   = %.6f        %.6f   mean of 3 BCEs against (0, 0, 1)\n", cls,
                primer.lambda_cls, primer.lambda_cls * cls, out.cls.item());
    std::printf(
        "  total                        %.6f        %.6f\n",
        primer.lambda_coord * box + primer.lambda_obj * obj + primer.lambda_noobj * noobj + primer.lambda_cls * cls,
        out.total.item());

    std::printf("\n2. The box term as 1 - CIoU instead of MSE\n");
    xl::YoloLossConfig primer_ciou = primer;
    primer_ciou.box_loss = xl::YoloBoxLoss::CIoU;
    const xl::YoloLossParts ciou = xl::YoloLoss(primer_ciou)({p}, targets);
    std::printf("  1 - CIoU = %.6f (IoU %.4f, minus a centre-distance and an aspect-ratio penalty)\n",
                ciou.box.item() / primer.lambda_coord, xl::yolo_box_iou({x, y, w, h}, truth));
    parts("MSE box, primer weights", out);
    parts("CIoU box, primer weights", ciou);

    std::printf("\n3. d total / d prediction (MSE box): who gets a gradient\n");
    out.total.backward();
    const auto& g = p.grad().data<double>();
    std::printf("  entry                t_x       t_y       t_w       t_h     t_obj     cls 0     cls 1     cls 2\n");
    auto grad_row = [&](const char* name, int b, int yy, int xx) {
      std::printf("  %-17s", name);
      for (int k = 0; k < 5 + C; ++k) std::printf(" %9.5f", g(0, b, yy, xx, k));
      std::printf("\n");
    };
    grad_row("responsible box", 0, cell_y, cell_x);
    grad_row("other box, cell", 1, cell_y, cell_x);
    grad_row("an empty cell", 0, 0, 0);

    std::printf("\n4. The reference's loss: 3 anchors per cell, stride 32 (a 128-pixel image)\n");
    xl::YoloLossConfig reference = xl::YoloLossConfig::reference(C);
    reference.scales = {{{{32, 48}, {64, 24}, {160, 160}}, 32}};  // one scale of our own (COCO's are for 416 px)
    std::printf("  object: %.1f x %.1f pixels = %.2f x %.2f cells\n", t.w * 128, t.h * 128, truth[2], truth[3]);
    std::vector<std::array<double, 2>> anchors;
    for (const auto& a : reference.scales[0].anchors) anchors.push_back({a[0] / 32, a[1] / 32});
    const auto ref_matches = xl::assign_by_anchor_ratio({t}, {3, S, S}, anchors);
    for (std::size_t a = 0; a < anchors.size(); ++a) {
      const double ratio = std::max(
          {truth[2] / anchors[a][0], anchors[a][0] / truth[2], truth[3] / anchors[a][1], anchors[a][1] / truth[3]});
      bool matched = false;
      for (const auto& m : ref_matches) matched |= m.box == std::int64_t(a);
      std::printf("  anchor %zu  %3.0f x %3.0f px  largest size ratio %.2f  %s\n", a, reference.scales[0].anchors[a][0],
                  reference.scales[0].anchors[a][1], ratio, matched ? "< 4: responsible" : ">= 4: not responsible");
    }
    // Every anchor's prediction is its own prior box (t_x = t_y = t_w = t_h = 0) with t_obj = -3.
    xg::Tensor q = predictions(3, {});
    std::printf("  weights: lambda_coord %.2f, lambda_obj %.1f, lambda_noobj %.1f, lambda_cls %.1f\n",
                reference.lambda_coord, reference.lambda_obj, reference.lambda_noobj, reference.lambda_cls);
    parts("reference(3)", xl::YoloLoss(reference)({q}, targets));
    xl::YoloLossConfig seed = xl::YoloLossConfig::seed(C);
    seed.scales = reference.scales;
    parts("seed(3): lambda_noobj 0.5", xl::YoloLoss(seed)({q}, targets));
    xl::YoloLossConfig primer_weights = reference;
    primer_weights.lambda_coord = 5.0, primer_weights.lambda_noobj = 0.5, primer_weights.lambda_cls = 1.0;
    parts("reference rules, primer weights", xl::YoloLoss(primer_weights)({q}, targets));
    return 0;
  });
}
