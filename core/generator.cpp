#include "xgrad/core/generator.hpp"

#include <sstream>
#include <vector>

#include "xgrad/core/error.hpp"

namespace xgrad {

Generator::Generator(const Generator& other) {
  std::lock_guard<std::mutex> lock(other.mutex_);
  engine_ = other.engine_;
}

Generator& Generator::operator=(const Generator& other) {
  if (this == &other) return *this;
  std::scoped_lock lock(mutex_, other.mutex_);
  engine_ = other.engine_;
  return *this;
}

void Generator::manual_seed(std::uint64_t seed) {
  std::lock_guard<std::mutex> lock(mutex_);
  engine_.seed(seed);
}

// The standard's text form of a Mersenne Twister (its state words, then its position) is
// portable across implementations; the words are kept bit for bit in int64.
Tensor Generator::get_state() const {
  std::stringstream text;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    text << engine_;
  }
  std::vector<std::int64_t> words;
  for (std::uint64_t w; text >> w;) words.push_back(static_cast<std::int64_t>(w));
  xt::xarray<std::int64_t> a = xt::empty<std::int64_t>(Shape{words.size()});
  std::copy(words.begin(), words.end(), a.begin());
  return Tensor(Storage(std::move(a)));
}

void Generator::set_state(const Tensor& state) {
  constexpr std::size_t expected = std::mt19937_64::state_size + 1;
  if (!state.defined() || state.dtype() != kInt64 || state.dim() != 1 || state.numel() != expected) {
    if (!state.defined())
      fail("set_rng_state", "expected an int64 tensor of shape (", expected, "), got an undefined one");
    fail("set_rng_state", "expected an int64 tensor of shape (", expected, "), got ", state.dtype(), " ",
         ShapeText{state.shape()});
  }
  const auto& words = state.data<std::int64_t>();
  // The text form is the 312 state words, then the position of the next word to hand out
  // (312: all handed out, the next draw regenerates). The twister's recurrence never reads the low
  // r = 31 bits of word 0, so a state that is zero in the 19937 bits it does read draws 0 forever,
  // whatever the position and the ignored bits say.
  const auto position = static_cast<std::uint64_t>(words(std::mt19937_64::state_size));
  if (position > std::mt19937_64::state_size)
    fail("set_rng_state", "the position word is ", words(std::mt19937_64::state_size), "; it must be in [0, ",
         std::mt19937_64::state_size, "]");
  bool degenerate = (static_cast<std::uint64_t>(words(0)) >> std::mt19937_64::mask_bits) == 0;
  for (std::size_t i = 1; i < std::mt19937_64::state_size && degenerate; ++i) degenerate = words(i) == 0;
  if (degenerate)
    fail("set_rng_state",
         "the state words do not form a valid generator state: they are zero in every bit the "
         "Mersenne Twister reads, so it would draw 0 forever");
  std::stringstream text;
  for (std::int64_t w : words) text << static_cast<std::uint64_t>(w) << ' ';
  std::mt19937_64 restored;
  text >> restored;
  if (!text) fail("set_rng_state", "the state words do not form a valid generator state");
  std::lock_guard<std::mutex> lock(mutex_);
  engine_ = restored;
}

namespace {
thread_local Generator* guarded = nullptr;  // this thread's GeneratorGuard's, if any
}  // namespace

Generator& default_generator() {
  static Generator gen;
  return guarded ? *guarded : gen;
}

GeneratorGuard::GeneratorGuard(Generator& generator) : previous_(guarded) { guarded = &generator; }
GeneratorGuard::~GeneratorGuard() { guarded = previous_; }

}  // namespace xgrad
