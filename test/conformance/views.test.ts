// views.test.ts — conformance of views (values, and writes through them reaching the base), cat/stack,
// copies, dtype conversions (16-bit rounding) and the read-back API types, per device.
// Not here: shape-error messages, elementwise math.
import * as nt from '../../lib';
import { ALL_DTYPES, Case, Ctx, DType, G, In, Nd, Tensor, isFloat, readNumbers, ref, suite } from '../helpers/conformance';

// ---------------------------------------------------------------- views share storage

type Many<T> = T | T[];
interface VSpec {
  name: string; shape: number[];
  make: (t: Tensor) => Many<Tensor>; refMake: (a: Nd) => Many<Nd>;
  /** 'always' (a view), 'never' (a copy), 'contig' (a view only for a contiguous input: reshape),
   * or by input layout ('strided' is the transposed one here). */
  shares?: 'always' | 'never' | 'contig' | ((layout: string) => boolean);
}

const arr = <T>(x: Many<T>): T[] => (Array.isArray(x) ? x : [x]);
const splitRef = (a: Nd, dim: number, sizes: number[]): Nd[] => { let at = 0; return sizes.map((s) => { const p = ref.narrow(a, dim, at, s); at += s; return p; }); };

const SPECS: VSpec[] = [
  { name: 'reshape [4,2,3]', shape: [4, 6], make: (t) => t.reshape(4, 2, 3), refMake: (a) => ref.reshape(a, [4, 2, 3]) },
  { name: 'view [4,-1,3]', shape: [4, 6], make: (t) => t.view([4, -1, 3]), refMake: (a) => ref.reshape(a, [4, 2, 3]) },
  { name: 'reshape [-1] (a copy unless contiguous)', shape: [4, 6], make: (t) => t.reshape(-1), refMake: (a) => ref.reshape(a, [-1]), shares: 'contig' },
  { name: 'flatten', shape: [2, 3, 4], make: (t) => t.flatten(), refMake: (a) => ref.reshape(a, [-1]), shares: 'contig' },
  { name: 'flatten(0, 1)', shape: [2, 3, 4], make: (t) => t.flatten(0, 1), refMake: (a) => ref.reshape(a, [6, 4]), shares: (l) => l !== 'strided' },
  { name: 'permute(2, 0, 1)', shape: [2, 3, 4], make: (t) => t.permute(2, 0, 1), refMake: (a) => ref.permute(a, [2, 0, 1]) },
  { name: 'transpose(0, 2)', shape: [2, 3, 4], make: (t) => t.transpose(0, 2), refMake: (a) => ref.transpose(a, 0, 2) },
  { name: 't()', shape: [4, 6], make: (t) => t.t(), refMake: (a) => ref.transpose(a, 0, 1) },
  { name: 'unsqueeze(1)', shape: [4, 6], make: (t) => t.unsqueeze(1), refMake: (a) => ref.unsqueeze(a, 1) },
  { name: 'unsqueeze(-1).squeeze()', shape: [4, 6], make: (t) => t.unsqueeze(-1).squeeze(), refMake: (a) => a },
  { name: 'unsqueeze(0).squeeze(0)', shape: [4, 6], make: (t) => t.unsqueeze(0).squeeze(0), refMake: (a) => a },
  { name: 'narrow(1, 2, 3)', shape: [4, 6], make: (t) => t.narrow(1, 2, 3), refMake: (a) => ref.narrow(a, 1, 2, 3) },
  { name: 'narrow(0, -2, 2)', shape: [4, 6], make: (t) => t.narrow(0, -2, 2), refMake: (a) => ref.narrow(a, 0, -2, 2) },
  { name: 'slice(1, 1, null, 2)', shape: [4, 6], make: (t) => t.slice(1, 1, null, 2), refMake: (a) => ref.slice(a, 1, 1, undefined, 2) },
  { name: 'slice(0, -3) and slice(1, 2, 100)', shape: [4, 6], make: (t) => t.slice(0, -3).slice(1, 2, 100), refMake: (a) => ref.slice(ref.slice(a, 0, -3), 1, 2, 100) },
  { name: 'slice(2, 0, null, 3) of 3-D', shape: [2, 3, 4], make: (t) => t.slice(2, 0, null, 3), refMake: (a) => ref.slice(a, 2, 0, undefined, 3) },
  { name: 'select(1, -1)', shape: [4, 6], make: (t) => t.select(1, -1), refMake: (a) => ref.select(a, 1, -1) },
  { name: 'select(0, 1) of 3-D', shape: [2, 3, 4], make: (t) => t.select(0, 1), refMake: (a) => ref.select(a, 0, 1) },
  { name: 'chunk(4, 1)', shape: [4, 6], make: (t) => t.chunk(4, 1), refMake: (a) => splitRef(a, 1, [2, 2, 2]) },
  { name: 'chunk(3, 0) uneven', shape: [4, 6], make: (t) => t.chunk(3, 0), refMake: (a) => splitRef(a, 0, [2, 2]) },
  { name: 'split(4, 1)', shape: [4, 6], make: (t) => t.split(4, 1), refMake: (a) => splitRef(a, 1, [4, 2]) },
  { name: 'split([1, 3], 0)', shape: [4, 6], make: (t) => t.split([1, 3], 0), refMake: (a) => splitRef(a, 0, [1, 3]) },
  { name: 'unbind(1)', shape: [2, 3, 4], make: (t) => t.unbind(1), refMake: (a) => [0, 1, 2].map((i) => ref.select(a, 1, i)) },
  { name: 'alias()', shape: [4, 6], make: (t) => t.alias(), refMake: (a) => a },
  { name: "to(own dtype)", shape: [4, 6], make: (t) => t.to(t.dtype), refMake: (a) => a },
  { name: 'contiguous() (a copy unless contiguous)', shape: [4, 6], make: (t) => t.contiguous(), refMake: (a) => a, shares: 'contig' },
  { name: 'clone() (always a copy)', shape: [2, 3, 4], make: (t) => t.clone(), refMake: (a) => a, shares: 'never' },
];

/** Checks a view spec: values, then writes a distinct pattern through each view and checks the input. */
function checkView(c: Ctx, s: VSpec): void {
  const x: In = c.input(s.shape);
  const views = arr(s.make(x.t)), exps = arr(s.refMake(x.r));
  const poss = arr(s.refMake(ref.fromFn(s.shape, (_, k) => k)));
  c.equal(views.length, exps.length, `${s.name}: number of pieces`);
  views.forEach((v, i) => c.check(v, exps[i], { tol: 'exact', msg: `${s.name} values${views.length > 1 ? ` (piece ${i})` : ''}` }));
  const shares = typeof s.shares === 'function' ? s.shares(c.layout) : s.shares === 'never' ? false : s.shares === 'contig' ? c.layout === 'contig' : true;
  const expX = ref.nd(s.shape, x.r.data.slice());
  views.forEach((v, i) => {
    const pattern = ref.fromFn(exps[i].shape, (_, k) => (c.dtype === 'bool' ? (k + i) % 2 : 100 + 30 * i + k));
    v.copy_(c.upload(pattern));
    if (shares) poss[i].data.forEach((p, k) => { expX.data[p] = pattern.data[k]; });
    c.check(v, pattern, { tol: 'exact', msg: `${s.name}: the view after copy_${views.length > 1 ? ` (piece ${i})` : ''}` });
  });
  c.check(x.t, expX, { tol: 'exact', msg: `${s.name}: ${shares ? 'writes through the view land in the input' : 'the input is untouched (a copy)'}` });
  if (s.shares === 'contig' && c.layout !== 'contig' && s.name.startsWith('contiguous')) c.ok(views[0].isContiguous(), `${s.name}: result is contiguous`);
}

// Views are metadata only: one dtype per element size (and bool) covers them; conversions below take every dtype.
const VIEW_DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'uint8', 'bool'];
const viewCases: Case[] = [
  ...SPECS.map((s): Case => ({ op: s.name.split(/[ (]/)[0], name: s.name.slice(s.name.split(/[ (]/)[0].length).trim() || undefined, dtypes: VIEW_DTYPES, layouts: ['contig', 'strided', 'sliced'], run: (c) => checkView(c, s) })),
  {
    op: 'expand', name: 'views the base (writes to the base show through)', dtypes: ALL_DTYPES, layouts: ['contig', 'sliced'],
    run(c) {
      const x = c.input([4, 1, 3]);
      const e = x.t.expand(4, 5, 3), e2 = x.t.expand([2, -1, 2, 3]), e3 = x.t.squeeze(1).expandAs(nt.zeros([6, 4, 3]));
      c.check(e, ref.expand(x.r, [4, 5, 3]), { tol: 'exact', msg: 'expand(4, 5, 3)' });
      c.check(e2, ref.expand(x.r, [2, 4, 2, 3]), { tol: 'exact', msg: 'expand([2, -1, 2, 3])' });
      c.check(e3, ref.expand(ref.reshape(x.r, [4, 3]), [6, 4, 3]), { tol: 'exact', msg: 'expandAs' });
      const pattern = ref.fromFn([4, 1, 3], (_, k) => (c.dtype === 'bool' ? k % 2 : 50 + k));
      x.t.copy_(c.upload(pattern));
      c.check(e, ref.expand(pattern, [4, 5, 3]), { tol: 'exact', msg: 'after writing the base' });
      c.check(e.contiguous(), ref.expand(pattern, [4, 5, 3]), { tol: 'exact', msg: 'contiguous() of an expanded view' });
    },
  },
  {
    op: 'expand', name: '0-d, empty and no-op views', dtypes: ['float32', 'int64'], layouts: ['contig'],
    run(c) {
      const z = nt.tensor(5, c.opts());
      c.check(z.expand(3), ref.nd([3], [5, 5, 5]), { tol: 'exact', msg: 'expand of a 0-d tensor' });
      c.check(z.reshape(1, 1), ref.nd([1, 1], [5]), { tol: 'exact', msg: 'reshape of a 0-d tensor' });
      c.check(z.unsqueeze(0).squeeze(0), ref.scalar(5), { tol: 'exact', msg: 'unsqueeze/squeeze back to 0-d' });
      c.check(nt.stack([z, nt.tensor(7, c.opts())]), ref.nd([2], [5, 7]), { tol: 'exact', msg: 'stack of 0-d tensors' });
      const x = c.input([2, 3]);
      c.check(x.t.squeeze(1), x.r, { tol: 'exact', msg: 'squeeze of a dim that is not 1 is a no-op' });
      c.check(x.t.narrow(1, 3, 0), ref.nd([2, 0], []), { tol: 'exact', msg: 'narrow of length 0' });
      c.check(x.t.slice(1, 5, 9), ref.nd([2, 0], []), { tol: 'exact', msg: 'slice past the end is empty' });
      c.check(nt.cat([nt.zeros([2, 0], c.opts()), x.t], 1), x.r, { tol: 'exact', msg: 'cat with an empty [2, 0] part' });
      c.equal(nt.zeros([0, 2], c.opts()).unbind(0).length, 0, 'unbind of a size-0 dim is empty');
    },
  },
  {
    op: 'view', name: 'of a non-viewable layout throws; reshape copies instead', dtypes: ['float32'], layouts: ['strided'],
    run(c) {
      const x = c.input([4, 6]);
      c.throws(() => x.t.view(-1), /view/, 'view(-1) of a transposed tensor');
      c.check(x.t.reshape(24), ref.reshape(x.r, [24]), { tol: 'exact', msg: 'reshape(24)' });
    },
  },
];

// ---------------------------------------------------------------- cat / stack

const joinCases: Case[] = [
  {
    op: 'cat', name: 'same dtype, dims 0/1/-1, non-contiguous parts', dtypes: ALL_DTYPES,
    run(c) {
      const a = c.input([2, 3, 4]), b = c.input([2, 1, 4]), d = c.input([2, 3, 4]);
      c.check(nt.cat([a.t, d.t], 0), ref.cat([a.r, d.r], 0), { tol: 'exact', msg: 'dim 0' });
      c.check(nt.cat([a.t, b.t, d.t], 1), ref.cat([a.r, b.r, d.r], 1), { tol: 'exact', msg: 'dim 1' });
      c.check(nt.cat([a.t, d.t, a.t], -1), ref.cat([a.r, d.r, a.r], -1), { tol: 'exact', msg: 'dim -1' });
      c.check(nt.cat([a.t]), a.r, { tol: 'exact', msg: 'one part' });
      const flat = c.input([5]);
      c.check(nt.cat([nt.zeros([0], c.opts()), flat.t, nt.zeros([0], c.opts())]), flat.r, { tol: 'exact', msg: 'empty 1-D parts are skipped' });
    },
  },
  {
    op: 'cat', name: 'and stack promote dtypes', dtypes: ['float32'],
    run(c) {
      const i = c.input([2, 3], { dtype: 'int32' }), h = c.input([4, 3], { dtype: 'float16' });
      c.check(nt.cat([i.t, h.t]), ref.cat([i.r, h.r], 0), { dtype: 'float16', msg: 'int32 with float16' });
      const b = c.input([2, 3], { dtype: 'bool' }), u = c.input([2, 3], { dtype: 'uint8' }), l = c.input([2, 3], { dtype: 'int64' });
      c.check(nt.cat([b.t, u.t], 1), ref.cat([b.r, u.r], 1), { dtype: 'uint8', msg: 'bool with uint8' });
      c.check(nt.cat([u.t, l.t, b.t]), ref.cat([u.r, l.r, b.r], 0), { dtype: 'int64', msg: 'uint8, int64, bool' });
      const f = c.input([2, 3]), bf = c.input([2, 3], { dtype: 'bfloat16' });
      c.check(nt.stack([l.t, f.t]), ref.stack([l.r, f.r], 0), { dtype: 'float32', msg: 'stack int64 with float32' });
      c.check(nt.stack([bf.t, i.t, bf.t], 1), ref.stack([bf.r, i.r, bf.r], 1), { dtype: 'bfloat16', msg: 'stack dim 1, bfloat16 with int32' });
      c.check(nt.stack([f.t, f.t], -1), ref.stack([f.r, f.r], -1), { msg: 'stack dim -1' });
    },
  },
  {
    op: 'cat', name: 'large', dtypes: ['float32', 'float16'],
    run(c) {
      const a = c.input([300, 200]), b = c.input([300, 150]);
      c.check(nt.cat([a.t, b.t], 1), ref.cat([a.r, b.r], 1), { tol: 'exact' });
    },
  },
];

// ---------------------------------------------------------------- copies and contiguity

const copyCases: Case[] = [
  {
    op: 'contiguous', name: 'and clone of each layout', dtypes: ALL_DTYPES, layouts: ['contig', 'transposed', 'sliced', 'expanded'],
    run(c) {
      const x = c.input([3, 4, 5]);
      const y = x.t.contiguous(), z = x.t.clone();
      c.ok(y.isContiguous() && z.isContiguous(), 'results are contiguous');
      c.check(y, x.r, { tol: 'exact', msg: 'contiguous()' });
      c.check(z, x.r, { tol: 'exact', msg: 'clone()' });
    },
  },
  {
    op: 'copy_', name: 'broadcast and cast into views', dtypes: ALL_DTYPES,
    run(c) {
      const dst = c.input([3, 4]);
      const src = c.input([4], { dtype: c.dtype === 'int64' ? 'uint8' : 'int64', gen: G.ints(0, 9) });
      dst.t.copy_(src.t);
      c.check(dst.t, ref.expand(ref.map(src.r, (v) => ref.roundTo(c.dtype, v)), [3, 4]), { tol: 'exact', msg: 'row broadcast' });
      const s2 = c.input([3, 4], { dtype: 'float64', gen: G.grid(0, 6, 4) });
      dst.t.copy_(s2.t);
      c.check(dst.t, ref.map(s2.r, (v) => ref.roundTo(c.dtype, v)), { tol: 'exact', msg: 'float64 source' });
    },
  },
];

// ---------------------------------------------------------------- dtype conversions

const F32_CAND = [0, -0, 1, -1.5, 2.7, -3.9, 100.25, 254.75, 1e-3, 3.14159, 0.1, 1 / 3, 65504, 65519, 65520, 70000, 1e-5, 6e-8, -2.5e-6, 1e38, -3e38, 1e-40, 2147483520, -2147483648, NaN, Infinity, -Infinity];
const F64_CAND = [0.1, 1 / 3, 2.7, -3.9, 1e39, -1e39, 1e-46, 16777217, 4.5, -0.75, 1e300, 123456789.123, NaN, -Infinity];
const I_CAND = [0, 1, -1, 7, -128, 127, 255, 256, 300, 65504, 65535, 70000, 16777217, -2147483648, 2147483647];
const I64_CAND = [2 ** 40 + 3, -(2 ** 35), 2 ** 53, -(2 ** 31) - 5, 123456789012];
const CANDIDATES: Record<DType, number[]> = {
  float32: F32_CAND.map(Math.fround),
  float64: [...F32_CAND, ...F64_CAND],
  float16: F32_CAND.map((v) => ref.roundTo('float16', v)),
  bfloat16: F32_CAND.map((v) => ref.roundTo('bfloat16', v)),
  int32: I_CAND,
  int64: [...I_CAND, ...I64_CAND],
  uint8: [0, 1, 7, 128, 200, 255],
  bool: [0, 1],
};

/** Whether converting v from `from` to `to` is defined (float to int out of range, NaN or negative-to-uint8 is UB in C++). */
function defined(from: DType, to: DType, v: number): boolean {
  if (!isFloat(from) || isFloat(to) || to === 'bool') return true;
  if (!Number.isFinite(v)) return false;
  if (to === 'uint8') return v > -1 && v < 256;
  if (to === 'int32') return v > -2147483649 && v < 2147483648;
  return Math.abs(v) < 2 ** 63;
}

const SHORTCUT: Partial<Record<DType, (t: Tensor) => Tensor>> = {
  float32: (t) => t.float(), float64: (t) => t.double(), float16: (t) => t.half(), bfloat16: (t) => t.bfloat16(),
  int32: (t) => t.int(), int64: (t) => t.long(), bool: (t) => t.bool(),
};

const convertCases: Case[] = [
  {
    op: 'to', name: 'every dtype pair (rounding, overflow, NaN, truncation)', dtypes: ALL_DTYPES, layouts: ['contig', 'sliced'],
    run(c) {
      const cand = CANDIDATES[c.dtype];
      for (const to of ALL_DTYPES) {
        const vals = cand.filter((v) => defined(c.dtype, to, v));
        const x = c.input([vals.length], { values: vals });
        // The logical values, from the JS list (the sliced layout reads every other element from 1).
        const n = vals.length;
        const js = ref.nd([n], vals.map((_, k) => (c.layout === 'sliced' ? vals[(1 + 2 * k) % n] : vals[k])));
        c.check(x.t, js, { tol: 'exact', msg: `the ${c.dtype} input holds the chosen values` });
        const exp = ref.map(js, (v) => ref.roundTo(to, v));
        c.check(x.t.to(to), exp, { dtype: to, tol: 'exact', msg: `to('${to}')` });
        const sc = SHORTCUT[to];
        if (sc) c.check(sc(x.t), exp, { dtype: to, tol: 'exact', msg: `shortcut to ${to}` });
      }
    },
  },
  {
    op: 'to', name: 'float32 to float16/bfloat16 rounds to nearest even', dtypes: ['float32', 'float64'], layouts: ['contig'],
    run(c) {
      // Ties between two float16 (bfloat16) neighbours, just above and just below them.
      const h = 2 ** -11, b = 2 ** -8;
      const vals = [1 + h, 1 + 3 * h, 1 + h + 2 ** -20, 1 + 3 * h - 2 ** -20, 2048 + 1, 2048 + 3, -(1 + h), 2 ** -25, 2 ** -24 + 2 ** -26, 3 * 2 ** -25];
      const x = c.upload(vals);
      c.check(x.half(), ref.nd([vals.length], vals.map(ref.roundF16)), { dtype: 'float16', tol: 'exact', msg: 'float16' });
      const bvals = [1 + b, 1 + 3 * b, 1 + b + 2 ** -20, -(1 + 3 * b), 256 + 1, 256 + 3, 3e38, 1e-39];
      const y = c.upload(bvals);
      c.check(y.bfloat16(), ref.nd([bvals.length], bvals.map((v) => ref.roundBF16(Math.fround(v)))), { dtype: 'bfloat16', tol: 'exact', msg: 'bfloat16' });
    },
  },
  {
    op: 'to', name: 'int64 beyond 2^53 stays exact', dtypes: ['int64'], layouts: ['contig'],
    run(c) {
      const big = BigInt64Array.from([2n ** 53n + 1n, -(2n ** 62n) - 7n, 9223372036854775807n]);
      const x = nt.tensor(big, { device: c.device });
      c.equal(x.dtype, 'int64', 'tensor(BigInt64Array) is int64');
      const d = x.dataSync() as BigInt64Array;
      c.deepEqual(Array.from(d, String), Array.from(big, String), 'dataSync() returns the exact BigInts');
      c.check(x.to('float64'), ref.nd([3], [2 ** 53, -(2 ** 62), 2 ** 63]), { dtype: 'float64', tol: 'exact', msg: 'to float64 rounds' });
      c.deepEqual(Array.from(x.clone().dataSync() as BigInt64Array, String), Array.from(big, String), 'clone() keeps them');
    },
  },
];

// ---------------------------------------------------------------- reading back

const ARRAY_TYPE: Record<DType, string> = {
  float32: 'Float32Array', float64: 'Float64Array', float16: 'Float32Array', bfloat16: 'Float32Array',
  int32: 'Int32Array', int64: 'BigInt64Array', uint8: 'Uint8Array', bool: 'Uint8Array',
};

const readCases: Case[] = [
  {
    op: 'dataSync', name: 'data, toArray and item: types and values', dtypes: ALL_DTYPES,
    async run(c) {
      const x = c.input([2, 3]);
      const want = ARRAY_TYPE[c.dtype];
      const d = x.t.dataSync();
      c.equal(d.constructor.name, want, `dataSync() is a ${want}`);
      c.deepEqual(Array.from(d as ArrayLike<number | bigint>, Number), x.r.data, 'dataSync() values in logical order');
      const a = await x.t.data();
      c.equal(a.constructor.name, want, `await data() is a ${want}`);
      c.deepEqual(Array.from(a as ArrayLike<number | bigint>, Number), x.r.data, 'await data() values in logical order');
      c.deepEqual(x.t.toArray(), ref.toNested(x.r, c.dtype === 'bool'), 'toArray() nested (booleans for bool)');
      const one = x.t.select(0, 1).select(0, 2);
      const v = one.item();
      c.equal(typeof v, c.dtype === 'bool' ? 'boolean' : 'number', 'item() type');
      c.equal(Number(v), x.r.data[5], 'item() of a view');
      c.deepEqual(one.toArray(), c.dtype === 'bool' ? x.r.data[5] !== 0 : x.r.data[5], 'toArray() of a 0-d tensor is a scalar');
      c.equal(x.t.reshape(1, 6).narrow(1, 4, 1).item(), c.dtype === 'bool' ? x.r.data[4] !== 0 : x.r.data[4], 'item() of a [1, 1] view');
      const [p, q] = await Promise.all([x.t.data(), x.t.clone().data()]);
      c.deepEqual([Array.from(p as ArrayLike<number | bigint>, Number), Array.from(q as ArrayLike<number | bigint>, Number)], [x.r.data, x.r.data], 'two data() reads in flight at once');
      const before = x.t.data();
      x.t.fill_(c.dtype === 'bool' ? 1 : 3);
      c.deepEqual(Array.from((await before) as ArrayLike<number | bigint>, Number), x.r.data, 'data() returns the values as of the call (in-order queue)');
      c.deepEqual(Array.from(x.t.dataSync() as ArrayLike<number | bigint>, Number), new Array(6).fill(c.dtype === 'bool' ? 1 : 3), 'and the fill_ after it applies');
      const e = nt.zeros([0, 3], c.opts());
      c.equal((await e.data()).length, 0, 'data() of an empty tensor');
      c.deepEqual(e.toArray(), [], 'toArray() of an empty tensor');
      c.equal(readNumbers(x.t).length, 6, 'sanity');
    },
  },
];

const deviceCases: Case[] = [{
  op: 'to', name: "device moves ('cpu' and back) and cross-device copy_", dtypes: ['float32', 'float16', 'int64', 'bool'],
  run(c) {
    const x = c.input([3, 4]);
    const h = x.t.to('cpu'), h2 = x.t.cpu();
    c.ok(h.device === 'cpu' && h2.device === 'cpu' && h.dtype === c.dtype, `to('cpu') is on cpu (${h.device}) with the dtype`);
    c.deepEqual(readNumbers(h), x.r.data, "to('cpu') values");
    c.deepEqual(readNumbers(h2), x.r.data, 'cpu() values');
    c.check(h.to(c.device), x.r, { tol: 'exact', msg: 'back to the device' });
    c.check(x.t.to({ dtype: 'float64', device: c.device }), x.r, { dtype: 'float64', tol: 'exact', msg: 'to({ dtype, device })' });
    const dst = nt.zeros([3, 4], c.opts());
    dst.copy_(h);
    c.check(dst, x.r, { tol: 'exact', msg: 'copy_ from a cpu tensor' });
  },
}];

suite('views', [...deviceCases, ...viewCases, ...joinCases, ...copyCases, ...convertCases, ...readCases]);
