#include "xgrad/losses/yolo_assign.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "xgrad/core/ops/boxes.hpp"

namespace xgrad::losses {

namespace {
// The truncated grid position, clamped into the grid. Truncation is toward zero, as the
// reference's .long(): a slightly negative x lands in cell 0 (clamping happens in double so that
// no cast overflows).
std::int64_t cell_of(double position, std::int64_t size) {
  return static_cast<std::int64_t>(std::clamp(std::trunc(position), 0.0, static_cast<double>(size - 1)));
}

YoloMatch place(const YoloTarget& t, std::size_t row, const YoloGrid& grid) {
  YoloMatch m;
  m.image = t.image;
  m.cls = t.cls;
  m.target = row;
  const double gx = t.x * static_cast<double>(grid.width), gy = t.y * static_cast<double>(grid.height);
  m.cell_x = cell_of(gx, grid.width);
  m.cell_y = cell_of(gy, grid.height);
  m.x = gx - static_cast<double>(m.cell_x);  // from the clamped cell: 1.0 at x = 1.0
  m.y = gy - static_cast<double>(m.cell_y);
  m.w = t.w * static_cast<double>(grid.width);  // the reference scales w by the grid's width, h by its height
  m.h = t.h * static_cast<double>(grid.height);
  return m;
}

// max(r, 1 / r) for r = size / anchor, computed as the reference does (1 / r, not anchor / size);
// a zero size gives infinity, so it never matches.
double spread(double size, double anchor) {
  const double r = size / anchor;
  return std::max(r, r == 0 ? std::numeric_limits<double>::infinity() : 1.0 / r);
}
}  // namespace

std::vector<YoloMatch> assign_by_anchor_ratio(const std::vector<YoloTarget>& targets, const YoloGrid& grid,
                                              const std::vector<std::array<double, 2>>& anchors, double threshold) {
  std::vector<YoloMatch> matches;
  for (std::size_t a = 0; a < anchors.size(); ++a) {  // anchor-major, as the reference flattens (anchor, target)
    for (std::size_t row = 0; row < targets.size(); ++row) {
      YoloMatch m = place(targets[row], row, grid);
      const double worst = std::max(spread(m.w, anchors[a][0]), spread(m.h, anchors[a][1]));
      if (!(worst < threshold)) continue;  // strict: a ratio of exactly 4 is rejected
      m.box = static_cast<std::int64_t>(a);
      m.prior_w = anchors[a][0];
      m.prior_h = anchors[a][1];
      matches.push_back(m);
    }
  }
  return matches;
}

double yolo_box_iou(const std::array<double, 4>& a, const std::array<double, 4>& b) {
  return iou(Box::from_center(a[0], a[1], a[2], a[3]), Box::from_center(b[0], b[1], b[2], b[3]));
}

std::vector<YoloMatch> assign_responsible_by_iou(const std::vector<YoloTarget>& targets, const YoloGrid& grid,
                                                 const YoloDecodedBox& decoded) {
  std::vector<YoloMatch> matches;
  for (std::size_t row = 0; row < targets.size(); ++row) {
    YoloMatch m = place(targets[row], row, grid);
    const std::array<double, 4> truth{m.x, m.y, m.w, m.h};
    double best = -1;
    for (std::int64_t b = 0; b < grid.boxes; ++b) {
      const double iou = yolo_box_iou(decoded(m.image, b, m.cell_y, m.cell_x), truth);
      if (iou > best) {  // strictly greater: the first box wins a tie
        best = iou;
        m.box = b;
      }
    }
    matches.push_back(m);
  }
  return matches;
}

}  // namespace xgrad::losses
