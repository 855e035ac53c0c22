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

// Whether a gemm of m n k multiply-adds is worth more than one thread. Below about 64 million
// (half a millisecond on one core) waking a second thread saves little, and on a busy machine a
// helper thread that the OS does not schedule stalls the call: a (128, 784) x (784, 10) product
// took 30 us on one thread and 6 ms on two with the load average at 7 on 2 cores.
inline bool worth_blas_threads(double m, double n, double k) { return m * n * k >= 64.0 * 1024 * 1024; }

}  // namespace xgrad::detail
