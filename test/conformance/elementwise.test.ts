// elementwise.test.ts — conformance of unary/binary/ternary ops per device: formulas, NaN/inf,
// broadcasting, scalar operands, promotion, where/maskedFill, in-place ops through views, large sizes.
// Not here: reductions (reduce.test.ts), gradients, bad-input errors.
import * as nt from '../../lib';
import { Case, Ctx, DType, FLOATS, G, Gen, INTS, Nd, Tensor, TolKind, isFloat, ref, suite } from '../helpers/conformance';

const F = ref.F, Bf = ref.B;
const NUMERIC: readonly DType[] = [...FLOATS, ...INTS];
const SHAPE = [3, 4, 5];

// ---------------------------------------------------------------- unary

interface UnarySpec { op: string; name?: string; fn: (x: Tensor) => Tensor; f: (x: number) => number; gen: Gen; tol?: TolKind; dtypes?: readonly DType[] }
// numeric ops are exact (no rounding) except square

/** float ops: int inputs compute in float32. */
const FLOAT_UNARY: UnarySpec[] = [
  { op: 'exp', fn: (x) => x.exp(), f: F.exp, gen: G.byKind(G.uniform(-3, 3), G.ints(-5, 5)) },
  { op: 'log', fn: (x) => x.log(), f: F.log, gen: G.byKind(G.uniform(0.05, 5), G.ints(1, 20)) },
  { op: 'log1p', fn: (x) => x.log1p(), f: F.log1p, gen: G.byKind(G.uniform(-0.9, 3), G.ints(0, 20)) },
  { op: 'expm1', fn: (x) => x.expm1(), f: F.expm1, gen: G.byKind(G.uniform(-3, 3), G.ints(-5, 5)) },
  { op: 'sqrt', fn: (x) => x.sqrt(), f: F.sqrt, gen: G.byKind(G.uniform(0, 5), G.ints(0, 20)) },
  { op: 'rsqrt', fn: (x) => x.rsqrt(), f: F.rsqrt, gen: G.byKind(G.uniform(0.05, 5), G.ints(1, 20)) },
  { op: 'reciprocal', fn: (x) => x.reciprocal(), f: F.reciprocal, gen: G.byKind(G.away(G.uniform(-3, 3), 0.1), G.away(G.ints(-20, 20), 1)) },
  { op: 'sin', fn: (x) => x.sin(), f: F.sin, gen: G.byKind(G.uniform(-6, 6), G.ints(-10, 10)) },
  { op: 'cos', fn: (x) => x.cos(), f: F.cos, gen: G.byKind(G.uniform(-6, 6), G.ints(-10, 10)) },
  { op: 'tan', fn: (x) => x.tan(), f: F.tan, gen: G.byKind(G.uniform(-1.3, 1.3), G.ints(-3, 3)) },
  { op: 'tanh', fn: (x) => x.tanh(), f: F.tanh, gen: G.byKind(G.uniform(-4, 4), G.ints(-5, 5)) },
  { op: 'sigmoid', fn: (x) => x.sigmoid(), f: F.sigmoid, gen: G.byKind(G.uniform(-8, 8), G.ints(-10, 10)) },
  { op: 'gelu', name: 'erf form', fn: (x) => x.gelu(), f: F.gelu, gen: G.byKind(G.uniform(-4, 4), G.ints(-5, 5)) },
  { op: 'gelu', name: 'tanh form', fn: (x) => x.gelu({ approximate: 'tanh' }), f: F.gelu_tanh, gen: G.byKind(G.uniform(-4, 4), G.ints(-5, 5)) },
  { op: 'silu', fn: (x) => x.silu(), f: F.silu, gen: G.byKind(G.uniform(-6, 6), G.ints(-8, 8)) },
  { op: 'softplus', name: 'default', fn: (x) => x.softplus(), f: F.softplus, gen: G.byKind(G.uniform(-5, 25), G.ints(-5, 25)) },
  { op: 'softplus', name: 'beta=2 threshold=1', fn: (x) => x.softplus({ beta: 2, threshold: 1 }), f: (x) => ref.softplus(x, 2, 1), gen: G.byKind(G.uniform(-3, 3), G.ints(-3, 3)) },
  { op: 'softplus', name: 'beta=0.5 threshold=5', fn: (x) => nt.softplus(x, { beta: 0.5, threshold: 5 }), f: (x) => ref.softplus(x, 0.5, 5), gen: G.byKind(G.uniform(-4, 14), G.ints(-4, 14)) },
  { op: 'erf', fn: (x) => x.erf(), f: F.erf, gen: G.byKind(G.uniform(-3, 3), G.ints(-3, 3)) },
];

/** numeric ops keep the dtype. Values on a grid of halves so floor/ceil/round see ties. */
const halves = G.mix(0.5, G.grid(-5, 5, 2), G.uniform(-5, 5));
const NUMERIC_UNARY: UnarySpec[] = [
  { op: 'neg', fn: (x) => x.neg(), f: F.neg, gen: G.byKind(G.uniform(-3, 3), G.ints(-20, 20)) },
  { op: 'abs', fn: (x) => x.abs(), f: F.abs, gen: G.byKind(G.uniform(-3, 3), G.ints(-20, 20)), dtypes: [...NUMERIC, 'uint8'] },
  { op: 'sign', fn: (x) => x.sign(), f: F.sign, gen: G.byKind(G.mix(0.2, G.pick([0]), G.uniform(-3, 3)), G.ints(-3, 3)) },
  { op: 'square', tol: 'simple', fn: (x) => x.square(), f: F.square, gen: G.byKind(G.uniform(-3, 3), (r, dt) => (dt === 'uint8' ? G.ints(0, 15)(r, dt) : G.ints(-20, 20)(r, dt))), dtypes: [...NUMERIC, 'uint8'] },
  { op: 'relu', fn: (x) => x.relu(), f: F.relu, gen: G.byKind(G.uniform(-3, 3), G.ints(-20, 20)), dtypes: [...NUMERIC, 'uint8'] },
  { op: 'floor', fn: (x) => x.floor(), f: F.floor, gen: G.byKind(halves, G.ints(-20, 20)), dtypes: [...NUMERIC, 'uint8'] },
  { op: 'ceil', fn: (x) => x.ceil(), f: F.ceil, gen: G.byKind(halves, G.ints(-20, 20)) },
  { op: 'round', fn: (x) => x.round(), f: F.round, gen: G.byKind(halves, G.ints(-20, 20)), dtypes: [...NUMERIC, 'uint8'] },
];

const unaryCases: Case[] = [
  ...FLOAT_UNARY.map((s): Case => ({
    op: s.op, name: s.name, dtypes: [...FLOATS, 'int32'],
    run(c) {
      const x = c.input(SHAPE, { gen: s.gen });
      c.check(s.fn(x.t), ref.map(x.r, s.f), { dtype: isFloat(c.dtype) ? c.dtype : 'float32', tol: s.tol ?? 'transc' });
    },
  })),
  ...NUMERIC_UNARY.map((s): Case => ({
    op: s.op, dtypes: s.dtypes ?? NUMERIC,
    run(c) {
      const x = c.input(SHAPE, { gen: s.gen });
      c.check(s.fn(x.t), ref.map(x.r, s.f), { tol: s.tol ?? 'exact' });
    },
  })),
  {
    op: 'round', name: 'half to even', dtypes: FLOATS,
    run(c) {
      const x = c.input([8], { values: [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 4.5] });
      if (c.layout === 'contig') c.deepEqual(ref.map(x.r, F.round).data, [0, 2, 2, 0, -2, -2, 4, 4], 'reference sanity');
      c.check(x.t.round(), ref.map(x.r, F.round), { tol: 'exact' });
    },
  },
  {
    op: 'expm1', name: 'and log1p keep relative accuracy near 0', dtypes: ['float32', 'float64'],
    run(c) {
      const x = c.input([5], { values: [1e-10, -1e-8, 3e-7, 1e-5, -2e-4] });
      const tol = { rtol: c.dtype === 'float64' ? 1e-12 : 2e-6, atol: 0 };
      c.check(x.t.expm1(), ref.map(x.r, Math.expm1), { tol, msg: 'expm1' });
      c.check(x.t.log1p(), ref.map(x.r, Math.log1p), { tol, msg: 'log1p' });
    },
  },
  {
    op: 'clamp', name: 'min, max, both, min > max, NaN', dtypes: NUMERIC,
    run(c) {
      const x = c.input(SHAPE, { gen: G.byKind(G.mix(0.1, () => NaN, G.uniform(-3, 3)), G.ints(-20, 20)) });
      const [lo, hi] = isFloat(c.dtype) ? [-1.25, 0.75] : [-5, 7];
      c.check(x.t.clamp(lo), ref.map(x.r, (v) => ref.clamp(v, lo)), { msg: 'min only', tol: 'exact' });
      c.check(x.t.clamp(null, hi), ref.map(x.r, (v) => ref.clamp(v, undefined, hi)), { msg: 'max only', tol: 'exact' });
      c.check(nt.clamp(x.t, lo, hi), ref.map(x.r, (v) => ref.clamp(v, lo, hi)), { msg: 'both', tol: 'exact' });
      // PyTorch: when min > max every element becomes max.
      c.check(x.t.clamp(hi, lo), ref.map(x.r, (v) => ref.clamp(v, hi, lo)), { msg: 'min > max gives max', tol: 'exact' });
    },
  },
  {
    op: 'clamp', name: 'int tensor with float bounds promotes to float32', dtypes: INTS,
    run(c) {
      const x = c.input(SHAPE);
      c.check(x.t.clamp(-2.5, 3.5), ref.map(x.r, (v) => ref.clamp(v, -2.5, 3.5)), { dtype: 'float32', tol: 'exact' });
    },
  },
];

// ---------------------------------------------------------------- NaN, inf, predicates

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -2.5, 3];
const SPECIAL_OPS: [string, (x: Tensor) => Tensor, (x: number) => number][] = [
  ['exp', (x) => x.exp(), F.exp], ['log', (x) => x.log(), F.log], ['log1p', (x) => x.log1p(), F.log1p],
  ['expm1', (x) => x.expm1(), F.expm1], ['sqrt', (x) => x.sqrt(), F.sqrt], ['rsqrt', (x) => x.rsqrt(), F.rsqrt],
  ['reciprocal', (x) => x.reciprocal(), F.reciprocal], ['sin', (x) => x.sin(), F.sin], ['cos', (x) => x.cos(), F.cos],
  ['tanh', (x) => x.tanh(), F.tanh], ['sigmoid', (x) => x.sigmoid(), F.sigmoid], ['erf', (x) => x.erf(), F.erf],
  ['softplus', (x) => x.softplus(), F.softplus], ['neg', (x) => x.neg(), F.neg], ['abs', (x) => x.abs(), F.abs],
  ['relu', (x) => x.relu(), F.relu], ['square', (x) => x.square(), F.square], ['floor', (x) => x.floor(), F.floor],
  ['ceil', (x) => x.ceil(), F.ceil], ['round', (x) => x.round(), F.round],
];

const specialCases: Case[] = [
  ...SPECIAL_OPS.map(([op, fn, f]): Case => ({
    op, name: 'NaN/inf/-0', dtypes: FLOATS,
    run(c) {
      const x = c.input([2, 5], { values: SPECIALS });
      c.check(fn(x.t), ref.map(x.r, f), { tol: 'transc' });
    },
  })),
  {
    op: 'isnan', name: 'isinf logicalNot on NaN/inf/-0', dtypes: FLOATS,
    run(c) {
      const x = c.input([2, 5], { values: SPECIALS });
      c.check(x.t.isnan(), ref.map(x.r, F.isnan), { dtype: 'bool', msg: 'isnan' });
      c.check(nt.isinf(x.t), ref.map(x.r, F.isinf), { dtype: 'bool', msg: 'isinf' });
      c.check(x.t.logicalNot(), ref.map(x.r, F.logical_not), { dtype: 'bool', msg: 'logicalNot (NaN is true, -0 is false)' });
    },
  },
  {
    op: 'isnan', name: 'isinf logicalNot on ints and bools', dtypes: ['int32', 'int64', 'uint8', 'bool'],
    run(c) {
      const x = c.input(SHAPE, { gen: G.ints(0, 2) });
      c.check(x.t.isnan(), ref.map(x.r, () => 0), { dtype: 'bool', msg: 'isnan' });
      c.check(x.t.isinf(), ref.map(x.r, () => 0), { dtype: 'bool', msg: 'isinf' });
      c.check(nt.logicalNot(x.t), ref.map(x.r, F.logical_not), { dtype: 'bool', msg: 'logicalNot' });
    },
  },
];

// ---------------------------------------------------------------- binary

type BinFn = (a: Tensor, b: Tensor) => Tensor;
interface BinSpec { op: string; name?: string; fn: BinFn; f: (a: number, b: number) => number; dtypes: readonly DType[]; genA?: Gen; genB?: Gen; out?: (dt: DType) => DType; tol?: TolKind }

const nonzeroQuarters = G.away(G.grid(-3, 3, 4), 0.25);
const BIN: BinSpec[] = [
  { op: 'add', fn: (a, b) => a.add(b), f: Bf.add, dtypes: [...NUMERIC, 'uint8'] },
  { op: 'add', name: 'alpha', fn: (a, b) => nt.add(a, b, { alpha: 2 }), f: (a, b) => a + 2 * b, dtypes: NUMERIC },
  { op: 'sub', fn: (a, b) => a.sub(b), f: Bf.sub, dtypes: NUMERIC },
  { op: 'sub', name: 'alpha', fn: (a, b) => a.sub(b, { alpha: 3 }), f: (a, b) => a - 3 * b, dtypes: NUMERIC },
  { op: 'mul', fn: (a, b) => a.mul(b), f: Bf.mul, dtypes: [...NUMERIC, 'uint8'], genA: G.byKind(G.uniform(-3, 3), G.ints(0, 15)), genB: G.byKind(G.uniform(-3, 3), G.ints(0, 15)) },
  { op: 'div', fn: (a, b) => a.div(b), f: Bf.div, dtypes: NUMERIC, genB: G.byKind(G.away(G.uniform(-3, 3), 0.2), G.away(G.ints(-20, 20), 1)), out: (dt) => (isFloat(dt) ? dt : 'float32') },
  { op: 'div', name: 'trunc', fn: (a, b) => a.div(b, { roundingMode: 'trunc' }), f: Bf.div_trunc, dtypes: NUMERIC, genA: G.byKind(G.grid(-6, 6, 4), G.ints(-20, 20)), genB: G.byKind(nonzeroQuarters, G.away(G.ints(-7, 7), 1)), tol: 'exact' },
  { op: 'div', name: 'floor', fn: (a, b) => nt.div(a, b, { roundingMode: 'floor' }), f: Bf.div_floor, dtypes: NUMERIC, genA: G.byKind(G.grid(-6, 6, 4), G.ints(-20, 20)), genB: G.byKind(nonzeroQuarters, G.away(G.ints(-7, 7), 1)), tol: 'exact' },
  { op: 'pow', fn: (a, b) => a.pow(b), f: Bf.pow, dtypes: NUMERIC, genA: G.byKind(G.uniform(0.1, 3), G.ints(-4, 4)), genB: G.byKind(G.uniform(-2, 2), G.ints(0, 4)), tol: 'transc' },
  { op: 'maximum', fn: (a, b) => a.maximum(b), f: Bf.maximum, dtypes: [...NUMERIC, 'uint8'], genA: G.byKind(G.mix(0.1, () => NaN, G.grid(-3, 3, 2)), G.ints(0, 9)), genB: G.byKind(G.mix(0.1, () => NaN, G.grid(-3, 3, 2)), G.ints(0, 9)), tol: 'exact' },
  { op: 'minimum', fn: (a, b) => nt.minimum(a, b), f: Bf.minimum, dtypes: [...NUMERIC, 'uint8'], genA: G.byKind(G.mix(0.1, () => NaN, G.grid(-3, 3, 2)), G.ints(0, 9)), genB: G.byKind(G.mix(0.1, () => NaN, G.grid(-3, 3, 2)), G.ints(0, 9)), tol: 'exact' },
];
const cmpGen = G.byKind(G.mix(0.1, () => NaN, G.grid(-2, 2, 2)), G.ints(0, 4));
for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const) {
  BIN.push({ op, fn: (a, b) => (a[op] as (o: Tensor) => Tensor).call(a, b), f: Bf[op], dtypes: [...NUMERIC, 'uint8', 'bool'], genA: cmpGen, genB: cmpGen, out: () => 'bool' });
}
const logicGen = G.byKind(G.pick([0, 0, 1.5, -2, NaN, -0]), G.pick([0, 0, 1, 3]));
BIN.push({ op: 'logicalAnd', fn: (a, b) => a.logicalAnd(b), f: Bf.logical_and, dtypes: [...NUMERIC, 'uint8', 'bool'], genA: logicGen, genB: logicGen, out: () => 'bool' });
BIN.push({ op: 'logicalOr', fn: (a, b) => nt.logicalOr(a, b), f: Bf.logical_or, dtypes: [...NUMERIC, 'uint8', 'bool'], genA: logicGen, genB: logicGen, out: () => 'bool' });

const SHAPE_PAIRS: [number[], number[]][] = [[[4, 5], [4, 5]], [[3, 1, 4], [2, 4]], [[2, 4], [3, 1, 1]]];

const binaryCases: Case[] = BIN.map((s): Case => ({
  op: s.op, name: s.name, dtypes: s.dtypes,
  run(c) {
    for (const [sa, sb] of SHAPE_PAIRS) {
      const a = c.input(sa, { gen: s.genA }), b = c.input(sb, { gen: s.genB ?? s.genA });
      c.check(s.fn(a.t, b.t), ref.zip(a.r, b.r, s.f), { dtype: s.out ? s.out(c.dtype) : c.dtype, tol: s.tol ?? 'simple', msg: `[${sa}] with [${sb}]` });
    }
  },
}));

// scalar operands on both sides, and 0-d tensors
const scalarCases: Case[] = [
  {
    op: 'add', name: 'scalar operands (sub, mul, div, pow) on both sides', dtypes: FLOATS,
    run(c) {
      const x = c.input(SHAPE, { gen: G.away(G.uniform(-3, 3), 0.2) });
      const p = c.input(SHAPE, { gen: G.uniform(0.1, 3) });
      const chk = (got: Tensor, f: (v: number) => number, msg: string, r = x.r, tol: TolKind = 'simple'): boolean => c.check(got, ref.map(r, f), { msg, tol });
      chk(x.t.add(2.5), (v) => v + 2.5, 't + 2.5');
      chk(nt.add(2.5, x.t), (v) => 2.5 + v, '2.5 + t');
      chk(x.t.sub(1.5), (v) => v - 1.5, 't - 1.5');
      chk(nt.sub(2, x.t), (v) => 2 - v, '2 - t');
      chk(nt.sub(2, x.t, { alpha: 3 }), (v) => 2 - 3 * v, '2 - 3 * t');
      chk(x.t.mul(-3), (v) => -3 * v, 't * -3');
      chk(nt.mul(0.5, x.t), (v) => 0.5 * v, '0.5 * t');
      chk(x.t.div(4), (v) => v / 4, 't / 4');
      chk(nt.div(1, x.t), (v) => 1 / v, '1 / t');
      const q = c.input(SHAPE, { gen: nonzeroQuarters });  // quotients stay clear of integers
      chk(nt.div(7, q.t, { roundingMode: 'floor' }), (v) => Math.floor(7 / v), '7 // t (floor)', q.r);
      chk(q.t.div(-0.75, { roundingMode: 'trunc' }), (v) => Math.trunc(v / -0.75), 'trunc(t / -0.75)', q.r);
      chk(x.t.pow(2), (v) => v * v, 't ** 2');
      chk(p.t.pow(0.5), Math.sqrt, 't ** 0.5', p.r, 'transc');
      chk(p.t.pow(-1.5), (v) => v ** -1.5, 't ** -1.5', p.r, 'transc');
      chk(nt.pow(2, x.t), (v) => 2 ** v, '2 ** t', x.r, 'transc');
      chk(x.t.maximum(nt.tensor(0.5, c.opts())), (v) => Math.max(v, 0.5), 'maximum with a 0-d tensor');
      chk(x.t.add(nt.tensor(1.25, { dtype: 'float64', device: c.device })), (v) => v + 1.25, 't + 0-d float64 tensor (keeps dtype)');
      for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const) {
        c.check(x.t[op](1), ref.map(x.r, (v) => Bf[op](v, 1)), { dtype: 'bool', msg: `t.${op}(1)` });
        c.check((nt[op] as (a: number, b: Tensor) => Tensor)(1, x.t), ref.map(x.r, (v) => Bf[op](1, v)), { dtype: 'bool', msg: `${op}(1, t)` });
      }
      c.check(x.t.logicalAnd(true), ref.map(x.r, (v) => Bf.logical_and(v, 1)), { dtype: 'bool', msg: 'logicalAnd(t, true)' });
      c.check(nt.logicalOr(0, x.t), ref.map(x.r, (v) => Bf.logical_or(0, v)), { dtype: 'bool', msg: 'logicalOr(0, t)' });
    },
  },
  {
    op: 'add', name: 'int scalar operands', dtypes: INTS,
    run(c) {
      const x = c.input(SHAPE, { gen: G.away(G.ints(-9, 9), 1) });
      const chk = (got: Tensor, f: (v: number) => number, msg: string, dtype: DType = c.dtype): boolean => c.check(got, ref.map(x.r, f), { msg, dtype });
      chk(x.t.add(3), (v) => v + 3, 't + 3 keeps the int dtype');
      chk(nt.sub(2, x.t), (v) => 2 - v, '2 - t');
      chk(x.t.mul(2.5), (v) => v * 2.5, 't * 2.5 is float32', 'float32');
      chk(x.t.div(2), (v) => v / 2, 't / 2 is float32', 'float32');
      chk(x.t.div(-3, { roundingMode: 'floor' }), (v) => Math.floor(v / -3), 't // -3 (floor)');
      chk(nt.div(-7, x.t, { roundingMode: 'trunc' }), (v) => Math.trunc(-7 / v), 'trunc(-7 / t)');
      chk(x.t.pow(2), (v) => v * v, 't ** 2 stays int');
      chk(x.t.abs().pow(0.5), (v) => Math.sqrt(Math.abs(v)), '|t| ** 0.5 is float32', 'float32');
      c.check(x.t.lt(0.5), ref.map(x.r, (v) => +(v < 0.5)), { dtype: 'bool', msg: 't < 0.5 compares in float' });
      if (c.dtype === 'int64') {
        chk(x.t.add(2 ** 40), (v) => v + 2 ** 40, 't + 2^40 (exact in int64)');
        chk(x.t.mul(2 ** 33), (v) => v * 2 ** 33, 't * 2^33 (exact in int64)');
      }
    },
  },
  {
    op: 'pow', name: 'special values', dtypes: ['float32', 'float64'],
    run(c) {
      // C/PyTorch pow: pow(1, y) = 1 and pow(x, 0) = 1 even for NaN; JS differs for pow(1, NaN) and pow(1, +-inf).
      const cpow = (x: number, y: number): number => (x === 1 || y === 0 ? 1 : Math.pow(x, y));
      const a = c.input([10], { values: [-2, -2, -0.5, 0, 0, 4, NaN, 1, 2, 1] });
      const b = c.input([10], { values: [3, 0.5, 2, 0, -1, -0.5, 0, NaN, -Infinity, Infinity] });
      if (c.layout === 'contig') c.deepEqual(ref.zip(a.r, b.r, cpow).data, [-8, NaN, 0.25, 1, Infinity, 0.5, 1, 1, 0, 1], 'reference sanity');
      c.check(a.t.pow(b.t), ref.zip(a.r, b.r, cpow));
    },
  },
  {
    op: 'div', name: 'by zero', dtypes: ['float32', 'float64', 'int32'],
    run(c) {
      const a = c.input([4], { values: [1, -1, 0, 3] }), z = c.input([4], { values: [0] });
      c.check(a.t.div(z.t), ref.zip(a.r, z.r, Bf.div), { dtype: isFloat(c.dtype) ? c.dtype : 'float32' });
    },
  },
  {
    op: 'add', name: 'bool arithmetic (add is or, mul is and)', dtypes: ['bool'],
    run(c) {
      const a = c.input([4, 5]), b = c.input([4, 5]);
      c.check(a.t.add(b.t), ref.zip(a.r, b.r, Bf.logical_or), { msg: 'add' });
      c.check(a.t.mul(b.t), ref.zip(a.r, b.r, Bf.logical_and), { msg: 'mul' });
      c.check(a.t.maximum(b.t), ref.zip(a.r, b.r, Bf.logical_or), { msg: 'maximum' });
      c.check(a.t.minimum(b.t), ref.zip(a.r, b.r, Bf.logical_and), { msg: 'minimum' });
      c.check(a.t.add(1), ref.map(a.r, (v) => v + 1), { msg: 'bool + 1 is int64', dtype: 'int64' });
      c.check(a.t.mul(1.5), ref.map(a.r, (v) => v * 1.5), { msg: 'bool * 1.5 is float32', dtype: 'float32' });
    },
  },
];

// ---------------------------------------------------------------- type promotion

interface Promo { a: DType; b: DType | number | boolean; bShape?: number[]; op: 'add' | 'mul' | 'sub'; out: DType }
const PROMOS: Promo[] = [
  { a: 'int32', b: 'float16', op: 'add', out: 'float16' },
  { a: 'int32', b: 2.5, op: 'mul', out: 'float32' },
  { a: 'int64', b: 3, op: 'add', out: 'int64' },
  { a: 'float16', b: 1.5, op: 'add', out: 'float16' },
  { a: 'bfloat16', b: 'float16', op: 'add', out: 'float32' },
  { a: 'uint8', b: 'int32', op: 'add', out: 'int32' },
  { a: 'uint8', b: 'bool', op: 'add', out: 'uint8' },
  { a: 'bool', b: 'bool', op: 'add', out: 'bool' },
  { a: 'int32', b: 'int64', op: 'sub', out: 'int64' },
  { a: 'float32', b: 'float64', op: 'mul', out: 'float64' },
  { a: 'int64', b: 'float32', op: 'mul', out: 'float32' },
  { a: 'bfloat16', b: 'int64', op: 'add', out: 'bfloat16' },
  { a: 'int32', b: 'float64', bShape: [], op: 'add', out: 'float64' },   // a 0-d tensor of a higher category promotes
  { a: 'float16', b: 'float64', bShape: [], op: 'add', out: 'float16' }, // same category: a 0-d tensor does not
  { a: 'int32', b: 'int64', bShape: [], op: 'add', out: 'int32' },
  { a: 'uint8', b: 'float32', bShape: [1], op: 'mul', out: 'float32' },
];

const promotionCases: Case[] = [{
  op: 'add', name: 'type promotion', dtypes: ['float32'],
  run(c) {
    for (const p of PROMOS) {
      const a = c.input([3, 4], { dtype: p.a, gen: p.a === 'uint8' ? G.ints(0, 9) : G.byKind(G.grid(-3, 3, 4), G.ints(-9, 9)) });
      const fn = (x: Tensor, y: Tensor | number | boolean): Tensor => (p.op === 'add' ? x.add(y) : p.op === 'sub' ? x.sub(y) : x.mul(y));
      const f = Bf[p.op === 'add' && p.out === 'bool' ? 'logical_or' : p.op];
      if (typeof p.b === 'string') {
        const b = c.input(p.bShape ?? [3, 4], { dtype: p.b, gen: G.byKind(G.grid(-3, 3, 4), G.ints(0, 9)) });
        c.check(fn(a.t, b.t), ref.zip(a.r, b.r, f), { dtype: p.out, msg: `${p.a}[3,4] ${p.op} ${p.b}[${p.bShape ?? [3, 4]}]` });
      } else {
        c.check(fn(a.t, p.b), ref.map(a.r, (v) => f(v, +p.b)), { dtype: p.out, msg: `${p.a} ${p.op} ${p.b}` });
      }
    }
    c.equal(nt.promoteTypes('int32', 'float16'), 'float16', 'promoteTypes(int32, float16)');
    c.equal(nt.promoteTypes('uint8', 'int32'), 'int32', 'promoteTypes(uint8, int32)');
    c.equal(nt.promoteTypes('bfloat16', 'float16'), 'float32', 'promoteTypes(bfloat16, float16)');
  },
}];

// ---------------------------------------------------------------- where / maskedFill

const whereCases: Case[] = [
  {
    op: 'where', name: 'broadcast cond/a/b and scalars', dtypes: [...FLOATS, ...INTS, 'uint8', 'bool'],
    run(c) {
      const cond = c.input([3, 1, 5], { dtype: 'bool' });
      const a = c.input([4, 5]), b = c.input([3, 4, 1]);
      const sel = (k: number, x: number, y: number): number => (k ? x : y);
      c.check(nt.where(cond.t, a.t, b.t), ref.zipN([cond.r, a.r, b.r], sel), { msg: 'three tensors' });
      const withInt = c.dtype === 'bool' ? 'int64' : c.dtype;  // bool with an int scalar is int64, as in PyTorch
      c.check(a.t.where(cond.t, 0), ref.zipN([cond.r, a.r, 0], sel), { dtype: withInt, msg: 'b is the scalar 0' });
      c.check(nt.where(cond.t, 1, b.t), ref.zipN([cond.r, 1, b.r], sel), { dtype: withInt, msg: 'a is the scalar 1' });
      const fl = isFloat(c.dtype) ? c.dtype : 'float32';
      if (c.dtype !== 'bool') c.check(nt.where(cond.t, a.t, 0.5), ref.zipN([cond.r, a.r, 0.5], sel), { dtype: fl, msg: 'float scalar promotes ints' });
    },
  },
  {
    op: 'where', name: 'dtype promotion and scalar/scalar', dtypes: ['float32'],
    run(c) {
      const cond = c.input([2, 3], { dtype: 'bool' });
      const h = c.input([2, 3], { dtype: 'float16' }), i = c.input([2, 3], { dtype: 'int32' });
      const sel = (k: number, x: number, y: number): number => (k ? x : y);
      c.check(nt.where(cond.t, h.t, i.t), ref.zipN([cond.r, h.r, i.r], sel), { dtype: 'float16', msg: 'float16 with int32' });
      c.check(nt.where(cond.t, 1.5, 0), ref.zipN([cond.r, 1.5, 0], sel), { dtype: 'float32', msg: 'two scalars' });
      c.check(nt.where(cond.t, 2, -1), ref.zipN([cond.r, 2, -1], sel), { dtype: 'int64', msg: 'two int scalars' });
    },
  },
  {
    op: 'maskedFill', name: 'broadcast mask', dtypes: [...FLOATS, ...INTS, 'uint8', 'bool'],
    run(c) {
      const x = c.input([3, 4, 5]);
      const v = isFloat(c.dtype) ? -1.5 : c.dtype === 'bool' ? 1 : 7;
      for (const ms of [[4, 5], [3, 1, 5], [1]]) {
        const m = c.input(ms, { dtype: 'bool' });
        const fillv = c.dtype === 'bool' ? true : v;
        c.check(x.t.maskedFill(m.t, fillv), ref.zip(m.r, x.r, (k, y) => (k ? v : y)), { msg: `mask [${ms}]` });
      }
      const neg = ref.map(x.r, () => 1);
      if (isFloat(c.dtype)) c.check(nt.maskedFill(x.t, c.upload(neg, 'bool'), -Infinity), ref.map(x.r, () => -Infinity), { msg: '-inf everywhere' });
    },
  },
];

// ---------------------------------------------------------------- in place, through views

interface ViewSpec { name: string; base: number[]; make: (t: Tensor) => Tensor; refMake: (a: Nd) => Nd }
const VIEWS: ViewSpec[] = [
  { name: 'contiguous', base: [4, 6], make: (t) => t, refMake: (a) => a },
  { name: 'transposed', base: [6, 4], make: (t) => t.t(), refMake: (a) => ref.transpose(a, 0, 1) },
  { name: 'stepped slice', base: [4, 13], make: (t) => t.slice(1, 1, 13, 2), refMake: (a) => ref.slice(a, 1, 1, 13, 2) },
  { name: 'select of a permute', base: [6, 3, 4], make: (t) => t.permute(2, 0, 1).select(2, 1), refMake: (a) => ref.select(ref.permute(a, [2, 0, 1]), 2, 1) },
];

/** Applies op to a view of a fresh base; checks the view's result and that the writes landed in the base. */
function inPlace(c: Ctx, v: ViewSpec, name: string, op: (view: Tensor) => Tensor, f: (x: number, k: number) => number, o: { tol?: TolKind } = {}): void {
  const base = c.input(v.base, { layout: 'contig' });
  const view = v.make(base.t);
  const pos = v.refMake(ref.fromFn(v.base, (_, k) => k));
  const vr = v.refMake(base.r);
  const expView = ref.map(vr, f);
  const r = op(view);
  c.ok(r === view, `${name} on a ${v.name} view returns the same tensor`);
  c.check(view, expView, { msg: `${name} on a ${v.name} view: the view`, tol: o.tol ?? 'simple' });
  const expBase = ref.nd(v.base, base.r.data.slice());
  pos.data.forEach((p, k) => { expBase.data[p] = expView.data[k]; });
  c.check(base.t, expBase, { msg: `${name} on a ${v.name} view: the base`, tol: o.tol ?? 'simple' });
}

const inPlaceCases: Case[] = VIEWS.map((v): Case => ({
  op: 'add_', name: `and friends on a ${v.name} view`, dtypes: [...FLOATS, 'int32'], layouts: ['contig'],
  run(c) {
    const fl = isFloat(c.dtype);
    const vshape = v.refMake(ref.fromFn(v.base, () => 0)).shape;
    const row = c.input([vshape[vshape.length - 1]]);
    const same = c.input(vshape);
    inPlace(c, v, 'add_(row, alpha 2)', (x) => x.add_(row.t, { alpha: 2 }), (x, k) => x + 2 * row.r.data[k % row.r.data.length]);
    inPlace(c, v, 'sub_(scalar)', (x) => x.sub_(3), (x) => x - 3);
    inPlace(c, v, 'mul_(tensor)', (x) => x.mul_(same.t), (x, k) => x * same.r.data[k]);
    if (fl) inPlace(c, v, 'div_(scalar)', (x) => x.div_(4), (x) => x / 4);
    const [lo, hi] = fl ? [-1, 1.5] : [-4, 6];
    inPlace(c, v, 'clamp_', (x) => x.clamp_(lo, hi), (x) => ref.clamp(x, lo, hi));
    inPlace(c, v, 'clamp_(min only)', (x) => x.clamp_(lo), (x) => ref.clamp(x, lo));
    inPlace(c, v, 'fill_', (x) => x.fill_(fl ? 2.5 : 9), () => (fl ? 2.5 : 9));
    inPlace(c, v, 'zero_', (x) => x.zero_(), () => 0);
    const src = c.input([vshape[vshape.length - 1]], { dtype: fl ? 'int32' : 'float32', gen: G.ints(-9, 9) });
    inPlace(c, v, 'copy_(broadcast row of another dtype)', (x) => x.copy_(src.t), (_, k) => src.r.data[k % src.r.data.length]);
    if (c.dtype === 'float32' || c.dtype === 'float16') {
      const d = c.input(vshape, { dtype: 'float64' });
      inPlace(c, v, 'add_(float64 tensor) keeps the dtype', (x) => x.add_(d.t), (x, k) => x + d.r.data[k]);
    }
    inPlace(c, v, 'add_(itself)', (x) => x.add_(x), (x) => x + x);
    inPlace(c, v, 'mul_(itself)', (x) => x.mul_(x), (x) => x * x);
  },
}));

// ---------------------------------------------------------------- odd shapes

const shapeCases: Case[] = [
  {
    op: 'add', name: '6-D permuted operands, 0-d and empty tensors', dtypes: ['float32', 'int32'], layouts: ['contig'],
    run(c) {
      const a = c.input([2, 3, 2, 4, 3, 2]), b = c.input([3, 2, 4, 1, 2]);  // bp: [3, 2, 1, 4, 2]
      const ap = a.t.permute(4, 1, 5, 0, 3, 2), ar = ref.permute(a.r, [4, 1, 5, 0, 3, 2]);
      const bp = b.t.permute(0, 1, 3, 2, 4), br = ref.permute(b.r, [0, 1, 3, 2, 4]);
      c.check(ap.add(bp), ref.zip(ar, br, Bf.add), { msg: '6-D permuted + 5-D permuted (broadcast)' });
      c.check(ap.neg(), ref.map(ar, F.neg), { msg: 'neg of 6-D permuted' });
      const z = nt.tensor(3, c.opts()), y = c.input([2, 3]);
      c.check(z.mul(z), ref.scalar(9), { msg: '0-d * 0-d' });
      c.check(z.add(y.t), ref.zip(3, y.r, Bf.add), { msg: '0-d + [2,3]' });
      c.check(z.exp(), ref.scalar(Math.exp(3)), { dtype: 'float32', tol: 'transc', msg: 'exp of 0-d' });
      const e = nt.zeros([0, 3], c.opts());
      c.check(e.add(1), ref.nd([0, 3], []), { msg: 'empty + 1' });
      c.check(e.add(nt.ones([3], c.opts())), ref.nd([0, 3], []), { msg: 'empty + [3]' });
      c.check(e.sqrt(), ref.nd([0, 3], []), { dtype: 'float32', msg: 'sqrt of empty' });
      c.check(nt.where(e.gt(0), e, 1), ref.nd([0, 3], []), { msg: 'where of empty' });
    },
  },
];

// ---------------------------------------------------------------- large sizes (threaded / vectorised paths)

const largeCases: Case[] = [
  {
    op: 'add', name: 'large (120k and 100003 elements)', dtypes: ['float32', 'float64', 'float16', 'int32'],
    run(c) {
      for (const shape of [[400, 300], [100003]]) {
        const a = c.input(shape), b = c.input(shape);
        c.check(a.t.add(b.t), ref.zip(a.r, b.r, Bf.add), { msg: `[${shape}]` });
      }
    },
  },
  {
    op: 'mul', name: 'large with broadcast row and column', dtypes: ['float32', 'bfloat16', 'int64'],
    run(c) {
      const a = c.input([300, 400]), row = c.input([400]), col = c.input([300, 1]);
      c.check(a.t.mul(row.t), ref.zip(a.r, row.r, Bf.mul), { msg: 'row' });
      c.check(col.t.mul(a.t), ref.zip(col.r, a.r, Bf.mul), { msg: 'column' });
    },
  },
  {
    op: 'exp', name: 'large, and sigmoid/gelu/maximum', dtypes: ['float32', 'float64', 'float16'],
    run(c) {
      const a = c.input([250, 401]), b = c.input([250, 401]);
      c.check(a.t.exp(), ref.map(a.r, F.exp), { tol: 'transc', msg: 'exp' });
      c.check(a.t.sigmoid(), ref.map(a.r, F.sigmoid), { tol: 'transc', msg: 'sigmoid' });
      c.check(a.t.gelu(), ref.map(a.r, F.gelu), { tol: 'transc', msg: 'gelu' });
      c.check(a.t.maximum(b.t), ref.zip(a.r, b.r, Bf.maximum), { tol: 'exact', msg: 'maximum' });
      c.check(a.t.gt(b.t), ref.zip(a.r, b.r, Bf.gt), { dtype: 'bool', msg: 'gt' });
    },
  },
  {
    op: 'where', name: 'large', dtypes: ['float32'],
    run(c) {
      const cond = c.input([300, 400], { dtype: 'bool' }), a = c.input([300, 400]), b = c.input([400]);
      c.check(nt.where(cond.t, a.t, b.t), ref.zipN([cond.r, a.r, b.r], (k, x, y) => (k ? x : y)));
    },
  },
];

// The CPU backend splits big work across threads; the same ops on one thread take the serial paths.
largeCases.push({
  op: 'add', name: 'large on one CPU thread (serial paths), with exp and where', dtypes: ['float32', 'float16'],
  run(c) {
    if (c.device !== 'cpu') { c.t.comment('setNumThreads applies to the CPU backend only'); return; }
    const saved = nt.getNumThreads();
    nt.setNumThreads(1);
    try {
      const a = c.input([300, 401]), b = c.input([401]), cond = c.input([300, 1], { dtype: 'bool' });
      c.check(a.t.add(b.t), ref.zip(a.r, b.r, Bf.add), { msg: 'add' });
      c.check(a.t.exp(), ref.map(a.r, F.exp), { tol: 'transc', msg: 'exp' });
      c.check(nt.where(cond.t, a.t, b.t), ref.zipN([cond.r, a.r, b.r], (k, x, y) => (k ? x : y)), { msg: 'where' });
    } finally {
      nt.setNumThreads(saved);
    }
  },
});

suite('elementwise', [
  ...unaryCases, ...specialCases, ...binaryCases, ...scalarCases, ...promotionCases, ...whereCases, ...inPlaceCases, ...shapeCases, ...largeCases,
]);

