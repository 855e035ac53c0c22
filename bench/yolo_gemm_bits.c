// Which ways of calling cblas_sgemm give the same bits at tiny YOLO's conv shapes, and how fast
// each is: the experiments behind bench/results/analysis.md's "Tiny YOLO time to target (yolo2)".
// For C = A B (row-major, as conv2d's forward W x columns, or Aᵀ B, its input gradient), against
// one call with beta 0: (1) C cleared by the caller, then beta 1; (2) K cut at OpenBLAS's own
// block boundary (two calls); (3) K cut elsewhere (three calls); (4) N cut into image-sized
// column blocks; (5) the transposed product Cᵀ = Bᵀ Aᵀ. Build and run (one thread):
//   gcc -O2 bench/yolo_gemm_bits.c -o /tmp/yolo_gemm_bits -lopenblas
//   OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Zen /tmp/yolo_gemm_bits
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void cblas_sgemm(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
enum { kRow = 101, kN = 111, kT = 112 };

static float *a, *b, *ref, *c;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// C (m x n) = op(A) B, op(A) (m x k): A is (m x k), or (k x m) when ta; B is (k x n).
static void product(int ta, int m, int n, int k, int how, int part, float* out) {
  const int lda = ta ? m : k;
  switch (how) {
    case 0: cblas_sgemm(kRow, ta ? kT : kN, kN, m, n, k, 1, a, lda, b, n, 0, out, n); break;
    case 1:
      memset(out, 0, sizeof(float) * m * n);
      cblas_sgemm(kRow, ta ? kT : kN, kN, m, n, k, 1, a, lda, b, n, 1, out, n);
      break;
    case 2:  // K in `part` pieces
      for (int p = 0; p < part; ++p) {
        const int k0 = k * p / part, k1 = k * (p + 1) / part;
        cblas_sgemm(kRow, ta ? kT : kN, kN, m, n, k1 - k0, 1, ta ? a + k0 * m : a + k0, lda, b + k0 * n, n, p ? 1 : 0,
                    out, n);
      }
      break;
    case 3:  // N in blocks of `part` columns
      for (int j = 0; j < n; j += part)
        cblas_sgemm(kRow, ta ? kT : kN, kN, m, part, k, 1, a, lda, b + j, n, 0, out + j, n);
      break;
    case 4: {  // the transposed product into a scratch, then transposed back
      static float t[1 << 20];
      cblas_sgemm(kRow, kT, ta ? kN : kT, n, m, k, 1, b, n, a, lda, 0, t, m);
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) out[i * n + j] = t[j * m + i];
      break;
    }
  }
}

static double rate(int ta, int m, int n, int k, int how, int part) {
  const double flop = 2.0 * m * n * k;
  const int reps = (int)(2e8 / flop) + 1;
  double best = 1e9;
  for (int r = 0; r < 5; ++r) {
    const double t0 = now();
    for (int i = 0; i < reps; ++i) product(ta, m, n, k, how, part, c);
    const double t = (now() - t0) / reps;
    if (t < best) best = t;
  }
  return flop / best * 1e-9;
}

int main(void) {
  a = malloc(4 << 22), b = malloc(4 << 22), ref = malloc(4 << 22), c = malloc(4 << 22);
  srand(3);
  for (int i = 0; i < 1 << 20; ++i) a[i] = rand() / (float)RAND_MAX - 0.5f, b[i] = rand() / (float)RAND_MAX - 0.5f;
  struct {
    const char* name;
    int ta, m, n, k, how, part;
  } cases[] = {
      {"conv4 fwd, beta 1 on cleared C", 0, 64, 64, 576, 1, 0},
      {"conv4 fwd, K as 2 x 288", 0, 64, 64, 576, 2, 2},
      {"conv4 fwd, K as 3 x 192", 0, 64, 64, 576, 2, 3},
      {"conv4 fwd, transposed", 0, 64, 64, 576, 4, 0},
      {"conv3 fwd (2 images), N per image", 0, 64, 128, 288, 3, 64},
      {"conv3 fwd (2 images), transposed", 0, 64, 128, 288, 4, 0},
      {"conv4 dX, beta 1 on cleared C", 1, 576, 64, 64, 1, 0},
      {"conv2 dX, beta 1 on cleared C", 1, 144, 256, 32, 1, 0},
      {"conv3 dX (2 images), beta 1 on cleared C", 1, 288, 128, 64, 1, 0},
      {"conv3 dX (2 images), N per image", 1, 288, 128, 64, 3, 64},
      {"conv1 fwd, beta 1 on cleared C", 0, 16, 1024, 27, 1, 0},
  };
  printf("%-42s %-16s %9s %9s  %s\n", "variant", "op(A) B: m n k", "GFLOP/s", "beta 0", "same bits");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    const int ta = cases[i].ta, m = cases[i].m, n = cases[i].n, k = cases[i].k;
    product(ta, m, n, k, 0, 0, ref);
    product(ta, m, n, k, cases[i].how, cases[i].part, c);
    const int same = memcmp(ref, c, sizeof(float) * m * n) == 0;
    const double r0 = rate(ta, m, n, k, 0, 0), r1 = rate(ta, m, n, k, cases[i].how, cases[i].part);
    printf("%-42s %c %4d %4d %4d %9.1f %9.1f  %s\n", cases[i].name, ta ? 'T' : 'N', m, n, k, r1, r0,
           same ? "yes" : "NO");
  }
  return 0;
}
