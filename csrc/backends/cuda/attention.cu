// attention.cu — CUDA kernels for the fused attention forward (FlashAttention-2 style: the [L, S]
// score matrix never exists; K/V tiles stream through shared memory, each query row keeps a running
// max and sum in float and its output is normalised once at the end; lse is written for the
// backward), the op's host entry and the registration of both attention slots.
// Paths (attention-plan.h picks): float16/bfloat16 with head dims that are multiples of 16 use
// tensor cores via nvcuda::wmma (16x16x16, float accumulators); everything else is SIMT with float
// (double for float64) arithmetic. Not here: the backward (attention-backward.cu).
// NOTE: written and compiled without a GPU; never run (see bench/gpu/README.md).
#include "attention-tiles.cuh"

namespace ntc {
namespace {

namespace wm = nvcuda::wmma;

// ---------------------------------------------------------------- tensor cores
// CTA = 64 query rows of one (b, h); warp w owns rows 16w..16w+15 of the tile. Per key tile of BN:
//   S = Q K^T (wmma, stored to the warp's float scratch Sw[16][BN]),
//   softmax update in SIMT: lane = (row r = lane / 2, columns 2t + (lane & 1)), so the two lanes of a
//   row combine their max and sum with one shuffle; P (16-bit) goes to the warp's Pw[16][BN],
//   O = alpha O + P V: P.V blocks of 16 columns are computed by wmma into Sw, then each lane adds its
//   elements to its O registers. (wmma's accumulator layout is unspecified, so rows can only be
//   rescaled through shared memory.) O columns per lane: nb * 16 + 2t + (lane & 1), t < 8.
template <class T, int D>
__global__ void __launch_bounds__(NT_ATTN_THREADS, nt_attn_wfwd<D>::MIN_CTAS) k_attn_fwd_wmma(attn_fwd_args a) {
  typedef nt_attn_wfwd<D> G;
  typedef typename attn_wmma_type<T>::type W;
  constexpr int BM = G::BM, BN = G::BN, LDH = G::LDH, LDS = G::LDS, LDP = G::LDP, KB = D / 16;
  extern __shared__ __align__(128) unsigned char smem[];
  W* Ks = (W*)(smem + G::K_OFF);
  W* Vs = (W*)(smem + G::V_OFF);
  W* Qs = (W*)(smem + G::Q_OFF);  // aliases K and V until the key loop starts
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  float* Sw = (float*)(smem + G::S_OFF + warp * G::S_WARP);
  W* Pw = (W*)(smem + G::P_OFF + warp * G::P_WARP);
  const int E = a.E, Ev = a.Ev;

  int64_t bh, qt;
  nt_attn_fwd_block(blockIdx.x, a.bh_count, a.ntiles, &bh, &qt);
  const int64_t b = bh / a.H, h = bh - b * a.H, q0 = qt * BM;

  // Q tile -> this warp's 16 rows as matrix_a fragments (kept for the whole key loop).
  attn_load16((uint16_t*)Qs, LDH, attn_rows<uint16_t>(a.q, b, h), a.q.sr, q0, BM, a.L, E, a.q.vec);
  __syncthreads();
  wm::fragment<wm::matrix_a, 16, 16, 16, W, wm::row_major> qf[KB];
#pragma unroll
  for (int kk = 0; kk < KB; kk++)
    if (kk * 16 < E) wm::load_matrix_sync(qf[kk], Qs + warp * 16 * LDH + kk * 16, LDH);

  const int r = lane >> 1, hf = lane & 1;
  const int64_t row = q0 + warp * 16 + r;  // this lane's query
  nt_attn_row<float> rs = nt_attn_row_init<float>();
  float o[KB][8];
#pragma unroll
  for (int nb = 0; nb < KB; nb++)
#pragma unroll
    for (int t = 0; t < 8; t++) o[nb][t] = 0.f;
  const float sl2 = (float)(a.scale * NT_ATTN_LOG2E);
  const uint16_t* kg = attn_rows<uint16_t>(a.k, b, h);
  const uint16_t* vg = attn_rows<uint16_t>(a.v, b, h);
  const int64_t kend = nt_attn_fwd_key_end(q0, BM, a.L, a.S, a.causal);

  for (int64_t k0 = 0; k0 < kend; k0 += BN) {
    __syncthreads();  // every warp is done with the previous K/V tile (first pass: with Q's staging)
    attn_load16((uint16_t*)Ks, LDH, kg, a.k.sr, k0, BN, a.S, E, a.k.vec);
    attn_load16((uint16_t*)Vs, LDH, vg, a.v.sr, k0, BN, a.S, Ev, a.v.vec);
    __syncthreads();

    // S = Q K^T: block jb holds keys k0 + 16 jb ..; K^T as a col_major matrix_b: element (e, n) is
    // Ks[(16 jb + n) * LDH + e].
#pragma unroll
    for (int jb = 0; jb < BN / 16; jb++) {
      wm::fragment<wm::accumulator, 16, 16, 16, float> acc;
      wm::fill_fragment(acc, 0.f);
#pragma unroll
      for (int kk = 0; kk < KB; kk++) {
        if (kk * 16 < E) {
          wm::fragment<wm::matrix_b, 16, 16, 16, W, wm::col_major> kf;
          wm::load_matrix_sync(kf, Ks + jb * 16 * LDH + kk * 16, LDH);
          wm::mma_sync(acc, qf[kk], kf, acc);
        }
      }
      wm::store_matrix_sync(Sw + jb * 16, acc, LDS, wm::mem_row_major);
    }
    __syncwarp();

    // Online softmax for row r over this lane's columns c = 2t + hf (log2 units; masked = -inf).
    // The scores are read twice (max, then exp2) rather than held: registers are what limit how
    // many CTAs share an SM here.
    float tmax = -INFINITY;
#pragma unroll
    for (int t = 0; t < BN / 2; t++) {
      const int c = 2 * t + hf;
      if (nt_attn_visible(row, k0 + c, a.L, a.S, a.causal)) tmax = fmaxf(tmax, Sw[r * LDS + c] * sl2);
    }
    tmax = fmaxf(tmax, __shfl_xor_sync(0xffffffffu, tmax, 1));
    float base;
    const float alpha = nt_attn_merge(rs, tmax, &base);
    float sum = 0.f;
#pragma unroll
    for (int t = 0; t < BN / 2; t++) {
      const int c = 2 * t + hf;
      const float p = nt_attn_visible(row, k0 + c, a.L, a.S, a.causal) ? nt_attn_ex2(Sw[r * LDS + c] * sl2 - base) : 0.f;
      sum += p;
      Pw[r * LDP + c] = attn_wmma_type<T>::from(p);
    }
    rs.l += sum + __shfl_xor_sync(0xffffffffu, sum, 1);
    __syncwarp();  // Pw complete; Sw free for the P.V blocks

    // O = alpha O + P V, BN / 16 column blocks at a time through Sw (it is BN floats wide).
    wm::fragment<wm::matrix_a, 16, 16, 16, W, wm::row_major> pf[BN / 16];
#pragma unroll
    for (int kk = 0; kk < BN / 16; kk++) wm::load_matrix_sync(pf[kk], Pw + kk * 16, LDP);
#pragma unroll
    for (int nb0 = 0; nb0 < KB; nb0 += BN / 16) {
#pragma unroll
      for (int g = 0; g < BN / 16; g++) {
        if ((nb0 + g) * 16 < Ev) {
          wm::fragment<wm::accumulator, 16, 16, 16, float> acc;
          wm::fill_fragment(acc, 0.f);
#pragma unroll
          for (int kk = 0; kk < BN / 16; kk++) {  // V rows k0 + 16 kk .., columns 16 (nb0 + g) ..
            wm::fragment<wm::matrix_b, 16, 16, 16, W, wm::row_major> vf;
            wm::load_matrix_sync(vf, Vs + kk * 16 * LDH + (nb0 + g) * 16, LDH);
            wm::mma_sync(acc, pf[kk], vf, acc);
          }
          wm::store_matrix_sync(Sw + g * 16, acc, LDS, wm::mem_row_major);
        }
      }
      __syncwarp();
#pragma unroll
      for (int g = 0; g < BN / 16; g++)
        if ((nb0 + g) * 16 < Ev)
#pragma unroll
          for (int t = 0; t < 8; t++) o[nb0 + g][t] = o[nb0 + g][t] * alpha + Sw[r * LDS + g * 16 + 2 * t + hf];
      __syncwarp();  // Sw is read before the next group (or the next tile's scores) overwrites it
    }
  }

  if (row < a.L) {
    const float inv = 1.f / rs.l;
    T* og = (T*)attn_rows<T>(a.o, b, h) + row * a.o.sr;
#pragma unroll
    for (int nb = 0; nb < KB; nb++)
      if (nb * 16 < Ev)
#pragma unroll
        for (int t = 0; t < 8; t++) st(og + nb * 16 + 2 * t + hf, o[nb][t] * inv);
    if (hf == 0) ((float*)attn_rows<float>(a.lse, b, h))[row * a.lse.sr] = nt_attn_row_lse(rs);
  }
}

// ---------------------------------------------------------------- SIMT
// CTA = BM = 4 * RW query rows of one (b, h); warp w owns rows w * RW .. w * RW + RW - 1. Per key
// tile of 32 keys, lane n scores key k0 + n against the warp's rows; max and sum are warp
// reductions; for P V, p of key n is broadcast from lane n and lane owns columns lane + 32 g.
template <class T>
__global__ void __launch_bounds__(NT_ATTN_THREADS) k_attn_fwd_simt(attn_fwd_args a) {
  typedef nt_compute_t<T> C;
  typedef nt_attn_simt<C> G;
  constexpr int RW = G::RW_FWD, BM = G::BM_FWD, BN = G::BN, NG = NT_ATTN_MAX_HEAD_DIM / 32;
  extern __shared__ __align__(128) unsigned char smem[];
  const int E = a.E, Ev = a.Ev, ldk = E + 1;
  const nt_attn_simt_fwd_layout lay = nt_attn_simt_fwd_carve(BM, E, Ev);
  C* Ks = (C*)smem + lay.k;  // [32][E + 1]
  C* Vs = (C*)smem + lay.v;  // [32][Ev]
  C* Qs = (C*)smem + lay.q;  // [BM][E]
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;

  int64_t bh, qt;
  nt_attn_fwd_block(blockIdx.x, a.bh_count, a.ntiles, &bh, &qt);
  const int64_t b = bh / a.H, h = bh - b * a.H, q0 = qt * BM;
  attn_load<T, C>(Qs, E, attn_rows<T>(a.q, b, h), a.q.sr, q0, BM, a.L, E);

  nt_attn_row<C> rs[RW];
  C o[RW][NG];
#pragma unroll
  for (int rr = 0; rr < RW; rr++) {
    rs[rr] = nt_attn_row_init<C>();
#pragma unroll
    for (int g = 0; g < NG; g++) o[rr][g] = 0;
  }
  const C sl2 = (C)(a.scale * NT_ATTN_LOG2E);
  const T* kg = attn_rows<T>(a.k, b, h);
  const T* vg = attn_rows<T>(a.v, b, h);
  const int64_t kend = nt_attn_fwd_key_end(q0, BM, a.L, a.S, a.causal);

  for (int64_t k0 = 0; k0 < kend; k0 += BN) {
    __syncthreads();  // the previous tile's readers are done
    attn_load<T, C>(Ks, ldk, kg, a.k.sr, k0, BN, a.S, E);
    attn_load<T, C>(Vs, Ev, vg, a.v.sr, k0, BN, a.S, Ev);
    __syncthreads();  // (the first pass also publishes Qs)

    C s[RW];
#pragma unroll
    for (int rr = 0; rr < RW; rr++) s[rr] = 0;
    for (int e = 0; e < E; e++) {
      const C kv = Ks[lane * ldk + e];
#pragma unroll
      for (int rr = 0; rr < RW; rr++) s[rr] += Qs[(warp * RW + rr) * E + e] * kv;
    }
    C p[RW];
#pragma unroll
    for (int rr = 0; rr < RW; rr++) {
      const int64_t i = q0 + warp * RW + rr;
      const C x = nt_attn_visible(i, k0 + lane, a.L, a.S, a.causal) ? s[rr] * sl2 : (C)-INFINITY;
      C base;
      const C alpha = nt_attn_merge(rs[rr], attn_warp_max(x), &base);
      p[rr] = nt_attn_ex2(x - base);
      rs[rr].l += attn_warp_sum(p[rr]);
#pragma unroll
      for (int g = 0; g < NG; g++) o[rr][g] *= alpha;
    }
    const int nk = a.S - k0 < BN ? (int)(a.S - k0) : BN;
    for (int n = 0; n < nk; n++) {
      C vc[NG];
#pragma unroll
      for (int g = 0; g < NG; g++) vc[g] = lane + 32 * g < Ev ? Vs[n * Ev + lane + 32 * g] : (C)0;
#pragma unroll
      for (int rr = 0; rr < RW; rr++) {
        const C pn = __shfl_sync(0xffffffffu, p[rr], n);
#pragma unroll
        for (int g = 0; g < NG; g++) o[rr][g] += pn * vc[g];
      }
    }
  }

#pragma unroll
  for (int rr = 0; rr < RW; rr++) {
    const int64_t i = q0 + warp * RW + rr;
    if (i >= a.L) continue;
    const C inv = (C)1 / rs[rr].l;
    T* og = (T*)attn_rows<T>(a.o, b, h) + i * a.o.sr;
#pragma unroll
    for (int g = 0; g < NG; g++)
      if (lane + 32 * g < Ev) st(og + lane + 32 * g, o[rr][g] * inv);
    if (lane == 0) ((C*)attn_rows<C>(a.lse, b, h))[i * a.lse.sr] = nt_attn_row_lse(rs[rr]);
  }
}

// ---------------------------------------------------------------- host
template <class T>
int run_attention(const nt_attn_dims& d, const attn_fwd_args& base, nt_error* err) {
  typedef nt_compute_t<T> C;
  attn_fwd_args a = base;
  const int path = nt_attn_path_for(d.dtype, d.E, d.Ev);
  const nt_attn_geom g = nt_attn_geometry(path, false, (int)sizeof(C), d.E, d.Ev);
  a.ntiles = (d.L + g.bm - 1) / g.bm;
  const int64_t grid = a.ntiles * a.bh_count;
  void (*kern)(attn_fwd_args) = k_attn_fwd_simt<T>;
  if constexpr (std::is_same<T, nt_half>::value || std::is_same<T, nt_bf16>::value) {
    if (path == NT_ATTN_WMMA64) kern = k_attn_fwd_wmma<T, 64>;
    if (path == NT_ATTN_WMMA128) kern = k_attn_fwd_wmma<T, 128>;
  }
  return attn_launch(kern, grid, g.smem, a, err);
}

int attention(const nt_args* args, nt_error* err) {
  nt_attn_dims d = {};
  if (nt_attn_check(args, false, &d, err)) return 1;
  if (d.B * d.H == 0) return 0;
  attn_fwd_args a;
  a.q = attn_mat_of(args->v[0]);
  a.k = attn_mat_of(args->v[1]);
  a.v = attn_mat_of(args->v[2]);
  a.o = attn_mat_of(args->v[3]);
  a.lse = attn_mat_of(args->v[4]);
  a.H = d.H;
  a.bh_count = d.B * d.H;
  a.ntiles = 0;
  a.L = d.L;
  a.S = d.S;
  a.E = (int)d.E;
  a.Ev = (int)d.Ev;
  a.scale = args->f[0];
  a.causal = d.causal;
  NTC_DISPATCH_FLOAT(d.dtype, T, return run_attention<T>(d, a, err));
  return nt_cu_fail(err, "unsupported dtype %s", nt_dtype_name(d.dtype));
}

}  // namespace
}  // namespace ntc

void ntc_register_attention(nt_kernel_fn* s) {
  s[NT_OP_attention] = ntc::attention;
  s[NT_OP_attention_backward] = ntc::attention_backward;
}
