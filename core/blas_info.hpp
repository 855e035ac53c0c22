#pragma once
// What runs underneath every matrix product: the BLAS library, its version, the kernels it uses on
// this CPU and its thread count. The three trainings and bench/compare print it first.
//
// OpenBLAS 0.3.21 picks its kernels from the CPU model when it is loaded and falls back to slow
// generic ones on models newer than itself (an Intel Xeon of family 6 model 207 gets the SSE3
// "Prescott" kernels). Every program linked with xgrad therefore checks, before main, that the
// kernels match what the CPU can run (AVX-512 -> SkylakeX, AVX2 -> Haswell), and switches them
// through OpenBLAS's exported run-time kernel loader when they fall short. OPENBLAS_CORETYPE, when
// the user sets it, always wins, unless it names kernels this CPU cannot execute.
#include <iosfwd>
#include <string>

namespace xgrad {

struct BlasInfo {
  std::string library;    // "OpenBLAS"
  std::string version;    // "0.3.21"
  std::string config;     // openblas_get_config(): build options, e.g. "DYNAMIC_ARCH"
  std::string kernels;    // the kernels in use, e.g. "Haswell"
  std::string loaded;     // the kernels OpenBLAS loaded before xgrad's check
  std::string requested;  // the user's OPENBLAS_CORETYPE, "" when unset
  std::string best;       // the kernels this CPU runs best: "SkylakeX", "Haswell", or "" (OpenBLAS's choice)
  std::string chosen_by;  // "OpenBLAS", "xgrad" (switched from `loaded`) or "OPENBLAS_CORETYPE"
  std::string cpu;        // the CPU's brand string
  int threads = 1;
};

// Describes the BLAS this process runs (cheap: reads a few strings).
BlasInfo blas_info();

// One line: "OpenBLAS 0.3.21, Haswell kernels (chosen by xgrad; OpenBLAS had picked Prescott),
// 2 threads, CPU AMD EPYC".
std::string to_string(const BlasInfo& info);
std::ostream& operator<<(std::ostream& out, const BlasInfo& info);

}  // namespace xgrad
