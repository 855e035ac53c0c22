#pragma once
// Runs a piece of code in a forked child whose address space may grow by at most `budget` bytes
// (RLIMIT_AS), so a test can prove that a reader rejects a hostile size field without first
// allocating what it claims. The child reports how `fn` ended through its exit status.
//
// AddressSanitizer and ThreadSanitizer reserve terabytes of shadow memory up front (TSan's
// allocator then aborts instead of failing the allocation), and valgrind maps its own
// memory into the process, none of which RLIMIT_AS can tell from a real allocation; under them
// the check is skipped (can_limit_memory()).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <new>
#include <string>
#include <xgrad/core/error.hpp>

namespace xgrad_test {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kCanLimitMemory = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kCanLimitMemory = false;
#else
inline constexpr bool kCanLimitMemory = true;
#endif
#else
inline constexpr bool kCanLimitMemory = true;
#endif

enum class Outcome { Returned, ThrewError, ThrewBadAlloc, ThrewOther, Crashed };

inline const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::Returned: return "returned";
    case Outcome::ThrewError: return "threw xg::Error";
    case Outcome::ThrewBadAlloc: return "threw std::bad_alloc (it tried to allocate past the budget)";
    case Outcome::ThrewOther: return "threw another exception";
    case Outcome::Crashed: return "crashed";
  }
  return "?";
}

// The process's current virtual size in bytes, from /proc/self/statm (first field, in pages).
inline std::size_t virtual_size() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  statm >> pages;
  return pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

inline bool can_limit_memory() {
  const char* preload = std::getenv("LD_PRELOAD");  // valgrind preloads its vgpreload_*.so
  return kCanLimitMemory && !(preload && std::string(preload).find("vgpreload") != std::string::npos);
}

template <class F>
Outcome run_with_memory_budget(std::size_t budget, F&& fn) {
  const pid_t pid = fork();
  if (pid == 0) {
    const rlim_t limit = virtual_size() + budget;
    const rlimit r{limit, limit};
    setrlimit(RLIMIT_AS, &r);
    int code = 0;
    try {
      fn();
    } catch (const xgrad::Error&) {
      code = 1;
    } catch (const std::bad_alloc&) {
      code = 2;
    } catch (...) {
      code = 3;
    }
    _exit(code);  // no atexit handlers, no gtest teardown in the child
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status)) return Outcome::Crashed;
  switch (WEXITSTATUS(status)) {
    case 0: return Outcome::Returned;
    case 1: return Outcome::ThrewError;
    case 2: return Outcome::ThrewBadAlloc;
    case 3: return Outcome::ThrewOther;
  }
  return Outcome::Crashed;
}

}  // namespace xgrad_test
