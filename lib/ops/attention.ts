// attention.ts — the fused attention op (ops.def: attention, attention_backward) and its gradient:
// softmax(scale q kᵀ [causal]) v without the [L, S] score matrix, on backends whose kernel slot is
// filled. Inputs of any rank are broadcast over their batch dims and folded to the kernel's
// [B, H, rows, cols] views (a copy only when the batch dims don't fold, or the last dim isn't
// unit-stride). The gradient runs attention_backward; under createGraph it is built from
// differentiable composite ops instead, so second derivatives work.
// Not here: when the fused op applies and the composite fallback (lib/nn/functional-attention.ts).
import { DTYPES } from '../dtype';
import { emptyTensor, resetParams, setF, setI, setViewAs, submit } from '../dispatch';
import { BACKEND_CUDA } from '../device';
import { native } from '../native';
import { OP } from '../op-list';
import { broadcastShapes, contiguousStrides, fmtShape } from '../shape';
import { Tensor } from '../tensor';
import { defineGrad, isGradEnabled, noGrad, record } from '../autograd';
import { tidy } from '../memory';
import { arange } from './creation';

const F64 = 1, F32 = 0;

// Whether a device key's backend runs both kernels for a dtype: key * 8 + dtype -> answer.
const supported = new Map<number, boolean>();
let enabled = process.env.NODETENSOR_FUSED_ATTENTION !== '0';

// The largest head dim (E and Ev) each backend's kernels take, by backend id (csrc/backends/cuda/
// attention-plan.h nt_attn_limits: the tiles live in shared memory); absent = no limit.
const MAX_HEAD_DIM: (number | undefined)[] = [];
MAX_HEAD_DIM[BACKEND_CUDA] = 128;

/**
 * @internal Whether the fused kernels can run on device `key` for dtype id `dt` and head dims `e`, `ev`
 * (the backend asked once per device key and dtype; false on backends whose slots are null, above a
 * backend's head-dim limit, or when turned off).
 * @example fusedAttentionAvailable(0, 0, 64, 64) // true: the CPU backend has the kernels for float32
 */
export function fusedAttentionAvailable(key: number, dt: number, e: number, ev: number): boolean {
  if (!enabled) return false;
  const b = key >> 8;
  const lim = MAX_HEAD_DIM[b];
  if (lim !== undefined && (e > lim || ev > lim)) return false;
  const c = key * 8 + dt;
  let r = supported.get(c);
  if (r === undefined) {
    r = native.backendSupports(b, OP.attention, dt) === null && native.backendSupports(b, OP.attention_backward, dt) === null;
    supported.set(c, r);
  }
  return r;
}

/**
 * @internal Turns the fused path off (benchmarks and tests compare it with the composite). The
 * environment variable NODETENSOR_FUSED_ATTENTION=0 starts with it off.
 * @example setFusedAttention(false); // scaledDotProductAttention runs the composite
 */
export function setFusedAttention(on: boolean): void { enabled = on; }

/** The kernel's 4-D view of one operand: [B, H, rows, cols] over `t`'s storage. */
interface View4 { t: Tensor; shape: number[]; strides: number[]; offset: number }

/**
 * t broadcast to `batch` + its last two dims, folded to [B, H, rows, cols] (B = the leading batch
 * dims, H = the last one) as a view, or null when the dims don't fold or the last dim isn't unit-stride.
 */
function fold(t: Tensor, batch: number[]): View4 | null {
  const n = t.shape.length, nb = batch.length, rows = t.shape[n - 2], cols = t.shape[n - 1];
  if (cols > 1 && t.strides[n - 1] !== 1) return null;
  let B = 1, sB = 0, H = 1, sH = 0;
  for (let i = 0; i < nb; i++) {
    const j = i - (nb - (n - 2));
    const size = batch[i], st = j < 0 || t.shape[j] !== size ? 0 : t.strides[j];
    if (size === 1) continue;
    if (i === nb - 1) { H = size; sH = st; break; }
    if (B === 1) { B = size; sB = st; continue; }
    if (sB !== st * size) return null;  // the leading dims must merge into one
    B *= size; sB = st;
  }
  return { t, shape: [B, H, rows, cols], strides: [sB, sH, t.strides[n - 2], cols > 1 ? 1 : t.strides[n - 1]], offset: t.offset };
}

/** fold(), or a contiguous copy of t broadcast to batch + its last two dims (no gradient recorded). */
function fold4(t: Tensor, batch: number[], copies: Tensor[]): View4 {
  const f = fold(t, batch);
  if (f !== null) return f;
  const n = t.shape.length;
  const c = noGrad(() => t.expand([...batch, t.shape[n - 2], t.shape[n - 1]]).contiguous());
  copies.push(c);
  return fold(c, batch)!;
}

function setView4(slot: number, v: View4): void { setViewAs(slot, v.t, v.shape, v.strides, v.offset); }

/** The broadcast batch dims of q, k, v (all but their last two dims). */
export function attentionBatch(q: Tensor, k: Tensor, v: Tensor, op: string): number[] {
  const bq = q.shape.slice(0, -2), bk = k.shape.slice(0, -2), bv = v.shape.slice(0, -2);
  try {
    return broadcastShapes(broadcastShapes(bq, bk, op), bv, op);
  } catch {
    throw new RangeError(`${op}: the batch dims of query ${fmtShape(q.shape)}, key ${fmtShape(k.shape)} and value ${fmtShape(v.shape)} (all but the last two) do not broadcast together`);
  }
}

interface AttnCtx { scale: number; causal: boolean }

/**
 * @internal bool [L, S], true above the diagonal: the positions a causal mask hides (key j > query i).
 * @example causalMask(2, 3, 'cpu').toArray() // [[false, true, true], [false, false, true]]
 */
export function causalMask(L: number, S: number, device: string): Tensor {
  return tidy(() => arange(S, undefined, 1, { device }).unsqueeze(0).gt(arange(L, undefined, 1, { device }).unsqueeze(1)));
}

/** The gradient from differentiable composite ops (for createGraph: gradients of gradients). */
function compositeGrads(q: Tensor, k: Tensor, v: Tensor, g: Tensor, scale: number, causal: boolean): Tensor[] {
  const L = q.shape[q.shape.length - 2], S = k.shape[k.shape.length - 2];
  const tmp: Tensor[] = [];
  const t = (x: Tensor): Tensor => { tmp.push(x); return x; };
  let s = t(t(q.matmul(t(k.transpose(-2, -1)))).mul(scale));
  if (causal) s = t(s.maskedFill(t(causalMask(L, S, q.device)), -Infinity));
  const p = t(s.softmax(-1));
  const dv = t(p.transpose(-2, -1)).matmul(g);
  const dp = t(g.matmul(t(v.transpose(-2, -1))));
  const ds = t(p.mul(t(dp.sub(t(t(dp.mul(p)).sum(-1, true))))));
  const dq = t(ds.matmul(k)).mul(scale);
  const dk = t(t(t(ds.transpose(-2, -1)).matmul(q))).mul(scale);
  for (const x of tmp) x.dispose();
  return [dq, dk, dv];
}

// Saves q, k, v (as given), out and lse; ctx: scale and causal.
const ATTENTION_G = defineGrad('ScaledDotProductFlashAttentionBackward', (g, n) => {
  const { scale, causal } = n.ctx as AttnCtx;
  const q = n.s(0), k = n.s(1), v = n.s(2);
  if (isGradEnabled()) return compositeGrads(q, k, v, g, scale, causal);  // createGraph
  const gg = g._dt === q._dt ? g : g.to(DTYPES[q._dt]);
  const r = fusedAttentionBackward(q, k, v, n.s(3), gg, n.s(4), scale, causal);
  if (gg !== g) gg.dispose();
  return r;
});

/**
 * @internal softmax(q kᵀ · scale) v with the fused kernel; `causal` hides key j from query i when
 * j > i. q [..., L, E], k [..., S, E], v [..., S, Ev], one floating dtype on one device whose backend
 * has the kernel (the caller checks fusedAttentionAvailable), L, S >= 1. Returns [batch..., L, Ev];
 * `batch`: the broadcast batch dims when the caller has them (attentionBatch).
 * @example fusedAttention(q, k, v, 1 / Math.sqrt(q.shape[q.ndim - 1]), true)
 */
export function fusedAttention(q: Tensor, k: Tensor, v: Tensor, scale: number, causal: boolean, batch?: number[]): Tensor {
  const nq = q.shape.length, nv = v.shape.length;
  if (batch === undefined) batch = attentionBatch(q, k, v, 'scaledDotProductAttention');
  const L = q.shape[nq - 2], Ev = v.shape[nv - 1];
  const copies: Tensor[] = [];
  const q4 = fold4(q, batch, copies), k4 = fold4(k, batch, copies), v4 = fold4(v, batch, copies);
  const B = q4.shape[0], H = q4.shape[1];
  const rec = q._storage!.rec;
  const out = emptyTensor([...batch, L, Ev], q._dt, rec.key, rec.device);
  const lse = emptyTensor([B, H, L], q._dt === F64 ? F64 : F32, rec.key, rec.device);
  resetParams();
  setF(0, scale);
  setI(0, causal ? 1 : 0);
  setView4(0, q4); setView4(1, k4); setView4(2, v4);
  setViewAs(3, out, [B, H, L, Ev], contiguousStrides([B, H, L, Ev]), 0);
  setViewAs(4, lse, lse.shape, lse.strides, 0);
  try {
    submit(OP.attention, rec.key, 5);  // (on error it disposes out and lse)
  } finally {
    for (const c of copies) c.dispose();
  }
  if ((q.requiresGrad || k.requiresGrad || v.requiresGrad) && isGradEnabled()) {
    record(ATTENTION_G, [q, k, v], out, [q, k, v, out, lse], { scale, causal });
  }
  lse.dispose();  // the node keeps its own alias
  return out;
}

/**
 * @internal The fused backward: [dq, dk, dv] shaped like q, k, v broadcast to their common batch dims
 * (the autograd engine sums broadcast dims away). `g` is the gradient of `out`.
 * @example const [dq, dk, dv] = fusedAttentionBackward(q, k, v, out, g, lse, scale, causal);
 */
export function fusedAttentionBackward(q: Tensor, k: Tensor, v: Tensor, out: Tensor, g: Tensor, lse: Tensor, scale: number, causal: boolean): Tensor[] {
  const nq = q.shape.length, nk = k.shape.length, nv = v.shape.length;
  const batch = attentionBatch(q, k, v, 'scaledDotProductAttention backward');
  const copies: Tensor[] = [];
  const q4 = fold4(q, batch, copies), k4 = fold4(k, batch, copies), v4 = fold4(v, batch, copies);
  const o4 = fold4(out, batch, copies), g4 = fold4(g, batch, copies);
  const rec = q._storage!.rec;
  const dq = emptyTensor([...batch, q.shape[nq - 2], q.shape[nq - 1]], q._dt, rec.key, rec.device);
  const dk = emptyTensor([...batch, k.shape[nk - 2], k.shape[nk - 1]], q._dt, rec.key, rec.device);
  const dv = emptyTensor([...batch, v.shape[nv - 2], v.shape[nv - 1]], q._dt, rec.key, rec.device);
  const B = q4.shape[0], H = q4.shape[1];
  resetParams();
  setF(0, scale);
  setI(0, causal ? 1 : 0);
  setView4(0, q4); setView4(1, k4); setView4(2, v4); setView4(3, o4); setView4(4, g4);
  setViewAs(5, lse, lse.shape, lse.strides, lse.offset);
  for (const [slot, t, v4d] of [[6, dq, q4], [7, dk, k4], [8, dv, v4]] as const) {
    const s = [B, H, v4d.shape[2], v4d.shape[3]];
    setViewAs(slot, t, s, contiguousStrides(s), 0);
  }
  try {
    submit(OP.attention_backward, rec.key, 9);
  } finally {
    for (const c of copies) c.dispose();
  }
  return [dq, dk, dv];
}
