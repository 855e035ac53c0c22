// core/generator.cpp: a generator state from a checkpoint is refused unless the Mersenne Twister
// can run from it (issue 17: "an all-zero RNG state" loaded silently; the check added then looked
// at all 313 words, so zeros with a non-zero position word still
// loaded: seen while writing the RNG oracle of fuzz/fuzz_checkpoint_content).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/generator.hpp>

#include "expect_error.hpp"

namespace xg = xgrad;

namespace {

constexpr std::size_t kWords = std::mt19937_64::state_size;  // 312, then the position word

xg::Tensor words(std::vector<std::int64_t> w) { return xg::tensor(w); }

std::vector<std::int64_t> state_of(const xg::Generator& g) {
  const xg::Tensor s = g.get_state();
  return {s.data<std::int64_t>().begin(), s.data<std::int64_t>().end()};
}

TEST(Generator, StateRoundTripsAtEveryPosition) {
  for (int draws : {0, 1, 311, 312, 313}) {
    xg::Generator a(3);
    {
      xg::Generator::Draws d(a);
      for (int i = 0; i < draws; ++i) (void)d.bits();
    }
    xg::Generator b;
    b.set_state(a.get_state());
    xg::Generator::Draws da(a), db(b);
    for (int i = 0; i < 700; ++i) ASSERT_EQ(da.bits(), db.bits()) << "after " << draws << " draws, number " << i;
  }
}

TEST(Generator, RefusesAStateThatDrawsZeroForever) {
  xg::Generator g;
  std::vector<std::int64_t> zero(kWords + 1, 0);
  EXPECT_ERROR(g.set_state(words(zero)), "set_rng_state", "draw 0 forever");
  // The same zeros with another position word: accepted before, and drew 0 forever.
  zero[kWords] = 5;
  EXPECT_ERROR(g.set_state(words(zero)), "set_rng_state", "draw 0 forever");
  // The low 31 bits of word 0 are never read by the recurrence: still degenerate.
  zero[0] = (std::int64_t(1) << 31) - 1;
  EXPECT_ERROR(g.set_state(words(zero)), "set_rng_state", "draw 0 forever");
  // The refused states left the generator as it was.
  EXPECT_EQ(state_of(g), state_of(xg::Generator()));
}

TEST(Generator, AcceptsAStateWithOneBitTheTwisterReads) {
  for (std::size_t word : {std::size_t(0), std::size_t(1), kWords - 1}) {
    std::vector<std::int64_t> w(kWords + 1, 0);
    w[word] = word == 0 ? std::int64_t(1) << 31 : 1;
    w[kWords] = kWords;  // regenerate first: the bit spreads
    xg::Generator g;
    g.set_state(words(w));
    xg::Generator::Draws d(g);
    bool nonzero = false;
    for (int i = 0; i < 2000 && !nonzero; ++i) nonzero = d.bits() != 0;
    EXPECT_TRUE(nonzero) << "a state with bit " << (word == 0 ? 31 : 0) << " of word " << word << " set";
  }
}

TEST(Generator, RefusesAPositionPastTheState) {
  std::vector<std::int64_t> w = state_of(xg::Generator(9));
  xg::Generator g;
  for (std::int64_t position : {std::int64_t(kWords) + 1, std::int64_t(-1), INT64_MIN}) {
    w[kWords] = position;
    EXPECT_ERROR(g.set_state(words(w)), "set_rng_state", "the position word is", "it must be in [0, 312]");
  }
  w[kWords] = kWords;
  EXPECT_NO_THROW(g.set_state(words(w)));
}

}  // namespace
