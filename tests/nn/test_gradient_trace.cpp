// nn::GradientTrace: one row of gradient norms per backward, NaN where a backward did not reach.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <xgrad/xgrad.hpp>

#include "helpers.hpp"

namespace {

double norm_of(const xg::Tensor& g) {
  const auto& a = g.data<double>();
  double s = 0;
  for (double v : a) s += v * v;
  return std::sqrt(s);
}

TEST(GradientTrace, RecordsEachParameterNormPerBackward) {
  xg::manual_seed(1);
  auto fc = std::make_shared<xg::nn::Linear>(3, 2);
  fc->to(xg::kFloat64);
  xg::nn::GradientTrace trace(*fc);
  ASSERT_EQ(trace.names(), (std::vector<std::string>{"weight", "bias"}));
  std::vector<std::vector<double>> expected;
  for (int step = 0; step < 3; ++step) {
    fc->zero_grad();
    xg::Tensor x = xg::randn({4, 3}, xg::kFloat64);
    (fc->forward(x).pow(2.0)).sum().backward();
    expected.push_back({norm_of(fc->weight.grad()), norm_of(fc->bias.grad())});
  }
  ASSERT_EQ(trace.steps(), 3u);
  for (int s = 0; s < 3; ++s)
    for (int i = 0; i < 2; ++i) EXPECT_DOUBLE_EQ(trace.norms()[s][i], expected[s][i]) << s << " " << i;
  EXPECT_EQ(trace.series("bias").size(), 3u);
  EXPECT_ERROR(trace.series("nope"), "GradientTrace::series", "'nope'");
}

TEST(GradientTrace, NormOfThisBackwardNotOfTheAccumulatedGradAndNaNWhereUnreached) {
  xg::Tensor a = xg::tensor({3.0, 4.0}, xg::kFloat64).requires_grad_();
  xg::Tensor b = xg::tensor({1.0}, xg::kFloat64).requires_grad_();
  xg::nn::GradientTrace trace({{"a", a}, {"b", b}});
  a.sum().backward();  // grad a = (1, 1): norm sqrt 2
  a.sum().backward();  // accumulated (2, 2), but this backward's gradient is again (1, 1)
  ASSERT_EQ(trace.steps(), 2u);
  EXPECT_DOUBLE_EQ(trace.norms()[1][0], std::sqrt(2.0));
  EXPECT_TRUE(std::isnan(trace.norms()[1][1]));
  const auto path = std::filesystem::temp_directory_path() / "xgrad_gradient_trace.csv";
  trace.write_csv(path.string());
  std::ifstream f(path);
  std::stringstream text;
  text << f.rdbuf();
  EXPECT_EQ(text.str(), "step,a,b\n0,1.41421356,nan\n1,1.41421356,nan\n");
  std::filesystem::remove(path);
}

TEST(GradientTrace, DestroyingTheTraceRemovesItsHooks) {
  xg::Tensor a = xg::tensor({1.0}, xg::kFloat64).requires_grad_();
  { xg::nn::GradientTrace trace({{"a", a}}); }
  a.sum().backward();  // no hook left to touch the destroyed trace
  EXPECT_EQ(a.grad().item(), 1.0);
}

}  // namespace
