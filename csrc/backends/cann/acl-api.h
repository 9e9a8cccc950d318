// acl-api.h — the project's own declarations of the CANN C functions the backend calls (AscendCL
// runtime, nnopbase, aclnn), written from Huawei's public API documentation (signatures are interface
// facts). Not here: any Huawei header or code. test/cann-standin/check-decls.cpp compiles this file
// against the real headers in the CANN container (.github/workflows/cann.yml) and static_asserts
// that every function pointer type and enum value below equals the real one.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace ntacl {
typedef int Error;        // aclError
typedef int32_t Status;   // aclnnStatus
typedef void* Stream;     // aclrtStream
}  // namespace ntacl

#ifdef NT_CANN_CHECK_DECLS
// check-decls.cpp: the real headers were included first; use their types so that the function
// pointer types below can be compared with decltype(&aclXxx) exactly.
namespace ntacl {
typedef ::aclDataType DataType;
typedef ::aclFormat Format;
typedef ::aclrtMemcpyKind MemcpyKind;
typedef ::aclrtMemMallocPolicy MallocPolicy;
typedef ::aclrtMemAttr MemAttr;
typedef ::aclTensor Tensor;
typedef ::aclScalar Scalar;
typedef ::aclIntArray IntArray;
typedef ::aclOpExecutor Executor;
}  // namespace ntacl
#else
namespace ntacl {
// The C enums are int-sized; passing an int32_t is the same ABI.
typedef int32_t DataType;
typedef int32_t Format;
typedef int32_t MemcpyKind;
typedef int32_t MallocPolicy;
typedef int32_t MemAttr;
struct Tensor;    // aclTensor (opaque)
struct Scalar;    // aclScalar
struct IntArray;  // aclIntArray
struct Executor;  // aclOpExecutor
}  // namespace ntacl
#endif

namespace ntacl {
// ---- enum values (acl_base.h / acl_rt.h), checked by check-decls.cpp ----
const int32_t kFloat = 0, kFloat16 = 1, kInt8 = 2, kInt32 = 3, kUint8 = 4, kInt16 = 6, kInt64 = 9,
              kDouble = 11, kBool = 12, kBf16 = 27;             // aclDataType
const int32_t kFormatND = 2;                                    // aclFormat: ACL_FORMAT_ND
const int32_t kMemcpyHostToDevice = 1, kMemcpyDeviceToHost = 2; // aclrtMemcpyKind
const int32_t kMallocHugeFirst = 0;                             // aclrtMemMallocPolicy
const int32_t kHbmMem = 1;                                      // aclrtMemAttr: ACL_HBM_MEM
const Error kSuccess = 0, kErrRepeatInitialize = 100002;
// cubeMathType of the matmul family (ops-nn aclnnMatmul docs)
const int8_t kKeepDtype = 0, kAllowFp32DownPrecision = 1;

// ---- runtime (libacl_rt.so / libascendcl.so): X(name, return type, parameters) ----
#define NT_ACL_RUNTIME(X)                                                                        \
  X(aclInit, Error, (const char* configPath))                                                    \
  X(aclrtSetDevice, Error, (int32_t deviceId))                                                   \
  X(aclrtGetDeviceCount, Error, (uint32_t * count))                                              \
  X(aclrtGetSocName, const char*, ())                                                            \
  X(aclrtCreateStream, Error, (Stream * stream))                                                 \
  X(aclrtSynchronizeStream, Error, (Stream stream))                                              \
  X(aclrtMalloc, Error, (void** devPtr, size_t size, MallocPolicy policy))                       \
  X(aclrtFree, Error, (void* devPtr))                                                            \
  X(aclrtMallocHost, Error, (void** hostPtr, size_t size))                                       \
  X(aclrtFreeHost, Error, (void* hostPtr))                                                       \
  X(aclrtMemcpyAsync, Error,                                                                     \
    (void* dst, size_t destMax, const void* src, size_t count, MemcpyKind kind, Stream stream))  \
  X(aclrtGetMemInfo, Error, (MemAttr attr, size_t * free, size_t * total))                       \
  X(aclGetRecentErrMsg, const char*, ())

// ---- nnopbase (libnnopbase.so): tensors, scalars, int arrays, executors ----
#define NT_ACL_NNOPBASE(X)                                                                       \
  X(aclCreateTensor, Tensor*,                                                                    \
    (const int64_t* viewDims, uint64_t viewDimsNum, DataType dataType, const int64_t* stride,    \
     int64_t offset, Format format, const int64_t* storageDims, uint64_t storageDimsNum,         \
     void* tensorData))                                                                          \
  X(aclCreateScalar, Scalar*, (void* value, DataType dataType))                                  \
  X(aclCreateIntArray, IntArray*, (const int64_t* value, uint64_t size))                         \
  X(aclDestroyTensor, Status, (const Tensor* tensor))                                            \
  X(aclDestroyScalar, Status, (const Scalar* scalar))                                            \
  X(aclDestroyIntArray, Status, (const IntArray* array))                                         \
  X(aclSetAclOpExecutorRepeatable, Status, (Executor * executor))                                \
  X(aclDestroyAclOpExecutor, Status, (Executor * executor))

// Every runtime/nnopbase function: a pointer type NAME_t.
#define NT_ACL_TYPEDEF(name, ret, params) typedef ret(*name##_t) params;
NT_ACL_RUNTIME(NT_ACL_TYPEDEF)
NT_ACL_NNOPBASE(NT_ACL_TYPEDEF)
#undef NT_ACL_TYPEDEF

// ---- aclnn operators (libopapi.so and the split op libraries): X(Name, phase-1 parameters
// without the trailing `uint64_t* workspaceSize, aclOpExecutor** executor`). Phase 2 is always
// aclnnName(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream).
// NOTE: const-ness follows the real headers exactly (e.g. aclnnRelu's `const aclTensor* out`).
#define NT_ACLNN_OPS(X)                                                                          \
  X(Neg, const Tensor* self, Tensor* out)                                                        \
  X(Abs, const Tensor* self, Tensor* out)                                                        \
  X(Sign, const Tensor* self, Tensor* result)                                                    \
  X(Exp, const Tensor* self, Tensor* out)                                                        \
  X(Log, const Tensor* self, Tensor* out)                                                        \
  X(Log1p, const Tensor* self, Tensor* out)                                                      \
  X(Expm1, const Tensor* self, Tensor* out)                                                      \
  X(Sqrt, const Tensor* self, Tensor* out)                                                       \
  X(Rsqrt, const Tensor* self, Tensor* out)                                                      \
  X(Reciprocal, const Tensor* self, Tensor* out)                                                 \
  X(Sin, const Tensor* self, Tensor* out)                                                        \
  X(Cos, const Tensor* input, Tensor* out)                                                       \
  X(Tan, const Tensor* self, Tensor* out)                                                        \
  X(Tanh, const Tensor* self, Tensor* out)                                                       \
  X(Sigmoid, const Tensor* self, Tensor* out)                                                    \
  X(Relu, const Tensor* self, const Tensor* out)                                                 \
  X(Gelu, const Tensor* self, Tensor* out)                                                       \
  X(GeluV2, const Tensor* x, int64_t approximate, Tensor* y)                                     \
  X(Silu, const Tensor* self, Tensor* out)                                                       \
  X(Softplus, const Tensor* self, const Scalar* beta, const Scalar* threshold, Tensor* out)      \
  X(Erf, const Tensor* self, Tensor* out)                                                        \
  X(Floor, const Tensor* self, Tensor* out)                                                      \
  X(Ceil, const Tensor* self, Tensor* out)                                                       \
  X(Round, const Tensor* self, Tensor* out)                                                      \
  X(Clamp, const Tensor* self, const Scalar* clipValueMin, const Scalar* clipValueMax,           \
    Tensor* out)                                                                                 \
  X(LogicalNot, const Tensor* self, Tensor* out)                                                 \
  X(IsInf, const Tensor* x, const Tensor* out)                                                   \
  X(Add, const Tensor* self, const Tensor* other, const Scalar* alpha, Tensor* out)              \
  X(Adds, const Tensor* self, const Scalar* other, const Scalar* alpha, Tensor* out)             \
  X(Sub, const Tensor* self, const Tensor* other, const Scalar* alpha, Tensor* out)              \
  X(Subs, const Tensor* self, const Scalar* other, const Scalar* alpha, Tensor* out)             \
  X(Mul, const Tensor* self, const Tensor* other, Tensor* out)                                   \
  X(Muls, const Tensor* self, const Scalar* other, Tensor* out)                                  \
  X(Div, const Tensor* self, const Tensor* other, Tensor* out)                                   \
  X(Divs, const Tensor* self, const Scalar* other, Tensor* out)                                  \
  X(DivMod, const Tensor* self, const Tensor* other, int mode, Tensor* out)                      \
  X(PowTensorTensor, const Tensor* self, const Tensor* exponent, Tensor* out)                    \
  X(PowTensorScalar, const Tensor* self, const Scalar* exponent, const Tensor* out)              \
  X(PowScalarTensor, const Scalar* self, const Tensor* exponent, const Tensor* out)              \
  X(Maximum, const Tensor* self, const Tensor* other, Tensor* out)                               \
  X(Minimum, const Tensor* self, const Tensor* other, Tensor* out)                               \
  X(EqTensor, const Tensor* self, const Tensor* other, Tensor* out)                              \
  X(NeTensor, const Tensor* self, const Tensor* other, Tensor* out)                              \
  X(LtTensor, const Tensor* self, const Tensor* other, Tensor* out)                              \
  X(LeTensor, const Tensor* self, const Tensor* other, Tensor* out)                              \
  X(GtTensor, const Tensor* self, const Tensor* other, Tensor* out)                              \
  X(GeTensor, const Tensor* self, const Tensor* other, Tensor* out)                              \
  X(EqScalar, const Tensor* self, const Scalar* other, Tensor* out)                              \
  X(NeScalar, const Tensor* self, const Scalar* other, Tensor* out)                              \
  X(LtScalar, const Tensor* self, const Scalar* other, Tensor* out)                              \
  X(LeScalar, const Tensor* self, const Scalar* other, Tensor* out)                              \
  X(GtScalar, const Tensor* self, const Scalar* other, Tensor* out)                              \
  X(GeScalar, const Tensor* self, const Scalar* other, Tensor* out)                              \
  X(LogicalAnd, const Tensor* self, const Tensor* other, Tensor* out)                            \
  X(LogicalOr, const Tensor* self, const Tensor* other, Tensor* out)                             \
  X(SWhere, const Tensor* condition, const Tensor* self, const Tensor* other, Tensor* out)       \
  X(InplaceCopy, Tensor* selfRef, const Tensor* src)                                             \
  X(InplaceFillScalar, Tensor* selfRef, const Scalar* value)                                     \
  X(Arange, const Scalar* start, const Scalar* end, const Scalar* step, Tensor* out)             \
  X(Linspace, const Scalar* start, const Scalar* end, int64_t steps, Tensor* out)                \
  X(ReduceSum, const Tensor* self, const IntArray* dims, bool keepDims, DataType dtype,          \
    Tensor* out)                                                                                 \
  X(Mean, const Tensor* self, const IntArray* dim, bool keepDim, DataType dtype, Tensor* out)    \
  X(ProdDim, const Tensor* self, int64_t dim, bool keepDim, DataType dtype, Tensor* out)        \
  X(Amax, const Tensor* self, const IntArray* dim, bool keepDim, Tensor* out)                    \
  X(Amin, const Tensor* self, const IntArray* dim, bool keepDim, Tensor* out)                    \
  X(ArgMax, const Tensor* self, int64_t dim, bool keepdim, Tensor* out)                          \
  X(ArgMin, const Tensor* self, int64_t dim, bool keepdim, Tensor* out)                          \
  X(VarCorrection, const Tensor* self, const IntArray* dim, int64_t correction, bool keepdim,    \
    Tensor* out)                                                                                 \
  X(Std, const Tensor* self, const IntArray* dim, int64_t correction, bool keepdim, Tensor* out) \
  X(All, const Tensor* self, const IntArray* dim, bool keepdim, Tensor* out)                     \
  X(Any, const Tensor* self, const IntArray* dim, bool keepdim, Tensor* out)                     \
  X(Softmax, const Tensor* self, int64_t dim, Tensor* out)                                       \
  X(LogSoftmax, const Tensor* self, int64_t dim, Tensor* out)                                    \
  X(Cumsum, const Tensor* self, int64_t dim, DataType dtype, Tensor* out)                        \
  X(Cumprod, const Tensor* input, const Scalar* dim, DataType dtype, Tensor* out)                \
  X(Sort, const Tensor* self, bool stable, int64_t dim, bool descending, Tensor* valuesOut,      \
    Tensor* indicesOut)                                                                          \
  X(Topk, const Tensor* self, int64_t k, int64_t dim, bool largest, bool sorted,                 \
    Tensor* valuesOut, Tensor* indicesOut)                                                       \
  X(Matmul, const Tensor* self, const Tensor* mat2, Tensor* out, int8_t cubeMathType)           \
  X(Mm, const Tensor* self, const Tensor* mat2, Tensor* out, int8_t cubeMathType)               \
  X(BatchMatMul, const Tensor* self, const Tensor* mat2, Tensor* out, int8_t cubeMathType)      \
  X(InplaceMuls, Tensor* selfRef, const Scalar* other)                                           \
  X(InplaceAdd, const Tensor* selfRef, const Tensor* other, const Scalar* alpha)                 \
  X(IndexSelect, const Tensor* self, int64_t dim, const Tensor* index, Tensor* out)              \
  X(Gather, const Tensor* self, int64_t dim, const Tensor* index, Tensor* out)                   \
  X(InplaceScatter, Tensor* selfRef, int64_t dim, const Tensor* index, const Tensor* src,        \
    int64_t reduce)                                                                              \
  X(InplaceScatterValue, Tensor* selfRef, int64_t dim, const Tensor* index,                      \
    const Scalar* value, int64_t reduce)                                                         \
  X(ScatterAdd, const Tensor* self, int64_t dim, const Tensor* index, const Tensor* src,         \
    Tensor* out)                                                                                 \
  X(IndexAdd, const Tensor* self, int64_t dim, const Tensor* index, const Tensor* source,        \
    const Scalar* alpha, Tensor* out)                                                            \
  X(Take, const Tensor* self, const Tensor* index, Tensor* out)

// Phase 1 of aclnnName: aclnnName_ws_t; phase 2 (the same shape for every operator): Run_t.
#define NT_ACLNN_TYPEDEF(name, ...) \
  typedef Status (*aclnn##name##_ws_t)(__VA_ARGS__, uint64_t * workspaceSize, Executor * *executor);
NT_ACLNN_OPS(NT_ACLNN_TYPEDEF)
#undef NT_ACLNN_TYPEDEF
typedef Status (*Run_t)(void* workspace, uint64_t workspaceSize, Executor* executor, Stream stream);

// Operator ids, one per aclnn pair above, for the symbol table and the capability table.
enum AclnnId {
#define NT_ACLNN_ID(name, ...) ACLNN_##name,
  NT_ACLNN_OPS(NT_ACLNN_ID)
#undef NT_ACLNN_ID
  ACLNN_COUNT
};
}  // namespace ntacl
