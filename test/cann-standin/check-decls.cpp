// check-decls.cpp — compiled ONLY inside the CANN container (.github/workflows/cann.yml, via
// check-decls.js): includes Huawei's real headers, then our acl-api.h, and static_asserts that every
// function pointer type and enum value we declare equals the real one. Not here: anything that runs;
// this file never builds without the toolkit, and nothing in the repo includes it.
#include <type_traits>

#include "acl/acl.h"
#include "aclnn/acl_meta.h"
#include "ops-includes.h"  // generated: the aclnnop/*.h headers that declare our operators

#define NT_CANN_CHECK_DECLS
#include "../../csrc/backends/cann/acl-api.h"

// ---- runtime and nnopbase functions
#define NT_CHECK_FN(name, ret, params) \
  static_assert(std::is_same<decltype(&::name), ntacl::name##_t>::value, #name ": our declaration differs from the CANN header");
NT_ACL_RUNTIME(NT_CHECK_FN)
NT_ACL_NNOPBASE(NT_CHECK_FN)

// ---- aclnn operators present in this CANN (decl-checks.inc lists them; missing ones are reported
// by check-decls.js and are "unsupported on this CANN" at run time, not errors).
#define NT_CHECK_OP(Name)                                                                                  \
  static_assert(std::is_same<decltype(&::aclnn##Name##GetWorkspaceSize), ntacl::aclnn##Name##_ws_t>::value, \
                "aclnn" #Name "GetWorkspaceSize: our declaration differs from the CANN header");           \
  static_assert(std::is_same<decltype(&::aclnn##Name), ntacl::Run_t>::value,                               \
                "aclnn" #Name ": our declaration differs from the CANN header");
#include "decl-checks.inc"

// ---- enum values
static_assert(ntacl::kFloat == ACL_FLOAT && ntacl::kFloat16 == ACL_FLOAT16 && ntacl::kInt8 == ACL_INT8 &&
                  ntacl::kInt32 == ACL_INT32 && ntacl::kUint8 == ACL_UINT8 && ntacl::kInt16 == ACL_INT16 &&
                  ntacl::kInt64 == ACL_INT64 && ntacl::kDouble == ACL_DOUBLE && ntacl::kBool == ACL_BOOL &&
                  ntacl::kBf16 == ACL_BF16,
              "aclDataType values differ");
static_assert(ntacl::kFormatND == ACL_FORMAT_ND, "aclFormat ACL_FORMAT_ND differs");
static_assert(ntacl::kMemcpyHostToDevice == ACL_MEMCPY_HOST_TO_DEVICE &&
                  ntacl::kMemcpyDeviceToHost == ACL_MEMCPY_DEVICE_TO_HOST,
              "aclrtMemcpyKind values differ");
static_assert(ntacl::kMallocHugeFirst == ACL_MEM_MALLOC_HUGE_FIRST, "aclrtMemMallocPolicy HUGE_FIRST differs");
static_assert(ntacl::kHbmMem == ACL_HBM_MEM, "aclrtMemAttr ACL_HBM_MEM differs");
static_assert(ntacl::kSuccess == ACL_SUCCESS, "ACL_SUCCESS differs");
static_assert(ntacl::kErrRepeatInitialize == ACL_ERROR_REPEAT_INITIALIZE, "ACL_ERROR_REPEAT_INITIALIZE differs");
static_assert(sizeof(ntacl::DataType) == sizeof(int32_t) && sizeof(ntacl::Format) == sizeof(int32_t),
              "the enums are not int-sized: passing int32_t would not be the same ABI");

int main() { return 0; }
