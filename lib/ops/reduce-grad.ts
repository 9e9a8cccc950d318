// reduce-grad.ts — gradient rules of the reductions, softmax family, cumulative ops and sort/topk
// (reduce.ts records them), in tensor ops. Reductions save the keepdim-shaped output, so a gradient
// is reshaped to it and expanded back over the reduced dims.
// Not here: recording (reduce.ts) or the engine (lib/autograd.ts).
import { defineGrad, GradRule, Node } from '../autograd';
import { OP } from '../op-list';
import type { Tensor } from '../tensor';
import { zeros } from './creation';
import { where } from './elementwise';

interface ReduceCtx { kshape: number[]; f0: number; i1: number; count: number }

/** g (shaped like the output) expanded back to the input's shape. */
function spread(g: Tensor, n: Node): Tensor {
  const c = n.ctx as ReduceCtx;
  return g.reshape(c.kshape).expand(n.inShapes[0]);
}
function reducedDims(n: Node): number[] {
  const k = (n.ctx as ReduceCtx).kshape, s = n.inShapes[0], d: number[] = [];
  for (let i = 0; i < s.length; i++) if (k[i] === 1 && s[i] !== 1) d.push(i);
  return d;
}

/** sum and mean (mean's scale is f0). Saves nothing. */
export const SUM = defineGrad('SumBackward', (g, n) => {
  const f = (n.ctx as ReduceCtx).f0;
  const e = spread(g, n);
  return [f === 1 ? e : e.mul(f)];
});
/**
 * prod: y / x where x != 0. At a zero the gradient is the product of the other elements of its slice,
 * which is itself 0 when the slice holds a second zero (exact, without dividing by zero).
 */
export const PROD = defineGrad('ProdBackward', (g, n) => {
  const x = n.s(0), yk = n.s(1);
  const dims = reducedDims(n);
  if (!dims.length) return [g.reshape(x.shape)];
  const ge = spread(g, n);
  const isZero = x.eq(0);
  const kshape = (n.ctx as ReduceCtx).kshape;
  const dim = dims.length === 1 ? dims[0] : null;
  const zeros = isZero.sum(dims, true);
  const others = where(zeros.eq(1), where(isZero, 1, x).prod(dim, true).reshape(kshape), 0);
  return [ge.mul(where(isZero, others.expand(x.shape), yk.div(where(isZero, 1, x))))];
});
/** amax/amin: split evenly between ties, as PyTorch. */
export const AMAX = defineGrad('AmaxBackward', (g, n) => {
  const x = n.s(0), yk = n.s(1);
  const hit = x.eq(yk);
  const cnt = hit.sum(reducedDims(n), true);
  return [where(hit, spread(g, n).div(cnt), 0)];
});
/** var (i1 = 0) and std (i1 = 1) with correction f0. */
export const VAR = defineGrad('VarBackward', (g, n) => {
  const c = n.ctx as ReduceCtx;
  const x = n.s(0), yk = n.s(1);
  const dims = reducedDims(n);
  const centered = x.sub(dims.length ? x.mean(dims, true) : x);
  const denom = Math.max(c.count - c.f0, 0);
  const ge = spread(g, n);
  if (c.i1 === 0) return [ge.mul(centered).mul(2 / denom)];
  return [ge.mul(centered).div(yk.expand(x.shape).mul(denom))];
});
/** max/min along a dim, sort, topk: the gradient goes to the selected positions. Saves the indices. */
export const SELECT_BY_INDEX = defineGrad('IndexBackward', (g, n) => {
  const { dim, keepdim } = n.ctx as { dim: number; keepdim: boolean };
  const idx = n.s(0);
  const shape = n.inShapes[0];
  if (shape.length === 0) return [g.reshape([])];
  const gi = keepdim ? g : g.unsqueeze(dim);
  const ii = keepdim ? idx : idx.unsqueeze(dim);
  return [zeros(shape, { dtype: g.dtype, device: g.device }).scatterAdd(dim, ii, gi)];
});

/** softmax, logSoftmax, cumsum, cumprod by op id; ctx = dim, saves [x, y]. */
export const ALONG_DIM: (GradRule | undefined)[] = [];
ALONG_DIM[OP.softmax] = defineGrad('SoftmaxBackward', (g, n) => {
  const d = n.ctx as number, y = n.s(1);
  return [y.mul(g.sub(g.mul(y).sum(d, true)))];
});
ALONG_DIM[OP.log_softmax] = defineGrad('LogSoftmaxBackward', (g, n) => {
  const d = n.ctx as number, y = n.s(1);
  return [g.sub(y.exp().mul(g.sum(d, true)))];
});
/** Reverse cumulative sum along d: sum - cumsum + g. */
function revCumsum(g: Tensor, d: number): Tensor { return g.sum(d, true).sub(g.cumsum(d)).add(g); }
ALONG_DIM[OP.cumsum] = defineGrad('CumsumBackward', (g, n) => [revCumsum(g, n.ctx as number)]);
/**
 * cumprod: dx_k = sum_{i>=k} g_i * prod_{j<=i, j!=k} x_j, exact with zeros and without division by
 * zero. Before a slice's first zero z this is revCumsum(g*y)_k / x_k; at z it is revCumsum(g*y')_z,
 * y' the cumprod with x_z replaced by 1; after z every term holds x_z = 0.
 * NOTE: second derivatives are exact away from zeros; at an exact zero the entries after it are
 * constant 0 here, so their derivative with respect to x_z (nonzero in theory) is dropped.
 */
ALONG_DIM[OP.cumprod] = defineGrad('CumprodBackward', (g, n) => {
  const d = n.ctx as number, x = n.s(0), y = n.s(1);
  const isZero = x.eq(0);
  const seen = isZero.cumsum(d);            // zeros at or before each position
  const before = seen.eq(0), first = isZero.logicalAnd(seen.eq(1));
  const head = revCumsum(g.mul(y), d).div(where(before, x, 1));
  const atFirst = revCumsum(g.mul(where(first, 1, x).cumprod(d)), d);
  return [where(before, head, where(first, atFirst, 0))];
});
