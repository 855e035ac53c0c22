// The playground's scenes (playground/wasm/scenes.hpp), natively: what the page promises its
// users (moons learned in 100 steps, Adam reaching the quadratic's minimum, the fitted line
// meeting the least-squares one, an outlier pulling MSE more than MAE), the grid layout the page
// draws from, and errors for bad input. check_same_numbers.sh then holds the wasm module to the
// numbers these scenes give natively.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>
#include <xgrad/core/error.hpp>

#include "scenes.hpp"

namespace {

using playground::Classifier;
using playground::ClassifierOptions;
using playground::Descent;
using playground::LineFit;

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const xgrad::Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PlaygroundClassifier, LearnsEachDataSet) {
  // The page's defaults: 100 steps reach 95% on moons (the browser test asks the same).
  ClassifierOptions moons;
  Classifier c(moons);
  const auto first = c.step(1);
  const auto last = c.step(99);
  EXPECT_LT(last.loss, first.loss / 3);
  EXPECT_GE(last.accuracy, 0.95) << "loss " << last.loss;
  for (const char* dataset : {"circles", "xor", "spiral"}) {
    ClassifierOptions o{.dataset = dataset, .noise = 0.03, .width = 32, .depth = 2, .lr = 0.03};
    Classifier d(o);
    EXPECT_GE(d.step(400).accuracy, 0.9) << dataset;
  }
}

TEST(PlaygroundClassifier, SameSeedSameNumbersAndDotDoesNotTrain) {
  ClassifierOptions o{.dataset = "spiral", .seed = 11, .activation = "tanh", .loss = "mse", .optimizer = "rmsprop"};
  Classifier a(o), b(o);
  EXPECT_EQ(a.xs(), b.xs());
  EXPECT_EQ(a.labels(), b.labels());
  a.step(5);
  b.step(5);
  const std::string dot = b.dot();  // a forward and backward on one point, then zeroed gradients
  EXPECT_NE(dot.find("digraph"), std::string::npos);
  EXPECT_NE(dot.find("0.weight"), std::string::npos) << dot;
  EXPECT_NE(dot.find("{ x | (1, 2) float64"), std::string::npos) << dot;
  EXPECT_NE(dot.find("{ target | (1, 1) float64"), std::string::npos) << dot;
  EXPECT_NE(dot.find("grad"), std::string::npos);
  const auto ra = a.step(5), rb = b.step(5);
  EXPECT_EQ(ra.loss, rb.loss);
  EXPECT_EQ(ra.accuracy, rb.accuracy);
  o.seed = 12;
  EXPECT_NE(Classifier(o).xs(), a.xs());
}

TEST(PlaygroundClassifier, GridIsTheModelsProbabilityRowMajorYOuter) {
  Classifier c(ClassifierOptions{});
  c.step(20);
  const int nx = 3, ny = 2;
  const std::vector<double> g = c.grid(nx, ny, -1, 1, 0, 2);
  ASSERT_EQ(g.size(), std::size_t(nx * ny));
  for (double p : g) EXPECT_TRUE(p > 0 && p < 1) << p;
  // The same points one at a time, through a 1-point grid, in the layout the page reads.
  for (int iy = 0; iy < ny; ++iy)
    for (int ix = 0; ix < nx; ++ix) {
      const double x = -1 + ix, y = 2.0 * iy;
      EXPECT_DOUBLE_EQ(g[iy * nx + ix], c.grid(1, 1, x, x, y, y)[0]) << ix << ", " << iy;
    }
}

TEST(PlaygroundDescent, AdamReachesTheQuadraticsMinimum) {
  Descent d("quadratic", "adam", 0.1, -4, 1.5);
  d.set_conditioning(10);
  const auto path = d.step(300);
  ASSERT_EQ(path.size(), 300u);
  EXPECT_LT(std::hypot(path.back().x, path.back().y), 1e-3) << path.back().x << ", " << path.back().y;
  EXPECT_DOUBLE_EQ(path.back().loss, d.value(path.back().x, path.back().y));
  EXPECT_FALSE(d.diverged());
}

TEST(PlaygroundDescent, EachFunctionsMinimumIsStationary) {
  // f's gradient vanishes at minimum(): one SGD step from there does not move.
  for (const char* fn : {"quadratic", "rosenbrock", "saddle", "beale"}) {
    Descent probe(fn, "sgd", 0.01, 0.5, 0.5);
    const auto m = probe.minimum();
    Descent d(fn, "sgd", 0.01, m.x, m.y);
    const auto path = d.step(1);
    EXPECT_NEAR(path[0].x, m.x, 1e-12) << fn;
    EXPECT_NEAR(path[0].y, m.y, 1e-12) << fn;
  }
  EXPECT_DOUBLE_EQ(Descent("saddle", "sgd", 0.01, 0, 0).value(0, 1), -0.25);
  EXPECT_DOUBLE_EQ(Descent("beale", "sgd", 0.01, 0, 0).value(3, 0.5), 0);
}

TEST(PlaygroundDescent, DivergenceStopsTheSteps) {
  // On (x^2 + 10 y^2) / 2 plain gradient descent diverges once lr > 2 / 10.
  Descent d("quadratic", "sgd", 0.25, 1, 1);
  const auto path = d.step(1000);
  EXPECT_TRUE(d.diverged());
  EXPECT_LT(path.size(), 1000u);
  EXPECT_TRUE(d.step(10).empty());
  d.reset(1, 1);
  EXPECT_FALSE(d.diverged());
}

TEST(PlaygroundDescent, GridMatchesValue) {
  Descent d("rosenbrock", "adam", 0.05, -1.5, 2);
  const std::vector<double> g = d.grid(4, 3, -2, 1, 0, 2);
  for (int iy = 0; iy < 3; ++iy)
    for (int ix = 0; ix < 4; ++ix) EXPECT_DOUBLE_EQ(g[iy * 4 + ix], d.value(-2 + ix, 0 + iy)) << ix << ", " << iy;
}

TEST(PlaygroundLineFit, GradientDescentMeetsTheClosedForm) {
  LineFit f("mse", "sgd", 0.05);
  // Points on y = 2x + 1 with a symmetric wiggle: least squares is w = 2, b = 1 + 0.1 / 5 exactly
  // (the wiggle's mean), since the wiggle is uncorrelated with x.
  f.set_points({-2, -1, 0, 1, 2}, {-3, -1.1, 1.5, 2.9, 5});
  const auto line = f.closed_form();
  EXPECT_NEAR(line.x, 2.0, 1e-12);
  EXPECT_NEAR(line.y, 1.06, 1e-12);
  f.step(500);
  EXPECT_NEAR(f.w(), line.x, 1e-6);
  EXPECT_NEAR(f.b(), line.y, 1e-6);
}

TEST(PlaygroundLineFit, AnOutlierPullsMseMoreThanMaeOrHuber) {
  const std::vector<double> xs = {0, 1, 2, 3, 4, 5}, ys = {1, 3, 5, 7, 9, 40};  // y = 2x + 1, and one outlier
  double slope[3];
  int i = 0;
  for (const char* loss : {"mse", "mae", "huber"}) {
    LineFit f(loss, "adam", 0.05);
    f.set_points(xs, ys);
    f.step(3000);
    slope[i++] = f.w();
  }
  EXPECT_GT(std::abs(slope[0] - 2), 2.0);                         // MSE's line tilts towards the outlier
  EXPECT_LT(std::abs(slope[1] - 2), 0.2) << slope[1];             // MAE's follows the five
  EXPECT_LT(std::abs(slope[2] - 2), std::abs(slope[0] - 2) / 2);  // Huber's in between, nearer MAE's
}

TEST(PlaygroundErrors, NameTheCallAndTheValue) {
  EXPECT_NE(error_of([] { Descent("bowl", "adam", 0.1, 0, 0); }).find("unknown function \"bowl\""), std::string::npos);
  EXPECT_NE(error_of([] { Descent("beale", "adagrad", 0.1, 0, 0); }).find("adagrad"), std::string::npos);
  EXPECT_NE(error_of([] { Descent("beale", "adam", -1, 0, 0); }).find("-1"), std::string::npos);
  EXPECT_NE(error_of([] { Descent("beale", "adam", 0.1, 0, 0).set_conditioning(3); }).find("quadratic"),
            std::string::npos);
  EXPECT_NE(error_of([] { Descent("quadratic", "adam", 0.1, NAN, 0); }).find("finite"), std::string::npos);
  EXPECT_NE(error_of([] { LineFit("l2", "sgd", 0.1); }).find("l2"), std::string::npos);
  EXPECT_NE(error_of([] { LineFit("mse", "sgd", 0.1).step(1); }).find("no points"), std::string::npos);
  EXPECT_NE(error_of([] {
              LineFit f("mse", "sgd", 0.1);
              f.set_points({1, 1}, {2, 3});
              f.closed_form();
            }).find("same x"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              LineFit("mse", "sgd", 0.1).set_points({1, 2}, {3});
            }).find("2 x values but 1"),
            std::string::npos);
  EXPECT_NE(error_of([] { Classifier(ClassifierOptions{.dataset = "blobs"}); }).find("blobs"), std::string::npos);
  EXPECT_NE(error_of([] { Classifier(ClassifierOptions{.width = 0}); }).find("width"), std::string::npos);
  EXPECT_NE(error_of([] { Classifier(ClassifierOptions{.activation = "gelu"}); }).find("gelu"), std::string::npos);
  EXPECT_NE(error_of([] { Classifier(ClassifierOptions{}).grid(0, 3, 0, 1, 0, 1); }).find("nx"), std::string::npos);
}

}  // namespace
