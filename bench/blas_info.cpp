// Prints what runs underneath xgrad's matrix products (xg::blas_info()): one line, or with
// --kernels only the kernels' name, which bench/compare hands to PyTorch so that both sides run
// the same OpenBLAS kernels.
#include <cstdio>
#include <cstring>
#include <xgrad/core/blas_info.hpp>

int main(int argc, char** argv) {
  const xgrad::BlasInfo info = xgrad::blas_info();
  if (argc == 2 && std::strcmp(argv[1], "--kernels") == 0) {
    std::printf("%s\n", info.kernels.c_str());
  } else if (argc == 1) {
    std::printf("%s\n", xgrad::to_string(info).c_str());
  } else {
    std::fprintf(stderr, "usage: blas_info [--kernels]\n");
    return 2;
  }
  return 0;
}
