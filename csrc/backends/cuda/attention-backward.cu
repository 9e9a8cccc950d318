// attention-backward.cu — CUDA kernels for the fused attention backward (FlashAttention-2 style):
//   1. D_i = sum_c dout[i, c] * out[i, c] per query row (compute-type scratch);
//   2. one CTA per (b, h, key tile): K_j, V_j stay in shared memory while query tiles stream past;
//      P = exp(scale q k^T - lse) is recomputed, dV_j += P^T dO, dP = dO V^T, dS = P (dP - D),
//      dK_j += scale dS^T Q in registers, and dQ += scale dS K_j goes out as atomic adds into a
//      zeroed accumulator (float; double for float64);
//   3. float16/bfloat16 only: that float dQ accumulator converted into dq.
// dQ by atomics rather than a second pass over query tiles: a second pass would recompute q k^T and
// dO V^T (two of the five products), while the atomics add L * S * E / 64 float adds to L2; the price
// is that dq's summation order (and so its last bits) varies from run to run.
// Paths as the forward: wmma for float16/bfloat16 with head dims that are multiples of 16, SIMT else.
// Not here: the forward and the slot registration (attention.cu).
// NOTE: written and compiled without a GPU; never run (see bench/gpu/README.md).
#include "attention-tiles.cuh"

namespace ntc {
namespace {

namespace wm = nvcuda::wmma;

// ---------------------------------------------------------------- D = rowsum(dout * out)
// One warp per query row (bh, i); the row index runs over B * H * L.
template <class T>
__global__ void __launch_bounds__(256) k_attn_bwd_dsum(attn_bwd_args a) {
  typedef nt_compute_t<T> C;
  const int64_t row = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  if (row >= a.bh_count * a.L) return;  // whole warps leave together
  const int64_t bh = row / a.L, i = row - bh * a.L, b = bh / a.H, h = bh - b * a.H;
  const T* o = attn_rows<T>(a.o, b, h) + i * a.o.sr;
  const T* d = attn_rows<T>(a.dout, b, h) + i * a.dout.sr;
  C s = 0;
  for (int c = lane; c < a.Ev; c += 32) s += (C)ld(o + c) * (C)ld(d + c);
  s = attn_warp_sum(s);
  if (lane == 0) ((C*)a.dsum)[row] = s;
}

// The float dQ accumulator -> dq (float16/bfloat16; both contiguous).
template <class T>
__global__ void __launch_bounds__(256) k_attn_bwd_dq_cast(const float* acc, T* dq, int64_t n) {
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    st(dq + i, acc[i]);
}

// ---------------------------------------------------------------- tensor cores
// CTA = BN = 64 keys of one (b, h); warp w owns keys 16w..16w+15: it computes S^T and dP^T for them
// (16 keys x BM queries), so P, dS and the dK/dV accumulators of a key never leave its warp. Only dQ
// mixes keys: every warp's dS^T rows go to the shared PdS buffer, then the (BM/16) x (E/16) blocks of
// dS K are dealt out over the warps. SIMT elementwise work uses lane = (key r = lane / 2, query
// columns 2t + (lane & 1)).
template <class T, int D>
__global__ void __launch_bounds__(NT_ATTN_THREADS, nt_attn_wbwd<D>::MIN_CTAS) k_attn_bwd_wmma(attn_bwd_args a) {
  typedef nt_attn_wbwd<D> G;
  typedef typename attn_wmma_type<T>::type W;
  constexpr int BM = G::BM, BN = G::BN, LDH = G::LDH, LDQ = G::LDQ, LDF = G::LDF, KB = D / 16, MB = BM / 16;
  typedef wm::fragment<wm::accumulator, 16, 16, 16, float> acc_t;
  typedef wm::fragment<wm::matrix_a, 16, 16, 16, W, wm::row_major> arow_t;
  typedef wm::fragment<wm::matrix_a, 16, 16, 16, W, wm::col_major> acol_t;
  typedef wm::fragment<wm::matrix_b, 16, 16, 16, W, wm::row_major> brow_t;
  typedef wm::fragment<wm::matrix_b, 16, 16, 16, W, wm::col_major> bcol_t;
  extern __shared__ __align__(128) unsigned char smem[];
  W* Ks = (W*)(smem + G::K_OFF);    // [BN][LDH]
  W* Vs = (W*)(smem + G::V_OFF);    // [BN][LDH]
  W* Qs = (W*)(smem + G::Q_OFF);    // [BM][LDH]
  W* dOs = (W*)(smem + G::DO_OFF);  // [BM][LDH]
  W* PdS = (W*)(smem + G::PDS_OFF); // [BN][LDQ]: row = key, column = query; P^T, then dS^T
  float* lse2 = (float*)(smem + G::LSE_OFF);  // [BM] lse * log2(e)
  float* Dl = (float*)(smem + G::DL_OFF);     // [BM]
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  float* Fw = (float*)(smem + G::F_OFF + warp * G::F_WARP);  // this warp's [16][LDF]
  W* Pw = PdS + warp * 16 * LDQ;                              // this warp's 16 rows of PdS
  const int E = a.E, Ev = a.Ev;

  int64_t bh, kt;
  nt_attn_bwd_block(blockIdx.x, a.bh_count, &bh, &kt);
  const int64_t b = bh / a.H, h = bh - b * a.H, k0 = kt * BN;
  attn_load16((uint16_t*)Ks, LDH, attn_rows<uint16_t>(a.k, b, h), a.k.sr, k0, BN, a.S, E, a.k.vec);
  attn_load16((uint16_t*)Vs, LDH, attn_rows<uint16_t>(a.v, b, h), a.v.sr, k0, BN, a.S, Ev, a.v.vec);

  acc_t dk[KB], dv[KB];
#pragma unroll
  for (int x = 0; x < KB; x++) {
    wm::fill_fragment(dk[x], 0.f);
    wm::fill_fragment(dv[x], 0.f);
  }
  const int r = lane >> 1, hf = lane & 1;
  const int64_t j = k0 + warp * 16 + r;  // this lane's key
  const float sl2 = (float)(a.scale * NT_ATTN_LOG2E), scale = (float)a.scale;
  const uint16_t* qg = attn_rows<uint16_t>(a.q, b, h);
  const uint16_t* dog = attn_rows<uint16_t>(a.dout, b, h);
  const float* lseg = attn_rows<float>(a.lse, b, h);
  const float* dsum = (const float*)a.dsum + bh * a.L;
  float* dq = (float*)a.dq_acc + bh * a.L * E;

  for (int64_t qt = nt_attn_bwd_first_query_tile(k0, BM, a.L, a.causal); qt * BM < a.L; qt++) {
    const int64_t q0 = qt * BM;
    __syncthreads();  // the previous query tile's readers of Qs, dOs, PdS, lse2, Dl are done
    attn_load16((uint16_t*)Qs, LDH, qg, a.q.sr, q0, BM, a.L, E, a.q.vec);
    attn_load16((uint16_t*)dOs, LDH, dog, a.dout.sr, q0, BM, a.L, Ev, a.dout.vec);
    for (int m = threadIdx.x; m < BM; m += NT_ATTN_THREADS) {
      const bool in = q0 + m < a.L;
      lse2[m] = in ? lseg[(q0 + m) * a.lse.sr] * (float)NT_ATTN_LOG2E : 0.f;
      Dl[m] = in ? dsum[q0 + m] : 0.f;
    }
    __syncthreads();  // (the first pass also publishes Ks and Vs)

    // 1. S^T = K_w Q^T (16 keys x BM queries) -> Fw. Q^T as col_major matrix_b: element (e, m) is
    //    Qs[(16 mb + m) * LDH + e].
#pragma unroll
    for (int mb = 0; mb < MB; mb++) {
      acc_t acc;
      wm::fill_fragment(acc, 0.f);
#pragma unroll
      for (int kk = 0; kk < KB; kk++) {
        if (kk * 16 < E) {
          arow_t ka;
          bcol_t qb;
          wm::load_matrix_sync(ka, Ks + warp * 16 * LDH + kk * 16, LDH);
          wm::load_matrix_sync(qb, Qs + mb * 16 * LDH + kk * 16, LDH);
          wm::mma_sync(acc, ka, qb, acc);
        }
      }
      wm::store_matrix_sync(Fw + mb * 16, acc, LDF, wm::mem_row_major);
    }
    __syncwarp();

    // 2. P^T[r][c] = exp2(S * scale * log2 e - lse_c * log2 e), 0 where key j is not visible to
    //    query q0 + c, into Pw as 16-bit (the products' operand; step 5 reads it back, so dS uses
    //    the rounded P, as a composite's softmax backward would: holding P in float registers made
    //    this kernel spill on sm_90).
#pragma unroll
    for (int t = 0; t < BM / 2; t++) {
      const int c = 2 * t + hf;
      const float p = nt_attn_visible(q0 + c, j, a.L, a.S, a.causal) ? nt_attn_ex2(Fw[r * LDF + c] * sl2 - lse2[c]) : 0.f;
      Pw[r * LDQ + c] = attn_wmma_type<T>::from(p);
    }
    __syncwarp();

    // 3. dV_w += P^T_w dO (16 keys x Ev); one P^T fragment live at a time.
#pragma unroll
    for (int kk = 0; kk < MB; kk++) {
      arow_t pa;
      wm::load_matrix_sync(pa, Pw + kk * 16, LDQ);
#pragma unroll
      for (int nb = 0; nb < KB; nb++) {
        if (nb * 16 < Ev) {
          brow_t ob;
          wm::load_matrix_sync(ob, dOs + kk * 16 * LDH + nb * 16, LDH);
          wm::mma_sync(dv[nb], pa, ob, dv[nb]);
        }
      }
    }

    // 4. dP^T = V_w dO^T (16 keys x BM queries) -> Fw (the scores in Fw were consumed in step 2).
#pragma unroll
    for (int mb = 0; mb < MB; mb++) {
      acc_t acc;
      wm::fill_fragment(acc, 0.f);
#pragma unroll
      for (int kk = 0; kk < KB; kk++) {
        if (kk * 16 < Ev) {
          arow_t va;
          bcol_t ob;
          wm::load_matrix_sync(va, Vs + warp * 16 * LDH + kk * 16, LDH);
          wm::load_matrix_sync(ob, dOs + mb * 16 * LDH + kk * 16, LDH);
          wm::mma_sync(acc, va, ob, acc);
        }
      }
      wm::store_matrix_sync(Fw + mb * 16, acc, LDF, wm::mem_row_major);
    }
    __syncwarp();  // dP^T is in Fw, and every lane is done reading P^T from Pw (step 3)

    // 5. dS^T = P^T (dP^T - D) over Pw, each lane on the elements it wrote in step 2 (gradient of
    //    the scaled scores; the scale is applied below).
#pragma unroll
    for (int t = 0; t < BM / 2; t++) {
      const int c = 2 * t + hf;
      const float p = attn_wmma_type<T>::to(Pw[r * LDQ + c]);
      Pw[r * LDQ + c] = attn_wmma_type<T>::from(p * (Fw[r * LDF + c] - Dl[c]));
    }
    __syncthreads();  // every warp's dS^T rows are in PdS (step 7 reads them all)

    // 6. dK_w += dS^T_w Q (16 keys x E); one dS^T fragment live at a time.
#pragma unroll
    for (int kk = 0; kk < MB; kk++) {
      arow_t sa;
      wm::load_matrix_sync(sa, Pw + kk * 16, LDQ);
#pragma unroll
      for (int eb = 0; eb < KB; eb++) {
        if (eb * 16 < E) {
          brow_t qb;
          wm::load_matrix_sync(qb, Qs + kk * 16 * LDH + eb * 16, LDH);
          wm::mma_sync(dk[eb], sa, qb, dk[eb]);
        }
      }
    }

    // 7. dQ[q0 + 16 mb .., 16 eb ..] += scale dS K_j, block (mb, eb) = blk by warp blk % 4. dS as a
    //    col_major matrix_a: element (m, n) is PdS[n * LDQ + 16 mb + m].
    for (int blk = warp; blk < MB * KB; blk += G::WARPS) {
      const int mb = blk / KB, eb = blk - mb * KB;
      if (eb * 16 >= E) continue;  // uniform across the warp
      acc_t acc;
      wm::fill_fragment(acc, 0.f);
#pragma unroll
      for (int kk = 0; kk < BN / 16; kk++) {
        acol_t sa;
        brow_t kb;
        wm::load_matrix_sync(sa, PdS + kk * 16 * LDQ + mb * 16, LDQ);
        wm::load_matrix_sync(kb, Ks + kk * 16 * LDH + eb * 16, LDH);
        wm::mma_sync(acc, sa, kb, acc);
      }
      wm::store_matrix_sync(Fw, acc, LDF, wm::mem_row_major);
      __syncwarp();
#pragma unroll
      for (int t = 0; t < 8; t++) {  // element (rr, cc) of the block, 16 consecutive columns per half-warp
        const int idx = lane + 32 * t, rr = idx >> 4, cc = idx & 15;
        const int64_t i = q0 + mb * 16 + rr;
        if (i < a.L) atomicAdd(dq + i * E + eb * 16 + cc, Fw[rr * LDF + cc] * scale);
      }
      __syncwarp();
    }
  }

  // dK (times scale) and dV rows of this warp's keys, through Fw to convert and place them.
  T* dkg = (T*)a.dk + (bh * a.S + k0 + warp * 16) * E;
  T* dvg = (T*)a.dv + (bh * a.S + k0 + warp * 16) * Ev;
#pragma unroll
  for (int x = 0; x < 2 * KB; x++) {
    const bool is_k = x < KB;
    const int cb = is_k ? x : x - KB, cols = is_k ? E : Ev;
    if (cb * 16 >= cols) continue;
    if (is_k) {
#pragma unroll
      for (int e = 0; e < dk[cb].num_elements; e++) dk[cb].x[e] *= scale;  // uniform: layout-agnostic
      wm::store_matrix_sync(Fw, dk[cb], LDF, wm::mem_row_major);
    } else {
      wm::store_matrix_sync(Fw, dv[cb], LDF, wm::mem_row_major);
    }
    __syncwarp();
    T* dst = is_k ? dkg : dvg;
#pragma unroll
    for (int t = 0; t < 8; t++) {
      const int idx = lane + 32 * t, rr = idx >> 4, cc = idx & 15;
      if (k0 + warp * 16 + rr < a.S) st(dst + (int64_t)rr * cols + cb * 16 + cc, Fw[rr * LDF + cc]);
    }
    __syncwarp();
  }
}

// ---------------------------------------------------------------- SIMT
// CTA = 32 keys of one (b, h); query tiles of BM = 4 * RW rows. Step A: lane n takes key k0 + n
// against the warp's RW rows (P and dS to shared memory). Step B: warp w accumulates dK/dV rows of
// keys 8w .. 8w + 7, lane owning columns lane + 32 g. Step C: warp w's rows of dS K go out as atomics.
template <class T>
__global__ void __launch_bounds__(NT_ATTN_THREADS) k_attn_bwd_simt(attn_bwd_args a) {
  typedef nt_compute_t<T> C;
  typedef nt_attn_simt<C> G;
  constexpr int RW = G::RW_BWD, BM = G::BM_BWD, BN = G::BN, KPW = G::KPW, NG = NT_ATTN_MAX_HEAD_DIM / 32;
  constexpr int LDP = BN + 1;
  extern __shared__ __align__(128) unsigned char smem[];
  const int E = a.E, Ev = a.Ev, ldk = E + 1, ldv = Ev + 1;
  const nt_attn_simt_bwd_layout lay = nt_attn_simt_bwd_carve(BM, E, Ev);
  C* Ks = (C*)smem + lay.k;     // [32][E + 1]
  C* Vs = (C*)smem + lay.v;     // [32][Ev + 1]
  C* Qs = (C*)smem + lay.q;     // [BM][E]
  C* dOs = (C*)smem + lay.dout; // [BM][Ev]
  C* Ps = (C*)smem + lay.p;     // [BM][33]
  C* dSs = (C*)smem + lay.ds;   // [BM][33]
  C* lse2 = (C*)smem + lay.lse; // [BM]
  C* Dl = (C*)smem + lay.dl;    // [BM]
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;

  int64_t bh, kt;
  nt_attn_bwd_block(blockIdx.x, a.bh_count, &bh, &kt);
  const int64_t b = bh / a.H, h = bh - b * a.H, k0 = kt * BN;
  attn_load<T, C>(Ks, ldk, attn_rows<T>(a.k, b, h), a.k.sr, k0, BN, a.S, E);
  attn_load<T, C>(Vs, ldv, attn_rows<T>(a.v, b, h), a.v.sr, k0, BN, a.S, Ev);

  C dk[KPW][NG], dv[KPW][NG];
#pragma unroll
  for (int kn = 0; kn < KPW; kn++)
#pragma unroll
    for (int g = 0; g < NG; g++) dk[kn][g] = dv[kn][g] = 0;
  const C sl2 = (C)(a.scale * NT_ATTN_LOG2E), scale = (C)a.scale;
  const T* qg = attn_rows<T>(a.q, b, h);
  const T* dog = attn_rows<T>(a.dout, b, h);
  const C* lseg = attn_rows<C>(a.lse, b, h);
  const C* dsum = (const C*)a.dsum + bh * a.L;
  C* dq = (C*)a.dq_acc + bh * a.L * E;
  const int nk = a.S - k0 < BN ? (int)(a.S - k0) : BN;  // keys of this tile that exist

  for (int64_t qt = nt_attn_bwd_first_query_tile(k0, BM, a.L, a.causal); qt * BM < a.L; qt++) {
    const int64_t q0 = qt * BM;
    const int nm = a.L - q0 < BM ? (int)(a.L - q0) : BM;  // rows of this tile that exist
    __syncthreads();  // the previous query tile's readers are done
    attn_load<T, C>(Qs, E, qg, a.q.sr, q0, BM, a.L, E);
    attn_load<T, C>(dOs, Ev, dog, a.dout.sr, q0, BM, a.L, Ev);
    for (int m = threadIdx.x; m < BM; m += NT_ATTN_THREADS) {
      lse2[m] = m < nm ? lseg[(q0 + m) * a.lse.sr] * (C)NT_ATTN_LOG2E : (C)0;
      Dl[m] = m < nm ? dsum[q0 + m] : (C)0;
    }
    __syncthreads();  // (the first pass also publishes Ks and Vs)

    // A. s = q_m . k_n and dp = dout_m . v_n for n = lane, m = the warp's rows.
    C s[RW], dp[RW];
#pragma unroll
    for (int rr = 0; rr < RW; rr++) s[rr] = dp[rr] = 0;
    for (int e = 0; e < E; e++) {
      const C kv = Ks[lane * ldk + e];
#pragma unroll
      for (int rr = 0; rr < RW; rr++) s[rr] += Qs[(warp * RW + rr) * E + e] * kv;
    }
    for (int c = 0; c < Ev; c++) {
      const C vv = Vs[lane * ldv + c];
#pragma unroll
      for (int rr = 0; rr < RW; rr++) dp[rr] += dOs[(warp * RW + rr) * Ev + c] * vv;
    }
#pragma unroll
    for (int rr = 0; rr < RW; rr++) {
      const int m = warp * RW + rr;
      const C p = nt_attn_visible(q0 + m, k0 + lane, a.L, a.S, a.causal) ? nt_attn_ex2(s[rr] * sl2 - lse2[m]) : (C)0;
      Ps[m * LDP + lane] = p;
      dSs[m * LDP + lane] = p * (dp[rr] - Dl[m]);
    }
    __syncthreads();

    // B. dV[n] += sum_m P[m][n] dout_m; dK[n] += sum_m dS[m][n] q_m (n = 8 warp + kn).
    for (int m = 0; m < nm; m++) {
      C qv[NG], dov[NG];
#pragma unroll
      for (int g = 0; g < NG; g++) {
        const int c = lane + 32 * g;
        qv[g] = c < E ? Qs[m * E + c] : (C)0;
        dov[g] = c < Ev ? dOs[m * Ev + c] : (C)0;
      }
#pragma unroll
      for (int kn = 0; kn < KPW; kn++) {
        const C pm = Ps[m * LDP + warp * KPW + kn], dsm = dSs[m * LDP + warp * KPW + kn];
#pragma unroll
        for (int g = 0; g < NG; g++) {
          dv[kn][g] += pm * dov[g];
          dk[kn][g] += dsm * qv[g];
        }
      }
    }

    // C. dQ[m] += scale sum_n dS[m][n] k_n for the warp's rows (reads only what step B reads too).
    C acc[RW][NG];
#pragma unroll
    for (int rr = 0; rr < RW; rr++)
#pragma unroll
      for (int g = 0; g < NG; g++) acc[rr][g] = 0;
    for (int n = 0; n < nk; n++) {
      C kv[NG];
#pragma unroll
      for (int g = 0; g < NG; g++) kv[g] = lane + 32 * g < E ? Ks[n * ldk + lane + 32 * g] : (C)0;
#pragma unroll
      for (int rr = 0; rr < RW; rr++) {
        const C ds = dSs[(warp * RW + rr) * LDP + n];
#pragma unroll
        for (int g = 0; g < NG; g++) acc[rr][g] += ds * kv[g];
      }
    }
#pragma unroll
    for (int rr = 0; rr < RW; rr++) {
      const int m = warp * RW + rr;
      if (m >= nm) continue;
#pragma unroll
      for (int g = 0; g < NG; g++)
        if (lane + 32 * g < E) atomicAdd(dq + (q0 + m) * E + lane + 32 * g, acc[rr][g] * scale);
    }
  }

#pragma unroll
  for (int kn = 0; kn < KPW; kn++) {
    const int n = warp * KPW + kn;
    if (n >= nk) continue;
    T* dkr = (T*)a.dk + (bh * a.S + k0 + n) * E;
    T* dvr = (T*)a.dv + (bh * a.S + k0 + n) * Ev;
#pragma unroll
    for (int g = 0; g < NG; g++) {
      const int c = lane + 32 * g;
      if (c < E) st(dkr + c, dk[kn][g] * scale);
      if (c < Ev) st(dvr + c, dv[kn][g]);
    }
  }
}

// ---------------------------------------------------------------- host
template <class T>
int run_backward(const nt_attn_dims& d, const nt_args* args, attn_bwd_args a, nt_error* err) {
  typedef nt_compute_t<T> C;
  const int path = nt_attn_path_for(d.dtype, d.E, d.Ev);
  const nt_attn_geom g = nt_attn_geometry(path, true, (int)sizeof(C), d.E, d.Ev);
  a.ntiles = (d.S + g.bn - 1) / g.bn;
  const int64_t rows = a.bh_count * d.L, nq = rows * d.E;
  cudaStream_t s = cur()->stream;
  // dQ accumulates in the compute type: straight into dq for float32/float64 (contiguous), else in
  // a float scratch converted at the end.
  constexpr bool direct = std::is_same<T, C>::value;
  void* dsum = scratch_alloc((size_t)rows * sizeof(C), err);
  if (!dsum) return 1;
  void* acc = direct ? vptr<T>(args->v[6]) : scratch_alloc((size_t)(nq > 0 ? nq : 1) * sizeof(C), err);
  if (!acc) {
    scratch_free(dsum);
    return 1;
  }
  a.dsum = dsum;
  a.dq_acc = acc;
  a.dk = vptr<T>(args->v[7]);
  a.dv = vptr<T>(args->v[8]);
  int rc = 0;
  cudaError_t e = cudaMemsetAsync(acc, 0, (size_t)nq * sizeof(C), s);
  if (e != cudaSuccess) rc = cuda_fail(err, e, "cudaMemsetAsync");
  if (!rc) rc = attn_start(k_attn_bwd_dsum<T>, grid_for(rows * 32, 256, INT32_MAX), 256, 0, err, a);
  const int64_t grid = a.ntiles * a.bh_count;
  if (!rc) {
    void (*kern)(attn_bwd_args) = k_attn_bwd_simt<T>;
    if constexpr (std::is_same<T, nt_half>::value || std::is_same<T, nt_bf16>::value) {
      if (path == NT_ATTN_WMMA64) kern = k_attn_bwd_wmma<T, 64>;
      if (path == NT_ATTN_WMMA128) kern = k_attn_bwd_wmma<T, 128>;
    }
    rc = attn_launch(kern, grid, g.smem, a, err);
  }
  if constexpr (!direct) {
    if (!rc && nq > 0)
      rc = attn_start(k_attn_bwd_dq_cast<T>, grid_for(nq, 256, 8192), 256, 0, err, (const float*)acc, vptr<T>(args->v[6]), nq);
  }
  scratch_free(dsum);  // stream-ordered: a later user of these blocks runs after these kernels
  if (!direct) scratch_free(acc);
  return rc;
}

}  // namespace

int attention_backward(const nt_args* args, nt_error* err) {
  nt_attn_dims d = {};
  if (nt_attn_check(args, true, &d, err)) return 1;
  if (d.B * d.H == 0) return 0;
  attn_bwd_args a;
  a.q = attn_mat_of(args->v[0]);
  a.k = attn_mat_of(args->v[1]);
  a.v = attn_mat_of(args->v[2]);
  a.o = attn_mat_of(args->v[3]);
  a.dout = attn_mat_of(args->v[4]);
  a.lse = attn_mat_of(args->v[5]);
  a.dq_acc = a.dk = a.dv = nullptr;
  a.dsum = nullptr;
  a.H = d.H;
  a.bh_count = d.B * d.H;
  a.ntiles = 0;
  a.L = d.L;
  a.S = d.S;
  a.E = (int)d.E;
  a.Ev = (int)d.Ev;
  a.scale = args->f[0];
  a.causal = d.causal;
  NTC_DISPATCH_FLOAT(d.dtype, T, return run_backward<T>(d, args, a, err));
  return nt_cu_fail(err, "unsupported dtype %s", nt_dtype_name(d.dtype));
}

}  // namespace ntc
