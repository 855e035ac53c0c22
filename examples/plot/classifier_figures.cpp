#include "plot/classifier_figures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>
#include <xgrad/data/fashion_mnist.hpp>

namespace xg = xgrad;
namespace xtr = xgrad::train;
namespace models = xgrad::models;
namespace fs = std::filesystem;
using xgrad::data::kFashionMnistClassNames;

namespace plot {

namespace {

std::vector<std::pair<double, double>> series(const std::vector<xtr::EpochRecord>& h, double xtr::EpochRecord::*field,
                                              double scale = 1) {
  std::vector<std::pair<double, double>> points;
  for (std::size_t e = 0; e < h.size(); ++e) points.push_back({double(e + 1), h[e].*field * scale});
  return points;
}

void draw_series(Image& img, const Axes& ax, const std::vector<std::pair<double, double>>& points, Color c) {
  polyline(img, ax, points, c, 2.5);
  for (const auto& [x, y] : points) img.disc(ax.px(x), ax.py(y), 4.5, c);
}

}  // namespace

// Train and test loss per epoch on the left, test accuracy on the right.
void draw_curves(const std::vector<xtr::EpochRecord>& h, const std::string& title, const fs::path& path) {
  Image img(1400, 690);
  double loss_max = 0, acc_min = 100, acc_max = 0;
  for (const auto& r : h) {
    loss_max = std::max({loss_max, r.train_loss, r.test_loss});
    acc_min = std::min(acc_min, 100 * r.test_accuracy);
    acc_max = std::max(acc_max, 100 * r.test_accuracy);
  }
  const double x_max = std::max<double>(2, double(h.size()));
  const Axes loss{.left = 100,
                  .top = 180,
                  .width = 520,
                  .height = 400,
                  .x_min = 1,
                  .x_max = x_max,
                  .y_min = 0,
                  .y_max = loss_max * 1.1};
  draw_series(img, loss, series(h, &xtr::EpochRecord::train_loss), kPalette[0]);
  draw_series(img, loss, series(h, &xtr::EpochRecord::test_loss), kPalette[1]);
  loss.draw_frame(img, "epoch", "loss", "loss per epoch");
  legend(img, loss.left + 20, loss.top + loss.height - 70,
         {{"train (mean over epoch)", kPalette[0]}, {"test (after epoch)", kPalette[1]}});

  const double lo = std::floor(acc_min - 1), hi = std::ceil(acc_max + 1);
  const Axes acc{
      .left = 820, .top = 180, .width = 520, .height = 400, .x_min = 1, .x_max = x_max, .y_min = lo, .y_max = hi};
  draw_series(img, acc, series(h, &xtr::EpochRecord::test_accuracy, 100), kPalette[2]);
  acc.draw_frame(img, "epoch", "test accuracy (%)", "test accuracy");
  img.text(40, 20, title, kBlack, 3);
  img.save_png(path.string());
}

// The first `count` test images, each with "predicted / true" below; mistakes framed in red.
void draw_predictions(const xg::data::FashionMnist& test, const models::Evaluation& e, std::size_t count,
                      const std::string& title, const fs::path& path) {
  const int cols = 8, scale = 4, side = int(xg::data::kFashionMnistSide), cell_w = 150, cell_h = 170;
  const int rows = int((count + cols - 1) / cols);
  Image img(cols * cell_w + 40, rows * cell_h + 110);
  img.text(20, 20, title, kBlack, 2);
  img.text(20, 50, "under each test image: the predicted class, then the true one; red: a mistake", kBlack, 2);
  const auto& pixels = test.images.data<float>();
  const auto& labels = test.labels.data<std::int64_t>();
  const Color red{213, 40, 40};
  for (std::size_t i = 0; i < count; ++i) {
    const int x0 = 20 + int(i % cols) * cell_w + (cell_w - side * scale) / 2, y0 = 100 + int(i / cols) * cell_h;
    for (int r = 0; r < side; ++r)
      for (int c = 0; c < side; ++c) {
        const auto v = std::uint8_t(255 - std::lround(255 * pixels(i, std::size_t(r * side + c))));  // dark clothes
        img.fill_rect(x0 + c * scale, y0 + r * scale, x0 + (c + 1) * scale, y0 + (r + 1) * scale, {v, v, v});
      }
    const auto predicted = std::size_t(e.predictions[i]), truth = std::size_t(labels(i));
    const bool right = predicted == truth;
    if (!right)
      for (int t = 1; t <= 4; ++t) img.rect(x0 - t, y0 - t, x0 + side * scale + t, y0 + side * scale + t, red);
    const int tx = 20 + int(i % cols) * cell_w + 6, ty = y0 + side * scale + 6;
    img.text(tx, ty, kFashionMnistClassNames[predicted], right ? kBlack : red, 2);
    img.text(tx, ty + 20, std::string("true: ") + kFashionMnistClassNames[truth], kGray, 1);
  }
  img.save_png(path.string());
}

// Rows: true class, columns: predicted; each cell shaded by the fraction of its row.
void draw_confusion(const models::Evaluation& e, const std::string& title, const fs::path& path) {
  const int n = int(e.confusion.size()), cell = 60, left = 200, top = 150;
  const std::string note =
      "rows: true class, columns: predicted; counts shaded by their share of the row (mistakes 4x)";
  Image img(std::max({left + n * cell + 60, Image::text_width(title) + 40, Image::text_width(note) + 40}),
            top + n * cell + 100);
  img.text(20, 20, title, kBlack, 2);
  img.text(20, 60, note, kBlack, 2);
  for (int r = 0; r < n; ++r) {
    std::int64_t total = 0;
    for (std::int64_t v : e.confusion[std::size_t(r)]) total += v;
    for (int c = 0; c < n; ++c) {
      const std::int64_t v = e.confusion[std::size_t(r)][std::size_t(c)];
      const double share = total ? double(v) / double(total) : 0;
      const Color base = r == c ? kPalette[1] : kPalette[0];
      img.fill_rect(left + c * cell, top + r * cell, left + (c + 1) * cell, top + (r + 1) * cell, base,
                    std::min(1.0, r == c ? share : 4 * share));  // mistakes are rarer: shaded 4x darker
      const std::string s = std::to_string(v);
      img.text(left + c * cell + (cell - Image::text_width(s)) / 2, top + r * cell + cell / 2 - 7, s,
               share > 0.6 ? kWhite : kBlack);
    }
    const std::string name = kFashionMnistClassNames[std::size_t(r)];
    img.text(left - 12 - Image::text_width(name), top + r * cell + cell / 2 - 7, name, kBlack);
  }
  for (int c = 0; c < n; ++c) {  // column labels, two lines so that they fit
    const std::string name = kFashionMnistClassNames[std::size_t(c)];
    img.text(left + c * cell + (cell - Image::text_width(name, 1)) / 2, top + n * cell + 10 + 14 * (c % 2), name,
             kBlack, 1);
  }
  img.rect(left, top, left + n * cell + 1, top + n * cell + 1, kBlack);
  img.text(left + n * cell / 2 - 40, top + n * cell + 50, "predicted", kBlack);
  img.save_png(path.string());
}

}  // namespace plot
