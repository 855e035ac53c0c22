#include "plot/detection_figures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace xg = xgrad;
namespace xm = xgrad::models;

namespace plot {

namespace {

const Color kClassColors[] = {kPalette[0], kPalette[1], kPalette[2]};

std::string fixed(double v, int digits) {
  char s[64];
  std::snprintf(s, sizeof s, "%.*f", digits, v);
  return s;
}

void dashed_rect(Image& img, double x1, double y1, double x2, double y2) {
  const double xs[] = {x1, x2, x2, x1, x1}, ys[] = {y1, y1, y2, y2, y1};
  for (int e = 0; e < 4; ++e) {
    const double len = std::hypot(xs[e + 1] - xs[e], ys[e + 1] - ys[e]);
    img.line(xs[e], ys[e], xs[e + 1], ys[e + 1], kBlack, 2.0);  // black under white dashes:
    for (double s = 0; s < len; s += 8) {                       // visible on any background
      const double t0 = s / len, t1 = std::min(s + 4, len) / len;
      img.line(xs[e] + (xs[e + 1] - xs[e]) * t0, ys[e] + (ys[e + 1] - ys[e]) * t0, xs[e] + (xs[e + 1] - xs[e]) * t1,
               ys[e] + (ys[e + 1] - ys[e]) * t1, kWhite, 2.0);
    }
  }
}

}  // namespace

// A grid of images, `scale` times enlarged, with true boxes dashed and detections above
// `min_score` in their class's colour, labelled with class name and score.
void draw_detections(const xg::data::ShapesDataset& data, const std::vector<std::vector<xm::Detection>>& found,
                     double min_score, const std::string& title, const std::string& path) {
  const int n = static_cast<int>(found.size()), cols = std::min(n, 4), rows = (n + cols - 1) / cols;
  const int S = static_cast<int>(data.options().image_size), scale = 4, cell = S * scale, gap = 12;
  const int top = 80, width = cols * (cell + gap) + gap;
  Image img(width, top + rows * (cell + gap) + gap);
  img.text(gap, 12, title, kBlack, 2);
  int lx = gap;
  for (std::size_t c = 0; c < xg::data::kShapeNames.size(); ++c) {
    img.fill_rect(lx, 44, lx + 18, 62, kClassColors[c]);
    img.text(lx + 24, 47, xg::data::kShapeNames[c], kBlack, 2);
    lx += 24 + Image::text_width(xg::data::kShapeNames[c]) + 24;
  }
  dashed_rect(img, lx, 45, lx + 30, 61);
  img.text(lx + 38, 47, "true box   (detections with score >= " + fixed(min_score, 2) + ")", kBlack, 2);

  for (int k = 0; k < n; ++k) {
    const int ox = gap + (k % cols) * (cell + gap), oy = top + (k / cols) * (cell + gap);
    const std::uint8_t* px = data.pixels(k);
    for (int y = 0; y < S; ++y)
      for (int x = 0; x < S; ++x) {
        const Color c{px[(0 * S + y) * S + x], px[(1 * S + y) * S + x], px[(2 * S + y) * S + x]};
        img.fill_rect(ox + x * scale, oy + y * scale, ox + (x + 1) * scale, oy + (y + 1) * scale, c);
      }
    img.set_clip(ox, oy, ox + cell, oy + cell);
    for (const auto& o : data.objects(k))
      dashed_rect(img, ox + (o.cx - o.w / 2) * cell, oy + (o.cy - o.h / 2) * cell, ox + (o.cx + o.w / 2) * cell,
                  oy + (o.cy + o.h / 2) * cell);
    for (const xm::Detection& d : found[static_cast<std::size_t>(k)]) {
      if (d.score < min_score) continue;
      const Color color = kClassColors[d.cls];
      const double x1 = ox + d.box.x1 * cell, y1 = oy + d.box.y1 * cell, x2 = ox + d.box.x2 * cell,
                   y2 = oy + d.box.y2 * cell;
      for (double t : {-1.0, 1.0}) {  // 3-pixel frame in the class colour
        img.line(x1, y1 + t, x2, y1 + t, color, 1.5);
        img.line(x1, y2 + t, x2, y2 + t, color, 1.5);
        img.line(x1 + t, y1, x1 + t, y2, color, 1.5);
        img.line(x2 + t, y1, x2 + t, y2, color, 1.5);
      }
      const std::string label = std::string(xg::data::kShapeNames[d.cls]) + " " + fixed(d.score, 2);
      const int tw = Image::text_width(label, 1) + 6, th = Image::text_height(1) + 4;
      const int lx0 = std::min(static_cast<int>(x1), ox + cell - tw),  // inside the picture
          ly0 = y1 - th >= oy ? static_cast<int>(y1) - th : static_cast<int>(y2);
      img.fill_rect(lx0, ly0, lx0 + tw, ly0 + th, color);
      img.text(lx0 + 3, ly0 + 2, label, kWhite, 1);
    }
    img.reset_clip();
  }
  img.save_png(path);
}

void draw_detection_curves(const std::vector<DetectionEpoch>& rows, double best_map, std::int64_t best_epoch,
                           const std::string& path) {
  Image img(1340, 660);
  const std::int64_t last =
      rows.empty() ? 0 : std::int64_t(rows.back().epoch);  // no rows: a resumed run without metrics.csv
  const double epochs = std::max<double>(2, static_cast<double>(last));
  double lo = 1e300, hi = 0;
  for (const auto& r : rows)
    for (double v : {r.loss, r.box, r.obj, r.noobj, r.cls})
      if (v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
  if (hi == 0) lo = 0.1, hi = 10;  // nothing to show: an empty frame
  const Axes loss_ax{.left = 110,
                     .top = 160,
                     .width = 520,
                     .height = 400,
                     .x_min = 0,
                     .x_max = epochs,
                     .y_min = std::pow(10.0, std::floor(std::log10(lo))),
                     .y_max = std::pow(10.0, std::ceil(std::log10(hi))),
                     .log_y = true};
  const std::pair<const char*, double DetectionEpoch::*> parts[] = {{"total", &DetectionEpoch::loss},
                                                                    {"box", &DetectionEpoch::box},
                                                                    {"obj", &DetectionEpoch::obj},
                                                                    {"noobj", &DetectionEpoch::noobj},
                                                                    {"cls", &DetectionEpoch::cls}};
  std::vector<std::pair<std::string, Color>> entries;
  for (std::size_t i = 0; i < std::size(parts); ++i) {
    std::vector<std::pair<double, double>> pts;
    for (const auto& r : rows) pts.push_back({double(r.epoch), std::max(r.*parts[i].second, loss_ax.y_min)});
    const Color c = i == 0 ? kBlack : kPalette[i + 2];
    polyline(img, loss_ax, pts, c, i == 0 ? 3 : 2);
    entries.push_back({parts[i].first, c});
  }
  loss_ax.draw_frame(img, "epoch", "loss", "training loss, epoch mean");
  legend(img, loss_ax.left + loss_ax.width - 130, loss_ax.top + 10, entries);

  const Axes map_ax{
      .left = 770, .top = 160, .width = 520, .height = 400, .x_min = 0, .x_max = epochs, .y_min = 0, .y_max = 1};
  std::vector<std::pair<double, double>> pts;
  for (const auto& r : rows) pts.push_back({double(r.epoch), r.map});
  img.line(map_ax.px(0), map_ax.py(0.9), map_ax.px(epochs), map_ax.py(0.9), kLightGray, 2);
  polyline(img, map_ax, pts, kPalette[1], 3);
  for (const auto& p : pts) img.disc(map_ax.px(p.first), map_ax.py(p.second), 4, kPalette[1]);
  map_ax.draw_frame(img, "epoch", "mAP@0.5", "validation mAP@0.5");
  img.text(map_ax.left + 8, int(map_ax.py(0.9)) + 6, "0.9", kGray, 2);
  img.text(20, 16,
           "tiny YOLO on synthetic shapes: best mAP@0.5 " + fixed(best_map, 3) + " at epoch " +
               std::to_string(best_epoch) + " of " + std::to_string(last) +
               (rows.empty() ? " (no epochs in metrics.csv)" : ""),
           kBlack, 2);
  img.save_png(path);
}

}  // namespace plot
