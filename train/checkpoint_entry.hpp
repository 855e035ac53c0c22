#pragma once
// Reading a trainer's own entries back from its checkpoint. Each lookup checks that the entry is
// there, of the expected dtype and size, and names the trainer (`op`) and the key when it is not.
#include <cstdint>
#include <optional>
#include <string>

#include "xgrad/core/state_dict.hpp"

namespace xgrad::train {

// The entry `key`; with `dtype`, it must be of that dtype.
const Tensor& checkpoint_entry(const char* op, const StateDict& dict, const std::string& key,
                               std::optional<Dtype> dtype = std::nullopt);
// One int64 >= 0 (a counter).
std::int64_t checkpoint_count(const char* op, const StateDict& dict, const std::string& key);
// One float64.
double checkpoint_number(const char* op, const StateDict& dict, const std::string& key);

}  // namespace xgrad::train
