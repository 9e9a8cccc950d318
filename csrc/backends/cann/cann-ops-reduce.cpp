// cann-ops-reduce.cpp — REDUCE, DIM, SORT and MATMUL ops of ops.def on aclnn. Reductions keep their
// dims (keepDim = true: ops.def's output has the input's ndim); fp32 matmul keeps float32 (cubeMathType
// KEEP_DTYPE) unless the user allowed the reduced-precision path (nt.npu.matmul.allowHF32).
// Not here: elementwise or indexing ops.
#include <cmath>

#include "../../core/op-table.h"
#include "aclnn-call.h"

namespace ntcann {
namespace {

// Dims set in a reduce mask, and the number of elements they cover.
int mask_dims(const nt_args* a, int64_t* dims, int64_t* count) {
  int n = 0;
  *count = 1;
  for (int d = 0; d < a->v[0].ndim; d++)
    if (a->i[0] & (int64_t(1) << d)) {
      dims[n++] = d;
      *count *= a->v[0].shape[d];
    }
  return n;
}

// Value of a reduction over nothing (an empty input with a non-empty output), as PyTorch defines it.
double empty_value(int op) {
  switch (op) {
    case NT_OP_prod: case NT_OP_all: return 1;
    case NT_OP_var: return NAN;
    default: return 0;  // sum, any
  }
}

NT_CANN_KERNEL(k_reduce) {
  const nt_view& in = a->v[0];
  const nt_view& outv = a->v[1];
  int odt = outv.dtype;
  int64_t dims[NT_MAX_DIMS], count = 1;
  int nd = mask_dims(a, dims, &count);
  ntacl::Tensor* out = c.tensor(outv);
  if (numel_of(in) == 0) {  // sum: 0 * scale (NaN for a mean over nothing)
    double v = a->op == NT_OP_sum ? 0 * a->f[0] : empty_value(a->op);
    return NT_ACLNN(c, InplaceFillScalar, out, c.scalar(v, odt));
  }
  if (nd == 0 && a->op != NT_OP_argmax && a->op != NT_OP_argmin) {
    // Nothing reduced (an empty dims list would mean "all dims" to aclnn): a copy, then the scale.
    if (a->op == NT_OP_var) return NT_ACLNN(c, InplaceFillScalar, out, c.scalar(a->f[0] >= 1 ? NAN : 0, odt));
    if (NT_ACLNN(c, InplaceCopy, out, c.tensor(in)) != 0) return 1;
    if (a->op == NT_OP_sum && a->f[0] != 1) return NT_ACLNN(c, InplaceMuls, out, c.scalar(a->f[0], odt));
    return 0;
  }
  ntacl::Tensor* x = c.dense(in);
  switch (a->op) {
    case NT_OP_sum: {
      double scale = a->f[0];
      if (scale != 1 && nt_dtype_is_float(odt) && std::fabs(scale * (double)count - 1) < 1e-12)
        return NT_ACLNN(c, Mean, x, c.ints(dims, nd), true, acl_dtype(odt), out);
      if (NT_ACLNN(c, ReduceSum, x, c.ints(dims, nd), true, acl_dtype(odt), out) != 0) return 1;
      return scale == 1 ? 0 : NT_ACLNN(c, InplaceMuls, out, c.scalar(scale, odt));
    }
    case NT_OP_prod: {
      // aclnnProdDim reduces one dim: chain it, the last step writing the output.
      nt_view cur = in;
      ntacl::Tensor* src = x;
      for (int k = 0; k < nd; k++) {
        cur.shape[dims[k]] = 1;
        ntacl::Tensor* dst = out;
        if (k + 1 < nd) {
          nt_view t = c.temp(odt, cur.ndim, cur.shape);
          if (c.bad()) return 1;
          dst = c.tensor(t);
        }
        if (NT_ACLNN(c, ProdDim, src, dims[k], true, acl_dtype(odt), dst) != 0) return 1;
        src = dst;
      }
      return 0;
    }
    case NT_OP_amax: return NT_ACLNN(c, Amax, x, c.ints(dims, nd), true, out);
    case NT_OP_amin: return NT_ACLNN(c, Amin, x, c.ints(dims, nd), true, out);
    case NT_OP_argmax: return NT_ACLNN(c, ArgMax, x, nd ? dims[0] : 0, true, out);
    case NT_OP_argmin: return NT_ACLNN(c, ArgMin, x, nd ? dims[0] : 0, true, out);
    case NT_OP_var: {
      int64_t corr = (int64_t)a->f[0];
      if (a->i[1] == 1) return NT_ACLNN(c, Std, x, c.ints(dims, nd), corr, true, out);
      return NT_ACLNN(c, VarCorrection, x, c.ints(dims, nd), corr, true, out);
    }
    case NT_OP_all: return NT_ACLNN(c, All, x, c.ints(dims, nd), true, out);
    case NT_OP_any: return NT_ACLNN(c, Any, x, c.ints(dims, nd), true, out);
  }
  return c.failed("internal: no aclnn mapping for reduction %s", nt_op_name(a->op));
}

// ---------------------------------------------------------------- along one dim: v0 in, v1 out
NT_CANN_KERNEL(k_dim) {
  ntacl::Tensor* x = c.dense(a->v[0]);
  ntacl::Tensor* out = c.tensor(a->v[1]);
  int64_t dim = a->i[0];
  int odt = acl_dtype(a->v[1].dtype);
  switch (a->op) {
    case NT_OP_softmax: return NT_ACLNN(c, Softmax, x, dim, out);
    case NT_OP_log_softmax: return NT_ACLNN(c, LogSoftmax, x, dim, out);
    case NT_OP_cumsum: return NT_ACLNN(c, Cumsum, x, dim, odt, out);
    case NT_OP_cumprod: return NT_ACLNN(c, Cumprod, x, c.int_scalar(dim), odt, out);
  }
  return c.failed("internal: no aclnn mapping for %s", nt_op_name(a->op));
}

// sort: i[0] dim, i[1] descending, i[2] stable; topk: i[0] dim, i[1] largest, i[2] sorted.
NT_CANN_KERNEL(k_sort) {
  ntacl::Tensor* x = c.dense(a->v[0]);
  ntacl::Tensor* values = c.tensor(a->v[1]);
  ntacl::Tensor* indices = c.tensor(a->v[2]);
  int64_t dim = a->i[0];
  if (a->op == NT_OP_sort) return NT_ACLNN(c, Sort, x, a->i[2] != 0, dim, a->i[1] != 0, values, indices);
  int64_t k = a->v[1].shape[dim];
  return NT_ACLNN(c, Topk, x, k, dim, a->i[1] != 0, a->i[2] != 0, values, indices);
}

// ---------------------------------------------------------------- matmul
// out = alpha * a @ b + beta * out; batch dims arrive broadcast (stride 0) and go to aclnn as size 1.
int matmul_into(Call& c, const nt_args* a, ntacl::Tensor* out, int8_t cube) {
  const nt_view& A = a->v[0];
  const nt_view& B = a->v[1];
  int nd = a->v[2].ndim;
  const nt_view* in[2] = {&A, &B};
  ntacl::Tensor* t[2];
  c.broadcast_args(in, 2, nd - 2, t);  // batch dims broadcast; a stride-0 row/column is materialised
  ntacl::Tensor *x = t[0], *y = t[1];
  if (nd == 2) return NT_ACLNN(c, Mm, x, y, out, cube);
  if (nd == 3 && !has_broadcast(A) && !has_broadcast(B)) return NT_ACLNN(c, BatchMatMul, x, y, out, cube);
  return NT_ACLNN(c, Matmul, x, y, out, cube);
}

NT_CANN_KERNEL(k_matmul) {
  const nt_view& outv = a->v[2];
  int odt = outv.dtype;
  int8_t cube = allow_hf32() ? ntacl::kAllowFp32DownPrecision : ntacl::kKeepDtype;
  double alpha = a->f[0], beta = a->f[1];
  ntacl::Tensor* out = c.tensor(outv);
  int64_t K = a->v[0].shape[a->v[0].ndim - 1];
  if (K == 0) {  // an empty sum: beta * out
    if (beta == 0) return NT_ACLNN(c, InplaceFillScalar, out, c.scalar(0, odt));
    return beta == 1 ? 0 : NT_ACLNN(c, InplaceMuls, out, c.scalar(beta, odt));
  }
  if (beta == 0) {
    if (matmul_into(c, a, out, cube) != 0) return 1;
    return alpha == 1 ? 0 : NT_ACLNN(c, InplaceMuls, out, c.scalar(alpha, odt));
  }
  nt_view t = c.temp(odt, outv.ndim, outv.shape);
  if (c.bad()) return 1;
  ntacl::Tensor* prod = c.tensor(t);
  if (matmul_into(c, a, prod, cube) != 0) return 1;
  if (beta != 1 && NT_ACLNN(c, InplaceMuls, out, c.scalar(beta, odt)) != 0) return 1;
  return NT_ACLNN(c, InplaceAdd, out, prod, c.scalar(alpha, odt));
}

}  // namespace

void register_reduce(nt_kernel_fn* k) {
  for (int op : {NT_OP_sum, NT_OP_prod, NT_OP_amax, NT_OP_amin, NT_OP_argmax, NT_OP_argmin, NT_OP_var, NT_OP_all,
                 NT_OP_any})
    k[op] = k_reduce;
  for (int op : {NT_OP_softmax, NT_OP_log_softmax, NT_OP_cumsum, NT_OP_cumprod}) k[op] = k_dim;
  k[NT_OP_sort] = k_sort;
  k[NT_OP_topk] = k_sort;
  k[NT_OP_matmul] = k_matmul;
}

}  // namespace ntcann
