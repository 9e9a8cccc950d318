// cuda-backend.cu — the CUDA backend's entry point (nt_backend_entry) and vtable: init() says in
// plain words what is missing (no driver library, a driver older than this runtime, no device, a
// device older than sm_80), backendInfo's JSON (versions, devices, BLAS), the backend settings and
// supports() (the attention kernels' limits).
// Not here: per-device memory and copies (cuda-device.cu) or kernels (one .cu per family).
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <exception>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "attention-plan.h"
#include "cublas-api.h"
#include "cuda-common.cuh"
#include "cuda-device.h"
#include "../../core/backend-util.h"

namespace ntc {
namespace {

int g_driver = 0, g_runtime = 0;
std::string g_info;
std::mutex g_info_mu;

std::string ver(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }

std::string blas_note() {
  std::string why;
  const ntc_cublas* L = ntc_load_cublas(&why);
  return L ? "cuBLAS " + L->version + " found at " + L->path
           : "cuBLAS was not found either, so matmul would use the built-in GEMM";
}

int init(nt_error* err) {
  // The driver library first: without it the runtime can only say "insufficient driver".
  void* drv = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!drv) {
    return nt_cu_fail(err, "no NVIDIA driver: libcuda.so.1 was not found (install the NVIDIA driver, version 580 or "
                      "newer for this CUDA 13 build, or make libcuda.so.1 visible to the loader); %s", blas_note().c_str());
  }
  cudaRuntimeGetVersion(&g_runtime);
  if (cudaDriverGetVersion(&g_driver) != cudaSuccess || g_driver == 0) {
    cudaGetLastError();
    return nt_cu_fail(err, "the NVIDIA driver library was found but reports no CUDA driver version; %s", blas_note().c_str());
  }
  if (g_driver < g_runtime) {
    return nt_cu_fail(err, "the NVIDIA driver supports CUDA %s, older than the CUDA %s runtime this library was built "
                      "with: update the driver, or rebuild nodetensor with an older CUDA toolkit", ver(g_driver).c_str(),
                      ver(g_runtime).c_str());
  }
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count == 0) {
    cudaGetLastError();
    const char* vis = getenv("CUDA_VISIBLE_DEVICES");
    return nt_cu_fail(err, "no CUDA device found (driver %s%s%s%s): %s", ver(g_driver).c_str(),
                      vis ? ", CUDA_VISIBLE_DEVICES=" : "", vis ? vis : "", e != cudaSuccess ? "" : "",
                      e != cudaSuccess ? cudaGetErrorString(e) : "the driver lists no GPU");
  }
  std::vector<device_info> infos((size_t)count);
  bool any_new = false;
  for (int i = 0; i < count; i++) {
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) { cudaGetLastError(); continue; }
    infos[i].name = p.name;
    infos[i].major = p.major;
    infos[i].minor = p.minor;
    infos[i].sms = p.multiProcessorCount;
    infos[i].total = p.totalGlobalMem;
    any_new = any_new || p.major >= 8;
  }
  if (!any_new)
    return nt_cu_fail(err, "the CUDA device(s) found (%s, compute capability %d.%d) are older than the sm_80 (Ampere) this "
                      "library was built for", infos[0].name.c_str(), infos[0].major, infos[0].minor);
  set_devices(infos.data(), count);
  return 0;
}

int device_count() { return device_total(); }

const char* info_json() {
  std::lock_guard<std::mutex> lk(g_info_mu);
  std::string devs;
  for (int i = 0; i < device_total(); i++) {
    const device_info& d = device_at(i);
    nt_json::push(&devs, nt_json()
                             .num("index", i)
                             .str("name", d.name)
                             .str("capability", std::to_string(d.major) + "." + std::to_string(d.minor))
                             .num("memory", d.total)
                             .num("multiprocessors", d.sms)
                             .text());
  }
  return nt_json()
      .str("driver", ver(g_driver))
      .str("runtime", ver(g_runtime))
      .raw("devices", nt_json::array(devs))
      .raw("blas", ntc_blas_json())
      .boolean("allowTF32", ntc_allow_tf32())
      .raw("archs", "[\"sm_80\",\"sm_90\",\"compute_90\"]")
      .str("allocator", "caching, stream-ordered")
      .into(g_info);
}

int set_option(const char* name, double value, nt_error* err) {
  if (!strcmp(name, "allow_tf32")) {
    ntc_set_allow_tf32(value != 0);
    return 0;
  }
  return nt_cu_fail(err, "unknown cuda option '%s' (known: allow_tf32)", name);
}

// Called for every op at submit time (JS thread), so it returns at once for all but the attention
// ops, whose head-dim and size limits the kernels cannot lift (attention-plan.h).
int supports(const nt_args* a, nt_error* err) {
  if (a->op == NT_OP_attention || a->op == NT_OP_attention_backward) return nt_attn_supports(a, err);
  return 1;
}

// Every kernel slot goes through this guard: a queue thread whose device failed to initialise gets
// an error instead of a null context, and a C++ exception (out of host memory) becomes an error
// instead of terminating the process.
nt_kernel_fn g_real[NT_OP_COUNT];
template <int OP>
int guarded(const nt_args* a, nt_error* err) {
  if (!has_context()) return nt_cu_fail(err, "this thread has no CUDA device context (the device failed to initialise)");
  try {
    return g_real[OP](a, err);
  } catch (const std::exception& e) {
    return nt_cu_fail(err, "%s", e.what());
  }
}
template <int... OPS>
void guard_all(nt_kernel_fn* slots, std::integer_sequence<int, OPS...>) {
  ((g_real[OPS] = slots[OPS], slots[OPS] = g_real[OPS] ? (nt_kernel_fn)&guarded<OPS> : nullptr), ...);
}

nt_backend make_backend() {
  nt_backend b = nt_backend_begin("cuda", init, device_count, bind_thread, dev_alloc, dev_free, copy_to_host, copy_from_host, dev_sync);
  ntc_register_unary(b.kernels);
  ntc_register_binary(b.kernels);
  ntc_register_copy(b.kernels);
  ntc_register_reduce(b.kernels);
  ntc_register_softmax(b.kernels);
  ntc_register_scan(b.kernels);
  ntc_register_sort(b.kernels);
  ntc_register_index(b.kernels);
  ntc_register_matmul(b.kernels);
  ntc_register_attention(b.kernels);
  guard_all(b.kernels, std::make_integer_sequence<int, NT_OP_COUNT>());
  b.info_json = info_json;
  b.memory_json = memory_json;
  b.empty_cache = empty_cache;
  b.set_option = set_option;
  b.supports = supports;
  return b;
}

}  // namespace
}  // namespace ntc

extern "C" __attribute__((visibility("default"))) const nt_backend* nt_backend_entry(void) {
  static nt_backend b = ntc::make_backend();
  return &b;
}
