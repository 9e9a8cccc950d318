// cuda-common.cuh — what every CUDA kernel file shares: typed device loads/stores (16-bit floats
// through the hardware conversions, bool read as a byte), the per-thread device context (stream,
// scratch memory, the error slot for checked ops), launch checks and dtype dispatch.
// Not here: the vtable and memory management (cuda-backend.cu) or any op.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "../../core/backend.h"
#include "../../core/dispatch.h"
#include "index-math.h"
#include "plans.h"
#include "values.h"

namespace ntc {

// ---------------------------------------------------------------- device loads and stores
template <class S> __device__ __forceinline__ nt_compute_t<S> ld(const S* p) { return *p; }
template <> __device__ __forceinline__ float ld<nt_half>(const nt_half* p) {
  return __half2float(__ushort_as_half(p->bits));
}
template <> __device__ __forceinline__ float ld<nt_bf16>(const nt_bf16* p) {
  return __uint_as_float((uint32_t)p->bits << 16);
}
template <> __device__ __forceinline__ bool ld<bool>(const bool* p) { return *(const uint8_t*)p != 0; }

template <class D, class V> __device__ __forceinline__ void st(D* p, V v) { *p = (D)v; }
template <> __device__ __forceinline__ void st<nt_half, float>(nt_half* p, float v) {
  p->bits = __half_as_ushort(__float2half_rn(v));
}
template <> __device__ __forceinline__ void st<nt_bf16, float>(nt_bf16* p, float v) {
  p->bits = __bfloat16_as_ushort(__float2bfloat16_rn(v));
}
template <> __device__ __forceinline__ void st<bool, bool>(bool* p, bool v) { *(uint8_t*)p = v ? 1 : 0; }

// Stores a double or int64 into element `off` of an output of runtime dtype dt (reductions, scans).
__device__ __forceinline__ void put_d(void* base, int64_t off, int dt, double v) {
  switch (dt) {
    case NT_F32: ((float*)base)[off] = (float)v; break;
    case NT_F64: ((double*)base)[off] = v; break;
    case NT_F16: st(((nt_half*)base) + off, (float)v); break;
    case NT_BF16: st(((nt_bf16*)base) + off, (float)v); break;
    case NT_I32: ((int32_t*)base)[off] = nt_sat_trunc_d<int32_t>(v); break;
    case NT_I64: ((int64_t*)base)[off] = nt_sat_trunc_d<int64_t>(v); break;
    case NT_U8: ((uint8_t*)base)[off] = nt_sat_trunc_d<uint8_t>(v); break;
    default: ((uint8_t*)base)[off] = v != 0; break;
  }
}
__device__ __forceinline__ void put_i(void* base, int64_t off, int dt, int64_t v) {
  switch (dt) {
    case NT_F32: ((float*)base)[off] = (float)v; break;
    case NT_F64: ((double*)base)[off] = (double)v; break;
    case NT_F16: st(((nt_half*)base) + off, (float)v); break;
    case NT_BF16: st(((nt_bf16*)base) + off, (float)v); break;
    case NT_I32: ((int32_t*)base)[off] = (int32_t)(uint32_t)(uint64_t)v; break;
    case NT_I64: ((int64_t*)base)[off] = v; break;
    case NT_U8: ((uint8_t*)base)[off] = (uint8_t)(uint64_t)v; break;
    default: ((uint8_t*)base)[off] = v != 0; break;
  }
}

// ---------------------------------------------------------------- the queue thread's device
// Set by bind_thread on each device's queue thread; kernels (which get no device argument) use it.
struct dev_ctx {
  int device;
  cudaStream_t stream;
  int sm_count;
  unsigned long long* slot;  // device: [0] first bad position (~0 = none), [1] flags
  unsigned long long* host_slot;  // pinned copy for reading it back
};
dev_ctx* cur();

// Scratch device memory from the caching allocator, ordered on the stream (free right after the
// launches that use it). Returns null and fills err on failure.
void* scratch_alloc(size_t nbytes, nt_error* err);
void scratch_free(void* p);

// After a launch: reports a launch failure (bad configuration, no kernel image for this GPU).
int launch_check(nt_error* err);
// Fails with "what: <CUDA error text>".
int cuda_fail(nt_error* err, cudaError_t e, const char* what);

// Checked ops: kernels record the first bad logical position with atomicMin into slot[0] and set
// bits in slot[1]. take_slot() waits for the stream, returns both and resets them.
// NOTE: this synchronizes the stream (one round trip per checked op) so that errors are reported
// by the op that caused them, with the CPU backend's message, before any later op runs.
int take_slot(unsigned long long* pos, unsigned long long* flags, nt_error* err);

// A strided copy between two views of one shape (any dtypes), used by ops that stage operands.
int copy_views(const nt_view& in, const nt_view& out, nt_error* err);
// Fills a view with a value (converted by the copy rules); copy.cu.
int fill_view(const nt_view& out, double value, nt_error* err);

inline unsigned grid_for(int64_t n, int threads, int64_t max_blocks = int64_t(1) << 20) {
  int64_t b = (n + threads - 1) / threads;
  if (b < 1) b = 1;
  return (unsigned)(b > max_blocks ? max_blocks : b);
}

// nt_view with its offset folded into a typed pointer.
template <class T> inline T* vptr(const nt_view& v) { return (T*)v.data + v.offset; }

}  // namespace ntc

// Dispatch over storage types on the host (bool as bool; 16-bit floats as their storage structs).
#define NTC_CASE_(ENUM, TYPE, T, ...) case ENUM: { typedef TYPE T; __VA_ARGS__; } break;
#define NTC_DISPATCH(DT, T, ...)                                                            \
  switch (DT) {                                                                             \
    NTC_CASE_(NT_F32, float, T, __VA_ARGS__) NTC_CASE_(NT_F64, double, T, __VA_ARGS__)      \
    NTC_CASE_(NT_F16, nt_half, T, __VA_ARGS__) NTC_CASE_(NT_BF16, nt_bf16, T, __VA_ARGS__)  \
    NTC_CASE_(NT_I32, int32_t, T, __VA_ARGS__) NTC_CASE_(NT_I64, int64_t, T, __VA_ARGS__)   \
    NTC_CASE_(NT_U8, uint8_t, T, __VA_ARGS__) NTC_CASE_(NT_BOOL, bool, T, __VA_ARGS__)      \
    default: break;                                                                         \
  }
#define NTC_DISPATCH_FLOAT(DT, T, ...)                                                      \
  switch (DT) {                                                                             \
    NTC_CASE_(NT_F32, float, T, __VA_ARGS__) NTC_CASE_(NT_F64, double, T, __VA_ARGS__)      \
    NTC_CASE_(NT_F16, nt_half, T, __VA_ARGS__) NTC_CASE_(NT_BF16, nt_bf16, T, __VA_ARGS__)  \
    default: break;                                                                         \
  }
// Same-size unsigned type: data that only moves (index ops, bit copies) is dispatched by size.
#define NTC_DISPATCH_BITS(DT, U, ...)                                                       \
  switch (nt_dtype_size(DT)) {                                                              \
    case 1: { typedef uint8_t U; __VA_ARGS__; } break;                                      \
    case 2: { typedef uint16_t U; __VA_ARGS__; } break;                                     \
    case 4: { typedef uint32_t U; __VA_ARGS__; } break;                                     \
    default: { typedef uint64_t U; __VA_ARGS__; } break;                                    \
  }

// Registration of each family's kernel slots (one per .cu file).
void ntc_register_unary(nt_kernel_fn* s);
void ntc_register_binary(nt_kernel_fn* s);
void ntc_register_copy(nt_kernel_fn* s);
void ntc_register_reduce(nt_kernel_fn* s);
void ntc_register_softmax(nt_kernel_fn* s);
void ntc_register_scan(nt_kernel_fn* s);
void ntc_register_sort(nt_kernel_fn* s);
void ntc_register_index(nt_kernel_fn* s);
void ntc_register_matmul(nt_kernel_fn* s);
void ntc_register_attention(nt_kernel_fn* s);
// matmul.cu: cuBLAS status for backendInfo (JSON fragment) and the TF32 switch.
const char* ntc_blas_json();
void ntc_set_allow_tf32(bool on);
bool ntc_allow_tf32();
