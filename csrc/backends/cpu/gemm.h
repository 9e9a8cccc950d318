// gemm.h — the built-in blocked GEMM (float32, float64) used when no usable BLAS is loaded.
// Not here: dtype conversion, view validation, the BLAS path (matmul.cpp), the loader (blas-loader.h).
#pragma once
#include <stdint.h>
#include <stdlib.h>

#include "../../core/view.h"

namespace nt_cpu {

// Growable 64-byte aligned scratch memory, meant to be thread_local so that warm calls allocate
// nothing. get() returns null if the allocation fails; trim() frees it when above `keep` bytes.
struct scratch_buffer {
  void* p = nullptr;
  size_t cap = 0;
  ~scratch_buffer() { free(p); }
  void* get(size_t bytes) {
    if (bytes > cap) {
      free(p);
      cap = (bytes + 4095) & ~size_t(4095);
      p = aligned_alloc(64, cap);
      if (!p) cap = 0;
    }
    return p;
  }
  void trim(size_t keep) {
    if (cap > keep) free(p), p = nullptr, cap = 0;
  }
};

// The batch dims of one matmul call (already broadcast: a stride may be 0).
struct gemm_batch {
  int nd = 0;         // number of batch dims
  int64_t count = 1;  // product of shape[0..nd)
  int64_t shape[NT_MAX_DIMS];
  int64_t sa[NT_MAX_DIMS], sb[NT_MAX_DIMS], sc[NT_MAX_DIMS];  // element strides of a, b, c
  // Element offsets of matrix `idx` (row-major over shape) in a, b and c.
  void offsets(int64_t idx, int64_t* oa, int64_t* ob, int64_t* oc) const {
    int64_t a = 0, b = 0, c = 0;
    for (int d = nd - 1; d >= 0; d--) {
      int64_t i = idx % shape[d];
      idx /= shape[d];
      a += i * sa[d];
      b += i * sb[d];
      c += i * sc[d];
    }
    *oa = a, *ob = b, *oc = c;
  }
};

// C[i] = alpha * A[i] @ B[i] + beta * C[i] for every batch matrix i. A is m x k with row stride rsa
// and column stride csa (elements; any values, so transposed and stepped views need no copy), B is
// k x n, C is m x n. beta == 0: C is not read (it may hold NaN). k == 0 is allowed.
// NOTE: C must not overlap A or B, and two batch entries must not share a C matrix.
template <typename T>
struct gemm_args {
  int64_t m = 0, n = 0, k = 0;
  T alpha = 1, beta = 0;
  const T* a = nullptr;
  int64_t rsa = 0, csa = 0;
  const T* b = nullptr;
  int64_t rsb = 0, csb = 0;
  T* c = nullptr;
  int64_t rsc = 0, csc = 0;
  gemm_batch batch;
};

// Multi-threaded with nt::parallel_for (over batch entries and/or tiles of C).
void gemm(const gemm_args<float>& g);
void gemm(const gemm_args<double>& g);
// "avx2+fma" when the AVX2 micro-kernels are in use, else "portable".
const char* gemm_simd_name();
// Tests only: run the portable micro-kernels even where AVX2 is available.
void gemm_force_portable(bool on);

// ---- internal: the micro-kernels (gemm-avx2.cpp), called by the driver in gemm.cpp ----
// c[0..mr) x [0..nr) = alpha * (packed a panel) @ (packed b panel) + beta * c; beta == 0: c unread.
// a: kc steps of MR values; b: kc steps of NR values (64-byte aligned).
void ukernel_f32_avx2_6x16(int64_t kc, const float* a, const float* b, float* c, int64_t rsc,
                           int64_t csc, float alpha, float beta, int mr, int nr);
void ukernel_f64_avx2_6x8(int64_t kc, const double* a, const double* b, double* c, int64_t rsc,
                          int64_t csc, double alpha, double beta, int mr, int nr);

}  // namespace nt_cpu
