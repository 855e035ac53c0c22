#include "xgrad/train/environment.hpp"

#include <cstdlib>
#include <string>
#include <vector>

#include "xgrad/core/blas_info.hpp"

// CMake passes the build type and the arch flags (CMakeLists.txt); a build without it still says
// what the predefined macros show.
#ifndef XGRAD_BUILD_FLAGS
#define XGRAD_BUILD_FLAGS "unknown build"
#endif

namespace xgrad::train {

namespace {

std::string compiler() {
#if defined(__clang__)
  return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  return std::string("gcc ") + __VERSION__;
#else
  return "unknown compiler";
#endif
}

// The instruction sets the compiler was allowed to use: they decide xtensor's SIMD width and
// whether a * b + c is fused.
std::string build() {
  std::string s = XGRAD_BUILD_FLAGS;
#if defined(__AVX512F__)
  s += " avx512f";
#elif defined(__AVX2__)
  s += " avx2";
#elif defined(__SSE2__)
  s += " sse2";
#endif
#if defined(__FMA__)
  s += " fma";
#endif
#if defined(__FAST_MATH__)
  s += " fast-math";
#endif
  return s;
}

constexpr const char* kPrefix = "environment.";

}  // namespace

Environment current_environment() {
  const BlasInfo b = blas_info();
  return {b.library + " " + b.version, b.kernels, b.threads, compiler(), build()};
}

void store(const Environment& e, Metadata& m) {
  m[std::string(kPrefix) + "blas"] = e.blas;
  m[std::string(kPrefix) + "blas_kernels"] = e.blas_kernels;
  m[std::string(kPrefix) + "threads"] = std::to_string(e.threads);
  m[std::string(kPrefix) + "compiler"] = e.compiler;
  m[std::string(kPrefix) + "build"] = e.build;
}

Environment environment_from(const Metadata& m) {
  const auto get = [&](const char* field) {
    const auto it = m.find(std::string(kPrefix) + field);
    return it == m.end() ? std::string() : it->second;
  };
  Environment e;
  e.blas = get("blas");
  e.blas_kernels = get("blas_kernels");
  const std::string threads = get("threads");
  e.threads = threads.empty() ? 0 : std::atoi(threads.c_str());  // 0: not recorded
  e.compiler = get("compiler");
  e.build = get("build");
  return e;
}

std::string reproducibility_note(const Environment& saved, const Environment& now) {
  std::vector<std::string> then_parts, now_parts;
  const auto compare = [&](const std::string& a, const std::string& b, const char* what) {
    if (a.empty() || a == b) return;
    then_parts.push_back(std::string(what) + " " + a);
    now_parts.push_back(std::string(what) + " " + b);
  };
  compare(saved.blas, now.blas, "BLAS");
  compare(saved.blas_kernels, now.blas_kernels, "kernels");
  compare(saved.threads > 0 ? std::to_string(saved.threads) : "", std::to_string(now.threads), "threads");
  compare(saved.compiler, now.compiler, "compiler");
  compare(saved.build, now.build, "build");
  if (then_parts.empty()) return "";
  const auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& p : v) s += (s.empty() ? "" : ", ") + p;
    return s;
  };
  return "note: this run has " + join(now_parts) + " where the checkpoint's had " + join(then_parts) +
         ": the resumed run goes on, but may differ in the last bits from one that never stopped";
}

}  // namespace xgrad::train
