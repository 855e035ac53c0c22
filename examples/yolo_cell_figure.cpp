// One grid cell of the YOLO loss, drawn: a true box, the three anchors' decoded predictions in
// its cell, which anchors the ratio rule matches, the box metric of each match and the
// objectness target it sets, and which box the YOLOv1 rule would make responsible. The numbers
// come from the loss's own code (losses/yolo_assign.hpp, losses/box_iou.hpp).
//
//   yolo_cell_figure --out docs/figures        (writes docs/figures/yolo_cell.png)
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>
#include <xgrad/core/factory.hpp>
#include <xgrad/losses/box_iou.hpp>
#include <xgrad/losses/yolo_assign.hpp>
#include <xgrad/plot/plot.hpp>

#include "common/cli.hpp"

namespace xg = xgrad;
namespace plot = xgrad::plot;
namespace xl = xgrad::losses;

namespace {
constexpr int kCell = 190;            // pixels per grid cell
constexpr int kLeft = 40, kTop = 90;  // the zoomed grid's top-left corner
constexpr double kX0 = 2, kY0 = 1;    // the first cell shown
constexpr int kShown = 3;             // cells shown across and down
double px(double x) { return kLeft + (x - kX0) * kCell; }
double py(double y) { return kTop + (y - kY0) * kCell; }  // image y points down, as the grid's

std::string fixed(double v, int digits = 2) {
  char s[32];
  std::snprintf(s, sizeof s, "%.*f", digits, v);
  return s;
}

void dashed(plot::Canvas& img, double x0, double y0, double x1, double y1, plot::Color c, double thickness = 2) {
  const double len = std::hypot(x1 - x0, y1 - y0), dash = 8;
  for (double s = 0; s < len; s += 2 * dash) {
    const double e = std::min(s + dash, len);
    img.line(x0 + (x1 - x0) * s / len, y0 + (y1 - y0) * s / len, x0 + (x1 - x0) * e / len, y0 + (y1 - y0) * e / len, c,
             thickness);
  }
}

// A (cx, cy, w, h) box in cells, solid or dashed.
void box(plot::Canvas& img, const std::array<double, 4>& b, plot::Color c, double thickness, bool dash = false) {
  const double x1 = px(b[0] - b[2] / 2), x2 = px(b[0] + b[2] / 2), y1 = py(b[1] - b[3] / 2), y2 = py(b[1] + b[3] / 2);
  const double xs[] = {x1, x2, x2, x1, x1}, ys[] = {y1, y1, y2, y2, y1};
  for (int i = 0; i < 4; ++i) {
    if (dash)
      dashed(img, xs[i], ys[i], xs[i + 1], ys[i + 1], c, thickness);
    else
      img.line(xs[i], ys[i], xs[i + 1], ys[i + 1], c, thickness);
  }
}

double sigmoid(double t) { return 1 / (1 + std::exp(-t)); }

// CIoU of two (cx, cy, w, h) boxes through the differentiable metric the box losses use.
double ciou(const std::array<double, 4>& a, const std::array<double, 4>& b) {
  const auto xyxy = [](const std::array<double, 4>& v) {
    return xg::tensor({v[0] - v[2] / 2, v[1] - v[3] / 2, v[0] + v[2] / 2, v[1] + v[3] / 2}, xg::kFloat64);
  };
  return xl::complete_box_iou(xyxy(a), xyxy(b)).item();
}
}  // namespace

int main(int argc, char** argv) try {
  std::string out = "out/yolo_cell_figure";
  cli::Parser cli("yolo_cell_figure",
                  "Draws one YOLO grid cell: a true box, the anchors' predictions and what the loss assigns. "
                  "The figure of docs/yolo_loss.md: --out docs/figures.");
  cli.out_dir("--out", out, "folder for yolo_cell.png (created if missing)");
  if (auto exit = cli.parse(argc, argv)) return *exit;

  // An 8x8 grid (stride 8 on a 64-pixel image) with the reference's smallest COCO anchors.
  const xl::YoloGrid grid{3, 8, 8};
  const double stride = 8;
  const std::array<double, 2> anchors_px[] = {{10, 13}, {16, 30}, {33, 23}};
  std::vector<std::array<double, 2>> anchors;
  for (auto a : anchors_px) anchors.push_back({a[0] / stride, a[1] / stride});
  const xl::YoloTarget target{0, 0, 0.45, 0.33, 0.12, 0.2};  // (image, class, cx, cy, w, h), normalized
  const auto matches = xl::assign_by_anchor_ratio({target}, grid, anchors);
  const xl::YoloMatch& m = matches.front();  // every match sits in the same cell
  const double cell_x = static_cast<double>(m.cell_x), cell_y = static_cast<double>(m.cell_y);
  const std::array<double, 4> truth{cell_x + m.x, cell_y + m.y, m.w, m.h};

  // Raw predictions (t_x, t_y, t_w, t_h) of the three anchors in that cell.
  const double raw[3][4] = {{0.1, 0.9, 0.05, -0.1}, {-0.8, 0.2, -0.6, -0.7}, {1.2, -0.5, -0.4, -0.3}};
  std::array<std::array<double, 4>, 3> pred;
  for (int a = 0; a < 3; ++a)
    pred[a] = {cell_x + sigmoid(raw[a][0]), cell_y + sigmoid(raw[a][1]), std::exp(raw[a][2]) * anchors[a][0],
               std::exp(raw[a][3]) * anchors[a][1]};

  plot::Canvas img(1160, 700);
  img.text(kLeft, 20, "One grid cell of the YOLO loss (8x8 grid, stride 8, anchors 10x13, 16x30, 33x23 px)",
           plot::kBlack, 2);
  img.text(kLeft, 46, "distances in cells; image y points down", plot::kGray, 2);

  // The grid, the target's cell shaded.
  img.fill_rect(int(px(cell_x)), int(py(cell_y)), int(px(cell_x + 1)), int(py(cell_y + 1)), {255, 244, 214});
  img.set_clip(kLeft, kTop, kLeft + kShown * kCell + 1, kTop + kShown * kCell + 1);
  for (int i = 0; i <= kShown; ++i) {
    img.line(px(kX0 + i), py(kY0), px(kX0 + i), py(kY0 + kShown), plot::kGray, 1.5);
    img.line(px(kX0), py(kY0 + i), px(kX0 + kShown), py(kY0 + i), plot::kGray, 1.5);
  }
  for (int j = 0; j < kShown; ++j)
    for (int i = 0; i < kShown; ++i) {
      const std::string s = "(" + std::to_string(int(kX0) + i) + ", " + std::to_string(int(kY0) + j) + ")";
      img.text(int(px(kX0 + i)) + 5, int(py(kY0 + j)) + 5, s, plot::kGray, 1);
    }

  // Predictions: matched anchors solid, the rejected one dashed.
  const plot::Color colors[] = {plot::kPalette[1], plot::kPalette[0], plot::kPalette[6]};
  bool matched[3] = {false, false, false};
  for (const auto& match : matches) matched[match.box] = true;
  for (int a = 0; a < 3; ++a) {
    box(img, pred[a], colors[a], 2.5, !matched[a]);
    img.disc(px(pred[a][0]), py(pred[a][1]), 5, colors[a]);
    const std::string label = "anchor " + std::to_string(a) + (matched[a] ? "" : " (rejected)");
    img.text(int(px(pred[a][0] - pred[a][2] / 2)) + 3, int(py(pred[a][1] - pred[a][3] / 2)) - 17, label, colors[a], 2);
  }
  // The truth, its center and its offset from the cell's corner.
  const plot::Color green = plot::kPalette[2];
  box(img, truth, green, 4);
  dashed(img, px(cell_x), py(truth[1]), px(truth[0]), py(truth[1]), green, 1.5);
  dashed(img, px(truth[0]), py(cell_y), px(truth[0]), py(truth[1]), green, 1.5);
  img.disc(px(truth[0]), py(truth[1]), 7, green);
  img.text(int(px(truth[0] - truth[2] / 2)) + 3, int(py(truth[1] - truth[3] / 2)) - 17, "truth", green, 2);
  img.text(int(px(cell_x)) + 4, int(py(truth[1])) + 6, "x = " + fixed(m.x), green, 2);
  img.text(int(px(truth[0])) + 6, int(py(cell_y)) + 6, "y = " + fixed(m.y), green, 2);
  img.reset_clip();
  img.rect(kLeft, kTop, kLeft + kShown * kCell + 1, kTop + kShown * kCell + 1, plot::kBlack);

  // The right panel: what the loss does with each anchor.
  int x = kLeft + kShown * kCell + 30, y = kTop;
  const int line = 24;
  const auto say = [&](const std::string& s, plot::Color c = plot::kBlack, int scale = 2) {
    img.text(x, y, s, c, scale);
    y += scale == 2 ? line : line + 8;
  };
  say("true box (target)", green);
  say("  cell (" + std::to_string(m.cell_x) + ", " + std::to_string(m.cell_y) + "), offset (" + fixed(m.x) + ", " +
          fixed(m.y) + ")",
      green);
  say("  w x h = " + fixed(m.w) + " x " + fixed(m.h) + " cells", green);
  y += 10;
  say("prediction: x = cell + sigmoid(t_x)");
  say("  w = exp(t_w) * anchor_w (cells)");
  y += 10;
  double best_iou = -1;
  int responsible = 0;
  for (int a = 0; a < 3; ++a) {
    const double r = std::max({m.w / anchors[a][0], anchors[a][0] / m.w, m.h / anchors[a][1], anchors[a][1] / m.h});
    const double metric = ciou(pred[a], truth), iou = xl::yolo_box_iou(pred[a], truth);
    if (iou > best_iou) best_iou = iou, responsible = a;
    say("anchor " + std::to_string(a) + " (" + fixed(anchors[a][0]) + " x " + fixed(anchors[a][1]) + " cells)",
        colors[a]);
    say("  worst ratio " + fixed(r) + (matched[a] ? " < 4: matched" : " >= 4: rejected"), colors[a]);
    if (matched[a]) {
      say("  CIoU " + fixed(metric, 3) + ", box loss 1 - CIoU = " + fixed(1 - metric, 3), colors[a]);
      say("  objectness target " + fixed(std::max(metric, 0.0), 3), colors[a]);
    } else {
      say("  objectness target 0 (a negative)", colors[a]);
    }
    y += 8;
  }
  say("YOLOv1 rule: the box with the best IoU", plot::kBlack);
  say("  is responsible: anchor " + std::to_string(responsible) + " (IoU " + fixed(best_iou, 3) + ")", plot::kBlack);

  const std::string path = out + "/yolo_cell.png";
  img.save_png(path);
  std::printf("wrote %s\n", path.c_str());
  return 0;
} catch (...) {
  return cli::report_exception("yolo_cell_figure");
}
