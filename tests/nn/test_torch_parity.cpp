// conv2d, pooling and BatchNorm against PyTorch, forward and backward, in float64.
//
// The cases come from tests/fixtures/nn/nn.json, written by make_nn_fixtures.py next to it
// (rerun it with /usr/bin/python3 after adding a case). For each case we run the op (or the
// BatchNorm module, loaded with the case's weights and running statistics), compare the output,
// call out.backward(upstream) and compare every input's gradient; for BatchNorm also the
// running statistics after the step.
//
// Tolerance, for every value: |got - expected| <= 1e-10 * max(1, |expected|).
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <functional>
#include <iomanip>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

#include "fixtures.hpp"

namespace xg = xgrad;
using json = nlohmann::json;
using xg::test::fixture_tensor;
using xg::test::FixtureCase;

namespace {

constexpr double kRelTol = 1e-10;
const char* const kFixturePath = XGRAD_FIXTURES "/nn/nn.json";

xg::Size2 size2(const json& args, const char* key) {
  const auto v = args.at(key).get<std::vector<std::int64_t>>();
  return {v.at(0), v.at(1)};
}

// What running a case gives: the output, the tensors whose grad() PyTorch's "grads" list
// matches, in order, and for BatchNorm the module (to read its running statistics).
struct Result {
  xg::Tensor out;
  std::vector<xg::Tensor> grad_of;
  std::shared_ptr<xg::nn::BatchNorm> bn = nullptr;
};

std::vector<xg::Tensor> leaves(const json& spec) {
  std::vector<xg::Tensor> v;
  for (const auto& t : spec.at("inputs")) v.push_back(fixture_tensor(t).requires_grad_());
  return v;
}

Result run_pool_or_conv(const std::string& op, const json& spec) {
  const json& a = spec.at("args");
  std::vector<xg::Tensor> in = leaves(spec);
  if (op == "conv2d")
    return {xg::conv2d(in[0], in[1], in.size() > 2 ? in[2] : xg::Tensor(), size2(a, "stride"), size2(a, "padding")),
            in};
  if (op == "max_pool2d")
    return {xg::max_pool2d(in[0], size2(a, "kernel"), size2(a, "stride"), size2(a, "padding")), in};
  if (op == "avg_pool2d")
    return {xg::avg_pool2d(in[0], size2(a, "kernel"), size2(a, "stride"), size2(a, "padding"),
                           a.at("count_include_pad").get<bool>()),
            in};
  if (op == "adaptive_avg_pool2d") return {xg::adaptive_avg_pool2d(in[0], size2(a, "output_size")), in};
  throw std::runtime_error("op '" + op + "' has no mapping in tests/nn/test_torch_parity.cpp");
}

// A BatchNorm module with the case's options, weights and running statistics, stepped through
// the warmup inputs, then run on the recorded input.
Result run_batchnorm(const std::string& op, const json& spec) {
  const json& a = spec.at("args");
  xg::nn::BatchNormOptions o{
      .eps = a.at("eps").get<double>(),
      .momentum = a.at("momentum").is_null() ? std::nullopt : std::optional<double>(a.at("momentum").get<double>()),
      .affine = a.at("affine").get<bool>(),
      .track_running_stats = a.at("track_running_stats").get<bool>()};
  const json& x0 = spec.at("inputs").at(0);
  const auto channels = std::int64_t(x0.at("shape").at(1).get<std::size_t>());
  std::shared_ptr<xg::nn::BatchNorm> bn;
  if (op == "batch_norm2d")
    bn = std::make_shared<xg::nn::BatchNorm2d>(channels, o);
  else
    bn = std::make_shared<xg::nn::BatchNorm1d>(channels, o);
  bn->to(xg::kFloat64);

  xg::StateDict state;
  if (o.affine) {
    state["weight"] = fixture_tensor(spec.at("inputs").at(1));
    state["bias"] = fixture_tensor(spec.at("inputs").at(2));
  }
  if (o.track_running_stats) {
    const json& before = spec.at("state_before");
    state["running_mean"] = fixture_tensor(before.at("running_mean"));
    state["running_var"] = fixture_tensor(before.at("running_var"));
    state["num_batches_tracked"] = xg::scalar(before.at("num_batches_tracked").get<std::int64_t>());
  }
  bn->load_state_dict(state);  // strict: the module must have exactly these entries
  bn->train(a.at("training").get<bool>());
  {
    xg::NoGradGuard no_grad;
    for (const auto& w : spec.at("warmup")) bn->forward(fixture_tensor(w));
  }
  xg::Tensor x = fixture_tensor(x0).requires_grad_();
  Result r{bn->forward(x), {x}, bn};
  if (o.affine) r.grad_of.insert(r.grad_of.end(), {bn->weight, bn->bias});
  return r;
}

// Shape and every value of `got` against the fixture's array, to kRelTol.
void expect_close(const std::string& case_name, const std::string& what, const xg::Tensor& got, const json& expected) {
  xg::test::expect_matches_fixture(case_name, what, got, expected, kRelTol);
}

class NnTorchParity : public testing::TestWithParam<FixtureCase> {};

TEST_P(NnTorchParity, ForwardAndBackward) {
  const FixtureCase& c = GetParam();
  ASSERT_TRUE(c.load_error.empty()) << "cannot read the PyTorch fixtures: " << c.load_error
                                    << " (regenerate with /usr/bin/python3 tests/fixtures/nn/make_nn_fixtures.py)";
  const json& spec = c.spec;
  const std::string op = spec.at("op").get<std::string>();
  Result r;
  try {
    r = op.rfind("batch_norm", 0) == 0 ? run_batchnorm(op, spec) : run_pool_or_conv(op, spec);
  } catch (const std::exception& e) {
    FAIL() << c.name << ": forward threw: " << e.what();
  }
  expect_close(c.name, "output", r.out, spec.at("output"));
  if (HasFatalFailure()) return;
  try {
    r.out.backward(fixture_tensor(spec.at("upstream")));
  } catch (const std::exception& e) {
    FAIL() << c.name << ": backward threw: " << e.what();
  }
  const json& grads = spec.at("grads");
  ASSERT_EQ(grads.size(), r.grad_of.size()) << c.name;
  static const char* const kNames[] = {"input", "weight", "bias"};
  for (std::size_t i = 0; i < grads.size(); ++i) {
    const std::string what = std::string("grad of ") + (i < 3 ? kNames[i] : "input " + std::to_string(i));
    ASSERT_TRUE(r.grad_of[i].grad().defined()) << c.name << ": " << what << " is undefined after backward()";
    expect_close(c.name, what, r.grad_of[i].grad(), grads[i]);
  }
  if (r.bn && !spec.at("state_after").is_null()) {
    const json& after = spec.at("state_after");
    expect_close(c.name, "running_mean", r.bn->running_mean, after.at("running_mean"));
    expect_close(c.name, "running_var", r.bn->running_var, after.at("running_var"));
    EXPECT_EQ(r.bn->num_batches_tracked.item(), after.at("num_batches_tracked").get<double>()) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Layers, NnTorchParity, testing::ValuesIn(xg::test::fixture_cases(kFixturePath)),
                         xg::test::fixture_test_name);

}  // namespace
