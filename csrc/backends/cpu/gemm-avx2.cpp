// gemm-avx2.cpp — the AVX2+FMA register-blocked GEMM micro-kernels (float32 6x16, float64 6x8).
// Not here: packing, cache blocking or threading (gemm.cpp). Only called when nt_cpu_has_avx2().
// NOTE: every function using intrinsics is NT_AVX2 (no file-wide target pragma): the .node is built
// for baseline x86-64, and a file-wide pragma would also retarget inline library code it pulls in.
#include "gemm.h"

#include "../../core/simd.h"

#if NT_X86
#include <immintrin.h>

namespace nt_cpu {
namespace {

// One row of 16 floats: c = alpha * (x0, x1) + beta * c (beta == 0: c is not read).
NT_AVX2 inline void store_row_f32(float* c, __m256 x0, __m256 x1, __m256 va, __m256 vb, bool b0) {
  x0 = _mm256_mul_ps(x0, va);
  x1 = _mm256_mul_ps(x1, va);
  if (!b0) {
    x0 = _mm256_fmadd_ps(_mm256_loadu_ps(c), vb, x0);
    x1 = _mm256_fmadd_ps(_mm256_loadu_ps(c + 8), vb, x1);
  }
  _mm256_storeu_ps(c, x0);
  _mm256_storeu_ps(c + 8, x1);
}

NT_AVX2 inline void store_row_f64(double* c, __m256d x0, __m256d x1, __m256d va, __m256d vb,
                                  bool b0) {
  x0 = _mm256_mul_pd(x0, va);
  x1 = _mm256_mul_pd(x1, va);
  if (!b0) {
    x0 = _mm256_fmadd_pd(_mm256_loadu_pd(c), vb, x0);
    x1 = _mm256_fmadd_pd(_mm256_loadu_pd(c + 4), vb, x1);
  }
  _mm256_storeu_pd(c, x0);
  _mm256_storeu_pd(c + 4, x1);
}

// Edge tiles (nr < NR or mr < MR) with unit column stride: the same, through lane masks.
NT_AVX2 inline void store_row_f32_mask(float* c, __m256 x0, __m256 x1, __m256 va, __m256 vb,
                                       bool b0, __m256i k0, __m256i k1) {
  x0 = _mm256_mul_ps(x0, va);
  x1 = _mm256_mul_ps(x1, va);
  if (!b0) {
    x0 = _mm256_fmadd_ps(_mm256_maskload_ps(c, k0), vb, x0);
    x1 = _mm256_fmadd_ps(_mm256_maskload_ps(c + 8, k1), vb, x1);
  }
  _mm256_maskstore_ps(c, k0, x0);
  _mm256_maskstore_ps(c + 8, k1, x1);
}

NT_AVX2 inline void store_row_f64_mask(double* c, __m256d x0, __m256d x1, __m256d va,
                                       __m256d vb, bool b0, __m256i k0, __m256i k1) {
  x0 = _mm256_mul_pd(x0, va);
  x1 = _mm256_mul_pd(x1, va);
  if (!b0) {
    x0 = _mm256_fmadd_pd(_mm256_maskload_pd(c, k0), vb, x0);
    x1 = _mm256_fmadd_pd(_mm256_maskload_pd(c + 4, k1), vb, x1);
  }
  _mm256_maskstore_pd(c, k0, x0);
  _mm256_maskstore_pd(c + 4, k1, x1);
}

// Strided C: scalar update from a spilled accumulator tile t[MR][NR].
template <typename T, int NR>
inline void store_edge(const T* t, T* c, int64_t rsc, int64_t csc, T alpha, T beta, int mr,
                       int nr) {
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nr; j++) {
      T* p = c + i * rsc + j * csc;
      *p = beta == T(0) ? alpha * t[i * NR + j] : alpha * t[i * NR + j] + beta * *p;
    }
}

}  // namespace

#define NT_F32_STEP(OFF)                                                \
  {                                                                     \
    __m256 b0 = _mm256_load_ps(b + (OFF) * 16);                         \
    __m256 b1 = _mm256_load_ps(b + (OFF) * 16 + 8);                     \
    __m256 t = _mm256_broadcast_ss(a + (OFF) * 6 + 0);                  \
    c00 = _mm256_fmadd_ps(t, b0, c00);                                  \
    c01 = _mm256_fmadd_ps(t, b1, c01);                                  \
    t = _mm256_broadcast_ss(a + (OFF) * 6 + 1);                         \
    c10 = _mm256_fmadd_ps(t, b0, c10);                                  \
    c11 = _mm256_fmadd_ps(t, b1, c11);                                  \
    t = _mm256_broadcast_ss(a + (OFF) * 6 + 2);                         \
    c20 = _mm256_fmadd_ps(t, b0, c20);                                  \
    c21 = _mm256_fmadd_ps(t, b1, c21);                                  \
    t = _mm256_broadcast_ss(a + (OFF) * 6 + 3);                         \
    c30 = _mm256_fmadd_ps(t, b0, c30);                                  \
    c31 = _mm256_fmadd_ps(t, b1, c31);                                  \
    t = _mm256_broadcast_ss(a + (OFF) * 6 + 4);                         \
    c40 = _mm256_fmadd_ps(t, b0, c40);                                  \
    c41 = _mm256_fmadd_ps(t, b1, c41);                                  \
    t = _mm256_broadcast_ss(a + (OFF) * 6 + 5);                         \
    c50 = _mm256_fmadd_ps(t, b0, c50);                                  \
    c51 = _mm256_fmadd_ps(t, b1, c51);                                  \
  }

NT_AVX2 void ukernel_f32_avx2_6x16(int64_t kc, const float* a, const float* b, float* c,
                                   int64_t rsc, int64_t csc, float alpha, float beta, int mr,
                                   int nr) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  int64_t p = 0;
  for (; p + 4 <= kc; p += 4) {
    _mm_prefetch((const char*)(b + 256), _MM_HINT_T0);
    NT_F32_STEP(0) NT_F32_STEP(1) NT_F32_STEP(2) NT_F32_STEP(3)
    a += 24;
    b += 64;
  }
  for (; p < kc; p++) {
    NT_F32_STEP(0)
    a += 6;
    b += 16;
  }
  const bool b0 = beta == 0.0f;
  if (csc == 1) {
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    if (mr == 6 && nr == 16) {
      store_row_f32(c, c00, c01, va, vb, b0);
      store_row_f32(c + rsc, c10, c11, va, vb, b0);
      store_row_f32(c + 2 * rsc, c20, c21, va, vb, b0);
      store_row_f32(c + 3 * rsc, c30, c31, va, vb, b0);
      store_row_f32(c + 4 * rsc, c40, c41, va, vb, b0);
      store_row_f32(c + 5 * rsc, c50, c51, va, vb, b0);
      return;
    }
    const __m256i vn = _mm256_set1_epi32(nr);
    const __m256i k0 = _mm256_cmpgt_epi32(vn, _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const __m256i k1 = _mm256_cmpgt_epi32(vn, _mm256_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15));
    store_row_f32_mask(c, c00, c01, va, vb, b0, k0, k1);
    if (mr > 1) store_row_f32_mask(c + rsc, c10, c11, va, vb, b0, k0, k1);
    if (mr > 2) store_row_f32_mask(c + 2 * rsc, c20, c21, va, vb, b0, k0, k1);
    if (mr > 3) store_row_f32_mask(c + 3 * rsc, c30, c31, va, vb, b0, k0, k1);
    if (mr > 4) store_row_f32_mask(c + 4 * rsc, c40, c41, va, vb, b0, k0, k1);
    if (mr > 5) store_row_f32_mask(c + 5 * rsc, c50, c51, va, vb, b0, k0, k1);
    return;
  }
  alignas(32) float t[6 * 16];
  _mm256_store_ps(t + 0, c00), _mm256_store_ps(t + 8, c01);
  _mm256_store_ps(t + 16, c10), _mm256_store_ps(t + 24, c11);
  _mm256_store_ps(t + 32, c20), _mm256_store_ps(t + 40, c21);
  _mm256_store_ps(t + 48, c30), _mm256_store_ps(t + 56, c31);
  _mm256_store_ps(t + 64, c40), _mm256_store_ps(t + 72, c41);
  _mm256_store_ps(t + 80, c50), _mm256_store_ps(t + 88, c51);
  store_edge<float, 16>(t, c, rsc, csc, alpha, beta, mr, nr);
}

#define NT_F64_STEP(OFF)                                                \
  {                                                                     \
    __m256d b0 = _mm256_load_pd(b + (OFF) * 8);                         \
    __m256d b1 = _mm256_load_pd(b + (OFF) * 8 + 4);                     \
    __m256d t = _mm256_broadcast_sd(a + (OFF) * 6 + 0);                 \
    c00 = _mm256_fmadd_pd(t, b0, c00);                                  \
    c01 = _mm256_fmadd_pd(t, b1, c01);                                  \
    t = _mm256_broadcast_sd(a + (OFF) * 6 + 1);                         \
    c10 = _mm256_fmadd_pd(t, b0, c10);                                  \
    c11 = _mm256_fmadd_pd(t, b1, c11);                                  \
    t = _mm256_broadcast_sd(a + (OFF) * 6 + 2);                         \
    c20 = _mm256_fmadd_pd(t, b0, c20);                                  \
    c21 = _mm256_fmadd_pd(t, b1, c21);                                  \
    t = _mm256_broadcast_sd(a + (OFF) * 6 + 3);                         \
    c30 = _mm256_fmadd_pd(t, b0, c30);                                  \
    c31 = _mm256_fmadd_pd(t, b1, c31);                                  \
    t = _mm256_broadcast_sd(a + (OFF) * 6 + 4);                         \
    c40 = _mm256_fmadd_pd(t, b0, c40);                                  \
    c41 = _mm256_fmadd_pd(t, b1, c41);                                  \
    t = _mm256_broadcast_sd(a + (OFF) * 6 + 5);                         \
    c50 = _mm256_fmadd_pd(t, b0, c50);                                  \
    c51 = _mm256_fmadd_pd(t, b1, c51);                                  \
  }

NT_AVX2 void ukernel_f64_avx2_6x8(int64_t kc, const double* a, const double* b, double* c,
                                  int64_t rsc, int64_t csc, double alpha, double beta, int mr,
                                  int nr) {
  __m256d c00 = _mm256_setzero_pd(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256d c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  int64_t p = 0;
  for (; p + 4 <= kc; p += 4) {
    _mm_prefetch((const char*)(b + 128), _MM_HINT_T0);
    NT_F64_STEP(0) NT_F64_STEP(1) NT_F64_STEP(2) NT_F64_STEP(3)
    a += 24;
    b += 32;
  }
  for (; p < kc; p++) {
    NT_F64_STEP(0)
    a += 6;
    b += 8;
  }
  const bool b0 = beta == 0.0;
  if (csc == 1) {
    const __m256d va = _mm256_set1_pd(alpha), vb = _mm256_set1_pd(beta);
    if (mr == 6 && nr == 8) {
      store_row_f64(c, c00, c01, va, vb, b0);
      store_row_f64(c + rsc, c10, c11, va, vb, b0);
      store_row_f64(c + 2 * rsc, c20, c21, va, vb, b0);
      store_row_f64(c + 3 * rsc, c30, c31, va, vb, b0);
      store_row_f64(c + 4 * rsc, c40, c41, va, vb, b0);
      store_row_f64(c + 5 * rsc, c50, c51, va, vb, b0);
      return;
    }
    const __m256i vn = _mm256_set1_epi64x(nr);
    const __m256i k0 = _mm256_cmpgt_epi64(vn, _mm256_setr_epi64x(0, 1, 2, 3));
    const __m256i k1 = _mm256_cmpgt_epi64(vn, _mm256_setr_epi64x(4, 5, 6, 7));
    store_row_f64_mask(c, c00, c01, va, vb, b0, k0, k1);
    if (mr > 1) store_row_f64_mask(c + rsc, c10, c11, va, vb, b0, k0, k1);
    if (mr > 2) store_row_f64_mask(c + 2 * rsc, c20, c21, va, vb, b0, k0, k1);
    if (mr > 3) store_row_f64_mask(c + 3 * rsc, c30, c31, va, vb, b0, k0, k1);
    if (mr > 4) store_row_f64_mask(c + 4 * rsc, c40, c41, va, vb, b0, k0, k1);
    if (mr > 5) store_row_f64_mask(c + 5 * rsc, c50, c51, va, vb, b0, k0, k1);
    return;
  }
  alignas(32) double t[6 * 8];
  _mm256_store_pd(t + 0, c00), _mm256_store_pd(t + 4, c01);
  _mm256_store_pd(t + 8, c10), _mm256_store_pd(t + 12, c11);
  _mm256_store_pd(t + 16, c20), _mm256_store_pd(t + 20, c21);
  _mm256_store_pd(t + 24, c30), _mm256_store_pd(t + 28, c31);
  _mm256_store_pd(t + 32, c40), _mm256_store_pd(t + 36, c41);
  _mm256_store_pd(t + 40, c50), _mm256_store_pd(t + 44, c51);
  store_edge<double, 8>(t, c, rsc, csc, alpha, beta, mr, nr);
}

}  // namespace nt_cpu

#else  // not x86: never called (nt_cpu_has_avx2() is false), defined so the driver links.

namespace nt_cpu {
void ukernel_f32_avx2_6x16(int64_t, const float*, const float*, float*, int64_t, int64_t, float,
                           float, int, int) {}
void ukernel_f64_avx2_6x8(int64_t, const double*, const double*, double*, int64_t, int64_t,
                          double, double, int, int) {}
}  // namespace nt_cpu

#endif
