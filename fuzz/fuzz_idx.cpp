// libFuzzer entry point; the work is in idx_input.hpp.
#include "idx_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  xgrad_fuzz::idx_input(data, size);
  return 0;
}
