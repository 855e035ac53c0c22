// The plot kit (plot/): sizes of the PNGs it writes and pixel probes where a line, a point, a
// region must be, for each kind of figure.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <xgrad/core/factory.hpp>
#include <xgrad/nn/linear.hpp>
#include <xgrad/plot/plot.hpp>

namespace plot = xgrad::plot;
namespace xg = xgrad;

namespace {

// Width and height from the PNG's IHDR chunk (big-endian, at bytes 16 and 20).
std::pair<int, int> png_size(const std::string& png) {
  auto be32 = [&](std::size_t at) {
    return int((unsigned char)png[at]) << 24 | int((unsigned char)png[at + 1]) << 16 |
           int((unsigned char)png[at + 2]) << 8 | int((unsigned char)png[at + 3]);
  };
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  return {be32(16), be32(20)};
}

bool near(plot::Color a, plot::Color b, int tolerance = 40) {
  return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance && std::abs(a.b - b.b) <= tolerance;
}

std::string describe(plot::Color c) {
  return "(" + std::to_string(c.r) + ", " + std::to_string(c.g) + ", " + std::to_string(c.b) + ")";
}

// How many pixels of the rectangle differ from white.
int inked(const plot::Canvas& c, int x0, int y0, int x1, int y1) {
  int n = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) n += !(c.at(x, y) == plot::kWhite);
  return n;
}

TEST(Canvas, PngHasTheCanvasSize) {
  plot::Canvas c(321, 123);
  const auto [w, h] = png_size(c.png());
  EXPECT_EQ(w, 321);
  EXPECT_EQ(h, 123);
  EXPECT_THROW(plot::Canvas(0, 10), xg::Error);
}

TEST(Canvas, LinesAndDiscsLandWhereDrawn) {
  const plot::Color red{220, 20, 20};
  plot::Canvas c(100, 100);
  c.line(10, 50, 90, 50, red, 4.0);
  EXPECT_TRUE(near(c.at(50, 50), red, 5)) << describe(c.at(50, 50));
  EXPECT_TRUE(near(c.at(50, 49), red, 5));
  EXPECT_EQ(c.at(50, 56), plot::kWhite);  // 2 px half-width: nothing 6 px away
  EXPECT_EQ(c.at(5, 50), plot::kWhite);   // round caps reach 2 px past the ends, not 5
  c.disc(30, 20, 5, plot::kBlack);
  EXPECT_EQ(c.at(30, 20), plot::kBlack);
  EXPECT_EQ(c.at(30, 28), plot::kWhite);
}

TEST(Canvas, ClipStopsDrawing) {
  plot::Canvas c(100, 100);
  c.set_clip(0, 0, 50, 100);
  c.line(10, 50, 90, 50, plot::kBlack, 3.0);
  c.blend(70, 10, plot::kBlack);
  c.reset_clip();
  EXPECT_EQ(c.at(40, 50), plot::kBlack);
  EXPECT_EQ(c.at(60, 50), plot::kWhite);
  EXPECT_EQ(c.at(70, 10), plot::kWhite);
}

TEST(Canvas, AHugeCoordinateIsCutAtTheEdge) {
  // cairo holds coordinates in 24.8 fixed point: 1e30 must not wrap around onto the canvas.
  plot::Canvas c(100, 100);
  c.line(50, 50, 1e30, 50, plot::kBlack, 3.0);
  EXPECT_EQ(c.at(99, 50), plot::kBlack);
  EXPECT_EQ(c.at(40, 50), plot::kWhite);
  c.path({{50, 80}, {-1e300, 80}, {std::nan(""), 0}}, plot::kBlack, 3.0);
  EXPECT_EQ(c.at(0, 80), plot::kBlack);
}

TEST(Canvas, TextIsInkAndMeasured) {
  plot::Canvas c(300, 60);
  c.text(10, 10, "Loss 0.25", plot::kBlack, 2);
  const int w = plot::Canvas::text_width("Loss 0.25", 2);
  EXPECT_GT(w, 60);
  EXPECT_LT(w, 160);
  EXPECT_NEAR(plot::Canvas::text_width("Loss 0.25", 4), 2 * w, 2);              // hinting rounds each size apart
  EXPECT_GT(inked(c, 10, 10, 10 + w, 10 + plot::Canvas::text_height(2)), 100);  // real glyphs
  EXPECT_EQ(inked(c, 10 + w + 5, 0, 300, 60), 0);
}

TEST(Canvas, SavePngWritesTheBytesOrNamesTheFile) {
  plot::Canvas c(40, 30);
  c.fill_rect(0, 0, 20, 30, plot::kBlack);
  const std::string path = testing::TempDir() + "xgrad_plot_save.png";
  c.save_png(path);
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  EXPECT_EQ(s.str(), c.png());
  std::remove(path.c_str());
  try {
    c.save_png("/nonexistent-folder/x.png");
    FAIL() << "no error";
  } catch (const xg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("save_png: cannot write /nonexistent-folder/x.png: "), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(c.write_png("/nonexistent-folder/x.png"));
}

TEST(Axes, MapsLinearAndLogCoordinates) {
  const plot::Axes ax{.left = 100,
                      .top = 50,
                      .width = 400,
                      .height = 200,
                      .x_min = 0,
                      .x_max = 4,
                      .y_min = 1,
                      .y_max = 100,
                      .log_y = true};
  EXPECT_DOUBLE_EQ(ax.px(1), 200);
  EXPECT_DOUBLE_EQ(ax.py(10), 150);  // log10(10) is halfway between log10(1) and log10(100)
  EXPECT_DOUBLE_EQ(ax.py(100), 50);
  EXPECT_NEAR(ax.y_at(150), 10, 1e-12);
  EXPECT_NEAR(ax.x_at(200), 1, 1e-12);
  const plot::Axes lx{.width = 100, .x_min = 1, .x_max = 1000, .log_x = true};
  EXPECT_NEAR(lx.px(10), 100.0 / 3, 1e-9);
  const std::vector<double> ticks = plot::nice_ticks(0, 1, 5), expected = {0, 0.2, 0.4, 0.6, 0.8, 1.0};
  ASSERT_EQ(ticks.size(), expected.size());
  for (std::size_t i = 0; i < ticks.size(); ++i) EXPECT_NEAR(ticks[i], expected[i], 1e-12);
}

TEST(Chart, DrawsEachSeriesWithALegend) {
  // y = x from 0 to 10 and y = 10 - x, on a 900 x 600 figure.
  plot::Points up, down;
  for (int i = 0; i <= 10; ++i) up.push_back({double(i), double(i)}), down.push_back({double(i), 10.0 - i});
  const std::vector<plot::Series> series = {{.label = "up", .points = up}, {.label = "down", .points = down}};
  const plot::ChartOptions options{.title = "two lines", .x_label = "x", .y_label = "y"};
  plot::Canvas c = plot::chart(series, options);
  EXPECT_EQ(png_size(c.png()), (std::pair{900, 600}));
  const plot::Axes ax = plot::chart_axes(series, options);
  // A point of each line, away from where they cross and from the legend.
  const plot::Color on_up = c.at(int(ax.px(2)), int(ax.py(2))), on_down = c.at(int(ax.px(2)), int(ax.py(8)));
  EXPECT_TRUE(near(on_up, plot::kPalette[0])) << describe(on_up);
  EXPECT_TRUE(near(on_down, plot::kPalette[1])) << describe(on_down);
  EXPECT_EQ(c.at(int(ax.px(2)), int(ax.py(5))), plot::kWhite);  // between the two lines
  // The legend's box, top-right inside the axes, holds both line samples.
  EXPECT_GT(inked(c, ax.left + ax.width - 200, ax.top + 10, ax.left + ax.width - 10, ax.top + 70), 200);
}

TEST(Chart, LogAxisPlacesDecadesEvenly) {
  plot::Points p = {{0, 1e-3}, {1, 1e-2}, {2, 1e-1}, {3, 1}};
  const std::vector<plot::Series> series = {{.points = p, .markers = true}};
  const plot::ChartOptions options{.log_y = true};
  plot::Canvas c = plot::chart(series, options);
  const plot::Axes ax = plot::chart_axes(series, options);
  EXPECT_DOUBLE_EQ(ax.y_min, 1e-3);
  EXPECT_DOUBLE_EQ(ax.y_max, 1);
  for (const auto& [x, y] : p) {
    const plot::Color m = c.at(int(std::lround(ax.px(x))), int(std::lround(ax.py(y))));
    EXPECT_TRUE(x == 0 || x == 3 || near(m, plot::kPalette[0])) << x << " " << describe(m);
  }
  EXPECT_THROW(plot::chart({{.points = {{0, -1}}}}, {.log_y = true, .y_min = -1.0}), xg::Error);
}

TEST(Draw, HeatMapFollowsTheColormap) {
  plot::Canvas c(300, 200);
  const plot::Axes ax{
      .left = 10, .top = 10, .width = 200, .height = 180, .x_min = 0, .x_max = 1, .y_min = 0, .y_max = 1};
  plot::heat_map(
      c, ax, [](double x, double) { return x; }, 0, 1);
  const std::vector<plot::Color> v = plot::viridis();
  EXPECT_TRUE(near(c.at(12, 100), v.front(), 12)) << describe(c.at(12, 100));
  EXPECT_TRUE(near(c.at(207, 100), v.back(), 12)) << describe(c.at(207, 100));
  EXPECT_TRUE(near(c.at(235, 12), v.back(), 12));  // the colour bar's top is the high end
}

TEST(Draw, ContourOfACircle) {
  plot::Canvas c(220, 220);
  const plot::Axes ax{
      .left = 10, .top = 10, .width = 200, .height = 200, .x_min = -2, .x_max = 2, .y_min = -2, .y_max = 2};
  plot::contour(
      c, ax, [](double x, double y) { return x * x + y * y; }, {1.0}, plot::kBlack, 2.0, 2);
  // The level-1 circle passes 50 px from the centre (110, 110).
  EXPECT_GT(inked(c, 158, 105, 163, 115), 3);
  EXPECT_EQ(inked(c, 100, 100, 120, 120), 0);
  EXPECT_EQ(inked(c, 180, 100, 200, 120), 0);
}

TEST(DecisionBoundary, ColoursTheClassesOfAModule) {
  // Scores (x, -x): class 0 where x > 0, class 1 where x < 0.
  xg::nn::Linear model(2, 2);
  model.weight.data<float>() = xt::xarray<float>{{1, 0}, {-1, 0}};
  model.bias.data<float>() = xt::xarray<float>{0, 0};
  const std::vector<plot::Color> colors = {{0, 0, 255}, {255, 0, 0}};
  plot::Canvas c(200, 200);
  const plot::Axes ax{
      .left = 0, .top = 0, .width = 200, .height = 200, .x_min = -1, .x_max = 1, .y_min = -1, .y_max = 1};
  plot::decision_boundary(c, ax, model, colors, 1.0, 4);
  EXPECT_EQ(c.at(150, 50), colors[0]);
  EXPECT_EQ(c.at(50, 150), colors[1]);
  EXPECT_TRUE(near(c.at(100, 30), plot::kBlack, 100)) << describe(c.at(100, 30));  // the border at x = 0
  plot::scatter_classes(c, ax, {{0.5, 0.5}}, {1}, colors);
  EXPECT_EQ(c.at(150, 50), colors[1]);  // a class-1 point drawn in the class-0 region
  xg::nn::Linear three_in(3, 2);
  EXPECT_THROW(plot::decision_boundary(c, ax, three_in, colors), xg::Error);
}

TEST(ImageGrid, PlacesImagesBoxesAndCaptions) {
  // Two 8x8 images: black, and white with a red box around pixels 2..5.
  std::vector<plot::GridImage> cells = {{.pixels = xg::zeros({8, 8}), .caption = "zero"},
                                        {.pixels = xg::ones({8, 8}),
                                         .caption = "one",
                                         .boxes = {{.x0 = 2, .y0 = 2, .x1 = 5, .y1 = 5, .color = {255, 0, 0}}}}};
  const plot::GridOptions options{.columns = 2, .zoom = 10, .gap = 10};
  plot::Canvas c = plot::image_grid(cells, options);
  const int caption_w = std::max(plot::Canvas::text_width("zero", 1.6), 80);
  EXPECT_EQ(c.width(), 10 + 2 * (caption_w + 10));
  EXPECT_EQ(c.at(10 + 40, 10 + 40), plot::kBlack);                   // inside the black image
  const int x1 = 10 + caption_w + 10;                                // the second cell's left edge
  EXPECT_EQ(c.at(x1 + 5, 10 + 5), plot::kWhite);                     // white pixel, outside the box
  EXPECT_EQ(c.at(x1 + 21, 10 + 40), (plot::Color{255, 0, 0}));       // the box's left edge at pixel 2
  EXPECT_EQ(c.at(x1 + 40, 10 + 40), plot::kWhite);                   // inside the box
  EXPECT_GT(inked(c, 10, 10 + 80, 10 + caption_w, c.height()), 20);  // the caption
  EXPECT_THROW(plot::image_grid({{.pixels = xg::zeros({2, 3, 4})}}), xg::Error);
}

}  // namespace
