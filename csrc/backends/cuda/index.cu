// index.cu — CUDA kernels for index_select, gather, take, scatter, scatter_add and index_add, with
// every index checked on the device: a bad one is skipped and its logical position recorded, then
// the op fails with the CPU backend's message naming the FIRST bad index. Fresh outputs (gather,
// take, index_select) are zeroed on failure; index_add checks its index before writing anything;
// scatter keeps what was done (as the CPU backend). Duplicate indices: scatter_add and index_add
// accumulate atomically (float sums in any order), scatter's last write is unspecified.
#include "cuda-common.cuh"

namespace ntc {
namespace {

nt_view scalar_as_1d(nt_view v) {
  if (v.ndim == 0) { v.ndim = 1; v.shape[0] = 1; v.strides[0] = 1; }
  return v;
}
nt_view with_shape_of(nt_view v, const nt_view& like) {
  for (int d = 0; d < v.ndim; d++) v.shape[d] = like.shape[d];
  return v;
}
int check_common(const nt_view& idx, nt_error* err) {
  if (nt_cu_check_view(&idx, "index", err)) return 1;
  if (idx.dtype != NT_I64 && idx.dtype != NT_I32)
    return nt_cu_fail(err, "index dtype must be int64 or int32, got %s", nt_dtype_name(idx.dtype));
  return 0;
}
int check_dim(int64_t dim, int ndim, nt_error* err) {
  if (dim < 0 || dim >= ndim) return nt_cu_fail(err, "dim %lld is out of range for a tensor with %d dims", (long long)dim, ndim);
  return 0;
}
#define NTC_INDEX(DT, I, ...) \
  if ((DT) == NT_I64) { typedef int64_t I; __VA_ARGS__; } else { typedef int32_t I; __VA_ARGS__; }

// Fails with the CPU backend's message if the last checked kernel recorded a bad index.
int report(const nt_view& idx, int64_t size, int dim, nt_error* err, const nt_view* zero_out) {
  unsigned long long pos, flags;
  if (take_slot(&pos, &flags, err)) return 1;
  if (pos == ~0ull) return 0;
  int64_t v = 0;
  const int64_t at = nt_view_offset_of(&idx, (int64_t)pos);
  const size_t es = (size_t)nt_dtype_size(idx.dtype);
  cudaError_t e = cudaMemcpyAsync(cur()->host_slot, (const char*)idx.data + at * (int64_t)es, es, cudaMemcpyDeviceToHost, cur()->stream);
  if (e == cudaSuccess) e = cudaStreamSynchronize(cur()->stream);
  if (e != cudaSuccess) return cuda_fail(err, e, "reading a bad index");
  if (es == 8) memcpy(&v, cur()->host_slot, 8);
  else { int32_t w; memcpy(&w, cur()->host_slot, 4); v = w; }
  if (zero_out) fill_view(*zero_out, 0, err);
  if (dim < 0) return nt_cu_fail(err, "index %lld is out of range for a tensor with %lld elements", (long long)v, (long long)size);
  return nt_cu_fail(err, "index %lld is out of range for dimension %d with size %lld", (long long)v, dim, (long long)size);
}

// ---- gather / index_select: out[p] = in[p with the dim coordinate replaced by idx[p]] ----
template <class U, class I>
__global__ void k_gather(U* out, const I* idx, const U* in, nt_offcalc<3> oc, int64_t n, int64_t size, int64_t ist,
                         bool pos_is_dim, int64_t inner, int64_t len, unsigned long long* slot) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < n; t += step) {
    int64_t off[3];
    oc.get(t, off);
    const int64_t v = (int64_t)idx[off[1]];
    if (v < 0 || v >= size) {
      atomicMin(slot, (unsigned long long)(pos_is_dim ? (t / inner) % len : t));  // logical position in idx
      continue;
    }
    out[off[0]] = in[off[2] + v * ist];
  }
}

int gather_run(const nt_view& out, const nt_view& idx_r, const nt_view& in_r, const nt_view& idx, int64_t size,
               int64_t ist, int dim, bool pos_is_dim, int64_t inner, int64_t len, nt_error* err) {
  const nt_view* vs[3] = {&out, &idx_r, &in_r};
  const nt_strided<3> it = nt_make_strided<3>(vs);
  if (it.numel == 0) return 0;
  const nt_offcalc<3> oc = nt_make_offcalc<3>(it);
  NTC_DISPATCH_BITS(out.dtype, U, NTC_INDEX(idx.dtype, I, {
    k_gather<U, I><<<grid_for(it.numel, 256), 256, 0, cur()->stream>>>(
        (U*)out.data + it.base[0], (const I*)idx_r.data + it.base[1], (const U*)in_r.data + it.base[2], oc, it.numel,
        size, ist, pos_is_dim, inner, len, cur()->slot);
  }));
  if (launch_check(err)) return 1;
  return report(idx, size, dim, err, &out);
}

int index_select_kernel(const nt_args* a, nt_error* err) {
  if (a->nviews < 3) return nt_cu_fail(err, "expected 3 views (in, index, out), got %d", (int)a->nviews);
  const nt_view in = scalar_as_1d(a->v[0]), idx = a->v[1], out = scalar_as_1d(a->v[2]);
  if (nt_cu_check_view(&in, "input", err) || check_common(idx, err) || nt_cu_check_view(&out, "output", err)) return 1;
  if (in.dtype != out.dtype) return nt_cu_fail(err, "input dtype %s does not match output dtype %s", nt_dtype_name(in.dtype), nt_dtype_name(out.dtype));
  if (check_dim(a->i[0], in.ndim, err)) return 1;
  const int dim = (int)a->i[0];
  const int64_t L = nt_view_numel(&idx);
  if (idx.ndim > 1) return nt_cu_fail(err, "index must be 1-D, got %d dims", (int)idx.ndim);
  bool ok = out.ndim == in.ndim && out.shape[dim] == L;
  for (int d = 0; d < in.ndim && ok; d++) ok = d == dim || out.shape[d] == in.shape[d];
  if (!ok) {
    char b1[160], b2[160];
    return nt_cu_fail(err, "output shape %s does not match input %s with dim %d of size %lld", nt_cu_shape_str(&out, b1, sizeof b1),
                      nt_cu_shape_str(&in, b2, sizeof b2), dim, (long long)L);
  }
  nt_view idx_r = out, in_r = in;
  idx_r.data = idx.data; idx_r.dtype = idx.dtype; idx_r.offset = idx.offset;
  for (int d = 0; d < out.ndim; d++) idx_r.strides[d] = d == dim ? (idx.ndim ? idx.strides[0] : 0) : 0;
  in_r = with_shape_of(in, out);
  in_r.strides[dim] = 0;
  int64_t inner = 1;
  for (int d = dim + 1; d < out.ndim; d++) inner *= out.shape[d];
  return gather_run(out, idx_r, in_r, idx, in.shape[dim], in.strides[dim], dim, true, inner, L > 0 ? L : 1, err);
}

int gather_kernel(const nt_args* a, nt_error* err) {
  if (a->nviews < 3) return nt_cu_fail(err, "expected 3 views (in, index, out), got %d", (int)a->nviews);
  const nt_view in = scalar_as_1d(a->v[0]), idx = scalar_as_1d(a->v[1]), out = scalar_as_1d(a->v[2]);
  if (nt_cu_check_view(&in, "input", err) || check_common(idx, err) || nt_cu_check_view(&out, "output", err)) return 1;
  if (in.dtype != out.dtype) return nt_cu_fail(err, "input dtype %s does not match output dtype %s", nt_dtype_name(in.dtype), nt_dtype_name(out.dtype));
  if (check_dim(a->i[0], in.ndim, err)) return 1;
  const int dim = (int)a->i[0];
  bool ok = idx.ndim == in.ndim && nt_cu_same_shape(&idx, &out);
  for (int d = 0; d < in.ndim && ok; d++) ok = d == dim || idx.shape[d] <= in.shape[d];
  if (!ok) {
    char b1[160], b2[160], b3[160];
    return nt_cu_fail(err, "index shape %s must match output %s and not exceed input %s outside dim %d", nt_cu_shape_str(&idx, b1, sizeof b1),
                      nt_cu_shape_str(&out, b2, sizeof b2), nt_cu_shape_str(&in, b3, sizeof b3), dim);
  }
  nt_view in_r = with_shape_of(in, idx);
  in_r.strides[dim] = 0;
  return gather_run(out, idx, in_r, idx, in.shape[dim], in.strides[dim], dim, false, 1, 1, err);
}

// ---- take: flat row-major index into in (negative wraps once) ----
template <class U, class I>
__global__ void k_take(U* out, const I* idx, const U* in, nt_offcalc<2> oc, nt_offcalc<1> ioc, bool flat, int64_t n, int64_t N,
                       unsigned long long* slot) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < n; t += step) {
    int64_t off[2];
    oc.get(t, off);
    int64_t v = (int64_t)idx[off[1]];
    if (v < 0) v += N;
    if (v < 0 || v >= N) { atomicMin(slot, (unsigned long long)t); continue; }
    int64_t io = v;
    if (!flat) ioc.get(v, &io);
    out[off[0]] = in[io];
  }
}

int take_kernel(const nt_args* a, nt_error* err) {
  if (a->nviews < 3) return nt_cu_fail(err, "expected 3 views (in, index, out), got %d", (int)a->nviews);
  const nt_view &in = a->v[0], &idx = a->v[1], &out = a->v[2];
  if (nt_cu_check_view(&in, "input", err) || check_common(idx, err) || nt_cu_check_view(&out, "output", err)) return 1;
  if (in.dtype != out.dtype) return nt_cu_fail(err, "input dtype %s does not match output dtype %s", nt_dtype_name(in.dtype), nt_dtype_name(out.dtype));
  if (!nt_cu_same_shape(&idx, &out)) return nt_cu_fail(err, "output shape does not match the index shape");
  const nt_view* vs[2] = {&out, &idx};
  const nt_strided<2> it = nt_make_strided<2>(vs);
  if (nt_view_numel(&idx) == 0) return 0;
  const int64_t N = nt_view_numel(&in);
  const nt_view* iv[1] = {&in};
  const nt_strided<1> iit = nt_make_strided<1>(iv);
  const bool flat = iit.contiguous;
  NTC_DISPATCH_BITS(in.dtype, U, NTC_INDEX(idx.dtype, I, {
    k_take<U, I><<<grid_for(it.numel, 256), 256, 0, cur()->stream>>>(
        (U*)out.data + it.base[0], (const I*)idx.data + it.base[1], (const U*)in.data + in.offset, nt_make_offcalc<2>(it),
        nt_make_offcalc<1>(iit), flat, it.numel, N, cur()->slot);
  }));
  if (launch_check(err)) return 1;
  return report(idx, N, -1, err, &out);
}

// ---- scatter / scatter_add / index_add: out[p with dim = idx[q]] (+)= src[q] over an iteration shape ----
template <class D>
__device__ __forceinline__ void atomic_acc(D* p, nt_compute_t<D> v) {
  if constexpr (std::is_same<D, float>::value || std::is_same<D, double>::value || std::is_same<D, int32_t>::value) {
    atomicAdd(p, v);
  } else if constexpr (std::is_same<D, int64_t>::value) {
    atomicAdd((unsigned long long*)p, (unsigned long long)v);
  } else if constexpr (sizeof(D) == 2) {  // 16-bit floats: add in float, round once (as the CPU backend)
    unsigned short* w = (unsigned short*)p;
    unsigned short old = *w, assumed;
    do {
      assumed = old;
      D cur;
      cur.bits = assumed;
      D next;
      st(&next, ld(&cur) + v);
      old = atomicCAS(w, assumed, next.bits);
    } while (old != assumed);
  } else {  // uint8 (wrapping add) and bool (or): CAS on the aligned 32-bit word holding the byte
    unsigned int* w = (unsigned int*)((uintptr_t)p & ~(uintptr_t)3);
    const unsigned shift = 8 * (unsigned)((uintptr_t)p & 3);
    unsigned int old = *w, assumed;
    do {
      assumed = old;
      const unsigned byte = (assumed >> shift) & 0xff;
      unsigned nb;
      if constexpr (std::is_same<D, bool>::value) nb = (byte != 0 || v) ? 1 : 0;
      else nb = (byte + (unsigned)v) & 0xff;
      old = atomicCAS(w, assumed, (assumed & ~(0xffu << shift)) | (nb << shift));
    } while (old != assumed);
  }
}

template <class D, class I, bool ADD>
__global__ void k_scatter(const I* idx, D* out, const D* src, nt_offcalc<3> oc, int64_t n, int64_t size, int64_t ost,
                          bool scalar, D sv, nt_compute_t<D> alpha, bool scaled, unsigned long long* slot) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < n; t += step) {
    int64_t off[3];
    oc.get(t, off);
    const int64_t v = (int64_t)idx[off[0]];
    if (v < 0 || v >= size) { atomicMin(slot, (unsigned long long)t); continue; }
    D* po = out + off[1] + v * ost;
    const D x = scalar ? sv : src[off[2]];
    if constexpr (ADD) {
      nt_compute_t<D> y = ld(&x);
      if (scaled) {
        if constexpr (std::is_same<D, bool>::value) y = y && alpha;
        else if constexpr (std::is_integral<D>::value) y = (nt_compute_t<D>)((uint64_t)alpha * (uint64_t)(int64_t)y);
        else y = alpha * y;
      }
      atomic_acc(po, y);
    } else {
      *po = x;
    }
  }
}

template <bool ADD>
int scatter_run(const nt_args* a, const nt_view& idx_r, const nt_view& out_r, const nt_view& src_r, const nt_view& out, int dim,
                bool scalar, bool scaled, nt_error* err) {
  const nt_view* vs[3] = {&idx_r, &out_r, &src_r};
  const nt_strided<3> it = nt_make_strided<3>(vs);
  if (it.numel == 0) return 0;
  const nt_offcalc<3> oc = nt_make_offcalc<3>(it);
  NTC_DISPATCH(out.dtype, D, NTC_INDEX(idx_r.dtype, I, {
    typedef nt_compute_t<D> C;
    const D sv = nt_storage_from_double<D>(a->f[0]);
    const C alpha = std::is_integral<C>::value && !std::is_same<C, bool>::value ? (C)nt_sat_trunc_d<int64_t>(a->f[0])
                                                                                : nt_convert<D>(a->f[0]);
    k_scatter<D, I, ADD><<<grid_for(it.numel, 256), 256, 0, cur()->stream>>>(
        (const I*)idx_r.data + it.base[0], (D*)out_r.data + it.base[1], (const D*)src_r.data + it.base[2], oc, it.numel,
        out.shape[dim], out.strides[dim], scalar, sv, alpha, scaled, cur()->slot);
  }));
  return launch_check(err);
}

template <bool ADD>
int scatter_kernel(const nt_args* a, nt_error* err) {
  if (a->nviews < 3) return nt_cu_fail(err, "expected 3 views (src, index, out), got %d", (int)a->nviews);
  const bool scalar = a->i[1] == 1;
  const nt_view src = scalar_as_1d(a->v[0]), idx = scalar_as_1d(a->v[1]), out = scalar_as_1d(a->v[2]);
  if (check_common(idx, err) || nt_cu_check_view(&out, "output", err) || check_dim(a->i[0], out.ndim, err)) return 1;
  if (!scalar && nt_cu_check_view(&src, "src", err)) return 1;
  if (!scalar && src.dtype != out.dtype)
    return nt_cu_fail(err, "src dtype %s does not match output dtype %s", nt_dtype_name(src.dtype), nt_dtype_name(out.dtype));
  const int dim = (int)a->i[0];
  bool ok = idx.ndim == out.ndim && (scalar || src.ndim == idx.ndim);
  for (int d = 0; d < idx.ndim && ok; d++) ok = (d == dim || idx.shape[d] <= out.shape[d]) && (scalar || idx.shape[d] <= src.shape[d]);
  if (!ok) {
    char b1[160], b2[160], b3[160];
    return nt_cu_fail(err, "index shape %s must not exceed src %s, nor output %s outside dim %d", nt_cu_shape_str(&idx, b1, sizeof b1),
                      scalar ? "(scalar)" : nt_cu_shape_str(&src, b2, sizeof b2), nt_cu_shape_str(&out, b3, sizeof b3), dim);
  }
  if (nt_view_numel(&idx) == 0) return 0;
  nt_view out_r = with_shape_of(out, idx);
  out_r.strides[dim] = 0;
  const nt_view src_r = scalar ? idx : with_shape_of(src, idx);
  nt_args b = *a;
  b.f[0] = scalar ? a->f[0] : 1;
  if (scatter_run<ADD>(&b, idx, out_r, src_r, out, dim, scalar, false, err)) return 1;
  return report(idx, out.shape[dim], dim, err, nullptr);
}

template <class I>
__global__ void k_check_1d(const I* p, int64_t st, int64_t n, int64_t size, unsigned long long* slot) {
  const int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (t < n && (p[t * st] < 0 || (int64_t)p[t * st] >= size)) atomicMin(slot, (unsigned long long)t);
}

int index_add_kernel(const nt_args* a, nt_error* err) {
  if (a->nviews < 3) return nt_cu_fail(err, "expected 3 views (src, index, out), got %d", (int)a->nviews);
  const nt_view src = scalar_as_1d(a->v[0]), idx = a->v[1], out = scalar_as_1d(a->v[2]);
  if (nt_cu_check_view(&src, "src", err) || check_common(idx, err) || nt_cu_check_view(&out, "output", err)) return 1;
  if (src.dtype != out.dtype) return nt_cu_fail(err, "src dtype %s does not match output dtype %s", nt_dtype_name(src.dtype), nt_dtype_name(out.dtype));
  if (check_dim(a->i[0], out.ndim, err)) return 1;
  const int dim = (int)a->i[0];
  const int64_t L = nt_view_numel(&idx);
  if (idx.ndim > 1) return nt_cu_fail(err, "index must be 1-D, got %d dims", (int)idx.ndim);
  bool ok = src.ndim == out.ndim && src.shape[dim] == L;
  for (int d = 0; d < out.ndim && ok; d++) ok = d == dim || src.shape[d] == out.shape[d];
  if (!ok) {
    char b1[160], b2[160];
    return nt_cu_fail(err, "src shape %s does not match output %s with dim %d of size %lld", nt_cu_shape_str(&src, b1, sizeof b1),
                      nt_cu_shape_str(&out, b2, sizeof b2), dim, (long long)L);
  }
  if (L > 0) {  // check the whole index before writing anything (the output is updated in place)
    const int64_t ist = idx.ndim ? idx.strides[0] : 0;
    NTC_INDEX(idx.dtype, I, k_check_1d<I><<<grid_for(L, 256, INT32_MAX), 256, 0, cur()->stream>>>(
                                (const I*)idx.data + idx.offset, ist, L, out.shape[dim], cur()->slot));
    if (launch_check(err) || report(idx, out.shape[dim], dim, err, nullptr)) return 1;
  }
  if (nt_view_numel(&src) == 0) return 0;
  nt_view idx_r = src, out_r = out;
  idx_r.data = idx.data; idx_r.dtype = idx.dtype; idx_r.offset = idx.offset;
  for (int d = 0; d < src.ndim; d++) idx_r.strides[d] = d == dim ? (idx.ndim ? idx.strides[0] : 0) : 0;
  out_r = with_shape_of(out, src);
  out_r.strides[dim] = 0;
  return scatter_run<true>(a, idx_r, out_r, src, out, dim, false, true, err);
}

}  // namespace
}  // namespace ntc

void ntc_register_index(nt_kernel_fn* s) {
  s[NT_OP_index_select] = ntc::index_select_kernel;
  s[NT_OP_gather] = ntc::gather_kernel;
  s[NT_OP_scatter] = ntc::scatter_kernel<false>;
  s[NT_OP_scatter_add] = ntc::scatter_kernel<true>;
  s[NT_OP_index_add] = ntc::index_add_kernel;
  s[NT_OP_take] = ntc::take_kernel;
}
