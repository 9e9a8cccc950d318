// cann-device.h — one NPU as the backend sees it: the thread binding (aclrtSetDevice per thread),
// its single stream, the stream-ordered caching pool for device memory and the pinned host staging
// buffers for copies. Not here: operators (cann-ops-*.cpp) or CANN discovery (acl-loader.h).
//
// Why one stream and a plain free list are enough: every device is ONE in-order queue whose thread
// owns the stream, so a block handed back to the pool (a freed tensor, a workspace right after its
// operator was enqueued) can only be reused by work enqueued later on the same stream, which runs
// after every use of the old contents. Nothing is returned to CANN (aclrtFree) while the stream may
// still read it: trimming the cache synchronises the stream first.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <mutex>
#include <string>

#include "../../core/view.h"
#include "acl-api.h"

namespace ntcann {

// Deliberate contract violations for the stand-in's negative tests (NODETENSOR_CANN_DEBUG, a comma-
// separated list). Never set in normal use; each makes the backend break one rule of CANN's contract.
struct Debug {
  bool misalign = false;        // pass base+offset as tensorData with offset 0 (breaks 32-byte alignment)
  bool short_storage = false;   // storageDims = numel, ignoring the view's offset and strides
  bool reuse_executor = false;  // call phase 2 twice with one executor that was not made repeatable
  bool free_workspace = false;  // aclrtFree the workspace right after enqueueing its operator
  bool skip_sync = false;       // read a device-to-host staging buffer without synchronising the stream
  bool unaligned_copy = false;  // aclrtMemcpyAsync from an address that is not 64-byte aligned
  bool no_bind = false;         // never call aclrtSetDevice on the queue thread
};
extern Debug g_debug;
void parse_debug_env();

// nt.npu.matmul.allowHF32 (set_option "allow_hf32"): float32 matmuls may use the cube unit's reduced
// precision (HF32 on A2/A3, float16 on 310P and the first-generation 910). Off by default.
bool allow_hf32();
void set_allow_hf32(bool on);

// The device whose queue runs on this thread (set by bind_thread; -1 on other threads).
int queue_device();
void set_queue_device(int dev);

// Binds the calling thread to `dev` (aclrtSetDevice when it changes) and creates the device's stream
// on first use. Returns 0 or 1 with err filled. ensure_bound is bind unless the thread already is
// (or the no-bind debug knob leaves the queue thread unbound on purpose).
int bind(int dev, nt_error* err);
int ensure_bound(int dev, nt_error* err);
ntacl::Stream stream_of(int dev);
// Held while the stream is used: by the queue thread around each command, and by sync() callers.
std::recursive_mutex& stream_mutex(int dev);

// Device memory from the pool (thread-safe; callable from the JS thread). Returns null + err.
void* dev_alloc(int dev, size_t nbytes, nt_error* err);
// Back to the pool, in stream order (see the header comment).
void dev_release(int dev, void* ptr);
// Synchronises the stream; recycles the staging buffers the stream has passed.
int stream_sync(int dev, nt_error* err);
// Pinned host staging for copies; release_after_sync keeps it until the next stream_sync.
void* host_staging(int dev, size_t nbytes, nt_error* err);
void host_release_after_sync(int dev, void* ptr);
void host_release(int dev, void* ptr);

// Synchronises the stream, then returns every cached device block and pinned buffer to CANN.
void empty_cache(int dev);

// JSON memory statistics (allocated, cached, peak, reserved, free, total) for memory_json.
std::string memory_json(int dev);

// printf into err; returns 1.
int fail(nt_error* err, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace ntcann
