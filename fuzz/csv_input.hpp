#pragma once
// Fuzz target: parse_csv on arbitrary text returns a table whose every value is finite and
// whose size is rows x columns, or throws xg::Error.
// fuzz_csv.cpp hands it to libFuzzer; the tests replay the corpus and past findings through it.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <xgrad/core/error.hpp>
#include <xgrad/data/csv.hpp>

namespace xgrad_fuzz {

inline void csv_input(const std::uint8_t* data, std::size_t size) {
  try {
    const auto table = xgrad::data::parse_csv(std::string_view(reinterpret_cast<const char*>(data), size));
    if (table.values.size() != table.rows * table.columns.size()) std::abort();
    for (double v : table.values)
      if (!std::isfinite(v)) std::abort();
    if (!table.columns.empty()) (void)table.column(table.columns.back());
  } catch (const xgrad::Error&) {
  }
}

}  // namespace xgrad_fuzz
