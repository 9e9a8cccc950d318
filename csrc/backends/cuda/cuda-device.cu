// cuda-device.cu — per-device state of the CUDA backend, created on first use: one non-blocking
// stream (the device's queue thread is its only user), a caching allocator (allocator.h), pinned
// staging buffers for host copies (two, so a chunk's host memcpy overlaps the next chunk's DMA),
// and the error slot of checked kernels. Also the helpers kernels share (scratch, launch checks).
// Not here: driver probing and backendInfo (cuda-backend.cu), any kernel.
#include <stdio.h>
#include <string.h>

#include <memory>
#include <mutex>
#include <vector>

#include "../../core/backend-util.h"
#include "allocator.h"
#include "cuda-common.cuh"
#include "cuda-device.h"

namespace ntc {
namespace {

const size_t kChunk = size_t(8) << 20;  // pinned staging buffer size

struct device_state {
  int index = 0;
  std::mutex mu;
  bool ready = false;
  std::string init_error;
  dev_ctx ctx{};
  void* pinned[2] = {nullptr, nullptr};
  cudaEvent_t ev[2] = {nullptr, nullptr};
  bool pinned_tried = false;
  std::unique_ptr<nt_caching_allocator> alloc;
};

std::vector<device_info> g_info;
std::vector<std::unique_ptr<device_state>> g_dev;
thread_local device_state* t_dev = nullptr;

void* raw_alloc(void* ctx, size_t n) {
  device_state* d = (device_state*)ctx;
  cudaSetDevice(d->index);
  void* p = nullptr;
  if (cudaMalloc(&p, n) != cudaSuccess) {
    cudaGetLastError();  // NOTE: clears the (non-sticky) allocation error so no later launch reports it
    return nullptr;
  }
  return p;
}
void raw_free(void* ctx, void* p, size_t) {
  cudaSetDevice(((device_state*)ctx)->index);
  cudaFree(p);
}
void before_release(void* ctx) {
  cudaSetDevice(((device_state*)ctx)->index);
  cudaDeviceSynchronize();  // cached blocks may still be read by queued kernels
}

// The device's state, creating its stream and error slot on first use (any thread).
device_state* state(int device, nt_error* err) {
  device_state* d = g_dev[device].get();
  std::lock_guard<std::mutex> lk(d->mu);
  if (d->ready) return d;
  if (!d->init_error.empty()) { if (err) nt_cu_fail(err, "%s", d->init_error.c_str()); return nullptr; }
  cudaError_t e = cudaSetDevice(device);
  if (e == cudaSuccess) e = cudaStreamCreateWithFlags(&d->ctx.stream, cudaStreamNonBlocking);
  if (e == cudaSuccess) e = cudaMalloc((void**)&d->ctx.slot, 2 * sizeof(unsigned long long));
  if (e == cudaSuccess) e = cudaMemsetAsync(d->ctx.slot, 0xff, sizeof(unsigned long long), d->ctx.stream);
  if (e == cudaSuccess) e = cudaMemsetAsync(d->ctx.slot + 1, 0, sizeof(unsigned long long), d->ctx.stream);
  if (e == cudaSuccess) e = cudaHostAlloc((void**)&d->ctx.host_slot, 64, cudaHostAllocDefault);
  if (e != cudaSuccess) {
    d->init_error = std::string("could not initialise cuda:") + std::to_string(device) + ": " + cudaGetErrorString(e);
    cudaGetLastError();
    if (err) nt_cu_fail(err, "%s", d->init_error.c_str());
    return nullptr;
  }
  d->ctx.device = device;
  d->ctx.sm_count = g_info[device].sms > 0 ? g_info[device].sms : 1;
  d->ready = true;
  return d;
}

bool want_pinned(device_state* d) {
  if (!d->pinned_tried) {
    d->pinned_tried = true;
    for (int b = 0; b < 2; b++) {
      if (cudaHostAlloc(&d->pinned[b], kChunk, cudaHostAllocDefault) != cudaSuccess ||
          cudaEventCreateWithFlags(&d->ev[b], cudaEventDisableTiming) != cudaSuccess) {
        cudaGetLastError();
        for (int q = 0; q <= b; q++) {
          if (d->pinned[q]) cudaFreeHost(d->pinned[q]);
          d->pinned[q] = nullptr;
        }
        break;
      }
    }
  }
  return d->pinned[0] && d->pinned[1];
}

}  // namespace

std::string fmt_bytes(size_t n) {
  char b[64];
  if (n >= (size_t(1) << 30)) snprintf(b, sizeof b, "%.2f GiB", n / 1073741824.0);
  else if (n >= (size_t(1) << 20)) snprintf(b, sizeof b, "%.2f MiB", n / 1048576.0);
  else snprintf(b, sizeof b, "%zu bytes", n);
  return b;
}

void set_devices(const device_info* infos, int count) {
  g_info.assign(infos, infos + count);
  g_dev.clear();
  for (int i = 0; i < count; i++) {
    g_dev.emplace_back(new device_state());
    device_state* d = g_dev.back().get();
    d->index = i;
    d->alloc.reset(new nt_caching_allocator(raw_alloc, raw_free, before_release, d));
  }
}
int device_total() { return (int)g_info.size(); }
const device_info& device_at(int device) { return g_info[device]; }

dev_ctx* cur() { return &t_dev->ctx; }
bool has_context() { return t_dev != nullptr; }

int bind_thread(int device, nt_error* err) {
  device_state* d = state(device, err);
  if (!d) return 1;
  const cudaError_t e = cudaSetDevice(device);
  if (e != cudaSuccess) return cuda_fail(err, e, "cudaSetDevice");
  t_dev = d;
  return 0;
}

void* dev_alloc(int device, size_t nbytes, nt_error* err) {
  device_state* d = g_dev[device].get();
  void* p = d->alloc->alloc(nbytes);
  if (p) return p;
  size_t fr = 0, tot = 0;
  cudaSetDevice(device);
  if (cudaMemGetInfo(&fr, &tot) != cudaSuccess) cudaGetLastError();
  const nt_alloc_stats s = d->alloc->stats();
  nt_cu_fail(err, "CUDA out of memory on cuda:%d: tried to allocate %s (%zu bytes); the device has %s free of %s, "
             "nodetensor holds %s in tensors and %s cached (nt.cuda.emptyCache() returns cached blocks)",
             device, fmt_bytes(nbytes).c_str(), nbytes, fmt_bytes(fr).c_str(), fmt_bytes(tot).c_str(),
             fmt_bytes(s.allocated).c_str(), fmt_bytes(s.cached).c_str());
  return nullptr;
}

void dev_free(int device, void* p, size_t) { g_dev[device]->alloc->free(p); }

// Device -> host through the pinned buffers: chunk i's DMA runs while chunk i-1 is copied out.
int copy_to_host(int device, void* dst, const void* src, size_t n, nt_error* err) {
  device_state* d = state(device, err);
  if (!d) return 1;
  cudaStream_t s = d->ctx.stream;
  cudaError_t e = cudaSuccess;
  if (n == 0) return 0;
  if (!want_pinned(d)) {
    e = cudaMemcpyAsync(dst, src, n, cudaMemcpyDeviceToHost, s);
    if (e == cudaSuccess) e = cudaStreamSynchronize(s);
    return e == cudaSuccess ? 0 : cuda_fail(err, e, "copy to host");
  }
  const size_t chunks = (n + kChunk - 1) / kChunk;
  for (size_t i = 0; i <= chunks && e == cudaSuccess; i++) {
    if (i < chunks) {
      const size_t off = i * kChunk, len = n - off < kChunk ? n - off : kChunk;
      e = cudaMemcpyAsync(d->pinned[i % 2], (const char*)src + off, len, cudaMemcpyDeviceToHost, s);
      if (e == cudaSuccess) e = cudaEventRecord(d->ev[i % 2], s);
    }
    if (i > 0 && e == cudaSuccess) {
      const size_t j = i - 1, off = j * kChunk, len = n - off < kChunk ? n - off : kChunk;
      e = cudaEventSynchronize(d->ev[j % 2]);
      if (e == cudaSuccess) memcpy((char*)dst + off, d->pinned[j % 2], len);
    }
  }
  return e == cudaSuccess ? 0 : cuda_fail(err, e, "copy to host");
}

// Host -> device: returns once the data is in pinned memory (the caller may free `src`).
int copy_from_host(int device, void* dst, const void* src, size_t n, nt_error* err) {
  device_state* d = state(device, err);
  if (!d) return 1;
  cudaStream_t s = d->ctx.stream;
  cudaError_t e = cudaSuccess;
  if (n == 0) return 0;
  if (!want_pinned(d)) {  // pageable: the call returns once the source has been staged by the driver
    e = cudaMemcpyAsync(dst, src, n, cudaMemcpyHostToDevice, s);
    return e == cudaSuccess ? 0 : cuda_fail(err, e, "copy from host");
  }
  for (size_t off = 0, i = 0; off < n && e == cudaSuccess; off += kChunk, i++) {
    const size_t len = n - off < kChunk ? n - off : kChunk, b = i % 2;
    e = cudaEventSynchronize(d->ev[b]);  // the DMA that last read this buffer has finished
    if (e != cudaSuccess) break;
    memcpy(d->pinned[b], (const char*)src + off, len);
    e = cudaMemcpyAsync((char*)dst + off, d->pinned[b], len, cudaMemcpyHostToDevice, s);
    if (e == cudaSuccess) e = cudaEventRecord(d->ev[b], s);
  }
  return e == cudaSuccess ? 0 : cuda_fail(err, e, "copy from host");
}

int dev_sync(int device, nt_error* err) {
  device_state* d = state(device, err);
  if (!d) return 1;
  const cudaError_t e = cudaStreamSynchronize(d->ctx.stream);
  return e == cudaSuccess ? 0 : cuda_fail(err, e, "cudaStreamSynchronize");
}

const char* memory_json(int device) {
  thread_local std::string out;
  const nt_alloc_stats s = g_dev[device]->alloc->stats();
  size_t fr = 0, tot = 0;
  cudaSetDevice(device);
  if (cudaMemGetInfo(&fr, &tot) != cudaSuccess) cudaGetLastError();
  return nt_json().num("allocated", s.allocated).num("cached", s.cached).num("reserved", s.reserved).num("peak", s.peak)
      .num("free", fr).num("total", tot).num("allocations", s.raw_allocs).num("cacheHits", s.hits).num("releases", s.releases)
      .into(out);
}

void empty_cache(int device) { g_dev[device]->alloc->empty_cache(); }

// ---------------------------------------------------------------- helpers for kernels
void* scratch_alloc(size_t nbytes, nt_error* err) {
  void* p = t_dev->alloc->alloc(nbytes);
  if (!p) nt_cu_fail(err, "CUDA out of memory on cuda:%d for a %s scratch buffer", t_dev->index, fmt_bytes(nbytes).c_str());
  return p;
}
void scratch_free(void* p) { t_dev->alloc->free(p); }

int cuda_fail(nt_error* err, cudaError_t e, const char* what) {
  return nt_cu_fail(err, "%s: CUDA error %d (%s): %s", what, (int)e, cudaGetErrorName(e), cudaGetErrorString(e));
}

int launch_check(nt_error* err) {
  const cudaError_t e = cudaGetLastError();
  if (e == cudaSuccess) return 0;
  if (e == cudaErrorNoKernelImageForDevice || e == cudaErrorInvalidDeviceFunction) {
    const device_info& i = g_info[t_dev->index];
    return nt_cu_fail(err, "no kernel for cuda:%d (%s, compute capability %d.%d): this library was built for sm_80, sm_90 "
                      "and compute_90 PTX", t_dev->index, i.name.c_str(), i.major, i.minor);
  }
  return cuda_fail(err, e, "kernel launch");
}

int take_slot(unsigned long long* pos, unsigned long long* flags, nt_error* err) {
  dev_ctx& c = t_dev->ctx;
  cudaError_t e = cudaMemcpyAsync(c.host_slot, c.slot, 2 * sizeof(unsigned long long), cudaMemcpyDeviceToHost, c.stream);
  if (e == cudaSuccess) e = cudaStreamSynchronize(c.stream);
  if (e != cudaSuccess) return cuda_fail(err, e, "reading the kernel's error slot");
  *pos = c.host_slot[0];
  *flags = c.host_slot[1];
  if (*pos != ~0ull) e = cudaMemsetAsync(c.slot, 0xff, sizeof(unsigned long long), c.stream);
  if (e == cudaSuccess && *flags) e = cudaMemsetAsync(c.slot + 1, 0, sizeof(unsigned long long), c.stream);
  return e == cudaSuccess ? 0 : cuda_fail(err, e, "resetting the kernel's error slot");
}

}  // namespace ntc
