// cublas-api.h — cuBLAS found at run time: the few entry points nodetensor calls, declared here with
// the documented signatures and enum values of cublas_api.h, so the CUDA library has no build- or
// link-time dependency on cuBLAS. Not here: how a matmul uses them (matmul.cu).
#pragma once
#include <cuda_runtime.h>
#include <library_types.h>

#include <string>

typedef struct cublasContext* ntc_cublas_handle;
typedef int ntc_cublas_status;  // CUBLAS_STATUS_SUCCESS = 0

enum { NTC_CUBLAS_OP_N = 0, NTC_CUBLAS_OP_T = 1 };
enum { NTC_CUBLAS_COMPUTE_32F = 68, NTC_CUBLAS_COMPUTE_64F = 70, NTC_CUBLAS_COMPUTE_32F_FAST_TF32 = 77 };
enum { NTC_CUBLAS_GEMM_DEFAULT = -1 };

struct ntc_cublas {
  ntc_cublas_status (*create)(ntc_cublas_handle*);                                  // cublasCreate_v2
  ntc_cublas_status (*destroy)(ntc_cublas_handle);                                  // cublasDestroy_v2
  ntc_cublas_status (*set_stream)(ntc_cublas_handle, cudaStream_t);                 // cublasSetStream_v2
  ntc_cublas_status (*get_property)(int type, int* value);                          // cublasGetProperty
  // cublasGemmStridedBatchedEx
  ntc_cublas_status (*gemm)(ntc_cublas_handle, int transa, int transb, int m, int n, int k, const void* alpha,
                            const void* A, cudaDataType Atype, int lda, long long strideA, const void* B,
                            cudaDataType Btype, int ldb, long long strideB, const void* beta, void* C,
                            cudaDataType Ctype, int ldc, long long strideC, int batch, int compute, int algo);
  std::string path;     // the file that was loaded
  std::string version;  // "13.0.2"
};

// The loaded cuBLAS, or null with `why` saying what was tried (cached after the first call).
const ntc_cublas* ntc_load_cublas(std::string* why);
