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

// Calls job(i) once for every i in [0, n), on up to n threads, the calling thread one of them;
// returns once all are done and rethrows the first exception. Each thread takes the next piece
// not yet taken, so a piece may run on any thread, and a worker that is not scheduled in time
// leaves its pieces to the others instead of stalling the call. A second caller arriving while a
// run is in progress (another user thread, or a job calling conv2d) runs its pieces one by one.
void run_workers(std::size_t n, const std::function<void(std::size_t)>& job);

// Calls body(begin, end) on pieces of [0, n) whose bounds are multiples of 64, spread over the
// thread count when n holds at least two pieces of `grain`; in one call otherwise. Only for work
// whose result does not depend on the split.
void parallel_ranges(std::size_t n, std::size_t grain, const std::function<void(std::size_t, std::size_t)>& body);

}  // namespace xgrad::detail
