#include "xgrad/core/serialize.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "xgrad/core/function.hpp"

namespace xgrad {

// Tensors go to disk as their in-memory bytes; the format is little-endian, and so is every
// platform xgrad builds on. A big-endian port would byte-swap in write_all / read_tensor.
static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {
using json = nlohmann::json;

// safetensors' own limit on the header: a larger one is not a checkpoint but an attack.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

// Nothing in a valid header nests deeper than this: the top-level object, an entry's object and
// its shape list (or __metadata__'s object).
constexpr int kMaxHeaderDepth = 3;

// save() stores each tensor's zlib crc32 in __metadata__ as "xgrad.crc32.<name>": "<8 hex digits>"
// (metadata values must be strings, so other safetensors readers still read the file); load()
// checks every tensor that has one.
constexpr std::string_view kCrcPrefix = "xgrad.crc32.";

std::uint32_t crc32_of(const char* data, std::size_t n) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  // zlib takes 32-bit lengths: feed it in chunks.
  constexpr std::size_t kChunk = std::size_t(1) << 30;
  for (std::size_t at = 0; at < n; at += kChunk)
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(data + at), uInt(std::min(kChunk, n - at)));
  return std::uint32_t(crc);
}

std::string hex32(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

const char* safetensors_dtype(Dtype d) {
  switch (d) {
    case kFloat32: return "F32";
    case kFloat64: return "F64";
    case kInt64: return "I64";
  }
  return "?";
}

// --- save ----------------------------------------------------------------------------------

// The bytes of a tensor's xt::xarray, row-major (an xarray is always contiguous).
std::pair<const char*, std::size_t> raw_bytes(const Tensor& t) {
  return std::visit(
      [](const auto& a) {
        return std::pair{reinterpret_cast<const char*>(a.data()), a.size() * sizeof(*a.data())};
      },
      t.storage());
}

[[noreturn]] void fail_io(const std::filesystem::path& path, const char* what, int err) {
  fail("save", path.string(), ": ", what, ": ", std::strerror(err));
}

// Owns the temporary file until it is renamed into place; removes it on any early exit.
class TempFile {
 public:
  explicit TempFile(const std::filesystem::path& target) {
    static std::atomic<unsigned> counter{0};
    for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
      path_ = target;
      path_ += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);  // the umask applies
      if (fd_ < 0 && errno != EEXIST) fail_io(target, "cannot create a temporary file next to it", errno);
    }
    if (fd_ < 0) fail_io(target, "cannot create a temporary file next to it", EEXIST);
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  void write_all(const std::filesystem::path& target, const char* data, std::size_t n) {
    while (n > 0) {
      const ssize_t w = ::write(fd_, data, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) fail_io(target, "write failed", w < 0 ? errno : EIO);
      data += w;
      n -= std::size_t(w);
    }
  }

  // Flushes the data to disk, closes, and renames over the target: the atomic step.
  void commit(const std::filesystem::path& target) {
    if (::fsync(fd_) != 0) fail_io(target, "fsync failed", errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail_io(target, "close failed", errno);
    if (::rename(path_.c_str(), target.c_str()) != 0)
      fail_io(target, "cannot rename the temporary file onto it", errno);
    committed_ = true;
    // Make the rename itself durable; a directory that cannot be opened only loses that.
    std::filesystem::path dir = target.parent_path();
    if (dir.empty()) dir = ".";
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool committed_ = false;
};

// --- load ----------------------------------------------------------------------------------

struct Entry {
  std::string name;
  Dtype dtype;
  Shape shape;
  std::uint64_t begin, end;
};

std::size_t element_size(Dtype d) { return d == kFloat32 ? 4 : 8; }

// Reads and checks a safetensors image piece by piece from a stream of `size` bytes; every
// message starts "load: <source>: ".
class Reader {
 public:
  Reader(std::istream& in, std::uint64_t size, std::string source) : in_(in), size_(size), source_(std::move(source)) {}

  template <class... Args>
  [[noreturn]] void error(Args&&... parts) const {
    fail("load", source_, ": ", std::forward<Args>(parts)...);
  }

  StateDict read() {
    const std::uint64_t size = size_;
    if (size < 8) error("the file is ", size, " bytes long, too short for the 8-byte header length");
    unsigned char len[8];
    read_at(0, reinterpret_cast<char*>(len), 8, "the header length");
    std::uint64_t header_len = 0;
    for (int i = 7; i >= 0; --i) header_len = header_len << 8 | len[i];
    if (header_len > size - 8)
      error("the header length field says ", header_len, " bytes but only ", size - 8, " bytes follow it");
    if (header_len > kMaxHeaderBytes)
      error("the header length ", header_len, " exceeds the limit of ", kMaxHeaderBytes);
    if (header_len == 0) error("the header length is 0; a header is at least '{}'");
    std::string header(header_len, '\0');
    read_at(8, header.data(), header_len, "the header");

    data_start_ = 8 + header_len;
    data_size_ = size - data_start_;
    std::vector<Entry> entries = parse_header(header);
    check_tiling(entries);

    StateDict out;
    for (const Entry& e : entries) out.emplace(e.name, read_tensor(e));
    return out;
  }

 private:
  void read_at(std::uint64_t offset, char* dst, std::uint64_t n, const char* what) {
    if (n == 0) return;  // an empty tensor's data() may be null
    in_.seekg(std::streamoff(offset));
    in_.read(dst, std::streamsize(n));
    if (!in_ || std::uint64_t(in_.gcount()) != n)
      error("could not read ", what, " (", n, " bytes at offset ", offset, ")");
  }

  std::vector<Entry> parse_header(const std::string& header) {
    check_depth(header);
    json j;
    try {
      j = json::parse(header);
    } catch (const json::exception& e) {
      error("the header is not valid JSON: ", e.what());
    }
    if (!j.is_object()) error("the header is JSON ", j.type_name(), ", not an object of tensors");
    std::vector<Entry> entries;
    for (const auto& [name, info] : j.items()) {
      if (name == "__metadata__") {
        if (!info.is_object()) error("__metadata__ is ", info.type_name(), ", not an object of strings");
        for (const auto& [key, value] : info.items()) {
          if (!value.is_string()) error("__metadata__ entry '", key, "' is ", value.type_name(), ", not a string");
          if (key.starts_with(kCrcPrefix))
            parse_checksum(key, value.get<std::string>());
          else
            metadata_[key] = value.get<std::string>();
        }
        continue;
      }
      entries.push_back(parse_entry(name, info));
    }
    for (const auto& [name, crc] : checksums_)
      if (!j.contains(name) || name == "__metadata__")
        error("__metadata__ holds a checksum for tensor '", name, "', which the file does not hold");
    return entries;
  }

  // Refuses input nested deeper than kMaxHeaderDepth before parsing it, in one linear pass over
  // the text (brackets inside strings do not count). nlohmann's parse callback, used for this
  // before, re-scans an object's members each time one of them ends: quadratic in the number of
  // entries (a header of 20,000 empty tensors took 14 s).
  void check_depth(const std::string& header) const {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < header.size(); ++i) {
      const char c = header[i];
      if (in_string) {
        if (c == '\\')
          ++i;  // the escaped character cannot end the string
        else if (c == '"')
          in_string = false;
        continue;
      }
      if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        if (++depth > kMaxHeaderDepth)
          error("the header is not a safetensors header: JSON nested more than ", kMaxHeaderDepth,
                " levels deep (at byte ", i, ")");
      } else if (c == '}' || c == ']') {
        --depth;
      }
    }
  }

  void parse_checksum(const std::string& key, const std::string& value) {
    const std::string name = key.substr(kCrcPrefix.size());
    std::uint32_t crc = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), crc, 16);
    if (value.size() != 8 || ec != std::errc() || end != value.data() + value.size())
      error("__metadata__ entry '", key, "' is '", value, "', not a crc32 of 8 hex digits");
    checksums_[name] = crc;
  }

  // A JSON integer in [0, 2^64), or an error naming the tensor and the field.
  std::uint64_t unsigned_field(const std::string& name, const char* field, const json& v) const {
    if (!v.is_number_unsigned())
      error("tensor '", name, "': ", field, " holds ", v.dump(), ", not a non-negative integer");
    return v.get<std::uint64_t>();
  }

  Entry parse_entry(const std::string& name, const json& info) const {
    if (!info.is_object()) error("tensor '", name, "' is described by JSON ", info.type_name(), ", not an object");
    for (const auto& [key, value] : info.items())
      if (key != "dtype" && key != "shape" && key != "data_offsets")
        error("tensor '", name, "' has an unknown field '", key, "'");
    for (const char* field : {"dtype", "shape", "data_offsets"})
      if (!info.contains(field)) error("tensor '", name, "' has no '", field, "' field");

    Entry e{name, kFloat32, {}, 0, 0};
    const json& dtype = info["dtype"];
    if (!dtype.is_string()) error("tensor '", name, "': dtype is ", dtype.dump(), ", not a string");
    const std::string d = dtype.get<std::string>();
    if (d == "F32")
      e.dtype = kFloat32;
    else if (d == "F64")
      e.dtype = kFloat64;
    else if (d == "I64")
      e.dtype = kInt64;
    else
      error("tensor '", name, "': dtype '", d, "' is not supported; xgrad reads F32, F64 and I64");

    const json& shape = info["shape"];
    if (!shape.is_array()) error("tensor '", name, "': shape is ", shape.dump(), ", not a list of sizes");
    // numel * element size, refusing anything that overflows or exceeds the data region.
    std::uint64_t bytes = element_size(e.dtype);
    bool overflow = false, empty = false;
    for (const json& dim : shape) {
      const std::uint64_t n = unsigned_field(name, "a shape entry", dim);
      overflow = __builtin_mul_overflow(bytes, n, &bytes) || overflow;
      empty = empty || n == 0;
      e.shape.push_back(std::size_t(n));
    }
    if (empty)
      bytes = 0;
    else if (overflow)
      bytes = UINT64_MAX;  // more than any file holds

    const json& offsets = info["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2)
      error("tensor '", name, "': data_offsets is ", offsets.dump(), ", not a [begin, end] pair");
    e.begin = unsigned_field(name, "data_offsets", offsets[0]);
    e.end = unsigned_field(name, "data_offsets", offsets[1]);
    if (e.begin > e.end) error("tensor '", name, "': data_offsets [", e.begin, ", ", e.end, "] end before they begin");
    if (e.end > data_size_)
      error("tensor '", name, "': data_offsets [", e.begin, ", ", e.end, "] run past the ", data_size_,
            " data bytes the file holds");
    if (e.end - e.begin != bytes)
      error("tensor '", name, "': data_offsets [", e.begin, ", ", e.end, "] span ", e.end - e.begin,
            " bytes but shape ", to_string(e.shape), " of ", d, " needs ",
            bytes == UINT64_MAX ? std::string("more than 2^64") : std::to_string(bytes));
    // An empty tensor passes the byte count whatever its other sizes; xtensor's strides would
    // still multiply them (signed overflow at (0, 2^32, 2^32, 2^32)).
    checked_numel(("load: " + source_ + ": tensor '" + name + "'").c_str(), e.shape);
    return e;
  }

  // The tensors must cover the data region exactly, in some order: no overlap, no gap, nothing
  // after the last one (safetensors' own rule).
  void check_tiling(std::vector<Entry>& entries) const {
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); });
    std::uint64_t at = 0;
    const Entry* previous = nullptr;
    for (const Entry& e : entries) {
      if (e.begin < at)
        error("tensors '", previous->name, "' and '", e.name, "' overlap: data_offsets [", previous->begin, ", ",
              previous->end, "] and [", e.begin, ", ", e.end, "]");
      if (e.begin > at)
        error("tensor '", e.name, "': data_offsets [", e.begin, ", ", e.end, "] leave bytes [", at, ", ", e.begin,
              ") unused");
      at = e.end;
      previous = &e;
    }
    if (at != data_size_)
      error("the tensors end at data byte ", at, " but the file holds ", data_size_, " data bytes after the header");
  }

  Tensor read_tensor(const Entry& e) {
    auto fill = [&]<class T>(xt::xarray<T> a) {
      char* bytes = reinterpret_cast<char*>(a.data());
      read_at(data_start_ + e.begin, bytes, e.end - e.begin, "tensor data");
      const auto crc = checksums_.find(e.name);
      if (crc != checksums_.end()) {
        const std::uint32_t actual = crc32_of(bytes, e.end - e.begin);
        if (actual != crc->second)
          error("tensor '", e.name, "': its data fails the integrity check (crc32 ", hex32(actual), ", but the file's ",
                "__metadata__ says ", hex32(crc->second), "): the file is corrupt");
      }
      return Tensor(Storage(std::move(a)));
    };
    switch (e.dtype) {
      case kFloat32: return fill(xt::xarray<float>(xt::empty<float>(e.shape)));
      case kFloat64: return fill(xt::xarray<double>(xt::empty<double>(e.shape)));
      case kInt64: return fill(xt::xarray<std::int64_t>(xt::empty<std::int64_t>(e.shape)));
    }
    error("tensor '", e.name, "': unknown dtype");
  }

  std::istream& in_;
  std::uint64_t size_;
  std::string source_;
  std::uint64_t data_start_ = 0, data_size_ = 0;
  std::map<std::string, std::uint32_t> checksums_;  // from __metadata__, by tensor name

 public:
  Metadata metadata_;  // __metadata__'s other entries
};
}  // namespace

void save(const StateDict& tensors, const std::filesystem::path& path) { save(tensors, path, Metadata{}); }

void save(const StateDict& tensors, const std::filesystem::path& path, const Metadata& user_metadata) {
  // The header is built as text, entry by entry, in the order of `tensors`: nlohmann's
  // ordered_json finds a key by a linear search, which made a large header quadratic to build.
  json metadata = json::object();  // sorted like `tensors`, since every key has the same prefix
  for (const auto& [key, value] : user_metadata) {
    if (key.starts_with(kCrcPrefix))
      fail("save", path.string(), ": metadata key '", key, "' is reserved for the checksums");
    try {
      metadata[key] = value;
      (void)metadata.dump();  // refuses invalid UTF-8 here, where the key can be named
    } catch (const json::exception&) {
      fail("save", path.string(), ": metadata entry '", key, "' is not valid UTF-8");
    }
  }
  std::string entries;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name.empty()) fail("save", path.string(), ": a tensor has an empty name");
    if (name == "__metadata__") fail("save", path.string(), ": '__metadata__' is reserved and cannot name a tensor");
    if (!t.defined()) fail("save", path.string(), ": tensor '", name, "' is undefined");
    const auto [data, bytes] = raw_bytes(t);
    const nlohmann::ordered_json info = {{"dtype", safetensors_dtype(t.dtype())},
                                         {"shape", t.shape()},
                                         {"data_offsets", {offset, offset + std::uint64_t(bytes)}}};
    try {
      entries += ',' + json(name).dump() + ':' + info.dump();
    } catch (const json::exception&) {
      fail("save", path.string(), ": the tensor name '", name, "' is not valid UTF-8");
    }
    metadata[std::string(kCrcPrefix) + name] = hex32(crc32_of(data, bytes));
    offset += bytes;
  }
  // __metadata__ first, as safetensors' own writer puts it.
  std::string text =
      tensors.empty() && user_metadata.empty() ? "{}" : "{\"__metadata__\":" + metadata.dump() + entries + "}";
  // Spaces pad the header so that the data starts 8-byte aligned, as safetensors' writer does.
  text.append((8 - text.size() % 8) % 8, ' ');
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(std::uint64_t(text.size()) >> (8 * i));

  TempFile file(path);
  file.write_all(path, reinterpret_cast<const char*>(len), 8);
  file.write_all(path, text.data(), text.size());
  for (const auto& [name, t] : tensors) {
    const auto [data, n] = raw_bytes(t);
    file.write_all(path, data, n);
  }
  file.commit(path);
}

StateDict load(const std::filesystem::path& path) {
  Metadata ignored;
  return load(path, ignored);
}

StateDict load(const std::filesystem::path& path, Metadata& metadata) {
  auto error = [&](auto&&... parts) { fail("load", path.string(), ": ", parts...); };
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) error("no such file");
  if (ec) error("cannot access it: ", ec.message());
  if (status.type() != std::filesystem::file_type::regular) error("not a regular file");
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) error("cannot read its size: ", ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) error("cannot open it for reading: ", std::strerror(errno));
  Reader reader(in, size, path.string());
  StateDict out = reader.read();
  metadata = std::move(reader.metadata_);
  return out;
}

StateDict load_bytes(std::string_view bytes, const std::string& source) {
  std::istringstream in{std::string(bytes)};
  return Reader(in, bytes.size(), source).read();
}

}  // namespace xgrad
