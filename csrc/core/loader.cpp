// loader.cpp — backend discovery: built-in CPU, dlopen'ed CUDA/CANN libraries with version checks.
// Not here: device-specific probing (each library's init() reports missing drivers/runtimes).
#include "loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

#include "../backends/cpu/kernels.h"

namespace nt {
namespace {
std::mutex g_mu;
std::string g_addon_dir;
struct Slot {
  bool tried = false;
  const nt_backend* backend = nullptr;
  std::string why;
};
Slot g_slots[BACKEND_COUNT];

const char* lib_file(int id) {
  return id == BACKEND_CUDA ? "libnodetensor_cuda.so" : "libnodetensor_cann.so";
}
const char* env_name(int id) {
  return id == BACKEND_CUDA ? "NODETENSOR_CUDA_LIB" : "NODETENSOR_CANN_LIB";
}

const nt_backend* open_library(int id, std::string* why) {
  std::string tried;
  const char* env = getenv(env_name(id));
  std::string candidates[2] = {env && *env ? std::string(env) : std::string(),
                               g_addon_dir + "/" + lib_file(id)};
  for (const std::string& path : candidates) {
    if (path.empty()) continue;
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char* e = dlerror();
      tried += "\n  " + path + ": " + (e ? e : "not loadable");
      continue;
    }
    auto entry = (nt_backend_entry_fn)dlsym(h, "nt_backend_entry");
    if (!entry) {
      tried += "\n  " + path + ": no nt_backend_entry symbol";
      dlclose(h);
      continue;
    }
    const nt_backend* b = entry();
    if (!b || b->api_version != NT_BACKEND_API_VERSION || b->op_count != NT_OP_COUNT) {
      *why = path + " was built for another version of nodetensor (backend API " +
             std::to_string(b ? b->api_version : 0) + ", " + std::to_string(b ? b->op_count : 0) +
             " ops; this addon expects API " + std::to_string(NT_BACKEND_API_VERSION) + ", " +
             std::to_string(NT_OP_COUNT) + " ops): rebuild it with `npm run build`";
      return nullptr;
    }
    nt_error err;
    err.msg[0] = 0;
    if (b->init && b->init(&err) != 0) {
      *why = err.msg[0] ? err.msg : "initialisation failed";
      return nullptr;
    }
    return b;
  }
  *why = std::string("the ") + backend_name(id) + " backend library was not found (it is built " +
         "when the matching toolkit is present at install time). Tried:" + tried;
  return nullptr;
}
}  // namespace

const char* backend_name(int id) {
  static const char* names[BACKEND_COUNT] = {"cpu", "cuda", "cann"};
  return id >= 0 && id < BACKEND_COUNT ? names[id] : "?";
}

void set_addon_dir(const std::string& dir) { g_addon_dir = dir; }

const nt_backend* load_backend(int id, std::string* why) {
  if (id < 0 || id >= BACKEND_COUNT) {
    *why = "unknown backend";
    return nullptr;
  }
  std::lock_guard<std::mutex> lk(g_mu);
  Slot& s = g_slots[id];
  if (!s.tried) {
    s.tried = true;
    if (id == BACKEND_CPU) s.backend = nt_cpu_backend();
    else s.backend = open_library(id, &s.why);
  }
  if (!s.backend) *why = s.why;
  return s.backend;
}
}  // namespace nt
