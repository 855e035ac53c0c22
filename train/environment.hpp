#pragma once
// What, beyond a checkpoint's own numbers, decides the last bits of a run's results: the BLAS
// kernels and thread count (a gemm's summation order), the compiler and its flags (xtensor's
// SIMD width, FMA contraction). A checkpoint records it (train/checkpoint.hpp) so that a resume
// on another machine, another build or another --threads can say that it will not be bit-identical
// to the run it continues, rather than leave the user to find out.
#include <string>

#include "xgrad/core/serialize.hpp"

namespace xgrad::train {

struct Environment {
  std::string blas;          // "OpenBLAS 0.3.21"
  std::string blas_kernels;  // "Haswell"
  int threads = 0;           // OpenBLAS's thread count, which xgrad's own pool follows (0: not recorded)
  std::string compiler;      // "gcc 12.2.0"
  std::string build;         // the build type and the flags that change code generation
};

// This process's.
Environment current_environment();

// As metadata entries "environment.<field>", and back (missing fields stay empty; a checkpoint
// of before the record then compares as unknown, not as different).
void store(const Environment& environment, Metadata& metadata);
Environment environment_from(const Metadata& metadata);

// One line naming what differs between the environment a checkpoint was written in and this
// one ("resuming with Prescott kernels, 1 thread where the checkpoint had Haswell, 2 threads:
// the run will not be bit-identical to an uninterrupted one"), or "" when nothing that matters
// does. A field the checkpoint does not record is not compared.
std::string reproducibility_note(const Environment& saved, const Environment& now);

}  // namespace xgrad::train
