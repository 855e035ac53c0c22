#pragma once
// One exception type for every error a user can cause. Messages are sentences that name the op
// and the offending shapes or values, e.g. "matmul: inner dimensions differ: (3, 4) @ (5, 2)".
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace xgrad {

class Error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Concatenates its arguments with operator<<: fail("add", "shapes ", a, " and ", b).
template <class... Args>
[[noreturn]] void fail(const char* op, Args&&... parts) {
  std::ostringstream out;
  out.precision(12);  // enough to tell apart two values a user passed, short enough to read
  out << op << ": ";
  (out << ... << std::forward<Args>(parts));
  throw Error(out.str());
}

}  // namespace xgrad
