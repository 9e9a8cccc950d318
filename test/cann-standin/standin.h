// standin.h — internals shared by the CANN stand-in's two libraries (TEST ONLY, never shipped):
// libascendcl.so (runtime + nnopbase: devices, streams, memory, aclTensor & co., executors) and
// libopapi.so (the aclnn operators, computed on the host by nodetensor's CPU kernels).
// Not here: any Huawei code or header. The C signatures come from csrc/backends/cann/acl-api.h,
// whose declarations are checked against the real headers in CI (check-decls.cpp).
//
// The stand-in executes on host memory but is STRICT about the contract our backend relies on; a
// violation aborts the process with "CANN stand-in: contract violation: ..." naming the rule.
#pragma once
#include <stdint.h>

#include <functional>
#include <type_traits>
#include <string>
#include <vector>

#include "../../csrc/backends/cann/acl-api.h"
#include "../../csrc/core/view.h"

// Opaque handles as the C API sees them. They are acl-api.h's types, so that every exported function
// can be static_assert'ed to have exactly the pointer type our backend calls it through.
typedef ntacl::Tensor aclTensor;
typedef ntacl::Scalar aclScalar;
typedef ntacl::IntArray aclIntArray;
typedef ntacl::Executor aclOpExecutor;
typedef void* aclrtStream;

// The exported function `name` has the type acl-api.h declares (name##_t).
#define NTSI_SAME_TYPE(name, ret, params) \
  static_assert(std::is_same<decltype(&name), ntacl::name##_t>::value, "stand-in differs from acl-api.h: " #name);

#define NTSI_API extern "C" __attribute__((visibility("default")))
#define NTSI_INTERNAL __attribute__((visibility("default")))

// A live aclTensor: what aclCreateTensor was given, validated.
struct SiTensor {
  int64_t id;
  int acl_dtype;
  nt_view view;      // data = tensorData, offset/shape/strides in elements
  int64_t storage;   // elements in the 1-D storage
};

// A device memory range a queued task touches (checked against frees and at execution).
struct SiRange {
  uintptr_t lo, hi;
  std::string what;
};

// Aborts with "CANN stand-in: contract violation: <message>".
[[noreturn]] NTSI_INTERNAL void ntsi_violation(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// Sets the thread's aclGetRecentErrMsg() text and returns `code`.
NTSI_INTERNAL int ntsi_error(int code, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// Object lookups: abort on a handle that was never created or was already destroyed.
NTSI_INTERNAL SiTensor ntsi_tensor(const aclTensor* t, const char* op, const char* arg);
NTSI_INTERNAL double ntsi_scalar(const aclScalar* s, const char* op, const char* arg, int* acl_dtype);
NTSI_INTERNAL std::vector<int64_t> ntsi_int_array(const aclIntArray* a, const char* op, const char* arg);

// nt dtype of an aclDataType (-1 when the stand-in does not emulate it).
NTSI_INTERNAL int ntsi_nt_dtype(int acl_dtype);

// Registers an executor for `op` (phase 1). `run` computes the op on the host and returns "" or an
// error; `tensors` are the aclTensors it reads or writes (they must stay alive until phase 2).
NTSI_INTERNAL int ntsi_make_executor(const char* op, const std::vector<const aclTensor*>& tensors,
                                     std::function<std::string()> run, uint64_t* workspace_size,
                                     aclOpExecutor** executor);
// Phase 2 of every operator: checks the executor, workspace, stream and context, then queues it.
NTSI_INTERNAL int ntsi_enqueue(const char* op, void* workspace, uint64_t workspace_size, aclOpExecutor* executor,
                               void* stream);

// Device memory bookkeeping (runtime).
NTSI_INTERNAL bool ntsi_device_range_live(uintptr_t lo, uintptr_t hi, std::string* why);
NTSI_INTERNAL void ntsi_queue_task(void* stream, const char* name, std::vector<SiRange> ranges,
                                   std::function<std::string()> run);
NTSI_INTERNAL int ntsi_current_device();
NTSI_INTERNAL void* ntsi_stream_check(void* stream, const char* api);  // resolves null = default stream
NTSI_INTERNAL const char* ntsi_soc();

// Guard for memory the host must not touch: device memory (always, except while the stand-in runs a
// task) and pinned host buffers that a queued copy still reads or writes (guard.cpp).
NTSI_INTERNAL void ntsi_guard_init();
NTSI_INTERNAL void* ntsi_arena_alloc(size_t size);
NTSI_INTERNAL void ntsi_arena_free(void* p, size_t size);
NTSI_INTERNAL bool ntsi_in_arena(uintptr_t p);
NTSI_INTERNAL void ntsi_device_access(bool on);  // nests; device memory is readable while on
// Pinned buffer protection while queued copies use it: 0 read-write, 1 read-only, 2 no access; `why`
// is what the fault handler prints if the host touches it anyway.
NTSI_INTERNAL void ntsi_pinned_protect(void* base, size_t size, int mode, const std::string& why);
