// ops-index.cpp — the stand-in's indexing aclnn operators (TEST ONLY): IndexSelect, Gather, Take,
// InplaceScatter(Value), ScatterAdd, IndexAdd. Indices must be int32/int64; an index out of range
// fails when the stream runs the op (reported by aclrtSynchronizeStream, as on a device). Not here:
// elementwise or reductions.
#include "ops-common.h"

using namespace ntsi;

namespace {

bool is_index(const nt_view& v) { return v.dtype == NT_I32 || v.dtype == NT_I64; }

bool same_view(const nt_view& a, const nt_view& b) {
  if (a.data != b.data || a.offset != b.offset || !same_shape(a, b) || a.dtype != b.dtype) return false;
  for (int i = 0; i < a.ndim; i++)
    if (a.shape[i] > 1 && a.strides[i] != b.strides[i]) return false;
  return true;
}

// self -> out (if they are different tensors), then the in-place op on out.
int into_out(Op& o, const nt_view& self, const nt_view& out, const nt_args& op, uint64_t* ws, aclOpExecutor** ex) {
  if (same_view(self, out)) return o.kernel(op, ws, ex);
  nt_args cp = args_of(NT_OP_copy);
  cp.nviews = 2;
  cp.v[0] = self;
  cp.v[1] = out;
  return o.finish([cp, op]() {
    std::string e = cpu(cp);
    return e.empty() ? cpu(op) : e;
  }, ws, ex);
}

}  // namespace

NTSI_API int aclnnIndexSelectGetWorkspaceSize(const aclTensor* self, int64_t dim, const aclTensor* index, aclTensor* out,
                                              uint64_t* ws, aclOpExecutor** ex) {
  Op o("aclnnIndexSelect");
  nt_view x = o.in(self, "self"), i = o.in(index, "index"), y = o.in(out, "out");
  nt_args a = args_of(NT_OP_index_select);
  if (o.ok()) {
    o.check(is_index(i) && i.ndim <= 1, "index must be a 1-D int32/int64 tensor");
    int64_t d = o.dim(dim, x.ndim, "dim");
    nt_view want = x;
    if (x.ndim) want.shape[d] = i.ndim ? i.shape[0] : 1;
    o.check(same_shape(want, y) && y.dtype == x.dtype, "out must have self's dtype and shape with index's length at dim");
    a.i[0] = d;
    if (i.ndim == 0) {
      i.ndim = 1;
      i.shape[0] = 1;
      i.strides[0] = 1;
    }
  }
  a.nviews = 3;
  a.v[0] = x;
  a.v[1] = i;
  a.v[2] = y;
  return o.kernel(a, ws, ex);
}
NTSI_PHASE2(IndexSelect)

NTSI_API int aclnnGatherGetWorkspaceSize(const aclTensor* self, int64_t dim, const aclTensor* index, aclTensor* out,
                                         uint64_t* ws, aclOpExecutor** ex) {
  Op o("aclnnGather");
  nt_view x = o.in(self, "self"), i = o.in(index, "index"), y = o.in(out, "out");
  nt_args a = args_of(NT_OP_gather);
  if (o.ok()) {
    o.check(is_index(i) && i.ndim == x.ndim, "index must be int32/int64 with self's number of dims");
    o.check(same_shape(i, y) && y.dtype == x.dtype, "out must have index's shape and self's dtype");
    a.i[0] = o.dim(dim, x.ndim, "dim");
  }
  a.nviews = 3;
  a.v[0] = x;
  a.v[1] = i;
  a.v[2] = y;
  return o.kernel(a, ws, ex);
}
NTSI_PHASE2(Gather)

NTSI_API int aclnnTakeGetWorkspaceSize(const aclTensor* self, const aclTensor* index, aclTensor* out, uint64_t* ws,
                                       aclOpExecutor** ex) {
  Op o("aclnnTake");
  nt_view x = o.in(self, "self"), i = o.in(index, "index"), y = o.in(out, "out");
  if (o.ok()) {
    o.check(is_index(i), "index must be int32/int64");
    o.check(same_shape(i, y) && y.dtype == x.dtype, "out must have index's shape and self's dtype");
  }
  nt_args a = args_of(NT_OP_take);
  a.nviews = 3;
  a.v[0] = x;
  a.v[1] = i;
  a.v[2] = y;
  return o.kernel(a, ws, ex);
}
NTSI_PHASE2(Take)

namespace {
int scatter(const char* name, aclTensor* selfRef, int64_t dim, const aclTensor* index, const aclTensor* src,
            const aclScalar* value, int64_t reduce, uint64_t* ws, aclOpExecutor** ex) {
  Op o(name);
  nt_view x = o.in(selfRef, "selfRef"), i = o.in(index, "index");
  nt_view s = src ? o.in(src, "src") : x;
  double v = value ? o.scalar(value, "value") : 0;
  nt_args a = args_of(NT_OP_scatter);
  if (o.ok()) {
    o.check(reduce == 0, "reduce %lld is not emulated by the stand-in (nodetensor passes 0)", (long long)reduce);
    o.check(is_index(i) && i.ndim == x.ndim, "index must be int32/int64 with selfRef's number of dims");
    o.check(s.dtype == x.dtype, "src must have selfRef's dtype");
    a.i[0] = o.dim(dim, x.ndim, "dim");
  }
  a.nviews = 3;
  a.v[0] = s;
  a.v[1] = i;
  a.v[2] = x;
  a.i[1] = value ? 1 : 0;
  a.f[0] = v;
  return o.kernel(a, ws, ex);
}
}  // namespace

NTSI_API int aclnnInplaceScatterGetWorkspaceSize(aclTensor* selfRef, int64_t dim, const aclTensor* index, const aclTensor* src,
                                                 int64_t reduce, uint64_t* ws, aclOpExecutor** ex) {
  if (!src) return ntsi_error(161001, "aclnnInplaceScatterGetWorkspaceSize: src is a null pointer");
  return scatter("aclnnInplaceScatter", selfRef, dim, index, src, nullptr, reduce, ws, ex);
}
NTSI_PHASE2(InplaceScatter)

NTSI_API int aclnnInplaceScatterValueGetWorkspaceSize(aclTensor* selfRef, int64_t dim, const aclTensor* index,
                                                      const aclScalar* value, int64_t reduce, uint64_t* ws,
                                                      aclOpExecutor** ex) {
  if (!value) return ntsi_error(161001, "aclnnInplaceScatterValueGetWorkspaceSize: value is a null pointer");
  return scatter("aclnnInplaceScatterValue", selfRef, dim, index, nullptr, value, reduce, ws, ex);
}
NTSI_PHASE2(InplaceScatterValue)

NTSI_API int aclnnScatterAddGetWorkspaceSize(const aclTensor* self, int64_t dim, const aclTensor* index, const aclTensor* src,
                                             aclTensor* out, uint64_t* ws, aclOpExecutor** ex) {
  Op o("aclnnScatterAdd");
  nt_view x = o.in(self, "self"), i = o.in(index, "index"), s = o.in(src, "src"), y = o.in(out, "out");
  nt_args a = args_of(NT_OP_scatter_add);
  if (o.ok()) {
    o.check(is_index(i) && i.ndim == x.ndim, "index must be int32/int64 with self's number of dims");
    o.check(same_shape(x, y) && y.dtype == x.dtype && s.dtype == x.dtype, "out and src must match self");
    a.i[0] = o.dim(dim, x.ndim, "dim");
  }
  a.nviews = 3;
  a.v[0] = s;
  a.v[1] = i;
  a.v[2] = y;
  return into_out(o, x, y, a, ws, ex);
}
NTSI_PHASE2(ScatterAdd)

NTSI_API int aclnnIndexAddGetWorkspaceSize(const aclTensor* self, int64_t dim, const aclTensor* index, const aclTensor* source,
                                           const aclScalar* alpha, aclTensor* out, uint64_t* ws, aclOpExecutor** ex) {
  Op o("aclnnIndexAdd");
  nt_view x = o.in(self, "self"), i = o.in(index, "index"), s = o.in(source, "source"), y = o.in(out, "out");
  double al = o.scalar(alpha, "alpha");
  nt_args a = args_of(NT_OP_index_add);
  if (o.ok()) {
    o.check(is_index(i) && i.ndim <= 1, "index must be a 1-D int32/int64 tensor");
    o.check(same_shape(x, y) && y.dtype == x.dtype && s.dtype == x.dtype, "out and source must match self");
    a.i[0] = o.dim(dim, x.ndim, "dim");
  }
  a.nviews = 3;
  a.v[0] = s;
  a.v[1] = i;
  a.v[2] = y;
  a.f[0] = al;
  return into_out(o, x, y, a, ws, ex);
}
NTSI_PHASE2(IndexAdd)
