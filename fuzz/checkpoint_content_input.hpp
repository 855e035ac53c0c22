#pragma once
// Fuzz target for checkpoint CONTENT: files that are valid safetensors with the keys, dtypes and
// shapes a trainer writes, but hostile values (counters of 2^62 or -1, NaN or negative optimizer
// state, an all-zero RNG, orders that are not permutations, a resized tensor, a checksum that does
// not match), pushed through each trainer's resume path: train::LinearRegressionTrainer,
// train::ClassifierTrainer and train::TinyYoloTrainer, each `load_state_dict(xg::load_bytes(...))`.
//
// The first input byte picks the mode:
//   even  structured: the next byte picks one of the real checkpoints below (templates) and the
//         trainer configuration to resume it into; then up to 8 mutations, each a few bytes
//         (kind, entry, element, value); then how the checksums are written.
//   odd   raw: the next byte picks the trainer configuration, the rest is the file itself (the
//         corpus holds the templates as files, for libFuzzer to mutate the header text too).
//
// Findings (std::abort with a message on stderr; libFuzzer keeps the input):
//   - a crash, a sanitizer report, an exception that is not xg::Error, a hang or OOM (libFuzzer);
//   - an accepted checkpoint whose own re-save does not load back, or loads to other bits;
//   - training on from an accepted checkpoint throwing anything but xg::Error.
// Soft findings (printed once per kind, the run goes on; XGRAD_FUZZ_STRICT=1 makes them abort):
//   - an accepted checkpoint that leaves impossible state: optimizer state non-finite or a
//     negative average of squares, a rate that is not finite and >= 0, history values out of
//     range, step counters that disagree (Adam's step, the scheduler's, the trainer's), a
//     generator that draws one number forever;
//   - a refused checkpoint that changed the trainer (a load must check everything first).
//
// fuzz_checkpoint_content.cpp hands it to libFuzzer; tests/train/test_fuzz_corpus.cpp replays the
// corpus and past findings through it; XGRAD_FUZZ_WRITE_SEEDS=<dir> writes the seed corpus.
#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>
#include <xgrad/core/error.hpp>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/generator.hpp>
#include <xgrad/core/serialize.hpp>
#include <xgrad/data/shapes.hpp>
#include <xgrad/models/classifier.hpp>
#include <xgrad/models/linear_regression.hpp>
#include <xgrad/models/tiny_yolo.hpp>
#include <xgrad/train/classifier_trainer.hpp>
#include <xgrad/train/linear_regression_trainer.hpp>
#include <xgrad/train/tiny_yolo_trainer.hpp>

namespace xgrad_fuzz {

namespace content {

namespace xg = xgrad;
namespace xtr = xgrad::train;
namespace xm = xgrad::models;

[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz_checkpoint_content FINDING: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// --- the file as bytes --------------------------------------------------------------------------

// One safetensors entry as a hostile file can state it.
struct RawEntry {
  std::string dtype;  // "F32", "F64" or "I64"
  std::vector<std::uint64_t> shape;
  std::string bytes;
};
using RawCheckpoint = std::map<std::string, RawEntry>;

inline std::size_t element_size(const std::string& dtype) { return dtype == "F32" ? 4 : 8; }

inline RawCheckpoint to_raw(const xg::StateDict& dict) {
  RawCheckpoint out;
  for (const auto& [name, t] : dict) {
    RawEntry e;
    const xg::Shape shape = t.shape();  // by value: begin() and end() of one copy
    e.shape.assign(shape.begin(), shape.end());
    const auto copy = [&](const auto& a) {
      e.bytes.assign(reinterpret_cast<const char*>(a.data()), a.size() * sizeof(*a.data()));
    };
    if (t.dtype() == xg::kFloat32) e.dtype = "F32", copy(t.data<float>());
    if (t.dtype() == xg::kFloat64) e.dtype = "F64", copy(t.data<double>());
    if (t.dtype() == xg::kInt64) e.dtype = "I64", copy(t.data<std::int64_t>());
    out.emplace(name, std::move(e));
  }
  return out;
}

enum class Checksums { None, Correct, OneWrong, DataFlipped, ForMissingTensor, Malformed, Count };

inline std::string hex32(std::uint32_t v) {
  char text[9];
  std::snprintf(text, sizeof text, "%08x", v);
  return text;
}

inline std::uint32_t crc32_of(const std::string& s) {
  return std::uint32_t(::crc32(::crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(s.data()), uInt(s.size())));
}

// The safetensors image, with the checksums in __metadata__ as xg::save writes them (or not, or
// wrong as `checksums` says; `pick` chooses which tensor).
inline std::string serialize(const RawCheckpoint& c, Checksums checksums, std::size_t pick) {
  std::string entries, metadata, blob;
  std::size_t i = 0, picked = c.empty() ? 0 : pick % c.size();
  std::string flipped_name;
  for (const auto& [name, e] : c) {
    std::string bytes = e.bytes;
    std::uint32_t crc = crc32_of(bytes);
    if (i == picked && checksums == Checksums::OneWrong) crc ^= 1u << (pick % 32);
    if (i == picked && checksums == Checksums::DataFlipped && !bytes.empty())
      bytes[pick % bytes.size()] = char(bytes[pick % bytes.size()] ^ (1 << (pick % 8)));
    if (checksums != Checksums::None)
      metadata += ",\"xgrad.crc32." + name + "\":\"" +
                  (i == picked && checksums == Checksums::Malformed ? std::string("xyz") : hex32(crc)) + "\"";
    std::string shape;
    for (std::uint64_t d : e.shape) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    entries += ",\"" + name + "\":{\"dtype\":\"" + e.dtype + "\",\"shape\":[" + shape + "],\"data_offsets\":[" +
               std::to_string(blob.size()) + "," + std::to_string(blob.size() + bytes.size()) + "]}";
    blob += bytes;
    ++i;
  }
  if (checksums == Checksums::ForMissingTensor) metadata += ",\"xgrad.crc32.no.such.tensor\":\"00000000\"";
  std::string header = "{\"__metadata__\":{\"format\":\"pt\"" + metadata + "}" + entries + "}";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  std::uint64_t n = header.size();
  for (int b = 0; b < 8; ++b) out[std::size_t(b)] = char((n >> (8 * b)) & 0xff);
  return out + header + blob;
}

// --- reading the fuzzer's bytes from the front (so that seeds can be written by hand) ----------

class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t u8() { return at_ < size_ ? data_[at_++] : 0; }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t(u8()) << (8 * i);
    return v;
  }
  std::size_t left() const { return size_ - at_; }
  std::string_view rest() const { return {reinterpret_cast<const char*>(data_ + at_), size_ - at_}; }

 private:
  const std::uint8_t* data_;
  std::size_t size_, at_ = 0;
};

// Values that break counters and arithmetic, by dtype; a byte indexes them, past the end a
// value is taken from the next 8 bytes as they are.
inline std::int64_t hostile_int(Bytes& in, std::int64_t current) {
  constexpr std::int64_t big = std::numeric_limits<std::int64_t>::max(),
                         small = std::numeric_limits<std::int64_t>::min();
  // The neighbours of the current value wrap (unsigned arithmetic): the harness itself must not overflow.
  const auto near = [&](std::uint64_t times, std::uint64_t plus) {
    return std::bit_cast<std::int64_t>(std::bit_cast<std::uint64_t>(current) * times + plus);
  };
  const std::int64_t table[] = {
      0,   1,       -1,         2,           near(1, 1), near(1, ~0ull), near(2, 0), small,
      big, big - 1, 1ll << 31,  1ll << 32,   1ll << 33,  1ll << 40,      1ll << 62,  -(1ll << 62),
      312, 313,     near(1, 2), 0x7fffffffll};
  const std::uint8_t k = in.u8();
  if (k < std::size(table)) return table[k];
  return std::int64_t(in.u64());
}

inline double hostile_double(Bytes& in, double current) {
  const double table[] = {std::numeric_limits<double>::quiet_NaN(),
                          std::numeric_limits<double>::infinity(),
                          -std::numeric_limits<double>::infinity(),
                          -1.0,
                          0.0,
                          -0.0,
                          1.0,
                          5.0,
                          1e300,
                          -1e300,
                          std::numeric_limits<double>::denorm_min(),
                          std::numeric_limits<double>::max(),
                          1e38,
                          4e38,  // beyond float32
                          -current,
                          current * 1e10,
                          current + 1,
                          0x1p63,
                          0x1p64,
                          1.5,
                          0.5,
                          1e-300};
  const std::uint8_t k = in.u8();
  if (k < std::size(table)) return table[k];
  return std::bit_cast<double>(in.u64());
}

// --- mutating the checkpoint's content ----------------------------------------------------------

inline std::uint64_t numel(const RawEntry& e) {
  std::uint64_t n = 1;
  for (std::uint64_t d : e.shape) n = d == 0 ? 0 : (n > (1ull << 40) / d ? (1ull << 41) : n * d);
  return n;
}

// Element `i` of `e` as a double; its raw bits (memcpy: the bytes are not aligned).
inline std::uint64_t bits_at(const RawEntry& e, std::size_t i) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, e.bytes.data() + element_size(e.dtype) * i, element_size(e.dtype));
  return bits;
}

inline double get(const RawEntry& e, std::size_t i) {
  if (e.dtype == "F32") return std::bit_cast<float>(std::uint32_t(bits_at(e, i)));
  if (e.dtype == "F64") return std::bit_cast<double>(bits_at(e, i));
  return double(std::bit_cast<std::int64_t>(bits_at(e, i)));
}

inline void put_bits(RawEntry& e, std::size_t i, std::uint64_t bits) {
  std::memcpy(e.bytes.data() + element_size(e.dtype) * i, &bits, element_size(e.dtype));
}

// A hostile value for element `i` of `e`, as bits of its dtype.
inline std::uint64_t hostile_bits(const RawEntry& e, std::size_t i, Bytes& in) {
  if (e.dtype == "I64") return std::uint64_t(hostile_int(in, std::bit_cast<std::int64_t>(bits_at(e, i))));
  if (e.dtype == "F64") return std::bit_cast<std::uint64_t>(hostile_double(in, get(e, i)));
  return std::bit_cast<std::uint32_t>(float(hostile_double(in, get(e, i))));
}

// The same values in another dtype (converted as numbers, so the sizes stay consistent).
inline void convert(RawEntry& e, const std::string& dtype) {
  RawEntry out{dtype, e.shape, std::string(numel(e) * element_size(dtype), '\0')};
  for (std::size_t i = 0; i < numel(e); ++i) {
    const double v = get(e, i);
    if (dtype == "I64")
      put_bits(out, i, std::uint64_t(std::isfinite(v) && std::abs(v) < 0x1p62 ? std::int64_t(v) : 0));
    else if (dtype == "F64")
      put_bits(out, i, std::bit_cast<std::uint64_t>(v));
    else
      put_bits(out, i, std::bit_cast<std::uint32_t>(float(v)));
  }
  e = std::move(out);
}

// A hostile shape: dims from a table (zero, one, the old ones +-1, 2^32...) so that most stay
// small enough to hold real data; a shape of zero elements may have any other dims.
inline void reshape(RawEntry& e, Bytes& in) {
  const std::uint64_t old0 = e.shape.empty() ? 1 : e.shape[0];
  const std::uint64_t table[] = {0, 1, 2, 3, old0, old0 + 1, old0 - 1, 313, 1ull << 32, 1ull << 40, 1ull << 62};
  std::vector<std::uint64_t> shape(in.u8() % 5);
  for (auto& d : shape) d = table[in.u8() % std::size(table)];
  RawEntry candidate{e.dtype, shape, {}};
  const std::uint64_t n = numel(candidate);
  if (n > (1u << 16)) return;  // would need real data that large: the format fuzzer's ground
  candidate.bytes = e.bytes;
  candidate.bytes.resize(n * element_size(e.dtype), '\0');
  e = std::move(candidate);
}

// Names a trainer might look for, for added or renamed entries.
inline const char* const kExtraNames[] = {"optimizer.state.99.exp_avg",
                                          "optimizer.param_groups.1.lr",
                                          "optimizer.state.0.momentum_buffer",
                                          "optimizer.state.0.exp_avg_sq",
                                          "optimizer.state.0.step",
                                          "model.extra",
                                          "progress.order",
                                          "progress.epoch",
                                          "order",
                                          "scheduler.last_epoch",
                                          "history.loss",
                                          "history.test_accuracy",
                                          "run.seed",
                                          "rng",
                                          "__metadata__x",
                                          ""};

inline void mutate(RawCheckpoint& c, Bytes& in) {
  if (c.empty()) return;
  const std::uint8_t kind = in.u8() % 10;
  auto it = std::next(c.begin(), std::ptrdiff_t(in.u8() % c.size()));
  RawEntry& e = it->second;
  const std::uint64_t n = numel(e);
  switch (kind) {
    case 0:  // one element
      if (n > 0) {
        const std::size_t i = std::size_t(in.u64() % n);
        put_bits(e, i, hostile_bits(e, i, in));
      }
      break;
    case 1:  // every element the same hostile value (an all-zero RNG, an all-NaN state)
      if (n > 0) {
        const std::uint64_t bits = hostile_bits(e, 0, in);
        for (std::size_t i = 0; i < n; ++i) put_bits(e, i, bits);
      }
      break;
    case 2:  // another dtype
      convert(e, std::array<const char*, 3>{"F32", "F64", "I64"}[in.u8() % 3]);
      break;
    case 3: reshape(e, in); break;
    case 4: c.erase(it); break;
    case 5: {  // a copy under a name the trainers know, or renamed
      RawEntry copy = e;
      const std::string name = kExtraNames[in.u8() % std::size(kExtraNames)];
      if (in.u8() % 2) c.erase(it);
      c[name] = std::move(copy);
      break;
    }
    case 6: {  // swap two elements (an order that is still a permutation, or two states)
      if (n < 2) break;
      const std::size_t a = std::size_t(in.u64() % n), b = std::size_t(in.u64() % n);
      const std::size_t s = element_size(e.dtype);
      std::swap_ranges(e.bytes.begin() + std::ptrdiff_t(a * s), e.bytes.begin() + std::ptrdiff_t((a + 1) * s),
                       e.bytes.begin() + std::ptrdiff_t(b * s));
      break;
    }
    case 7: {  // one element copied over another (a duplicate in an order)
      if (n < 2) break;
      const std::size_t a = std::size_t(in.u64() % n), b = std::size_t(in.u64() % n);
      const std::size_t s = element_size(e.dtype);
      e.bytes.replace(b * s, s, e.bytes.substr(a * s, s));
      break;
    }
    case 8: {  // the data of another entry of the same size (e.g. exp_avg for exp_avg_sq)
      auto other = std::next(c.begin(), std::ptrdiff_t(in.u8() % c.size()));
      if (other->second.bytes.size() == e.bytes.size()) e.bytes = other->second.bytes;
      break;
    }
    default:  // a small step from the current value: counters that are off by a little
      if (n > 0) {
        const std::size_t i = std::size_t(in.u64() % n);
        const int delta = int(in.u8() % 9) - 4;
        if (e.dtype == "I64")
          put_bits(e, i, bits_at(e, i) + std::uint64_t(std::int64_t(delta)));
        else if (e.dtype == "F64")
          put_bits(e, i, std::bit_cast<std::uint64_t>(get(e, i) + delta));
        else
          put_bits(e, i, std::bit_cast<std::uint32_t>(float(get(e, i) + delta)));
      }
  }
}

// --- the oracles on what an accepted checkpoint left ---------------------------------------------

inline bool bitwise_equal(const xg::StateDict& a, const xg::StateDict& b, std::string* which) {
  if (a.size() != b.size()) return *which = "the number of entries", false;
  const RawCheckpoint ra = to_raw(a), rb = to_raw(b);
  for (const auto& [name, e] : ra) {
    const auto it = rb.find(name);
    if (it == rb.end() || it->second.dtype != e.dtype || it->second.shape != e.shape || it->second.bytes != e.bytes)
      return *which = name, false;
  }
  return true;
}

inline bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// A finding about what an accepted (or refused) checkpoint left, rather than a fault: printed once
// per `kind` and the run goes on, so that one run lists them all; XGRAD_FUZZ_STRICT=1 makes them
// abort like the others (to keep a reproducer).
inline void soft_finding(const std::string& kind, const std::string& what) {
  static const bool strict = std::getenv("XGRAD_FUZZ_STRICT") != nullptr;
  static std::set<std::string> seen;
  if (strict) finding(what);
  if (seen.insert(kind).second) {
    std::fprintf(stderr, "fuzz_checkpoint_content SOFT FINDING [%s]: %s\n", kind.c_str(), what.c_str());
    std::fflush(stderr);
  }
}

inline std::string key_pattern(const std::string& name) {  // "optimizer.state.3.exp_avg" -> "optimizer.state.N.exp_avg"
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(name[i]))) {
      while (i + 1 < name.size() && std::isdigit(static_cast<unsigned char>(name[i + 1]))) ++i;
      out += 'N';
    } else {
      out += name[i];
    }
  }
  return out;
}

inline std::optional<double> scalar_of(const RawCheckpoint& c, const std::string& name) {
  const auto it = c.find(name);
  if (it == c.end() || numel(it->second) != 1) return std::nullopt;
  return get(it->second, 0);
}

// What every trainer's checkpoint promises once loaded (issue 17 item 4), checked on its re-save.
inline void check_plausible(const char* trainer, const xg::StateDict& d) {
  const RawCheckpoint c = to_raw(d);
  const auto bad = [&](const std::string& name, const std::string& what) {
    soft_finding(std::string(trainer) + " " + key_pattern(name),
                 std::string(trainer) + ": accepted a checkpoint whose '" + name + "' " + what);
  };
  const auto values = [](const RawEntry& e) {
    std::vector<double> v(numel(e));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = get(e, i);
    return v;
  };
  const std::optional<double> global = scalar_of(c, "progress.global_step");
  const auto losses = c.find("history.loss");
  const bool diverged =
      losses != c.end() && numel(losses->second) > 0 && !std::isfinite(get(losses->second, numel(losses->second) - 1));
  for (const auto& [name, e] : c) {
    const std::vector<double> v = values(e);
    const auto any = [&](auto pred) { return std::find_if(v.begin(), v.end(), pred) != v.end(); };
    const bool squares = ends_with(name, "exp_avg_sq") || ends_with(name, "square_avg");
    if (name.starts_with("optimizer.state.") && ends_with(name, ".step")) {
      if (global && v.size() == 1 && v[0] != *global)
        bad(name, "is " + std::to_string(v[0]) + " at global step " + std::to_string(*global));
    } else if (name.starts_with("optimizer.state.")) {
      if (any([&](double x) { return !std::isfinite(x) || (squares && x < 0); }))
        bad(name, squares ? "is not finite and >= 0" : "is not finite");
    }
    if ((name.starts_with("optimizer.param_groups.") && ends_with(name, ".lr")) ||
        name.starts_with("scheduler.base_lrs") || name.starts_with("scheduler.last_lr"))
      if (any([](double x) { return !(std::isfinite(x) && x >= 0); })) bad(name, "is not a rate >= 0");
    if (name == "history.test_accuracy" && any([](double x) { return !(x >= 0 && x <= 1); }))
      bad(name, "is outside [0, 1]");
    if ((name == "history.seconds" || name == "progress.seconds" || name == "history.train_loss" ||
         name == "history.test_loss" || name == "progress.loss_sum") &&
        any([](double x) { return !(std::isfinite(x) && x >= 0); }))
      bad(name, "is not finite and >= 0");
    // The row of a regression's diverged step (its loss not finite) may hold a non-finite norm.
    if (name == "history.grad_norm" && std::any_of(v.begin(), v.end() - (diverged && !v.empty() ? 1 : 0),
                                                   [](double x) { return !(std::isfinite(x) && x >= 0); }))
      bad(name, diverged ? "is not finite and >= 0 before its diverged last step" : "is not finite and >= 0");
    // A regression's history may end in the step that diverged, and only there.
    if (name == "history.loss" && !v.empty() &&
        std::any_of(v.begin(), v.end() - 1, [](double x) { return std::isnan(x); }))
      bad(name, "holds a NaN before its last step");
  }
  // The scheduler counts the same steps as the trainer: epochs (cosine) or optimizer steps (one-cycle).
  if (const auto last = scalar_of(c, "scheduler.last_epoch")) {
    const auto epochs = scalar_of(c, "progress.epochs_done");
    if (std::string(trainer) == "TinyYoloTrainer" && global && *last != *global)
      bad("scheduler.last_epoch", "is " + std::to_string(*last) + " at global step " + std::to_string(*global));
    if (std::string(trainer) == "ClassifierTrainer" && epochs && *last != *epochs)
      bad("scheduler.last_epoch", "is " + std::to_string(*last) + " after " + std::to_string(*epochs) + " epochs");
  }
  // The generator: a copy must not draw one number forever.
  xg::Generator g;
  g.set_state(xg::get_rng_state());
  xg::Generator::Draws draws(g);
  const std::uint64_t first = draws.bits();
  bool varies = false;
  // Past one regeneration (312 words): 312 equal words hand out one number until then, and
  // are a valid state all the same (run 4's only new "finding" was that, a false alarm).
  for (int i = 0; i < 700; ++i) varies = varies || draws.bits() != first;
  if (!varies) bad("rng", "draws " + std::to_string(first) + " forever");
}

// The resume protocol every trainer goes through. `make` builds a fresh trainer of the run the
// configuration describes; `train_on` takes a step or two from it.
template <class Trainer>
void resume(const char* name, const std::function<std::unique_ptr<Trainer>()>& make, const xg::StateDict& file,
            const std::function<void(Trainer&)>& train_on) {
  std::unique_ptr<Trainer> t = make();
  const xg::StateDict before = t->state_dict();
  try {
    t->load_state_dict(file);
  } catch (const xg::Error&) {
    // A load checks everything before it changes anything: a refused file leaves the trainer
    // (and the global generator, in its checkpoint as "rng") as it was.
    std::string which;
    if (!bitwise_equal(before, t->state_dict(), &which))
      soft_finding(std::string(name) + " partial load " + key_pattern(which),
                   std::string(name) + ": a refused checkpoint changed the trainer's '" + which + "'");
    return;
  }
  const xg::StateDict saved = t->state_dict();
  check_plausible(name, saved);
  std::unique_ptr<Trainer> again = make();
  try {
    again->load_state_dict(saved);
  } catch (const xg::Error& e) {
    finding(std::string(name) + ": accepted a checkpoint whose own re-save is refused: " + e.what());
  }
  std::string which;
  if (!bitwise_equal(saved, again->state_dict(), &which))
    finding(std::string(name) + ": a re-saved checkpoint loads to other bits in '" + which + "'");
  try {
    train_on(*t);
  } catch (const xg::Error&) {
  }
}

// --- the trainers, each in a few configurations -------------------------------------------------

struct Data {
  xg::Tensor x, y;                                  // linear regression: (40, 2) float64, (40)
  xg::Tensor images, labels;                        // classifier: (24, 6) float32, (24) int64 of 3 classes
  std::shared_ptr<xg::data::ShapesDataset> shapes;  // tiny YOLO: 12 images of 32x32
};

inline const Data& data() {
  static const Data d = [] {
    Data d;
    xg::Generator g(7);
    d.x = xg::randn({40, 2}, g, xg::kFloat64);
    d.y = (d.x.select(1, 0) * 2.0 - d.x.select(1, 1) + 0.5).detach();
    d.images = xg::randn({24, 6}, g);
    d.labels = xg::randint(0, 3, {24}, g);
    xg::data::ShapesOptions o;
    o.image_size = 32, o.min_side = 8, o.max_side = 14, o.max_objects = 2;
    d.shapes = std::make_shared<xg::data::ShapesDataset>(12, 3, o);
    return d;
  }();
  return d;
}

struct RegressionRun {
  std::string optimizer;
};
const RegressionRun kRegressionRuns[] = {{"sgd"}, {"momentum"}, {"adam"}, {"rmsprop"}};

struct ClassifierRun {
  std::string model, optimizer, schedule;
  std::size_t batch_size, epochs;
};
const ClassifierRun kClassifierRuns[] = {{"softmax", "momentum", "none", 8, 0},
                                         {"mlp", "adam", "cosine", 5, 3},
                                         {"ovr", "rmsprop", "none", 24, 0},
                                         {"mlp", "adamw", "none", 8, 0}};

struct YoloRun {
  std::int64_t epochs, batch_size;
  double weight_decay;
};
const YoloRun kYoloRuns[] = {{2, 4, 0.0}, {3, 5, 1e-4}};

inline std::unique_ptr<xtr::LinearRegressionTrainer> make_regression(const RegressionRun& r) {
  auto model = std::make_shared<xm::LinearRegression>(2);
  return std::make_unique<xtr::LinearRegressionTrainer>(
      model, data().x, data().y, xtr::LinearRegressionTrainerOptions{.optimizer = r.optimizer, .lr = 0.05});
}

inline std::unique_ptr<xtr::ClassifierTrainer> make_classifier(const ClassifierRun& r) {
  xg::manual_seed(11);
  auto model = xm::make_classifier(r.model, 6, 3, {5});
  xtr::ClassifierTrainerOptions o;
  o.optimizer = r.optimizer, o.lr = 0.05, o.momentum = r.optimizer == "momentum" ? 0.9 : 0.0;
  o.batch_size = r.batch_size, o.schedule = r.schedule, o.epochs = r.epochs;
  return std::make_unique<xtr::ClassifierTrainer>(model, data().images, data().labels, o);
}

inline xm::TinyYoloConfig yolo_config() {
  xm::TinyYoloConfig c;
  c.image_size = 32;
  c.backbone = {{6, 3, 2}, {8, 3, 2}};
  c.anchors = {{6, 6}, {12, 12}};
  return c;
}

inline xtr::BatchFn yolo_batches() {
  return [](const std::vector<std::int64_t>& idx) {
    return xtr::DetectionBatch{data().shapes->images(idx), data().shapes->targets(idx)};
  };
}

inline std::unique_ptr<xtr::TinyYoloTrainer> make_yolo(const YoloRun& r) {
  return std::make_unique<xtr::TinyYoloTrainer>(
      yolo_config(),
      xtr::TinyYoloTrainOptions{
          .epochs = r.epochs, .batch_size = r.batch_size, .lr = 3e-3, .weight_decay = r.weight_decay, .seed = 5},
      data().shapes->size(), yolo_batches());
}

inline xm::Evaluation evaluation(double loss, double accuracy) {
  xm::Evaluation e;
  e.loss = loss, e.accuracy = accuracy;
  return e;
}

inline void train_regression(xtr::LinearRegressionTrainer& t) {
  for (int i = 0; i < 2; ++i) t.step();
}

inline void train_classifier(xtr::ClassifierTrainer& t) {
  for (int i = 0; i < 3; ++i) {
    if (t.epoch_finished())
      t.end_epoch(evaluation(1.0, 0.5));
    else
      t.step();
  }
}

inline void train_yolo(xtr::TinyYoloTrainer& t) {
  for (int i = 0; i < 2 && !t.finished(); ++i) t.step();
  // What the program does at an epoch's end: detection on the (possibly hostile) weights.
  (void)xtr::evaluate_map(t.model(), 4, yolo_batches(), 4);
}

// One trainer configuration: how to build it and how to resume into it.
struct Subject {
  std::string name;
  std::function<void(const xg::StateDict&)> resume;
  std::function<xg::StateDict()> checkpoint;  // a real one of this configuration (for templates)
};

inline const std::vector<Subject>& subjects() {
  static const std::vector<Subject> all = [] {
    std::vector<Subject> s;
    for (const RegressionRun& r : kRegressionRuns) {
      auto make = [r] { return make_regression(r); };
      s.push_back({"LinearRegressionTrainer/" + r.optimizer,
                   [make](const xg::StateDict& d) {
                     resume<xtr::LinearRegressionTrainer>("LinearRegressionTrainer", make, d, train_regression);
                   },
                   [make] {
                     auto t = make();
                     for (int i = 0; i < 3; ++i) t->step();
                     return t->state_dict();
                   }});
    }
    for (const ClassifierRun& r : kClassifierRuns) {
      auto make = [r] { return make_classifier(r); };
      s.push_back({"ClassifierTrainer/" + r.model + "/" + r.optimizer + "/" + r.schedule,
                   [make](const xg::StateDict& d) {
                     resume<xtr::ClassifierTrainer>("ClassifierTrainer", make, d, train_classifier);
                   },
                   [make] {
                     auto t = make();
                     // One epoch and a bit: history, a scheduler that moved, mid-epoch order.
                     while (!t->epoch_finished()) t->step();
                     t->end_epoch(evaluation(0.9, 0.4));
                     t->step();
                     return t->state_dict();
                   }});
    }
    for (const YoloRun& r : kYoloRuns) {
      auto make = [r] { return make_yolo(r); };
      s.push_back(
          {"TinyYoloTrainer/" + std::to_string(r.epochs) + "x" + std::to_string(r.batch_size),
           [make](const xg::StateDict& d) { resume<xtr::TinyYoloTrainer>("TinyYoloTrainer", make, d, train_yolo); },
           [make] {
             auto t = make();
             for (std::int64_t i = 0; i < t->steps_per_epoch() + 1; ++i) t->step();
             return t->state_dict();
           }});
    }
    return s;
  }();
  return all;
}

// The templates: one real checkpoint per configuration, made once.
inline const std::vector<RawCheckpoint>& templates() {
  static const std::vector<RawCheckpoint> all = [] {
    std::vector<RawCheckpoint> t;
    for (const Subject& s : subjects()) t.push_back(to_raw(s.checkpoint()));
    return t;
  }();
  return all;
}

// Subjects of the same trainer as template `i` (a checkpoint of another configuration of the
// same trainer is a resume with changed flags; of another trainer, a wrong file).
inline std::size_t subject_for(std::size_t i, std::uint8_t choice) {
  const std::vector<Subject>& s = subjects();
  if (choice % 8 == 0) return choice / 8 % s.size();  // any trainer
  const std::string kind = s[i].name.substr(0, s[i].name.find('/'));
  std::vector<std::size_t> same;
  for (std::size_t j = 0; j < s.size(); ++j)
    if (s[j].name.starts_with(kind + "/")) same.push_back(j);
  return choice % 2 ? i : same[choice / 2 % same.size()];
}

inline void run_one(const std::uint8_t* bytes, std::size_t size) {
  Bytes in(bytes, size);
  const std::uint8_t mode = in.u8();
  const std::uint8_t pick = in.u8();
  const std::size_t count = subjects().size();
  std::string file;
  std::size_t subject = 0;
  if (mode % 2 == 1) {
    subject = pick % count;
    file = std::string(in.rest());
  } else {
    const std::size_t t = pick % count;
    subject = subject_for(t, in.u8());
    RawCheckpoint c = templates()[t];
    const int mutations = in.u8() % 9;
    for (int m = 0; m < mutations; ++m) mutate(c, in);
    const auto checksums = Checksums(in.u8() % std::uint8_t(Checksums::Count));
    file = serialize(c, checksums, in.u8());
  }
  xg::StateDict dict;
  try {
    dict = xg::load_bytes(file, "fuzz checkpoint");
  } catch (const xg::Error&) {
    return;
  }
  try {
    subjects()[subject].resume(dict);
  } catch (const xg::Error&) {
  } catch (const std::exception& e) {
    finding(subjects()[subject].name + ": an exception that is not xg::Error: " + typeid(e).name() + ": " + e.what());
  }
}

// The seed corpus: each template as a raw-mode file, and structured inputs of no mutation and
// of one mutation of each kind.
inline void write_seeds(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
  };
  for (std::size_t i = 0; i < subjects().size(); ++i) {
    std::string name = subjects()[i].name;
    std::replace(name.begin(), name.end(), '/', '_');
    write("raw_" + name, std::string{char(1), char(i)} + serialize(templates()[i], Checksums::Correct, 0));
    write("same_" + name, std::string{char(0), char(i), char(1), char(0), char(Checksums::Correct), char(0)});
    for (char kind = 0; kind < 10; ++kind)
      write("mutation" + std::to_string(int(kind)) + "_" + name,
            std::string{char(0), char(i), char(1), char(1), kind, char(i * 3 + kind), char(kind), char(0), char(0),
                        char(0), char(0), char(0), char(0), char(0), char(0), char(1), char(0)});
  }
}

}  // namespace content

inline void checkpoint_content_input(const std::uint8_t* data, std::size_t size) { content::run_one(data, size); }

}  // namespace xgrad_fuzz
