// allocator.h — the per-device caching allocator behind the CUDA backend's alloc/free: sizes are
// rounded (512 B steps below 1 MiB, 2 MiB steps above), freed blocks are kept for reuse and handed
// back to the driver only on emptyCache() or when an allocation would otherwise fail.
// Not here: CUDA calls (the raw allocator is injected, so test/native drives this with malloc).
//
// NOTE: stream order is what makes reuse safe. There is one stream per device and every free is a
// queue command run after the kernels that read the block were launched on that stream, so any
// later use of a recycled block is ordered after them. Blocks are only returned to the driver after
// `before_release` (a device synchronize) has run.
#pragma once
#include <stddef.h>

#include <map>
#include <mutex>
#include <unordered_map>

struct nt_alloc_stats {
  size_t allocated = 0;  // bytes in live blocks (rounded)
  size_t cached = 0;     // bytes in free blocks kept for reuse
  size_t reserved = 0;   // allocated + cached: what the driver has given us
  size_t peak = 0;       // highest `allocated`
  size_t raw_allocs = 0, hits = 0, releases = 0;
};

class nt_caching_allocator {
 public:
  typedef void* (*raw_alloc_fn)(void* ctx, size_t nbytes);  // null on failure
  typedef void (*raw_free_fn)(void* ctx, void* p, size_t nbytes);
  typedef void (*hook_fn)(void* ctx);

  nt_caching_allocator(raw_alloc_fn a, raw_free_fn f, hook_fn before_release, void* ctx)
      : raw_alloc_(a), raw_free_(f), before_release_(before_release), ctx_(ctx) {}
  nt_caching_allocator(const nt_caching_allocator&) = delete;

  static const size_t kSmall = size_t(1) << 20;
  static size_t round(size_t n) {
    if (n == 0) n = 1;
    if (n < kSmall) return (n + 511) & ~size_t(511);
    const size_t g = size_t(2) << 20;
    return (n + g - 1) / g * g;
  }

  // A block of at least n bytes, or null when the device is out of memory even after the cache
  // was released (`*block_size`, if given, receives the rounded size).
  void* alloc(size_t n, size_t* block_size = nullptr) {
    const size_t r = round(n);
    std::lock_guard<std::mutex> lk(mu_);
    auto it = free_.lower_bound(r);
    // Small sizes must match exactly; a large block may be up to 1/8 bigger than asked.
    if (it != free_.end() && (it->first == r || (r >= kSmall && it->first <= r + r / 8))) {
      void* p = it->second;
      const size_t got = it->first;
      free_.erase(it);
      s_.cached -= got;
      s_.hits++;
      return take(p, got, block_size);
    }
    void* p = raw_alloc_(ctx_, r);
    if (!p && !free_.empty()) {
      release_locked();
      p = raw_alloc_(ctx_, r);
    }
    if (!p) return nullptr;
    s_.raw_allocs++;
    s_.reserved += r;
    return take(p, r, block_size);
  }

  // Returns a block to the cache; unknown pointers are ignored (returns false).
  bool free(void* p) {
    if (!p) return false;
    std::lock_guard<std::mutex> lk(mu_);
    auto it = live_.find(p);
    if (it == live_.end()) return false;
    const size_t sz = it->second;
    live_.erase(it);
    s_.allocated -= sz;
    s_.cached += sz;
    free_.emplace(sz, p);
    return true;
  }

  // Hands every cached block back to the driver (after before_release).
  void empty_cache() {
    std::lock_guard<std::mutex> lk(mu_);
    release_locked();
  }

  nt_alloc_stats stats() const {
    std::lock_guard<std::mutex> lk(mu_);
    return s_;
  }
  size_t block_size(void* p) const {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = live_.find(p);
    return it == live_.end() ? 0 : it->second;
  }

 private:
  void* take(void* p, size_t sz, size_t* block_size) {
    live_[p] = sz;
    s_.allocated += sz;
    if (s_.allocated > s_.peak) s_.peak = s_.allocated;
    if (block_size) *block_size = sz;
    return p;
  }
  void release_locked() {
    if (free_.empty()) return;
    if (before_release_) before_release_(ctx_);
    for (auto& kv : free_) raw_free_(ctx_, kv.second, kv.first);
    s_.reserved -= s_.cached;
    s_.cached = 0;
    s_.releases++;
    free_.clear();
  }

  raw_alloc_fn raw_alloc_;
  raw_free_fn raw_free_;
  hook_fn before_release_;
  void* ctx_;
  mutable std::mutex mu_;
  std::multimap<size_t, void*> free_;  // block size -> block
  std::unordered_map<void*, size_t> live_;
  nt_alloc_stats s_;
};
