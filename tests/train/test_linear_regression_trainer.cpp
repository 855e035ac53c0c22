// train/linear_regression_trainer.*: gradient descent reaches the closed-form least squares
// solution, a rate above 2 / lambda_max is reported as divergence, and a checkpointed run resumes
// bit for bit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <xgrad/models/linear_regression.hpp>
#include <xgrad/train/linear_regression_trainer.hpp>

#include "../core/helpers.hpp"
#include "linear_problem.hpp"
#include "margins.hpp"

namespace models = xgrad::models;
namespace xtr = xgrad::train;

namespace {

using Problem = xg::test::LinearProblem;
Problem make_problem(std::size_t n, double noise, std::uint64_t seed) {
  return xg::test::make_linear_problem(n, noise, seed);
}

double relative_distance(const std::vector<double>& a, const std::vector<double>& b) {
  double diff = 0, norm = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff += (a[i] - b[i]) * (a[i] - b[i]), norm += b[i] * b[i];
  return std::sqrt(diff / norm);
}

std::vector<double> closed_form(const Problem& p) {
  const models::LeastSquares ls = models::least_squares(p.x, p.y);
  std::vector<double> v = values(ls.weight);
  v.push_back(ls.bias);
  return v;
}

}  // namespace

// float64 descent to the closed form. Measured (seeds 1-6, Zen, Haswell and Prescott kernels, 1
// and 2 threads): |grad| <= 8.2e-16 and a relative distance <= 3.3e-15 after 200 steps, far
// inside the bars.
TEST(LinearRegressionTrainer, GradientDescentReachesTheClosedForm) {
  for (const std::uint64_t seed : xg::testing::margin_seeds(1)) {
    const Problem p = make_problem(200, 0.5, seed - 1);
    auto model = std::make_shared<models::LinearRegression>(3);
    xtr::LinearRegressionTrainer trainer(model, p.x, p.y, {.optimizer = "sgd", .lr = 0.2});
    for (int s = 0; s < 200; ++s) trainer.step();
    const auto& h = trainer.history();
    const double distance = relative_distance(trainer.params(), closed_form(p));
    xg::testing::report_margin("grad norm after 200 steps", seed, h.back().grad_norm, 1e-8);
    xg::testing::report_margin("distance to the closed form", seed, distance, 1e-6);
    EXPECT_LT(h.back().loss, h.front().loss / 10);  // from ~7.9 (y's mean square) to ~0.25 (the noise)
    EXPECT_LT(h.back().grad_norm, 1e-8) << "seed " << seed;
    EXPECT_LT(distance, 1e-6) << "seed " << seed;
  }
}

TEST(LinearRegressionTrainer, TooLargeARateIsReportedAsDivergence) {
  const Problem p = make_problem(200, 0.5, 0);
  auto model = std::make_shared<models::LinearRegression>(3);
  const double limit = models::gradient_descent_lr_limit(p.x);
  xtr::LinearRegressionTrainer trainer(model, p.x, p.y, {.lr = 1.3 * limit});
  EXPECT_THROW(
      {
        try {
          for (int s = 0; s < 1000; ++s) trainer.step();
        } catch (const xtr::DivergenceError& e) {
          const std::string m = e.what();
          EXPECT_NE(m.find("diverged at step"), std::string::npos) << m;
          EXPECT_NE(m.find("2 / lambda_max(Hessian)"), std::string::npos) << m;
          throw;
        }
      },
      xtr::DivergenceError);
  EXPECT_LT(trainer.global_step(), 200u);  // caught long before 1000 steps, and before any NaN
  EXPECT_TRUE(std::isfinite(trainer.history().back().loss));

  // Just below the limit, the same descent converges, slowly.
  auto slow = std::make_shared<models::LinearRegression>(3);
  xtr::LinearRegressionTrainer ok(slow, p.x, p.y, {.lr = 0.9 * limit});
  for (int s = 0; s < 300; ++s) ok.step();
  EXPECT_LT(relative_distance(ok.params(), closed_form(p)), 1e-6);
}

TEST(LinearRegressionTrainer, ResumesBitForBit) {
  const Problem p = make_problem(64, 0.3, 5);
  const xtr::LinearRegressionTrainerOptions options{.optimizer = "adam", .lr = 0.05};
  const int total = 40, stop = 17;

  auto straight_model = std::make_shared<models::LinearRegression>(3);
  xtr::LinearRegressionTrainer straight(straight_model, p.x, p.y, options);
  for (int s = 0; s < total; ++s) straight.step();

  const auto file =
      std::filesystem::temp_directory_path() / ("xgrad_lr_" + std::to_string(::getpid()) + ".safetensors");
  {
    auto first_model = std::make_shared<models::LinearRegression>(3);
    xtr::LinearRegressionTrainer first(first_model, p.x, p.y, options);
    for (int s = 0; s < stop; ++s) first.step();
    xg::save(first.state_dict(), file);
  }
  auto model = std::make_shared<models::LinearRegression>(3);
  xtr::LinearRegressionTrainer resumed(model, p.x, p.y, options);
  resumed.load_state_dict(xg::load(file));
  std::filesystem::remove(file);
  EXPECT_EQ(resumed.global_step(), std::size_t(stop));
  for (int s = stop; s < total; ++s) resumed.step();

  ASSERT_EQ(resumed.history().size(), straight.history().size());
  for (std::size_t s = 0; s < straight.history().size(); ++s) {
    EXPECT_EQ(resumed.history()[s].loss, straight.history()[s].loss) << "step " << s;  // bitwise
    EXPECT_EQ(resumed.history()[s].params, straight.history()[s].params) << "step " << s;
  }
  EXPECT_EQ(resumed.params(), straight.params());
}

TEST(LinearRegressionTrainer, RejectsMismatchedInput) {
  const Problem p = make_problem(10, 0.1, 0);
  auto model = std::make_shared<models::LinearRegression>(2);
  EXPECT_ERROR(xtr::LinearRegressionTrainer(model, p.x, p.y), "3 features but the model 2");
  auto three = std::make_shared<models::LinearRegression>(3);
  EXPECT_ERROR(xtr::LinearRegressionTrainer(three, p.x, p.y.slice(0, 0, 5)), "targets of shape (10)");
  EXPECT_ERROR(xtr::LinearRegressionTrainer(three, p.x, p.y, {.optimizer = "lbfgs"}), "unknown optimizer 'lbfgs'");
  EXPECT_ERROR(xtr::LinearRegressionTrainer(three, p.x, p.y, {.lr = -1}), "learning rate must be positive");
  xtr::LinearRegressionTrainer trainer(three, p.x, p.y);
  EXPECT_ERROR(trainer.load_state_dict({}), "no entry 'progress.global_step'");
}
