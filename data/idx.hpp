#pragma once
// The IDX format of MNIST and Fashion-MNIST (yann.lecun.com/exdb/mnist), big-endian throughout:
//
//   2 bytes   0, 0
//   1 byte    the element type: 0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32,
//             0x0D float32, 0x0E float64
//   1 byte    the number of dims, d
//   4 d bytes each dim's size, uint32
//   the rest  the elements, row-major
//
// Only unsigned bytes (the type of every MNIST file) are read; the other codes are named in the
// error. The parser is the file reader's core and a fuzz target: it checks the whole header
// against the buffer's length before allocating, so no header can make it allocate more than the
// data the buffer holds.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace xgrad::data {

struct IdxArray {
  std::vector<std::size_t> dims;   // e.g. (60000, 28, 28) for images, (60000) for labels
  std::vector<std::uint8_t> data;  // the elements, row-major; size = product of dims
};

// Parses an uncompressed IDX buffer. `source` names it in errors (a file name, or "<memory>").
// Throws xg::Error on a wrong magic number, an unsupported type, no dims, a size of 0, a product
// of dims that overflows, or a data length other than the product of dims.
IdxArray parse_idx(std::span<const std::uint8_t> bytes, const std::string& source = "<memory>");

// The whole content of a file, decompressed when it is gzip (zlib's gzread passes an uncompressed
// file through unchanged). Stops with an error once more than `max_bytes` come out, so a small
// compressed file cannot fill the memory.
std::vector<std::uint8_t> read_maybe_gzip(const std::filesystem::path& path, std::size_t max_bytes = std::size_t(1)
                                                                                                     << 30);

// read_maybe_gzip then parse_idx, naming the file in every error.
IdxArray read_idx(const std::filesystem::path& path);

}  // namespace xgrad::data
