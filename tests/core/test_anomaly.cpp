#include <limits>

#include "helpers.hpp"

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(Anomaly, OffByDefaultLetsNaNThrough) {
  EXPECT_FALSE(xg::is_anomaly_enabled());
  xg::Tensor x = xg::tensor({-1.0, 4.0}).requires_grad_();
  xg::Tensor y = xg::log(x).sum();  // log(-1) = nan, silently, as in PyTorch
  EXPECT_TRUE(std::isnan(y.item()));
  y.backward();
}

TEST(Anomaly, ForwardNamesTheOpThatMadeTheNaN) {
  xg::AnomalyGuard anomaly;
  xg::Tensor x = xg::tensor({{1.0, 2.0}, {-3.0, 4.0}}, xg::kFloat64).requires_grad_();
  EXPECT_ERROR((void)(xg::log(x * 2.0) + 1.0), "log: anomaly in the forward pass", "(1, 0) = nan",
               "from finite inputs [(2, 2) float64]");
}

TEST(Anomaly, ForwardCatchesInfAndWorksWithoutGrad) {
  xg::AnomalyGuard anomaly;
  xg::NoGradGuard no_grad;
  EXPECT_ERROR((void)(xg::ones({3}) / xg::tensor({1.0, 0.0, 2.0})), "div: anomaly in the forward pass", "(1) = inf",
               "[(3) float32, (3) float32]");
}

TEST(Anomaly, NaNInTheDataIsTracedToTheFirstOpThatReadsIt) {
  xg::AnomalyGuard anomaly;
  xg::Tensor pred = xg::tensor({0.5, 1.5, 2.0}).requires_grad_();
  xg::Tensor target = xg::tensor({0.0, kNaN, 2.0});  // a corrupt label
  EXPECT_ERROR((void)(pred - target).pow(2.0).mean(), "sub: anomaly in the forward pass",
               "input 1 ((3) float32) already holds a non-finite value at (1) = nan", "made outside anomaly mode");
}

TEST(Anomaly, BackwardNamesTheOpWhoseGradientWentBad) {
  // sqrt(0) = 0 is fine going forward; its derivative 1/(2 sqrt(0)) = inf is not.
  xg::Tensor x = xg::tensor({0.0, 1.0, 4.0}, xg::kFloat64).requires_grad_();
  xg::Tensor loss = (xg::sqrt(x) * 3.0).sum();
  xg::AnomalyGuard anomaly;
  EXPECT_ERROR(loss.backward(), "sqrt: anomaly in the backward pass: the gradient for input 0 has (0) = inf");
  EXPECT_FALSE(x.grad().defined());  // nothing reached the leaf
}

TEST(Anomaly, BackwardChecksTheSeed) {
  xg::AnomalyGuard anomaly;
  xg::Tensor x = xg::ones({2}).requires_grad_();
  xg::Tensor y = x * 2.0;
  EXPECT_ERROR(y.backward(xg::tensor({1.0, kNaN})),
               "backward: anomaly: the gradient passed to backward() has (1) = nan");
}

TEST(Anomaly, GuardRestoresThePreviousSetting) {
  {
    xg::AnomalyGuard on;
    EXPECT_TRUE(xg::is_anomaly_enabled());
    {
      xg::AnomalyGuard off(false);
      EXPECT_FALSE(xg::is_anomaly_enabled());
    }
    EXPECT_TRUE(xg::is_anomaly_enabled());
  }
  EXPECT_FALSE(xg::is_anomaly_enabled());
}

TEST(Anomaly, CleanTrainingStepPassesUnchanged) {
  xg::manual_seed(3);
  xg::Tensor w = xg::randn({4, 3}, xg::kFloat64).requires_grad_();
  xg::Tensor x = xg::randn({5, 4}, xg::kFloat64);
  auto step = [&] {
    w.set_grad({});
    xg::Tensor loss = xg::log_softmax(xg::matmul(x, w), 1).mean() * -1.0;
    loss.backward();
    return std::pair{loss.item(), values(w.grad())};
  };
  const auto plain = step();
  xg::AnomalyGuard anomaly;
  EXPECT_EQ(step(), plain);
}

}  // namespace
