// blas-loader.h — finds a CBLAS library at run time (dlopen; the .node never links one) and exposes
// its sgemm/dgemm. Not here: deciding per call whether to use it (matmul.cpp) or the built-in GEMM.
#pragma once
#include <stdint.h>

namespace nt_cpu {

// Standard CBLAS enum values (cblas.h); we declare our own prototypes, no header needed.
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };

// NOTE: LP64 prototypes (32-bit int sizes), as libopenblas.so.0, libmkl_rt (default interface),
// libblis and the system libblas/libcblas export them; callers must keep m, n, k, ld* <= INT32_MAX.
typedef void (*cblas_sgemm_fn)(int order, int transa, int transb, int m, int n, int k, float alpha,
                               const float* a, int lda, const float* b, int ldb, float beta,
                               float* c, int ldc);
typedef void (*cblas_dgemm_fn)(int order, int transa, int transb, int m, int n, int k,
                               double alpha, const double* a, int lda, const double* b, int ldb,
                               double beta, double* c, int ldc);

struct blas_lib {
  cblas_sgemm_fn sgemm;
  cblas_dgemm_fn dgemm;
  const char* vendor;  // "openblas", "mkl", "blis", "accelerate", "atlas", "reference"
  // True: the library runs each call on one thread (set so at load), so nodetensor's pool may run
  // several calls at once. False (no thread control: Accelerate, ATLAS): one call at a time.
  bool single_threaded;
};

// The loaded BLAS, or null when the built-in GEMM is used (none found, only the slow reference
// BLAS found, or NODETENSOR_BLAS=builtin). Lazy and thread-safe; the first call probes.
const blas_lib* blas();

// Sets the library's thread count (single_threaded libraries only): matmul.cpp raises it around
// one big call and sets it back to 1. NOTE: not while other BLAS calls are running.
void blas_set_threads(int n);

}  // namespace nt_cpu

// kernels.h declares it: {"blas":"openblas","library":...,"threading":"pool"} or
// {"blas":"builtin","reason":...}.
const char* nt_cpu_blas_info_json();
