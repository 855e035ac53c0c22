#include "xgrad/data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <memory>

#include "xgrad/core/error.hpp"

namespace xgrad::data {

namespace {

// gzerror's message starts with the file name, which our messages already give.
std::string zlib_message(gzFile file, const std::string& name) {
  int code = Z_OK;
  std::string message = gzerror(file, &code);
  if (message.rfind(name + ": ", 0) == 0) message.erase(0, name.size() + 2);
  return message;
}

const char* type_name(std::uint8_t code) {
  switch (code) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    default: return "unknown";
  }
}

std::uint32_t big_endian_u32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
}

// What the file will decompress to, as a capacity hint only: a gzip file's last 4 bytes (ISIZE,
// the size mod 2^32, little-endian), at most deflate's largest ratio (1032:1) times the file's
// size, so a forged trailer cannot reserve more than the data could fill; a plain file's size;
// 0 when unknown.
std::size_t decompressed_size_hint(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  const std::streamoff size = in ? std::streamoff(in.tellg()) : 0;
  if (size < 18) return std::size_t(std::max<std::streamoff>(size, 0));
  unsigned char magic[2] = {}, isize[4] = {};
  in.seekg(0);
  in.read(reinterpret_cast<char*>(magic), 2);
  if (magic[0] != 0x1f || magic[1] != 0x8b) return std::size_t(size);
  in.seekg(size - 4);
  in.read(reinterpret_cast<char*>(isize), 4);
  if (!in) return 0;
  const std::size_t claimed =
      std::size_t(isize[0]) | std::size_t(isize[1]) << 8 | std::size_t(isize[2]) << 16 | std::size_t(isize[3]) << 24;
  return std::min(claimed, std::size_t(size) * 1032);
}

// The header's dims and its length in bytes, once the whole buffer is checked against it.
struct IdxHeader {
  std::vector<std::size_t> dims;
  std::size_t bytes = 0;
};

IdxHeader parse_header(std::span<const std::uint8_t> bytes, const std::string& source) {
  const char* op = "parse_idx";
  if (bytes.size() < 4) fail(op, source, ": ", bytes.size(), " bytes is too short for the 4-byte IDX magic number");
  if (bytes[0] != 0 || bytes[1] != 0)
    fail(op, source, ": not an IDX file: the magic number starts with bytes ", int(bytes[0]), ", ", int(bytes[1]),
         " instead of 0, 0");
  const std::uint8_t type = bytes[2];
  if (type != 0x08)
    fail(op, source, ": element type code 0x", std::hex, int(type), std::dec, " (", type_name(type),
         ") is not supported; only 0x8 (unsigned byte) is");
  const std::size_t ndims = bytes[3];
  if (ndims == 0) fail(op, source, ": the header declares 0 dims");
  const std::size_t header = 4 + 4 * ndims;
  if (bytes.size() < header)
    fail(op, source, ": the header declares ", ndims, " dims, which need ", header, " bytes, but the buffer has ",
         bytes.size());

  IdxHeader out{{}, header};
  std::size_t count = 1;
  for (std::size_t i = 0; i < ndims; ++i) {
    const std::size_t d = big_endian_u32(bytes.data() + 4 + 4 * i);
    if (d == 0) fail(op, source, ": dim ", i, " has size 0");
    if (count > std::numeric_limits<std::size_t>::max() / d)
      fail(op, source, ": the product of the dims overflows at dim ", i, " (size ", d, ")");
    count *= d;
    out.dims.push_back(d);
  }
  const std::size_t available = bytes.size() - header;
  if (count != available)
    fail(op, source, ": the dims declare ", count, " elements but ", available, " bytes follow the header",
         available < count ? " (truncated file?)" : " (trailing bytes)");
  return out;
}

}  // namespace

IdxArray parse_idx(std::span<const std::uint8_t> bytes, const std::string& source) {
  IdxHeader header = parse_header(bytes, source);
  return {std::move(header.dims), std::vector<std::uint8_t>(bytes.begin() + std::ptrdiff_t(header.bytes), bytes.end())};
}

std::vector<std::uint8_t> read_maybe_gzip(const std::filesystem::path& path, std::size_t max_bytes) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    fail("read_maybe_gzip", name, ": no such file", ec ? " (" + ec.message() + ")" : std::string());
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(name.c_str(), "rb"), gzclose);
  if (!file) fail("read_maybe_gzip", name, ": cannot open the file");

  std::vector<std::uint8_t> out;
  // Reserved once, so that growing does not hold the old and the new buffer at the same time.
  out.reserve(std::min(decompressed_size_hint(path), max_bytes));
  std::vector<std::uint8_t> chunk(std::size_t(1) << 20);
  while (true) {
    const int n = gzread(file.get(), chunk.data(), unsigned(chunk.size()));
    if (n < 0) fail("read_maybe_gzip", name, ": cannot decompress: ", zlib_message(file.get(), name));
    if (n == 0) break;
    if (out.size() + std::size_t(n) > max_bytes)
      fail("read_maybe_gzip", name, ": decompresses to more than the limit of ", max_bytes, " bytes");
    out.insert(out.end(), chunk.begin(), chunk.begin() + n);
  }
  // gzread reports a stream that stops mid-way as a plain end of file; gzerror tells them apart.
  int code = Z_OK;
  gzerror(file.get(), &code);
  if (code != Z_OK) fail("read_maybe_gzip", name, ": cannot decompress: ", zlib_message(file.get(), name));
  return out;
}

IdxArray read_idx(const std::filesystem::path& path) {
  std::vector<std::uint8_t> bytes = read_maybe_gzip(path);
  IdxHeader header = parse_header(bytes, path.string());
  // The elements stay where they were read: a 47 MB image file is not held twice.
  bytes.erase(bytes.begin(), bytes.begin() + std::ptrdiff_t(header.bytes));
  return {std::move(header.dims), std::move(bytes)};
}

}  // namespace xgrad::data
