#pragma once
// Reading the PyTorch fixtures (tests/fixtures/<folder>/*.json, written by the make_*_fixtures.py
// scripts beside them) and comparing against them, for every test_torch_parity.cpp.
//
// A fixture is a JSON list of cases, each an object with a "name"; tensors are
// {"shape": [...], "data": [...]} with numbers, or the strings "nan", "inf", "-inf" where JSON has
// no number, and optionally "dtype": "int64". Cases are read once, at test registration: a
// missing or unreadable fixture becomes a single failing case ("fixture_load_error") instead of
// no test at all.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iomanip>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/tensor.hpp>

namespace xgrad::test {

using json = nlohmann::json;

// The whole file, parsed; throws naming the path when it cannot be opened.
inline json read_fixture(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return json::parse(in);
}

// A number of the fixture: JSON's own, or "nan", "inf", "-inf".
inline double fixture_number(const json& v) {
  if (v.is_number()) return v.get<double>();
  const std::string s = v.get<std::string>();
  if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (s == "inf") return std::numeric_limits<double>::infinity();
  if (s == "-inf") return -std::numeric_limits<double>::infinity();
  throw std::runtime_error("fixture: unknown number " + s);
}

// {"shape", "data"} -> float64 values of that shape.
inline xt::xarray<double> fixture_xarray(const json& t) {
  const auto shape = t.at("shape").get<Shape>();
  const json& data = t.at("data");
  xt::xarray<double> a = xt::empty<double>(shape);
  if (a.size() != data.size())
    throw std::runtime_error("fixture: shape " + to_string(shape) + " holds " + std::to_string(a.size()) +
                             " values, but data has " + std::to_string(data.size()));
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = fixture_number(data[i]);
  return a;
}

// A float64 tensor, or int64 when the fixture says so (class indices); undefined for null.
inline Tensor fixture_tensor(const json& t) {
  if (t.is_null()) return {};
  if (t.value("dtype", "float64") == "int64") {
    xt::xarray<std::int64_t> a = xt::empty<std::int64_t>(t.at("shape").get<Shape>());
    const auto data = t.at("data").get<std::vector<std::int64_t>>();
    if (a.size() != data.size()) throw std::runtime_error("fixture: int64 data does not fit its shape");
    std::copy(data.begin(), data.end(), a.begin());
    return from_xarray(std::move(a));
  }
  return from_xarray(fixture_xarray(t));
}

// One case of a fixture: its name and its whole JSON object (empty, with load_error set, for the
// one failing case of an unreadable fixture).
struct FixtureCase {
  std::string name;
  json spec;
  std::string load_error;
};

// What GoogleTest prints for GetParam(): the case name, not the object's bytes.
inline void PrintTo(const FixtureCase& c, std::ostream* os) { *os << c.name; }

// The cases of a JSON list; a list that cannot be read, or holds none, is one failing case.
// `read` returns the list (a whole file, or a section of one).
template <class Read>
std::vector<FixtureCase> fixture_cases(Read&& read, const std::string& what) {
  try {
    std::vector<FixtureCase> cases;
    for (const auto& c : read()) cases.push_back({c.at("name").template get<std::string>(), c, ""});
    if (cases.empty()) throw std::runtime_error(what + " holds no cases");
    return cases;
  } catch (const std::exception& e) {
    return {{"fixture_load_error", json(), e.what()}};
  }
}
inline std::vector<FixtureCase> fixture_cases(const std::string& path) {
  return fixture_cases([&] { return read_fixture(path); }, path);
}

// The case name as a GoogleTest name: every character but letters and digits becomes '_'.
inline std::string fixture_test_name(const testing::TestParamInfo<FixtureCase>& info) {
  std::string name = info.param.name;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

// |got - want| <= rel_tol * max(1, |want|); a non-finite expected value must be matched exactly
// (NaN by NaN).
inline bool fixture_close(double got, double want, double rel_tol) {
  if (!std::isfinite(want)) return std::isnan(want) ? std::isnan(got) : got == want;
  return std::abs(got - want) <= rel_tol * std::max(1.0, std::abs(want));
}

// Compares dtype (float64), shape and every value of `got` with the fixture's {"shape", "data"};
// `what` names the array ("output", "grad of input 1") in the failure messages, which list the
// first five differing values.
inline void expect_matches_fixture(const std::string& case_name, const std::string& what, const Tensor& got,
                                   const json& expected, double rel_tol) {
  const xt::xarray<double> want = fixture_xarray(expected);
  ASSERT_EQ(got.dtype(), kFloat64) << case_name << ": " << what << " has dtype " << got.dtype();
  const Shape want_shape(want.shape().begin(), want.shape().end());
  ASSERT_EQ(got.shape(), want_shape) << case_name << ": " << what << " has shape " << to_string(got.shape())
                                     << ", PyTorch gives " << to_string(want_shape);
  const auto& g = got.data<double>();
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (fixture_close(g.data()[i], want.data()[i], rel_tol)) continue;
    if (++mismatches <= 5)
      ADD_FAILURE() << case_name << ": " << what << "[" << i << "] (flat index) is " << std::setprecision(17)
                    << g.data()[i] << ", PyTorch gives " << want.data()[i];
  }
  if (mismatches > 5) ADD_FAILURE() << case_name << ": " << what << ": " << mismatches << " values differ in all";
}

}  // namespace xgrad::test
