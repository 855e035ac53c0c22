// libFuzzer entry point; the work is in safetensors_input.hpp.
#include "safetensors_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  xgrad_fuzz::safetensors_input(data, size);
  return 0;
}
