#pragma once
// How xgrad makes OpenBLAS run the kernels the CPU deserves (internal: xgrad.hpp does not include
// it; core/blas_info.hpp is the public face). Exposed for the tests, which switch kernels in-process
// to play a CPU that OpenBLAS does not know.
#include <string>
#include <string_view>

namespace xgrad::detail {

// Kernel families ranked by the widest instructions they use: 3 AVX-512 (SkylakeX, Cooperlake),
// 2 AVX2 (Haswell, Zen, Excavator), 1 AVX (Sandybridge, Bulldozer, ...), 0 SSE and older.
int kernel_level(std::string_view kernels);

// The widest level this CPU (and its OS) can execute, and the kernels xgrad wants for it:
// "SkylakeX" at level 3, "Haswell" at 2, "" below (OpenBLAS's own choice stands).
int cpu_level();
std::string best_kernels();
std::string cpu_name();  // the CPU's brand string

// openblas_get_corename(), and whether this OpenBLAS can load other kernels at run time (a
// DYNAMIC_ARCH build exports gotoblas_dynamic_init/quit).
std::string current_kernels();
bool can_switch_kernels();

// Loads OpenBLAS's kernels `name` ("" for OpenBLAS's own choice by CPU model) and returns the
// kernels now in use. Only between BLAS calls, with no other thread inside OpenBLAS.
std::string switch_kernels(const std::string& name);

struct KernelChoice {
  std::string requested;  // the user's OPENBLAS_CORETYPE, "" when unset
  std::string loaded;     // what OpenBLAS had when the check ran
  std::string kernels;    // what runs after it
  std::string chosen_by;  // "OpenBLAS", "xgrad" or "OPENBLAS_CORETYPE"
  std::string warning;    // the one-line warning for stderr, "" when all is well
};

// The check: `user_coretype` is the user's OPENBLAS_CORETYPE (nullptr when unset). Switches the
// kernels when they fall short of the CPU and the user has not chosen, or when the user's choice
// needs instructions the CPU lacks; otherwise leaves them and returns a warning if they fall short.
KernelChoice choose_blas_kernels(const char* user_coretype);

// The choice made before main for this process (runs choose_blas_kernels once and prints its
// warning to stderr, once).
const KernelChoice& process_kernel_choice();

}  // namespace xgrad::detail
