#pragma once
// Internal to the schedulers' .cpp files: writing their few numbers as tensors and reading them
// back with the checks load_state_dict promises.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "xgrad/core/error.hpp"
#include "xgrad/core/factory.hpp"
#include "xgrad/core/state_dict.hpp"

namespace xgrad::optim::detail {

inline Tensor float64_vector(const std::vector<double>& values) {
  xt::xarray<double> a = xt::empty<double>(Shape{values.size()});
  std::copy(values.begin(), values.end(), a.begin());
  return from_xarray(std::move(a));
}

// The keys under `prefix` must be exactly `names`; with an empty prefix, so must every key.
class StateReader {
 public:
  StateReader(std::string where, const StateDict& dict, const std::string& prefix,
              const std::vector<std::string>& names)
      : where_(std::move(where)), dict_(dict), prefix_(prefix) {
    for (const auto& [key, t] : dict) {
      if (!key.starts_with(prefix)) continue;
      const std::string name = key.substr(prefix.size());
      if (std::find(names.begin(), names.end(), name) == names.end())
        fail(where_.c_str(), "unexpected key '", key, "'",
             prefix.empty()
                 ? "; to load from a checkpoint that holds more, pass the prefix the scheduler's keys start with"
                 : "");
    }
    for (const auto& name : names)
      if (!dict.count(prefix + name)) fail(where_.c_str(), "the state dict has no key '", prefix + name, "'");
  }

  double number(const std::string& name) const {
    const Tensor& t = dict_.at(prefix_ + name);
    if (!t.defined() || t.numel() != 1)
      fail(where_.c_str(), "'", prefix_ + name, "' must hold one number, got shape ",
           t.defined() ? to_string(t.shape()) : std::string("(undefined)"));
    return t.item();
  }

  // A whole number in [min, 2^63 - 1): a counter that the next step can still increment. int64
  // tensors are read as they are; a floating one is range-checked before the conversion.
  std::int64_t integer(const std::string& name, std::int64_t min = 0) const {
    const double v = number(name);
    const Tensor& t = dict_.at(prefix_ + name);
    std::int64_t n = 0;
    if (t.dtype() == kInt64) {
      n = t.data<std::int64_t>().data()[0];
    } else {
      if (v != std::floor(v) || !(v >= -0x1p63 && v < 0x1p63))
        fail(where_.c_str(), "'", prefix_ + name, "' must be a whole number, got ", v);
      n = static_cast<std::int64_t>(v);
    }
    if (n < min || n == std::numeric_limits<std::int64_t>::max())
      fail(where_.c_str(), "'", prefix_ + name, "' must be in [", min, ", 2^63 - 1), got ", n);
    return n;
  }

  // numbers() that must be learning rates: finite and >= 0.
  std::vector<double> rates(const std::string& name, std::size_t count) const {
    std::vector<double> v = numbers(name, count);
    for (std::size_t g = 0; g < v.size(); ++g)
      if (!(std::isfinite(v[g]) && v[g] >= 0))
        fail(where_.c_str(), "'", prefix_ + name, "' holds ", v[g], " for parameter group ", g,
             "; a learning rate must be finite and >= 0");
    return v;
  }

  std::vector<double> numbers(const std::string& name, std::size_t count) const {
    const Tensor& t = dict_.at(prefix_ + name);
    if (!t.defined() || t.dim() != 1 || t.numel() != count)
      fail(where_.c_str(), "'", prefix_ + name, "' must hold ", count, " numbers, one per parameter group, got shape ",
           t.defined() ? to_string(t.shape()) : std::string("(undefined)"));
    const Tensor t64 = t.to(kFloat64);
    return {t64.data<double>().begin(), t64.data<double>().end()};
  }

 private:
  std::string where_;
  const StateDict& dict_;
  std::string prefix_;
};

}  // namespace xgrad::optim::detail
