// copy.cu — CUDA kernels for copy (any dtype pair, any strides: contiguous(), clone(), to(), cat),
// fill, arange/linspace and the random fills (core/philox.h, so a seed gives the CPU's numbers).
// Not here: the conversion rules (values.h, the CPU backend's contract) or the engine (elementwise.cuh).
#include "../../core/philox.h"
#include "elementwise.cuh"

namespace ntc {
namespace {

template <class D>
struct cast_to {
  template <class C> __device__ nt_compute_t<D> operator()(C v) const { return nt_convert<D>(v); }
};
struct bits_f {
  template <class C> __device__ C operator()(C v) const { return v; }
};

int check_copy(const nt_args* a, nt_error* err) {
  if (a->nviews < 2) return nt_cu_fail(err, "expected 2 views (in, out), got %d", (int)a->nviews);
  const nt_view &in = a->v[0], &out = a->v[1];
  if (nt_cu_check_view(&in, "input", err) || nt_cu_check_view(&out, "output", err)) return 1;
  if (!nt_cu_same_shape(&in, &out)) {
    char b1[160], b2[160];
    return nt_cu_fail(err, "input shape %s does not match output shape %s", nt_cu_shape_str(&in, b1, sizeof b1),
                      nt_cu_shape_str(&out, b2, sizeof b2));
  }
  return 0;
}

int copy_kernel(const nt_args* a, nt_error* err) {
  if (check_copy(a, err)) return 1;
  return copy_views(a->v[0], a->v[1], err);
}

// ---- fill ----
template <class R>
struct fill_f {
  R v;
  __device__ R operator()(int64_t) const { return v; }
};

int fill_kernel(const nt_args* a, nt_error* err) {
  if (a->nviews < 1) return nt_cu_fail(err, "expected 1 view (out), got %d", (int)a->nviews);
  if (nt_cu_check_view(&a->v[0], "output", err)) return 1;
  return fill_view(a->v[0], a->f[0], err);
}

}  // namespace

int fill_view(const nt_view& out, double v, nt_error* err) {
  const int64_t n = nt_view_numel(&out);
  if (n == 0) return 0;
  if (v == 0 && !std::signbit(v) && nt_view_is_contiguous(&out)) {
    const cudaError_t e = cudaMemsetAsync((char*)out.data + out.offset * nt_dtype_size(out.dtype), 0,
                                          (size_t)n * nt_dtype_size(out.dtype), cur()->stream);
    return e == cudaSuccess ? 0 : cuda_fail(err, e, "cudaMemsetAsync");
  }
  NTC_DISPATCH(out.dtype, D, {
    typedef nt_compute_t<D> R;
    return launch_ew<0, D, D>(out, nullptr, ew_scalars<R>{{}, 0}, fill_f<R>{nt_convert<D>(v)}, err);
  });
  return nt_cu_fail(err, "unsupported dtype %s", nt_dtype_name(out.dtype));
}

namespace {

// ---- arange / linspace: out[i] = start + i * step; linspace is exact at both ends (as torch) ----
template <class D>
struct arange_f {
  double start, step, end;
  int64_t n;
  bool linspace;
  __device__ nt_compute_t<D> operator()(int64_t i) const {
    double v;
    if (!linspace) v = start + (double)i * step;
    else if (n == 1) v = start;
    else if (i < n / 2) v = start + (double)i * step;
    else v = end - (double)(n - 1 - i) * step;
    return nt_convert<D>(v);
  }
};

int arange_kernel(const nt_args* a, nt_error* err) {
  if (a->nviews < 1) return nt_cu_fail(err, "expected 1 view (out), got %d", (int)a->nviews);
  const nt_view& out = a->v[0];
  if (nt_cu_check_view(&out, "output", err)) return 1;
  if (out.ndim > 1) return nt_cu_fail(err, "output must be 1-D, got %d dims", (int)out.ndim);
  const int64_t n = nt_view_numel(&out);
  if (n == 0) return 0;
  NTC_DISPATCH(out.dtype, D, {
    const arange_f<D> f{a->f[0], a->f[1], a->f[2], n, a->i[0] == 1};
    return launch_ew<0, D, D>(out, nullptr, ew_scalars<nt_compute_t<D>>{{}, 0}, f, err);
  });
  return nt_cu_fail(err, "unsupported dtype %s", nt_dtype_name(out.dtype));
}

// ---- random: element e of the output (row-major) draws Philox block (e, offset) with key seed ----
template <class D>
struct uniform_f {
  uint64_t seed, offset;
  int bits;
  double low, high;
  __device__ nt_compute_t<D> operator()(int64_t e) const {
    return nt_convert<D>(nt_rand_uniform_value(nt_philox_at(seed, offset, (uint64_t)e), bits, low, high));
  }
};
template <class D>
struct normal_f {
  uint64_t seed, offset;
  double mean, std;
  __device__ nt_compute_t<D> operator()(int64_t e) const {
    return nt_convert<D>(nt_rand_normal_value(nt_philox_at(seed, offset, (uint64_t)e), mean, std));
  }
};
template <class D>
struct randint_f {
  uint64_t seed, offset;
  int64_t low, high;
  __device__ nt_compute_t<D> operator()(int64_t e) const {
    return nt_convert<D>(nt_randint_value(nt_philox_at(seed, offset, (uint64_t)e), low, high));
  }
};

int check_rand(const nt_args* a, bool floats_only, nt_error* err) {
  if (a->nviews < 1) return nt_cu_fail(err, "expected 1 view (out), got %d", (int)a->nviews);
  if (nt_cu_check_view(&a->v[0], "output", err)) return 1;
  if (floats_only && !nt_dtype_is_float(a->v[0].dtype))
    return nt_cu_fail(err, "output dtype %s is not supported (expected a floating dtype)", nt_dtype_name(a->v[0].dtype));
  return 0;
}

int rand_uniform(const nt_args* a, nt_error* err) {
  if (check_rand(a, true, err)) return 1;
  const nt_view& out = a->v[0];
  NTC_DISPATCH_FLOAT(out.dtype, D, {
    const uniform_f<D> f{(uint64_t)a->i[0], (uint64_t)a->i[1], nt_uniform_bits(out.dtype), a->f[0], a->f[1]};
    return launch_ew<0, D, D>(out, nullptr, ew_scalars<nt_compute_t<D>>{{}, 0}, f, err);
  });
  return 0;
}

int rand_normal(const nt_args* a, nt_error* err) {
  if (check_rand(a, true, err)) return 1;
  const nt_view& out = a->v[0];
  NTC_DISPATCH_FLOAT(out.dtype, D, {
    const normal_f<D> f{(uint64_t)a->i[0], (uint64_t)a->i[1], a->f[0], a->f[1]};
    return launch_ew<0, D, D>(out, nullptr, ew_scalars<nt_compute_t<D>>{{}, 0}, f, err);
  });
  return 0;
}

int rand_int(const nt_args* a, nt_error* err) {
  if (check_rand(a, false, err)) return 1;
  const nt_view& out = a->v[0];
  const int64_t low = a->i[2], high = a->i[3];
  if (high <= low) return nt_cu_fail(err, "high (%lld) must be greater than low (%lld)", (long long)high, (long long)low);
  NTC_DISPATCH(out.dtype, D, {
    const randint_f<D> f{(uint64_t)a->i[0], (uint64_t)a->i[1], low, high};
    return launch_ew<0, D, D>(out, nullptr, ew_scalars<nt_compute_t<D>>{{}, 0}, f, err);
  });
  return 0;
}

}  // namespace

// Same dtype: a bit copy (cudaMemcpyAsync when both are contiguous); else a cast per element.
// NOTE: overlapping contiguous ranges of one storage go through a scratch buffer (memcpy would race).
int copy_views(const nt_view& in, const nt_view& out, nt_error* err) {
  const int64_t n = nt_view_numel(&out);
  if (n == 0) return 0;
  const nt_view* ins[1] = {&in};
  if (in.dtype == out.dtype) {
    const size_t es = (size_t)nt_dtype_size(in.dtype);
    if (nt_view_is_contiguous(&in) && nt_view_is_contiguous(&out)) {
      char* dst = (char*)out.data + out.offset * (int64_t)es;
      const char* src = (const char*)in.data + in.offset * (int64_t)es;
      const size_t bytes = (size_t)n * es;
      if (dst == src) return 0;
      cudaStream_t s = cur()->stream;
      if (in.data == out.data && src < dst + bytes && dst < src + bytes) {
        void* tmp = scratch_alloc(bytes, err);
        if (!tmp) return 1;
        cudaError_t e = cudaMemcpyAsync(tmp, src, bytes, cudaMemcpyDeviceToDevice, s);
        if (e == cudaSuccess) e = cudaMemcpyAsync(dst, tmp, bytes, cudaMemcpyDeviceToDevice, s);
        scratch_free(tmp);
        return e == cudaSuccess ? 0 : cuda_fail(err, e, "cudaMemcpyAsync");
      }
      const cudaError_t e = cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, s);
      return e == cudaSuccess ? 0 : cuda_fail(err, e, "cudaMemcpyAsync");
    }
    NTC_DISPATCH_BITS(in.dtype, U, return launch_ew<1, U, U>(out, ins, ew_scalars<U>{{}, 0}, bits_f(), err));
  }
  NTC_DISPATCH(in.dtype, S, NTC_DISPATCH(out.dtype, D, {
    return launch_ew<1, S, D>(out, ins, ew_scalars<nt_compute_t<S>>{{}, 0}, cast_to<D>(), err);
  }));
  return nt_cu_fail(err, "unsupported dtypes %s -> %s", nt_dtype_name(in.dtype), nt_dtype_name(out.dtype));
}

}  // namespace ntc

void ntc_register_copy(nt_kernel_fn* s) {
  using namespace ntc;
  s[NT_OP_copy] = copy_kernel;
  s[NT_OP_fill] = fill_kernel;
  s[NT_OP_arange] = arange_kernel;
  s[NT_OP_rand_uniform] = rand_uniform;
  s[NT_OP_rand_normal] = rand_normal;
  s[NT_OP_randint] = rand_int;
}
