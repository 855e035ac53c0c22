#pragma once
// A random number generator object, as torch.Generator: a 64-bit Mersenne Twister whose numbers
// become floats by xgrad's own conversions (not the standard library's implementation-defined
// distributions), so a seed gives the same numbers on every compiler and machine.
//
// Threads: every draw locks the generator for the whole call (one rand() of a million numbers
// takes the lock once), so sharing one between threads is safe but gives an order that depends
// on scheduling. For reproducible threads give each its own Generator: factories (rand, randn,
// randint, randperm), nn::init, nn::Dropout and data::Batches accept one. Without one they use
// default_generator(), which manual_seed, get_rng_state and set_rng_state act on. Layers and
// models draw their initial weights from default_generator(): a GeneratorGuard makes that a
// thread's own generator while the model is built.
#include <cstdint>
#include <mutex>
#include <random>

#include "xgrad/core/tensor.hpp"

namespace xgrad {

class Generator {
 public:
  static constexpr std::uint64_t kDefaultSeed = 67280421310721ULL;  // PyTorch's default seed

  explicit Generator(std::uint64_t seed = kDefaultSeed) : engine_(seed) {}
  Generator(const Generator& other);  // the state, not the lock
  Generator& operator=(const Generator& other);

  void manual_seed(std::uint64_t seed);
  // The whole state as an int64 tensor (313 words): set_state(get_state()) repeats the numbers.
  Tensor get_state() const;
  void set_state(const Tensor& state);

  // Holds the lock for a batch of draws; the draw functions below need it.
  class Draws {
   public:
    explicit Draws(Generator& g) : lock_(g.mutex_), engine_(g.engine_) {}
    std::uint64_t bits() { return engine_(); }
    double uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  // 53 bits, exact

   private:
    std::lock_guard<std::mutex> lock_;
    std::mt19937_64& engine_;
  };

 private:
  mutable std::mutex mutex_;
  std::mt19937_64 engine_;
};

// The generator the factories, nn::init, layers and models use when given none: the process-wide
// one, or in a thread under a GeneratorGuard, that guard's.
Generator& default_generator();

// While it lives, default_generator() in this thread (only) is `generator`: what a model's layers
// draw their initialization from, and what manual_seed seeds. Other threads keep theirs; guards
// nest, each restoring the one before it.
//
//   xg::Generator gen(seed);
//   { xg::GeneratorGuard guard(gen); model = std::make_shared<Net>(); }  // weights from gen
class GeneratorGuard {
 public:
  explicit GeneratorGuard(Generator& generator);
  ~GeneratorGuard();
  GeneratorGuard(const GeneratorGuard&) = delete;
  GeneratorGuard& operator=(const GeneratorGuard&) = delete;

 private:
  Generator* previous_;
};

// core/factory.hpp's random factories, drawing from `generator`.
Tensor rand(const Shape& shape, Generator& generator, Dtype dtype = kFloat32);
Tensor randn(const Shape& shape, Generator& generator, Dtype dtype = kFloat32);
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, Generator& generator);
Tensor randperm(std::int64_t n, Generator& generator);

}  // namespace xgrad
