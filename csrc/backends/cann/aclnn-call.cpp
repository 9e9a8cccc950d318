// aclnn-call.cpp — aclTensor construction (base pointer + element offset + strides), scalars, temps,
// the workspace handling of the two-phase call, and the per-kernel wrapper. Not here: op mappings.
#include "aclnn-call.h"

#include <stdarg.h>
#include <stdio.h>

#include "../../core/op-table.h"

namespace ntcann {

int acl_dtype(int dt) {
  switch (dt) {
    case NT_F32: return ntacl::kFloat;
    case NT_F64: return ntacl::kDouble;
    case NT_F16: return ntacl::kFloat16;
    case NT_BF16: return ntacl::kBf16;
    case NT_I32: return ntacl::kInt32;
    case NT_I64: return ntacl::kInt64;
    case NT_U8: return ntacl::kUint8;
    default: return ntacl::kBool;
  }
}

int64_t numel_of(const nt_view& v) { return nt_view_numel(&v); }

bool has_broadcast(const nt_view& v) {
  for (int i = 0; i < v.ndim; i++)
    if (v.strides[i] == 0 && v.shape[i] > 1) return true;
  return false;
}

namespace {
const char* recent_error() {
  const char* m = g_acl.aclGetRecentErrMsg ? g_acl.aclGetRecentErrMsg() : nullptr;
  return m && *m ? m : "no detail from aclGetRecentErrMsg";
}
}  // namespace

Call::Call(nt_error* err) : dev_(queue_device()), err_(err) {}

Call::~Call() {
  for (ntacl::Tensor* t : tensors_) g_acl.aclDestroyTensor(t);
  for (ntacl::Scalar* s : scalars_) g_acl.aclDestroyScalar(s);
  for (ntacl::IntArray* a : arrays_) g_acl.aclDestroyIntArray(a);
  for (void* p : temps_) dev_release(dev_, p);
}

int Call::failed(const char* fmt, ...) {
  if (bad_) return 1;
  bad_ = true;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err_->msg, NT_ERR_LEN, fmt, ap);
  va_end(ap);
  return 1;
}

ntacl::Tensor* Call::make(void* base, int dtype, int ndim, const int64_t* shape, const int64_t* strides,
                          int64_t offset) {
  int64_t st[NT_MAX_DIMS + 1], dims[NT_MAX_DIMS + 1];
  int64_t numel = 1, extent = offset + 1, run = 1;
  for (int i = ndim - 1; i >= 0; i--) {
    dims[i] = shape[i];
    st[i] = shape[i] == 1 ? run : strides[i];
    run *= shape[i] > 0 ? shape[i] : 1;
    numel *= shape[i];
    if (shape[i] > 0) extent += (shape[i] - 1) * strides[i];
  }
  if (numel == 0) extent = offset;
  void* data = base;
  int64_t off = offset, storage = extent;
  if (g_debug.misalign) {  // NOTE: deliberately wrong (negative test): a pre-offset pointer
    data = (char*)base + offset * nt_dtype_size(dtype);
    off = 0;
    storage = extent - offset;
  }
  if (g_debug.short_storage) storage = numel;  // NOTE: deliberately wrong (negative test)
  ntacl::Tensor* t = g_acl.aclCreateTensor(dims, (uint64_t)ndim, acl_dtype(dtype), st, off, ntacl::kFormatND,
                                           &storage, 1, data);
  if (!t) {
    failed("aclCreateTensor failed for a %s view of %d dims at offset %lld (%s)", nt_dtype_name(dtype), ndim,
           (long long)offset, recent_error());
    return nullptr;
  }
  tensors_.push_back(t);
  return t;
}

ntacl::Tensor* Call::tensor(const nt_view& v) {
  return make(v.data, v.dtype, v.ndim, v.shape, v.strides, v.offset);
}

void Call::broadcast_args(const nt_view* const* in, int n, int upto, ntacl::Tensor** out) {
  nt_view s[NT_MAX_VIEWS];
  for (int k = 0; k < n; k++) s[k] = *in[k];
  for (int d = 0; d < upto; d++) {
    int broadcast = 0;
    for (int k = 0; k < n; k++) broadcast += in[k]->strides[d] == 0 && in[k]->shape[d] > 1;
    if (broadcast == 0) continue;
    for (int k = 0; k < n; k++) {
      if (broadcast == n && k == 0) continue;  // keep one full-size operand (materialised below)
      if (in[k]->strides[d] == 0) s[k].shape[d] = 1;
    }
  }
  for (int k = 0; k < n; k++) out[k] = dense(s[k]);
}

ntacl::Tensor* Call::dense(const nt_view& v) {
  if (!has_broadcast(v)) return tensor(v);
  nt_view t = temp(v.dtype, v.ndim, v.shape);
  if (bad_) return nullptr;
  ntacl::Tensor* dst = tensor(t);
  if (NT_ACLNN(*this, InplaceCopy, dst, tensor(v)) != 0) return nullptr;
  return dst;
}

ntacl::Scalar* Call::scalar(double v, int dt) {
  ntacl::Scalar* s;
  if (nt_dtype_is_float(dt)) {
    s = g_acl.aclCreateScalar(&v, ntacl::kDouble);
  } else if (dt == NT_BOOL) {
    bool b = v != 0;
    s = g_acl.aclCreateScalar(&b, ntacl::kBool);
  } else {
    int64_t i = (int64_t)v;
    s = g_acl.aclCreateScalar(&i, ntacl::kInt64);
  }
  if (!s) {
    failed("aclCreateScalar failed (%s)", recent_error());
    return nullptr;
  }
  scalars_.push_back(s);
  return s;
}

ntacl::Scalar* Call::int_scalar(int64_t v) {
  ntacl::Scalar* s = g_acl.aclCreateScalar(&v, ntacl::kInt64);
  if (!s) {
    failed("aclCreateScalar failed (%s)", recent_error());
    return nullptr;
  }
  scalars_.push_back(s);
  return s;
}

ntacl::IntArray* Call::ints(const int64_t* v, int n) {
  int64_t dummy = 0;
  ntacl::IntArray* a = g_acl.aclCreateIntArray(n ? v : &dummy, (uint64_t)n);
  if (!a) {
    failed("aclCreateIntArray failed (%s)", recent_error());
    return nullptr;
  }
  arrays_.push_back(a);
  return a;
}

nt_view Call::temp(int dtype, int ndim, const int64_t* shape) {
  nt_view v;
  v.dtype = dtype;
  v.ndim = ndim;
  v.offset = 0;
  v.data = nullptr;
  int64_t n = 1;
  for (int i = ndim - 1; i >= 0; i--) {
    v.shape[i] = shape[i];
    v.strides[i] = n;
    n *= shape[i];
  }
  if (bad_) return v;
  v.data = dev_alloc(dev_, (size_t)(n > 0 ? n : 1) * nt_dtype_size(dtype), err_);
  if (!v.data) {
    bad_ = true;
    return v;
  }
  temps_.push_back(v.data);
  return v;
}

ntacl::Tensor* Call::scalar_tensor(double value, int dtype, int ndim) {
  int64_t one[NT_MAX_DIMS] = {1, 1, 1, 1, 1, 1, 1, 1};
  nt_view t = temp(dtype, ndim, one);
  if (bad_) return nullptr;
  ntacl::Tensor* x = tensor(t);
  if (NT_ACLNN(*this, InplaceFillScalar, x, scalar(value, dtype)) != 0) return nullptr;
  return x;
}

int Call::execute(int id, uint64_t size, ntacl::Executor* ex) {
  void* ws = nullptr;
  if (size) {
    ws = dev_alloc(dev_, (size_t)size, err_);
    if (!ws) {
      bad_ = true;
      return 1;
    }
  }
  ntacl::Stream stream = stream_of(dev_);
  ntacl::Status st = g_acl.run[id](ws, size, ex, stream);
  if (st == 0 && g_debug.reuse_executor) st = g_acl.run[id](ws, size, ex, stream);  // NOTE: negative test
  if (ws) {
    if (g_debug.free_workspace) g_acl.aclrtFree(ws);  // NOTE: negative test: freed before the stream ran it
    else dev_release(dev_, ws);  // stream-ordered: only later work can reuse it
  }
  if (st != 0) return failed("%s failed (%s)", aclnn_name(id), acl_error_text(st).c_str());
  return 0;
}

namespace {
// The view an op writes (ops.def), to skip ops with nothing to write.
int out_view(int op) {
  switch (nt_op_kind_of(op)) {
    case NT_KIND_UNARY: case NT_KIND_COPY: case NT_KIND_REDUCE: case NT_KIND_DIM: case NT_KIND_SORT: return 1;
    case NT_KIND_BINARY: case NT_KIND_MATMUL: case NT_KIND_INDEX: return 2;
    case NT_KIND_TERNARY: return 3;
    default: return 0;
  }
}
}  // namespace

int run_kernel(const nt_args* a, nt_error* err, int (*body)(Call&, const nt_args*)) {
  int ov = out_view(a->op);
  if (ov < a->nviews && numel_of(a->v[ov]) == 0) return 0;
  int dev = queue_device();
  std::lock_guard<std::recursive_mutex> lk(stream_mutex(dev));
  if (ensure_bound(dev, err) != 0) return 1;
  Call c(err);
  int rc = body(c, a);
  return rc != 0 || c.bad() ? 1 : 0;
}

}  // namespace ntcann
