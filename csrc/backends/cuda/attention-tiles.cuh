// attention-tiles.cuh — what the fused attention kernels share (attention.cu: forward,
// attention-backward.cu: backward): their argument blocks, the 16-bit wmma element types, tile
// loads from strided global rows into shared memory, warp reductions and the launch helper that
// opts into more than 48 KiB of shared memory. Not here: the plan (attention-plan.h) or kernels.
#pragma once
#include <mma.h>

#include "attention-plan.h"
#include "cuda-common.cuh"

namespace ntc {

// A 4-D view [B, H, rows, cols] (or lse's 3-D [B, H, rows]) with unit column stride: element
// (b, h, r, c) at p + b * sb + h * sh + r * sr + c, in elements; p already includes the offset.
struct attn_mat {
  const void* p;
  int64_t sb, sh, sr;
  bool vec;  // 16-bit rows start on 16 bytes and cols % 8 == 0: rows load as 16-byte chunks
};

template <class T>
__device__ __forceinline__ const T* attn_rows(const attn_mat& m, int64_t b, int64_t h) {
  return (const T*)m.p + b * m.sb + h * m.sh;
}

struct attn_fwd_args {
  attn_mat q, k, v, o, lse;
  int64_t H, bh_count, ntiles;  // ntiles: query tiles per (b, h)
  int64_t L, S;
  int E, Ev;
  double scale;
  bool causal;
};

struct attn_bwd_args {
  attn_mat q, k, v, o, dout, lse;
  void* dq_acc;      // [B*H, L, E] contiguous, compute type (float; double for float64), zeroed
  void* dk;          // [B*H, S, E] contiguous, storage type
  void* dv;          // [B*H, S, Ev] contiguous, storage type
  const void* dsum;  // [B*H, L] contiguous, compute type: D_i = sum_c dout[i, c] * out[i, c]
  int64_t H, bh_count, ntiles;  // ntiles: key tiles per (b, h)
  int64_t L, S;
  int E, Ev;
  double scale;
  bool causal;
};

// ---------------------------------------------------------------- 16-bit element types for wmma
template <class T> struct attn_wmma_type;
template <> struct attn_wmma_type<nt_half> {
  typedef __half type;
  static __device__ __forceinline__ __half from(float x) { return __float2half_rn(x); }
  static __device__ __forceinline__ float to(__half x) { return __half2float(x); }
};
template <> struct attn_wmma_type<nt_bf16> {
  typedef __nv_bfloat16 type;
  static __device__ __forceinline__ __nv_bfloat16 from(float x) { return __float2bfloat16_rn(x); }
  static __device__ __forceinline__ float to(__nv_bfloat16 x) { return __bfloat162float(x); }
};

// ---------------------------------------------------------------- tile loads (all 128 threads)
// Rows r0 .. r0 + R - 1 of a [rows, cols] matrix whose row r starts at src + r * rs go to
// dst[(r - r0) * ldd + c]; rows at or past `rows` are written as zeros (a zero key row gives a
// finite score that the mask then drops; a zero value row keeps 0 * garbage out of P.V).
// 16-bit storage copied bit for bit (the wmma paths).
__device__ __forceinline__ void attn_load16(uint16_t* dst, int ldd, const uint16_t* src, int64_t rs, int64_t r0,
                                            int R, int64_t rows, int cols, bool vec) {
  if (vec) {  // cols % 8 == 0; every row and dst row starts on 16 bytes (ldd % 8 == 0)
    const int cpr = cols >> 3;  // 16-byte chunks per row
    for (int idx = threadIdx.x; idx < R * cpr; idx += NT_ATTN_THREADS) {
      const int r = idx / cpr, c = (idx - r * cpr) << 3;
      uint4 x = make_uint4(0, 0, 0, 0);
      if (r0 + r < rows) x = *(const uint4*)(src + (r0 + r) * rs + c);
      *(uint4*)(dst + r * ldd + c) = x;
    }
  } else {
    for (int idx = threadIdx.x; idx < R * cols; idx += NT_ATTN_THREADS) {
      const int r = idx / cols, c = idx - r * cols;
      dst[r * ldd + c] = r0 + r < rows ? src[(r0 + r) * rs + c] : (uint16_t)0;
    }
  }
}
// Any storage type converted to the compute type C (the SIMT paths).
template <class T, class C>
__device__ __forceinline__ void attn_load(C* dst, int ldd, const T* src, int64_t rs, int64_t r0, int R, int64_t rows,
                                          int cols) {
  for (int idx = threadIdx.x; idx < R * cols; idx += NT_ATTN_THREADS) {
    const int r = idx / cols, c = idx - r * cols;
    dst[r * ldd + c] = r0 + r < rows ? (C)ld(src + (r0 + r) * rs + c) : (C)0;
  }
}

// ---------------------------------------------------------------- warp reductions (all 32 lanes)
__device__ __forceinline__ float attn_max(float a, float b) { return fmaxf(a, b); }
__device__ __forceinline__ double attn_max(double a, double b) { return fmax(a, b); }
template <class C> __device__ __forceinline__ C attn_warp_max(C x) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) x = attn_max(x, __shfl_xor_sync(0xffffffffu, x, o));
  return x;
}
template <class C> __device__ __forceinline__ C attn_warp_sum(C x) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
  return x;
}

// ---------------------------------------------------------------- launch
template <class X> struct attn_id { typedef X type; };

// kern<<<grid, threads, smem, stream>>>(args...) through cudaLaunchKernel (the runtime's documented
// entry, which test/native/cuda-attention-emu-test.cpp replaces to run these kernels on the CPU).
template <class... P>
int attn_start(void (*kern)(P...), int64_t grid, int threads, size_t smem, nt_error* err, typename attn_id<P>::type... args) {
  void* params[] = {(void*)&args...};
  const cudaError_t e = cudaLaunchKernel(kern, dim3((unsigned)grid), dim3((unsigned)threads), params, smem, cur()->stream);
  const int rc = launch_check(err);  // names a missing kernel image for this GPU
  if (rc || e == cudaSuccess) return rc;
  return cuda_fail(err, e, "kernel launch");
}

// The attention kernels' launch (128 threads), opting the kernel into more than the default 48 KiB
// of dynamic shared memory when it needs it (set before every such launch: the attribute is per
// device and cheap to set).
template <class Args>
int attn_launch(void (*kern)(Args), int64_t grid, size_t smem, const Args& args, nt_error* err) {
  if (smem > NT_ATTN_SMEM_DEFAULT) {
    int optin = 0;
    cudaError_t e = cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, cur()->device);
    if (e != cudaSuccess) return cuda_fail(err, e, "cudaDeviceGetAttribute");
    if ((size_t)optin < smem)
      return nt_cu_fail(err, "the attention kernel for this head dim needs %zu bytes of shared memory per block; cuda:%d "
                        "allows %d", smem, cur()->device, optin);
    e = cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem);
    if (e != cudaSuccess) return cuda_fail(err, e, "cudaFuncSetAttribute");
  }
  return attn_start(kern, grid, NT_ATTN_THREADS, smem, err, args);
}

// A view's attn_mat (ndim 4, or 3 for lse); `vec` when its 16-bit rows may load as 16-byte chunks.
inline attn_mat attn_mat_of(const nt_view& v) {
  attn_mat m;
  const int isz = nt_dtype_size(v.dtype);
  m.p = (const char*)v.data + v.offset * isz;
  m.sb = v.strides[0];
  m.sh = v.strides[1];
  m.sr = v.strides[2];
  m.vec = nt_attn_rows_vec(&v);
  return m;
}

int attention_backward(const nt_args* a, nt_error* err);  // attention-backward.cu

}  // namespace ntc
