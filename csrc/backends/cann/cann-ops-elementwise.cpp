// cann-ops-elementwise.cpp — UNARY, BINARY and TERNARY ops of ops.def mapped to aclnn operators.
// Binary inputs keep their broadcast as size-1 dims (aclnn broadcasts natively); scalar operands use
// the aclnn scalar forms where one exists, else a one-element device tensor. Not here: dtype limits
// (cann-caps.cpp) or the two-phase call itself (aclnn-call.h).
#include "../../core/op-table.h"
#include "aclnn-call.h"

namespace ntcann {
namespace {

// ---------------------------------------------------------------- unary: v0 = in, v1 = out
#define NT_UNARY(op, Name) \
  NT_CANN_KERNEL(k_##op) { return NT_ACLNN(c, Name, c.dense(a->v[0]), c.tensor(a->v[1])); }
NT_UNARY(neg, Neg)
NT_UNARY(abs, Abs)
NT_UNARY(sign, Sign)
NT_UNARY(exp, Exp)
NT_UNARY(log, Log)
NT_UNARY(log1p, Log1p)
NT_UNARY(expm1, Expm1)
NT_UNARY(sqrt, Sqrt)
NT_UNARY(rsqrt, Rsqrt)
NT_UNARY(reciprocal, Reciprocal)
NT_UNARY(sin, Sin)
NT_UNARY(cos, Cos)
NT_UNARY(tan, Tan)
NT_UNARY(tanh, Tanh)
NT_UNARY(sigmoid, Sigmoid)
NT_UNARY(relu, Relu)
NT_UNARY(gelu, Gelu)
NT_UNARY(silu, Silu)
NT_UNARY(erf, Erf)
#undef NT_UNARY

NT_CANN_KERNEL(k_square) {
  ntacl::Tensor* x = c.dense(a->v[0]);
  return NT_ACLNN(c, Mul, x, x, c.tensor(a->v[1]));
}
NT_CANN_KERNEL(k_gelu_tanh) { return NT_ACLNN(c, GeluV2, c.dense(a->v[0]), (int64_t)1, c.tensor(a->v[1])); }
NT_CANN_KERNEL(k_softplus) {
  int dt = a->v[0].dtype;
  return NT_ACLNN(c, Softplus, c.dense(a->v[0]), c.scalar(a->f[0], dt), c.scalar(a->f[1], dt), c.tensor(a->v[1]));
}

// floor/ceil/round are the identity on integers: a copy.
#define NT_ROUNDING(op, Name)                                                               \
  NT_CANN_KERNEL(k_##op) {                                                                   \
    if (!nt_dtype_is_float(a->v[0].dtype)) return NT_ACLNN(c, InplaceCopy, c.tensor(a->v[1]), c.tensor(a->v[0])); \
    return NT_ACLNN(c, Name, c.dense(a->v[0]), c.tensor(a->v[1]));                            \
  }
NT_ROUNDING(floor, Floor)
NT_ROUNDING(ceil, Ceil)
NT_ROUNDING(round, Round)
#undef NT_ROUNDING

NT_CANN_KERNEL(k_clamp) {
  int dt = a->v[0].dtype;
  ntacl::Scalar* lo = (a->i[0] & 1) ? c.scalar(a->f[0], dt) : nullptr;
  ntacl::Scalar* hi = (a->i[0] & 2) ? c.scalar(a->f[1], dt) : nullptr;
  return NT_ACLNN(c, Clamp, c.dense(a->v[0]), lo, hi, c.tensor(a->v[1]));
}

NT_CANN_KERNEL(k_logical_not) {
  if (a->v[0].dtype == NT_BOOL) return NT_ACLNN(c, LogicalNot, c.dense(a->v[0]), c.tensor(a->v[1]));
  return NT_ACLNN(c, EqScalar, c.dense(a->v[0]), c.scalar(0, a->v[0].dtype), c.tensor(a->v[1]));  // x == 0
}
NT_CANN_KERNEL(k_isnan) {
  if (!nt_dtype_is_float(a->v[0].dtype)) return NT_ACLNN(c, InplaceFillScalar, c.tensor(a->v[1]), c.scalar(0, NT_BOOL));
  ntacl::Tensor* x = c.dense(a->v[0]);
  return NT_ACLNN(c, NeTensor, x, x, c.tensor(a->v[1]));  // NaN is the only value unequal to itself
}
NT_CANN_KERNEL(k_isinf) {
  if (!nt_dtype_is_float(a->v[0].dtype)) return NT_ACLNN(c, InplaceFillScalar, c.tensor(a->v[1]), c.scalar(0, NT_BOOL));
  return NT_ACLNN(c, IsInf, c.dense(a->v[0]), c.tensor(a->v[1]));
}

// ---------------------------------------------------------------- binary: v0 = a, v1 = b, v2 = out
// Both operands are tensors (size-1 dims where broadcast).
int binary_tensors(Call& c, const nt_args* a, ntacl::Tensor* x, ntacl::Tensor* y) {
  ntacl::Tensor* out = c.tensor(a->v[2]);
  int dt = a->i[0] == 2 ? a->v[1].dtype : a->v[0].dtype;
  switch (a->op) {
    case NT_OP_add: return NT_ACLNN(c, Add, x, y, c.scalar(a->f[1], dt), out);
    case NT_OP_sub: return NT_ACLNN(c, Sub, x, y, c.scalar(a->f[1], dt), out);
    case NT_OP_mul: return NT_ACLNN(c, Mul, x, y, out);
    case NT_OP_div:
      if (a->i[1] == 0) return NT_ACLNN(c, Div, x, y, out);
      return NT_ACLNN(c, DivMod, x, y, (int)a->i[1], out);  // 1 trunc, 2 floor: the same codes as aclnn
    case NT_OP_pow: return NT_ACLNN(c, PowTensorTensor, x, y, out);
    case NT_OP_maximum: return NT_ACLNN(c, Maximum, x, y, out);
    case NT_OP_minimum: return NT_ACLNN(c, Minimum, x, y, out);
    case NT_OP_eq: return NT_ACLNN(c, EqTensor, x, y, out);
    case NT_OP_ne: return NT_ACLNN(c, NeTensor, x, y, out);
    case NT_OP_lt: return NT_ACLNN(c, LtTensor, x, y, out);
    case NT_OP_le: return NT_ACLNN(c, LeTensor, x, y, out);
    case NT_OP_gt: return NT_ACLNN(c, GtTensor, x, y, out);
    case NT_OP_ge: return NT_ACLNN(c, GeTensor, x, y, out);
    case NT_OP_logical_and: return NT_ACLNN(c, LogicalAnd, x, y, out);
    case NT_OP_logical_or: return NT_ACLNN(c, LogicalOr, x, y, out);
  }
  return c.failed("internal: no aclnn mapping for binary op %s", nt_op_name(a->op));
}

// The tensor operand is `x` (v0 when b is the scalar, v1 when a is); returns -1 if no scalar form fits.
int binary_scalar(Call& c, const nt_args* a, ntacl::Tensor* x, int dt) {
  ntacl::Tensor* out = c.tensor(a->v[2]);
  ntacl::Scalar* s = c.scalar(a->f[0], dt);
  bool right = a->i[0] == 1;  // x op s (else s op x)
  switch (a->op) {
    case NT_OP_add:
      if (right) return NT_ACLNN(c, Adds, x, s, c.scalar(a->f[1], dt), out);
      if (a->f[1] == 1) return NT_ACLNN(c, Adds, x, s, c.scalar(1, dt), out);  // s + x
      return -1;
    case NT_OP_sub: return right ? NT_ACLNN(c, Subs, x, s, c.scalar(a->f[1], dt), out) : -1;
    case NT_OP_mul: return NT_ACLNN(c, Muls, x, s, out);
    case NT_OP_div: return right && a->i[1] == 0 ? NT_ACLNN(c, Divs, x, s, out) : -1;
    case NT_OP_pow:
      return right ? NT_ACLNN(c, PowTensorScalar, x, s, out) : NT_ACLNN(c, PowScalarTensor, s, x, out);
    case NT_OP_eq: return NT_ACLNN(c, EqScalar, x, s, out);
    case NT_OP_ne: return NT_ACLNN(c, NeScalar, x, s, out);
    case NT_OP_lt: return right ? NT_ACLNN(c, LtScalar, x, s, out) : NT_ACLNN(c, GtScalar, x, s, out);
    case NT_OP_le: return right ? NT_ACLNN(c, LeScalar, x, s, out) : NT_ACLNN(c, GeScalar, x, s, out);
    case NT_OP_gt: return right ? NT_ACLNN(c, GtScalar, x, s, out) : NT_ACLNN(c, LtScalar, x, s, out);
    case NT_OP_ge: return right ? NT_ACLNN(c, GeScalar, x, s, out) : NT_ACLNN(c, LeScalar, x, s, out);
  }
  return -1;
}

int k_binary_body(Call& c, const nt_args* a) {
  int mode = (int)a->i[0];
  if (mode == 0) {
    const nt_view* in[2] = {&a->v[0], &a->v[1]};
    ntacl::Tensor* t[2];
    c.broadcast_args(in, 2, a->v[2].ndim, t);
    return binary_tensors(c, a, t[0], t[1]);
  }
  const nt_view& tv = a->v[mode == 1 ? 0 : 1];
  ntacl::Tensor* x = c.dense(tv);
  int rc = binary_scalar(c, a, x, tv.dtype);
  if (rc >= 0) return rc;
  // No scalar form: the scalar becomes a one-element tensor of the operand's dtype.
  ntacl::Tensor* s = c.scalar_tensor(a->f[0], tv.dtype, a->v[2].ndim);
  return mode == 1 ? binary_tensors(c, a, x, s) : binary_tensors(c, a, s, x);
}
int k_binary(const nt_args* a, nt_error* err) { return run_kernel(a, err, k_binary_body); }

// ---------------------------------------------------------------- where: v0 cond, v1 a, v2 b, v3 out
NT_CANN_KERNEL(k_where) {
  const nt_view& out = a->v[3];
  // Scalar operands become one-element tensors; the tensor operands broadcast natively.
  const nt_view* in[3];
  int slot[3], n = 0;
  for (int k = 0; k < 3; k++)
    if (k == 0 || !(a->i[0] & (1 << (k - 1)))) {
      in[n] = &a->v[k];
      slot[n++] = k;
    }
  ntacl::Tensor* t[3] = {nullptr, nullptr, nullptr};
  ntacl::Tensor* got[3];
  c.broadcast_args(in, n, out.ndim, got);
  for (int k = 0; k < n; k++) t[slot[k]] = got[k];
  if (a->i[0] & 1) t[1] = c.scalar_tensor(a->f[0], out.dtype, out.ndim);
  if (a->i[0] & 2) t[2] = c.scalar_tensor(a->f[1], out.dtype, out.ndim);
  return NT_ACLNN(c, SWhere, t[0], t[1], t[2], c.tensor(out));
}

}  // namespace

void register_elementwise(nt_kernel_fn* k) {
  k[NT_OP_neg] = k_neg;
  k[NT_OP_abs] = k_abs;
  k[NT_OP_sign] = k_sign;
  k[NT_OP_exp] = k_exp;
  k[NT_OP_log] = k_log;
  k[NT_OP_log1p] = k_log1p;
  k[NT_OP_expm1] = k_expm1;
  k[NT_OP_sqrt] = k_sqrt;
  k[NT_OP_rsqrt] = k_rsqrt;
  k[NT_OP_square] = k_square;
  k[NT_OP_reciprocal] = k_reciprocal;
  k[NT_OP_sin] = k_sin;
  k[NT_OP_cos] = k_cos;
  k[NT_OP_tan] = k_tan;
  k[NT_OP_tanh] = k_tanh;
  k[NT_OP_sigmoid] = k_sigmoid;
  k[NT_OP_relu] = k_relu;
  k[NT_OP_gelu] = k_gelu;
  k[NT_OP_gelu_tanh] = k_gelu_tanh;
  k[NT_OP_silu] = k_silu;
  k[NT_OP_softplus] = k_softplus;
  k[NT_OP_erf] = k_erf;
  k[NT_OP_floor] = k_floor;
  k[NT_OP_ceil] = k_ceil;
  k[NT_OP_round] = k_round;
  k[NT_OP_clamp] = k_clamp;
  k[NT_OP_logical_not] = k_logical_not;
  k[NT_OP_isnan] = k_isnan;
  k[NT_OP_isinf] = k_isinf;
  for (int op : {NT_OP_add, NT_OP_sub, NT_OP_mul, NT_OP_div, NT_OP_pow, NT_OP_maximum, NT_OP_minimum, NT_OP_eq,
                 NT_OP_ne, NT_OP_lt, NT_OP_le, NT_OP_gt, NT_OP_ge, NT_OP_logical_and, NT_OP_logical_or})
    k[op] = k_binary;
  k[NT_OP_where] = k_where;
}

}  // namespace ntcann
