// copy.cpp — CPU kernels for copy (any dtype pair, any strides: contiguous(), clone(), to(), cat),
// fill and arange/linspace. Not here: random fills (random.cpp), gathers/scatters (index.cpp), or
// the conversion rules themselves (copy-cast.h).
#include <string.h>

#include <algorithm>

#include "../../core/dispatch.h"
#include "../../core/iter.h"
#include "../../core/parallel.h"
#include "../../core/simd.h"
#include "copy-cast.h"
#include "kernels.h"

#if NT_X86
#include <immintrin.h>
#endif

namespace {

const int64_t kGrain = 32768;       // elements per parallel chunk for element loops
const int64_t kTile = 64;           // transpose tile edge (split into 8x8 blocks)
const int64_t kPage = 4096;         // parallel memcpy unit (bytes)
const int64_t kMemcpyGrain = 64;    // pages per chunk (256 KiB)

void parallel_memcpy(void* dst, const void* src, int64_t bytes) {
  if (bytes < 4 * kMemcpyGrain * kPage) {
    memcpy(dst, src, (size_t)bytes);
    return;
  }
  int64_t pages = (bytes + kPage - 1) / kPage;
  nt::parallel_for(0, pages, kMemcpyGrain, [&](int64_t lo, int64_t hi) {
    int64_t b0 = lo * kPage, b1 = std::min(hi * kPage, bytes);
    memcpy((char*)dst + b0, (const char*)src + b0, (size_t)(b1 - b0));
  });
}

// ---- contiguous runs: the hot inner loops, specialised where hardware helps ----

template <typename S, typename D>
struct run_cast {
  static void go(const S* s, D* d, int64_t n) {
    for (int64_t j = 0; j < n; j++) nt_cast_copy(d + j, s + j);
  }
};

#if NT_X86
NT_AVX2 void f32_to_f16_avx2(const float* s, uint16_t* d, int64_t n) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    __m256 v = _mm256_loadu_ps(s + j);
    _mm_storeu_si128((__m128i*)(d + j), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  for (; j < n; j++) d[j] = nt_float_to_half(s[j]);
}

NT_AVX2 void f16_to_f32_avx2(const uint16_t* s, float* d, int64_t n) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    _mm256_storeu_ps(d + j, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(s + j))));
  for (; j < n; j++) d[j] = nt_half_to_float(s[j]);
}

// NOTE: F16C keeps a NaN's payload (quieted) where nt_float_to_half makes it canonical; both are NaN.
template <>
struct run_cast<float, nt_half> {
  static void go(const float* s, nt_half* d, int64_t n) {
    if (nt_cpu_has_avx2()) f32_to_f16_avx2(s, (uint16_t*)d, n);
    else for (int64_t j = 0; j < n; j++) d[j].bits = nt_float_to_half(s[j]);
  }
};
template <>
struct run_cast<nt_half, float> {
  static void go(const nt_half* s, float* d, int64_t n) {
    if (nt_cpu_has_avx2()) f16_to_f32_avx2((const uint16_t*)s, d, n);
    else for (int64_t j = 0; j < n; j++) d[j] = nt_half_to_float(s[j].bits);
  }
};
#endif

// ---- 2-D blocked transpose (also batched): when one view walks the last dim and the other the
// one before it, a plain loop strides one side through memory. Tiles of kTile x kTile are split
// into 8x8 blocks so only 8 lines per side are live.
// NOTE: power-of-two row strides map a whole column into one L1 set; 32-row blocks thrash it.
// Canonical form: dst[c * drs + r] = src[r * srs + c] for r < R, c < C (both rows contiguous).

template <typename S, typename D>
void tile_scalar(const S* s, int64_t srs, D* d, int64_t drs, int64_t R, int64_t C) {
  for (int64_t r0 = 0; r0 < R; r0 += 8)
    for (int64_t c0 = 0; c0 < C; c0 += 8) {
      const int64_t r1 = std::min(R, r0 + 8), c1 = std::min(C, c0 + 8);
      for (int64_t r = r0; r < r1; r++)
        for (int64_t c = c0; c < c1; c++) nt_cast_copy(d + c * drs + r, s + r * srs + c);
    }
}

template <typename S, typename D>
struct tile_kernel {
  static void go(const S* s, int64_t srs, D* d, int64_t drs, int64_t R, int64_t C) {
    tile_scalar(s, srs, d, drs, R, C);
  }
};

#if NT_X86
NT_AVX2 inline void transpose8x8_32(const uint32_t* s, int64_t srs, uint32_t* d, int64_t drs) {
  __m256 r0 = _mm256_loadu_ps((const float*)(s + 0 * srs)), r1 = _mm256_loadu_ps((const float*)(s + 1 * srs));
  __m256 r2 = _mm256_loadu_ps((const float*)(s + 2 * srs)), r3 = _mm256_loadu_ps((const float*)(s + 3 * srs));
  __m256 r4 = _mm256_loadu_ps((const float*)(s + 4 * srs)), r5 = _mm256_loadu_ps((const float*)(s + 5 * srs));
  __m256 r6 = _mm256_loadu_ps((const float*)(s + 6 * srs)), r7 = _mm256_loadu_ps((const float*)(s + 7 * srs));
  // shuffles only move bits, so any 32-bit payload (NaNs, ints) passes through unchanged
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps((float*)(d + 0 * drs), _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps((float*)(d + 1 * drs), _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps((float*)(d + 2 * drs), _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps((float*)(d + 3 * drs), _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps((float*)(d + 4 * drs), _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps((float*)(d + 5 * drs), _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps((float*)(d + 6 * drs), _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps((float*)(d + 7 * drs), _mm256_permute2f128_ps(u3, u7, 0x31));
}

// Full 8x8 (or 4x4) blocks through the block kernel, ragged edges scalar.
#define NT_TILE_BODY(BS, BLOCK)                                                          \
  const int64_t RB = R - R % BS, CB = C - C % BS;                                        \
  for (int64_t r0 = 0; r0 < RB; r0 += BS)                                                \
    for (int64_t c0 = 0; c0 < CB; c0 += BS) BLOCK(s + r0 * srs + c0, srs, d + c0 * drs + r0, drs); \
  for (int64_t r = 0; r < R; r++)                                                        \
    for (int64_t c = (r < RB ? CB : 0); c < C; c++) d[c * drs + r] = s[r * srs + c];

NT_AVX2 void tile_avx2_32(const uint32_t* s, int64_t srs, uint32_t* d, int64_t drs, int64_t R, int64_t C) {
  NT_TILE_BODY(8, transpose8x8_32)
}

NT_AVX2 inline void transpose4x4_64(const uint64_t* s, int64_t srs, uint64_t* d, int64_t drs) {
  __m256d r0 = _mm256_loadu_pd((const double*)(s + 0 * srs)), r1 = _mm256_loadu_pd((const double*)(s + 1 * srs));
  __m256d r2 = _mm256_loadu_pd((const double*)(s + 2 * srs)), r3 = _mm256_loadu_pd((const double*)(s + 3 * srs));
  __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
  __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
  _mm256_storeu_pd((double*)(d + 0 * drs), _mm256_permute2f128_pd(t0, t2, 0x20));
  _mm256_storeu_pd((double*)(d + 1 * drs), _mm256_permute2f128_pd(t1, t3, 0x20));
  _mm256_storeu_pd((double*)(d + 2 * drs), _mm256_permute2f128_pd(t0, t2, 0x31));
  _mm256_storeu_pd((double*)(d + 3 * drs), _mm256_permute2f128_pd(t1, t3, 0x31));
}

NT_AVX2 void tile_avx2_64(const uint64_t* s, int64_t srs, uint64_t* d, int64_t drs, int64_t R, int64_t C) {
  NT_TILE_BODY(4, transpose4x4_64)
}

// SSE2 is baseline x86-64: no run-time check needed for the 16-bit block.
inline void transpose8x8_16(const uint16_t* s, int64_t srs, uint16_t* d, int64_t drs) {
  __m128i r[8], a[8], b[8];
  for (int k = 0; k < 8; k++) r[k] = _mm_loadu_si128((const __m128i*)(s + k * srs));
  for (int k = 0; k < 8; k += 2) {
    a[k] = _mm_unpacklo_epi16(r[k], r[k + 1]);
    a[k + 1] = _mm_unpackhi_epi16(r[k], r[k + 1]);
  }
  for (int k = 0; k < 8; k += 4) {
    b[k] = _mm_unpacklo_epi32(a[k], a[k + 2]);
    b[k + 1] = _mm_unpackhi_epi32(a[k], a[k + 2]);
    b[k + 2] = _mm_unpacklo_epi32(a[k + 1], a[k + 3]);
    b[k + 3] = _mm_unpackhi_epi32(a[k + 1], a[k + 3]);
  }
  for (int k = 0; k < 4; k++) {
    _mm_storeu_si128((__m128i*)(d + (2 * k) * drs), _mm_unpacklo_epi64(b[k], b[k + 4]));
    _mm_storeu_si128((__m128i*)(d + (2 * k + 1) * drs), _mm_unpackhi_epi64(b[k], b[k + 4]));
  }
}

void tile_sse2_16(const uint16_t* s, int64_t srs, uint16_t* d, int64_t drs, int64_t R, int64_t C) {
  NT_TILE_BODY(8, transpose8x8_16)
}

template <>
struct tile_kernel<uint32_t, uint32_t> {
  static void go(const uint32_t* s, int64_t srs, uint32_t* d, int64_t drs, int64_t R, int64_t C) {
    if (nt_cpu_has_avx2()) tile_avx2_32(s, srs, d, drs, R, C);
    else tile_scalar(s, srs, d, drs, R, C);
  }
};
template <>
struct tile_kernel<uint64_t, uint64_t> {
  static void go(const uint64_t* s, int64_t srs, uint64_t* d, int64_t drs, int64_t R, int64_t C) {
    if (nt_cpu_has_avx2()) tile_avx2_64(s, srs, d, drs, R, C);
    else tile_scalar(s, srs, d, drs, R, C);
  }
};
template <>
struct tile_kernel<uint16_t, uint16_t> {
  static void go(const uint16_t* s, int64_t srs, uint16_t* d, int64_t drs, int64_t R, int64_t C) {
    tile_sse2_16(s, srs, d, drs, R, C);
  }
};
#endif

template <typename S, typename D>
bool try_tiled(const nt_strided<2>& it, D* o, const S* s) {
  if (it.ndim < 2) return false;
  const int a = it.ndim - 2, b = it.ndim - 1;
  const int64_t osa = it.strides[0][a], osb = it.strides[0][b];
  const int64_t isa = it.strides[1][a], isb = it.strides[1][b];
  const bool in_walks_a = osb == 1 && isa == 1 && isb != 1;  // out rows along b, in rows along a
  const bool in_walks_b = isb == 1 && osa == 1 && osb != 1;
  const int64_t A = it.shape[a], B = it.shape[b];
  if (!(in_walks_a || in_walks_b) || A < 16 || B < 16) return false;
  const int64_t ta = (A + kTile - 1) / kTile, tb = (B + kTile - 1) / kTile;
  const int64_t batch = it.numel / (A * B);
  nt::parallel_for(0, batch * ta * tb, 4, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; t++) {
      int64_t bi = t / (ta * tb), r = t % (ta * tb);
      const int64_t a0 = (r / tb) * kTile, b0 = (r % tb) * kTile;
      const int64_t na = std::min(A, a0 + kTile) - a0, nb = std::min(B, b0 + kTile) - b0;
      int64_t oo = it.base[0] + a0 * osa + b0 * osb, io = it.base[1] + a0 * isa + b0 * isb;
      for (int d = a - 1; d >= 0; d--) {
        const int64_t c = bi % it.shape[d];
        bi /= it.shape[d];
        oo += c * it.strides[0][d];
        io += c * it.strides[1][d];
      }
      if (in_walks_a)  // src rows are b (stride isb), contiguous along a; dst rows are a
        tile_kernel<S, D>::go(s + io, isb, o + oo, osa, nb, na);
      else
        tile_kernel<S, D>::go(s + io, isa, o + oo, osb, na, nb);
    }
  });
  return true;
}

// Copies in -> out element by element (S, D storage types; equal for a same-dtype bit copy).
template <typename S, typename D>
void copy_strided(const nt_view& in, const nt_view& out) {
  nt_strided<2> it = nt_make_strided<2>({&out, &in});
  D* o = (D*)out.data;
  const S* s = (const S*)in.data;
  if (try_tiled<S, D>(it, o, s)) return;
  nt::parallel_for(0, it.numel, kGrain, [&](int64_t lo, int64_t hi) {
    nt_strided_range(it, lo, hi, [&](const int64_t* off, const int64_t* st, int64_t n) {
      D* po = o + off[0];
      const S* ps = s + off[1];
      const int64_t so = st[0], si = st[1];
      if (so == 1 && si == 1) {
        run_cast<S, D>::go(ps, po, n);
      } else if (so == 1) {
        for (int64_t j = 0; j < n; j++) nt_cast_copy(po + j, ps + j * si);
      } else {
        for (int64_t j = 0; j < n; j++) nt_cast_copy(po + j * so, ps + j * si);
      }
    });
  });
}

// Same dtype: a bit copy through an unsigned type of the element's size (keeps NaN payloads).
template <typename U>
void copy_bits(const nt_view& in, const nt_view& out) {
  if (nt_view_is_contiguous(&in) && nt_view_is_contiguous(&out)) {
    const U* s = nt_view_ptr<U>(&in);
    U* o = nt_view_ptr<U>(&out);
    int64_t bytes = nt_view_numel(&in) * (int64_t)sizeof(U);
    // NOTE: clone/contiguous never overlap, but a copy within one storage may: memmove, serially.
    if (in.data == out.data) memmove(o, s, (size_t)bytes);
    else parallel_memcpy(o, s, bytes);
    return;
  }
  copy_strided<U, U>(in, out);
}

int copy_kernel(const nt_args* a, nt_error* err) {
  if (a->nviews < 2) return nt_fail(err, "expected 2 views (in, out), got %d", (int)a->nviews);
  const nt_view& in = a->v[0];
  const nt_view& out = a->v[1];
  if (nt_check_view(&in, "input", err) || nt_check_view(&out, "output", err)) return 1;
  if (!nt_same_shape(&in, &out)) {
    char b1[160], b2[160];
    return nt_fail(err, "input shape %s does not match output shape %s",
                   nt_shape_str(&in, b1, sizeof b1), nt_shape_str(&out, b2, sizeof b2));
  }
  if (nt_view_numel(&out) == 0) return 0;
  if (in.dtype == out.dtype) {
    switch (nt_dtype_size(in.dtype)) {
      case 1: copy_bits<uint8_t>(in, out); break;
      case 2: copy_bits<uint16_t>(in, out); break;
      case 4: copy_bits<uint32_t>(in, out); break;
      default: copy_bits<uint64_t>(in, out); break;
    }
    return 0;
  }
  NT_DISPATCH_ALL(in.dtype, S, NT_DISPATCH_ALL(out.dtype, D, copy_strided<S, D>(in, out)));
  return 0;
}

// ---- fill ----

template <typename U>
void fill_bits(const nt_view& out, U bits) {
  nt_strided<1> it = nt_make_strided<1>({&out});
  U* o = (U*)out.data;
  nt::parallel_for(0, it.numel, 4 * kGrain, [&](int64_t lo, int64_t hi) {
    nt_strided_range(it, lo, hi, [&](const int64_t* off, const int64_t* st, int64_t n) {
      U* p = o + off[0];
      const int64_t so = st[0];
      if (so == 1) std::fill(p, p + n, bits);
      else for (int64_t j = 0; j < n; j++) p[j * so] = bits;
    });
  });
}

template <typename D, typename U>
U cast_bits(double v) {
  static_assert(sizeof(D) == sizeof(U), "bit type size");
  D tmp;
  nt_cast_store<D>(&tmp, v);
  U bits;
  memcpy(&bits, &tmp, sizeof bits);
  return bits;
}

int fill_kernel(const nt_args* a, nt_error* err) {
  if (a->nviews < 1) return nt_fail(err, "expected 1 view (out), got %d", (int)a->nviews);
  const nt_view& out = a->v[0];
  if (nt_check_view(&out, "output", err)) return 1;
  if (nt_view_numel(&out) == 0) return 0;
  const double v = a->f[0];
  switch (out.dtype) {
    case NT_F32: fill_bits<uint32_t>(out, cast_bits<float, uint32_t>(v)); break;
    case NT_F64: fill_bits<uint64_t>(out, cast_bits<double, uint64_t>(v)); break;
    case NT_F16: fill_bits<uint16_t>(out, cast_bits<nt_half, uint16_t>(v)); break;
    case NT_BF16: fill_bits<uint16_t>(out, cast_bits<nt_bf16, uint16_t>(v)); break;
    case NT_I32: fill_bits<uint32_t>(out, cast_bits<int32_t, uint32_t>(v)); break;
    case NT_I64: fill_bits<uint64_t>(out, cast_bits<int64_t, uint64_t>(v)); break;
    case NT_U8: fill_bits<uint8_t>(out, cast_bits<uint8_t, uint8_t>(v)); break;
    default: fill_bits<uint8_t>(out, (uint8_t)(v != 0)); break;  // bool
  }
  return 0;
}

// ---- arange / linspace ----

template <typename D>
void arange_typed(const nt_view& out, double start, double step, bool linspace, double end) {
  const int64_t n = nt_view_numel(&out);
  D* o = nt_view_ptr<D>(&out);
  const int64_t so = out.ndim == 0 ? 1 : out.strides[0];
  const int64_t half = n / 2;
  nt::parallel_for(0, n, kGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) {
      double v;
      if (!linspace) v = start + (double)i * step;
      else if (n == 1) v = start;
      else if (i < half) v = start + (double)i * step;  // torch: exact at both ends
      else v = end - (double)(n - 1 - i) * step;
      nt_cast_store<D>(o + i * so, v);
    }
  });
}

int arange_kernel(const nt_args* a, nt_error* err) {
  if (a->nviews < 1) return nt_fail(err, "expected 1 view (out), got %d", (int)a->nviews);
  const nt_view& out = a->v[0];
  if (nt_check_view(&out, "output", err)) return 1;
  if (out.ndim > 1) return nt_fail(err, "output must be 1-D, got %d dims", (int)out.ndim);
  if (nt_view_numel(&out) == 0) return 0;
  const bool linspace = a->i[0] == 1;
  NT_DISPATCH_ALL(out.dtype, D, arange_typed<D>(out, a->f[0], a->f[1], linspace, a->f[2]));
  return 0;
}

}  // namespace

int nt_cpu_random_uniform(const nt_args* a, nt_error* err);  // random.cpp
int nt_cpu_random_normal(const nt_args* a, nt_error* err);
int nt_cpu_random_int(const nt_args* a, nt_error* err);

void nt_cpu_register_copy(nt_kernel_fn* slots) {
  slots[NT_OP_copy] = copy_kernel;
  slots[NT_OP_fill] = fill_kernel;
  slots[NT_OP_arange] = arange_kernel;
  slots[NT_OP_rand_uniform] = nt_cpu_random_uniform;
  slots[NT_OP_rand_normal] = nt_cpu_random_normal;
  slots[NT_OP_randint] = nt_cpu_random_int;
}
