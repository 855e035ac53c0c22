#include "xgrad/core/blas_info.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define XGRAD_X86 1
#else
#define XGRAD_X86 0
#endif

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <sstream>

#include "xgrad/core/detail/blas_config.hpp"
#include "xgrad/core/detail/blas_kernels.hpp"

#if XGRAD_BLAS
// OpenBLAS's own declarations come from <cblas.h>, which clashes with xtensor-blas's. The kernel
// loader is exported by DYNAMIC_ARCH builds only (Debian's are): weak, so that another build links
// and merely cannot switch.
extern "C" {
char* openblas_get_corename(void);
char* openblas_get_config(void);
int openblas_get_num_threads(void);
__attribute__((weak)) void gotoblas_dynamic_init(void);
__attribute__((weak)) void gotoblas_dynamic_quit(void);
}
#endif

namespace xgrad {
namespace detail {

int kernel_level(std::string_view k) {
  for (std::string_view name : {"SkylakeX", "Cooperlake", "SapphireRapids"})
    if (k == name) return 3;
  for (std::string_view name : {"Haswell", "Zen", "Excavator"})
    if (k == name) return 2;
  for (std::string_view name : {"Sandybridge", "Bulldozer", "Piledriver", "Steamroller"})
    if (k == name) return 1;
  return 0;
}

int cpu_level() {
#if !XGRAD_X86
  return 0;  // no x86 vector levels to tell apart (WebAssembly)
#else
  __builtin_cpu_init();  // this may run before main, ahead of libgcc's own initialisation
  // __builtin_cpu_supports also checks that the OS saves the wide registers (XCR0).
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  // OpenBLAS's SkylakeX kernels use the Skylake-SP subset of AVX-512.
  if (avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd"))
    return 3;
  if (avx2) return 2;
  return __builtin_cpu_supports("avx") ? 1 : 0;
#endif
}

std::string best_kernels() {
  switch (cpu_level()) {
    case 3: return "SkylakeX";
    case 2: return "Haswell";
    default: return "";
  }
}

std::string cpu_name() {
#if !XGRAD_X86
  return "unknown CPU";
#else
  unsigned regs[12] = {};
  unsigned top = __get_cpuid_max(0x80000000u, nullptr);
  if (top < 0x80000004u) return "unknown CPU";
  for (unsigned i = 0; i < 3; ++i)
    __get_cpuid(0x80000002u + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
  std::string name(reinterpret_cast<const char*>(regs), sizeof regs);
  name = name.c_str();  // up to the first NUL
  const auto first = name.find_first_not_of(' ');
  const auto last = name.find_last_not_of(' ');
  return first == std::string::npos ? "unknown CPU" : name.substr(first, last - first + 1);
#endif
}

#if XGRAD_BLAS
std::string current_kernels() { return openblas_get_corename(); }

bool can_switch_kernels() { return gotoblas_dynamic_init != nullptr && gotoblas_dynamic_quit != nullptr; }
#else
// XGRAD_BLAS=OFF: every product runs core/detail/portable_gemm, which has one kernel.
std::string current_kernels() { return "portable"; }

bool can_switch_kernels() { return false; }
#endif

std::string switch_kernels(const std::string& name) {
  if (!can_switch_kernels()) return current_kernels();
#if XGRAD_BLAS
  // OpenBLAS's loader reads OPENBLAS_CORETYPE; the user's environment is put back afterwards.
  const char* user = std::getenv("OPENBLAS_CORETYPE");
  const std::string saved = user ? user : "";
  if (name.empty())
    unsetenv("OPENBLAS_CORETYPE");
  else
    setenv("OPENBLAS_CORETYPE", name.c_str(), 1);
  gotoblas_dynamic_quit();
  gotoblas_dynamic_init();
  if (user)
    setenv("OPENBLAS_CORETYPE", saved.c_str(), 1);
  else
    unsetenv("OPENBLAS_CORETYPE");
#endif
  return current_kernels();
}

namespace {

const char* level_name(int level) {
  switch (level) {
    case 3: return "AVX-512";
    case 2: return "AVX2";
    case 1: return "AVX";
    default: return "SSE";
  }
}

// What the shortfall costs, as measured (bench/results/blas_kernels.md has the runs).
std::string cost(int from, int to) {
  if (to == 3 && from <= 1)
    return "tiny YOLO trains about 2.4x slower and large matrix products run at a fraction of their speed";
  if (to == 3) return "matrix products use half the vector width this CPU has";
  return "a 1024x1024 float32 matrix product runs about 3x slower";
}

}  // namespace

KernelChoice choose_blas_kernels(const char* user_coretype) {
  KernelChoice c;
#if !XGRAD_BLAS
  // No OpenBLAS to choose kernels for; OPENBLAS_CORETYPE means nothing here.
  (void)user_coretype;
  c.loaded = c.kernels = current_kernels();
  c.chosen_by = "xgrad";
  return c;
#endif
  c.loaded = c.kernels = current_kernels();
  c.requested = user_coretype ? user_coretype : "";
  c.chosen_by = user_coretype ? "OPENBLAS_CORETYPE" : "OpenBLAS";
  const std::string best = best_kernels();
  const int have = kernel_level(c.kernels), can = cpu_level();
  const std::string cpu = cpu_name();

  if (user_coretype && have > can) {
    // OpenBLAS would stop at its first product with an illegal instruction.
    c.kernels = switch_kernels(best);
    c.chosen_by = "xgrad";
    c.warning = "xgrad: OPENBLAS_CORETYPE=" + std::string(user_coretype) + " names " + c.loaded +
                " kernels, which need " + level_name(have) + ", but this CPU (" + cpu + ") has " + level_name(can) +
                " at most and would stop with an illegal instruction: xgrad runs OpenBLAS's " + c.kernels +
                " kernels instead. Set OPENBLAS_CORETYPE to " + (best.empty() ? std::string("nothing") : best) +
                " (or unset it) to silence this.";
    return c;
  }
  if (best.empty() || have >= kernel_level(best)) return c;

  if (!user_coretype) {
    c.kernels = switch_kernels(best);
    if (c.kernels == best) {
      c.chosen_by = "xgrad";
      return c;
    }
  }
  std::ostringstream w;
  w << "xgrad: OpenBLAS runs its " << c.kernels << " kernels (" << level_name(kernel_level(c.kernels))
    << ") on this CPU (" << cpu << "), which can run " << best << " (" << level_name(can)
    << "): " << cost(kernel_level(c.kernels), can) << " than it could. ";
  if (user_coretype)
    w << "OPENBLAS_CORETYPE=" << user_coretype << " is set in the environment and xgrad leaves your choice alone; "
      << "unset OPENBLAS_CORETYPE, or set OPENBLAS_CORETYPE=" << best << ", for full speed.";
  else if (!can_switch_kernels())
    w << "This OpenBLAS cannot switch kernels at run time (it is not a DYNAMIC_ARCH build): start the program "
      << "with OPENBLAS_CORETYPE=" << best << " in its environment, or link Debian's libopenblas0-pthread.";
  else
    w << "xgrad asked OpenBLAS for " << best << " and got " << c.kernels << ": start the program with "
      << "OPENBLAS_CORETYPE=" << best << " in its environment.";
  c.warning = w.str();
  return c;
}

const KernelChoice& process_kernel_choice() {
  static const KernelChoice choice = [] {
    KernelChoice c = choose_blas_kernels(std::getenv("OPENBLAS_CORETYPE"));
    // C's stderr: this runs before main, possibly before <iostream>'s streams are constructed.
    if (!c.warning.empty()) std::fprintf(stderr, "%s\n", c.warning.c_str());
    return c;
  }();
  return choice;
}

}  // namespace detail

BlasInfo blas_info() {
  const detail::KernelChoice& choice = detail::process_kernel_choice();
  BlasInfo info;
#if XGRAD_BLAS
  info.library = "OpenBLAS";
  info.config = openblas_get_config();
  // "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ...": the version is the second word.
  std::istringstream words(info.config);
  std::string first;
  words >> first >> info.version;
  info.kernels = detail::current_kernels();
  info.loaded = choice.loaded;
  info.requested = choice.requested;
  info.best = detail::best_kernels();
  info.chosen_by = info.kernels == choice.kernels ? choice.chosen_by : "the program";
  info.cpu = detail::cpu_name();
  info.threads = openblas_get_num_threads();
#else
  info.library = "portable";  // core/detail/portable_gemm: the build has no BLAS (XGRAD_BLAS=OFF)
  info.config = "XGRAD_BLAS=OFF";
  info.version = "xgrad";
  info.kernels = detail::current_kernels();
  info.loaded = choice.loaded;
  info.chosen_by = choice.chosen_by;
  info.cpu = detail::cpu_name();
  info.threads = 1;
#endif
  return info;
}

std::string to_string(const BlasInfo& info) {
  std::ostringstream out;
  out << info.library << " " << info.version << ", " << info.kernels << " kernels (";
  if (info.chosen_by == "xgrad" && !info.requested.empty())
    out << "chosen by xgrad; OPENBLAS_CORETYPE=" << info.requested << " needs instructions this CPU lacks";
  else if (info.chosen_by == "xgrad")
    out << "chosen by xgrad; OpenBLAS had picked " << info.loaded;
  else
    out << "chosen by " << info.chosen_by;
  out << "), " << info.threads << (info.threads == 1 ? " thread" : " threads") << ", CPU " << info.cpu;
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const BlasInfo& info) { return out << to_string(info); }

}  // namespace xgrad
