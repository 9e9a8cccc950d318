// contract-test.cpp — calls the CANN stand-in directly (TEST ONLY), one scenario per run:
//   contract-test ok            a correct program (repeatable executor run twice, copies, sync): exit 0
//   contract-test <violation>   breaks one rule of the contract; the stand-in must abort naming it
// test/cann/standin.test.ts runs every scenario. Not here: our backend (its own misbehaviour knobs
// are exercised through Node in the same test file).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <thread>

#include "../../csrc/backends/cann/acl-api.h"

using namespace ntacl;
#define DECL(name, ret, params) extern "C" ret name params;
NT_ACL_RUNTIME(DECL)
NT_ACL_NNOPBASE(DECL)
#undef DECL
#define DECL_OP(Name, ...)                                                                              \
  extern "C" Status aclnn##Name##GetWorkspaceSize(__VA_ARGS__, uint64_t* workspaceSize, Executor** executor); \
  extern "C" Status aclnn##Name(void* workspace, uint64_t workspaceSize, Executor* executor, Stream stream);
NT_ACLNN_OPS(DECL_OP)
#undef DECL_OP
extern "C" Error aclrtMemcpy(void* dst, size_t destMax, const void* src, size_t count, MemcpyKind kind);
extern "C" int ntsi_debug_live(size_t* tensors, size_t* scalars, size_t* arrays, size_t* executors);

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "contract-test: FAILED: %s (%s)\n", what, aclGetRecentErrMsg());
    exit(1);
  }
}

struct Fixture {
  Stream stream = nullptr;
  void *a = nullptr, *b = nullptr, *out = nullptr, *pin = nullptr;
  Tensor *ta = nullptr, *tb = nullptr, *tout = nullptr;
  Scalar* one = nullptr;
  int64_t shape[1] = {4}, stride[1] = {1}, storage[1] = {4};

  Fixture() {
    check(aclInit(nullptr) == 0, "aclInit");
    check(aclrtSetDevice(0) == 0, "aclrtSetDevice");
    check(aclrtCreateStream(&stream) == 0, "aclrtCreateStream");
    for (void** p : {&a, &b, &out}) check(aclrtMalloc(p, 16, kMallocHugeFirst) == 0, "aclrtMalloc");
    check(aclrtMallocHost(&pin, 4096) == 0, "aclrtMallocHost");
    float v[4] = {1, 2, 3, 4};
    memcpy(pin, v, 16);
    check(aclrtMemcpyAsync(a, 16, pin, 16, kMemcpyHostToDevice, stream) == 0, "upload a");
    check(aclrtMemcpyAsync(b, 16, pin, 16, kMemcpyHostToDevice, stream) == 0, "upload b");
    check(aclrtSynchronizeStream(stream) == 0, "sync");
    ta = tensor(a);
    tb = tensor(b);
    tout = tensor(out);
    double d = 1;
    one = aclCreateScalar(&d, kDouble);
  }
  Tensor* tensor(void* data) { return aclCreateTensor(shape, 1, kFloat, stride, 0, kFormatND, storage, 1, data); }
  // Phase 1 of out = a + b; returns the executor and the workspace (allocated) it needs.
  Executor* add(uint64_t* size, void** ws) {
    Executor* ex = nullptr;
    check(aclnnAddGetWorkspaceSize(ta, tb, one, tout, size, &ex) == 0, "aclnnAddGetWorkspaceSize");
    *ws = nullptr;
    if (*size) check(aclrtMalloc(ws, *size, kMallocHugeFirst) == 0, "workspace");
    return ex;
  }
};

int ok() {
  Fixture f;
  uint64_t size;
  void* ws;
  Executor* ex = f.add(&size, &ws);
  check(aclSetAclOpExecutorRepeatable(ex) == 0, "repeatable");
  check(aclnnAdd(ws, size, ex, f.stream) == 0, "first run");
  check(aclnnAdd(ws, size, ex, f.stream) == 0, "second run of a repeatable executor");
  check(aclrtMemcpyAsync(f.pin, 4096, f.out, 16, kMemcpyDeviceToHost, f.stream) == 0, "download");
  check(aclrtSynchronizeStream(f.stream) == 0, "sync");
  const float* r = (const float*)f.pin;
  check(r[0] == 2 && r[1] == 4 && r[2] == 6 && r[3] == 8, "out = a + b");
  check(aclDestroyAclOpExecutor(ex) == 0, "destroy the repeatable executor");
  for (Tensor* t : {f.ta, f.tb, f.tout}) aclDestroyTensor(t);
  aclDestroyScalar(f.one);
  check(aclrtFree(ws) == 0 && aclrtFree(f.a) == 0, "free after the stream has passed");
  size_t nt, ns, na, ne;
  ntsi_debug_live(&nt, &ns, &na, &ne);
  check(nt == 0 && ns == 0 && na == 0 && ne == 0, "no aclTensor/aclScalar/aclIntArray/executor left");
  printf("ok\n");
  return 0;
}

// Each returns only if the stand-in failed to catch the violation.
int violate(const std::string& m) {
  if (m == "before-init") {
    aclrtSetDevice(0);
    return 1;
  }
  Fixture f;
  uint64_t size;
  void* ws;
  if (m == "run-twice") {
    Executor* ex = f.add(&size, &ws);
    aclnnAdd(ws, size, ex, f.stream);
    aclnnAdd(ws, size, ex, f.stream);  // not repeatable
  } else if (m == "destroy-before-run") {
    Executor* ex = f.add(&size, &ws);
    aclDestroyTensor(f.tb);
    aclnnAdd(ws, size, ex, f.stream);
  } else if (m == "small-workspace") {
    Executor* ex = f.add(&size, &ws);
    aclnnAdd(ws, size / 2, ex, f.stream);
  } else if (m == "wrong-executor") {
    Executor* ex = f.add(&size, &ws);
    aclnnMul(ws, size, ex, f.stream);
  } else if (m == "destroy-one-shot") {
    Executor* ex = f.add(&size, &ws);
    aclDestroyAclOpExecutor(ex);
  } else if (m == "free-workspace-queued") {
    Executor* ex = f.add(&size, &ws);
    aclnnAdd(ws, size, ex, f.stream);
    aclrtFree(ws);  // the stream has not run the op yet
  } else if (m == "free-tensor-queued") {
    Executor* ex = f.add(&size, &ws);
    aclnnAdd(ws, size, ex, f.stream);
    aclrtFree(f.b);
  } else if (m == "unaligned-tensor") {
    f.tensor((char*)f.a + 4);
  } else if (m == "storage-overflow") {
    int64_t shape[1] = {4}, stride[1] = {2}, storage[1] = {4};  // reaches element 6 of 4
    aclCreateTensor(shape, 1, kFloat, stride, 0, kFormatND, storage, 1, f.a);
  } else if (m == "storage-outside-block") {
    int64_t storage[1] = {64};  // 256 bytes in a 16-byte block
    aclCreateTensor(f.shape, 1, kFloat, f.stride, 0, kFormatND, storage, 1, f.a);
  } else if (m == "host-touches-device") {
    volatile float x = *(const float*)f.a;
    (void)x;
  } else if (m == "read-pinned-early") {
    aclrtMemcpyAsync(f.pin, 4096, f.a, 16, kMemcpyDeviceToHost, f.stream);
    volatile float x = *(const float*)f.pin;  // the stream has not copied yet
    (void)x;
  } else if (m == "write-pinned-early") {
    aclrtMemcpyAsync(f.a, 16, f.pin, 16, kMemcpyHostToDevice, f.stream);
    *(float*)f.pin = 7;  // the stream has not read it yet
  } else if (m == "free-pinned-queued") {
    aclrtMemcpyAsync(f.pin, 4096, f.a, 16, kMemcpyDeviceToHost, f.stream);
    aclrtFreeHost(f.pin);
  } else if (m == "unaligned-copy") {
    aclrtMemcpyAsync(f.pin, 4096, (char*)f.a + 4, 8, kMemcpyDeviceToHost, f.stream);
  } else if (m == "no-context") {
    std::thread t([] {  // a thread that never called aclrtSetDevice
      void* p = nullptr;
      aclrtMalloc(&p, 16, kMallocHugeFirst);
    });
    t.join();
  } else if (m == "sync-copy-while-queued") {
    Executor* ex = f.add(&size, &ws);
    aclnnAdd(ws, size, ex, f.stream);
    float host[4];
    aclrtMemcpy(host, 16, f.out, 16, kMemcpyDeviceToHost);  // the stream has not written out yet
  } else if (m == "double-free") {
    aclrtFree(f.out);
    aclrtFree(f.out);
  } else {
    fprintf(stderr, "contract-test: unknown scenario %s\n", m.c_str());
    return 2;
  }
  fprintf(stderr, "contract-test: the stand-in did not catch '%s'\n", m.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string m = argc > 1 ? argv[1] : "ok";
  return m == "ok" ? ok() : violate(m);
}
