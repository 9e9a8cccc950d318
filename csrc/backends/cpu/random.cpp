// random.cpp — CPU kernels for rand_uniform, rand_normal and randint into any (strided) output view.
// Not here: the generator or the value formulas (core/philox.h is the cross-device contract), nor
// the seed/offset state (TS owns it). Values depend only on (seed, offset, element), never on threads.
#include <algorithm>

#include "../../core/dispatch.h"
#include "../../core/iter.h"
#include "../../core/parallel.h"
#include "../../core/philox.h"
#include "../../core/simd.h"
#include "copy-cast.h"
#include "kernels.h"

#if NT_X86
#include <immintrin.h>
#endif

namespace {

const int64_t kBlock = 256;   // words generated per batch (stack buffers)
const int64_t kGrain = 8192;  // elements per parallel chunk

// The integer half of the work: words r0, r1 for elements e0 .. e0+n-1. Written as a flat loop so
// the compiler vectorises the 32x32->64 multiplies (the AVX2 copy does it 8 lanes wide).
inline void words_loop(uint64_t seed, uint64_t offset, uint64_t e0, int64_t n, uint32_t* r0, uint32_t* r1) {
  for (int64_t j = 0; j < n; j++) {
    nt_philox_block b = nt_philox_at(seed, offset, e0 + (uint64_t)j);
    r0[j] = b.r[0];
    r1[j] = b.r[1];
  }
}

#if NT_X86
// Philox on 8 counters at once. _mm256_mul_epu32 multiplies the even 32-bit lanes into 64-bit
// products, so each 32x32->64 step runs twice (even lanes, then odd lanes shifted down) and the
// high/low halves are blended back into lane order.
// NOTE: only integer math here; the float transforms stay in baseline code so no FMA contraction
// changes their rounding (see philox.h).
NT_AVX2 inline void mulhilo8(__m256i a, __m256i m, __m256i* hi, __m256i* lo) {
  __m256i pe = _mm256_mul_epu32(a, m);
  __m256i po = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
  *hi = _mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xAA);
  *lo = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
}

NT_AVX2 void words_avx2(uint64_t seed, uint64_t offset, uint64_t e0, int64_t n, uint32_t* r0, uint32_t* r1) {
  const __m256i m0 = _mm256_set1_epi32((int)NT_PHILOX_M0), m1 = _mm256_set1_epi32((int)NT_PHILOX_M1);
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const uint64_t e = e0 + (uint64_t)j;
    if ((uint32_t)e > 0xFFFFFFF8u) {  // the low word wraps inside this group: scalar
      words_loop(seed, offset, e, 8, r0 + j, r1 + j);
      continue;
    }
    __m256i c0 = _mm256_add_epi32(_mm256_set1_epi32((int)(uint32_t)e), lanes);
    __m256i c1 = _mm256_set1_epi32((int)(uint32_t)(e >> 32));
    __m256i c2 = _mm256_set1_epi32((int)(uint32_t)offset);
    __m256i c3 = _mm256_set1_epi32((int)(uint32_t)(offset >> 32));
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int round = 0; round < 10; round++) {
      if (round > 0) {
        k0 += NT_PHILOX_W0;
        k1 += NT_PHILOX_W1;
      }
      __m256i hi0, lo0, hi1, lo1;
      mulhilo8(c0, m0, &hi0, &lo0);
      mulhilo8(c2, m1, &hi1, &lo1);
      c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), _mm256_set1_epi32((int)k0));
      c1 = lo1;
      c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), _mm256_set1_epi32((int)k1));
      c3 = lo0;
    }
    _mm256_storeu_si256((__m256i*)(r0 + j), c0);
    _mm256_storeu_si256((__m256i*)(r1 + j), c1);
  }
  words_loop(seed, offset, e0 + (uint64_t)j, n - j, r0 + j, r1 + j);
}
#endif

void words(uint64_t seed, uint64_t offset, uint64_t e0, int64_t n, uint32_t* r0, uint32_t* r1) {
#if NT_X86
  if (nt_cpu_has_avx2()) {
    words_avx2(seed, offset, e0, n, r0, r1);
    return;
  }
#endif
  words_loop(seed, offset, e0, n, r0, r1);
}

// Fills out with value(block) for each element in row-major logical order (element e of the view).
template <typename D, typename V>
void rand_fill(const nt_view& out, uint64_t seed, uint64_t offset, const V& value) {
  nt_strided<1> it = nt_make_strided<1>({&out});  // coalescing keeps row-major order
  D* o = (D*)out.data;
  nt::parallel_for(0, it.numel, kGrain, [&](int64_t lo, int64_t hi) {
    uint32_t r0[kBlock], r1[kBlock];
    uint64_t e = (uint64_t)lo;
    nt_strided_range(it, lo, hi, [&](const int64_t* off, const int64_t* st, int64_t n) {
      D* p = o + off[0];
      const int64_t so = st[0];
      for (int64_t b = 0; b < n; b += kBlock) {
        const int64_t m = std::min(kBlock, n - b);
        words(seed, offset, e, m, r0, r1);
        D* q = p + b * so;
        if (so == 1) {
          for (int64_t j = 0; j < m; j++) nt_cast_store<D>(q + j, value(nt_philox_block{{r0[j], r1[j], 0, 0}}));
        } else {
          for (int64_t j = 0; j < m; j++) nt_cast_store<D>(q + j * so, value(nt_philox_block{{r0[j], r1[j], 0, 0}}));
        }
        e += (uint64_t)m;
      }
    });
  });
}

int check_out(const nt_args* a, bool floats_only, nt_error* err) {
  if (a->nviews < 1) return nt_fail(err, "expected 1 view (out), got %d", (int)a->nviews);
  if (nt_check_view(&a->v[0], "output", err)) return 1;
  if (floats_only && !nt_dtype_is_float(a->v[0].dtype))
    return nt_fail(err, "output dtype %s is not supported (expected a floating dtype)",
                   nt_dtype_name(a->v[0].dtype));
  return 0;
}

}  // namespace

int nt_cpu_random_uniform(const nt_args* a, nt_error* err) {
  if (check_out(a, true, err)) return 1;
  const nt_view& out = a->v[0];
  const double low = a->f[0], high = a->f[1];
  const int bits = nt_uniform_bits(out.dtype);
  auto value = [=](const nt_philox_block& b) { return nt_rand_uniform_value(b, bits, low, high); };
  NT_DISPATCH_FLOAT(out.dtype, D, rand_fill<D>(out, (uint64_t)a->i[0], (uint64_t)a->i[1], value));
  return 0;
}

int nt_cpu_random_normal(const nt_args* a, nt_error* err) {
  if (check_out(a, true, err)) return 1;
  const nt_view& out = a->v[0];
  const double mean = a->f[0], std = a->f[1];
  auto value = [=](const nt_philox_block& b) { return nt_rand_normal_value(b, mean, std); };
  NT_DISPATCH_FLOAT(out.dtype, D, rand_fill<D>(out, (uint64_t)a->i[0], (uint64_t)a->i[1], value));
  return 0;
}

int nt_cpu_random_int(const nt_args* a, nt_error* err) {
  if (check_out(a, false, err)) return 1;
  const nt_view& out = a->v[0];
  const int64_t low = a->i[2], high = a->i[3];
  if (high <= low)
    return nt_fail(err, "high (%lld) must be greater than low (%lld)", (long long)high, (long long)low);
  auto value = [=](const nt_philox_block& b) { return nt_randint_value(b, low, high); };
  NT_DISPATCH_ALL(out.dtype, D, rand_fill<D>(out, (uint64_t)a->i[0], (uint64_t)a->i[1], value));
  return 0;
}
