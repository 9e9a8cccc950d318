// acl-loader.cpp — CANN discovery: dlopen of libacl_rt.so / libascendcl.so, libnnopbase.so and the
// aclnn operator libraries, symbol resolution, aclInit, and the plain-words errors for a missing or
// half-installed CANN. Not here: anything done with a device once CANN is loaded.
#include "acl-loader.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

namespace ntcann {

Acl& g_acl = *new Acl();

namespace {

const char* kRuntimeNames[] = {"libacl_rt.so", "libascendcl.so"};
// CANN 8/9 ship one libopapi.so; newer packages split it by domain; older ones used feature libs.
const char* kOpLibNames[] = {"libopapi.so",          "libopapi_math.so",       "libopapi_nn.so",
                             "libopapi_transformer.so", "libaclnn_ops_infer.so", "libaclnn_ops_train.so",
                             "libaclnn_math.so"};
const char* kAclnnNames[] = {
#define NT_ACLNN_NAME(name, ...) "aclnn" #name,
    NT_ACLNN_OPS(NT_ACLNN_NAME)
#undef NT_ACLNN_NAME
};

bool exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

std::string env(const char* name) {
  const char* v = getenv(name);
  return v ? std::string(v) : std::string();
}

// Folders to probe, in order. "" means "by name": the dynamic loader's search (LD_LIBRARY_PATH,
// which set_env.sh extends). With NODETENSOR_CANN_LIBDIR set, that folder only.
std::vector<std::string> probe_dirs(bool* exclusive) {
  std::vector<std::string> dirs;
  std::string forced = env("NODETENSOR_CANN_LIBDIR");
  *exclusive = !forced.empty();
  if (*exclusive) {
    dirs.push_back(forced);
    return dirs;
  }
  dirs.push_back("");
  for (const char* var : {"ASCEND_HOME_PATH", "ASCEND_TOOLKIT_HOME", "ASCEND_CUSTOM_PATH"}) {
    std::string v = env(var);
    if (!v.empty()) dirs.push_back(v + "/lib64");
  }
  dirs.push_back("/usr/local/Ascend/cann/lib64");
  dirs.push_back("/usr/local/Ascend/ascend-toolkit/latest/lib64");
  std::string home = env("HOME");
  if (!home.empty()) dirs.push_back(home + "/Ascend/ascend-toolkit/latest/lib64");
  return dirs;
}

std::string join(const std::string& dir, const char* name) { return dir.empty() ? name : dir + "/" + name; }

// The set_env.sh that belongs to a lib64 folder, if it can be found (<root>/set_env.sh for
// /usr/local/Ascend/cann/lib64; <toolkit>/set_env.sh for .../ascend-toolkit/latest/lib64).
std::string set_env_hint(const std::string& lib_dir) {
  std::string d = lib_dir;
  for (int up = 0; up < 3 && !d.empty(); up++) {
    size_t cut = d.find_last_of('/');
    if (cut == std::string::npos) break;
    d = d.substr(0, cut);
    if (!d.empty() && exists(d + "/set_env.sh")) return "source " + d + "/set_env.sh";
  }
  return "source /usr/local/Ascend/ascend-toolkit/set_env.sh (or the set_env.sh of your CANN install)";
}

void* find_symbol(const std::vector<void*>& handles, const char* name) {
  for (void* h : handles) {
    void* p = dlsym(h, name);
    if (p) return p;
  }
  return nullptr;
}

}  // namespace

const char* aclnn_name(int id) { return id >= 0 && id < ntacl::ACLNN_COUNT ? kAclnnNames[id] : "aclnn?"; }

std::string acl_error_text(int code) {
  std::string s = "error " + std::to_string(code);
  const char* msg = g_acl.aclGetRecentErrMsg ? g_acl.aclGetRecentErrMsg() : nullptr;
  if (msg && *msg) s += std::string(": ") + msg;
  return s;
}

int load_acl(std::string* why) {
  bool exclusive = false;
  std::vector<std::string> dirs = probe_dirs(&exclusive);
  const std::string fix =
      "Install the CANN toolkit for your Ascend chip and run `source "
      "/usr/local/Ascend/ascend-toolkit/set_env.sh` (or the set_env.sh of your install, e.g. "
      "/usr/local/Ascend/cann/set_env.sh) in the shell before starting node";

  // 1. The runtime. A file that exists but does not load usually misses the driver libraries.
  void* rt = nullptr;
  std::string tried, broken;
  for (const std::string& dir : dirs) {
    for (const char* name : kRuntimeNames) {
      std::string path = join(dir, name);
      if (!dir.empty() && !exists(path)) continue;
      rt = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
      if (rt) {
        g_acl.runtime_path = path;
        g_acl.lib_dir = dir;
        break;
      }
      const char* e = dlerror();
      if (!dir.empty()) broken += "\n  " + path + ": " + (e ? e : "not loadable");
    }
    if (rt) break;
    tried += dir.empty() ? "\n  the loader's search path (LD_LIBRARY_PATH)" : "\n  " + dir;
  }
  if (!rt) {
    if (!broken.empty()) {
      *why = "CANN was found but its runtime library could not be loaded:" + broken +
             "\nThe Ascend driver libraries (/usr/local/Ascend/driver/lib64) are probably missing "
             "from LD_LIBRARY_PATH, or the driver is not installed. " + fix + ".";
    } else {
      *why = std::string("CANN (Huawei Ascend) was not found: none of libacl_rt.so, libascendcl.so ") +
             "could be loaded from:" + tried + "\n" + fix + ".";
    }
    return 1;
  }
  if (g_acl.lib_dir.empty()) {  // loaded by name: remember its folder for the other libraries
    Dl_info info;
    void* sym = dlsym(rt, "aclInit");
    if (sym && dladdr(sym, &info) && info.dli_fname) {
      std::string f = info.dli_fname;
      size_t cut = f.find_last_of('/');
      if (cut != std::string::npos) g_acl.lib_dir = f.substr(0, cut);
    }
  }

  // 2. The environment set_env.sh provides: aclnn operators need ASCEND_OPP_PATH (561107 otherwise).
  std::string opp = env("ASCEND_OPP_PATH");
  if (opp.empty()) {
    *why = "CANN was found (" + g_acl.runtime_path + ") but its environment is not set up: " +
           "ASCEND_OPP_PATH is not set, so the aclnn operators cannot be found. Run `" +
           set_env_hint(g_acl.lib_dir) + "` in the shell before starting node (you probably forgot " +
           "to source set_env.sh).";
    return 1;
  }
  if (!exists(opp)) {
    *why = "ASCEND_OPP_PATH=" + opp + " does not exist: the CANN operator package is not installed " +
           "there. Run `" + set_env_hint(g_acl.lib_dir) + "` for the CANN install you mean to use.";
    return 1;
  }

  // 3. nnopbase (aclTensor & co.) and the operator libraries, next to the runtime first.
  std::vector<std::string> near;
  near.push_back(g_acl.lib_dir);
  if (!exclusive) near.push_back("");
  void* nnop = nullptr;
  for (const std::string& dir : near) {
    if (!dir.empty() && !exists(join(dir, "libnnopbase.so"))) continue;
    if ((nnop = dlopen(join(dir, "libnnopbase.so").c_str(), RTLD_NOW | RTLD_GLOBAL))) break;
  }
  if (!nnop) {
    *why = "the CANN runtime was found (" + g_acl.runtime_path + ") but libnnopbase.so, which aclnn " +
           "needs, was not: the toolkit install looks incomplete. " + fix + ".";
    return 1;
  }
  std::vector<void*> handles = {rt, nnop};
  std::vector<void*> op_handles;
  for (const char* name : kOpLibNames) {
    for (const std::string& dir : near) {
      std::string path = join(dir, name);
      if (!dir.empty() && !exists(path)) continue;
      void* h = dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);
      if (h) {
        op_handles.push_back(h);
        g_acl.op_libs.push_back(path);
        break;
      }
    }
  }
  if (op_handles.empty()) {
    *why = "the CANN runtime was found (" + g_acl.runtime_path + ") but no aclnn operator library " +
           "(libopapi.so, libopapi_math.so, libaclnn_ops_infer.so, ...) was found next to it: install " +
           "the CANN operator (kernels) package for your chip, then `" + set_env_hint(g_acl.lib_dir) + "`.";
    return 1;
  }
  handles.insert(handles.end(), op_handles.begin(), op_handles.end());

  // 4. Symbols. Runtime and nnopbase are required; aclnn pairs are per op.
  std::string missing;
#define NT_ACL_RESOLVE(name, ret, params)                                   \
  g_acl.name = (ntacl::name##_t)find_symbol(handles, #name);                \
  if (!g_acl.name && std::string(#name).find("Executor") == std::string::npos) missing += " " #name;
  NT_ACL_RUNTIME(NT_ACL_RESOLVE)
  NT_ACL_NNOPBASE(NT_ACL_RESOLVE)
#undef NT_ACL_RESOLVE
  if (!missing.empty()) {
    *why = "the CANN libraries found (" + g_acl.runtime_path + ") lack required functions:" + missing +
           ". This CANN is too old or incomplete for nodetensor; install CANN 8.0 or newer.";
    return 1;
  }
  for (int id = 0; id < ntacl::ACLNN_COUNT; id++) {
    std::string ws = std::string(kAclnnNames[id]) + "GetWorkspaceSize";
    void* p1 = find_symbol(op_handles, ws.c_str());
    void* p2 = find_symbol(op_handles, kAclnnNames[id]);
    if (p1 && p2) {
      g_acl.ws[id] = p1;
      g_acl.run[id] = (ntacl::Run_t)p2;
    }
  }

  // 5. aclInit (once per process; "repeat initialize" is fine) and the devices.
  ntacl::Error rc = g_acl.aclInit(nullptr);
  if (rc != ntacl::kSuccess && rc != ntacl::kErrRepeatInitialize) {
    *why = "aclInit failed (" + acl_error_text(rc) + "). Check that the driver and firmware match " +
           "this CANN version (`npu-smi info`), and `" + set_env_hint(g_acl.lib_dir) + "`.";
    return 1;
  }
  uint32_t count = 0;
  rc = g_acl.aclrtGetDeviceCount(&count);
  if (rc != ntacl::kSuccess) {
    *why = "CANN is installed but no NPU is usable: aclrtGetDeviceCount failed (" + acl_error_text(rc) +
           "). Is the Ascend driver installed and does `npu-smi info` list the NPUs?";
    return 1;
  }
  if (count == 0) {
    *why = "CANN is installed but no NPU was found (aclrtGetDeviceCount returned 0): check `npu-smi " +
           std::string("info`, the driver, and ASCEND_RT_VISIBLE_DEVICES.");
    return 1;
  }
  g_acl.devices = (int)count;
  const char* soc = g_acl.aclrtGetSocName();
  g_acl.soc = soc && *soc ? soc : "unknown";
  return 0;
}

}  // namespace ntcann
