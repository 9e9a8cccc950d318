// cann-ops-data.cpp — COPY, FILL (fill, arange, random) and INDEX ops of ops.def on aclnn. Random
// numbers are drawn on the host with core/philox.h and uploaded, because the cross-device contract
// (same seed, same numbers on cpu, cuda and npu) cannot hold with aclnnInplaceUniform/Normal, which
// use Huawei's generator. Not here: elementwise or reductions.
#include <cstring>
#include <vector>

#include "../../core/op-table.h"
#include "../../core/philox.h"
#include "aclnn-call.h"

namespace ntcann {
namespace {

NT_CANN_KERNEL(k_copy) { return NT_ACLNN(c, InplaceCopy, c.tensor(a->v[1]), c.tensor(a->v[0])); }

NT_CANN_KERNEL(k_fill) {
  return NT_ACLNN(c, InplaceFillScalar, c.tensor(a->v[0]), c.scalar(a->f[0], a->v[0].dtype));
}

NT_CANN_KERNEL(k_arange) {
  const nt_view& out = a->v[0];
  int64_t n = out.shape[0];
  int dt = out.dtype;
  if (a->i[0] == 1) return NT_ACLNN(c, Linspace, c.scalar(a->f[0], NT_F64), c.scalar(a->f[2], NT_F64), n, c.tensor(out));
  // aclnnArange derives the length from (end - start) / step, rounded up: pick an end that leaves no
  // doubt (integers: exact; floats: half a step short of the (n+1)-th value).
  if (nt_dtype_is_float(dt)) {
    double end = a->f[0] + ((double)n - 0.5) * a->f[1];
    return NT_ACLNN(c, Arange, c.scalar(a->f[0], NT_F64), c.scalar(end, NT_F64), c.scalar(a->f[1], NT_F64), c.tensor(out));
  }
  int64_t start = (int64_t)a->f[0], step = (int64_t)a->f[1];
  return NT_ACLNN(c, Arange, c.int_scalar(start), c.int_scalar(start + n * step), c.int_scalar(step), c.tensor(out));
}

// Uploads `nbytes` of host data into the device view `dst` (contiguous, dtype `dt` of the data), by
// way of a pinned staging buffer kept until the stream has passed the copy.
int upload(Call& c, const void* src, size_t nbytes, void* dst) {
  nt_error err;
  void* staging = host_staging(c.dev(), nbytes, &err);
  if (!staging) return c.failed("%s", err.msg);
  memcpy(staging, src, nbytes);
  ntacl::Error rc = g_acl.aclrtMemcpyAsync(dst, nbytes, staging, nbytes, ntacl::kMemcpyHostToDevice, stream_of(c.dev()));
  host_release_after_sync(c.dev(), staging);
  if (rc != ntacl::kSuccess) return c.failed("aclrtMemcpyAsync (host to npu) failed (%s)", acl_error_text(rc).c_str());
  return 0;
}

// rand_uniform / rand_normal / randint: values in logical order on the host (float32 for float32 and
// the 16-bit floats, float64, or int64), uploaded into a contiguous temp, then cast into the output
// view on the device (round to nearest even, as the contract says).
NT_CANN_KERNEL(k_random) {
  const nt_view& out = a->v[0];
  int64_t n = numel_of(out);
  uint64_t seed = (uint64_t)a->i[0], offset = (uint64_t)a->i[1];
  int dt = out.dtype;
  int host_dt = a->op == NT_OP_randint ? NT_I64 : dt == NT_F64 ? NT_F64 : NT_F32;
  std::vector<char> buf((size_t)n * nt_dtype_size(host_dt));
  int bits = nt_uniform_bits(dt);
  for (int64_t e = 0; e < n; e++) {
    nt_philox_block b = nt_philox_at(seed, offset, (uint64_t)e);
    if (a->op == NT_OP_randint) {
      ((int64_t*)buf.data())[e] = nt_randint_value(b, a->i[2], a->i[3]);
    } else {
      double v = a->op == NT_OP_rand_uniform ? nt_rand_uniform_value(b, bits, a->f[0], a->f[1])
                                             : nt_rand_normal_value(b, a->f[0], a->f[1]);
      if (host_dt == NT_F64) ((double*)buf.data())[e] = v;
      else ((float*)buf.data())[e] = (float)v;
    }
  }
  int64_t shape[1] = {n};
  char* direct = (char*)out.data + out.offset * nt_dtype_size(dt);
  if (host_dt == dt && nt_view_is_contiguous(&out) && (uintptr_t)direct % 64 == 0) {  // async copies: 64-byte aligned
    return upload(c, buf.data(), buf.size(), direct);
  }
  nt_view t = c.temp(host_dt, 1, shape);
  if (c.bad() || upload(c, buf.data(), buf.size(), t.data) != 0) return 1;
  // View the temp with the output's shape (row-major = logical order) and cast-copy into out.
  nt_view src = t;
  src.ndim = out.ndim;
  int64_t run = 1;
  for (int i = out.ndim - 1; i >= 0; i--) {
    src.shape[i] = out.shape[i];
    src.strides[i] = run;
    run *= out.shape[i];
  }
  return NT_ACLNN(c, InplaceCopy, c.tensor(out), c.tensor(src));
}

// ---------------------------------------------------------------- indexing (v1 = index, int32/int64)
NT_CANN_KERNEL(k_index_select) {
  return NT_ACLNN(c, IndexSelect, c.dense(a->v[0]), a->i[0], c.tensor(a->v[1]), c.tensor(a->v[2]));
}
NT_CANN_KERNEL(k_gather) {
  return NT_ACLNN(c, Gather, c.dense(a->v[0]), a->i[0], c.dense(a->v[1]), c.tensor(a->v[2]));
}
NT_CANN_KERNEL(k_take) { return NT_ACLNN(c, Take, c.dense(a->v[0]), c.dense(a->v[1]), c.tensor(a->v[2])); }
// scatter / scatter_add / index_add write into v2, which already holds `self`.
NT_CANN_KERNEL(k_scatter) {
  ntacl::Tensor* self = c.tensor(a->v[2]);
  if (a->i[1] == 1)
    return NT_ACLNN(c, InplaceScatterValue, self, a->i[0], c.dense(a->v[1]), c.scalar(a->f[0], a->v[2].dtype), (int64_t)0);
  return NT_ACLNN(c, InplaceScatter, self, a->i[0], c.dense(a->v[1]), c.dense(a->v[0]), (int64_t)0);
}
NT_CANN_KERNEL(k_scatter_add) {
  ntacl::Tensor* self = c.tensor(a->v[2]);
  return NT_ACLNN(c, ScatterAdd, self, a->i[0], c.dense(a->v[1]), c.dense(a->v[0]), self);
}
NT_CANN_KERNEL(k_index_add) {
  ntacl::Tensor* self = c.tensor(a->v[2]);
  return NT_ACLNN(c, IndexAdd, self, a->i[0], c.tensor(a->v[1]), c.dense(a->v[0]), c.scalar(a->f[0], a->v[2].dtype), self);
}

}  // namespace

void register_data(nt_kernel_fn* k) {
  k[NT_OP_copy] = k_copy;
  k[NT_OP_fill] = k_fill;
  k[NT_OP_arange] = k_arange;
  k[NT_OP_rand_uniform] = k_random;
  k[NT_OP_rand_normal] = k_random;
  k[NT_OP_randint] = k_random;
  k[NT_OP_index_select] = k_index_select;
  k[NT_OP_gather] = k_gather;
  k[NT_OP_take] = k_take;
  k[NT_OP_scatter] = k_scatter;
  k[NT_OP_scatter_add] = k_scatter_add;
  k[NT_OP_index_add] = k_index_add;
}

}  // namespace ntcann
