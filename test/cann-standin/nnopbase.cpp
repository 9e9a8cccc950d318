// nnopbase.cpp — the stand-in's nnopbase (TEST ONLY): aclTensor/aclScalar/aclIntArray with the
// contract checks (32-byte aligned tensorData, views inside storageDims, storage inside one device
// block), and aclOpExecutor (one run unless made repeatable, its tensors alive until phase 2, a big
// enough workspace, a stream of the current context). Handles are opaque numbers, never pointers,
// so a stale or mixed-up handle is caught. Not here: streams and memory (runtime.cpp), operators.
#include <stdio.h>
#include <string.h>

#include <mutex>
#include <unordered_map>

#include "standin.h"

typedef int32_t aclnnStatus;

namespace {

std::mutex& g_mu = *new std::mutex();  // NOTE: never destroyed (queue threads may outlive exit)
const uintptr_t kTensorBase = 0x510000000000, kScalarBase = 0x520000000000, kArrayBase = 0x530000000000,
                kExecBase = 0x540000000000;
int64_t g_next[4] = {1, 1, 1, 1};
std::unordered_map<int64_t, SiTensor>& g_tensors = *new std::unordered_map<int64_t, SiTensor>();
struct SiScalar { double v; int acl_dtype; };
std::unordered_map<int64_t, SiScalar>& g_scalars = *new std::unordered_map<int64_t, SiScalar>();
std::unordered_map<int64_t, std::vector<int64_t>>& g_arrays = *new std::unordered_map<int64_t, std::vector<int64_t>>();
struct Exec {
  std::string op;
  std::vector<int64_t> tensors;
  std::vector<SiRange> ranges;
  std::function<std::string()> run;
  uint64_t workspace;
  bool repeatable = false;
  int runs = 0;
};
std::unordered_map<int64_t, Exec>& g_execs = *new std::unordered_map<int64_t, Exec>();

int64_t id_of(const void* h, uintptr_t base, int kind, const char* what, const char* op, const char* arg) {
  uintptr_t v = (uintptr_t)h;
  if (v < base || v >= base + 0x10000000000 || (v - base) % 16)
    ntsi_violation("%s: argument %s (%p) is not an %s handle", op, arg, h, what);
  int64_t id = (int64_t)((v - base) / 16);
  (void)kind;
  return id;
}
template <class T> void* handle(uintptr_t base, int64_t id) { return (void*)(base + (uintptr_t)id * 16); }

const int kNullptr = 161001;

}  // namespace

int ntsi_nt_dtype(int acl) {
  switch (acl) {
    case 0: return NT_F32;
    case 11: return NT_F64;
    case 1: return NT_F16;
    case 27: return NT_BF16;
    case 3: return NT_I32;
    case 9: return NT_I64;
    case 4: return NT_U8;
    case 12: return NT_BOOL;
    default: return -1;
  }
}

SiTensor ntsi_tensor(const aclTensor* t, const char* op, const char* arg) {
  int64_t id = id_of(t, kTensorBase, 0, "aclTensor", op, arg);
  std::lock_guard<std::mutex> lk(g_mu);
  auto it = g_tensors.find(id);
  if (it == g_tensors.end()) ntsi_violation("%s: argument %s is aclTensor #%lld, which was already destroyed", op, arg, (long long)id);
  return it->second;
}

double ntsi_scalar(const aclScalar* s, const char* op, const char* arg, int* acl_dtype) {
  int64_t id = id_of(s, kScalarBase, 1, "aclScalar", op, arg);
  std::lock_guard<std::mutex> lk(g_mu);
  auto it = g_scalars.find(id);
  if (it == g_scalars.end()) ntsi_violation("%s: argument %s is aclScalar #%lld, which was already destroyed", op, arg, (long long)id);
  if (acl_dtype) *acl_dtype = it->second.acl_dtype;
  return it->second.v;
}

std::vector<int64_t> ntsi_int_array(const aclIntArray* a, const char* op, const char* arg) {
  int64_t id = id_of(a, kArrayBase, 2, "aclIntArray", op, arg);
  std::lock_guard<std::mutex> lk(g_mu);
  auto it = g_arrays.find(id);
  if (it == g_arrays.end()) ntsi_violation("%s: argument %s is aclIntArray #%lld, which was already destroyed", op, arg, (long long)id);
  return it->second;
}

// ---------------------------------------------------------------- objects
NTSI_API aclTensor* aclCreateTensor(const int64_t* viewDims, uint64_t viewDimsNum, int32_t dataType, const int64_t* stride,
                                    int64_t offset, int32_t format, const int64_t* storageDims, uint64_t storageDimsNum,
                                    void* tensorData) {
  int dt = ntsi_nt_dtype(dataType);
  if (dt < 0) { ntsi_error(161002, "aclCreateTensor: dataType %d is not emulated by the stand-in", dataType); return nullptr; }
  if (viewDimsNum > NT_MAX_DIMS) { ntsi_error(161002, "aclCreateTensor: %llu dims (at most 8)", (unsigned long long)viewDimsNum); return nullptr; }
  if (format != ntacl::kFormatND) ntsi_violation("aclCreateTensor: format %d; nodetensor passes ACL_FORMAT_ND (2) only", format);
  if (viewDimsNum && (!viewDims || !stride)) ntsi_violation("aclCreateTensor: null viewDims or stride");
  if (storageDimsNum < 1 || !storageDims) ntsi_violation("aclCreateTensor: storageDims must have at least one entry");
  SiTensor t;
  memset(&t.view, 0, sizeof t.view);
  t.acl_dtype = dataType;
  t.view.data = tensorData;
  t.view.dtype = dt;
  t.view.ndim = (int)viewDimsNum;
  t.view.offset = offset;
  int64_t numel = 1, last = offset;
  for (uint64_t i = 0; i < viewDimsNum; i++) {
    if (viewDims[i] < 0 || stride[i] < 0)
      ntsi_violation("aclCreateTensor: dim %llu has size %lld and stride %lld (must be >= 0)", (unsigned long long)i,
                     (long long)viewDims[i], (long long)stride[i]);
    t.view.shape[i] = viewDims[i];
    t.view.strides[i] = stride[i];
    numel *= viewDims[i];
    if (viewDims[i] > 0) last += (viewDims[i] - 1) * stride[i];
  }
  if (offset < 0) ntsi_violation("aclCreateTensor: negative offset %lld", (long long)offset);
  t.storage = 1;
  for (uint64_t i = 0; i < storageDimsNum; i++) t.storage *= storageDims[i];
  if (numel > 0 && last >= t.storage)
    ntsi_violation("aclCreateTensor: the view (offset %lld, %llu dims) reaches element %lld but storageDims hold only "
                   "%lld elements: sizes and strides must stay within the storage",
                   (long long)offset, (unsigned long long)viewDimsNum, (long long)last, (long long)t.storage);
  if (numel > 0 || t.storage > 0) {
    if ((uintptr_t)tensorData % 32)
      ntsi_violation("aclCreateTensor: tensorData %p is not 32-byte aligned: pass the storage's base pointer and the "
                     "view's start as an element offset",
                     tensorData);
    uintptr_t lo = (uintptr_t)tensorData, hi = lo + (uintptr_t)t.storage * nt_dtype_size(dt);
    std::string why;
    if (!ntsi_device_range_live(lo, hi, &why))
      ntsi_violation("aclCreateTensor: the storage (%lld elements of %s at %p) is not device memory: %s",
                     (long long)t.storage, nt_dtype_name(dt), tensorData, why.c_str());
  }
  std::lock_guard<std::mutex> lk(g_mu);
  t.id = g_next[0]++;
  g_tensors[t.id] = t;
  return (aclTensor*)handle<aclTensor>(kTensorBase, t.id);
}

NTSI_API aclnnStatus aclDestroyTensor(const aclTensor* t) {
  int64_t id = id_of(t, kTensorBase, 0, "aclTensor", "aclDestroyTensor", "tensor");
  std::lock_guard<std::mutex> lk(g_mu);
  if (!g_tensors.erase(id)) ntsi_violation("aclDestroyTensor: aclTensor #%lld was already destroyed", (long long)id);
  return 0;
}

NTSI_API aclScalar* aclCreateScalar(void* value, int32_t dataType) {
  if (!value) { ntsi_error(kNullptr, "aclCreateScalar: null value"); return nullptr; }
  double v;
  switch (dataType) {
    case 0: v = *(const float*)value; break;
    case 11: v = *(const double*)value; break;
    case 3: v = *(const int32_t*)value; break;
    case 9: v = (double)*(const int64_t*)value; break;
    case 12: v = *(const bool*)value ? 1 : 0; break;
    default: ntsi_error(161002, "aclCreateScalar: dataType %d is not emulated by the stand-in", dataType); return nullptr;
  }
  std::lock_guard<std::mutex> lk(g_mu);
  int64_t id = g_next[1]++;
  g_scalars[id] = SiScalar{v, dataType};
  return (aclScalar*)handle<aclScalar>(kScalarBase, id);
}

NTSI_API aclnnStatus aclDestroyScalar(const aclScalar* s) {
  int64_t id = id_of(s, kScalarBase, 1, "aclScalar", "aclDestroyScalar", "scalar");
  std::lock_guard<std::mutex> lk(g_mu);
  if (!g_scalars.erase(id)) ntsi_violation("aclDestroyScalar: aclScalar #%lld was already destroyed", (long long)id);
  return 0;
}

NTSI_API aclIntArray* aclCreateIntArray(const int64_t* value, uint64_t size) {
  if (!value && size) { ntsi_error(kNullptr, "aclCreateIntArray: null value"); return nullptr; }
  std::lock_guard<std::mutex> lk(g_mu);
  int64_t id = g_next[2]++;
  g_arrays[id] = std::vector<int64_t>(value, value + size);
  return (aclIntArray*)handle<aclIntArray>(kArrayBase, id);
}

NTSI_API aclnnStatus aclDestroyIntArray(const aclIntArray* a) {
  int64_t id = id_of(a, kArrayBase, 2, "aclIntArray", "aclDestroyIntArray", "array");
  std::lock_guard<std::mutex> lk(g_mu);
  if (!g_arrays.erase(id)) ntsi_violation("aclDestroyIntArray: aclIntArray #%lld was already destroyed", (long long)id);
  return 0;
}

// ---------------------------------------------------------------- executors
int ntsi_make_executor(const char* op, const std::vector<const aclTensor*>& tensors, std::function<std::string()> run,
                       uint64_t* workspace_size, aclOpExecutor** executor) {
  if (!workspace_size || !executor) return ntsi_error(kNullptr, "%sGetWorkspaceSize: null workspaceSize or executor", op);
  Exec e;
  e.op = op;
  e.run = std::move(run);
  int64_t elems = 0;
  for (const aclTensor* h : tensors) {
    SiTensor t = ntsi_tensor(h, op, "tensor");
    e.tensors.push_back(t.id);
    uintptr_t lo = (uintptr_t)t.view.data;
    if (t.storage > 0)
      e.ranges.push_back(SiRange{lo, lo + (uintptr_t)t.storage * nt_dtype_size(t.view.dtype),
                                 "storage of aclTensor #" + std::to_string(t.id)});
    elems += t.storage;
  }
  // Every operator asks for scratch (as real kernels often do), so the workspace path always runs.
  e.workspace = (uint64_t)(256 + (elems < (1 << 16) ? elems : (1 << 16)) * 4 + 31) & ~uint64_t(31);
  if (strcmp(op, "aclnnInplaceFillScalar") == 0) e.workspace = 0;  // ... and one never does
  std::lock_guard<std::mutex> lk(g_mu);
  int64_t id = g_next[3]++;
  *workspace_size = e.workspace;
  g_execs[id] = std::move(e);
  *executor = (aclOpExecutor*)handle<aclOpExecutor>(kExecBase, id);
  return 0;
}

int ntsi_enqueue(const char* op, void* workspace, uint64_t workspace_size, aclOpExecutor* executor, void* stream) {
  void* s = ntsi_stream_check(stream, op);
  int64_t id = id_of(executor, kExecBase, 3, "aclOpExecutor", op, "executor");
  std::unique_lock<std::mutex> lk(g_mu);
  auto it = g_execs.find(id);
  if (it == g_execs.end())
    ntsi_violation("%s: executor #%lld was already executed (or destroyed): an aclOpExecutor runs once unless "
                   "aclSetAclOpExecutorRepeatable was called on it right after phase 1",
                   op, (long long)id);
  Exec& e = it->second;
  if (e.op != op) ntsi_violation("%s: executor #%lld was made by %sGetWorkspaceSize", op, (long long)id, e.op.c_str());
  for (int64_t t : e.tensors)
    if (!g_tensors.count(t))
      ntsi_violation("%s: aclTensor #%lld was destroyed between %sGetWorkspaceSize and %s; destroy the aclTensors "
                     "only after phase 2 has returned",
                     op, (long long)t, op, op);
  if (workspace_size < e.workspace)
    ntsi_violation("%s: workspaceSize %llu is smaller than the %llu bytes %sGetWorkspaceSize asked for", op,
                   (unsigned long long)workspace_size, (unsigned long long)e.workspace, op);
  std::vector<SiRange> ranges = e.ranges;
  if (e.workspace) {
    if (!workspace) ntsi_violation("%s: null workspace, but %llu bytes were asked for", op, (unsigned long long)e.workspace);
    uintptr_t lo = (uintptr_t)workspace;
    std::string why;
    lk.unlock();
    if (!ntsi_device_range_live(lo, lo + e.workspace, &why)) ntsi_violation("%s: the workspace %s", op, why.c_str());
    lk.lock();
    ranges.push_back(SiRange{lo, lo + e.workspace, "the workspace"});
  }
  std::function<std::string()> run = e.run;
  uint64_t ws_bytes = e.workspace;
  e.runs++;
  if (!e.repeatable) g_execs.erase(it);
  lk.unlock();
  ntsi_queue_task(s, op, std::move(ranges), [run, workspace, ws_bytes]() {
    if (ws_bytes) memset(workspace, 0xA5, ws_bytes);  // the kernel scribbles on its workspace
    return run();
  });
  return 0;
}

NTSI_API aclnnStatus aclSetAclOpExecutorRepeatable(aclOpExecutor* executor) {
  int64_t id = id_of(executor, kExecBase, 3, "aclOpExecutor", "aclSetAclOpExecutorRepeatable", "executor");
  std::lock_guard<std::mutex> lk(g_mu);
  auto it = g_execs.find(id);
  if (it == g_execs.end()) ntsi_violation("aclSetAclOpExecutorRepeatable: executor #%lld is not live", (long long)id);
  if (it->second.runs) ntsi_violation("aclSetAclOpExecutorRepeatable: executor #%lld already ran; call it right after phase 1", (long long)id);
  it->second.repeatable = true;
  return 0;
}

NTSI_API aclnnStatus aclDestroyAclOpExecutor(aclOpExecutor* executor) {
  int64_t id = id_of(executor, kExecBase, 3, "aclOpExecutor", "aclDestroyAclOpExecutor", "executor");
  std::lock_guard<std::mutex> lk(g_mu);
  auto it = g_execs.find(id);
  if (it == g_execs.end()) ntsi_violation("aclDestroyAclOpExecutor: executor #%lld is not live", (long long)id);
  if (!it->second.repeatable)
    ntsi_violation("aclDestroyAclOpExecutor: executor #%lld is not repeatable; a one-shot executor is released by its "
                   "phase 2 call",
                   (long long)id);
  g_execs.erase(it);
  return 0;
}

// For the stand-in's own tests: live objects (leaks when nothing is in flight).
NTSI_API int ntsi_debug_live(size_t* tensors, size_t* scalars, size_t* arrays, size_t* executors) {
  std::lock_guard<std::mutex> lk(g_mu);
  *tensors = g_tensors.size();
  *scalars = g_scalars.size();
  *arrays = g_arrays.size();
  *executors = g_execs.size();
  return 0;
}

NT_ACL_NNOPBASE(NTSI_SAME_TYPE)
