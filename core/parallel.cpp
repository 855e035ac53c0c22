#include "xgrad/core/parallel.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "xgrad/core/blas_threads.hpp"

namespace xgrad::detail {

namespace {
// Started on first use and grown to the most threads a run has asked for. Idle workers sleep on
// a condition variable; they never spin (measured: spinning is worse on a loaded machine).
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
    {
      std::lock_guard lock(mutex_);
      if (owner_ != ::getpid()) {
        // After fork() the threads are gone from this process; keep their handles unjoined.
        new std::vector<std::thread>(std::move(threads_));  // NOLINT: deliberately never freed
        threads_.clear();
        owner_ = ::getpid();
      }
      while (threads_.size() < n - 1) threads_.emplace_back([this, i = threads_.size()] { loop(i + 1); });
      job_ = &job;
      wanted_ = n;
      remaining_ = n - 1;
      error_ = nullptr;
      ++round_;
    }
    start_.notify_all();
    std::exception_ptr mine;
    try {
      job(0);
    } catch (...) {
      mine = std::current_exception();
    }
    std::unique_lock lock(mutex_);
    finished_.wait(lock, [this] { return remaining_ == 0; });
    if (mine) std::rethrow_exception(mine);
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
      start_.wait(lock, [&] { return stopping_ || round_ != seen; });
      if (stopping_) return;
      seen = round_;
      if (index >= wanted_) continue;  // this round needs fewer threads
      const auto* job = job_;
      lock.unlock();
      try {
        (*job)(index);
      } catch (...) {
        std::lock_guard guard(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      lock.lock();
      if (--remaining_ == 0) finished_.notify_one();
    }
  }

  std::mutex busy_, mutex_;
  std::condition_variable start_, finished_;
  std::vector<std::thread> threads_;
  pid_t owner_ = ::getpid();
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t wanted_ = 0, remaining_ = 0;
  std::uint64_t round_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
};
}  // namespace

std::size_t thread_count() {
  return openblas_get_parallel() == 1 ? std::size_t(std::max(1, openblas_get_num_threads())) : 1;
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
