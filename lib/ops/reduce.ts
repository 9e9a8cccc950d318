// reduce.ts — reductions over one, several or all dims (with keepdim), softmax/logSoftmax,
// cumsum/cumprod, sort/argsort/topk. Not here: the kernels (csrc/backends/*/reduce*, softmax, sort).
import { CATEGORY, DTYPE_ID, DType, DTYPES } from '../dtype';
import { emptyTensor, resetParams, setF, setI, setView, setViewAs, submit } from '../dispatch';
import { OP } from '../op-list';
import { contiguousStrides, fmtShape, normDim } from '../shape';
import { Dims, Tensor, ValuesIndices } from '../tensor';
import { castTo } from './convert';
import * as ew from './elementwise';
import { squeeze } from './views';
import { GradRule, isGradEnabled, noGrad, record } from '../autograd';
import * as G from './reduce-grad';

const F32 = 0, I64 = 5, BOOL = 7;

function live(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x._storage === null) throw new Error(`${op}: this tensor was disposed and can no longer be used`);
  return x;
}

/** Bitmask of reduced dims (all when dims is undefined/null or an empty list). */
function maskOf(x: Tensor, dims: Dims, op: string): number {
  const n = x.shape.length;
  if (dims === undefined || dims === null || (Array.isArray(dims) && dims.length === 0)) return n === 0 ? 0 : (1 << n) - 1;
  let mask = 0;
  for (const d of Array.isArray(dims) ? dims : [dims]) {
    const k = normDim(d, n, op);
    if (n === 0) continue;
    if (mask & (1 << k)) throw new RangeError(`${op}: dimension ${k} appears more than once in the list of dims`);
    mask |= 1 << k;
  }
  return mask;
}

/** Runs a REDUCE kernel; returns the result with keepdim applied. */
function reduce(x: Tensor, op: number, name: string, mask: number, keepdim: boolean, outDt: number, f0 = 1, i1 = 0, rule?: GradRule, gradOf: Tensor = x): Tensor {
  const n = x.shape.length;
  const kshape = x.shape.slice();
  let count = 1;
  for (let d = 0; d < n; d++) if (mask & (1 << d)) { count *= kshape[d]; kshape[d] = 1; }
  const rec = x._storage!.rec;
  const out = emptyTensor(kshape, outDt, rec.key, rec.device);
  const ost = out.strides.slice();
  for (let d = 0; d < n; d++) if (mask & (1 << d)) ost[d] = 0;
  resetParams();
  setI(0, mask);
  setI(1, i1);
  setF(0, typeof f0 === 'number' ? f0 : 0);
  setView(0, x);
  setViewAs(1, out, kshape, ost, 0);
  submit(op, rec.key, 2);
  const rg = rule !== undefined && gradOf.requiresGrad && isGradEnabled();
  if (keepdim || n === 0) {
    if (rg) record(rule!, [gradOf], out, rule === G.SUM ? null : [gradOf, out], { kshape, f0, i1, count });
    return out;
  }
  const dims: number[] = [];
  for (let d = 0; d < n; d++) if (mask & (1 << d)) dims.push(d);
  const sq = squeeze(out, dims);
  if (rg) record(rule!, [gradOf], sq, rule === G.SUM ? null : [gradOf, out], { kshape, f0, i1, count });
  out.dispose();
  return sq;
}

function countOf(x: Tensor, mask: number): number {
  let c = 1;
  for (let d = 0; d < x.shape.length; d++) if (mask & (1 << d)) c *= x.shape[d];
  return c;
}

/** Sum over dims (all by default); ints and bools sum to int64. @example nt.tensor([[1, 2], [3, 4]]).sum(1) // tensor([3, 7]) */
export function sum(x: Tensor, dim?: Dims, keepdim = false, opts?: { dtype?: DType }): Tensor {
  live(x, 'sum');
  let src = x;
  let odt = CATEGORY[x._dt] < 2 ? I64 : x._dt;
  if (opts?.dtype) { odt = DTYPE_ID[opts.dtype]; if (odt === undefined) throw new TypeError(`sum: unknown dtype ${opts.dtype}`); if (odt !== x._dt && CATEGORY[odt] === 2) src = castTo(x, odt); }
  const y = reduce(src, OP.sum, 'sum', maskOf(x, dim, 'sum'), keepdim, odt, 1, 0, G.SUM, x);
  if (src !== x) src.dispose();
  return y;
}

/** Mean over dims (float dtypes only). @example nt.tensor([1, 2, 3, 4]).float().mean() // tensor(2.5000) */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  live(x, 'mean');
  if (CATEGORY[x._dt] < 2) throw new TypeError(`mean: input dtype must be floating point, got ${DTYPES[x._dt]}; convert with .float() first`);
  const mask = maskOf(x, dim, 'mean');
  const c = countOf(x, mask);
  return reduce(x, OP.sum, 'mean', mask, keepdim, x._dt, c === 0 ? NaN : 1 / c, 0, G.SUM);
}

/** @example nt.tensor([2, 3, 4]).prod() // tensor(24) */
export function prod(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  live(x, 'prod');
  return reduce(x, OP.prod, 'prod', maskOf(x, dim, 'prod'), keepdim, CATEGORY[x._dt] < 2 ? I64 : x._dt, 1, 0, G.PROD);
}

function nonEmpty(x: Tensor, mask: number, op: string): void {
  for (let d = 0; d < x.shape.length; d++) if ((mask & (1 << d)) && x.shape[d] === 0) {
    throw new RangeError(`${op}: cannot reduce over dimension ${d} of size 0 (shape ${fmtShape(x.shape)})`);
  }
  if (x.shape.length === 0) return;
  if (mask === 0) return;
}

/** @example nt.tensor([[1, 5], [3, 2]]).amax(0) // tensor([3, 5]) */
export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  live(x, 'amax');
  const m = maskOf(x, dim, 'amax'); nonEmpty(x, m, 'amax');
  return reduce(x, OP.amax, 'amax', m, keepdim, x._dt, 1, 0, G.AMAX);
}
/** @example nt.tensor([[1, 5], [3, 2]]).amin(1) // tensor([1, 2]) */
export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  live(x, 'amin');
  const m = maskOf(x, dim, 'amin'); nonEmpty(x, m, 'amin');
  return reduce(x, OP.amin, 'amin', m, keepdim, x._dt, 1, 0, G.AMAX);
}

function argReduce(x: Tensor, dim: number | null | undefined, keepdim: boolean, op: number, name: string): Tensor {
  live(x, name);
  if (x._dt === BOOL) throw new TypeError(`${name}: bool tensors are not supported; convert with .int() first`);
  if (dim === undefined || dim === null) {
    const flat = x.reshape([-1]);
    try {
      nonEmpty(flat, 1, name);
      const r = reduce(flat, op, name, 1, false, I64);
      if (!keepdim) return r;
      const k = r.reshape(x.shape.map(() => 1)); r.dispose(); return k;
    } finally { flat.dispose(); }
  }
  const m = maskOf(x, dim, name); nonEmpty(x, m, name);
  return reduce(x, op, name, m, keepdim, I64);
}
/** Index of the max (first one; NaN counts as max). @example nt.tensor([1, 9, 3]).argmax() // tensor(1) */
export function argmax(x: Tensor, dim?: number | null, keepdim = false): Tensor { return argReduce(x, dim, keepdim, OP.argmax, 'argmax'); }
/** @example nt.tensor([4, 1, 3]).argmin() // tensor(1) */
export function argmin(x: Tensor, dim?: number | null, keepdim = false): Tensor { return argReduce(x, dim, keepdim, OP.argmin, 'argmin'); }

/** max()/min() of all elements, or { values, indices } along a dim. */
export function maxMin(x: Tensor, dim: number | undefined, keepdim: boolean, isMax: boolean): Tensor | ValuesIndices {
  const name = isMax ? 'max' : 'min';
  if (dim === undefined) return isMax ? amax(x) : amin(x);
  live(x, name);
  const values = noGrad(() => isMax ? amax(x, dim, keepdim) : amin(x, dim, keepdim));
  const indices = x._dt === BOOL ? argReduce(castToInt(x), dim, keepdim, isMax ? OP.argmax : OP.argmin, name) : argReduce(x, dim, keepdim, isMax ? OP.argmax : OP.argmin, name);
  if (x.requiresGrad && isGradEnabled()) record(G.SELECT_BY_INDEX, [x], values, [indices], { dim: normDim(dim, x.shape.length || 1, name), keepdim });
  return { values, indices };
}

function castToInt(x: Tensor): Tensor { return castTo(x, 4); }

/** Variance or standard deviation with Bessel's correction by default. */
export function variance(x: Tensor, dim: Dims, opts: { correction?: number; unbiased?: boolean; keepdim?: boolean } | undefined, std: boolean): Tensor {
  const name = std ? 'std' : 'var';
  live(x, name);
  if (CATEGORY[x._dt] < 2) throw new TypeError(`${name}: input dtype must be floating point, got ${DTYPES[x._dt]}`);
  const correction = opts?.correction ?? (opts?.unbiased === false ? 0 : 1);
  return reduce(x, OP.var, name, maskOf(x, dim, name), opts?.keepdim ?? false, x._dt, correction, std ? 1 : 0, G.VAR);
}

/** log(sum(exp(x))) over dims, computed stably. @example nt.tensor([0, 0]).float().logsumexp(0) // tensor(0.6931) */
export function logsumexp(x: Tensor, dim: number | number[], keepdim = false): Tensor {
  live(x, 'logsumexp');
  const src = CATEGORY[x._dt] < 2 ? castTo(x, F32) : x;
  const m = noGrad(() => amax(src, dim, true));  // the shift's gradient cancels: leave it out
  const inf = ew.isinf(m);
  const finite = ew.where(inf, 0, m);
  const shifted = ew.sub(src, finite);
  const e = ew.exp(shifted);
  const s = sum(e, dim, true);
  const l = ew.log(s);
  let out = ew.add(l, finite);
  for (const t of [m, inf, finite, shifted, e, s, l]) t.dispose();
  if (src !== x) src.dispose();
  if (!keepdim) { const sq = squeeze(out, Array.isArray(dim) ? dim : [dim]); out.dispose(); out = sq; }
  return out;
}

/** @example nt.tensor([true, false]).all() // tensor(False) */
export function all(x: Tensor, dim?: Dims, keepdim = false): Tensor { live(x, 'all'); return reduce(x, OP.all, 'all', maskOf(x, dim, 'all'), keepdim, BOOL); }
/** @example nt.tensor([true, false]).any() // tensor(True) */
export function any(x: Tensor, dim?: Dims, keepdim = false): Tensor { live(x, 'any'); return reduce(x, OP.any, 'any', maskOf(x, dim, 'any'), keepdim, BOOL); }

function alongDim(x: Tensor, dim: number, op: number, name: string, outDt: number, floatOnly: boolean): Tensor {
  live(x, name);
  if (floatOnly && CATEGORY[x._dt] < 2) throw new TypeError(`${name}: input dtype must be floating point, got ${DTYPES[x._dt]}; convert with .float() first`);
  const d = normDim(dim, x.shape.length, name);
  const rec = x._storage!.rec;
  const y = emptyTensor(x.shape.slice(), outDt, rec.key, rec.device);
  resetParams();
  setI(0, x.shape.length === 0 ? 0 : d);
  setView(0, x);
  setView(1, y);
  submit(op, rec.key, 2);
  if (x.requiresGrad && isGradEnabled()) {
    const rule = G.ALONG_DIM[op];
    if (rule !== undefined) record(rule, [x], y, [x, y], x.shape.length === 0 ? 0 : d);
  }
  return y;
}

/** Numerically stable softmax along dim. @example nt.tensor([1, 2, 3]).float().softmax(0) // tensor([0.0900, 0.2447, 0.6652]) */
export function softmax(x: Tensor, dim: number): Tensor { return alongDim(x, dim, OP.softmax, 'softmax', x._dt, true); }
/** @example nt.tensor([1, 2, 3]).float().logSoftmax(0) // tensor([-2.4076, -1.4076, -0.4076]) */
export function logSoftmax(x: Tensor, dim: number): Tensor { return alongDim(x, dim, OP.log_softmax, 'logSoftmax', x._dt, true); }
/** @example nt.tensor([1, 2, 3]).cumsum(0) // tensor([1, 3, 6]) */
export function cumsum(x: Tensor, dim: number): Tensor { return alongDim(x, dim, OP.cumsum, 'cumsum', CATEGORY[x._dt] < 2 ? I64 : x._dt, false); }
/** @example nt.tensor([1, 2, 3]).cumprod(0) // tensor([1, 2, 6]) */
export function cumprod(x: Tensor, dim: number): Tensor { return alongDim(x, dim, OP.cumprod, 'cumprod', CATEGORY[x._dt] < 2 ? I64 : x._dt, false); }

function sortLike(x: Tensor, dim: number, k: number, op: number, name: string, flag1: number, flag2: number): ValuesIndices {
  live(x, name);
  const n = x.shape.length;
  const d = n === 0 ? 0 : normDim(dim, n, name);
  const shape = x.shape.slice();
  if (n) shape[d] = k;
  const rec = x._storage!.rec;
  const values = emptyTensor(shape, x._dt, rec.key, rec.device);
  const indices = emptyTensor(shape.slice(), I64, rec.key, rec.device);
  resetParams();
  setI(0, d); setI(1, flag1); setI(2, flag2);
  setView(0, x); setView(1, values); setView(2, indices);
  submit(op, rec.key, 3);
  if (x.requiresGrad && isGradEnabled()) record(G.SELECT_BY_INDEX, [x], values, [indices], { dim: d, keepdim: true });
  return { values, indices };
}

/** Sorted values and their indices along dim (stable). @example nt.tensor([3, 1, 2]).sort().values // tensor([1, 2, 3]) */
export function sort(x: Tensor, dim = -1, descending = false): ValuesIndices {
  live(x, 'sort');
  const n = x.shape.length;
  return sortLike(x, dim, n ? x.shape[normDim(dim, n, 'sort')] : 1, OP.sort, 'sort', descending ? 1 : 0, 1);
}

/** @example nt.tensor([3, 1, 2]).argsort() // tensor([1, 2, 0]) */
export function argsort(x: Tensor, dim = -1, descending = false): Tensor {
  const { values, indices } = sort(x, dim, descending);
  values.dispose();
  return indices;
}

/** The k largest (or smallest) values along dim and their indices. @example nt.tensor([1, 5, 3]).topk(2).values // tensor([5, 3]) */
export function topk(x: Tensor, k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
  live(x, 'topk');
  const n = x.shape.length;
  const size = n ? x.shape[normDim(dim, n, 'topk')] : 1;
  if (!Number.isInteger(k) || k < 0 || k > size) throw new RangeError(`topk: k (${k}) must be an integer in [0, ${size}] for dimension ${dim} of shape ${fmtShape(x.shape)}`);
  return sortLike(x, dim, k, OP.topk, 'topk', largest ? 1 : 0, sorted ? 1 : 0);
}

export { contiguousStrides };
