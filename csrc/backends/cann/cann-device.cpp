// cann-device.cpp — thread binding, the stream, the stream-ordered caching pool and pinned staging
// (see cann-device.h for why this is safe). Not here: operators or copies (cann-backend.cpp).
#include "cann-device.h"

#include <stdarg.h>
#include <stdio.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "../../core/backend-util.h"
#include "acl-loader.h"

namespace ntcann {

Debug g_debug;
static std::atomic<bool> g_allow_hf32{false};
bool allow_hf32() { return g_allow_hf32.load(std::memory_order_relaxed); }
void set_allow_hf32(bool on) { g_allow_hf32.store(on, std::memory_order_relaxed); }

void parse_debug_env() {
  const char* e = getenv("NODETENSOR_CANN_DEBUG");
  std::string s = e ? e : "";
  auto has = [&](const char* k) { return ("," + s + ",").find("," + std::string(k) + ",") != std::string::npos; };
  g_debug.misalign = has("misalign");
  g_debug.short_storage = has("short-storage");
  g_debug.reuse_executor = has("reuse-executor");
  g_debug.free_workspace = has("free-workspace");
  g_debug.skip_sync = has("skip-sync");
  g_debug.unaligned_copy = has("unaligned-copy");
  g_debug.no_bind = has("no-bind");
}

int fail(nt_error* err, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, NT_ERR_LEN, fmt, ap);
  va_end(ap);
  return 1;
}

namespace {

const size_t kSmall = size_t(1) << 20;     // up to 1 MiB: 512-byte granules
const size_t kLargeGranule = size_t(2) << 20;  // above: 2 MiB (huge pages)
const size_t kHostMin = size_t(64) << 10;
const size_t kHostCacheLimit = size_t(256) << 20;
const size_t kHostPendingLimit = size_t(512) << 20;

struct DeviceState {
  std::mutex mu;         // pool bookkeeping (alloc comes from the JS thread, release from the queue)
  std::recursive_mutex stream_mu;  // stream use: the queue thread, and sync() from the JS thread after a drain
  ntacl::Stream stream = nullptr;
  std::multimap<size_t, void*> free_blocks;  // granule-rounded size -> block
  struct Block { size_t size; uint64_t epoch; bool cached; };
  std::unordered_map<void*, Block> blocks;
  size_t in_use = 0, cached = 0, peak = 0, reserved = 0;
  uint64_t syncs = 0;  // completed stream synchronisations
  std::multimap<size_t, void*> host_free;
  std::unordered_map<void*, size_t> host_size;
  std::vector<void*> host_pending;
  size_t host_pending_bytes = 0, host_cached = 0;
};

std::mutex g_mu;
DeviceState* g_devices[256];
thread_local int tl_bound = -1;
thread_local int tl_queue = -1;

DeviceState& state(int dev) {
  std::lock_guard<std::mutex> lk(g_mu);
  if (!g_devices[dev]) g_devices[dev] = new DeviceState();
  return *g_devices[dev];
}

size_t round_size(size_t n) {
  if (n == 0) n = 1;
  if (n <= kSmall) return (n + 511) & ~size_t(511);
  return (n + kLargeGranule - 1) / kLargeGranule * kLargeGranule;
}

// Returns cached blocks that the stream has certainly passed to CANN. Caller holds s.mu.
void trim(DeviceState& s) {
  for (auto it = s.free_blocks.begin(); it != s.free_blocks.end();) {
    auto b = s.blocks.find(it->second);
    if (b != s.blocks.end() && b->second.epoch < s.syncs) {
      g_acl.aclrtFree(it->second);
      s.cached -= b->second.size;
      s.reserved -= b->second.size;
      s.blocks.erase(b);
      it = s.free_blocks.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace

int queue_device() { return tl_queue; }
void set_queue_device(int dev) { tl_queue = dev; }

int ensure_bound(int dev, nt_error* err) {
  if (tl_bound == dev || (g_debug.no_bind && tl_queue == dev)) return 0;
  return bind(dev, err);
}

int bind(int dev, nt_error* err) {
  if (tl_bound == dev) return 0;
  ntacl::Error rc = g_acl.aclrtSetDevice(dev);
  if (rc != ntacl::kSuccess) return fail(err, "aclrtSetDevice(%d) failed (%s)", dev, acl_error_text(rc).c_str());
  tl_bound = dev;
  DeviceState& s = state(dev);
  std::lock_guard<std::mutex> lk(s.mu);
  if (!s.stream) {
    rc = g_acl.aclrtCreateStream(&s.stream);
    if (rc != ntacl::kSuccess) {
      s.stream = nullptr;
      return fail(err, "aclrtCreateStream on npu:%d failed (%s)", dev, acl_error_text(rc).c_str());
    }
  }
  return 0;
}

ntacl::Stream stream_of(int dev) {
  DeviceState& s = state(dev);
  std::lock_guard<std::mutex> lk(s.mu);
  return s.stream;
}

void* dev_alloc(int dev, size_t nbytes, nt_error* err) {
  DeviceState& s = state(dev);
  size_t r = round_size(nbytes);
  {
    std::lock_guard<std::mutex> lk(s.mu);
    auto it = s.free_blocks.lower_bound(r);
    if (it != s.free_blocks.end() && it->first <= r + r / 4) {  // a close fit: reuse it
      void* p = it->second;
      DeviceState::Block& b = s.blocks[p];
      b.cached = false;
      s.cached -= b.size;
      s.in_use += b.size;
      if (s.in_use > s.peak) s.peak = s.in_use;
      s.free_blocks.erase(it);
      return p;
    }
  }
  if (ensure_bound(dev, err) != 0) return nullptr;
  void* p = nullptr;
  ntacl::Error rc = g_acl.aclrtMalloc(&p, r, ntacl::kMallocHugeFirst);
  if (rc != ntacl::kSuccess || !p) {
    nt_error e2;  // let the stream pass every cached block, give them back, try once more
    if (stream_sync(dev, &e2) != 0) {
      fail(err, "out of memory on npu:%d (%zu bytes), and %s", dev, nbytes, e2.msg);
      return nullptr;
    }
    std::lock_guard<std::mutex> lk(s.mu);
    trim(s);
    rc = g_acl.aclrtMalloc(&p, r, ntacl::kMallocHugeFirst);
    if (rc != ntacl::kSuccess || !p) {
      fail(err, "out of memory on npu:%d: could not allocate %zu bytes (%zu in use, %zu cached; %s)", dev,
           nbytes, s.in_use, s.cached, acl_error_text(rc).c_str());
      return nullptr;
    }
  }
  std::lock_guard<std::mutex> lk(s.mu);
  s.blocks[p] = DeviceState::Block{r, 0, false};
  s.reserved += r;
  s.in_use += r;
  if (s.in_use > s.peak) s.peak = s.in_use;
  return p;
}

void dev_release(int dev, void* ptr) {
  if (!ptr) return;
  DeviceState& s = state(dev);
  std::lock_guard<std::mutex> lk(s.mu);
  auto it = s.blocks.find(ptr);
  if (it == s.blocks.end() || it->second.cached) return;  // not ours, or released twice: ignore
  it->second.cached = true;
  it->second.epoch = s.syncs;
  s.in_use -= it->second.size;
  s.cached += it->second.size;
  s.free_blocks.emplace(it->second.size, ptr);
}

int stream_sync(int dev, nt_error* err) {
  DeviceState& s = state(dev);
  if (ensure_bound(dev, err) != 0) return 1;
  std::lock_guard<std::recursive_mutex> slk(s.stream_mu);
  ntacl::Error rc = g_acl.aclrtSynchronizeStream(s.stream);
  std::lock_guard<std::mutex> lk(s.mu);
  // Staging buffers the stream has passed can be reused, even if it reported an error.
  for (void* p : s.host_pending) s.host_free.emplace(s.host_size[p], p);
  s.host_pending.clear();
  s.host_pending_bytes = 0;
  if (rc != ntacl::kSuccess) return fail(err, "the NPU reported an error (aclrtSynchronizeStream: %s)", acl_error_text(rc).c_str());
  s.syncs++;
  return 0;
}

void* host_staging(int dev, size_t nbytes, nt_error* err) {
  DeviceState& s = state(dev);
  size_t r = kHostMin;
  while (r < nbytes) r <<= 1;
  bool must_sync = false;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    auto it = s.host_free.lower_bound(r);
    if (it != s.host_free.end() && it->first == r) {
      void* p = it->second;
      s.host_free.erase(it);
      s.host_cached -= r;
      return p;
    }
    must_sync = s.host_pending_bytes > kHostPendingLimit;
  }
  if (must_sync && stream_sync(dev, err) != 0) return nullptr;
  void* p = nullptr;
  ntacl::Error rc = g_acl.aclrtMallocHost(&p, r);
  if (rc != ntacl::kSuccess || !p) {
    fail(err, "could not allocate %zu bytes of pinned host memory for a copy (%s)", r, acl_error_text(rc).c_str());
    return nullptr;
  }
  std::lock_guard<std::mutex> lk(s.mu);
  s.host_size[p] = r;
  return p;
}

void host_release_after_sync(int dev, void* ptr) {
  DeviceState& s = state(dev);
  std::lock_guard<std::mutex> lk(s.mu);
  s.host_pending.push_back(ptr);
  s.host_pending_bytes += s.host_size[ptr];
}

void host_release(int dev, void* ptr) {
  DeviceState& s = state(dev);
  std::lock_guard<std::mutex> lk(s.mu);
  size_t r = s.host_size[ptr];
  if (s.host_cached + r > kHostCacheLimit) {
    g_acl.aclrtFreeHost(ptr);
    s.host_size.erase(ptr);
    return;
  }
  s.host_free.emplace(r, ptr);
  s.host_cached += r;
}

void empty_cache(int dev) {
  nt_error err;
  if (stream_sync(dev, &err) != 0) return;  // the error surfaces at the next read or sync
  DeviceState& s = state(dev);
  std::lock_guard<std::mutex> lk(s.mu);
  trim(s);
  for (auto& kv : s.host_free) {
    g_acl.aclrtFreeHost(kv.second);
    s.host_size.erase(kv.second);
  }
  s.host_free.clear();
  s.host_cached = 0;
}

std::recursive_mutex& stream_mutex(int dev) { return state(dev).stream_mu; }

std::string memory_json(int dev) {
  nt_error err;
  size_t free_b = 0, total_b = 0;
  if (ensure_bound(dev, &err) == 0) g_acl.aclrtGetMemInfo(ntacl::kHbmMem, &free_b, &total_b);
  DeviceState& s = state(dev);
  std::lock_guard<std::mutex> lk(s.mu);
  return nt_json().num("allocated", s.in_use).num("cached", s.cached).num("peak", s.peak).num("reserved", s.reserved)
      .num("free", free_b).num("total", total_b).num("pinnedCached", s.host_cached).text();
}

}  // namespace ntcann
