#include "helpers.hpp"

namespace init = xg::nn::init;

namespace {

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

double std_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / double(v.size()));
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

TEST(Init, FillsInPlaceAndReturnsTheTensor) {
  xg::Tensor w = xg::zeros({3, 4});
  const xg::Tensor same = w;
  EXPECT_TRUE(init::ones_(w).is_same(w));
  EXPECT_EQ(values(same), std::vector<double>(12, 1.0));
  init::zeros_(w);
  EXPECT_EQ(values(same), std::vector<double>(12, 0.0));
  init::constant_(w, 2.5);
  EXPECT_EQ(values(same), std::vector<double>(12, 2.5));
  EXPECT_EQ(w.dtype(), xg::kFloat32);
}

TEST(Init, UniformAndNormal) {
  xg::manual_seed(131);
  xg::Tensor w = xg::zeros({200, 100}, xg::kFloat64);
  const auto u = values(init::uniform_(w, -2.0, 3.0));
  for (double x : u) EXPECT_TRUE(x >= -2.0 && x < 3.0);
  EXPECT_NEAR(mean_of(u), 0.5, 0.05);
  const auto n = values(init::normal_(w, 1.0, 2.0));
  EXPECT_NEAR(mean_of(n), 1.0, 0.05);
  EXPECT_NEAR(std_of(n), 2.0, 0.05);
}

TEST(Init, Fans) {
  EXPECT_EQ(init::calculate_fan_in_and_fan_out(xg::zeros({10, 20})), (std::pair<std::size_t, std::size_t>{20, 10}));
  EXPECT_EQ(init::calculate_fan_in_and_fan_out(xg::zeros({16, 3, 3, 5})),
            (std::pair<std::size_t, std::size_t>{45, 240}));
  EXPECT_ERROR(init::calculate_fan_in_and_fan_out(xg::zeros({5})), "calculate_fan_in_and_fan_out", "2 dims", "(5)");
}

TEST(Init, Gains) {
  using N = init::Nonlinearity;
  EXPECT_EQ(init::calculate_gain(N::Linear), 1.0);
  EXPECT_EQ(init::calculate_gain(N::Tanh), 5.0 / 3.0);
  EXPECT_EQ(init::calculate_gain(N::ReLU), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain(N::LeakyReLU, std::sqrt(5.0)), std::sqrt(1.0 / 3.0));
}

TEST(Init, KaimingAndXavierBoundsAndSpreads) {
  xg::manual_seed(132);
  xg::Tensor w = xg::zeros({256, 128, 3, 3}, xg::kFloat64);  // fan_in 1152, fan_out 2304
  // kaiming_uniform_, a = 0, leaky_relu: U(±sqrt(2) sqrt(3 / fan_in)).
  const double ku = std::sqrt(2.0) * std::sqrt(3.0 / 1152.0);
  const auto a = values(init::kaiming_uniform_(w));
  EXPECT_LE(max_abs(a), ku);
  EXPECT_GT(max_abs(a), 0.99 * ku);
  const auto b = values(init::kaiming_uniform_(w, 0.0, init::FanMode::FanOut, init::Nonlinearity::ReLU));
  EXPECT_LE(max_abs(b), std::sqrt(2.0) * std::sqrt(3.0 / 2304.0));
  // kaiming_normal_: N(0, 2 / fan_in).
  EXPECT_NEAR(std_of(values(init::kaiming_normal_(w))), std::sqrt(2.0 / 1152.0), 1e-3);
  // xavier: U(±sqrt(6 / (fan_in + fan_out))), N(0, 2 / (fan_in + fan_out)), times the gain.
  const double xu = std::sqrt(6.0 / (1152.0 + 2304.0));
  const auto c = values(init::xavier_uniform_(w));
  EXPECT_LE(max_abs(c), xu);
  EXPECT_GT(max_abs(c), 0.99 * xu);
  EXPECT_NEAR(std_of(values(init::xavier_normal_(w, 2.0))), 2.0 * std::sqrt(2.0 / 3456.0), 1e-3);
}

TEST(Init, SeededAndDtypePreserving) {
  xg::Tensor a = xg::zeros({4, 5}), b = xg::zeros({4, 5});
  xg::manual_seed(133);
  init::kaiming_uniform_(a, std::sqrt(5.0));
  xg::manual_seed(133);
  init::kaiming_uniform_(b, std::sqrt(5.0));
  EXPECT_EQ(values(a), values(b));
  EXPECT_EQ(a.dtype(), xg::kFloat32);
}

TEST(Init, Errors) {
  xg::Tensor i = xg::zeros({3, 3}, xg::kInt64);
  EXPECT_ERROR(init::uniform_(i), "uniform_", "int64");
  EXPECT_ERROR(init::normal_(xg::zeros({2}), 0.0, -1.0), "normal_", "std must be non-negative");
  EXPECT_ERROR(init::kaiming_uniform_(xg::zeros({4})), "calculate_fan_in_and_fan_out", "(4)");
  EXPECT_ERROR(init::kaiming_normal_(xg::zeros({3, 0})), "kaiming_normal_", "fan of 0");
  EXPECT_ERROR(init::zeros_(xg::Tensor()), "constant_", "undefined");
}

}  // namespace
