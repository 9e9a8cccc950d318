// ops-reduce.cpp — the stand-in's reductions, along-a-dim ops, sort/topk and the matmul family
// (TEST ONLY), checked as the aclnn docs describe and computed with nodetensor's CPU kernels.
// Matmul refuses what the chip would: non-float dtypes, and float32 with KEEP_DTYPE on SoCs whose
// cube unit has no float32 mode (310P, first-generation 910; NT_STANDIN_SOC picks the SoC).
// Not here: elementwise (ops-elementwise.cpp) or indexing (ops-index.cpp).
#include <string>

#include "ops-common.h"

using namespace ntsi;

namespace {

// nodetensor's REDUCE layout: `out` seen with in's ndim (reduced dims size 1, stride 0). Checks
// out's shape for keepDim; an empty dims list means every dim.
bool reduce_view(Op& o, const nt_view& in, std::vector<int64_t> dims, bool keep, const nt_view& out, nt_args* a,
                 int64_t* count) {
  int64_t mask = 0;
  *count = 1;
  if (dims.empty())
    for (int d = 0; d < in.ndim; d++) dims.push_back(d);
  for (int64_t d : dims) {
    int64_t n = o.dim(d, in.ndim, "dim");
    if (!o.check(!(mask & (int64_t(1) << n)), "dim %lld appears twice", (long long)n)) return false;
    mask |= int64_t(1) << n;
    if (n < in.ndim) *count *= in.shape[n];
  }
  nt_view v = out;
  v.ndim = in.ndim;
  int k = 0;
  bool ok = true;
  for (int d = 0; d < in.ndim; d++) {
    bool r = mask & (int64_t(1) << d);
    if (keep || !r) {
      int64_t want = r ? 1 : in.shape[d];
      if (k >= out.ndim || out.shape[k] != want) ok = false;
      v.shape[d] = want;
      v.strides[d] = r ? 0 : (k < out.ndim ? out.strides[k] : 0);
      k++;
    } else {
      v.shape[d] = 1;
      v.strides[d] = 0;
    }
  }
  if (!o.check(ok && k == out.ndim, "out's shape does not match the reduction (keepDim %d)", (int)keep)) return false;
  a->v[0] = in;
  a->v[1] = v;
  a->nviews = 2;
  a->i[0] = mask;
  return true;
}

int reduce(const char* name, int op, const aclTensor* self, std::vector<int64_t> dims, bool keep, const aclTensor* out,
           int want_out_dtype, double f0, int64_t i1, uint64_t* ws, aclOpExecutor** ex, bool mean = false) {
  Op o(name);
  nt_view x = o.in(self, "self"), y = o.in(out, "out");
  nt_args a = args_of(op);
  int64_t count = 1;
  if (o.ok()) {
    reduce_view(o, x, dims, keep, y, &a, &count);
    if (want_out_dtype >= 0) o.check(y.dtype == want_out_dtype, "out must be %s, got %s", nt_dtype_name(want_out_dtype), nt_dtype_name(y.dtype));
  }
  a.f[0] = mean ? (count ? 1.0 / (double)count : 0.0 / 0.0) : f0;
  a.i[1] = i1;
  return o.kernel(a, ws, ex);
}

int dtype_arg(Op& o, int32_t acl, const aclTensor* out) {
  int dt = ntsi_nt_dtype(acl);
  nt_view y = o.in(out, "out");
  o.check(dt >= 0 && dt == y.dtype, "dtype (%d) must equal out's dtype", acl);
  return dt;
}

}  // namespace

NTSI_API int aclnnReduceSumGetWorkspaceSize(const aclTensor* self, const aclIntArray* dims, bool keepDims, int32_t dtype,
                                            aclTensor* out, uint64_t* ws, aclOpExecutor** ex) {
  Op o("aclnnReduceSum");
  int dt = dtype_arg(o, dtype, out);
  if (!o.ok()) return o.finish(nullptr, ws, ex);
  return reduce("aclnnReduceSum", NT_OP_sum, self, ntsi_int_array(dims, "aclnnReduceSum", "dims"), keepDims, out, dt, 1, 0, ws, ex);
}
NTSI_PHASE2(ReduceSum)

NTSI_API int aclnnMeanGetWorkspaceSize(const aclTensor* self, const aclIntArray* dim, bool keepDim, int32_t dtype,
                                       aclTensor* out, uint64_t* ws, aclOpExecutor** ex) {
  Op o("aclnnMean");
  int dt = dtype_arg(o, dtype, out);
  if (!o.ok()) return o.finish(nullptr, ws, ex);
  return reduce("aclnnMean", NT_OP_sum, self, ntsi_int_array(dim, "aclnnMean", "dim"), keepDim, out, dt, 1, 0, ws, ex, true);
}
NTSI_PHASE2(Mean)

NTSI_API int aclnnProdDimGetWorkspaceSize(const aclTensor* self, int64_t dim, bool keepDim, int32_t dtype, aclTensor* out,
                                          uint64_t* ws, aclOpExecutor** ex) {
  Op o("aclnnProdDim");
  int dt = dtype_arg(o, dtype, out);
  if (!o.ok()) return o.finish(nullptr, ws, ex);
  return reduce("aclnnProdDim", NT_OP_prod, self, {dim}, keepDim, out, dt, 1, 0, ws, ex);
}
NTSI_PHASE2(ProdDim)

#define REDUCE_DIMS(Name, op, out_dtype)                                                                           \
  NTSI_API int aclnn##Name##GetWorkspaceSize(const aclTensor* self, const aclIntArray* dim, bool keepDim, aclTensor* out, \
                                             uint64_t* ws, aclOpExecutor** ex) {                                   \
    if (!dim) return ntsi_error(161001, "aclnn" #Name "GetWorkspaceSize: dim is a null pointer");                  \
    return reduce("aclnn" #Name, NT_OP_##op, self, ntsi_int_array(dim, "aclnn" #Name, "dim"), keepDim, out, out_dtype, \
                  1, 0, ws, ex);                                                                                   \
  }                                                                                                                \
  NTSI_PHASE2(Name)
REDUCE_DIMS(Amax, amax, -1)
REDUCE_DIMS(Amin, amin, -1)
REDUCE_DIMS(All, all, NT_BOOL)
REDUCE_DIMS(Any, any, NT_BOOL)
#undef REDUCE_DIMS

#define ARG(Name, op)                                                                                               \
  NTSI_API int aclnn##Name##GetWorkspaceSize(const aclTensor* self, int64_t dim, bool keepdim, aclTensor* out,     \
                                             uint64_t* ws, aclOpExecutor** ex) {                                   \
    return reduce("aclnn" #Name, NT_OP_##op, self, {dim}, keepdim, out, NT_I64, 1, 0, ws, ex);                     \
  }                                                                                                                \
  NTSI_PHASE2(Name)
ARG(ArgMax, argmax)
ARG(ArgMin, argmin)
#undef ARG

NTSI_API int aclnnVarCorrectionGetWorkspaceSize(const aclTensor* self, const aclIntArray* dim, int64_t correction,
                                                bool keepdim, aclTensor* out, uint64_t* ws, aclOpExecutor** ex) {
  if (!dim) return ntsi_error(161001, "aclnnVarCorrectionGetWorkspaceSize: dim is a null pointer");
  return reduce("aclnnVarCorrection", NT_OP_var, self, ntsi_int_array(dim, "aclnnVarCorrection", "dim"), keepdim, out, -1,
                (double)correction, 0, ws, ex);
}
NTSI_PHASE2(VarCorrection)

NTSI_API int aclnnStdGetWorkspaceSize(const aclTensor* self, const aclIntArray* dim, int64_t correction, bool keepdim,
                                      aclTensor* out, uint64_t* ws, aclOpExecutor** ex) {
  if (!dim) return ntsi_error(161001, "aclnnStdGetWorkspaceSize: dim is a null pointer");
  return reduce("aclnnStd", NT_OP_var, self, ntsi_int_array(dim, "aclnnStd", "dim"), keepdim, out, -1, (double)correction, 1,
                ws, ex);
}
NTSI_PHASE2(Std)

// ---------------------------------------------------------------- along one dim
namespace {
int along(const char* name, int op, const aclTensor* self, int64_t dim, const aclTensor* out, int dtype_acl,
          uint64_t* ws, aclOpExecutor** ex) {
  Op o(name);
  nt_view x = o.in(self, "self"), y = o.in(out, "out");
  nt_args a = args_of(op);
  if (o.ok()) {
    o.check(same_shape(x, y), "self and out have different shapes");
    if (dtype_acl >= 0) o.check(ntsi_nt_dtype(dtype_acl) == y.dtype, "dtype must equal out's dtype");
    else o.check(x.dtype == y.dtype, "self and out differ in dtype");
    a.i[0] = o.dim(dim, x.ndim, "dim");
  }
  a.nviews = 2;
  a.v[0] = x;
  a.v[1] = y;
  return o.kernel(a, ws, ex);
}
}  // namespace

NTSI_API int aclnnSoftmaxGetWorkspaceSize(const aclTensor* self, int64_t dim, aclTensor* out, uint64_t* ws, aclOpExecutor** ex) {
  return along("aclnnSoftmax", NT_OP_softmax, self, dim, out, -1, ws, ex);
}
NTSI_PHASE2(Softmax)
NTSI_API int aclnnLogSoftmaxGetWorkspaceSize(const aclTensor* self, int64_t dim, aclTensor* out, uint64_t* ws,
                                             aclOpExecutor** ex) {
  return along("aclnnLogSoftmax", NT_OP_log_softmax, self, dim, out, -1, ws, ex);
}
NTSI_PHASE2(LogSoftmax)
NTSI_API int aclnnCumsumGetWorkspaceSize(const aclTensor* self, int64_t dim, int32_t dtype, aclTensor* out, uint64_t* ws,
                                         aclOpExecutor** ex) {
  return along("aclnnCumsum", NT_OP_cumsum, self, dim, out, dtype, ws, ex);
}
NTSI_PHASE2(Cumsum)
NTSI_API int aclnnCumprodGetWorkspaceSize(const aclTensor* input, const aclScalar* dim, int32_t dtype, aclTensor* out,
                                          uint64_t* ws, aclOpExecutor** ex) {
  if (!dim) return ntsi_error(161001, "aclnnCumprodGetWorkspaceSize: dim is a null pointer");
  double d = ntsi_scalar(dim, "aclnnCumprod", "dim", nullptr);
  return along("aclnnCumprod", NT_OP_cumprod, input, (int64_t)d, out, dtype, ws, ex);
}
NTSI_PHASE2(Cumprod)

NTSI_API int aclnnSortGetWorkspaceSize(const aclTensor* self, bool stable, int64_t dim, bool descending, aclTensor* valuesOut,
                                       aclTensor* indicesOut, uint64_t* ws, aclOpExecutor** ex) {
  Op o("aclnnSort");
  nt_view x = o.in(self, "self"), v = o.in(valuesOut, "valuesOut"), i = o.in(indicesOut, "indicesOut");
  nt_args a = args_of(NT_OP_sort);
  if (o.ok()) {
    o.check(same_shape(x, v) && same_shape(x, i), "valuesOut and indicesOut must have self's shape");
    o.check(v.dtype == x.dtype && i.dtype == NT_I64, "valuesOut must have self's dtype and indicesOut int64");
    a.i[0] = o.dim(dim, x.ndim, "dim");
  }
  a.nviews = 3;
  a.v[0] = x;
  a.v[1] = v;
  a.v[2] = i;
  a.i[1] = descending;
  a.i[2] = stable;
  return o.kernel(a, ws, ex);
}
NTSI_PHASE2(Sort)

NTSI_API int aclnnTopkGetWorkspaceSize(const aclTensor* self, int64_t k, int64_t dim, bool largest, bool sorted,
                                       aclTensor* valuesOut, aclTensor* indicesOut, uint64_t* ws, aclOpExecutor** ex) {
  Op o("aclnnTopk");
  nt_view x = o.in(self, "self"), v = o.in(valuesOut, "valuesOut"), i = o.in(indicesOut, "indicesOut");
  nt_args a = args_of(NT_OP_topk);
  if (o.ok()) {
    int64_t d = o.dim(dim, x.ndim, "dim");
    nt_view want = x;
    if (x.ndim) want.shape[d] = k;
    o.check(k >= 0 && (x.ndim == 0 || k <= x.shape[d]), "k %lld is out of range", (long long)k);
    o.check(same_shape(want, v) && same_shape(want, i), "valuesOut and indicesOut must have self's shape with k at dim");
    o.check(v.dtype == x.dtype && i.dtype == NT_I64, "valuesOut must have self's dtype and indicesOut int64");
    a.i[0] = d;
  }
  a.nviews = 3;
  a.v[0] = x;
  a.v[1] = v;
  a.v[2] = i;
  a.i[1] = largest;
  a.i[2] = sorted;
  return o.kernel(a, ws, ex);
}
NTSI_PHASE2(Topk)

// ---------------------------------------------------------------- matmul family
namespace {
// kind: 0 Matmul (batch dims broadcast), 2 Mm (2-D), 3 BatchMatMul (3-D, equal batch).
int matmul(const char* name, int kind, const aclTensor* self, const aclTensor* mat2, const aclTensor* out, int8_t cube,
           uint64_t* ws, aclOpExecutor** ex) {
  Op o(name);
  nt_view x = o.in(self, "self"), y = o.in(mat2, "mat2"), z = o.in(out, "out");
  nt_args a = args_of(NT_OP_matmul);
  if (o.ok()) {
    o.check(cube >= 0 && cube <= 4, "cubeMathType %d is not 0..4", (int)cube);
    o.check(x.dtype == y.dtype && x.dtype == z.dtype, "self, mat2 and out must have one dtype");
    o.check(x.dtype == NT_F32 || x.dtype == NT_F16 || x.dtype == NT_BF16, "dtype %s is not supported (FLOAT, FLOAT16, BFLOAT16)",
            nt_dtype_name(x.dtype));
    std::string soc = ntsi_soc();
    bool no_fp32_cube = soc.compare(0, 10, "Ascend310P") == 0 ||
                        (soc.compare(0, 9, "Ascend910") == 0 && soc.compare(0, 10, "Ascend910B") != 0 &&
                         soc.compare(0, 12, "Ascend910_93") != 0);
    o.check(!(no_fp32_cube && x.dtype == NT_F32 && cube == 0),
            "cubeMathType KEEP_DTYPE with float32 inputs is not supported on %s (no float32 cube unit)", soc.c_str());
    if (kind == 2) o.check(x.ndim == 2 && y.ndim == 2 && z.ndim == 2, "aclnnMm takes 2-D tensors");
    if (kind == 3) o.check(x.ndim == 3 && y.ndim == 3 && z.ndim == 3 && x.shape[0] == y.shape[0], "aclnnBatchMatMul takes 3-D tensors with equal batch");
    if (o.check(x.ndim >= 2 && y.ndim >= 2 && z.ndim >= 2, "self and mat2 need at least 2 dims here")) {
      int64_t M = x.shape[x.ndim - 2], K = x.shape[x.ndim - 1], K2 = y.shape[y.ndim - 2], N = y.shape[y.ndim - 1];
      o.check(K == K2, "inner dimensions %lld and %lld differ", (long long)K, (long long)K2);
      nt_view bx = x, by = y, bz;
      bx.ndim -= 2;
      by.ndim -= 2;
      bool ok = broadcast_shape(bx, by, &bz) && bz.ndim + 2 == z.ndim;
      for (int d = 0; ok && d < bz.ndim; d++) ok = bz.shape[d] == z.shape[d];
      ok = ok && z.shape[z.ndim - 2] == M && z.shape[z.ndim - 1] == N;
      if (o.check(ok, "out's shape does not match the product")) {
        nt_view tx = z, ty = z;  // targets: batch + [M, K] and batch + [K, N]
        tx.shape[z.ndim - 1] = K;
        ty.shape[z.ndim - 2] = K;
        broadcast_to(x, tx, &a.v[0]);
        broadcast_to(y, ty, &a.v[1]);
      }
    }
  }
  a.nviews = 3;
  a.v[2] = z;
  a.f[0] = 1;
  a.f[1] = 0;
  return o.kernel(a, ws, ex);
}
}  // namespace

#define MATMUL(Name, kind)                                                                                        \
  NTSI_API int aclnn##Name##GetWorkspaceSize(const aclTensor* self, const aclTensor* mat2, aclTensor* out,         \
                                             int8_t cubeMathType, uint64_t* ws, aclOpExecutor** ex) {             \
    return matmul("aclnn" #Name, kind, self, mat2, out, cubeMathType, ws, ex);                                    \
  }                                                                                                               \
  NTSI_PHASE2(Name)
MATMUL(Matmul, 0)
MATMUL(Mm, 2)
MATMUL(BatchMatMul, 3)
#undef MATMUL

NTSI_API int aclnnInplaceMulsGetWorkspaceSize(aclTensor* selfRef, const aclScalar* other, uint64_t* ws, aclOpExecutor** ex) {
  Op o("aclnnInplaceMuls");
  nt_view x = o.in(selfRef, "selfRef");
  nt_args a = args_of(NT_OP_mul);
  a.nviews = 3;
  a.v[0] = a.v[1] = a.v[2] = x;
  a.i[0] = 1;
  a.f[0] = o.scalar(other, "other");
  return o.kernel(a, ws, ex);
}
NTSI_PHASE2(InplaceMuls)

NTSI_API int aclnnInplaceAddGetWorkspaceSize(const aclTensor* selfRef, const aclTensor* other, const aclScalar* alpha,
                                             uint64_t* ws, aclOpExecutor** ex) {
  Op o("aclnnInplaceAdd");
  nt_view x = o.in(selfRef, "selfRef"), y = o.in(other, "other");
  nt_args a = args_of(NT_OP_add);
  if (o.ok()) {
    o.check(x.dtype == y.dtype, "selfRef and other differ in dtype (not emulated)");
    o.check(broadcast_to(y, x, &a.v[1]), "other does not broadcast to selfRef's shape");
  }
  a.nviews = 3;
  a.v[0] = a.v[2] = x;
  a.f[1] = o.scalar(alpha, "alpha");
  return o.kernel(a, ws, ex);
}
NTSI_PHASE2(InplaceAdd)
