// Guards against a GCC 12 AVX-512 miscompile that the build works around (see CMakeLists.txt):
// with -O2 -march=native on an AVX-512 machine this literal read back as {100, 100, 100, 100}.
#include <gtest/gtest.h>

#include <vector>

namespace {

TEST(Compiler, ConstantVectorsKeepTheirValues) {
  const std::vector<double> v{100, 100, 0, 0};
  EXPECT_EQ(v[2], 0.0);
  EXPECT_EQ(v[3], 0.0);
  const std::vector<float> w{7, 7, 7, 7, 0, 0, 0, 0};
  EXPECT_EQ(w[4], 0.0f);
  EXPECT_EQ(w[7], 0.0f);
}

}  // namespace
