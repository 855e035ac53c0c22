#pragma once
// OpenBLAS's thread count, for the ops that call BLAS (internal: xgrad.hpp does not include it).
// OpenBLAS's own declarations come from <cblas.h>, which clashes with xtensor-blas's; these three
// are all the ops need. A build without BLAS (XGRAD_BLAS=OFF) has no OpenBLAS threads to manage.
#include "xgrad/core/detail/blas_config.hpp"

#if XGRAD_BLAS
extern "C" {
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);
int openblas_get_parallel(void);  // 1: the pthreads build, whose threads xgrad's workers stand in for
}
#endif

namespace xgrad::detail {

// OpenBLAS single-threaded for its lifetime, then back to what it was. `active` false does nothing.
class SingleThreadedBlas {
 public:
#if XGRAD_BLAS
  explicit SingleThreadedBlas(bool active = true) : previous_(active ? openblas_get_num_threads() : 1) {
    if (previous_ > 1) openblas_set_num_threads(1);
  }
  ~SingleThreadedBlas() {
    if (previous_ > 1) openblas_set_num_threads(previous_);
  }
#else
  explicit SingleThreadedBlas(bool = true) : previous_(1) {}
#endif
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  [[maybe_unused]] int previous_;  // unread without BLAS
};

// Whether a gemm of m n k multiply-adds is worth more than one thread: from 4 Mi (about 0.1 ms on
// one core). Measured with bench_gemm_split (AMD EPYC, 2 cores, Zen kernels, quiet machine),
// one thread over the product split in two: 1.48x at 1 Mi, 1.56-1.79x at 2-4 Mi, 1.30-1.83x for
// W3's products (6-51 Mi). Since the workers take pieces rather than being waited for
// (detail::run_workers), a worker the OS does not schedule no longer stalls the call; on a machine
// whose other core is busy the split is then about a wash (0.87-1.0 from 4 Mi, 0.72 at 1 Mi).
inline bool worth_blas_threads(double m, double n, double k) { return m * n * k >= 4.0 * 1024 * 1024; }

}  // namespace xgrad::detail
