#pragma once
// Asks the memory system for a row that will be copied soon, a cache line at a time. Shuffled
// rows of a dataset larger than the caches come from DRAM and the hardware prefetcher cannot
// guess the next one: asking a few rows ahead overlaps the misses (data/batches.cpp).
#include <cstddef>

namespace xgrad::data::detail {

inline void prefetch(const void* row, std::size_t bytes) {
  const char* p = static_cast<const char*>(row);
  for (std::size_t b = 0; b < bytes; b += 64) __builtin_prefetch(p + b);
}

// How many rows ahead the gathers ask for.
inline constexpr std::size_t kPrefetchAhead = 4;

}  // namespace xgrad::data::detail
