#pragma once
// Shared by the nn tests: the core helpers (leaf, expect_gradcheck, values, EXPECT_ERROR) plus
// a float64 gradcheck through a module and a scratch directory.
#include <unistd.h>

#include <filesystem>

#include "../core/helpers.hpp"

// A directory of its own for one test, removed when the fixture ends.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("xgrad_nn_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path path(const std::string& name) const { return dir_ / name; }
  std::filesystem::path dir_;
};

// Checks a module's gradient with respect to its input and to every parameter. gradcheck needs
// the parameters as its own inputs, so each evaluation rebinds the module's parameter members
// (which forward() reads) to gradcheck's fresh copies; `params` lists those members.
inline void expect_module_gradcheck(xg::nn::Module& m, const xg::Tensor& input, std::vector<xg::Tensor*> params) {
  std::vector<xg::Tensor> inputs{input};
  for (xg::Tensor* p : params) inputs.push_back(p->detach().requires_grad_());
  const std::vector<xg::Tensor> saved = [&] {
    std::vector<xg::Tensor> s;
    for (xg::Tensor* p : params) s.push_back(*p);
    return s;
  }();
  expect_gradcheck(
      [&](const std::vector<xg::Tensor>& v) {
        for (std::size_t i = 0; i < params.size(); ++i) *params[i] = v[i + 1];
        return m.forward(v[0]);
      },
      inputs);
  for (std::size_t i = 0; i < params.size(); ++i) *params[i] = saved[i];
}
