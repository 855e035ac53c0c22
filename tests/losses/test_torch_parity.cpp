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

#include "fixtures.hpp"

namespace xg = xgrad;
namespace xl = xgrad::losses;
using json = nlohmann::json;
using xg::test::fixture_tensor;
using xg::test::FixtureCase;

namespace {

constexpr double kRelTol = 1e-10;
const char* const kFixturePath = XGRAD_FIXTURES "/losses/losses.json";

// --- reading the fixture -------------------------------------------------------------------

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
                               {.reduction = reduction(a.options), .delta = num(a.options, "delta")});
       }},
      {"smooth_l1_loss",
       [](const Args& a) {
         return xl::smooth_l1_loss(a.input, a.target,
                                   {.reduction = reduction(a.options), .beta = num(a.options, "beta")});
       }},
      {"cross_entropy",
       [](const Args& a) {
         return xl::cross_entropy(a.input, a.target,
                                  {.weight = a.weight,
                                   .ignore_index = a.options.at("ignore_index").get<std::int64_t>(),
                                   .reduction = reduction(a.options),
                                   .label_smoothing = num(a.options, "label_smoothing")});
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
             a.input, a.target, {.weight = a.weight, .reduction = reduction(a.options), .pos_weight = a.pos_weight});
       }},
      {"kl_div",
       [](const Args& a) {
         return xl::kl_div(a.input, a.target,
                           {.reduction = reduction(a.options), .log_target = a.options.at("log_target").get<bool>()});
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

// Shape and every value of `got` against the fixture's array, to kRelTol; non-finite values exactly.
void expect_close(const std::string& case_name, const std::string& what, const xg::Tensor& got, const json& expected) {
  xg::test::expect_matches_fixture(case_name, what, got, expected, kRelTol);
}

class TorchParity : public testing::TestWithParam<FixtureCase> {};

TEST_P(TorchParity, ForwardAndBackward) {
  const FixtureCase& c = GetParam();
  ASSERT_TRUE(c.load_error.empty()) << "cannot read the PyTorch fixtures: " << c.load_error
                                    << " (regenerate with /usr/bin/python3 "
                                       "tests/fixtures/losses/make_loss_fixtures.py)";
  const json& spec = c.spec;
  const std::string loss = spec.at("loss").get<std::string>();
  const auto it = loss_table().find(loss);
  ASSERT_NE(it, loss_table().end()) << c.name << ": loss '" << loss << "' has no mapping in test_torch_parity.cpp";

  const json& grads = spec.at("grads");
  Args args{fixture_tensor(spec.at("input")), fixture_tensor(spec.at("target")), fixture_tensor(spec.at("weight")),
            fixture_tensor(spec.at("pos_weight")), spec.at("options")};
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
    out.backward(fixture_tensor(spec.at("upstream")));
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

INSTANTIATE_TEST_SUITE_P(Losses, TorchParity, testing::ValuesIn(xg::test::fixture_cases(kFixturePath)),
                         xg::test::fixture_test_name);

}  // namespace
