// libFuzzer entry point; the work is in csv_input.hpp.
#include "csv_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  xgrad_fuzz::csv_input(data, size);
  return 0;
}
