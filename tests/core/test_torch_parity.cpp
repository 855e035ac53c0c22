// Every core op against PyTorch, forward and backward, in float64.
//
// The cases come from tests/fixtures/core/ops.json, written by make_core_fixtures.py next to it
// (rerun it with /usr/bin/python3 after adding a case). Each case names an op string, which the
// table below maps to xgrad's public API; a case whose op has no mapping fails. For each case we
// run the op on the recorded inputs, compare the output, call out.backward(upstream) and compare
// every input's gradient.
//
// Tolerance, for every value: |got - expected| <= 1e-10 * max(1, |expected|).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
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
const char* const kFixturePath = XGRAD_FIXTURES "/core/ops.json";

// --- reading the fixture -------------------------------------------------------------------

// Nested lists of integers (gather, index_select) to an int64 tensor of the same shape.
xt::xarray<std::int64_t> nested_to_int64(const json& j) {
  xg::Shape shape;
  for (const json* level = &j; level->is_array(); level = &level->at(0)) {
    shape.push_back(level->size());
    if (level->empty()) break;
  }
  std::vector<std::int64_t> flat;
  std::function<void(const json&)> walk = [&](const json& v) {
    if (v.is_array())
      for (const auto& e : v) walk(e);
    else
      flat.push_back(v.get<std::int64_t>());
  };
  walk(j);
  xt::xarray<std::int64_t> a = xt::empty<std::int64_t>(shape);
  if (a.size() != flat.size()) throw std::runtime_error("fixture: ragged index list " + j.dump());
  std::copy(flat.begin(), flat.end(), a.begin());
  return a;
}

std::optional<double> optional_double(const json& args, const char* key) {
  const auto& v = args.at(key);
  return v.is_null() ? std::nullopt : std::optional<double>(v.get<double>());
}

std::vector<std::int64_t> ints(const json& args, const char* key) {
  return args.at(key).get<std::vector<std::int64_t>>();
}

std::int64_t int_arg(const json& args, const char* key) { return args.at(key).get<std::int64_t>(); }
double double_arg(const json& args, const char* key) { return args.at(key).get<double>(); }

// --- the op table: fixture op string -> xgrad's public API ---------------------------------

using Inputs = std::vector<xg::Tensor>;
using OpFn = std::function<xg::Tensor(const Inputs&, const json&)>;

const std::map<std::string, OpFn>& op_table() {
  static const std::map<std::string, OpFn> table = {
      {"add", [](const Inputs& x, const json&) { return x[0] + x[1]; }},
      {"sub", [](const Inputs& x, const json&) { return x[0] - x[1]; }},
      {"mul", [](const Inputs& x, const json&) { return x[0] * x[1]; }},
      {"div", [](const Inputs& x, const json&) { return x[0] / x[1]; }},
      {"pow", [](const Inputs& x, const json&) { return xg::pow(x[0], x[1]); }},
      {"pow_scalar", [](const Inputs& x, const json& a) { return xg::pow(x[0], double_arg(a, "exponent")); }},
      {"rpow", [](const Inputs& x, const json& a) { return xg::pow(double_arg(a, "base"), x[0]); }},
      {"neg", [](const Inputs& x, const json&) { return -x[0]; }},
      {"add_scalar", [](const Inputs& x, const json& a) { return x[0] + double_arg(a, "scalar"); }},
      {"sub_scalar", [](const Inputs& x, const json& a) { return x[0] - double_arg(a, "scalar"); }},
      {"mul_scalar", [](const Inputs& x, const json& a) { return x[0] * double_arg(a, "scalar"); }},
      {"div_scalar", [](const Inputs& x, const json& a) { return x[0] / double_arg(a, "scalar"); }},
      {"rsub", [](const Inputs& x, const json& a) { return xg::rsub(x[0], double_arg(a, "scalar")); }},
      {"rdiv", [](const Inputs& x, const json& a) { return xg::rdiv(x[0], double_arg(a, "scalar")); }},
      {"exp", [](const Inputs& x, const json&) { return xg::exp(x[0]); }},
      {"log", [](const Inputs& x, const json&) { return xg::log(x[0]); }},
      {"log1p", [](const Inputs& x, const json&) { return xg::log1p(x[0]); }},
      {"sqrt", [](const Inputs& x, const json&) { return xg::sqrt(x[0]); }},
      {"abs", [](const Inputs& x, const json&) { return xg::abs(x[0]); }},
      {"clamp", [](const Inputs& x,
                   const json& a) { return xg::clamp(x[0], optional_double(a, "min"), optional_double(a, "max")); }},
      {"minimum", [](const Inputs& x, const json&) { return xg::minimum(x[0], x[1]); }},
      {"maximum", [](const Inputs& x, const json&) { return xg::maximum(x[0], x[1]); }},
      {"sigmoid", [](const Inputs& x, const json&) { return xg::sigmoid(x[0]); }},
      {"tanh", [](const Inputs& x, const json&) { return xg::tanh(x[0]); }},
      {"relu", [](const Inputs& x, const json&) { return xg::relu(x[0]); }},
      {"leaky_relu",
       [](const Inputs& x, const json& a) { return xg::leaky_relu(x[0], double_arg(a, "negative_slope")); }},
      {"silu", [](const Inputs& x, const json&) { return xg::silu(x[0]); }},
      {"softplus", [](const Inputs& x,
                      const json& a) { return xg::softplus(x[0], double_arg(a, "beta"), double_arg(a, "threshold")); }},
      {"softmax", [](const Inputs& x, const json& a) { return xg::softmax(x[0], int_arg(a, "dim")); }},
      {"log_softmax", [](const Inputs& x, const json& a) { return xg::log_softmax(x[0], int_arg(a, "dim")); }},
      {"sum",
       [](const Inputs& x, const json& a) { return xg::sum(x[0], ints(a, "dims"), a.at("keepdim").get<bool>()); }},
      {"mean",
       [](const Inputs& x, const json& a) { return xg::mean(x[0], ints(a, "dims"), a.at("keepdim").get<bool>()); }},
      {"max",
       [](const Inputs& x, const json& a) {
         return a.at("dim").is_null() ? xg::max(x[0]) : xg::max(x[0], int_arg(a, "dim"), a.at("keepdim").get<bool>());
       }},
      {"min",
       [](const Inputs& x, const json& a) {
         return a.at("dim").is_null() ? xg::min(x[0]) : xg::min(x[0], int_arg(a, "dim"), a.at("keepdim").get<bool>());
       }},
      {"matmul", [](const Inputs& x, const json&) { return xg::matmul(x[0], x[1]); }},
      {"reshape", [](const Inputs& x, const json& a) { return xg::reshape(x[0], ints(a, "shape")); }},
      {"transpose",
       [](const Inputs& x, const json& a) { return xg::transpose(x[0], int_arg(a, "dim0"), int_arg(a, "dim1")); }},
      {"permute", [](const Inputs& x, const json& a) { return xg::permute(x[0], ints(a, "dims")); }},
      {"unsqueeze", [](const Inputs& x, const json& a) { return xg::unsqueeze(x[0], int_arg(a, "dim")); }},
      {"squeeze",
       [](const Inputs& x, const json& a) {
         return a.at("dim").is_null() ? xg::squeeze(x[0]) : xg::squeeze(x[0], int_arg(a, "dim"));
       }},
      {"flatten", [](const Inputs& x,
                     const json& a) { return xg::flatten(x[0], int_arg(a, "start_dim"), int_arg(a, "end_dim")); }},
      {"slice",
       [](const Inputs& x, const json& a) {
         return xg::slice(x[0], int_arg(a, "dim"), int_arg(a, "start"), int_arg(a, "end"), int_arg(a, "step"));
       }},
      {"select",
       [](const Inputs& x, const json& a) { return xg::select(x[0], int_arg(a, "dim"), int_arg(a, "index")); }},
      {"cat", [](const Inputs& x, const json& a) { return xg::cat(x, int_arg(a, "dim")); }},
      {"stack", [](const Inputs& x, const json& a) { return xg::stack(x, int_arg(a, "dim")); }},
      {"gather",
       [](const Inputs& x, const json& a) {
         return xg::gather(x[0], int_arg(a, "dim"), xg::from_xarray(nested_to_int64(a.at("index"))));
       }},
      {"index_select",
       [](const Inputs& x, const json& a) {
         return xg::index_select(x[0], int_arg(a, "dim"), xg::from_xarray(nested_to_int64(a.at("index"))));
       }},
      {"where",
       [](const Inputs& x, const json& a) { return xg::where(fixture_tensor(a.at("condition")), x[0], x[1]); }},
  };
  return table;
}

// --- the parameterized test ----------------------------------------------------------------

// Shape and every value of `got` against the fixture's array, to kRelTol.
void expect_close(const std::string& case_name, const std::string& what, const xg::Tensor& got, const json& expected) {
  xg::test::expect_matches_fixture(case_name, what, got, expected, kRelTol);
}

class TorchParity : public testing::TestWithParam<FixtureCase> {};

TEST_P(TorchParity, ForwardAndBackward) {
  const FixtureCase& c = GetParam();
  ASSERT_TRUE(c.load_error.empty()) << "cannot read the PyTorch fixtures: " << c.load_error
                                    << " (regenerate with /usr/bin/python3 tests/fixtures/core/make_core_fixtures.py)";
  const json& spec = c.spec;
  const std::string op = spec.at("op").get<std::string>();
  const auto it = op_table().find(op);
  ASSERT_NE(it, op_table().end()) << c.name << ": op '" << op << "' has no mapping to xgrad in test_torch_parity.cpp";

  const json& grads = spec.at("grads");
  Inputs inputs;
  for (std::size_t i = 0; i < spec.at("inputs").size(); ++i) {
    xg::Tensor t = fixture_tensor(spec.at("inputs")[i]);
    if (!grads.at(i).is_null()) t.requires_grad_();
    inputs.push_back(t);
  }

  xg::Tensor out;
  try {
    out = it->second(inputs, spec.at("args"));
  } catch (const std::exception& e) {
    FAIL() << c.name << ": forward threw: " << e.what();
  }
  expect_close(c.name, "output", out, spec.at("output"));
  if (HasFatalFailure()) return;

  try {
    out.backward(fixture_tensor(spec.at("upstream")));
  } catch (const std::exception& e) {
    FAIL() << c.name << ": backward threw: " << e.what();
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string what = "grad of input " + std::to_string(i);
    if (grads.at(i).is_null()) {
      EXPECT_FALSE(inputs[i].grad().defined()) << c.name << ": " << what << " should not exist";
      continue;
    }
    ASSERT_TRUE(inputs[i].grad().defined()) << c.name << ": " << what << " is undefined after backward()";
    expect_close(c.name, what, inputs[i].grad(), grads.at(i));
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, TorchParity, testing::ValuesIn(xg::test::fixture_cases(kFixturePath)),
                         xg::test::fixture_test_name);

}  // namespace
