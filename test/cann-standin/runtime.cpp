// runtime.cpp — the stand-in's AscendCL runtime (TEST ONLY): aclInit, devices and per-thread
// contexts, streams whose work is DEFERRED until aclrtSynchronizeStream (so anything that must stay
// alive "until the stream reaches it" really has to), device memory in a guarded arena, pinned host
// memory, async copies, errors. Not here: aclTensor & executors (nnopbase.cpp), operators (ops-*.cpp).
// Env: NT_STANDIN_DEVICES (default 1), NT_STANDIN_SOC (default Ascend910B3), NT_STANDIN_MEMORY (bytes
// of device memory, default 32 GiB).
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <deque>
#include <map>
#include <mutex>

#include "standin.h"

namespace {

std::mutex& g_mu = *new std::mutex();
bool g_inited = false;
int g_ndev = 1;
std::string& g_soc = *new std::string("Ascend910B3");  // NOTE: state is never destroyed: a queue
// thread may still call in while the process exits
thread_local int tl_dev = -1;
thread_local std::string tl_err;

struct DevAlloc { size_t size; int dev; };
std::map<uintptr_t, DevAlloc>& g_dev = *new std::map<uintptr_t, DevAlloc>();  // aclrtMalloc blocks
size_t g_dev_used = 0, g_dev_total = size_t(32) << 30;
struct Pinned { size_t size; int readers = 0, writers = 0; };
std::map<uintptr_t, Pinned>& g_pinned = *new std::map<uintptr_t, Pinned>();  // aclrtMallocHost blocks

struct Task {
  std::string name;
  std::vector<SiRange> ranges;
  std::function<std::string()> run;
  uintptr_t pin = 0;  // pinned block this task reads (pin_write false) or writes
  bool pin_write = false;
};
struct Stream {
  int dev;
  std::deque<Task> q;
  std::mutex sync_mu;
};
std::map<void*, Stream*>& g_streams = *new std::map<void*, Stream*>();
Stream* g_default_stream[256];

const int kErrInvalidParam = 100000, kErrRepeatInit = 100002, kErrInvalidDevice = 107001,
          kErrFeatureNotSupport = 207000, kErrAicore = 507015, kErrMalloc = 207001;

void require_init(const char* api) {
  if (!g_inited) ntsi_violation("%s was called before aclInit", api);
}
void require_context(const char* api) {
  require_init(api);
  if (tl_dev < 0)
    ntsi_violation("%s was called on a thread with no current context: call aclrtSetDevice (or "
                   "aclrtSetCurrentContext) on this thread first; the ACL context is per thread",
                   api);
}

// The allocation containing [lo, hi), or g_dev.end(). Caller holds g_mu.
std::map<uintptr_t, DevAlloc>::iterator find_dev(uintptr_t lo, uintptr_t hi) {
  auto it = g_dev.upper_bound(lo);
  if (it == g_dev.begin()) return g_dev.end();
  --it;
  if (lo >= it->first && hi <= it->first + it->second.size) return it;
  return g_dev.end();
}
std::map<uintptr_t, Pinned>::iterator find_pinned(uintptr_t lo, uintptr_t hi) {
  auto it = g_pinned.upper_bound(lo);
  if (it == g_pinned.begin()) return g_pinned.end();
  --it;
  if (lo >= it->first && hi <= it->first + it->second.size) return it;
  return g_pinned.end();
}

void reprotect(uintptr_t base) {  // caller holds g_mu
  auto it = g_pinned.find(base);
  if (it == g_pinned.end()) return;
  const Pinned& p = it->second;
  int mode = p.writers ? 2 : p.readers ? 1 : 0;
  ntsi_pinned_protect((void*)base, p.size, mode,
                      p.writers ? "a queued aclrtMemcpyAsync (device to host) has not written it yet: synchronize "
                                  "the stream (aclrtSynchronizeStream) before reading the buffer"
                                : "a queued aclrtMemcpyAsync (host to device) has not read it yet: keep the buffer "
                                  "unchanged until the stream has passed the copy");
}

// Runs every queued task of `s` in order. Returns the first task error ("" if none).
std::string drain(Stream* s) {
  std::lock_guard<std::mutex> sl(s->sync_mu);
  std::string first;
  for (;;) {
    Task t;
    {
      std::lock_guard<std::mutex> lk(g_mu);
      if (s->q.empty()) break;
      t = s->q.front();
      for (const SiRange& r : t.ranges)
        if (find_dev(r.lo, r.hi) == g_dev.end())
          ntsi_violation("stream order: %s reached the front of the stream but its %s [%p, %p) is no longer "
                         "allocated (freed before the stream reached it)",
                         t.name.c_str(), r.what.c_str(), (void*)r.lo, (void*)r.hi);
      if (t.pin) ntsi_pinned_protect((void*)t.pin, g_pinned[t.pin].size, 0, "");
    }
    ntsi_device_access(true);
    std::string e = t.run();
    ntsi_device_access(false);
    std::lock_guard<std::mutex> lk(g_mu);
    if (t.pin) {
      Pinned& p = g_pinned[t.pin];
      (t.pin_write ? p.writers : p.readers)--;
      reprotect(t.pin);
    }
    s->q.pop_front();
    if (!e.empty() && first.empty()) first = t.name + ": " + e;
  }
  return first;
}

}  // namespace

[[noreturn]] void ntsi_violation(const char* fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nCANN stand-in: contract violation: %s\n", buf);
  fflush(stderr);
  abort();
}

int ntsi_error(int code, const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  tl_err = buf;
  return code;
}

int ntsi_current_device() { return tl_dev; }
const char* ntsi_soc() { return g_soc.c_str(); }

bool ntsi_device_range_live(uintptr_t lo, uintptr_t hi, std::string* why) {
  std::lock_guard<std::mutex> lk(g_mu);
  if (find_dev(lo, hi) != g_dev.end()) return true;
  char buf[160];
  snprintf(buf, sizeof buf, "[%p, %p) is not inside one live aclrtMalloc block", (void*)lo, (void*)hi);
  *why = buf;
  return false;
}

void* ntsi_stream_check(void* stream, const char* api) {
  require_context(api);
  std::lock_guard<std::mutex> lk(g_mu);
  Stream* s = stream ? nullptr : g_default_stream[tl_dev];
  if (stream) {
    auto it = g_streams.find(stream);
    if (it == g_streams.end()) ntsi_violation("%s: %p is not a stream created by aclrtCreateStream (or it was destroyed)", api, stream);
    s = it->second;
  }
  if (s->dev != tl_dev)
    ntsi_violation("%s: the stream belongs to device %d's context but this thread's current context is device %d",
                   api, s->dev, tl_dev);
  return s;
}

void ntsi_queue_task(void* stream, const char* name, std::vector<SiRange> ranges, std::function<std::string()> run) {
  std::lock_guard<std::mutex> lk(g_mu);
  ((Stream*)stream)->q.push_back(Task{name, std::move(ranges), std::move(run), 0, false});
}

// ---------------------------------------------------------------- the C API
NTSI_API int aclInit(const char*) {
  std::lock_guard<std::mutex> lk(g_mu);
  if (g_inited) return kErrRepeatInit;
  const char* n = getenv("NT_STANDIN_DEVICES");
  g_ndev = n ? atoi(n) : 1;
  if (g_ndev < 0 || g_ndev > 16) g_ndev = 1;
  const char* mem = getenv("NT_STANDIN_MEMORY");
  if (mem && atoll(mem) > 0) g_dev_total = (size_t)atoll(mem);
  const char* soc = getenv("NT_STANDIN_SOC");
  if (soc && *soc) g_soc = soc;
  ntsi_guard_init();
  for (int d = 0; d < g_ndev; d++) {
    g_default_stream[d] = new Stream();
    g_default_stream[d]->dev = d;
  }
  g_inited = true;
  return 0;
}
NTSI_API int aclFinalize() { return 0; }
NTSI_API const char* aclGetRecentErrMsg() { return tl_err.c_str(); }
NTSI_API const char* aclrtGetSocName() { return g_inited ? g_soc.c_str() : nullptr; }

NTSI_API int aclrtGetDeviceCount(uint32_t* count) {
  require_init("aclrtGetDeviceCount");
  *count = (uint32_t)g_ndev;
  return 0;
}

NTSI_API int aclrtSetDevice(int32_t dev) {
  require_init("aclrtSetDevice");
  if (dev < 0 || dev >= g_ndev) return ntsi_error(kErrInvalidDevice, "EE1001: invalid device id %d (%d device(s))", dev, g_ndev);
  tl_dev = dev;  // the device's default context becomes this thread's current context
  return 0;
}

NTSI_API int aclrtCreateStream(aclrtStream* stream) {
  require_context("aclrtCreateStream");
  Stream* s = new Stream();
  s->dev = tl_dev;
  std::lock_guard<std::mutex> lk(g_mu);
  g_streams[s] = s;
  *stream = s;
  return 0;
}

NTSI_API int aclrtDestroyStream(aclrtStream stream) {
  Stream* s = (Stream*)ntsi_stream_check(stream, "aclrtDestroyStream");
  std::lock_guard<std::mutex> lk(g_mu);
  if (!s->q.empty()) ntsi_violation("aclrtDestroyStream: %zu queued task(s) have not run; synchronize first", s->q.size());
  g_streams.erase(s);
  return 0;
}

NTSI_API int aclrtSynchronizeStream(aclrtStream stream) {
  Stream* s = (Stream*)ntsi_stream_check(stream, "aclrtSynchronizeStream");
  std::string e = drain(s);
  if (!e.empty()) return ntsi_error(kErrAicore, "EZ9999: Inner Error! (CANN stand-in) %s", e.c_str());
  return 0;
}

NTSI_API int aclrtMalloc(void** ptr, size_t size, int32_t policy) {
  require_context("aclrtMalloc");
  if (!ptr || size == 0) return ntsi_error(kErrInvalidParam, "aclrtMalloc: size must be > 0");
  if (policy < 0 || policy > 7) return ntsi_error(kErrInvalidParam, "aclrtMalloc: unknown policy %d", policy);
  std::lock_guard<std::mutex> lk(g_mu);
  void* p = g_dev_used + size <= g_dev_total ? ntsi_arena_alloc(size) : nullptr;
  if (!p) return ntsi_error(kErrMalloc, "EL0004: out of device memory (%zu bytes requested, %zu of %zu in use)", size, g_dev_used, g_dev_total);
  g_dev[(uintptr_t)p] = DevAlloc{size, tl_dev};
  g_dev_used += size;
  *ptr = p;
  return 0;
}

NTSI_API int aclrtFree(void* ptr) {
  require_context("aclrtFree");
  std::lock_guard<std::mutex> lk(g_mu);
  auto it = g_dev.find((uintptr_t)ptr);
  if (it == g_dev.end()) ntsi_violation("aclrtFree(%p): not the start of a live aclrtMalloc block (double free?)", ptr);
  uintptr_t lo = it->first, hi = lo + it->second.size;
  for (auto& kv : g_streams)
    for (const Task& t : kv.second->q)
      for (const SiRange& r : t.ranges)
        if (r.lo < hi && r.hi > lo)
          ntsi_violation("aclrtFree(%p): queued stream work still uses this memory (%s, used by %s); device memory may be "
                         "freed only after the stream has passed every task that uses it",
                         ptr, r.what.c_str(), t.name.c_str());
  for (int d = 0; d < g_ndev; d++)
    for (const Task& t : g_default_stream[d]->q)
      for (const SiRange& r : t.ranges)
        if (r.lo < hi && r.hi > lo) ntsi_violation("aclrtFree(%p): queued work (%s) still uses it", ptr, t.name.c_str());
  g_dev_used -= it->second.size;
  ntsi_arena_free(ptr, it->second.size);
  g_dev.erase(it);
  return 0;
}

NTSI_API int aclrtMallocHost(void** ptr, size_t size) {
  require_init("aclrtMallocHost");
  if (!ptr || size == 0) return ntsi_error(kErrInvalidParam, "aclrtMallocHost: size must be > 0");
  size_t r = (size + 4095) & ~size_t(4095);
  void* p = mmap(nullptr, r, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return ntsi_error(kErrMalloc, "aclrtMallocHost: out of memory");
  std::lock_guard<std::mutex> lk(g_mu);
  g_pinned[(uintptr_t)p] = Pinned{r};
  *ptr = p;
  return 0;
}

NTSI_API int aclrtFreeHost(void* ptr) {
  std::lock_guard<std::mutex> lk(g_mu);
  auto it = g_pinned.find((uintptr_t)ptr);
  if (it == g_pinned.end()) ntsi_violation("aclrtFreeHost(%p): not a live aclrtMallocHost block", ptr);
  if (it->second.readers || it->second.writers)
    ntsi_violation("aclrtFreeHost(%p): a queued aclrtMemcpyAsync still uses this pinned buffer", ptr);
  munmap(ptr, it->second.size);
  g_pinned.erase(it);
  return 0;
}

NTSI_API int aclrtMemcpyAsync(void* dst, size_t destMax, const void* src, size_t count, int32_t kind, aclrtStream stream) {
  Stream* s = (Stream*)ntsi_stream_check(stream, "aclrtMemcpyAsync");
  if (kind == 0) return ntsi_error(kErrFeatureNotSupport, "aclrtMemcpyAsync: host-to-host copies are not supported");
  if (kind < 1 || kind > 3) return ntsi_error(kErrInvalidParam, "aclrtMemcpyAsync: unsupported kind %d", kind);
  if (count > destMax) ntsi_violation("aclrtMemcpyAsync: count %zu exceeds destMax %zu", count, destMax);
  if (count == 0) return 0;
  bool dst_dev = kind == 1 || kind == 3, src_dev = kind == 2 || kind == 3;
  if ((uintptr_t)dst % 64 || (uintptr_t)src % 64)
    ntsi_violation("aclrtMemcpyAsync: source %p and destination %p must both be 64-byte aligned", src, dst);
  std::vector<SiRange> ranges;
  uintptr_t pin = 0;
  bool pageable = false;
  {
    std::lock_guard<std::mutex> lk(g_mu);
    for (int side = 0; side < 2; side++) {
      uintptr_t p = (uintptr_t)(side ? src : dst);
      bool dev = side ? src_dev : dst_dev;
      const char* what = side ? "source" : "destination";
      if (dev) {
        if (find_dev(p, p + count) == g_dev.end())
          ntsi_violation("aclrtMemcpyAsync: the device %s [%p, %p) is not inside one live aclrtMalloc block", what,
                         (void*)p, (void*)(p + count));
        ranges.push_back(SiRange{p, p + count, std::string("copy ") + what});
      } else {
        if (ntsi_in_arena(p)) ntsi_violation("aclrtMemcpyAsync: the host %s %p is device memory (wrong kind %d)", what, (void*)p, kind);
        auto it = find_pinned(p, p + count);
        if (it == g_pinned.end()) pageable = true;
        else {
          pin = it->first;
          (side ? it->second.readers : it->second.writers)++;
          reprotect(pin);
        }
      }
    }
  }
  // Pageable host memory makes the copy synchronous (CANN 8.5 docs): run the stream up to it first.
  if (pageable) drain(s);
  ntsi_queue_task(s, kind == 1 ? "aclrtMemcpyAsync(host to device)" : kind == 2 ? "aclrtMemcpyAsync(device to host)"
                                                                                 : "aclrtMemcpyAsync(device to device)",
                  ranges, [dst, src, count]() { memcpy(dst, src, count); return std::string(); });
  if (pin) {
    std::lock_guard<std::mutex> lk(g_mu);
    s->q.back().pin = pin;
    s->q.back().pin_write = kind == 2;
  }
  if (pageable) drain(s);
  return 0;
}

// Synchronous copy. NOTE: not ordered with queued stream work (the stand-in's strict reading): it
// must not touch device memory that a queued task still reads or writes.
NTSI_API int aclrtMemcpy(void* dst, size_t destMax, const void* src, size_t count, int32_t kind) {
  require_context("aclrtMemcpy");
  if (kind < 0 || kind > 3) return ntsi_error(kErrInvalidParam, "aclrtMemcpy: unsupported kind %d", kind);
  if (count > destMax) ntsi_violation("aclrtMemcpy: count %zu exceeds destMax %zu", count, destMax);
  if (count == 0) return 0;
  std::lock_guard<std::mutex> lk(g_mu);
  for (int side = 0; side < 2; side++) {
    uintptr_t p = (uintptr_t)(side ? src : dst);
    bool dev = side ? (kind == 2 || kind == 3) : (kind == 1 || kind == 3);
    if (!dev) continue;
    if (find_dev(p, p + count) == g_dev.end())
      ntsi_violation("aclrtMemcpy: the device %s [%p, %p) is not inside one live aclrtMalloc block",
                     side ? "source" : "destination", (void*)p, (void*)(p + count));
    for (auto& kv : g_streams)
      for (const Task& t : kv.second->q)
        for (const SiRange& r : t.ranges)
          if (r.lo < p + count && r.hi > p)
            ntsi_violation("stream order: aclrtMemcpy touches memory that queued stream work (%s) still uses; "
                           "synchronize the stream first",
                           t.name.c_str());
  }
  ntsi_device_access(true);
  memcpy(dst, src, count);
  ntsi_device_access(false);
  return 0;
}

NTSI_API int aclrtGetMemInfo(int32_t, size_t* free_b, size_t* total) {
  require_context("aclrtGetMemInfo");
  std::lock_guard<std::mutex> lk(g_mu);
  *total = g_dev_total;
  *free_b = g_dev_total - g_dev_used;
  return 0;
}

// For the stand-in's own tests: live device blocks and queued tasks.
NTSI_API int ntsi_debug_counts(size_t* dev_blocks, size_t* queued) {
  std::lock_guard<std::mutex> lk(g_mu);
  *dev_blocks = g_dev.size();
  size_t q = 0;
  for (auto& kv : g_streams) q += kv.second->q.size();
  *queued = q;
  return 0;
}

NT_ACL_RUNTIME(NTSI_SAME_TYPE)
