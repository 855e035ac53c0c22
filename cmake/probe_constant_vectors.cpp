// Configure-time probe (CMakeLists.txt, XGRAD_NATIVE): GCC 12 with an AVX-512 instruction set or
// an AVX-512 CPU's tuning copies these literals as a broadcast of their first element. Exit 0 when
// the compiler and flags under test keep them; tests/core/test_compiler.cpp checks the same build.
#include <vector>

int main() {
  const std::vector<double> v{100, 100, 0, 0};
  const std::vector<float> w{7, 7, 7, 7, 0, 0, 0, 0};
  return v[2] == 0 && v[3] == 0 && w[4] == 0 && w[7] == 0 ? 0 : 1;
}
