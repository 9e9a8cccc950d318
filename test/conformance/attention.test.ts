// attention.test.ts — conformance of scaledDotProductAttention per device: the fused kernels
// (attention, attention_backward) where a backend has them, the composite elsewhere (npu:0). Every
// case has non-contiguous inputs (q from a transpose of [B, L, H, E], sliced k/v), causal and not,
// L != S, Ev != E, L or S = 1, several tiles, rank 2/3/5 inputs with broadcast batch dims, and the
// gradients of q, k, v. Not here: masks and dropout (composite only: test/nn), bad input (test/nn/errors).
import * as nt from '../../lib';
import { parseDevice } from '../../lib/device';
import { fusedAttentionAvailable } from '../../lib/ops/attention';
import { Case, Ctx, FLOATS, G, In, Tensor, Tol, ref, suite } from '../helpers/conformance';

// out: one rounding of a float32 (or double) accumulation; the composite (npu:0) rounds scores and
// probabilities to the dtype too. Gradients go through two more products.
const TOL: Record<string, { out: Tol; grad: Tol }> = {
  float64: { out: { rtol: 2e-10, atol: 2e-13, stol: 2e-11 }, grad: { rtol: 2e-10, atol: 2e-13, stol: 2e-10 } },
  float32: { out: { rtol: 3e-6, atol: 2e-7, stol: 3e-6 }, grad: { rtol: 8e-6, atol: 2e-7, stol: 8e-6 } },
  float16: { out: { rtol: 6e-4, atol: 2e-4, stol: 1.2e-3 }, grad: { rtol: 1.2e-3, atol: 3e-4, stol: 3e-3 } },
  bfloat16: { out: { rtol: 5e-3, atol: 2e-3, stol: 1e-2 }, grad: { rtol: 1e-2, atol: 3e-3, stol: 2e-2 } },
};
const small = G.uniform(-1, 1);

/** A scale Nd: max |x| everywhere (errors of a softmax-weighted sum scale with the largest values). */
function maxAbs(a: ref.Nd): ref.Nd {
  let m = 0;
  for (const x of a.data) m = Math.max(m, Math.abs(x));
  return ref.nd(a.shape.slice(), new Array<number>(a.data.length).fill(m));
}

/** Sums a (broadcast) gradient back to `shape`, as autograd does. */
function sumTo(a: ref.Nd, shape: number[]): ref.Nd {
  const lead = a.shape.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < a.shape.length; i++) if (i < lead || (shape[i - lead] === 1 && a.shape[i] !== 1)) dims.push(i);
  if (!dims.length) return a;
  return ref.reshape(ref.reduce(a, dims, true, (v) => v.reduce((s, x) => s + x, 0)), shape);
}

/** An input of `shape` as the transpose (dims 1, 2) of a contiguous [B, R, H, C] tensor. */
function fromBLHE(c: Ctx, shape: number[]): In {
  const [B, H, R, C] = shape;
  const base = c.input([B, R, H, C], { layout: 'contig', gen: small });
  return { t: base.t.transpose(1, 2), r: ref.transpose(base.r, 1, 2) };
}

/** Runs q, k, v through sdpa, checks out against the reference, then (grad) dq, dk, dv. */
function checkAttention(c: Ctx, q: In, k: In, v: In, causal: boolean, what: string, grad = true, scale?: number): void {
  const nq = q.r.shape.length;
  const sc = scale ?? 1 / Math.sqrt(q.r.shape[nq - 1]);
  const batch = ref.broadcastShapes(q.r.shape.slice(0, -2), k.r.shape.slice(0, -2), v.r.shape.slice(0, -2));
  const full = (a: ref.Nd): ref.Nd => ref.expand(a, [...batch, ...a.shape.slice(-2)]);
  const qf = full(q.r), kf = full(k.r), vf = full(v.r);
  const tol = TOL[c.dtype];
  const L = q.r.shape[nq - 2], Ev = v.r.shape[v.r.shape.length - 1];
  const dout = c.input([...batch, L, Ev], { layout: 'contig', gen: small });
  const r = ref.attention(qf, kf, vf, sc, causal, dout.r);
  const leaves = [q.t, k.t, v.t].map((t) => (grad ? t.requiresGrad_(true) : t));
  const out = nt.F.scaledDotProductAttention(leaves[0], leaves[1], leaves[2], { isCausal: causal, scale: scale ?? null });
  c.check(out, r.out, { tol: tol.out, scale: maxAbs(r.out), msg: `${what}: out` });
  const fused = fusedAttentionAvailable(parseDevice(c.device).key, DT_ID[c.dtype], q.r.shape[nq - 1], Ev);
  if (fused && grad) c.equal(out.gradFn?.name, 'ScaledDotProductFlashAttentionBackward', `${what}: the fused op ran`);
  if (!grad) return;
  const gs = nt.autograd.grad(out, leaves, { gradOutputs: dout.t }) as Tensor[];
  const want = [sumTo(r.dq!, q.r.shape), sumTo(r.dk!, k.r.shape), sumTo(r.dv!, v.r.shape)];
  ['dq', 'dk', 'dv'].forEach((name, i) => c.check(gs[i], want[i], { tol: tol.grad, scale: maxAbs(want[i]), msg: `${what}: ${name}` }));
}

const DT_ID: Record<string, number> = { float32: 0, float64: 1, float16: 2, bfloat16: 3 };

// [B, H, L, S, E, Ev, causal]
const SHAPES: [number, number, number, number, number, number, boolean][] = [
  [2, 3, 5, 7, 8, 6, false], [2, 3, 5, 7, 8, 6, true], [1, 2, 9, 4, 8, 8, true], [2, 2, 1, 6, 4, 4, false],
  [2, 2, 1, 6, 4, 4, true], [2, 2, 4, 1, 4, 5, true], [1, 2, 70, 75, 16, 12, true], [1, 1, 66, 130, 8, 8, false],
];

const cases: Case[] = [
  {
    op: 'scaledDotProductAttention', name: '4-D: q from [B, L, H, E], k transposed, v sliced', dtypes: FLOATS, layouts: ['strided'],
    run(c) {
      for (const [B, H, L, S, E, Ev, causal] of SHAPES) {
        const q = fromBLHE(c, [B, H, L, E]), k = fromBLHE(c, [B, H, S, E]);
        const v = c.input([B, H, S, Ev], { layout: 'sliced', gen: small });  // last-dim stride 2: copied for the kernel
        checkAttention(c, q, k, v, causal, `[${B}, ${H}, ${L}, ${E}] x [${S}, ${Ev}]${causal ? ' causal' : ''}`);
      }
    },
  },
  {
    op: 'scaledDotProductAttention', name: 'rank 2, 3 and 5; broadcast batch dims; explicit scale', dtypes: FLOATS, layouts: ['strided'],
    run(c) {
      for (const causal of [false, true]) {
        const cs = causal ? ' causal' : '';
        const q2 = c.input([5, 6], { layout: 'transposed', gen: small }), k2 = c.input([7, 6], { gen: small }), v2 = c.input([7, 3], { gen: small });
        checkAttention(c, q2, k2, v2, causal, `2-D${cs}`, true, 0.7);
        const q3 = fromBLHE(c, [1, 3, 4, 8]), k3 = c.input([3, 6, 8], { layout: 'sliced', gen: small }), v3 = c.input([3, 6, 5], { gen: small });
        checkAttention(c, { t: q3.t.squeeze(0), r: ref.reshape(q3.r, [3, 4, 8]) }, k3, v3, causal, `3-D${cs}`);
        // 5-D q [2, 2, 3, L, E]; k [3, S, E] and v [2, 1, 1, S, Ev] broadcast over the batch dims
        const q5 = c.input([2, 2, 3, 4, 8], { layout: 'sliced', gen: small });
        const k5 = c.input([3, 5, 8], { layout: 'transposed', gen: small }), v5 = c.input([2, 1, 1, 5, 4], { gen: small });
        checkAttention(c, q5, k5, v5, causal, `5-D broadcast${cs}`);
        // heads sharing k/v (expand, stride 0): folds without a copy
        const q4 = fromBLHE(c, [2, 4, 6, 8]);
        const kb = c.input([2, 1, 6, 8], { layout: 'contig', gen: small }), vb = c.input([2, 1, 6, 8], { layout: 'contig', gen: small });
        const ke = { t: kb.t.expand([2, 4, 6, 8]), r: ref.expand(kb.r, [2, 4, 6, 8]) }, ve = { t: vb.t.expand([2, 4, 6, 8]), r: ref.expand(vb.r, [2, 4, 6, 8]) };
        checkAttention(c, q4, ke, ve, causal, `k/v expanded over heads${cs}`);
      }
    },
  },
  {
    op: 'scaledDotProductAttention', name: 'empty batch', dtypes: ['float32'], layouts: ['strided'],
    run(c) {
      const q = fromBLHE(c, [0, 2, 3, 4]), k = fromBLHE(c, [0, 2, 5, 4]), v = fromBLHE(c, [0, 2, 5, 6]);
      for (const isCausal of [false, true]) c.check(nt.F.scaledDotProductAttention(q.t, k.t, v.t, { isCausal }), ref.nd([0, 2, 3, 6], []), { msg: `[0, 2, 3, 4]${isCausal ? ' causal' : ''}` });
    },
  },
  {
    op: 'scaledDotProductAttention', name: 'no gradient recorded (inference)', dtypes: ['float32', 'float16'], layouts: ['strided'],
    run(c) {
      const q = fromBLHE(c, [2, 2, 5, 8]), k = fromBLHE(c, [2, 2, 9, 8]), v = fromBLHE(c, [2, 2, 9, 8]);
      nt.noGrad(() => checkAttention(c, q, k, v, true, 'noGrad causal', false));
      checkAttention(c, q, k, v, false, 'inputs without requiresGrad', false);
    },
  },
];

cases.push({
  op: 'scaledDotProductAttention', name: 'on one CPU thread (one task per head in the backward)', dtypes: ['float32', 'float64'], layouts: ['strided'],
  run(c) {
    if (c.device !== 'cpu') { c.t.comment('setNumThreads applies to the CPU backend only'); return; }
    const saved = nt.getNumThreads();
    nt.setNumThreads(1);
    try {
      const q = fromBLHE(c, [1, 2, 70, 16]), k = fromBLHE(c, [1, 2, 75, 16]), v = fromBLHE(c, [1, 2, 75, 12]);
      checkAttention(c, q, k, v, true, '[1, 2, 70, 16] x [75, 12] causal');
    } finally {
      nt.setNumThreads(saved);
    }
  },
});

suite('attention', cases);
