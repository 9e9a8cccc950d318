// blas-loader.cpp — probes for a CBLAS library once (dlopen, first hit wins) and describes the
// choice as JSON for backendInfo. Not here: any GEMM, or the decision per call (matmul.cpp).
//
// Order: NODETENSOR_BLAS (a path or library name; "builtin" forces the built-in GEMM), then
// OpenBLAS, MKL, BLIS, the system libcblas/libblas. A library with a thread control (OpenBLAS,
// MKL, BLIS) is set to ONE thread here, once: matmul.cpp runs the calls on nodetensor's own pool
// and raises the count only around a call it leaves to the library (see run_blas there). A library exporting no vendor symbol
// (openblas_*, MKL_*, bli_*, ATL_*) is taken to be the netlib reference BLAS, which is several
// times slower than the built-in GEMM, so it is skipped unless named explicitly.
#include "blas-loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <mutex>
#include <string>

#include "../../core/parallel.h"
#include "gemm.h"

namespace nt_cpu {
namespace {

typedef void (*set_threads_fn)(int);
typedef void (*bli_set_threads_fn)(int64_t);  // BLIS dim_t is 64-bit by default
typedef const char* (*get_string_fn)(void);

const char* const kCandidates[] = {
#if defined(__APPLE__)
    "libopenblas.0.dylib", "libopenblas.dylib",
    "/System/Library/Frameworks/Accelerate.framework/Accelerate",
#else
    "libopenblas.so.0", "libopenblas.so", "libmkl_rt.so.2", "libmkl_rt.so", "libblis.so.4",
    "libblis.so", "libcblas.so.3", "libblas.so.3", "libblas.so",
#endif
};

struct candidate {
  void* handle = nullptr;
  cblas_sgemm_fn sgemm = nullptr;
  cblas_dgemm_fn dgemm = nullptr;
  set_threads_fn set_threads = nullptr;
  bli_set_threads_fn bli_set_threads = nullptr;
  const char* vendor = "cblas";
  std::string name;    // as probed (library name or path)
  std::string path;    // real path of the file defining cblas_sgemm
  std::string config;  // version/config string when the library offers one
};

struct loader_state {
  blas_lib lib = {nullptr, nullptr, nullptr, false};
  bool active = false;
  candidate chosen;
  std::string json;
};

loader_state g_state;
std::once_flag g_once;

template <typename F>
F sym(void* h, const char* name) {
  void* p = dlsym(h, name);
  F f;
  static_assert(sizeof f == sizeof p, "function pointer size");
  memcpy(&f, &p, sizeof f);
  return f;
}

std::string json_str(const std::string& s) {
  std::string o = "\"";
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') o += '\\', o += (char)ch;
    else if (ch < 0x20) o += ' ';
    else o += (char)ch;
  }
  return o + "\"";
}

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// Opens `name` and fills `c`; false with `why` when it cannot be used.
bool open_candidate(const char* name, candidate* c, std::string* why) {
  dlerror();
  void* h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    *why = e ? e : "dlopen failed";
    return false;
  }
  c->handle = h;
  c->sgemm = sym<cblas_sgemm_fn>(h, "cblas_sgemm");
  c->dgemm = sym<cblas_dgemm_fn>(h, "cblas_dgemm");
  if (!c->sgemm || !c->dgemm) {
    *why = std::string(name) + " has no cblas_sgemm/cblas_dgemm";
    dlclose(h);
    c->handle = nullptr;
    return false;
  }
  Dl_info info;
  c->name = c->path = name;
  if (dladdr((void*)c->sgemm, &info) && info.dli_fname) {
    char real[PATH_MAX];
    c->path = realpath(info.dli_fname, real) ? real : info.dli_fname;
  }
  if ((c->set_threads = sym<set_threads_fn>(h, "openblas_set_num_threads"))) {
    c->vendor = "openblas";
    if (get_string_fn f = sym<get_string_fn>(h, "openblas_get_config")) c->config = f();
  } else if ((c->set_threads = sym<set_threads_fn>(h, "MKL_Set_Num_Threads"))) {
    c->vendor = "mkl";
  } else if ((c->bli_set_threads = sym<bli_set_threads_fn>(h, "bli_thread_set_num_threads"))) {
    c->vendor = "blis";
    if (get_string_fn f = sym<get_string_fn>(h, "bli_info_get_version_str")) c->config = f();
  } else if (contains(c->path, "Accelerate.framework") || contains(c->path, "vecLib")) {
    c->vendor = "accelerate";
  } else if (sym<void*>(h, "ATL_buildinfo") || contains(c->path, "atlas")) {
    c->vendor = "atlas";
  } else {
    c->vendor = "reference";  // netlib libblas3: correct but unblocked
  }
  return true;
}

std::string builtin_json(const std::string& reason) {
  return std::string("{\"blas\":\"builtin\",\"reason\":") + json_str(reason) + ",\"simd\":\"" +
         gemm_simd_name() + "\",\"threads\":" + std::to_string(nt::num_threads()) + "}";
}

void init() {
  loader_state& s = g_state;
  const char* env = getenv("NODETENSOR_BLAS");
  std::string forced = env ? env : "";
  if (forced == "builtin" || forced == "none" || forced == "off" || forced == "0") {
    s.json = builtin_json("NODETENSOR_BLAS=" + forced);
    return;
  }
  candidate c;
  std::string why;
  if (!forced.empty()) {
    // An explicit choice is honoured even if it is the slow reference BLAS.
    if (!open_candidate(forced.c_str(), &c, &why)) {
      s.json = builtin_json("NODETENSOR_BLAS=" + forced + " could not be used: " + why);
      return;
    }
  } else {
    std::string tried, reference;
    bool found = false;
    for (const char* name : kCandidates) {
      tried += tried.empty() ? name : std::string(", ") + name;
      candidate t;
      if (!open_candidate(name, &t, &why)) continue;
      if (strcmp(t.vendor, "reference") == 0) {
        if (reference.empty()) reference = t.path;
        dlclose(t.handle);
        continue;
      }
      c = t;
      found = true;
      break;
    }
    if (!found) {
      s.json = builtin_json(reference.empty()
                                ? "no BLAS library found (tried " + tried + ")"
                                : "reference BLAS found (" + reference +
                                      ") but the built-in GEMM is faster");
      return;
    }
  }
  s.chosen = c;
  s.lib.sgemm = c.sgemm;
  s.lib.dgemm = c.dgemm;
  s.lib.vendor = c.vendor;
  if (c.set_threads) c.set_threads(1);
  else if (c.bli_set_threads) c.bli_set_threads(1);
  // The netlib reference BLAS (only used when named) has no threads of its own.
  s.lib.single_threaded = c.set_threads || c.bli_set_threads || !strcmp(c.vendor, "reference");
  s.active = true;
  const char* base = strrchr(c.name.c_str(), '/');
  const std::string library = base ? base + 1 : c.name;
  s.json = std::string("{\"blas\":\"") + c.vendor + "\",\"library\":" + json_str(library) +
           ",\"path\":" + json_str(c.path);
  if (!c.config.empty()) s.json += ",\"config\":" + json_str(c.config);
  // "pool": calls run on one thread each, spread over nodetensor's threads (details.threads), big
  // single matrices excepted (matmul.cpp); "library": the library threads every call itself.
  s.json += std::string(",\"threading\":\"") +
             (s.lib.single_threaded ? "pool (big single matrices: the library's threads)" : "library") +
             "\"}";
}

}  // namespace

const blas_lib* blas() {
  std::call_once(g_once, init);
  return g_state.active ? &g_state.lib : nullptr;
}

void blas_set_threads(int n) {
  const candidate& c = g_state.chosen;
  if (c.set_threads) c.set_threads(n);
  else if (c.bli_set_threads) c.bli_set_threads(n);
}

}  // namespace nt_cpu

const char* nt_cpu_blas_info_json() {
  nt_cpu::blas();
  return nt_cpu::g_state.json.c_str();
}
