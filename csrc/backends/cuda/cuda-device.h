// cuda-device.h — the per-device state of the CUDA backend (stream, caching allocator, pinned
// staging buffers, error slot) and the vtable entries that use it. Host code only.
// Not here: probing the driver or describing the backend (cuda-backend.cu), kernels (*.cu families).
#pragma once
#include <string>

#include "../../core/backend.h"

namespace ntc {

// Set once by init(): devices found and what each is.
struct device_info {
  std::string name;
  int major = 0, minor = 0, sms = 0;
  size_t total = 0;
};
void set_devices(const device_info* infos, int count);
int device_total();
const device_info& device_at(int device);

// Whether the calling thread is a device queue thread whose bind_thread succeeded.
bool has_context();

// vtable entries (cuda-device.cu)
int bind_thread(int device, nt_error* err);
void* dev_alloc(int device, size_t nbytes, nt_error* err);
void dev_free(int device, void* p, size_t nbytes);
int copy_to_host(int device, void* dst, const void* src, size_t nbytes, nt_error* err);
int copy_from_host(int device, void* dst, const void* src, size_t nbytes, nt_error* err);
int dev_sync(int device, nt_error* err);
const char* memory_json(int device);
void empty_cache(int device);

std::string fmt_bytes(size_t n);

}  // namespace ntc
