// cpu-backend.cpp — the CPU backend's vtable and its host allocator. Compiled into the .node.
// Not here: kernels (one file per family, registered through kernels.h) or the queue (core).
//
// Allocation: 64-byte aligned. Blocks of 1 MiB and more are rounded up to whole MiB and cached
// per size after free (big tensors otherwise pay mmap + page faults on every op); the cache is
// bounded and emptied by emptyCache(). Small blocks go straight to the system allocator.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../../core/backend-util.h"
#include "../../core/parallel.h"
#include "../../core/simd.h"
#include "kernels.h"

namespace {

const size_t kBig = size_t(1) << 20;
const size_t kCacheLimit = size_t(2) << 30;  // at most 2 GiB kept for reuse

std::mutex g_mu;
std::multimap<size_t, void*> g_cache;  // rounded size -> block
size_t g_cached = 0, g_allocated = 0, g_peak = 0;

size_t round_big(size_t n) { return (n + kBig - 1) & ~(kBig - 1); }

void* cpu_alloc(int, size_t nbytes, nt_error* err) {
  if (nbytes == 0) nbytes = 64;
  if (nbytes >= kBig) {
    size_t r = round_big(nbytes);
    {
      std::lock_guard<std::mutex> lk(g_mu);
      auto it = g_cache.find(r);
      if (it != g_cache.end()) {
        void* p = it->second;
        g_cache.erase(it);
        g_cached -= r;
        g_allocated += r;
        if (g_allocated > g_peak) g_peak = g_allocated;
        return p;
      }
    }
    void* p = aligned_alloc(64, r);
    if (!p) {
      // Give the cache back to the system and try once more.
      std::lock_guard<std::mutex> lk(g_mu);
      for (auto& kv : g_cache) free(kv.second);
      g_cache.clear();
      g_cached = 0;
      p = aligned_alloc(64, r);
    }
    if (!p) {
      snprintf(err->msg, NT_ERR_LEN, "out of memory: could not allocate %zu bytes on cpu", nbytes);
      return nullptr;
    }
    std::lock_guard<std::mutex> lk(g_mu);
    g_allocated += r;
    if (g_allocated > g_peak) g_peak = g_allocated;
    return p;
  }
  size_t r = (nbytes + 63) & ~size_t(63);
  void* p = aligned_alloc(64, r);
  if (!p) {
    snprintf(err->msg, NT_ERR_LEN, "out of memory: could not allocate %zu bytes on cpu", nbytes);
    return nullptr;
  }
  std::lock_guard<std::mutex> lk(g_mu);
  g_allocated += r;
  if (g_allocated > g_peak) g_peak = g_allocated;
  return p;
}

void cpu_free(int, void* p, size_t nbytes) {
  if (!p) return;
  if (nbytes == 0) nbytes = 64;
  if (nbytes >= kBig) {
    size_t r = round_big(nbytes);
    std::lock_guard<std::mutex> lk(g_mu);
    g_allocated -= r;
    if (g_cached + r <= kCacheLimit) {
      g_cache.emplace(r, p);
      g_cached += r;
      return;
    }
  } else {
    std::lock_guard<std::mutex> lk(g_mu);
    g_allocated -= (nbytes + 63) & ~size_t(63);
  }
  free(p);
}

int cpu_copy(int, void* dst, const void* src, size_t nbytes, nt_error*) {
  if (nbytes >= (size_t(8) << 20)) {
    nt::parallel_for(0, (int64_t)nbytes, int64_t(4) << 20, [&](int64_t lo, int64_t hi) {
      memcpy((char*)dst + lo, (const char*)src + lo, (size_t)(hi - lo));
    });
  } else if (nbytes) {
    memcpy(dst, src, nbytes);
  }
  return 0;
}

int cpu_init(nt_error*) { return 0; }
int cpu_device_count() { return 1; }

const char* cpu_info_json() {  // rebuilt on every call: the thread count can change (nt.setNumThreads)
  thread_local std::string out;
  return nt_json()
      .num("threads", nt::num_threads())
      .str("simd", nt_cpu_has_avx2() ? "avx2+fma+f16c" : "portable")
      .raw("gemm", nt_cpu_blas_info_json())
      .into(out);
}

const char* cpu_memory_json(int) {
  thread_local std::string out;
  std::lock_guard<std::mutex> lk(g_mu);
  return nt_json().num("allocated", g_allocated).num("cached", g_cached).num("peak", g_peak).into(out);
}

nt_backend make_cpu_backend() {
  // No bind_thread (any thread may run kernels) and no sync (kernels finish before the queue moves on).
  nt_backend b = nt_backend_begin("cpu", cpu_init, cpu_device_count, nullptr, cpu_alloc, cpu_free, cpu_copy, cpu_copy, nullptr);
  nt_cpu_register_elementwise(b.kernels);
  nt_cpu_register_copy(b.kernels);
  nt_cpu_register_reduce(b.kernels);
  nt_cpu_register_matmul(b.kernels);
  nt_cpu_register_index(b.kernels);
  nt_cpu_register_attention(b.kernels);
  b.info_json = cpu_info_json;
  b.memory_json = cpu_memory_json;
  return b;
}

}  // namespace



// Frees every cached block (nt.emptyCache()).
void nt_cpu_empty_cache() {
  std::lock_guard<std::mutex> lk(g_mu);
  for (auto& kv : g_cache) free(kv.second);
  g_cache.clear();
  g_cached = 0;
}

const nt_backend* nt_cpu_backend() {
  static nt_backend b = make_cpu_backend();
  return &b;
}
