#pragma once
// For the tests whose claim is a training result (a loss ratio, an accuracy, an mAP): such a
// result depends on a gemm's rounding, which differs between OpenBLAS's kernels (Prescott,
// Haswell, SkylakeX), so each threshold must hold on every kernel with a margin measured over
// several seeds. A test runs its own seed; with XGRAD_MARGIN_SEEDS=N in the environment it runs
// seeds 1..N instead and prints one "margin:" line per value, which scripts/kernel_margins.sh
// collects over the kernels and thread counts (the figures sit in a comment beside each threshold).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include <xgrad/core/blas_info.hpp>

namespace xgrad::testing {

inline std::vector<std::uint64_t> margin_seeds(std::uint64_t own) {
  const char* n = std::getenv("XGRAD_MARGIN_SEEDS");
  if (!n || std::atoi(n) <= 0) return {own};
  std::vector<std::uint64_t> seeds;
  for (int s = 1; s <= std::atoi(n); ++s) seeds.push_back(std::uint64_t(s));
  return seeds;
}

// Prints value against its threshold when margins are being measured.
inline void report_margin(const std::string& what, std::uint64_t seed, double value, double threshold) {
  if (!std::getenv("XGRAD_MARGIN_SEEDS")) return;
  const BlasInfo blas = blas_info();
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::printf("margin: %s.%s | %s | seed %llu | kernels %s | threads %d | value %.6g | threshold %.6g\n",
              test->test_suite_name(), test->name(), what.c_str(), (unsigned long long)seed, blas.kernels.c_str(),
              blas.threads, value, threshold);
}

}  // namespace xgrad::testing
