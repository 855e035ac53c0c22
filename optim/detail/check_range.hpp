#pragma once
// Internal to optim/: the range checks of every optimizer's and scheduler's options. Each throws
// xg::Error worded "<op>: <name> must be <range>, got <value>", so that every option's message
// reads alike and names the value that was refused:
//
//   const detail::CheckRange check("Adam");
//   check.at_least("lr", lr, 0).finite("lr", lr).in("betas[0]", betas[0], 0, 1, detail::Interval::ClosedOpen);
//
// The comparisons are written so that NaN fails every one of them.
#include <cmath>

#include "xgrad/core/error.hpp"

namespace xgrad::optim::detail {

enum class Interval { Closed, ClosedOpen, OpenClosed };  // [low, high], [low, high), (low, high]

class CheckRange {
 public:
  explicit CheckRange(const char* op) : op_(op) {}

  // value >= low ("must be >= low")
  template <class T, class L>
  const CheckRange& at_least(const char* name, T value, L low) const {
    if (!(value >= low)) fail(op_, name, " must be >= ", low, ", got ", value);
    return *this;
  }
  // value > low ("must be > low")
  template <class T, class L>
  const CheckRange& above(const char* name, T value, L low) const {
    if (!(value > low)) fail(op_, name, " must be > ", low, ", got ", value);
    return *this;
  }
  // ("must be finite")
  const CheckRange& finite(const char* name, double value) const {
    if (!std::isfinite(value)) fail(op_, name, " must be finite, got ", value);
    return *this;
  }
  // value >= low and finite, in one message ("must be >= low and finite")
  const CheckRange& at_least_finite(const char* name, double value, double low) const {
    if (!(value >= low && std::isfinite(value))) fail(op_, name, " must be >= ", low, " and finite, got ", value);
    return *this;
  }
  // value > low and finite, in one message ("must be > low and finite")
  const CheckRange& above_finite(const char* name, double value, double low) const {
    if (!(value > low && std::isfinite(value))) fail(op_, name, " must be > ", low, " and finite, got ", value);
    return *this;
  }
  // value in the interval ("must be in [low, high)")
  const CheckRange& in(const char* name, double value, double low, double high,
                       Interval interval = Interval::Closed) const {
    const bool low_ok = interval == Interval::OpenClosed ? value > low : value >= low;
    const bool high_ok = interval == Interval::ClosedOpen ? value < high : value <= high;
    if (!(low_ok && high_ok))
      fail(op_, name, " must be in ", interval == Interval::OpenClosed ? "(" : "[", low, ", ", high,
           interval == Interval::ClosedOpen ? ")" : "]", ", got ", value);
    return *this;
  }

 private:
  const char* op_;
};

}  // namespace xgrad::optim::detail
