#pragma once
// Fuzz target: xg::load_bytes on arbitrary bytes must either return tensors or throw
// xg::Error; anything else (a crash, a sanitizer report, another exception) is a finding.
// fuzz_safetensors.cpp hands it to libFuzzer; the tests replay the corpus and past findings through it.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <xgrad/core/error.hpp>
#include <xgrad/core/serialize.hpp>

namespace xgrad_fuzz {

inline void safetensors_input(const std::uint8_t* data, std::size_t size) {
  try {
    const xgrad::StateDict d = xgrad::load_bytes(std::string_view(reinterpret_cast<const char*>(data), size));
    for (const auto& [name, t] : d) (void)t.numel();
  } catch (const xgrad::Error&) {
  }
}

}  // namespace xgrad_fuzz
