// xg::blas_info() and the kernel check every program runs before main (core/detail/blas_kernels.hpp).
// The in-process tests play a CPU that OpenBLAS does not know by loading its Prescott kernels and
// running the check again; the Warning tests start this test program anew with a chosen
// OPENBLAS_CORETYPE and count the warnings on its stderr.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "xgrad/core/blas_info.hpp"
#include "xgrad/core/detail/blas_kernels.hpp"

namespace xg = xgrad;
namespace detail = xgrad::detail;

namespace {

// Puts back the kernels this process started with when a test has switched them.
class KernelsRestored : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!detail::can_switch_kernels())
      GTEST_SKIP() << "this OpenBLAS is not a DYNAMIC_ARCH build: it cannot switch kernels";
    if (detail::best_kernels().empty()) GTEST_SKIP() << "this CPU has no AVX2: xgrad leaves OpenBLAS's choice alone";
    saved_ = detail::current_kernels();
  }
  void TearDown() override {
    if (!saved_.empty()) {
      EXPECT_EQ(detail::switch_kernels(saved_), saved_);
    }
  }
  std::string saved_;
};

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// This test program's stderr when started with OPENBLAS_CORETYPE=coretype ("" unsets it), running
// one test that asks for blas_info() several times.
std::string stderr_of_this_program(const std::string& coretype) {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string env = coretype.empty() ? "env -u OPENBLAS_CORETYPE" : "env OPENBLAS_CORETYPE=" + coretype;
  const std::string command = env + " '" + self + "' --gtest_filter=BlasInfo.DescribesWhatRuns 2>&1 >/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return "popen failed";
  std::string out;
  std::array<char, 4096> buffer;
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  if (status != 0) out += "[exit status " + std::to_string(status) + "]";
  return out;
}

}  // namespace

TEST(BlasInfo, DescribesWhatRuns) {
  for (int i = 0; i < 3; ++i) {  // the Warning tests check that asking again warns no more
    const xg::BlasInfo info = xg::blas_info();
    EXPECT_EQ(info.library, "OpenBLAS");
    EXPECT_EQ(info.version.rfind("0.", 0), 0u) << info.version;
    EXPECT_EQ(info.kernels, detail::current_kernels());
    EXPECT_FALSE(info.kernels.empty());
    EXPECT_GE(info.threads, 1);
    EXPECT_FALSE(info.cpu.empty());
    const std::string line = xg::to_string(info);
    EXPECT_NE(line.find("OpenBLAS " + info.version + ", " + info.kernels + " kernels"), std::string::npos) << line;
  }
}

TEST(BlasInfo, KernelLevels) {
  EXPECT_EQ(detail::kernel_level("SkylakeX"), 3);
  EXPECT_EQ(detail::kernel_level("Cooperlake"), 3);
  EXPECT_EQ(detail::kernel_level("Haswell"), 2);
  EXPECT_EQ(detail::kernel_level("Zen"), 2);
  EXPECT_EQ(detail::kernel_level("Sandybridge"), 1);
  EXPECT_EQ(detail::kernel_level("Prescott"), 0);
  EXPECT_EQ(detail::kernel_level("Nehalem"), 0);
}

// Unless the user chose, a process whose OpenBLAS fell back runs at the CPU's best.
TEST(BlasInfo, ProcessRunsTheBestKernelsUnlessTheUserChose) {
  const std::string best = detail::best_kernels();
  if (best.empty()) GTEST_SKIP() << "this CPU has no AVX2";
  if (std::getenv("OPENBLAS_CORETYPE")) GTEST_SKIP() << "OPENBLAS_CORETYPE is set: the user's choice stands";
  EXPECT_GE(detail::kernel_level(xg::blas_info().kernels), detail::kernel_level(best)) << xg::blas_info();
}

using KernelChoice = KernelsRestored;

// The Intel Xeon of issue 15: OpenBLAS loaded Prescott; the check brings the CPU's best.
TEST_F(KernelChoice, SwitchesAFallbackToTheBestKernels) {
  ASSERT_EQ(detail::switch_kernels("Prescott"), "Prescott");
  const detail::KernelChoice c = detail::choose_blas_kernels(nullptr);
  EXPECT_EQ(c.loaded, "Prescott");
  EXPECT_EQ(c.kernels, detail::best_kernels());
  EXPECT_EQ(detail::current_kernels(), detail::best_kernels());
  EXPECT_EQ(c.chosen_by, "xgrad");
  EXPECT_EQ(c.warning, "");
}

TEST_F(KernelChoice, LeavesTheUsersChoiceAndSaysWhatItCosts) {
  ASSERT_EQ(detail::switch_kernels("Prescott"), "Prescott");
  const detail::KernelChoice c = detail::choose_blas_kernels("Prescott");
  EXPECT_EQ(c.kernels, "Prescott");
  EXPECT_EQ(detail::current_kernels(), "Prescott");
  EXPECT_EQ(c.chosen_by, "OPENBLAS_CORETYPE");
  const std::string best = detail::best_kernels();
  const std::string opening =
      "xgrad: OpenBLAS runs its Prescott kernels (SSE) on this CPU (" + detail::cpu_name() + "), which can run " + best;
  const std::string fix = "unset OPENBLAS_CORETYPE, or set OPENBLAS_CORETYPE=" + best + ", for full speed.";
  EXPECT_EQ(c.warning.rfind(opening, 0), 0u) << c.warning;
  EXPECT_NE(c.warning.find(fix), std::string::npos) << c.warning;
}

TEST_F(KernelChoice, NothingToDoWhenTheKernelsMatch) {
  const std::string best = detail::best_kernels();
  ASSERT_EQ(detail::switch_kernels(best), best);
  for (const char* user : {static_cast<const char*>(nullptr), best.c_str()}) {
    const detail::KernelChoice c = detail::choose_blas_kernels(user);
    EXPECT_EQ(c.kernels, best);
    EXPECT_EQ(c.warning, "");
    EXPECT_EQ(c.chosen_by, user ? "OPENBLAS_CORETYPE" : "OpenBLAS");
  }
}

// Kernels the CPU cannot execute would stop the program at its first product (SIGILL): xgrad
// replaces them even when the user asked for them, and says so.
TEST_F(KernelChoice, ReplacesKernelsTheCpuCannotRun) {
  if (detail::cpu_level() >= 3) GTEST_SKIP() << "this CPU runs every kernel OpenBLAS 0.3.21 has";
  ASSERT_EQ(detail::switch_kernels("SkylakeX"), "SkylakeX");  // loading is safe; a product would not be
  const detail::KernelChoice c = detail::choose_blas_kernels("SkylakeX");
  EXPECT_EQ(c.kernels, detail::best_kernels());
  EXPECT_EQ(detail::current_kernels(), detail::best_kernels());
  EXPECT_EQ(c.chosen_by, "xgrad");
  EXPECT_NE(c.warning.find("would stop with an illegal instruction"), std::string::npos) << c.warning;
}

TEST(BlasWarning, PrintedOnceWhenTheKernelsFallShort) {
  if (detail::best_kernels().empty()) GTEST_SKIP() << "this CPU has no AVX2: Prescott-class kernels are its best";
  const std::string err = stderr_of_this_program("Prescott");
  EXPECT_EQ(count(err, "xgrad: OpenBLAS runs its Prescott kernels"), 1u) << err;
  EXPECT_EQ(count(err, "xgrad:"), 1u) << err;
}

TEST(BlasWarning, NeverWhenTheyDoNot) {
  EXPECT_EQ(count(stderr_of_this_program(""), "xgrad:"), 0u) << stderr_of_this_program("");
  const std::string best = detail::best_kernels();
  if (!best.empty()) EXPECT_EQ(count(stderr_of_this_program(best), "xgrad:"), 0u) << stderr_of_this_program(best);
}
