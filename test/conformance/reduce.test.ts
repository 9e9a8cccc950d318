// reduce.test.ts — conformance of reductions over one/several/all dims, max/min with indices, var/std,
// logsumexp, all/any, softmax, cumsum/cumprod, sort/argsort/topk per device, up to large sizes.
// Not here: elementwise ops, gradients.
import * as nt from '../../lib';
import { Case, Ctx, DType, FLOATS, G, Gen, In, INTS, Nd, Tensor, TolKind, isFloat, ref, suite, tolFor } from '../helpers/conformance';

const R = ref.R, L = ref.L;
const SHAPE = [3, 4, 5];
type D = number | number[] | null;

/** [dims, keepdim] variants: all, one (positive/negative), several (unsorted), with and without keepdim. */
const MULTI: [D, boolean][] = [[null, false], [null, true], [0, false], [-1, true], [1, false], [[0, 2], false], [[-1, 0], true]];
const SINGLE: [number | null, boolean][] = [[null, false], [null, true], [0, false], [-1, true], [1, false]];
const sumOut = (dt: DType): DType => (isFloat(dt) ? dt : 'int64');
const fmtD = (d: D, k: boolean): string => `dim=${JSON.stringify(d)}${k ? ' keepdim' : ''}`;

interface RedSpec {
  op: string; name?: string; dtypes: readonly DType[]; gen?: Gen; tol?: TolKind; out?: (dt: DType) => DType;
  fn: (x: Tensor, d: D, k: boolean) => Tensor; f: (v: number[]) => number;
  /** per-group magnitude for the tolerance (default |result|) */
  scale?: (v: number[]) => number;
  dims?: [D, boolean][];
}

const nearOne = G.byKind(G.uniform(0.5, 1.5), G.pick([-2, -1, 1, 1, 2]));
const ties = G.byKind(G.grid(-2, 2, 2), G.ints(0, 4));
const REDS: RedSpec[] = [
  { op: 'sum', dtypes: [...FLOATS, ...INTS, 'uint8', 'bool'], fn: (x, d, k) => x.sum(d, k), f: R.sum, scale: R.sumAbs, out: sumOut, tol: 'reduce' },
  { op: 'sum', name: 'dtype float64', dtypes: ['float32', 'int32'], fn: (x, d, k) => nt.sum(x, d, k, { dtype: 'float64' }), f: R.sum, out: () => 'float64', tol: 'reduce', scale: R.sumAbs },
  { op: 'mean', dtypes: FLOATS, fn: (x, d, k) => x.mean(d, k), f: R.mean, scale: (v) => R.sumAbs(v) / v.length, tol: 'reduce' },
  { op: 'prod', dtypes: [...FLOATS, ...INTS], gen: nearOne, fn: (x, d, k) => x.prod(d as number | null, k), f: R.prod, out: sumOut, tol: 'reduce', dims: SINGLE },
  { op: 'amax', dtypes: [...FLOATS, ...INTS, 'uint8'], fn: (x, d, k) => x.amax(d, k), f: R.amax, tol: 'exact' },
  { op: 'amin', dtypes: [...FLOATS, ...INTS, 'uint8'], fn: (x, d, k) => nt.amin(x, d, k), f: R.amin, tol: 'exact' },
  { op: 'argmax', name: 'ties give the first index', dtypes: [...FLOATS, ...INTS, 'uint8'], gen: ties, fn: (x, d, k) => x.argmax(d as number | null, k), f: R.argmax, out: () => 'int64', dims: SINGLE },
  { op: 'argmin', name: 'ties give the first index', dtypes: [...FLOATS, ...INTS, 'uint8'], gen: ties, fn: (x, d, k) => nt.argmin(x, d as number | null, k), f: R.argmin, out: () => 'int64', dims: SINGLE },
  { op: 'var', name: 'default (correction 1)', dtypes: FLOATS, fn: (x, d, k) => x.var(d, { keepdim: k }), f: R.variance(1), tol: 'reduce' },
  { op: 'var', name: 'correction 0', dtypes: FLOATS, fn: (x, d, k) => x.var(d, { correction: 0, keepdim: k }), f: R.variance(0), tol: 'reduce' },
  { op: 'std', name: 'correction 1', dtypes: FLOATS, fn: (x, d, k) => x.std(d, { correction: 1, keepdim: k }), f: (v) => Math.sqrt(R.variance(1)(v)), tol: 'reduce' },
  { op: 'std', name: 'unbiased false', dtypes: FLOATS, fn: (x, d, k) => x.std(d, { unbiased: false, keepdim: k }), f: (v) => Math.sqrt(R.variance(0)(v)), tol: 'reduce' },
  { op: 'logsumexp', dtypes: [...FLOATS, 'int32'], fn: (x, d, k) => x.logsumexp(d === null ? [0, 1, 2] : d, k), f: R.logsumexp, out: (dt) => (isFloat(dt) ? dt : 'float32'), tol: 'reduce' },
  { op: 'all', dtypes: ['bool', ...FLOATS, ...INTS, 'uint8'], gen: G.byKind(G.pick([0, 1.5, -2, 1, NaN, 3]), G.pick([0, 1, 1, 1, 1, 1])), fn: (x, d, k) => x.all(d, k), f: R.all, out: () => 'bool' },
  { op: 'any', dtypes: ['bool', ...FLOATS, ...INTS, 'uint8'], gen: G.byKind(G.pick([0, 0, 0, 0, 0, -0, NaN]), G.pick([0, 0, 0, 0, 0, 1])), fn: (x, d, k) => nt.any(x, d, k), f: R.any, out: () => 'bool' },
];

function reduceCase(s: RedSpec): Case {
  return {
    op: s.op, name: s.name, dtypes: s.dtypes, layouts: ['contig', 'strided', 'expanded'],
    run(c) {
      const x = c.input(SHAPE, { gen: s.gen });
      for (const [d, k] of s.dims ?? MULTI) {
        const exp = ref.reduce(x.r, d, k, s.f);
        const scale = s.scale ? ref.reduce(x.r, d, k, s.scale) : undefined;
        c.check(s.fn(x.t, d, k), exp, { dtype: s.out ? s.out(c.dtype) : c.dtype, tol: s.tol ?? 'exact', scale, msg: fmtD(d, k) });
      }
    },
  };
}

const nanGen = G.mix(0.08, () => NaN, G.uniform(-3, 3));
const reduceCases: Case[] = [
  ...REDS.map(reduceCase),
  {
    op: 'amax', name: 'NaN propagates (amax, amin, argmax, argmin)', dtypes: FLOATS,
    run(c) {
      const x = c.input(SHAPE, { gen: nanGen });
      for (const [d, k] of SINGLE) {
        c.check(x.t.amax(d, k), ref.reduce(x.r, d, k, R.amax), { tol: 'exact', msg: `amax ${fmtD(d, k)}` });
        c.check(x.t.amin(d, k), ref.reduce(x.r, d, k, R.amin), { tol: 'exact', msg: `amin ${fmtD(d, k)}` });
        c.check(x.t.argmax(d, k), ref.reduce(x.r, d, k, R.argmax), { dtype: 'int64', msg: `argmax (NaN wins) ${fmtD(d, k)}` });
        c.check(x.t.argmin(d, k), ref.reduce(x.r, d, k, R.argmin), { dtype: 'int64', msg: `argmin (NaN wins) ${fmtD(d, k)}` });
      }
    },
  },
  {
    op: 'max', name: 'and min with a dim give values and indices', dtypes: [...FLOATS, ...INTS, 'uint8'],
    run(c) {
      const x = c.input(SHAPE, { gen: ties });
      for (const [d, k] of [[0, false], [-1, true], [1, false]] as [number, boolean][]) {
        const mx = x.t.max(d, k), mn = x.t.min(d, k);
        c.check(mx.values, ref.reduce(x.r, d, k, R.amax), { tol: 'exact', msg: `max values ${fmtD(d, k)}` });
        c.check(mx.indices, ref.reduce(x.r, d, k, R.argmax), { dtype: 'int64', msg: `max indices ${fmtD(d, k)}` });
        c.check(mn.values, ref.reduce(x.r, d, k, R.amin), { tol: 'exact', msg: `min values ${fmtD(d, k)}` });
        c.check(mn.indices, ref.reduce(x.r, d, k, R.argmin), { dtype: 'int64', msg: `min indices ${fmtD(d, k)}` });
      }
      c.check(x.t.max(), ref.reduce(x.r, null, false, R.amax), { tol: 'exact', msg: 'max() of all' });
      c.check(x.t.min(), ref.reduce(x.r, null, false, R.amin), { tol: 'exact', msg: 'min() of all' });
    },
  },
  {
    op: 'logsumexp', name: 'with -inf/inf entries and an all -inf row', dtypes: ['float32', 'float64'],
    run(c) {
      const x = c.input([4, 3], { values: [-Infinity, 0, 1, -Infinity, -Infinity, -Infinity, 2, -Infinity, 1000, Infinity, 0, -Infinity] });
      for (const d of [0, 1]) c.check(x.t.logsumexp(d), ref.reduce(x.r, d, false, R.logsumexp), { tol: 'reduce', msg: `dim ${d}` });
    },
  },
  {
    op: 'sum', name: 'empty dims: sum 0, prod 1, mean NaN', dtypes: ['float32', 'int64'], layouts: ['contig'],
    run(c) {
      const x = nt.zeros([0, 3], c.opts());
      c.check(x.sum(0), ref.nd([3], [0, 0, 0]), { dtype: sumOut(c.dtype), msg: 'sum' });
      c.check(x.prod(0), ref.nd([3], [1, 1, 1]), { dtype: sumOut(c.dtype), msg: 'prod' });
      if (isFloat(c.dtype)) c.check(x.mean(0), ref.nd([3], [NaN, NaN, NaN]), { msg: 'mean' });
      c.check(x.sum(), ref.scalar(0), { dtype: sumOut(c.dtype), msg: 'sum of all' });
      c.check(x.all(), ref.scalar(1), { dtype: 'bool', msg: 'all() of nothing is true' });
      c.check(x.any(0), ref.nd([3], [0, 0, 0]), { dtype: 'bool', msg: 'any() of nothing is false' });
      if (isFloat(c.dtype)) c.check(nt.ones([3, 1], c.opts()).var(1), ref.nd([3], [NaN, NaN, NaN]), { msg: 'var (correction 1) of one element is NaN' });
    },
  },
  {
    op: 'sum', name: 'int32 and uint8 accumulate in int64 (no overflow)', dtypes: ['int32', 'uint8'], layouts: ['contig', 'strided'],
    run(c) {
      const big = c.dtype === 'int32' ? 2147483647 : 255;
      const x = c.input([2, 4], { gen: () => big });
      c.check(x.t.sum(), ref.scalar(8 * big), { dtype: 'int64', msg: 'sum' });
      c.check(x.t.sum(1), ref.nd([2], [4 * big, 4 * big]), { dtype: 'int64', msg: 'sum dim 1' });
      c.check(x.t.cumsum(1), ref.alongDim(x.r, 1, L.cumsum), { dtype: 'int64', msg: 'cumsum' });
      c.check(x.t.prod(0), ref.reduce(x.r, 0, false, R.prod), { dtype: 'int64', msg: 'prod' });
    },
  },
];

// ---------------------------------------------------------------- along one dim

/** Softmax outputs span many magnitudes: relative tolerance, with an atol only at the dtype's resolution. */
const probTol = (dt: DType): TolKind => ({ rtol: tolFor(dt, 'transc').rtol, atol: { float64: 1e-15, float32: 1e-9, float16: 1e-7, bfloat16: 1e-9 }[dt as 'float32'] ?? 0 });

const alongCases: Case[] = [
  {
    op: 'softmax', name: 'and logSoftmax over last and non-last dims', dtypes: FLOATS,
    run(c) {
      const x = c.input(SHAPE, { gen: G.uniform(-4, 4) });
      for (const d of [0, 1, -1]) {
        c.check(x.t.softmax(d), ref.alongDim(x.r, d, L.softmax), { tol: probTol(c.dtype), msg: `softmax dim ${d}` });
        c.check(nt.logSoftmax(x.t, d), ref.alongDim(x.r, d, L.logSoftmax), { tol: 'transc', msg: `logSoftmax dim ${d}` });
      }
    },
  },
  {
    op: 'softmax', name: 'masked with -inf and large logits', dtypes: ['float32', 'float64', 'float16'],
    run(c) {
      const x = c.input([4, 6], { values: [-Infinity, 0.5, 1, -Infinity, 2, 3, 100, 101, 99, -Infinity, 0, 1] });
      c.check(x.t.softmax(-1), ref.alongDim(x.r, -1, L.softmax), { tol: probTol(c.dtype), msg: 'softmax' });
      c.check(x.t.logSoftmax(-1), ref.alongDim(x.r, -1, L.logSoftmax), { tol: 'transc', msg: 'logSoftmax' });
    },
  },
  {
    op: 'softmax', name: 'of an expanded input, a size-1 dim and a 0-d tensor', dtypes: ['float32', 'float64'], layouts: ['expanded'],
    run(c) {
      const x = c.input(SHAPE);
      for (const d of [0, -1]) c.check(x.t.softmax(d), ref.alongDim(x.r, d, L.softmax), { tol: probTol(c.dtype), msg: `softmax dim ${d}` });
      const one = c.input([3, 1], { layout: 'contig' });
      c.check(one.t.softmax(1), ref.nd([3, 1], [1, 1, 1]), { msg: 'softmax over a size-1 dim is 1' });
      c.check(one.t.logSoftmax(1), ref.nd([3, 1], [0, 0, 0]), { msg: 'logSoftmax over a size-1 dim is 0' });
      c.check(nt.tensor(2.5, c.opts()).softmax(0), ref.scalar(1), { msg: 'softmax of a 0-d tensor' });
      c.check(x.t.cumsum(1), ref.alongDim(x.r, 1, L.cumsum), { tol: 'reduce', msg: 'cumsum dim 1' });
      const srt = x.t.sort(0, true);
      const exp = sortRef(x.r, 0, true);
      c.check(srt.values, exp.values, { tol: 'exact', msg: 'sort dim 0 of an expanded input (all ties)' });
      c.check(srt.indices, exp.indices, { dtype: 'int64', msg: 'sort dim 0 of an expanded input: indices stable' });
    },
  },
  {
    op: 'var', name: 'of a constant and of values far from 0 (no cancellation)', dtypes: ['float32', 'float64'], layouts: ['contig', 'strided'],
    run(c) {
      const k = c.input([40, 50], { gen: () => 1000.5 });
      c.check(k.t.var(), ref.scalar(0), { tol: 'exact', msg: 'var of a constant is exactly 0' });
      c.check(k.t.std(1), ref.nd([40], new Array(40).fill(0)), { tol: 'exact', msg: 'std of constant rows is exactly 0 (not NaN)' });
      const x = c.input([40, 50], { gen: G.uniform(9999, 10001) });
      c.check(x.t.var(), ref.reduce(x.r, null, false, R.variance(1)), { tol: { rtol: 1e-3, atol: 0 }, msg: 'var of 10000 +- 1' });
      c.check(x.t.std(0), ref.reduce(x.r, 0, false, (v) => Math.sqrt(R.variance(1)(v))), { tol: { rtol: 1e-3, atol: 0 }, msg: 'std dim 0 of 10000 +- 1' });
    },
  },
  {
    op: 'cumsum', name: '16-bit accumulates in float32', dtypes: ['float16', 'bfloat16'], layouts: ['contig', 'strided'],
    run(c) {
      const x = c.input([4, 1000]);
      const tol = { ...tolFor(c.dtype, 'simple'), stol: 2e-5 };
      c.check(x.t.cumsum(1), ref.alongDim(x.r, 1, L.cumsum), { tol, scale: ref.alongDim(ref.map(x.r, Math.abs), 1, L.cumsum) });
    },
  },
  {
    op: 'sum', name: 'over 6-D permuted and empty inputs', dtypes: ['float32', 'int64'], layouts: ['contig'],
    run(c) {
      const base = c.input([2, 3, 2, 4, 3, 2]);
      const x = base.t.permute(5, 3, 0, 4, 1, 2), xr = ref.permute(base.r, [5, 3, 0, 4, 1, 2]);
      for (const [d, k] of [[null, false], [[1, 3], true], [[0, 2, 5], false], [4, false]] as [D, boolean][]) {
        c.check(x.sum(d, k), ref.reduce(xr, d, k, R.sum), { dtype: sumOut(c.dtype), tol: 'reduce', scale: ref.reduce(xr, d, k, R.sumAbs), msg: `6-D ${fmtD(d, k)}` });
      }
      c.check(x.amax([0, 5]), ref.reduce(xr, [0, 5], false, R.amax), { tol: 'exact', msg: '6-D amax' });
      const e = nt.zeros([0, 3], c.opts());
      c.check(e.sum(1), ref.nd([0], []), { dtype: sumOut(c.dtype), msg: 'sum over the non-empty dim of an empty tensor' });
      c.check(e.cumsum(0), ref.nd([0, 3], []), { dtype: sumOut(c.dtype), msg: 'cumsum of an empty tensor' });
    },
  },
  {
    op: 'cumsum', dtypes: [...FLOATS, ...INTS, 'uint8', 'bool'],
    run(c) {
      const x = c.input(SHAPE);
      for (const d of [0, 1, -1]) {
        c.check(x.t.cumsum(d), ref.alongDim(x.r, d, L.cumsum), { dtype: sumOut(c.dtype), tol: 'reduce', scale: ref.alongDim(ref.map(x.r, Math.abs), d, L.cumsum), msg: `dim ${d}` });
      }
    },
  },
  {
    op: 'cumprod', dtypes: [...FLOATS, ...INTS],
    run(c) {
      const x = c.input(SHAPE, { gen: nearOne });
      for (const d of [0, 1, -1]) c.check(nt.cumprod(x.t, d), ref.alongDim(x.r, d, L.cumprod), { dtype: sumOut(c.dtype), tol: 'reduce', msg: `dim ${d}` });
    },
  },
];

// ---------------------------------------------------------------- sort, argsort, topk

function sortRef(x: Nd, d: number, desc: boolean): { values: Nd; indices: Nd } {
  const indices = ref.alongDim(x, d, (v) => L.argsort(v, desc));
  return { values: ref.gather(x, d, indices), indices };
}

/** Checks topk: values exactly, and that each index points at its value (ties may pick either). */
function checkTopk(c: Ctx, x: In, k: number, d: number, largest: boolean, msg: string): void {
  const r = x.t.topk(k, d, largest);
  const exp = ref.alongDim(x.r, d, (v) => L.argsort(v, largest).slice(0, k).map((i) => v[i]));
  c.check(r.values, exp, { tol: 'exact', msg: `${msg} values` });
  if (r.indices.dtype !== 'int64') { c.ok(false, `${msg} indices dtype ${r.indices.dtype}, expected int64`); return; }
  const idx = c.read(r.indices);
  const picked = ref.gather(x.r, d, idx);
  c.check(r.values, picked, { tol: 'exact', msg: `${msg} indices point at the values` });
}

/** Distinct values, shuffled, so sort orders and topk picks are unique. */
function distinct(c: Ctx, lo: number, n: number): number[] {
  const r = c.rng(), v = Array.from({ length: n }, (_, i) => lo + i);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [v[i], v[j]] = [v[j], v[i]]; }
  return v;
}

const sortCases: Case[] = [
  {
    op: 'sort', name: 'and argsort, ascending/descending, ties stable', dtypes: [...FLOATS, ...INTS, 'uint8'],
    run(c) {
      const x = c.input(SHAPE, { gen: ties });
      for (const d of [-1, 0, 1]) for (const desc of [false, true]) {
        const exp = sortRef(x.r, d, desc);
        const got = x.t.sort(d, desc);
        c.check(got.values, exp.values, { tol: 'exact', msg: `sort dim ${d}${desc ? ' descending' : ''} values` });
        c.check(got.indices, exp.indices, { dtype: 'int64', msg: `sort dim ${d}${desc ? ' descending' : ''} indices (stable)` });
        c.check(nt.argsort(x.t, d, desc), exp.indices, { dtype: 'int64', msg: `argsort dim ${d}${desc ? ' descending' : ''}` });
      }
    },
  },
  {
    op: 'sort', name: 'NaN sorts as the largest', dtypes: ['float32', 'float64', 'float16'],
    run(c) {
      const x = c.input([2, 6], { values: [3, NaN, -1, Infinity, 0, NaN, -Infinity, 2, NaN, 2, 1, -5] });
      for (const desc of [false, true]) {
        const exp = sortRef(x.r, -1, desc);
        const got = x.t.sort(-1, desc);
        c.check(got.values, exp.values, { tol: 'exact', msg: `values${desc ? ' descending' : ''}` });
        c.check(got.indices, exp.indices, { dtype: 'int64', msg: `indices${desc ? ' descending' : ''}` });
      }
    },
  },
  {
    op: 'sort', name: 'edge values: -0 ties 0, NaN in topk, NaN in cumsum, all -inf amax', dtypes: ['float32', 'float64'],
    run(c) {
      const z = c.input([6], { values: [0, -0, 0, -0, 1, -0] });
      for (const desc of [false, true]) c.check(z.t.sort(-1, desc).indices, sortRef(z.r, -1, desc).indices, { dtype: 'int64', msg: `sort ${desc ? 'descending ' : ''}keeps -0 and 0 in input order` });
      c.check(z.t.argmax(), ref.scalar(R.argmax(z.r.data)), { dtype: 'int64', msg: 'argmax' });
      const n = c.input([5], { values: [1, NaN, 3, 2, -1] });
      checkTopk(c, n, 2, -1, true, 'topk with NaN (NaN is the largest)');
      checkTopk(c, n, 2, -1, false, 'topk smallest with NaN');
      c.check(n.t.cumsum(0), ref.alongDim(n.r, 0, L.cumsum), { msg: 'cumsum propagates NaN' });
      c.check(n.t.cumprod(0), ref.alongDim(n.r, 0, L.cumprod), { msg: 'cumprod propagates NaN' });
      const m = c.input([2, 3], { values: [-Infinity] });
      c.check(m.t.amax(1), ref.nd([2], [-Infinity, -Infinity]), { tol: 'exact', msg: 'amax of all -inf' });
    },
  },
  {
    op: 'sum', name: 'of 0-d tensors (dim 0 allowed, as in PyTorch)', dtypes: ['float32', 'int64'], layouts: ['contig'],
    run(c) {
      const s = nt.tensor(c.dtype === 'int64' ? 3 : 2.5, c.opts()), v = c.dtype === 'int64' ? 3 : 2.5;
      c.check(s.sum(0), ref.scalar(v), { msg: 'sum(0)' });
      c.check(s.sum(0, true), ref.scalar(v), { msg: 'sum(0, keepdim)' });
      c.check(s.amax(), ref.scalar(v), { msg: 'amax()' });
      c.check(s.argmax(), ref.scalar(0), { dtype: 'int64', msg: 'argmax()' });
      c.check(s.cumsum(0), ref.scalar(v), { msg: 'cumsum(0)' });
      c.check(s.sort().values, ref.scalar(v), { msg: 'sort()' });
      if (c.dtype === 'float32') c.check(s.mean(), ref.scalar(v), { msg: 'mean()' });
    },
  },
  {
    op: 'topk', name: 'largest/smallest along last and first dims', dtypes: [...FLOATS, ...INTS, 'uint8'],
    run(c) {
      const x = c.input(SHAPE, { values: distinct(c, c.dtype === 'uint8' ? 0 : -128, 256) });
      for (const [k, d] of [[2, -1], [3, 0], [5, 2], [1, 1]]) for (const largest of [true, false]) {
        checkTopk(c, x, k, d, largest, `k=${k} dim ${d}${largest ? '' : ' smallest'}`);
      }
    },
  },
];

// ---------------------------------------------------------------- large

const intValued = G.byKind(G.ints(-3, 3), G.ints(-3, 3));
const largeCases: Case[] = [
  {
    op: 'sum', name: 'large (120k integer-valued: exact)', dtypes: ['float32', 'float64', 'int32'],
    run(c) {
      const x = c.input([400, 301], { gen: intValued });
      for (const [d, k] of [[null, false], [0, false], [1, true]] as [D, boolean][]) {
        c.check(x.t.sum(d, k), ref.reduce(x.r, d, k, R.sum), { dtype: sumOut(c.dtype), tol: 'exact', msg: fmtD(d, k) });
      }
      if (isFloat(c.dtype)) c.check(x.t.mean(1), ref.reduce(x.r, 1, false, R.mean), { tol: 'simple', msg: 'mean dim 1' });
      c.check(x.t.amax(0), ref.reduce(x.r, 0, false, R.amax), { tol: 'exact', msg: 'amax dim 0' });
      c.check(x.t.argmax(1), ref.reduce(x.r, 1, false, R.argmax), { dtype: 'int64', msg: 'argmax dim 1 (many ties: the first)' });
      c.check(x.t.argmin(0), ref.reduce(x.r, 0, false, R.argmin), { dtype: 'int64', msg: 'argmin dim 0 (many ties: the first)' });
      c.check(x.t.argmax(), ref.reduce(x.r, null, false, R.argmax), { dtype: 'int64', msg: 'argmax of all (many ties: the first)' });
    },
  },
  {
    op: 'sum', name: 'large random floats (120k)', dtypes: ['float32', 'float16', 'bfloat16'],
    run(c) {
      const x = c.input([120007]);
      // Output rounding (rtol) plus a float32-accumulation error budget: 1e-5 of sum |x|.
      const tol = { rtol: tolFor(c.dtype, 'simple').rtol, atol: 1e-5 * R.sumAbs(x.r.data) };
      c.check(x.t.sum(), ref.reduce(x.r, null, false, R.sum), { tol, msg: 'sum' });
      c.check(x.t.var(), ref.reduce(x.r, null, false, R.variance(1)), { tol: 'reduce', msg: 'var' });
      c.check(x.t.argmin(), ref.reduce(x.r, null, false, R.argmin), { dtype: 'int64', msg: 'argmin' });
    },
  },
  {
    op: 'softmax', name: 'large rows and columns', dtypes: ['float32', 'float64', 'float16', 'bfloat16'],
    run(c) {
      const x = c.input([100, 1031], { gen: G.uniform(-6, 6) });
      c.check(x.t.softmax(-1), ref.alongDim(x.r, -1, L.softmax), { tol: probTol(c.dtype), msg: 'dim -1' });
      c.check(x.t.softmax(0), ref.alongDim(x.r, 0, L.softmax), { tol: probTol(c.dtype), msg: 'dim 0' });
      c.check(x.t.logSoftmax(-1), ref.alongDim(x.r, -1, L.logSoftmax), { tol: 'transc', msg: 'logSoftmax dim -1' });
    },
  },
  {
    op: 'cumsum', name: 'large', dtypes: ['float32', 'int64'],
    run(c) {
      const x = c.input([120, 1001], { gen: intValued });
      c.check(x.t.cumsum(1), ref.alongDim(x.r, 1, L.cumsum), { dtype: sumOut(c.dtype), tol: 'exact', msg: 'dim 1' });
      c.check(x.t.cumsum(0), ref.alongDim(x.r, 0, L.cumsum), { dtype: sumOut(c.dtype), tol: 'exact', msg: 'dim 0' });
    },
  },
  {
    op: 'sort', name: 'large rows, and topk', dtypes: ['float32', 'int32'],
    run(c) {
      const x = c.input([50, 2001], { gen: G.byKind(G.grid(-50, 50, 4), G.ints(-500, 500)) });
      const exp = sortRef(x.r, -1, true);
      const got = x.t.sort(-1, true);
      c.check(got.values, exp.values, { tol: 'exact', msg: 'values descending' });
      c.check(got.indices, exp.indices, { dtype: 'int64', msg: 'indices descending (stable)' });
      checkTopk(c, x, 7, -1, true, 'topk 7');
      checkTopk(c, x, 3, 0, false, 'topk 3 smallest dim 0');
    },
  },
];

// The CPU backend splits big work across threads; the same cases on one thread take the serial paths.
const serialCases: Case[] = [{
  op: 'sum', name: 'large on one CPU thread (serial paths), with argmax, softmax and sort', dtypes: ['float32'],
  run(c) {
    if (c.device !== 'cpu') { c.t.comment('setNumThreads applies to the CPU backend only'); return; }
    const saved = nt.getNumThreads();
    nt.setNumThreads(1);
    try {
      const x = c.input([400, 301], { gen: intValued });
      c.check(x.t.sum(), ref.reduce(x.r, null, false, R.sum), { tol: 'exact', msg: 'sum' });
      c.check(x.t.sum(0), ref.reduce(x.r, 0, false, R.sum), { tol: 'exact', msg: 'sum dim 0' });
      c.check(x.t.argmax(0), ref.reduce(x.r, 0, false, R.argmax), { dtype: 'int64', msg: 'argmax dim 0' });
      c.check(x.t.softmax(-1), ref.alongDim(x.r, -1, L.softmax), { tol: probTol(c.dtype), msg: 'softmax' });
      c.check(x.t.cumsum(0), ref.alongDim(x.r, 0, L.cumsum), { tol: 'exact', msg: 'cumsum dim 0' });
      const srt = sortRef(x.r, -1, false);
      c.check(x.t.sort(-1).indices, srt.indices, { dtype: 'int64', msg: 'sort indices (stable)' });
    } finally {
      nt.setNumThreads(saved);
    }
  },
}];

suite('reduce', [...reduceCases, ...alongCases, ...sortCases, ...largeCases, ...serialCases]);
