// An LD_PRELOAD shim that times every cblas_sgemm call by shape (TSC cycles) and prints, at exit,
// each shape's calls, cycles, flops per cycle and share: where a program's gemm time goes, in
// place (tiny YOLO's table in bench/results/analysis.md, "Tiny YOLO time to target (yolo2)").
//   gcc -O2 -shared -fPIC bench/sgemm_shapes_shim.c -o /tmp/sgemm_shapes_shim.so -ldl
//   LD_PRELOAD=/tmp/sgemm_shapes_shim.so build/release/examples/tiny_yolo --epochs 1 --train-images 1024 \
//       --threads 1 --out /tmp/y
// Single-threaded programs only (the table is not locked).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>
typedef void (*F)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
static F real;
struct E {
  int ta, tb, m, n, k, beta;
  unsigned long long cyc, calls;
};
static struct E tab[256];
static int nt;
static void report(void) {
  double tot = 0;
  for (int i = 0; i < nt; i++) tot += tab[i].cyc;
  fprintf(stderr, "sgemm shapes (row-major ta tb m n k beta): calls, Gcycles, flop/cycle, share\n");
  for (int i = 0; i < nt; i++) {
    struct E* e = &tab[i];
    double fl = 2.0 * e->m * e->n * e->k * e->calls;
    fprintf(stderr, "%c%c %4d %5d %5d b%d  %8llu  %6.2f  %5.2f  %4.1f%%\n", e->ta == 112 ? 'T' : 'N',
            e->tb == 112 ? 'T' : 'N', e->m, e->n, e->k, e->beta, e->calls, e->cyc * 1e-9, fl / e->cyc,
            100 * e->cyc / tot);
  }
  fprintf(stderr, "total %.2f Gcycles\n", tot * 1e-9);
}
void cblas_sgemm(int o, int ta, int tb, int m, int n, int k, float al, const float* a, int lda, const float* b, int ldb,
                 float be, float* c, int ldc) {
  if (!real) {
    real = (F)dlsym(RTLD_NEXT, "cblas_sgemm");
    atexit(report);
  }
  unsigned long long t0 = __rdtsc();
  real(o, ta, tb, m, n, k, al, a, lda, b, ldb, be, c, ldc);
  unsigned long long t = __rdtsc() - t0;
  int i;
  for (i = 0; i < nt; i++)
    if (tab[i].ta == ta && tab[i].tb == tb && tab[i].m == m && tab[i].n == n && tab[i].k == k && tab[i].beta == (int)be)
      break;
  if (i == nt && nt < 256) {
    tab[nt] = (struct E){ta, tb, m, n, k, (int)be, 0, 0};
    nt++;
  }
  if (i < 256) {
    tab[i].cyc += t;
    tab[i].calls++;
  }
}
