#pragma once
// Checkpoints in the safetensors format, readable by Hugging Face's safetensors and by a few lines
// of numpy:
//
//   8 bytes     N, the header length, unsigned little-endian
//   N bytes     JSON: {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
//               (an optional "__metadata__" entry maps strings to strings)
//   the rest    every tensor's raw little-endian bytes, row-major, at [begin, end) counted from
//               the end of the header; the tensors tile this region exactly
//
// F32, F64 and I64 map to float32, float64 and int64.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "xgrad/core/state_dict.hpp"

namespace xgrad {

// Writes a temporary file next to `path` and renames it over `path` once it is complete and
// flushed to disk: a crash or an error mid-save leaves any previous file at `path` untouched.
void save(const StateDict& tensors, const std::filesystem::path& path);

// String pairs stored in the file's "__metadata__" beside the tensors (what any safetensors reader
// shows as metadata). Keys starting "xgrad.crc32." are the checksums' own and cannot be given.
using Metadata = std::map<std::string, std::string>;
void save(const StateDict& tensors, const std::filesystem::path& path, const Metadata& metadata);

// Reads a file written by save() or by any safetensors writer (F32/F64/I64 tensors). Checks the
// whole header against the file's size before allocating anything: the header length, every
// entry's dtype, shape and offsets, that shape x element size equals the byte length, and that
// the tensors neither overlap nor leave gaps. Any violation throws an Error naming the file and
// the field; nothing is read out of bounds.
StateDict load(const std::filesystem::path& path);
// The same, also returning the file's metadata (the checksums left out) in `metadata`.
StateDict load(const std::filesystem::path& path, Metadata& metadata);
// The same checks on a safetensors image in memory; `source` names it in errors. The fuzz
// target's entry point.
StateDict load_bytes(std::string_view bytes, const std::string& source = "<memory>");

}  // namespace xgrad
