// reduce.cu — CUDA kernels for the REDUCE ops: sum (and mean by its scale), prod, amax/amin, all/any,
// argmax/argmin (first extreme, NaN wins) and var/std (Welford, float dtypes). One engine: each
// output is folded by a group of threads (along x when the reduced walk is contiguous, else along y
// so that neighbouring outputs are read together), split over blocks when outputs are few.
// Not here: softmax/cumsum (softmax.cu), sort/topk (sort.cu).
#include <math.h>

#include <limits>

#include "combine.h"
#include "cuda-common.cuh"

namespace ntc {
namespace {

struct red_args {
  const char* in;  // at the input's first element
  char* out;       // at the output's first element
  int out_dt;
  nt_offcalc<2> koc;  // kept dims: [0] input stride, [1] output stride
  nt_offcalc<1> roc;  // reduced dims: input stride
  int64_t m, n, chunk;
  int splits;
  bool x_reduce;
  void* partial;  // [m][splits] accumulators when splits > 1
};

template <class T, class Op>
__global__ void __launch_bounds__(256) k_reduce(red_args r, Op op) {
  typedef typename Op::acc A;
  extern __shared__ double smem_d[];
  A* sm = (A*)smem_d;
  const int tx = threadIdx.x, ty = threadIdx.y, bx = blockDim.x, by = blockDim.y, tid = ty * bx + tx;
  const int64_t o = r.x_reduce ? (int64_t)blockIdx.x * by + ty : (int64_t)blockIdx.x * bx + tx;
  const int lane = r.x_reduce ? tx : ty, nlanes = r.x_reduce ? bx : by;
  A acc = op.init();
  if (o < r.m) {
    int64_t koff[2];
    r.koc.get(o, koff);
    const T* base = (const T*)r.in + koff[0];
    const int64_t r0 = (int64_t)blockIdx.y * r.chunk, r1 = r0 + r.chunk < r.n ? r0 + r.chunk : r.n;
    for (int64_t j = r0 + lane; j < r1; j += nlanes) {
      int64_t roff;
      r.roc.get(j, &roff);
      acc = op.fold(acc, ld(base + roff), j);
    }
  }
  sm[tid] = acc;
  __syncthreads();
  if (r.x_reduce) {
    for (int s = bx / 2; s > 0; s >>= 1) {
      if (tx < s) sm[tid] = op.merge(sm[tid], sm[tid + s]);
      __syncthreads();
    }
  } else {
    for (int s = by / 2; s > 0; s >>= 1) {
      if (ty < s) sm[tid] = op.merge(sm[tid], sm[tid + s * bx]);
      __syncthreads();
    }
  }
  if (lane == 0 && o < r.m) {
    if (r.splits == 1) {
      int64_t koff[2];
      r.koc.get(o, koff);
      op.store(r.out, koff[1], r.out_dt, sm[tid]);
    } else {
      ((A*)r.partial)[o * r.splits + blockIdx.y] = sm[tid];
    }
  }
}

template <class Op>
__global__ void k_reduce_final(red_args r, Op op) {
  typedef typename Op::acc A;
  const int64_t o = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (o >= r.m) return;
  const A* p = (const A*)r.partial + o * r.splits;
  A acc = p[0];
  for (int s = 1; s < r.splits; s++) acc = op.merge(acc, p[s]);
  int64_t koff[2];
  r.koc.get(o, koff);
  op.store(r.out, koff[1], r.out_dt, acc);
}

unsigned pow2_at_least(int64_t n, unsigned cap) {
  unsigned p = 1;
  while (p < cap && (int64_t)p < n) p <<= 1;
  return p;
}

template <class T, class Op>
int run_reduce(const nt_args* a, const nt_red_plan& p, const Op& op, nt_error* err) {
  typedef typename Op::acc A;
  if (p.m == 0) return 0;
  const nt_view &in = a->v[0], &out = a->v[1];
  red_args r;
  r.in = (const char*)in.data + in.offset * (int64_t)sizeof(T);
  r.out = (char*)out.data + out.offset * (int64_t)nt_dtype_size(out.dtype);
  r.out_dt = out.dtype;
  int64_t kst[2][NT_MAX_DIMS], rst[1][NT_MAX_DIMS];
  for (int d = 0; d < p.nk; d++) kst[0][d] = p.kin[d], kst[1][d] = p.kout[d];
  for (int d = 0; d < p.nr; d++) rst[0][d] = p.rin[d];
  r.koc = nt_make_offcalc<2>(p.nk, p.kshape, kst);
  r.roc = nt_make_offcalc<1>(p.nr, p.rshape, rst);
  r.m = p.m;
  r.n = p.nr ? p.n : (p.n == 0 ? 0 : 1);
  const bool inner_unit = p.nr > 0 && (p.rin[p.nr - 1] == 1 || p.rin[p.nr - 1] == -1);
  const bool outer_unit = p.nk > 0 && p.kin[p.nk - 1] == 1;
  r.x_reduce = inner_unit || !outer_unit;
  dim3 block;
  if (r.x_reduce) {
    block.x = pow2_at_least(r.n, 256);  // short rows: several outputs per warp, still coalesced
    block.y = 256 / block.x;
  } else {
    block.x = 32;
    block.y = 8;
  }
  const int64_t per_block = r.x_reduce ? block.y : block.x, lanes = r.x_reduce ? block.x : block.y;
  const int64_t bx = (p.m + per_block - 1) / per_block, target = 4 * (int64_t)cur()->sm_count;
  int64_t splits = 1;
  if (bx < target && r.n > lanes * 64) {
    splits = (target + bx - 1) / bx;
    const int64_t most = (r.n + lanes * 32 - 1) / (lanes * 32);
    if (splits > most) splits = most;
    if (splits > 65535) splits = 65535;
    if (splits < 1) splits = 1;
  }
  r.chunk = splits > 1 ? (r.n + splits - 1) / splits : (r.n > 0 ? r.n : 1);
  r.splits = (int)splits;
  r.partial = nullptr;
  if (splits > 1 && !(r.partial = scratch_alloc(sizeof(A) * (size_t)(p.m * splits), err))) return 1;
  cudaStream_t s = cur()->stream;
  k_reduce<T, Op><<<dim3((unsigned)bx, (unsigned)splits), block, 256 * sizeof(A), s>>>(r, op);
  int rc = launch_check(err);
  if (!rc && splits > 1) {
    k_reduce_final<Op><<<grid_for(p.m, 256), 256, 0, s>>>(r, op);
    rc = launch_check(err);
  }
  if (r.partial) scratch_free(r.partial);
  return rc;
}

// ---------------------------------------------------------------- accumulators
template <class T> struct fp_acc { typedef typename std::conditional<std::is_same<T, double>::value, double, float>::type type; };

// sum: 16- and 32-bit floats accumulate in float, float64 in double, ints and bool in uint64 (wraps).
template <class T>
struct sum_op {
  typedef typename std::conditional<nt_is_fp_storage<T>::value, typename fp_acc<T>::type, unsigned long long>::type acc;
  double scale;
  __device__ acc init() const { return 0; }
  template <class C> __device__ acc fold(acc a, C x, int64_t) const {
    if constexpr (nt_is_fp_storage<T>::value) return a + (acc)x;
    else return a + (acc)(int64_t)x;
  }
  __device__ acc merge(acc a, acc b) const { return a + b; }
  __device__ void store(void* o, int64_t off, int dt, acc a) const {
    if constexpr (nt_is_fp_storage<T>::value) put_d(o, off, dt, (double)a * scale);
    else if (scale == 1) put_i(o, off, dt, (int64_t)a);
    else put_d(o, off, dt, (double)(int64_t)a * scale);
  }
};
template <class T>
struct prod_op {
  typedef typename std::conditional<nt_is_fp_storage<T>::value, double, unsigned long long>::type acc;
  double scale;
  __device__ acc init() const { return 1; }
  template <class C> __device__ acc fold(acc a, C x, int64_t) const {
    if constexpr (nt_is_fp_storage<T>::value) return a * (acc)x;
    else return a * (acc)(int64_t)x;
  }
  __device__ acc merge(acc a, acc b) const { return a * b; }
  __device__ void store(void* o, int64_t off, int dt, acc a) const {
    if constexpr (nt_is_fp_storage<T>::value) put_d(o, off, dt, a * scale);
    else if (scale == 1) put_i(o, off, dt, (int64_t)a);
    else put_d(o, off, dt, (double)(int64_t)a * scale);
  }
};

// amax / amin: NaN propagates. bool compares as uint8.
template <class T> struct ext_t { typedef typename std::conditional<std::is_same<T, bool>::value, uint8_t, nt_compute_t<T>>::type type; };

template <class T>
struct ext_op {
  typedef typename ext_t<T>::type acc;
  bool mx;
  acc start;  // -inf / +inf, or the integer type's lowest / highest (set on the host)
  __device__ acc init() const { return start; }
  template <class C> __device__ acc fold(acc a, C x, int64_t) const { return nt_pick(a, (acc)x, mx); }
  __device__ acc merge(acc a, acc b) const { return nt_pick(a, b, mx); }
  __device__ void store(void* o, int64_t off, int dt, acc a) const {
    if constexpr (nt_is_fp_storage<T>::value) put_d(o, off, dt, (double)a);
    else put_i(o, off, dt, (int64_t)a);
  }
};

template <class T>
struct logic_op {
  typedef int acc;
  bool all;
  __device__ acc init() const { return all ? 1 : 0; }
  template <class C> __device__ acc fold(acc a, C x, int64_t) const { return all ? (a & (int)(x != C(0))) : (a | (int)(x != C(0))); }
  __device__ acc merge(acc a, acc b) const { return all ? (a & b) : (a | b); }
  __device__ void store(void* o, int64_t off, int dt, acc a) const { put_i(o, off, dt, a); }
};

// argmax / argmin: (value, index) pairs merged by combine.h's rule (first extreme, NaN wins).
template <class T>
struct arg_op {
  typedef typename ext_t<T>::type V;
  typedef nt_arg_pair<V> acc;
  bool mx;
  __device__ acc init() const { return acc{V(0), -1}; }
  __device__ acc merge(acc a, acc b) const { return nt_arg_merge(a, b, mx); }
  template <class C> __device__ acc fold(acc a, C x, int64_t j) const { return nt_arg_merge(a, acc{(V)x, j}, mx); }
  __device__ void store(void* o, int64_t off, int dt, acc a) const { put_i(o, off, dt, a.i < 0 ? 0 : a.i); }
};

// var / std: Welford in double (combine.h); var = m2 / max(0, n - correction).
template <class T>
struct var_op {
  typedef nt_welford acc;
  double correction;
  bool take_sqrt;
  __device__ acc init() const { return acc{0, 0, 0}; }
  template <class C> __device__ acc fold(acc a, C x, int64_t) const { return nt_welford_add(a, (double)x); }
  __device__ acc merge(acc a, acc b) const { return nt_welford_merge(a, b); }
  __device__ void store(void* o, int64_t off, int dt, acc a) const {
    double div = a.n - correction;
    if (div < 0) div = 0;
    double v = (a.n == 0 ? NAN : a.m2) / div;
    if (take_sqrt) v = sqrt(v);
    put_d(o, off, dt, v);
  }
};

// ---------------------------------------------------------------- kernels
template <template <class> class OP>
int k_arith(const nt_args* a, nt_error* err) {
  nt_red_plan p;
  if (nt_make_red_plan(a, &p, true, err)) return 1;
  NTC_DISPATCH(a->v[0].dtype, T, return run_reduce<T>(a, p, OP<T>{a->f[0]}, err));
  return nt_cu_fail(err, "unsupported dtype %s", nt_dtype_name(a->v[0].dtype));
}

template <bool MAX>
int k_ext(const nt_args* a, nt_error* err) {
  nt_red_plan p;
  if (nt_make_red_plan(a, &p, true, err)) return 1;
  if (p.n == 0 && p.m > 0) return nt_cu_fail(err, "cannot reduce over an empty dimension");
  NTC_DISPATCH(a->v[0].dtype, T, {
    typedef typename ext_t<T>::type V;
    const V start = nt_is_fp_storage<T>::value ? (MAX ? (V)-INFINITY : (V)INFINITY)
                                               : (MAX ? std::numeric_limits<V>::lowest() : std::numeric_limits<V>::max());
    return run_reduce<T>(a, p, ext_op<T>{MAX, start}, err);
  });
  return nt_cu_fail(err, "unsupported dtype %s", nt_dtype_name(a->v[0].dtype));
}

template <bool ALL>
int k_logic(const nt_args* a, nt_error* err) {
  nt_red_plan p;
  if (nt_make_red_plan(a, &p, true, err)) return 1;
  NTC_DISPATCH(a->v[0].dtype, T, return run_reduce<T>(a, p, logic_op<T>{ALL}, err));
  return nt_cu_fail(err, "unsupported dtype %s", nt_dtype_name(a->v[0].dtype));
}

template <bool MAX>
int k_arg(const nt_args* a, nt_error* err) {
  nt_red_plan p;
  if (nt_make_red_plan(a, &p, false, err)) return 1;
  const int bits = __builtin_popcountll((unsigned long long)a->i[0]);
  if (a->v[0].ndim > 0 && bits != 1) return nt_cu_fail(err, "expected exactly one reduced dim, got %d", bits);
  if (p.m == 0) return 0;
  if (p.n == 0) return nt_cu_fail(err, "cannot reduce over an empty dimension");
  NTC_DISPATCH(a->v[0].dtype, T, return run_reduce<T>(a, p, arg_op<T>{MAX}, err));
  return nt_cu_fail(err, "unsupported dtype %s", nt_dtype_name(a->v[0].dtype));
}

int k_var(const nt_args* a, nt_error* err) {
  nt_red_plan p;
  if (nt_make_red_plan(a, &p, true, err)) return 1;
  if (!nt_dtype_is_float(a->v[0].dtype))
    return nt_cu_fail(err, "unsupported dtype %s (float dtypes only)", nt_dtype_name(a->v[0].dtype));
  if (!nt_dtype_is_float(a->v[1].dtype))
    return nt_cu_fail(err, "unsupported output dtype %s (float dtypes only)", nt_dtype_name(a->v[1].dtype));
  NTC_DISPATCH_FLOAT(a->v[0].dtype, T, return run_reduce<T>(a, p, var_op<T>{a->f[0], a->i[1] == 1}, err));
  return 0;
}

}  // namespace
}  // namespace ntc

void ntc_register_reduce(nt_kernel_fn* s) {
  using namespace ntc;
  s[NT_OP_sum] = k_arith<sum_op>;
  s[NT_OP_prod] = k_arith<prod_op>;
  s[NT_OP_amax] = k_ext<true>;
  s[NT_OP_amin] = k_ext<false>;
  s[NT_OP_argmax] = k_arg<true>;
  s[NT_OP_argmin] = k_arg<false>;
  s[NT_OP_var] = k_var;
  s[NT_OP_all] = k_logic<true>;
  s[NT_OP_any] = k_logic<false>;
}
