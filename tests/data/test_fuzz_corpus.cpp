// Replays the IDX and CSV fuzz corpora (fuzz/corpus/<target>) and every input a fuzzing run ever
// flagged (tests/fixtures/fuzz/<target>) through the fuzz targets' own code: each must parse or
// throw xg::Error. Under the asan preset this is a sanitizer regression test.
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "../../fuzz/csv_input.hpp"
#include "../../fuzz/idx_input.hpp"
#include "../core/helpers.hpp"

namespace {

std::size_t replay(const std::string& target, const std::function<void(const std::uint8_t*, std::size_t)>& run) {
  std::size_t files = 0;
  for (const std::string& dir : {XGRAD_FIXTURES "/../../fuzz/corpus/" + target, XGRAD_FIXTURES "/fuzz/" + target}) {
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      SCOPED_TRACE(entry.path().string());
      EXPECT_NO_THROW(run(bytes.data(), bytes.size()));
      ++files;
    }
  }
  return files;
}

TEST(FuzzCorpus, IdxInputsParseOrThrowError) { EXPECT_GE(replay("fuzz_idx", xgrad_fuzz::idx_input), 5u); }

TEST(FuzzCorpus, CsvInputsParseOrThrowError) { EXPECT_GE(replay("fuzz_csv", xgrad_fuzz::csv_input), 3u); }

}  // namespace
