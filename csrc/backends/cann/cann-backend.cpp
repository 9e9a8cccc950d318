// cann-backend.cpp — the CANN backend's vtable (libnodetensor_cann.so, entry nt_backend_entry):
// init (CANN discovery), the queue-thread binding, memory, host<->device copies through pinned
// staging, sync and the info/memory JSON. Not here: operators (cann-ops-*.cpp), the capability
// table (cann-caps.cpp) or CANN discovery itself (acl-loader.cpp).
#include <stdio.h>

#include <cstring>
#include <string>

#include "../../core/backend-util.h"
#include "aclnn-call.h"
#include "cann-caps.h"

namespace ntcann {
namespace {

int cann_init(nt_error* err) {
  parse_debug_env();
  std::string why;
  if (load_acl(&why) != 0) {
    snprintf(err->msg, NT_ERR_LEN, "%s", why.c_str());
    return 1;
  }
  return 0;
}

int cann_device_count() { return g_acl.devices; }

// The queue thread owns the device: it binds once and runs every aclnn call and copy.
int cann_bind_thread(int device, nt_error* err) {
  set_queue_device(device);
  return g_debug.no_bind ? 0 : bind(device, err);
}

void* cann_alloc(int device, size_t nbytes, nt_error* err) { return dev_alloc(device, nbytes, err); }
void cann_free(int device, void* ptr, size_t) { dev_release(device, ptr); }

// Device -> host: an async copy into pinned staging from a 64-byte aligned start (async copies need
// it), a stream sync, then a host copy of the requested bytes.
int cann_copy_to_host(int device, void* dst, const void* src, size_t nbytes, nt_error* err) {
  if (nbytes == 0) return 0;
  std::lock_guard<std::recursive_mutex> lk(stream_mutex(device));
  if (ensure_bound(device, err) != 0) return 1;
  size_t delta = g_debug.unaligned_copy ? 0 : (uintptr_t)src % 64;
  const char* from = (const char*)src - delta;
  size_t count = nbytes + delta;
  void* staging = host_staging(device, count, err);
  if (!staging) return 1;
  ntacl::Error rc = g_acl.aclrtMemcpyAsync(staging, count, from, count, ntacl::kMemcpyDeviceToHost, stream_of(device));
  if (rc != ntacl::kSuccess) {
    host_release(device, staging);
    return fail(err, "aclrtMemcpyAsync (npu to host, %zu bytes) failed (%s)", count, acl_error_text(rc).c_str());
  }
  if (!g_debug.skip_sync && stream_sync(device, err) != 0) {  // NOTE: skip-sync is a negative test
    host_release(device, staging);
    return 1;
  }
  memcpy(dst, (char*)staging + delta, nbytes);
  host_release(device, staging);
  return 0;
}

// Host -> device: staged in pinned memory that is kept until the stream has passed the copy. A
// destination that is not 64-byte aligned goes through an aligned temporary and a uint8
// aclnnInplaceCopy (the storage base is aligned; the copy is expressed as an element offset).
int cann_copy_from_host(int device, void* dst, const void* src, size_t nbytes, nt_error* err) {
  if (nbytes == 0) return 0;
  std::lock_guard<std::recursive_mutex> lk(stream_mutex(device));
  if (ensure_bound(device, err) != 0) return 1;
  size_t delta = (uintptr_t)dst % 64;
  void* target = dst;
  Call c(err);
  nt_view tmp;
  if (delta && !g_debug.unaligned_copy) {
    int64_t n = (int64_t)nbytes;
    tmp = c.temp(NT_U8, 1, &n);
    if (c.bad()) return 1;
    target = tmp.data;
  }
  void* staging = host_staging(device, nbytes, err);
  if (!staging) return 1;
  memcpy(staging, src, nbytes);
  ntacl::Error rc =
      g_acl.aclrtMemcpyAsync(target, nbytes, staging, nbytes, ntacl::kMemcpyHostToDevice, stream_of(device));
  host_release_after_sync(device, staging);
  if (rc != ntacl::kSuccess)
    return fail(err, "aclrtMemcpyAsync (host to npu, %zu bytes) failed (%s)", nbytes, acl_error_text(rc).c_str());
  if (target == dst) return 0;
  nt_view d = tmp;
  d.data = (char*)dst - delta;
  d.offset = (int64_t)delta;
  return NT_ACLNN(c, InplaceCopy, c.tensor(d), c.tensor(tmp));
}

int cann_sync(int device, nt_error* err) { return stream_sync(device, err); }

void cann_empty_cache(int device) { empty_cache(device); }

int cann_set_option(const char* name, double value, nt_error* err) {
  if (strcmp(name, "allow_hf32") == 0) {
    set_allow_hf32(value != 0);
    return 0;
  }
  return fail(err, "unknown npu option '%s' (known: allow_hf32)", name);
}

const char* cann_info_json() {
  thread_local std::string out;
  std::string libs, missing;
  for (const std::string& l : g_acl.op_libs) nt_json::push(&libs, nt_json_quote(l));
  for (int id = 0; id < ntacl::ACLNN_COUNT; id++)
    if (!g_acl.ws[id]) nt_json::push(&missing, nt_json_quote(aclnn_name(id)));
  return nt_json()
      .str("soc", g_acl.soc)
      .str("family", soc_family_name(soc_family(g_acl.soc)))
      .num("devices", g_acl.devices)
      .str("runtime", g_acl.runtime_path)
      .raw("operatorLibraries", nt_json::array(libs))
      .raw("missingOperators", nt_json::array(missing))
      .str("matmulFloat32", "KEEP_DTYPE (HF32 only with nt.npu.matmul.allowHF32)")
      .str("verified", "our side of the CANN contract, on the test stand-in; not numerics or speed on Ascend chips")
      .into(out);
}

const char* cann_memory_json(int device) {
  thread_local std::string out;
  out = memory_json(device);
  return out.c_str();
}

nt_backend make_backend() {
  nt_backend b = nt_backend_begin("cann", cann_init, cann_device_count, cann_bind_thread, cann_alloc, cann_free,
                                  cann_copy_to_host, cann_copy_from_host, cann_sync);
  register_elementwise(b.kernels);
  register_data(b.kernels);
  register_reduce(b.kernels);
  b.supports = supports;
  b.info_json = cann_info_json;
  b.memory_json = cann_memory_json;
  b.empty_cache = cann_empty_cache;
  b.set_option = cann_set_option;
  return b;
}

}  // namespace
}  // namespace ntcann

extern "C" __attribute__((visibility("default"))) const nt_backend* nt_backend_entry(void) {
  static nt_backend b = ntcann::make_backend();
  return &b;
}
