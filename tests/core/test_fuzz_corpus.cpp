// Replays the safetensors fuzz corpus (fuzz/corpus/fuzz_safetensors) and every input a fuzzing
// run ever flagged (tests/fixtures/fuzz/fuzz_safetensors) through the fuzz target's own code:
// each must load or throw xg::Error. Under the asan preset this is a sanitizer regression test.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "../../fuzz/safetensors_input.hpp"
#include "helpers.hpp"

namespace {

TEST(FuzzCorpus, SafetensorsInputsLoadOrThrowError) {
  std::size_t files = 0;
  for (const char* dir :
       {XGRAD_FIXTURES "/../../fuzz/corpus/fuzz_safetensors", XGRAD_FIXTURES "/fuzz/fuzz_safetensors"}) {
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      SCOPED_TRACE(entry.path().string());
      EXPECT_NO_THROW(xgrad_fuzz::safetensors_input(bytes.data(), bytes.size()));
      ++files;
    }
  }
  EXPECT_GE(files, 3u);  // the seeds at least: a missing folder must not pass silently
}

}  // namespace
