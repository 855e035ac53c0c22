// Replays the checkpoint-content fuzz corpus (fuzz/corpus/fuzz_checkpoint_content) and every input
// a fuzzing run flagged (tests/fixtures/fuzz/fuzz_checkpoint_content) through the fuzz target's own
// code: real checkpoints of the three trainers with hostile values, each resumed, re-saved and
// trained on. A finding aborts the test program; under the asan preset this is a sanitizer
// regression test of the trainers' resume paths.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "../../fuzz/checkpoint_content_input.hpp"

namespace {

TEST(FuzzCorpus, CheckpointContentResumesOrThrowsError) {
  std::size_t files = 0;
  for (const char* dir :
       {XGRAD_SOURCE_DIR "/fuzz/corpus/fuzz_checkpoint_content", XGRAD_FIXTURES "/fuzz/fuzz_checkpoint_content"}) {
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      SCOPED_TRACE(entry.path().string());
      EXPECT_NO_THROW(xgrad_fuzz::checkpoint_content_input(bytes.data(), bytes.size()));
      ++files;
    }
  }
  EXPECT_GE(files, 9u);  // a seed per trainer configuration at least: a missing folder must not pass
}

}  // namespace
