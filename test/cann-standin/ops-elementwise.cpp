// ops-elementwise.cpp — the stand-in's elementwise aclnn operators (TEST ONLY): unary, binary
// (tensor and scalar forms), SWhere, InplaceCopy, InplaceFillScalar, Arange, Linspace. Each checks
// its arguments as the aclnn docs describe (shapes, broadcasting, out dtype) and computes with the
// CPU kernel of the matching nodetensor op. Not here: reductions, matmul, indexing (ops-other.cpp).
#include <cmath>

#include "ops-common.h"

using namespace ntsi;

namespace {

// self -> out of the same shape; out is bool for predicates, else self's dtype.
int unary(const char* name, int op, const aclTensor* self, const aclTensor* out, bool bool_out, uint64_t* ws,
          aclOpExecutor** ex, double f0 = 0, double f1 = 0, int64_t i0 = 0) {
  Op o(name);
  nt_view x = o.in(self, "self"), y = o.in(out, "out");
  if (o.ok()) {
    o.check(same_shape(x, y), "self and out have different shapes");
    o.check(bool_out ? y.dtype == NT_BOOL : y.dtype == x.dtype, "out has dtype %s, expected %s", nt_dtype_name(y.dtype),
            bool_out ? "bool" : nt_dtype_name(x.dtype));
  }
  nt_args a = args_of(op);
  a.nviews = 2;
  a.v[0] = x;
  a.v[1] = y;
  a.f[0] = f0;
  a.f[1] = f1;
  a.i[0] = i0;
  return o.kernel(a, ws, ex);
}

// kind: 0 arithmetic (out = self's dtype), 1 comparison or logical (out bool).
int binary(const char* name, int op, int kind, const aclTensor* self, const aclTensor* other, const aclTensor* out,
           double alpha, int64_t mode, uint64_t* ws, aclOpExecutor** ex) {
  Op o(name);
  nt_view x = o.in(self, "self"), y = o.in(other, "other"), z = o.in(out, "out");
  nt_args a = args_of(op);
  if (o.ok()) {
    nt_view shape;
    o.check(broadcast_shape(x, y, &shape) && same_shape(shape, z), "self and other do not broadcast to out's shape");
    o.check(x.dtype == y.dtype, "self (%s) and other (%s) differ in dtype (mixed dtypes are not emulated)",
            nt_dtype_name(x.dtype), nt_dtype_name(y.dtype));
    o.check(kind ? z.dtype == NT_BOOL : z.dtype == x.dtype, "out has dtype %s", nt_dtype_name(z.dtype));
    o.check(mode >= 0 && mode <= 2, "mode %lld is not 0, 1 or 2", (long long)mode);
    broadcast_to(x, z, &a.v[0]);
    broadcast_to(y, z, &a.v[1]);
  }
  a.nviews = 3;
  a.v[2] = z;
  a.f[1] = alpha;
  a.i[1] = mode;
  return o.kernel(a, ws, ex);
}

// A scalar operand: right = (self op scalar), else (scalar op exponent) for PowScalarTensor.
int binary_scalar(const char* name, int op, int kind, const aclTensor* self, const aclScalar* s, const aclTensor* out,
                  const aclScalar* alpha, bool right, uint64_t* ws, aclOpExecutor** ex) {
  Op o(name);
  nt_view x = o.in(self, right ? "self" : "exponent"), z = o.in(out, "out");
  double v = o.scalar(s, right ? "other" : "self");
  double al = alpha ? o.scalar(alpha, "alpha") : 1;
  if (o.ok()) {
    o.check(same_shape(x, z), "self and out have different shapes");
    o.check(kind ? z.dtype == NT_BOOL : z.dtype == x.dtype, "out has dtype %s", nt_dtype_name(z.dtype));
  }
  nt_args a = args_of(op);
  a.nviews = 3;
  a.v[0] = x;
  a.v[1] = x;
  a.v[2] = z;
  a.i[0] = right ? 1 : 2;
  a.f[0] = v;
  a.f[1] = al;
  return o.kernel(a, ws, ex);
}

}  // namespace

// ---------------------------------------------------------------- unary
#define UNARY(Name, op, OutT, self_name, out_name, bool_out)                                               \
  NTSI_API int aclnn##Name##GetWorkspaceSize(const aclTensor* self_name, OutT out_name, uint64_t* ws,      \
                                             aclOpExecutor** ex) {                                         \
    return unary("aclnn" #Name, NT_OP_##op, self_name, out_name, bool_out, ws, ex);                        \
  }                                                                                                        \
  NTSI_PHASE2(Name)
UNARY(Neg, neg, aclTensor*, self, out, false)
UNARY(Abs, abs, aclTensor*, self, out, false)
UNARY(Sign, sign, aclTensor*, self, result, false)
UNARY(Exp, exp, aclTensor*, self, out, false)
UNARY(Log, log, aclTensor*, self, out, false)
UNARY(Log1p, log1p, aclTensor*, self, out, false)
UNARY(Expm1, expm1, aclTensor*, self, out, false)
UNARY(Sqrt, sqrt, aclTensor*, self, out, false)
UNARY(Rsqrt, rsqrt, aclTensor*, self, out, false)
UNARY(Reciprocal, reciprocal, aclTensor*, self, out, false)
UNARY(Sin, sin, aclTensor*, self, out, false)
UNARY(Cos, cos, aclTensor*, input, out, false)
UNARY(Tan, tan, aclTensor*, self, out, false)
UNARY(Tanh, tanh, aclTensor*, self, out, false)
UNARY(Sigmoid, sigmoid, aclTensor*, self, out, false)
UNARY(Relu, relu, const aclTensor*, self, out, false)
UNARY(Gelu, gelu, aclTensor*, self, out, false)
UNARY(Silu, silu, aclTensor*, self, out, false)
UNARY(Erf, erf, aclTensor*, self, out, false)
UNARY(Floor, floor, aclTensor*, self, out, false)
UNARY(Ceil, ceil, aclTensor*, self, out, false)
UNARY(Round, round, aclTensor*, self, out, false)
UNARY(LogicalNot, logical_not, aclTensor*, self, out, true)
UNARY(IsInf, isinf, const aclTensor*, x, out, true)
#undef UNARY

NTSI_API int aclnnGeluV2GetWorkspaceSize(const aclTensor* x, int64_t approximate, aclTensor* y, uint64_t* ws,
                                         aclOpExecutor** ex) {
  if (approximate != 0 && approximate != 1)
    return ntsi_error(161002, "aclnnGeluV2GetWorkspaceSize: approximate must be 0 (none) or 1 (tanh), got %lld",
                      (long long)approximate);
  return unary("aclnnGeluV2", approximate ? NT_OP_gelu_tanh : NT_OP_gelu, x, y, false, ws, ex);
}
NTSI_PHASE2(GeluV2)

NTSI_API int aclnnSoftplusGetWorkspaceSize(const aclTensor* self, const aclScalar* beta, const aclScalar* threshold,
                                           aclTensor* out, uint64_t* ws, aclOpExecutor** ex) {
  if (!beta || !threshold) return ntsi_error(161001, "aclnnSoftplusGetWorkspaceSize: null beta or threshold");
  double b = ntsi_scalar(beta, "aclnnSoftplus", "beta", nullptr), t = ntsi_scalar(threshold, "aclnnSoftplus", "threshold", nullptr);
  return unary("aclnnSoftplus", NT_OP_softplus, self, out, false, ws, ex, b, t);
}
NTSI_PHASE2(Softplus)

NTSI_API int aclnnClampGetWorkspaceSize(const aclTensor* self, const aclScalar* clipValueMin, const aclScalar* clipValueMax,
                                        aclTensor* out, uint64_t* ws, aclOpExecutor** ex) {
  if (!clipValueMin && !clipValueMax) return ntsi_error(161001, "aclnnClampGetWorkspaceSize: min and max are both null");
  double lo = clipValueMin ? ntsi_scalar(clipValueMin, "aclnnClamp", "clipValueMin", nullptr) : 0;
  double hi = clipValueMax ? ntsi_scalar(clipValueMax, "aclnnClamp", "clipValueMax", nullptr) : 0;
  return unary("aclnnClamp", NT_OP_clamp, self, out, false, ws, ex, lo, hi, (clipValueMin ? 1 : 0) | (clipValueMax ? 2 : 0));
}
NTSI_PHASE2(Clamp)

// ---------------------------------------------------------------- binary
#define BINARY(Name, op, kind)                                                                                 \
  NTSI_API int aclnn##Name##GetWorkspaceSize(const aclTensor* self, const aclTensor* other, aclTensor* out,    \
                                             uint64_t* ws, aclOpExecutor** ex) {                               \
    return binary("aclnn" #Name, NT_OP_##op, kind, self, other, out, 1, 0, ws, ex);                           \
  }                                                                                                            \
  NTSI_PHASE2(Name)
BINARY(Mul, mul, 0)
BINARY(Div, div, 0)
BINARY(Maximum, maximum, 0)
BINARY(Minimum, minimum, 0)
BINARY(EqTensor, eq, 1)
BINARY(NeTensor, ne, 1)
BINARY(LtTensor, lt, 1)
BINARY(LeTensor, le, 1)
BINARY(GtTensor, gt, 1)
BINARY(GeTensor, ge, 1)
BINARY(LogicalAnd, logical_and, 1)
BINARY(LogicalOr, logical_or, 1)
#undef BINARY

#define BINARY_ALPHA(Name, op)                                                                                   \
  NTSI_API int aclnn##Name##GetWorkspaceSize(const aclTensor* self, const aclTensor* other, const aclScalar* alpha, \
                                             aclTensor* out, uint64_t* ws, aclOpExecutor** ex) {                 \
    if (!alpha) return ntsi_error(161001, "aclnn" #Name "GetWorkspaceSize: alpha is a null pointer");            \
    double al = ntsi_scalar(alpha, "aclnn" #Name, "alpha", nullptr);                                            \
    return binary("aclnn" #Name, NT_OP_##op, 0, self, other, out, al, 0, ws, ex);                               \
  }                                                                                                              \
  NTSI_PHASE2(Name)
BINARY_ALPHA(Add, add)
BINARY_ALPHA(Sub, sub)
#undef BINARY_ALPHA

NTSI_API int aclnnDivModGetWorkspaceSize(const aclTensor* self, const aclTensor* other, int mode, aclTensor* out,
                                         uint64_t* ws, aclOpExecutor** ex) {
  return binary("aclnnDivMod", NT_OP_div, 0, self, other, out, 1, mode, ws, ex);
}
NTSI_PHASE2(DivMod)

NTSI_API int aclnnPowTensorTensorGetWorkspaceSize(const aclTensor* self, const aclTensor* exponent, aclTensor* out,
                                                  uint64_t* ws, aclOpExecutor** ex) {
  return binary("aclnnPowTensorTensor", NT_OP_pow, 0, self, exponent, out, 1, 0, ws, ex);
}
NTSI_PHASE2(PowTensorTensor)

// ---------------------------------------------------------------- scalar forms
#define SCALAR_ALPHA(Name, op)                                                                                  \
  NTSI_API int aclnn##Name##GetWorkspaceSize(const aclTensor* self, const aclScalar* other, const aclScalar* alpha, \
                                             aclTensor* out, uint64_t* ws, aclOpExecutor** ex) {                \
    if (!alpha) return ntsi_error(161001, "aclnn" #Name "GetWorkspaceSize: alpha is a null pointer");           \
    return binary_scalar("aclnn" #Name, NT_OP_##op, 0, self, other, out, alpha, true, ws, ex);                  \
  }                                                                                                             \
  NTSI_PHASE2(Name)
SCALAR_ALPHA(Adds, add)
SCALAR_ALPHA(Subs, sub)
#undef SCALAR_ALPHA

#define SCALAR(Name, op, kind, OutT)                                                                              \
  NTSI_API int aclnn##Name##GetWorkspaceSize(const aclTensor* self, const aclScalar* other, OutT out, uint64_t* ws, \
                                             aclOpExecutor** ex) {                                                \
    return binary_scalar("aclnn" #Name, NT_OP_##op, kind, self, other, out, nullptr, true, ws, ex);              \
  }                                                                                                               \
  NTSI_PHASE2(Name)
SCALAR(Muls, mul, 0, aclTensor*)
SCALAR(Divs, div, 0, aclTensor*)
SCALAR(EqScalar, eq, 1, aclTensor*)
SCALAR(NeScalar, ne, 1, aclTensor*)
SCALAR(LtScalar, lt, 1, aclTensor*)
SCALAR(LeScalar, le, 1, aclTensor*)
SCALAR(GtScalar, gt, 1, aclTensor*)
SCALAR(GeScalar, ge, 1, aclTensor*)
#undef SCALAR

NTSI_API int aclnnPowTensorScalarGetWorkspaceSize(const aclTensor* self, const aclScalar* exponent, const aclTensor* out,
                                                  uint64_t* ws, aclOpExecutor** ex) {
  return binary_scalar("aclnnPowTensorScalar", NT_OP_pow, 0, self, exponent, out, nullptr, true, ws, ex);
}
NTSI_PHASE2(PowTensorScalar)

NTSI_API int aclnnPowScalarTensorGetWorkspaceSize(const aclScalar* self, const aclTensor* exponent, const aclTensor* out,
                                                  uint64_t* ws, aclOpExecutor** ex) {
  return binary_scalar("aclnnPowScalarTensor", NT_OP_pow, 0, exponent, self, out, nullptr, false, ws, ex);
}
NTSI_PHASE2(PowScalarTensor)

// ---------------------------------------------------------------- where, copy, fill, ranges
NTSI_API int aclnnSWhereGetWorkspaceSize(const aclTensor* condition, const aclTensor* self, const aclTensor* other,
                                         aclTensor* out, uint64_t* ws, aclOpExecutor** ex) {
  Op o("aclnnSWhere");
  nt_view c = o.in(condition, "condition"), x = o.in(self, "self"), y = o.in(other, "other"), z = o.in(out, "out");
  nt_args a = args_of(NT_OP_where);
  if (o.ok()) {
    o.check(c.dtype == NT_BOOL, "condition must be bool, got %s", nt_dtype_name(c.dtype));
    o.check(x.dtype == z.dtype && y.dtype == z.dtype, "self, other and out differ in dtype (not emulated)");
    o.check(broadcast_to(c, z, &a.v[0]) && broadcast_to(x, z, &a.v[1]) && broadcast_to(y, z, &a.v[2]),
            "condition, self and other do not broadcast to out's shape");
  }
  a.nviews = 4;
  a.v[3] = z;
  return o.kernel(a, ws, ex);
}
NTSI_PHASE2(SWhere)

NTSI_API int aclnnInplaceCopyGetWorkspaceSize(aclTensor* selfRef, const aclTensor* src, uint64_t* ws, aclOpExecutor** ex) {
  Op o("aclnnInplaceCopy");
  nt_view d = o.in(selfRef, "selfRef"), s = o.in(src, "src");
  nt_args a = args_of(NT_OP_copy);
  if (o.ok()) o.check(broadcast_to(s, d, &a.v[0]), "src does not broadcast to selfRef's shape");
  a.nviews = 2;
  a.v[1] = d;
  return o.kernel(a, ws, ex);
}
NTSI_PHASE2(InplaceCopy)

NTSI_API int aclnnInplaceFillScalarGetWorkspaceSize(aclTensor* selfRef, const aclScalar* value, uint64_t* ws,
                                                    aclOpExecutor** ex) {
  Op o("aclnnInplaceFillScalar");
  nt_args a = args_of(NT_OP_fill);
  a.nviews = 1;
  a.v[0] = o.in(selfRef, "selfRef");
  a.f[0] = o.scalar(value, "value");
  return o.kernel(a, ws, ex);
}
NTSI_PHASE2(InplaceFillScalar)

NTSI_API int aclnnArangeGetWorkspaceSize(const aclScalar* start, const aclScalar* end, const aclScalar* step, aclTensor* out,
                                         uint64_t* ws, aclOpExecutor** ex) {
  Op o("aclnnArange");
  double s = o.scalar(start, "start"), e = o.scalar(end, "end"), st = o.scalar(step, "step");
  nt_view y = o.in(out, "out");
  if (o.ok() && o.check(st != 0, "step must not be 0") &&
      o.check(st > 0 ? s <= e : s >= e, "start, end and step do not form a range")) {
    int64_t n = (int64_t)std::ceil((e - s) / st);
    o.check(y.ndim == 1 && y.shape[0] == n, "outSize from the framework (%lld) differs from the size the kernel computes (%lld)",
            (long long)(y.ndim == 1 ? y.shape[0] : -1), (long long)n);
  }
  nt_args a = args_of(NT_OP_arange);
  a.nviews = 1;
  a.v[0] = y;
  a.f[0] = s;
  a.f[1] = st;
  return o.kernel(a, ws, ex);
}
NTSI_PHASE2(Arange)

NTSI_API int aclnnLinspaceGetWorkspaceSize(const aclScalar* start, const aclScalar* end, int64_t steps, aclTensor* out,
                                           uint64_t* ws, aclOpExecutor** ex) {
  Op o("aclnnLinspace");
  double s = o.scalar(start, "start"), e = o.scalar(end, "end");
  nt_view y = o.in(out, "out");
  if (o.ok()) o.check(steps >= 0 && y.ndim == 1 && y.shape[0] == steps, "out must be 1-D with %lld elements", (long long)steps);
  nt_args a = args_of(NT_OP_arange);
  a.nviews = 1;
  a.v[0] = y;
  a.i[0] = 1;
  a.f[0] = s;
  a.f[1] = steps > 1 ? (e - s) / (double)(steps - 1) : 0;
  a.f[2] = e;
  return o.kernel(a, ws, ex);
}
NTSI_PHASE2(Linspace)
