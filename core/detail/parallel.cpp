#include "xgrad/core/detail/parallel.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "xgrad/core/detail/blas_threads.hpp"
#include "xgrad/core/error.hpp"

namespace xgrad::detail {

namespace {
// Waits up to kSpin for ready() to hold, without giving up the core. Waking a sleeping thread
// takes tens of microseconds on a VM, longer than many of the parallel regions it would join: a
// worker that just finished a region watches for the next for a while, and the caller watches for
// the workers to finish. Measured on tiny YOLO's step (W4, 2 threads, medians of 7): 1.63 ms
// sleeping at once; a worker watching 10 / 25 / 50 us 1.48 / 1.39-1.42 / 1.38; both sides 20 us
// 1.26-1.28. With a busy loop on one of the 2 cores: 2.61 sleeping at once, 2.80-2.91 both sides
// 20 us, 2.89-3.25 a worker 50 us (one thread: 2.49 either way).
constexpr auto kSpin = std::chrono::microseconds(20);
template <class Ready>
void spin_until(Ready ready) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  while (!ready() && std::chrono::steady_clock::now() < until) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
}

// Started on first use and grown to the most threads a run has asked for. Idle workers watch for
// work briefly (spin_until), then sleep on a condition variable.
class Workers {
 public:
  static Workers& instance() {
    static Workers workers;
    return workers;
  }

  void run(std::size_t n, const std::function<void(std::size_t)>& job) {
    std::unique_lock busy(busy_, std::try_to_lock);
    if (n <= 1 || !busy) {
      for (std::size_t i = 0; i < n; ++i) job(i);
      return;
    }
    std::uint64_t round = 0;
    {
      std::lock_guard lock(mutex_);
      if (owner_ != ::getpid()) {
        // After fork() the threads are gone from this process; keep their handles unjoined.
        new std::vector<std::thread>(std::move(threads_));  // NOLINT: deliberately never freed
        threads_.clear();
        owner_ = ::getpid();
      }
      if (n > kMaxPieces) fail("run_workers", n, " pieces; at most ", kMaxPieces);
      while (threads_.size() < n - 1) threads_.emplace_back([this, i = threads_.size()] { loop(i + 1); });
      job_ = &job;
      wanted_ = n;
      done_.store(0, std::memory_order_relaxed);
      error_ = nullptr;
      round = ++round_;
      ticket_.store(round << kRoundShift | n << kPiecesShift, std::memory_order_release);
      announced_.store(round_, std::memory_order_release);
    }
    start_.notify_all();
    work(round, &job);
    spin_until([&] { return done_.load(std::memory_order_acquire) == n; });
    std::unique_lock lock(mutex_);
    finished_.wait(lock, [&] { return done_.load(std::memory_order_acquire) == n; });
    if (error_) std::rethrow_exception(error_);
  }

 private:
  Workers() = default;
  ~Workers() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    start_.notify_all();
    if (owner_ == ::getpid())
      for (auto& t : threads_) t.join();
    else                                                  // a forked child: the threads are not ours to join
      new std::vector<std::thread>(std::move(threads_));  // NOLINT: deliberately never freed
  }

  void loop(std::size_t index) {
    std::uint64_t seen = 0;
    std::unique_lock lock(mutex_);
    for (;;) {
      if (!stopping_ && round_ == seen) {
        lock.unlock();
        spin_until([&] { return announced_.load(std::memory_order_acquire) != seen; });
        lock.lock();
      }
      start_.wait(lock, [&] { return stopping_ || round_ != seen; });
      if (stopping_) return;
      seen = round_;
      if (index >= wanted_) continue;  // this round needs fewer threads
      const auto* job = job_;
      lock.unlock();
      work(seen, job);
      lock.lock();
    }
  }

  // Runs the pieces of `round` that are still unclaimed, one at a time, until none is left. Every
  // thread of a round, its caller too, claims pieces from the one ticket, so a worker that the OS
  // schedules late finds its share already done by the others and is not waited for: the caller
  // waits for the pieces, never for a thread. A claim names its round, so a worker that wakes
  // after its round ended claims nothing of the next (whose job it does not hold).
  void work(std::uint64_t round, const std::function<void(std::size_t)>* job) {
    for (;;) {
      std::uint64_t t = ticket_.load(std::memory_order_acquire);
      std::size_t piece = 0, pieces = 0;
      do {
        piece = std::size_t(t & kFieldMask);
        pieces = std::size_t(t >> kPiecesShift & kFieldMask);
        if (t >> kRoundShift != (round & kRoundMask) || piece >= pieces) return;
      } while (!ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel));
      try {
        (*job)(piece);
      } catch (...) {
        std::lock_guard guard(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == pieces) {
        std::lock_guard guard(mutex_);  // the caller checks done_ under it before it sleeps
        finished_.notify_one();
      }
    }
  }

  // The ticket: round (low 32 bits of it) | pieces (16 bits) | next piece to claim (16 bits).
  static constexpr unsigned kRoundShift = 32, kPiecesShift = 16;
  static constexpr std::uint64_t kFieldMask = 0xffff, kRoundMask = 0xffffffff;
  static constexpr std::size_t kMaxPieces = kFieldMask;

  std::mutex busy_, mutex_;
  std::condition_variable start_, finished_;
  std::vector<std::thread> threads_;
  pid_t owner_ = ::getpid();
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t wanted_ = 0;
  std::atomic<std::uint64_t> ticket_ = 0;  // see work()
  std::atomic<std::size_t> done_ = 0;      // pieces of this round finished
  std::uint64_t round_ = 0;
  std::atomic<std::uint64_t> announced_ = 0;  // round_, for spin_until
  bool stopping_ = false;
  std::exception_ptr error_;
};
}  // namespace

std::size_t thread_count() {
#if XGRAD_BLAS
  return openblas_get_parallel() == 1 ? std::size_t(std::max(1, openblas_get_num_threads())) : 1;
#else
  // Without OpenBLAS there is no thread count to follow: one thread (WebAssembly has none to
  // spare without cross-origin isolation, and then the workers never start).
  return 1;
#endif
}

void run_workers(std::size_t n, const std::function<void(std::size_t)>& job) { Workers::instance().run(n, job); }

void parallel_ranges(std::size_t n, std::size_t grain, const std::function<void(std::size_t, std::size_t)>& body) {
  constexpr std::size_t kMaxPieces = 8, kUnit = 64;
  const std::size_t pieces = std::min(kMaxPieces, n / std::max<std::size_t>(1, grain));
  const std::size_t threads = pieces > 1 ? std::min(thread_count(), pieces) : 1;
  if (threads <= 1) return body(0, n);
  // Pieces taken as threads come free, as conv2d's chunks are.
  const std::size_t units = (n + kUnit - 1) / kUnit;
  std::atomic<std::size_t> next{0};
  run_workers(threads, [&](std::size_t) {
    for (std::size_t k; (k = next.fetch_add(1)) < pieces;)
      body(std::min(n, units * k / pieces * kUnit), std::min(n, units * (k + 1) / pieces * kUnit));
  });
}

}  // namespace xgrad::detail
