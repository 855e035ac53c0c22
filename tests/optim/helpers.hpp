#pragma once
// Shared by the optim tests: the PyTorch fixture (tests/fixtures/optim/optim.json, written by
// make_optim_fixtures.py next to it), the fixed problem its optimizer cases train on, and
// EXPECT_ERROR.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include <xgrad/core/autograd.hpp>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/ops/elementwise.hpp>
#include <xgrad/core/ops/matmul.hpp>
#include <xgrad/core/ops/reduction.hpp>
#include <xgrad/core/tensor.hpp>

#include "expect_error.hpp"
#include "fixtures.hpp"

namespace xg = xgrad;
using json = nlohmann::json;

// The whole fixture, parsed once. Throws std::runtime_error if it cannot be read.
inline const json& optim_fixture() {
  static const json fixture = [] {
    try {
      return xg::test::read_fixture(XGRAD_FIXTURES "/optim/optim.json");
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string(e.what()) +
                               " (regenerate with /usr/bin/python3 tests/fixtures/optim/make_optim_fixtures.py)");
    }
  }();
  return fixture;
}

using xg::test::fixture_tensor;  // {"shape": [...], "data": [...]} -> a float64 tensor

// The fixture's problem: loss(w, b) = mean((x @ w + b - y)^2) + 0.5 * sum(b^2), and a parameter
// "unused" that the loss never touches. Each Problem has fresh parameters at their start values.
struct Problem {
  xg::Tensor x, y;
  std::map<std::string, xg::Tensor> params;  // "w" (3, 4), "b" (4,), "unused" (2,)

  explicit Problem(xg::Dtype dtype = xg::kFloat64) {
    const json& p = optim_fixture().at("problem");
    x = fixture_tensor(p.at("x")).to(dtype);
    y = fixture_tensor(p.at("y")).to(dtype);
    params["w"] = fixture_tensor(p.at("w0")).to(dtype).detach().requires_grad_();
    params["b"] = fixture_tensor(p.at("b0")).to(dtype).detach().requires_grad_();
    params["unused"] = fixture_tensor(p.at("unused0")).to(dtype).detach().requires_grad_();
  }

  xg::Tensor loss() const {
    const xg::Tensor& w = params.at("w");
    const xg::Tensor& b = params.at("b");
    const xg::Tensor r = x.matmul(w) + b - y;
    return (r * r).mean() + 0.5 * (b * b).sum();
  }

  // zero_grad, backward, step: one training step of `opt` on this problem.
  template <class Opt>
  void train_step(Opt& opt) const {
    opt.zero_grad();
    loss().backward();
    opt.step();
  }

  std::vector<xg::Tensor> trained() const { return {params.at("w"), params.at("b")}; }
};

// A 1-d tensor of `values`.
inline xg::Tensor from_values(const std::vector<double>& values, xg::Dtype dtype = xg::kFloat64) {
  xt::xarray<double> a = xt::empty<double>(xg::Shape{values.size()});
  std::copy(values.begin(), values.end(), a.begin());
  return xg::from_xarray(std::move(a)).to(dtype);
}

inline std::vector<double> flat_values(const xg::Tensor& t) {
  const xg::Tensor t64 = t.to(xg::kFloat64);
  return {t64.data<double>().begin(), t64.data<double>().end()};
}

// Bit-for-bit equality of two float tensors' values (and shapes and dtypes).
inline bool same_bits(const xg::Tensor& a, const xg::Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  const auto va = flat_values(a), vb = flat_values(b);
  return std::memcmp(va.data(), vb.data(), va.size() * sizeof(double)) == 0;
}
