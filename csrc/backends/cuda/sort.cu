// sort.cu — CUDA kernels for sort (stable) and topk (always returned sorted) along one dim, any
// dtype: values become order-preserving keys (values.h: NaN above +inf, -0 == +0), each paired
// with its index so that equal keys keep index order, and every line is bitonic-sorted in scratch
// memory (in shared memory up to 2048 items, global merge steps above). Simple and correct rather
// than fast for huge lines. Not here: the key rules (values.h) or other along-dim ops.
#include "cuda-common.cuh"

namespace ntc {
namespace {

// Items: keys up to 32 bits share a uint64 with the index; 64-bit keys use a pair.
struct wide_item {
  unsigned long long key;
  unsigned int idx, pad;
};
__device__ __forceinline__ bool gt(unsigned long long a, unsigned long long b) { return a > b; }
__device__ __forceinline__ bool gt(const wide_item& a, const wide_item& b) { return a.key > b.key || (a.key == b.key && a.idx > b.idx); }
__device__ __forceinline__ unsigned long long make_item(unsigned long long key, unsigned idx, unsigned long long*) { return key << 32 | idx; }
__device__ __forceinline__ wide_item make_item(unsigned long long key, unsigned idx, wide_item*) { return wide_item{key, idx, 0}; }
__device__ __forceinline__ unsigned item_idx(unsigned long long it) { return (unsigned)(it & 0xffffffffu); }
__device__ __forceinline__ unsigned item_idx(const wide_item& it) { return it.idx; }

struct sort_args {
  const char* in;
  char* vals;
  int64_t* idx;
  nt_offcalc<3> oc;  // line -> line start in (in, values, indices)
  int64_t count, n, kout, P, si, sv, sx;
  unsigned long long flip;
};

template <class T> __device__ __forceinline__ unsigned long long key_at(const T* p) { return nt_sort_key(*p); }
template <> __device__ __forceinline__ unsigned long long key_at<bool>(const bool* p) { return nt_sort_key_bool(*(const uint8_t*)p); }

template <class T, class I>
__global__ void k_make_items(sort_args a, I* items) {
  const int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= a.count * a.P) return;
  const int64_t line = t / a.P, pos = t - line * a.P;
  I it;
  if (pos < a.n) {
    int64_t off[3];
    a.oc.get(line, off);
    it = make_item(key_at((const T*)a.in + off[0] + pos * a.si) ^ a.flip, (unsigned)pos, (I*)nullptr);
  } else {
    it = make_item(~0ull >> (sizeof(I) == 8 ? 32 : 0), 0xffffffffu, (I*)nullptr);
  }
  items[t] = it;
}

template <class I>
__device__ __forceinline__ void cmp_swap(I* s, int64_t i, int64_t l, bool asc) {
  const I x = s[i], y = s[l];
  if (asc ? gt(x, y) : gt(y, x)) { s[i] = y; s[l] = x; }
}

// Bitonic steps inside segments of S items (S <= 2048, S/2 threads): all stages up to S when
// k == 0, else the steps j = S/2 .. 1 of stage k. Directions follow the position within the line.
template <class I>
__global__ void __launch_bounds__(1024) k_bitonic_smem(I* items, int64_t P, int S, int64_t k) {
  extern __shared__ unsigned long long smem_u[];
  I* s = (I*)smem_u;
  const int64_t base = (int64_t)blockIdx.x * S;
  for (int t = threadIdx.x; t < S; t += blockDim.x) s[t] = items[base + t];
  __syncthreads();
  const int64_t k0 = k ? k : 2, k1 = k ? k : S;
  for (int64_t kk = k0; kk <= k1; kk <<= 1) {
    for (int64_t j = (k ? S / 2 : kk / 2); j > 0; j >>= 1) {
      for (int q = threadIdx.x; q < S / 2; q += blockDim.x) {
        const int64_t i = nt_bitonic_first(q, j);
        cmp_swap(s, i, i + j, (((base + i) & (P - 1)) & kk) == 0);
      }
      __syncthreads();
    }
  }
  for (int t = threadIdx.x; t < S; t += blockDim.x) items[base + t] = s[t];
}

// One global step (stage k, distance j >= 2048) over every line: one thread per pair.
template <class I>
__global__ void k_bitonic_global(I* items, int64_t P, int64_t pairs, int64_t j, int64_t k) {
  const int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= pairs) return;
  const int64_t line = t / (P / 2), q = t - line * (P / 2);
  const int64_t i = nt_bitonic_first(q, j);
  cmp_swap(items + line * P, i, i + j, (i & k) == 0);
}

template <class T, class I>
__global__ void k_write(sort_args a, const I* items) {
  const int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= a.count * a.kout) return;
  const int64_t line = t / a.kout, r = t - line * a.kout;
  int64_t off[3];
  a.oc.get(line, off);
  const int64_t i = item_idx(items[line * a.P + r]);
  ((T*)a.vals)[off[1] + r * a.sv] = ((const T*)a.in)[off[0] + i * a.si];
  a.idx[off[2] + r * a.sx] = i;
}

template <class T>
int run_sort(sort_args a, nt_error* err) {
  typedef typename std::conditional<sizeof(T) <= 4, unsigned long long, wide_item>::type I;
  const size_t bytes = sizeof(I) * (size_t)(a.count * a.P);
  I* items = (I*)scratch_alloc(bytes, err);
  if (!items) return 1;
  cudaStream_t s = cur()->stream;
  int rc = 0;
  k_make_items<T, I><<<grid_for(a.count * a.P, 256, INT32_MAX), 256, 0, s>>>(a, items);
  rc = launch_check(err);
  if (!rc && a.P >= 2) {
    const int S = (int)(a.P < 2048 ? a.P : 2048);
    const unsigned segs = (unsigned)(a.count * a.P / S), threads = (unsigned)(S / 2);
    k_bitonic_smem<I><<<segs, threads, S * sizeof(I), s>>>(items, a.P, S, 0);
    rc = launch_check(err);
    for (int64_t k = 2 * S; !rc && k <= a.P; k <<= 1) {
      for (int64_t j = k / 2; !rc && j >= S; j >>= 1) {
        const int64_t pairs = a.count * a.P / 2;
        k_bitonic_global<I><<<grid_for(pairs, 256, INT32_MAX), 256, 0, s>>>(items, a.P, pairs, j, k);
        rc = launch_check(err);
      }
      if (!rc) {
        k_bitonic_smem<I><<<segs, threads, S * sizeof(I), s>>>(items, a.P, S, k);
        rc = launch_check(err);
      }
    }
  }
  if (!rc) {
    k_write<T, I><<<grid_for(a.count * a.kout, 256, INT32_MAX), 256, 0, s>>>(a, items);
    rc = launch_check(err);
  }
  scratch_free(items);
  return rc;
}

template <bool TOPK>
int k_sort(const nt_args* a, nt_error* err) {
  if (a->nviews < 3) return nt_cu_fail(err, "expected 3 views (input, values, indices)");
  if (a->v[1].dtype != a->v[0].dtype)
    return nt_cu_fail(err, "values dtype %s differs from input dtype %s", nt_dtype_name(a->v[1].dtype), nt_dtype_name(a->v[0].dtype));
  if (a->v[2].dtype != NT_I64) return nt_cu_fail(err, "indices must be int64, got %s", nt_dtype_name(a->v[2].dtype));
  const nt_view* v[3] = {&a->v[0], &a->v[1], &a->v[2]};
  nt_lines<3> L;
  if (nt_make_lines<3>(v, a->i[0], &L, err)) return 1;
  if (L.len[2] != L.len[1]) return nt_cu_fail(err, "values and indices differ in size along dim");
  if (!TOPK && L.len[1] != L.len[0]) return nt_cu_fail(err, "values size along dim differs from the input's");
  if (TOPK && L.len[1] > L.len[0])
    return nt_cu_fail(err, "k (%lld) is larger than the dimension size (%lld)", (long long)L.len[1], (long long)L.len[0]);
  if (L.len[0] >= (int64_t(1) << 32) - 1) return nt_cu_fail(err, "dimension of size %lld is too large to sort", (long long)L.len[0]);
  if (L.count == 0 || L.len[1] == 0) return 0;
  const int dt = a->v[0].dtype;
  const int es = nt_dtype_size(dt);
  sort_args s;
  s.in = (const char*)a->v[0].data + L.base[0] * es;
  s.vals = (char*)a->v[1].data + L.base[1] * es;
  s.idx = (int64_t*)a->v[2].data + L.base[2];
  s.oc = nt_make_offcalc<3>(L.nd, L.shape, L.st);
  s.count = L.count;
  s.n = L.len[0];
  s.kout = L.len[1];
  s.P = 1;
  while (s.P < s.n) s.P <<= 1;
  s.si = L.sd[0], s.sv = L.sd[1], s.sx = L.sd[2];
  const bool desc = a->i[1] != 0;
  const int bits = dt == NT_BOOL || dt == NT_U8 ? 8 : 8 * es;
  s.flip = desc ? (bits == 64 ? ~0ull : ((1ull << bits) - 1)) : 0;
  NTC_DISPATCH(dt, T, return run_sort<T>(s, err));
  return nt_cu_fail(err, "unsupported dtype %s", nt_dtype_name(dt));
}

}  // namespace
}  // namespace ntc

void ntc_register_sort(nt_kernel_fn* s) {
  s[NT_OP_sort] = ntc::k_sort<false>;
  s[NT_OP_topk] = ntc::k_sort<true>;
}
