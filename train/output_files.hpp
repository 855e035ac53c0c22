#pragma once
// Writing a training's outputs (metrics, pictures, reports) so that a failure is seen and nothing
// half-written is left: each file is written whole to a temporary file next to it
// (NAME.tmp.<pid>.<n>, the pattern xg::save uses for checkpoints), flushed to disk and renamed
// over NAME. On a full disk the old NAME stays as it was and the caller gets an exception naming
// the file and the reason.
#include <cstddef>
#include <filesystem>
#include <string_view>

namespace xgrad::train {

// Writes `bytes` to `path` atomically; throws std::runtime_error("cannot write PATH: REASON").
void write_file(const std::filesystem::path& path, std::string_view bytes);

// Removes the temporary files NAME.tmp.<pid>.<n> in `dir` whose process <pid> is no longer
// alive (left by a run killed mid-write); returns how many. Others' temporaries stay.
std::size_t remove_stale_temporaries(const std::filesystem::path& dir);

}  // namespace xgrad::train
