#pragma once
// xgrad's worker threads (internal: xgrad.hpp does not include it). conv2d splits its batch over
// them, elementwise ops their arrays and large gemms their rows or columns, while OpenBLAS runs
// single-threaded; the thread count is OpenBLAS's own (OPENBLAS_NUM_THREADS or
// openblas_set_num_threads), so one knob sets both.
#include <cstddef>
#include <functional>

namespace xgrad::detail {

// How many threads xgrad may use: OpenBLAS's count when it is the pthreads build, whose threads
// ours stand in for; 1 with a serial or OpenMP OpenBLAS.
std::size_t thread_count();

// Calls job(i) for every i in [0, n), concurrently, the calling thread taking i = 0; returns once
// all are done and rethrows the first exception. A second caller arriving while a run is in
// progress (another user thread, or a job calling conv2d) runs its parts one by one instead.
void run_workers(std::size_t n, const std::function<void(std::size_t)>& job);

// Calls body(begin, end) on pieces of [0, n) whose bounds are multiples of 64, spread over the
// thread count when n holds at least two pieces of `grain`; in one call otherwise. Only for work
// whose result does not depend on the split.
void parallel_ranges(std::size_t n, std::size_t grain, const std::function<void(std::size_t, std::size_t)>& body);

}  // namespace xgrad::detail
