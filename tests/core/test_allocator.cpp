// xgrad links tcmalloc into every program that uses it (CMake option XGRAD_TCMALLOC, on unless a
// sanitizer brings its own allocator): every op allocates through posix_memalign, and the C
// library's is several times slower. These check that the program really got it: a link that
// let the C library's malloc win would still build and run, only slower.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <xgrad/xgrad.hpp>

namespace {
void* symbol(const char* name) { return dlsym(RTLD_DEFAULT, name); }
}  // namespace

TEST(Allocator, TheProcessAllocatesWithTcmallocWhenConfigured) {
  if (!XGRAD_EXPECT_TCMALLOC) {
    EXPECT_EQ(symbol("tc_malloc"), nullptr) << "tcmalloc is loaded although XGRAD_TCMALLOC is off";
    return;
  }
  ASSERT_NE(symbol("tc_malloc"), nullptr) << "tcmalloc is not loaded";
  // The names the process resolves are tcmalloc's, not glibc's: xsimd allocates every array
  // with posix_memalign, and std::allocator with operator new, which goes to malloc.
  EXPECT_EQ(symbol("malloc"), symbol("tc_malloc"));
  EXPECT_EQ(symbol("free"), symbol("tc_free"));
  EXPECT_EQ(symbol("posix_memalign"), symbol("tc_posix_memalign"));
}

TEST(Allocator, ArraysFromOpsAreAlignedForXsimd) {
  // tcmalloc honours the alignment xsimd asks for (32 bytes for AVX2): an op's result and its
  // gradient are aligned, whatever their size.
  for (std::size_t n : {1, 3, 17, 1000, 100000}) {
    xgrad::Tensor x = xgrad::ones({n}).requires_grad_();
    xgrad::Tensor y = x * 2.0;
    y.sum().backward();
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(y.data<float>().data()) % XSIMD_DEFAULT_ALIGNMENT, 0u) << n;
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(x.grad().data<float>().data()) % XSIMD_DEFAULT_ALIGNMENT, 0u) << n;
  }
}
