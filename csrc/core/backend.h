// backend.h — the C ABI every backend implements: a small vtable with one kernel slot per op.
// Not here: queues or threads (core/queue.h runs every device as an in-order queue and calls these
// entries from that queue's thread), nor any N-API (backends are plain C++/CUDA libraries).
//
// The CPU backend is compiled into the .node; CUDA and CANN are shared libraries exporting
//   extern "C" const nt_backend* nt_backend_entry(void);
// which the core dlopens on first use of 'cuda' / 'npu'. `api_version` and `op_count` must equal the
// core's, or the loader refuses the library with a message saying which side is stale.
// A null kernel slot means "not implemented on this backend"; `supports` may further refuse by
// dtype or size, and both surface as "op 'x' is not implemented on npu:0 (...)" in JS.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "op-table.h"
#include "view.h"

#define NT_BACKEND_API_VERSION 3  // 2: empty_cache and set_option appended; 3: 9 views, attention ops

typedef int (*nt_kernel_fn)(const nt_args* args, nt_error* err);

struct nt_backend {
  uint32_t api_version;  // NT_BACKEND_API_VERSION
  uint32_t op_count;     // NT_OP_COUNT the backend was built with
  const char* name;      // "cpu", "cuda", "cann"

  // Called once on the loading thread. Returns 0, or non-zero with `err` saying what is missing
  // (driver, device, runtime library, environment).
  int (*init)(nt_error* err);
  int (*device_count)(void);
  // Called on the device's queue thread before its first command (CANN: binds the ACL context).
  int (*bind_thread)(int device, nt_error* err);

  // Memory. alloc may be called from the JS thread; free is called in stream order on the queue
  // thread. Both must be thread-safe. alloc returns null on failure and fills err.
  void* (*alloc)(int device, size_t nbytes, nt_error* err);
  void (*free)(int device, void* ptr, size_t nbytes);
  // Host <-> device copies, run on the queue thread (ordered with kernels). For the CPU these are memcpy.
  int (*copy_to_host)(int device, void* dst_host, const void* src, size_t nbytes, nt_error* err);
  int (*copy_from_host)(int device, void* dst, const void* src_host, size_t nbytes, nt_error* err);
  // Waits until all work submitted to the device from the queue thread has finished (stream sync).
  int (*sync)(int device, nt_error* err);

  nt_kernel_fn kernels[NT_OP_COUNT];
  // Optional: 1 if this backend can run `args` (dtype/size limits), 0 if not (fills err with why).
  int (*supports)(const nt_args* args, nt_error* err);
  // Optional: a JSON object describing the backend (versions, BLAS, devices) for nt.backendInfo().
  const char* (*info_json)(void);
  // Optional: memory statistics as JSON for device (allocated, cached, free, total).
  const char* (*memory_json)(int device);
  // Optional: hands cached device memory back to the driver (nt.emptyCache()). Called on the JS
  // thread after the device's queue has drained.
  void (*empty_cache)(int device);
  // Optional: a named backend setting (CUDA: "allow_tf32" = 1 or 0). Returns 0, or non-zero with err.
  int (*set_option)(const char* name, double value, nt_error* err);
};

extern "C" {
typedef const nt_backend* (*nt_backend_entry_fn)(void);
}
