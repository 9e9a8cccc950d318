// cublas-loader.cpp — dlopen()s cuBLAS (NODETENSOR_CUBLAS_LIB, then libcublas.so.13/.12/.11 on the
// loader path and under /usr/local/cuda) and resolves the entry points of cublas-api.h.
// Not here: handles or GEMM calls (matmul.cu), which run on each device's queue thread.
#include <dlfcn.h>
#include <stdlib.h>

#include <mutex>

#include "cublas-api.h"

namespace {
std::once_flag g_once;
ntc_cublas g_lib;
bool g_ok = false;
std::string g_why;

bool try_open(const std::string& name, std::string* tried) {
  void* h = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    *tried += "\n  " + name + ": " + (e ? e : "not loadable");
    return false;
  }
  ntc_cublas L;
  L.create = (decltype(L.create))dlsym(h, "cublasCreate_v2");
  L.destroy = (decltype(L.destroy))dlsym(h, "cublasDestroy_v2");
  L.set_stream = (decltype(L.set_stream))dlsym(h, "cublasSetStream_v2");
  L.get_property = (decltype(L.get_property))dlsym(h, "cublasGetProperty");
  L.gemm = (decltype(L.gemm))dlsym(h, "cublasGemmStridedBatchedEx");
  if (!L.create || !L.destroy || !L.set_stream || !L.gemm) {
    *tried += "\n  " + name + ": missing cublasCreate_v2/cublasSetStream_v2/cublasGemmStridedBatchedEx";
    dlclose(h);
    return false;
  }
  Dl_info info;
  L.path = dladdr((void*)L.create, &info) && info.dli_fname ? info.dli_fname : name;
  int v[3] = {0, 0, 0};
  if (L.get_property)
    for (int i = 0; i < 3; i++) L.get_property(i, &v[i]);  // MAJOR_VERSION, MINOR_VERSION, PATCH_LEVEL
  L.version = std::to_string(v[0]) + "." + std::to_string(v[1]) + "." + std::to_string(v[2]);
  g_lib = L;
  return true;
}

void load() {
  std::string tried;
  const char* env = getenv("NODETENSOR_CUBLAS_LIB");
  if (env && *env && try_open(env, &tried)) { g_ok = true; return; }
  for (const char* v : {"13", "12", "11"}) {
    if (try_open(std::string("libcublas.so.") + v, &tried)) { g_ok = true; return; }
    if (try_open(std::string("/usr/local/cuda/lib64/libcublas.so.") + v, &tried)) { g_ok = true; return; }
  }
  g_why = "cuBLAS was not found (matmul uses the built-in tiled GEMM). Tried:" + tried;
}
}  // namespace

const ntc_cublas* ntc_load_cublas(std::string* why) {
  std::call_once(g_once, load);
  if (!g_ok && why) *why = g_why;
  return g_ok ? &g_lib : nullptr;
}
