// acl-loader.h — finds CANN at run time (dlopen of the runtime, nnopbase and the aclnn operator
// libraries, probing the usual names and install folders) and resolves the functions of acl-api.h.
// Not here: devices, memory or operators (cann-device.h, cann-ops-*.cpp).
#pragma once
#include <string>
#include <vector>

#include "acl-api.h"

namespace ntcann {

// The resolved CANN API. Runtime and nnopbase functions are required (except the two executor
// functions); an aclnn pair that the installed CANN lacks stays null and the op is reported as
// unsupported, naming the missing symbol.
struct Acl {
#define NT_ACL_FIELD(name, ret, params) ntacl::name##_t name = nullptr;
  NT_ACL_RUNTIME(NT_ACL_FIELD)
  NT_ACL_NNOPBASE(NT_ACL_FIELD)
#undef NT_ACL_FIELD
  void* ws[ntacl::ACLNN_COUNT] = {};         // aclnnXxxGetWorkspaceSize, cast to its _ws_t
  ntacl::Run_t run[ntacl::ACLNN_COUNT] = {};  // aclnnXxx
  std::string runtime_path;                  // the runtime library that was loaded
  std::string lib_dir;                       // its folder
  std::vector<std::string> op_libs;          // operator libraries that were loaded
  std::string soc;                           // aclrtGetSocName()
  int devices = 0;                           // aclrtGetDeviceCount()
};
extern Acl& g_acl;  // NOTE: never destroyed: queue threads may still use it while the process exits

// Loads and initialises CANN (aclInit). Returns 0, or 1 with `why` saying in plain words what is
// missing and how to fix it (CANN not installed, set_env.sh not sourced, no driver, no device).
// Env: NODETENSOR_CANN_LIBDIR=<folder> loads the libraries from that folder only (tests point it
// at the stand-in); otherwise LD_LIBRARY_PATH, ASCEND_HOME_PATH, ASCEND_TOOLKIT_HOME and the usual
// /usr/local/Ascend folders are probed.
int load_acl(std::string* why);

// "aclnnAdd" for ACLNN_Add.
const char* aclnn_name(int id);

// "error 507015: <aclGetRecentErrMsg()>" for a failed call.
std::string acl_error_text(int code);

}  // namespace ntcann
