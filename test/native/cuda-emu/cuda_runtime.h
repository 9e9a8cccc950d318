// cuda_runtime.h (CPU stand-in) — just enough of the CUDA runtime and device API for
// test/native/cuda-attention-emu-test.cpp to run the attention kernels (csrc/backends/cuda/
// attention*.cu) with g++: each CTA runs as blockDim cooperative fibers (ucontext) on one OS thread,
// switching only when a thread waits at __syncthreads, __syncwarp or a warp shuffle, in forward or
// reverse thread order; dynamic shared memory is refilled with NaN bytes before every CTA and
// fenced by a canary; a launch over 48 KiB of shared memory must have been opted into.
// Not a general CUDA emulator, and no claim about timing or the real hardware's memory model:
// a missing barrier shows only when the schedule happens to expose it.
// Found first on the include path of the native tests (scripts/native-tests.js), so no real CUDA
// header is needed or used.
#pragma once
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/dtype.h"

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__
#define __align__(n)
#define __launch_bounds__(...)

// ---------------------------------------------------------------- types
struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
inline dim3 threadIdx, blockIdx, blockDim, gridDim;  // the running fiber's (set by the scheduler)

struct uint4 { unsigned x, y, z, w; };
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return {x, y, z, w}; }

struct __half { uint16_t x; };
struct __nv_bfloat16 { uint16_t x; };
inline __half __float2half_rn(float f) { return {nt_float_to_half(f)}; }
inline float __half2float(__half h) { return nt_half_to_float(h.x); }
inline __half __ushort_as_half(unsigned short u) { return {u}; }
inline unsigned short __half_as_ushort(__half h) { return h.x; }
inline __nv_bfloat16 __float2bfloat16_rn(float f) { return {nt_float_to_bf16(f)}; }
inline float __bfloat162float(__nv_bfloat16 b) { return nt_bf16_to_float(b.x); }
inline unsigned short __bfloat16_as_ushort(__nv_bfloat16 b) { return b.x; }
inline float __uint_as_float(unsigned u) { return nt_bits_to_float(u); }

// ---------------------------------------------------------------- runtime API
typedef struct nt_emu_stream* cudaStream_t;
enum cudaError_t {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidDeviceFunction = 98,
  cudaErrorNoKernelImageForDevice = 209,
  cudaErrorLaunchFailure = 719,
};
enum cudaDeviceAttr { cudaDevAttrMaxSharedMemoryPerBlockOptin = 97 };
enum cudaFuncAttribute { cudaFuncAttributeMaxDynamicSharedMemorySize = 8 };

inline const char* cudaGetErrorName(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
    case cudaErrorNoKernelImageForDevice: return "cudaErrorNoKernelImageForDevice";
    case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
    default: return "cudaError";
  }
}
inline const char* cudaGetErrorString(cudaError_t e) { return cudaGetErrorName(e); }

// What the emulated device is and what went wrong (the test reads and resets it).
struct nt_emu_state {
  cudaError_t last = cudaSuccess;
  int optin = 232448;                 // sharedMemPerBlockOptin (an sm_90 part)
  std::map<const void*, int> dyn_smem;  // cudaFuncAttributeMaxDynamicSharedMemorySize per kernel
  unsigned char* smem = nullptr;      // the kernels' dynamic shared memory (the test's buffer)
  size_t smem_cap = 0, smem_now = 0;
  bool reverse = false;               // schedule threads last to first
  int launches = 0;
  std::vector<std::string> faults;    // misuse seen inside kernels (alignment, bounds, deadlock)
  void fault(const std::string& s) {
    if (faults.size() < 20) faults.push_back(s);
  }
};
inline nt_emu_state& nt_emu() {
  static nt_emu_state s;
  return s;
}

inline cudaError_t cudaGetLastError() {
  const cudaError_t e = nt_emu().last;
  nt_emu().last = cudaSuccess;
  return e;
}
inline cudaError_t cudaDeviceGetAttribute(int* v, cudaDeviceAttr a, int) {
  if (a != cudaDevAttrMaxSharedMemoryPerBlockOptin) return nt_emu().last = cudaErrorInvalidValue;
  *v = nt_emu().optin;
  return cudaSuccess;
}
template <class F>
cudaError_t cudaFuncSetAttribute(F* f, cudaFuncAttribute a, int v) {
  if (a != cudaFuncAttributeMaxDynamicSharedMemorySize || v < 0 || v > nt_emu().optin)
    return nt_emu().last = cudaErrorInvalidValue;
  nt_emu().dyn_smem[(const void*)f] = v;
  return cudaSuccess;
}
inline cudaError_t cudaMemsetAsync(void* p, int v, size_t n, cudaStream_t) {
  memset(p, v, n);
  return cudaSuccess;
}

// ---------------------------------------------------------------- fibers
struct nt_emu_cta {
  enum { RUN, WAIT, DONE };
  struct fiber {
    ucontext_t uc;
    std::vector<char> stack;
    int state = RUN;
  };
  int n = 0, cur = 0;
  std::vector<fiber> f;
  ucontext_t main;
  void (*body)(void*) = nullptr;
  void* body_arg = nullptr;
  int cta_arrived = 0;
  std::vector<int> warp_arrived;
  std::vector<uint64_t> slots;  // [warps][32] exchange slots of the shuffles

  void block() {  // the running fiber waits: back to the scheduler
    f[(size_t)cur].state = WAIT;
    swapcontext(&f[(size_t)cur].uc, &main);
  }
  void cta_barrier() {
    if (++cta_arrived == n) {
      cta_arrived = 0;
      for (auto& x : f)
        if (x.state == WAIT) x.state = RUN;
      return;
    }
    block();
  }
  void warp_barrier() {
    const int w = cur / 32, lanes = n - w * 32 < 32 ? n - w * 32 : 32;
    if (++warp_arrived[(size_t)w] == lanes) {
      warp_arrived[(size_t)w] = 0;
      for (int i = w * 32; i < w * 32 + lanes; i++)
        if (f[(size_t)i].state == WAIT) f[(size_t)i].state = RUN;
      return;
    }
    block();
  }
};
inline nt_emu_cta* g_nt_emu_cta = nullptr;

inline void nt_emu_entry() {
  nt_emu_cta& c = *g_nt_emu_cta;
  c.body(c.body_arg);
  c.f[(size_t)c.cur].state = nt_emu_cta::DONE;  // uc_link returns to the scheduler
}

// Runs one CTA of `threads` threads: body(arg) in each.
inline bool nt_emu_run_cta(int threads, void (*body)(void*), void* arg) {
  static nt_emu_cta c;
  c.n = threads;
  c.f.resize((size_t)threads);
  c.body = body;
  c.body_arg = arg;
  c.cta_arrived = 0;
  c.warp_arrived.assign((size_t)(threads + 31) / 32, 0);
  c.slots.assign((size_t)((threads + 31) / 32) * 32, 0);
  g_nt_emu_cta = &c;
  for (int i = 0; i < threads; i++) {
    nt_emu_cta::fiber& x = c.f[(size_t)i];
    x.stack.resize(size_t(256) << 10);
    x.state = nt_emu_cta::RUN;
    getcontext(&x.uc);
    x.uc.uc_stack.ss_sp = x.stack.data();
    x.uc.uc_stack.ss_size = x.stack.size();
    x.uc.uc_link = &c.main;
    makecontext(&x.uc, nt_emu_entry, 0);
  }
  for (;;) {
    bool ran = false, all_done = true;
    for (int k = 0; k < threads; k++) {
      const int i = nt_emu().reverse ? threads - 1 - k : k;
      if (c.f[(size_t)i].state == nt_emu_cta::DONE) continue;
      all_done = false;
      if (c.f[(size_t)i].state != nt_emu_cta::RUN) continue;
      c.cur = i;
      threadIdx = dim3((unsigned)i, 0, 0);
      swapcontext(&c.main, &c.f[(size_t)i].uc);
      ran = true;
    }
    if (all_done) return true;
    if (!ran) {  // every live thread waits at a barrier some thread will never reach
      nt_emu().fault("barrier deadlock (divergent __syncthreads / __syncwarp / shuffle)");
      return false;
    }
  }
}

inline void __syncthreads() { g_nt_emu_cta->cta_barrier(); }
inline void __syncwarp(unsigned = 0xffffffffu) { g_nt_emu_cta->warp_barrier(); }

template <class T>
T nt_emu_exchange(T v, int src_lane) {
  static_assert(sizeof(T) <= 8, "shuffle of at most 8 bytes");
  nt_emu_cta& c = *g_nt_emu_cta;
  const int w = c.cur / 32, lane = c.cur % 32;
  memcpy(&c.slots[(size_t)(w * 32 + lane)], &v, sizeof(T));
  c.warp_barrier();  // every lane has written
  T r;
  memcpy(&r, &c.slots[(size_t)(w * 32 + (src_lane & 31))], sizeof(T));
  c.warp_barrier();  // every lane has read before a later exchange overwrites
  return r;
}
template <class T> T __shfl_xor_sync(unsigned, T v, int mask) { return nt_emu_exchange(v, (g_nt_emu_cta->cur % 32) ^ mask); }
template <class T> T __shfl_sync(unsigned, T v, int src) { return nt_emu_exchange(v, src); }

inline float atomicAdd(float* p, float v) { const float o = *p; *p = o + v; return o; }
inline double atomicAdd(double* p, double v) { const double o = *p; *p = o + v; return o; }

// ---------------------------------------------------------------- launches
template <class... P, size_t... I>
void nt_emu_call(void (*func)(P...), void** args, std::index_sequence<I...>) {
  std::tuple<P...> vals(*(P*)args[I]...);
  struct job {
    void (*func)(P...);
    std::tuple<P...>* vals;
    static void run(void* j) {
      job* self = (job*)j;
      std::apply(self->func, *self->vals);
    }
  } j{func, &vals};
  nt_emu_state& e = nt_emu();
  const unsigned blocks = gridDim.x * gridDim.y * gridDim.z;
  for (unsigned b = 0; b < blocks && e.faults.empty(); b++) {
    blockIdx = dim3(b % gridDim.x, (b / gridDim.x) % gridDim.y, b / (gridDim.x * gridDim.y));
    memset(e.smem, 0xff, e.smem_now);                         // NaN in every float format
    memset(e.smem + e.smem_now, 0xa5, e.smem_cap - e.smem_now);  // canary
    if (!nt_emu_run_cta((int)(blockDim.x * blockDim.y * blockDim.z), &job::run, &j)) break;
    for (size_t x = e.smem_now; x < e.smem_cap; x++)
      if (e.smem[x] != 0xa5) {
        e.fault("write past the launch's dynamic shared memory at byte " + std::to_string(x));
        break;
      }
  }
}

template <class... P>
cudaError_t cudaLaunchKernel(void (*func)(P...), dim3 grid, dim3 block, void** args, size_t smem = 0,
                             cudaStream_t = nullptr) {
  nt_emu_state& e = nt_emu();
  const unsigned threads = block.x * block.y * block.z;
  auto it = e.dyn_smem.find((const void*)func);
  const size_t allowed = smem <= 48 * 1024 ? smem : (it == e.dyn_smem.end() ? 48 * 1024 : (size_t)it->second);
  if (threads == 0 || threads > 1024 || grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.x > 2147483647u ||
      smem > allowed || smem > (size_t)e.optin || smem > e.smem_cap)
    return e.last = cudaErrorInvalidValue;
  e.launches++;
  gridDim = grid;
  blockDim = block;
  e.smem_now = smem;
  nt_emu_call(func, args, std::index_sequence_for<P...>());
  if (!e.faults.empty()) e.last = cudaErrorLaunchFailure;
  return e.last;
}

// For mma.h: an address inside the launch's dynamic shared memory with `bytes` after it.
inline void nt_emu_check_smem(const void* p, size_t bytes, const char* what) {
  nt_emu_state& e = nt_emu();
  const unsigned char* q = (const unsigned char*)p;
  if (q < e.smem || q + bytes > e.smem + e.smem_now)
    e.fault(std::string(what) + ": a matrix outside the launch's dynamic shared memory");
}
