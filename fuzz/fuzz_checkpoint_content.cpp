// libFuzzer entry point; the work is in checkpoint_content_input.hpp.
#include <cstdlib>

#include "checkpoint_content_input.hpp"

// XGRAD_FUZZ_WRITE_SEEDS=<dir>: write the seed corpus (fuzz/corpus/fuzz_checkpoint_content) and exit.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("XGRAD_FUZZ_WRITE_SEEDS")) {
    xgrad_fuzz::content::write_seeds(dir);
    std::exit(0);
  }
  (void)xgrad_fuzz::content::templates();  // made once, before the first input is timed
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  xgrad_fuzz::checkpoint_content_input(data, size);
  return 0;
}
