// Every loss against PyTorch 1.13 (torch.nn.functional) and torchvision 0.14 (focal and box
// losses), forward and backward, in float64.
//
// The cases come from tests/fixtures/losses/losses.json, written by make_loss_fixtures.py next
// to it (rerun it with /usr/bin/python3 after adding a case). Each case names a loss string, which
// the table below maps to xgrad's public API; a case whose loss has no mapping fails. For each
// case we compute the loss on the recorded input and target (and weight, pos_weight), compare the
// output, call out.backward(upstream) and compare the gradients of the input and, where PyTorch
// gives one, of the target.
//
// Tolerance, for every value: |got - expected| <= 1e-10 * max(1, |expected|). A non-finite
// expected value (NaN for a mean over nothing, inf for BCE's target gradient at 0) must be matched
// exactly.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <functional>
#include <iomanip>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/ops/shape_ops.hpp>
#include <xgrad/core/tensor.hpp>
#include <xgrad/losses/binary_cross_entropy.hpp>
#include <xgrad/losses/box_iou.hpp>
#include <xgrad/losses/box_losses.hpp>
#include <xgrad/losses/cross_entropy.hpp>
#include <xgrad/losses/dice.hpp>
#include <xgrad/losses/focal.hpp>
#include <xgrad/losses/huber.hpp>
#include <xgrad/losses/kl_div.hpp>
#include <xgrad/losses/l1.hpp>
#include <xgrad/losses/mse.hpp>
#include <xgrad/losses/nll.hpp>
#include <xgrad/losses/smooth_l1.hpp>

namespace xg = xgrad;
namespace xl = xgrad::losses;
using json = nlohmann::json;

namespace {

constexpr double kRelTol = 1e-10;
const char* const kFixturePath = XGRAD_FIXTURES "/losses/losses.json";

// --- reading the fixture -------------------------------------------------------------------

double number(const json& v) {
  if (v.is_number()) return v.get<double>();
  const std::string s = v.get<std::string>();
  if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (s == "inf") return std::numeric_limits<double>::infinity();
  if (s == "-inf") return -std::numeric_limits<double>::infinity();
  throw std::runtime_error("fixture: unknown number " + s);
}

xt::xarray<double> to_xarray(const json& t) {
  const auto shape = t.at("shape").get<xg::Shape>();
  const json& data = t.at("data");
  xt::xarray<double> a = xt::empty<double>(shape);
  if (a.size() != data.size())
    throw std::runtime_error("fixture: shape " + xg::to_string(shape) + " holds " + std::to_string(a.size()) +
                             " values, but data has " + std::to_string(data.size()));
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = number(data[i]);
  return a;
}

// A float64 tensor, or int64 when the fixture says so (class indices); undefined for null.
xg::Tensor to_tensor(const json& t) {
  if (t.is_null()) return {};
  if (t.value("dtype", "float64") == "int64") {
    xt::xarray<std::int64_t> a = xt::empty<std::int64_t>(t.at("shape").get<xg::Shape>());
    const auto data = t.at("data").get<std::vector<std::int64_t>>();
    std::copy(data.begin(), data.end(), a.begin());
    return xg::from_xarray(std::move(a));
  }
  return xg::from_xarray(to_xarray(t));
}

xl::Reduction reduction(const json& o) {
  const std::string r = o.at("reduction").get<std::string>();
  if (r == "none") return xl::Reduction::None;
  if (r == "mean") return xl::Reduction::Mean;
  if (r == "sum") return xl::Reduction::Sum;
  if (r == "batchmean") return xl::Reduction::BatchMean;
  throw std::runtime_error("fixture: unknown reduction " + r);
}

double num(const json& o, const char* key) { return o.at(key).get<double>(); }

// --- the loss table: fixture loss string -> xgrad's public API -----------------------------

struct Args {
  xg::Tensor input, target, weight, pos_weight;
  json options;
};
using LossFn = std::function<xg::Tensor(const Args&)>;

const std::map<std::string, LossFn>& loss_table() {
  static const std::map<std::string, LossFn> table = {
      {"mse_loss", [](const Args& a) { return xl::mse_loss(a.input, a.target, {.reduction = reduction(a.options)}); }},
      {"l1_loss", [](const Args& a) { return xl::l1_loss(a.input, a.target, {.reduction = reduction(a.options)}); }},
      {"huber_loss",
       [](const Args& a) {
         return xl::huber_loss(a.input, a.target,
                               {.delta = num(a.options, "delta"), .reduction = reduction(a.options)});
       }},
      {"smooth_l1_loss",
       [](const Args& a) {
         return xl::smooth_l1_loss(a.input, a.target,
                                   {.beta = num(a.options, "beta"), .reduction = reduction(a.options)});
       }},
      {"cross_entropy",
       [](const Args& a) {
         return xl::cross_entropy(a.input, a.target,
                                  {.weight = a.weight,
                                   .ignore_index = a.options.at("ignore_index").get<std::int64_t>(),
                                   .label_smoothing = num(a.options, "label_smoothing"),
                                   .reduction = reduction(a.options)});
       }},
      {"nll_loss",
       [](const Args& a) {
         return xl::nll_loss(a.input, a.target,
                             {.weight = a.weight,
                              .ignore_index = a.options.at("ignore_index").get<std::int64_t>(),
                              .reduction = reduction(a.options)});
       }},
      {"binary_cross_entropy",
       [](const Args& a) {
         return xl::binary_cross_entropy(a.input, a.target, {.weight = a.weight, .reduction = reduction(a.options)});
       }},
      {"binary_cross_entropy_with_logits",
       [](const Args& a) {
         return xl::binary_cross_entropy_with_logits(
             a.input, a.target, {.weight = a.weight, .pos_weight = a.pos_weight, .reduction = reduction(a.options)});
       }},
      {"kl_div",
       [](const Args& a) {
         return xl::kl_div(a.input, a.target,
                           {.log_target = a.options.at("log_target").get<bool>(), .reduction = reduction(a.options)});
       }},
      {"sigmoid_focal_loss",
       [](const Args& a) {
         return xl::sigmoid_focal_loss(
             a.input, a.target,
             {.alpha = num(a.options, "alpha"), .gamma = num(a.options, "gamma"), .reduction = reduction(a.options)});
       }},
      {"box_iou_loss",
       [](const Args& a) {
         return xl::box_iou_loss(a.input, a.target, {.reduction = reduction(a.options), .eps = num(a.options, "eps")});
       }},
      {"generalized_box_iou_loss",
       [](const Args& a) {
         return xl::generalized_box_iou_loss(a.input, a.target,
                                             {.reduction = reduction(a.options), .eps = num(a.options, "eps")});
       }},
      {"distance_box_iou_loss",
       [](const Args& a) {
         return xl::distance_box_iou_loss(a.input, a.target,
                                          {.reduction = reduction(a.options), .eps = num(a.options, "eps")});
       }},
      {"complete_box_iou_loss",
       [](const Args& a) {
         return xl::complete_box_iou_loss(a.input, a.target,
                                          {.reduction = reduction(a.options), .eps = num(a.options, "eps")});
       }},
      {"box_iou", [](const Args& a) { return xl::box_iou(a.input, a.target, num(a.options, "eps")); }},
      {"generalized_box_iou",
       [](const Args& a) { return xl::generalized_box_iou(a.input, a.target, num(a.options, "eps")); }},
      {"distance_box_iou",
       [](const Args& a) { return xl::distance_box_iou(a.input, a.target, num(a.options, "eps")); }},
      {"complete_box_iou",
       [](const Args& a) { return xl::complete_box_iou(a.input, a.target, num(a.options, "eps")); }},
      {"pairwise_box_iou",
       [](const Args& a) { return xl::box_iou(xg::unsqueeze(a.input, 1), xg::unsqueeze(a.target, 0), 0.0); }},
      {"pairwise_generalized_box_iou",
       [](const Args& a) {
         return xl::generalized_box_iou(xg::unsqueeze(a.input, 1), xg::unsqueeze(a.target, 0), 0.0);
       }},
      {"cxcywh_to_xyxy", [](const Args& a) { return xl::cxcywh_to_xyxy(a.input); }},
      {"xyxy_to_cxcywh", [](const Args& a) { return xl::xyxy_to_cxcywh(a.input); }},
      {"dice_loss",
       [](const Args& a) {
         return xl::dice_loss(a.input, a.target,
                              {.smooth = num(a.options, "smooth"), .reduction = reduction(a.options)});
       }},
  };
  return table;
}

// --- the parameterized test ----------------------------------------------------------------

struct Case {
  std::string name;
  json spec;  // the whole case; empty when the fixture could not be read
  std::string load_error;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> load_cases() {
  try {
    std::ifstream in(kFixturePath);
    if (!in) throw std::runtime_error(std::string("cannot open ") + kFixturePath);
    const json all = json::parse(in);
    std::vector<Case> cases;
    for (const auto& c : all) cases.push_back({c.at("name").get<std::string>(), c, ""});
    if (cases.empty()) throw std::runtime_error(std::string(kFixturePath) + " holds no cases");
    return cases;
  } catch (const std::exception& e) {
    return {{"fixture_load_error", json(), e.what()}};
  }
}

std::string test_name(const testing::TestParamInfo<Case>& info) {
  std::string name = info.param.name;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

bool close(double got, double want) {
  if (!std::isfinite(want)) return std::isnan(want) ? std::isnan(got) : got == want;
  return std::abs(got - want) <= kRelTol * std::max(1.0, std::abs(want));
}

void expect_close(const std::string& case_name, const std::string& what, const xg::Tensor& got, const json& expected) {
  const xt::xarray<double> want = to_xarray(expected);
  ASSERT_EQ(got.dtype(), xg::kFloat64) << case_name << ": " << what << " has dtype " << got.dtype();
  const xg::Shape want_shape(want.shape().begin(), want.shape().end());
  ASSERT_EQ(got.shape(), want_shape) << case_name << ": " << what << " has shape " << xg::to_string(got.shape())
                                     << ", PyTorch gives " << xg::to_string(want_shape);
  const auto& g = got.data<double>();
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (close(g.data()[i], want.data()[i])) continue;
    if (++mismatches <= 5)
      ADD_FAILURE() << case_name << ": " << what << "[" << i << "] (flat index) is " << std::setprecision(17)
                    << g.data()[i] << ", PyTorch gives " << want.data()[i];
  }
  if (mismatches > 5) ADD_FAILURE() << case_name << ": " << what << ": " << mismatches << " values differ in all";
}

class TorchParity : public testing::TestWithParam<Case> {};

TEST_P(TorchParity, ForwardAndBackward) {
  const Case& c = GetParam();
  ASSERT_TRUE(c.load_error.empty()) << "cannot read the PyTorch fixtures: " << c.load_error
                                    << " (regenerate with /usr/bin/python3 "
                                       "tests/fixtures/losses/make_loss_fixtures.py)";
  const json& spec = c.spec;
  const std::string loss = spec.at("loss").get<std::string>();
  const auto it = loss_table().find(loss);
  ASSERT_NE(it, loss_table().end()) << c.name << ": loss '" << loss << "' has no mapping in test_torch_parity.cpp";

  const json& grads = spec.at("grads");
  Args args{to_tensor(spec.at("input")), to_tensor(spec.at("target")), to_tensor(spec.at("weight")),
            to_tensor(spec.at("pos_weight")), spec.at("options")};
  args.input.requires_grad_();
  if (!grads.at("target").is_null()) args.target.requires_grad_();

  xg::Tensor out;
  try {
    out = it->second(args);
  } catch (const std::exception& e) {
    FAIL() << c.name << ": forward threw: " << e.what();
  }
  expect_close(c.name, "output", out, spec.at("output"));
  if (HasFatalFailure()) return;

  try {
    out.backward(to_tensor(spec.at("upstream")));
  } catch (const std::exception& e) {
    FAIL() << c.name << ": backward threw: " << e.what();
  }
  for (const char* which : {"input", "target"}) {
    const xg::Tensor& t = std::string(which) == "input" ? args.input : args.target;
    const json& want = grads.at(which);
    if (want.is_null()) continue;
    ASSERT_TRUE(t.grad().defined()) << c.name << ": the " << which << "'s gradient is undefined after backward()";
    expect_close(c.name, std::string("grad of ") + which, t.grad(), want);
  }
}

INSTANTIATE_TEST_SUITE_P(Losses, TorchParity, testing::ValuesIn(load_cases()), test_name);

}  // namespace
