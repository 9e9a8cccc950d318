// creation.test.ts — conformance of zeros/ones/full(+Like), arange/linspace/eye, rand/randn/randint
// statistics and manualSeed determinism, and tensor() from nested arrays and TypedArrays, per device.
// Not here: bad-argument errors, views of created tensors (views.test.ts).
import * as nt from '../../lib';
import { ALL_DTYPES, Case, Ctx, DType, Tensor, isFloat, readNumbers, ref, suite } from '../helpers/conformance';

const ONE: { layouts: ['contig'] } = { layouts: ['contig'] };

// ---------------------------------------------------------------- filled

const filledCases: Case[] = [
  {
    op: 'zeros', name: 'ones, full, empty and the *Like variants', dtypes: ALL_DTYPES, ...ONE,
    run(c) {
      const o = c.opts();
      for (const shape of [[2, 3], [5], [], [0, 4], [2, 1, 3]]) {
        const n = ref.numel(shape);
        const fill = (v: number): ref.Nd => ref.nd(shape, new Array(n).fill(ref.roundTo(c.dtype, v)));
        c.check(nt.zeros(shape, o), fill(0), { msg: `zeros [${shape}]` });
        c.check(nt.ones(shape, o), fill(1), { msg: `ones [${shape}]` });
        const v = isFloat(c.dtype) ? -2.5 : c.dtype === 'bool' ? 1 : 7;
        c.check(nt.full(shape, c.dtype === 'bool' ? true : v, o), fill(v), { msg: `full [${shape}] ${v}` });
        const e = nt.empty(shape, o);
        c.ok(e.dtype === c.dtype && e.device === c.device && e.shape.join() === shape.join(), `empty [${shape}] has the shape, dtype and device`);
      }
      const x = nt.ones([3, 2], o);
      c.check(nt.zerosLike(x), ref.nd([3, 2], new Array(6).fill(0)), { msg: 'zerosLike' });
      c.check(nt.onesLike(x), ref.nd([3, 2], new Array(6).fill(1)), { msg: 'onesLike' });
      c.check(nt.fullLike(x, 1), ref.nd([3, 2], new Array(6).fill(1)), { msg: 'fullLike' });
      c.check(nt.zerosLike(x, { dtype: 'float64' }), ref.nd([3, 2], new Array(6).fill(0)), { dtype: 'float64', msg: 'zerosLike with a dtype' });
      const el = nt.emptyLike(x);
      c.ok(el.dtype === c.dtype && el.device === c.device && el.shape.join() === '3,2', 'emptyLike');
    },
  },
  {
    op: 'full', name: 'dtype inference and defaults', dtypes: ['float32'], ...ONE,
    run(c) {
      const d = { device: c.device };
      c.check(nt.zeros([2], d), ref.nd([2], [0, 0]), { dtype: 'float32', msg: 'zeros defaults to float32' });
      c.check(nt.full([2], 7, d), ref.nd([2], [7, 7]), { dtype: 'int64', msg: 'full with an int is int64' });
      c.check(nt.full([2], 1.5, d), ref.nd([2], [1.5, 1.5]), { dtype: 'float32', msg: 'full with a float is float32' });
      c.check(nt.full([2], true, d), ref.nd([2], [1, 1]), { dtype: 'bool', msg: 'full with a boolean is bool' });
      c.check(nt.full([3], 1e10, { dtype: 'float64', device: c.device }), ref.nd([3], [1e10, 1e10, 1e10]), { dtype: 'float64', msg: 'full float64' });
      c.check(nt.full([2], 70000, { dtype: 'float16', device: c.device }), ref.nd([2], [Infinity, Infinity]), { dtype: 'float16', msg: 'full float16 overflows to inf' });
    },
  },
  {
    op: 'zeros', name: 'large ones/full', dtypes: ['float32', 'float16', 'int64', 'uint8'], ...ONE,
    run(c) {
      c.check(nt.ones([1000, 131], c.opts()), ref.nd([1000, 131], new Array(131000).fill(1)), { msg: 'ones' });
      c.check(nt.full([100003], 3, c.opts()), ref.nd([100003], new Array(100003).fill(3)), { msg: 'full' });
    },
  },
];

// ---------------------------------------------------------------- ranges

/** torch.linspace: the first half counts up from start, the second half down from end. */
function linspaceRef(start: number, end: number, steps: number): number[] {
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  return Array.from({ length: steps }, (_, i) => (i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step));
}
const range = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

const rangeCases: Case[] = [
  {
    op: 'arange', name: 'int and float, negative steps, dtypes', dtypes: ['float32'], ...ONE,
    run(c) {
      const d = { device: c.device };
      c.check(nt.arange(5, undefined, 1, d), ref.nd([5], [0, 1, 2, 3, 4]), { dtype: 'int64', msg: 'arange(5) is int64' });
      c.check(nt.arange(1, 2, 0.25, d), ref.nd([4], [1, 1.25, 1.5, 1.75]), { dtype: 'float32', msg: 'arange(1, 2, 0.25)' });
      c.check(nt.arange(10, 0, -3, d), ref.nd([4], [10, 7, 4, 1]), { dtype: 'int64', msg: 'arange(10, 0, -3)' });
      c.check(nt.arange(0, 1, 0.1, d), ref.nd([10], range(10, (i) => i * 0.1)), { dtype: 'float32', msg: 'arange(0, 1, 0.1) has 10 elements' });
      c.check(nt.arange(5.5, undefined, 1, d), ref.nd([6], [0, 1, 2, 3, 4, 5]), { dtype: 'float32', msg: 'arange(5.5)' });
      c.check(nt.arange(-3, 3, 1.5, { dtype: 'float64', device: c.device }), ref.nd([4], [-3, -1.5, 0, 1.5]), { dtype: 'float64', msg: 'float64' });
      c.check(nt.arange(-4, 4, 2, { dtype: 'int32', device: c.device }), ref.nd([4], [-4, -2, 0, 2]), { dtype: 'int32', msg: 'int32' });
      c.check(nt.arange(0, 3, 0.5, { dtype: 'float16', device: c.device }), ref.nd([6], [0, 0.5, 1, 1.5, 2, 2.5]), { dtype: 'float16', msg: 'float16' });
      c.check(nt.arange(0, 3, 0.5, { dtype: 'bfloat16', device: c.device }), ref.nd([6], [0, 0.5, 1, 1.5, 2, 2.5]), { dtype: 'bfloat16', msg: 'bfloat16' });
      c.check(nt.arange(3, 3, 1, d), ref.nd([0], []), { dtype: 'int64', msg: 'empty range' });
      c.check(nt.arange(-1, 1, 0.001, d), ref.nd([2000], range(2000, (i) => -1 + i * 0.001)), { dtype: 'float32', msg: 'arange(-1, 1, 0.001)' });
      c.check(nt.arange(100003, undefined, 1, d), ref.nd([100003], range(100003, (i) => i)), { dtype: 'int64', msg: 'large int64' });
      c.check(nt.arange(0, 100003, 1, { dtype: 'float32', device: c.device }), ref.nd([100003], range(100003, (i) => i)), { dtype: 'float32', tol: 'exact', msg: 'large float32 (exact integers)' });
    },
  },
  {
    op: 'linspace', dtypes: ['float32', 'float64', 'float16', 'bfloat16'], ...ONE,
    run(c) {
      const o = c.opts();
      for (const [a, b, n] of [[0, 1, 5], [5, -5, 11], [-1, 1, 1], [0, 1, 0], [0, 1, 7], [-2.5, 10, 100001]]) {
        const exp = ref.nd([n], linspaceRef(a, b, n));
        const got = nt.linspace(a, b, n, o);
        c.check(got, exp, { msg: `linspace(${a}, ${b}, ${n})` });
        if (n > 1) c.equal(readNumbers(got.narrow(0, n - 1, 1))[0], ref.roundTo(c.dtype, b), `linspace(${a}, ${b}, ${n}) ends exactly at end`);
      }
      c.check(nt.linspace(0, 1, 3, { device: c.device }), ref.nd([3], [0, 0.5, 1]), { dtype: 'float32', msg: 'defaults to float32' });
      if (c.dtype === 'float32') c.check(nt.linspace(0, 10, 5, { dtype: 'int64', device: c.device }), ref.nd([5], [0, 2, 5, 7, 10]), { dtype: 'int64', msg: 'int64 linspace truncates like PyTorch' });
    },
  },
  {
    op: 'eye', dtypes: ['float32', 'float64', 'float16', 'int32', 'int64', 'bool'], ...ONE,
    run(c) {
      const o = c.opts();
      for (const [n, m] of [[3, undefined], [2, 4], [4, 2], [1, 1], [0, undefined], [70, 50]] as [number, number | undefined][]) {
        const cols = m ?? n;
        c.check(nt.eye(n, m, o), ref.fromFn([n, cols], ([i, j]) => +(i === j)), { msg: `eye(${n}${m === undefined ? '' : `, ${m}`})` });
      }
    },
  },
];

// ---------------------------------------------------------------- random

function stats(v: number[]): { mean: number; std: number; min: number; max: number } {
  let s = 0, min = Infinity, max = -Infinity;
  for (const x of v) { s += x; if (x < min) min = x; if (x > max) max = x; }
  const mean = s / v.length;
  let q = 0;
  for (const x of v) q += (x - mean) * (x - mean);
  return { mean, std: Math.sqrt(q / (v.length - 1)), min, max };
}
const finite = (v: number[]): boolean => v.every(Number.isFinite);
const near = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol;
const N = 100000;

function checkUniform(c: Ctx, t: Tensor, lo: number, hi: number, dtype: DType, what: string): void {
  const v = readNumbers(t);
  const s = stats(v), w = hi - lo;
  c.ok(t.dtype === dtype && t.device === c.device && t.numel === N, `${what}: dtype ${t.dtype}, device ${t.device}, ${t.numel} elements`);
  c.ok(finite(v) && s.min >= lo && s.max < hi, `${what}: all in [${lo}, ${hi}) (min ${s.min}, max ${s.max})`);
  // 5 standard errors; 16-bit dtypes round each sample, which moves the mean by at most half an ulp near hi.
  const slack = dtype === 'bfloat16' ? 4e-3 * w : dtype === 'float16' ? 5e-4 * w : 0;
  c.ok(near(s.mean, (lo + hi) / 2, 5 * w / Math.sqrt(12 * N) + slack), `${what}: mean ${s.mean.toFixed(5)} ~ ${(lo + hi) / 2}`);
  c.ok(near(s.std, w / Math.sqrt(12), 0.01 * w + slack), `${what}: std ${s.std.toFixed(5)} ~ ${(w / Math.sqrt(12)).toFixed(5)}`);
  const lowQ = v.filter((x) => x < lo + w / 4).length / N;
  c.ok(near(lowQ, 0.25, 0.01), `${what}: the lowest quarter holds ${lowQ.toFixed(4)} of the samples`);
}

function checkNormal(c: Ctx, t: Tensor, mean: number, std: number, dtype: DType, what: string): void {
  const v = readNumbers(t);
  const s = stats(v);
  const slack = dtype === 'bfloat16' ? 8e-3 * std : dtype === 'float16' ? 1e-3 * std : 0;
  c.ok(t.dtype === dtype && t.device === c.device && t.numel === N, `${what}: dtype ${t.dtype}, device ${t.device}, ${t.numel} elements`);
  c.ok(finite(v), `${what}: all finite`);
  c.ok(near(s.mean, mean, 5 * std / Math.sqrt(N) + slack), `${what}: mean ${s.mean.toFixed(5)} ~ ${mean}`);
  c.ok(near(s.std, std, 0.012 * std + slack), `${what}: std ${s.std.toFixed(5)} ~ ${std}`);
  const within1 = v.filter((x) => Math.abs(x - mean) < std).length / N;
  c.ok(near(within1, 0.6827, 0.01), `${what}: ${within1.toFixed(4)} of the samples within one std (0.6827)`);
  const tail = v.filter((x) => x < mean - 1.96 * std).length / N;
  c.ok(near(tail, 0.025, 0.004), `${what}: ${tail.toFixed(4)} below -1.96 std (0.025)`);
}

const randomCases: Case[] = [
  {
    op: 'rand', name: 'and uniform statistics', dtypes: ['float32', 'float64', 'float16', 'bfloat16'], ...ONE,
    run(c) {
      nt.manualSeed(1234);
      checkUniform(c, nt.rand([N], c.opts()), 0, 1, c.dtype, 'rand');
      checkUniform(c, nt.uniform([100, N / 100], -2, 5, c.opts()), -2, 5, c.dtype, 'uniform(-2, 5)');
      c.check(nt.rand([0, 3], c.opts()), ref.nd([0, 3], []), { msg: 'rand of an empty shape' });
    },
  },
  {
    op: 'randn', name: 'and normal statistics', dtypes: ['float32', 'float64', 'float16', 'bfloat16'], ...ONE,
    run(c) {
      nt.manualSeed(99);
      checkNormal(c, nt.randn([N], c.opts()), 0, 1, c.dtype, 'randn');
      checkNormal(c, nt.normal([N], 3, 0.5, c.opts()), 3, 0.5, c.dtype, 'normal(3, 0.5)');
    },
  },
  {
    op: 'randint', name: 'range, dtype and bin frequencies', dtypes: ['int64', 'int32', 'float32'], ...ONE,
    run(c) {
      nt.manualSeed(7);
      const dflt = c.dtype === 'int64';
      const t = dflt ? nt.randint(0, 10, [N], { device: c.device }) : nt.randint(0, 10, [N], c.opts());
      c.equal(t.dtype, c.dtype, `randint dtype ${c.dtype}${dflt ? ' (the default)' : ''}`);
      const v = readNumbers(t);
      c.ok(v.every((x) => Number.isInteger(x) && x >= 0 && x < 10), 'randint(0, 10): integers in [0, 10)');
      const bins = new Array(10).fill(0);
      for (const x of v) bins[x]++;
      c.ok(bins.every((b) => near(b / N, 0.1, 0.006)), `randint(0, 10): every value ~10% (${bins.map((b) => (b / N).toFixed(3)).join(' ')})`);
      const w = readNumbers(nt.randint(-5, 5, [1000], c.opts()));
      c.ok(w.every((x) => x >= -5 && x < 5) && new Set(w).size === 10, 'randint(-5, 5): all ten values, none outside');
      if (c.dtype !== 'float32') {
        const big = readNumbers(nt.randint(-1000000, 1000000, [N], c.opts()));
        const s = stats(big);
        c.ok(s.min >= -1000000 && s.max < 1000000 && near(s.mean, 0, 1e4) && new Set(big).size > 0.9 * N, `randint(-1e6, 1e6): range and spread (mean ${s.mean.toFixed(0)})`);
      }
    },
  },
  {
    op: 'manualSeed', name: 'determinism and getRngState/setRngState', dtypes: ['float32'], ...ONE,
    run(c) {
      const o = c.opts();
      const draw = (): number[][] => [readNumbers(nt.rand([1000], o)), readNumbers(nt.randn([64], o)), readNumbers(nt.randint(0, 1000, [64], { device: c.device }))];
      nt.manualSeed(123);
      const a = draw();
      nt.manualSeed(123);
      const b = draw();
      c.deepEqual(b, a, 'the same seed gives the same rand, randn and randint');
      nt.manualSeed(124);
      const d = draw();
      c.ok(d[0].some((x, i) => x !== a[0][i]) && d[1].some((x, i) => x !== a[1][i]), 'another seed gives other numbers');
      nt.manualSeed(5);
      const first = readNumbers(nt.rand([16], o)), second = readNumbers(nt.rand([16], o));
      c.ok(second.some((x, i) => x !== first[i]), 'consecutive draws differ');
      const st = nt.getRngState();
      const next = readNumbers(nt.randn([32], o));
      nt.setRngState(st);
      c.deepEqual(readNumbers(nt.randn([32], o)), next, 'setRngState(getRngState()) replays the next draw');
    },
  },
  {
    op: 'rand', name: 'same seed, same numbers as on cpu', dtypes: ['float32'], ...ONE,
    run(c) {
      if (c.device === 'cpu') { c.t.comment('cpu is the reference device for this case'); return; }
      const onDev = (dev: string): number[][] => {
        nt.manualSeed(2024);
        return [readNumbers(nt.rand([4096], { device: dev })), readNumbers(nt.randn([4096], { device: dev })), readNumbers(nt.randint(0, 100, [4096], { device: dev }))];
      };
      const [u, g, i] = onDev(c.device), [u0, g0, i0] = onDev('cpu');
      c.check(c.upload(u), ref.nd([4096], u0), { tol: 'simple', msg: 'rand' });
      c.check(c.upload(g), ref.nd([4096], g0), { tol: 'transc', msg: 'randn' });
      c.deepEqual(i, i0, 'randint');
    },
  },
];

// ---------------------------------------------------------------- tensor()

const tensorCases: Case[] = [
  {
    op: 'tensor', name: 'from nested arrays: dtype inference and shapes', dtypes: ['float32'], ...ONE,
    run(c) {
      const d = { device: c.device };
      const cases: [unknown, DType, number[], number[]][] = [
        [[[1, 2], [3, 4]], 'int64', [2, 2], [1, 2, 3, 4]],
        [[1.5, 2], 'float32', [2], [1.5, 2]],
        [[true, false, true], 'bool', [3], [1, 0, 1]],
        [[true, 2], 'int64', [2], [1, 2]],
        [[[1, 2.5]], 'float32', [1, 2], [1, 2.5]],
        [3.5, 'float32', [], [3.5]],
        [7, 'int64', [], [7]],
        [true, 'bool', [], [1]],
        [[], 'float32', [0], []],
        [[[]], 'float32', [1, 0], []],
        [[[[1], [2]], [[3], [4]], [[5], [6]]], 'int64', [3, 2, 1], [1, 2, 3, 4, 5, 6]],
        [[NaN, Infinity, -Infinity, -0], 'float32', [4], [NaN, Infinity, -Infinity, 0]],
        [[-(2 ** 40), 2 ** 40 + 1], 'int64', [2], [-(2 ** 40), 2 ** 40 + 1]],
      ];
      for (const [data, dt, shape, vals] of cases) {
        c.check(nt.tensor(data as nt.NestedArray, d), ref.nd(shape, vals), { dtype: dt, msg: `tensor(${JSON.stringify(data)})` });
      }
      const withDt: [unknown, DType, number[]][] = [
        [[1.7, -2.2, 2.9], 'int32', [1, -2, 2]],
        [[1.7, -2.2], 'int64', [1, -2]],
        [[0, 2, -0, 0.5], 'bool', [0, 1, 0, 1]],
        [[0.1, 65519, 70000], 'float16', [0.1, 65519, 70000].map((v) => ref.roundTo('float16', v))],
        [[0.1, 1 / 3], 'bfloat16', [0.1, 1 / 3].map((v) => ref.roundTo('bfloat16', v))],
        [[0.1, 1 / 3], 'float64', [0.1, 1 / 3]],
        [[1, 2, 255], 'uint8', [1, 2, 255]],
        [[true, false], 'float32', [1, 0]],
      ];
      for (const [data, dt, vals] of withDt) {
        c.check(nt.tensor(data as nt.NestedArray, { dtype: dt, device: c.device }), ref.nd([vals.length], vals), { dtype: dt, tol: 'exact', msg: `tensor(${JSON.stringify(data)}, { dtype: '${dt}' })` });
      }
    },
  },
  {
    op: 'tensor', name: 'from TypedArrays (dtype from the array, shape option, raw 16-bit bits)', dtypes: ['float32'], ...ONE,
    run(c) {
      const d = { device: c.device };
      const arrays: [ArrayBufferView, DType, number[]][] = [
        [new Float32Array([1.5, -2, 0.1]), 'float32', [1.5, -2, Math.fround(0.1)]],
        [new Float64Array([0.1, 1e300, -0]), 'float64', [0.1, 1e300, 0]],
        [new Int32Array([-7, 2147483647, 0]), 'int32', [-7, 2147483647, 0]],
        [BigInt64Array.from([-5n, 2n ** 40n]), 'int64', [-5, 2 ** 40]],
        [new Uint8Array([0, 200, 255]), 'uint8', [0, 200, 255]],
        [new Uint8ClampedArray([3, 250]), 'uint8', [3, 250]],
        [new Int16Array([-300, 300]), 'int32', [-300, 300]],
        [new Int8Array([-128, 127]), 'int32', [-128, 127]],
        [new Uint16Array([65535, 1]), 'int32', [65535, 1]],
        [new Uint32Array([4294967295, 0]), 'int64', [4294967295, 0]],
      ];
      for (const [a, dt, vals] of arrays) {
        c.check(nt.tensor(a, d), ref.nd([vals.length], vals), { dtype: dt, tol: 'exact', msg: `tensor(${a.constructor.name})` });
      }
      c.check(nt.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3], device: c.device }), ref.nd([2, 3], [1, 2, 3, 4, 5, 6]), { dtype: 'float32', msg: 'with shape [2, 3]' });
      c.check(nt.tensor(new Int32Array([1, -2, 3]), { dtype: 'float64', device: c.device }), ref.nd([3], [1, -2, 3]), { dtype: 'float64', msg: 'Int32Array as float64' });
      c.check(nt.tensor(new Float64Array([1.9, -1.9]), { dtype: 'int32', device: c.device }), ref.nd([2], [1, -1]), { dtype: 'int32', msg: 'Float64Array as int32 truncates' });
      const buf = new Float32Array([9, 9, 1, 2, 3, 4, 9]);
      c.check(nt.tensor(buf.subarray(2, 6), { shape: [2, 2], device: c.device }), ref.nd([2, 2], [1, 2, 3, 4]), { dtype: 'float32', msg: 'a subarray (byteOffset) of a bigger buffer' });
      c.check(nt.tensor(new Uint16Array([0x3c00, 0xc000, 0x7c00, 0x0001, 0x7bff]), { dtype: 'float16', device: c.device }), ref.nd([5], [1, -2, Infinity, 2 ** -24, 65504]), { dtype: 'float16', tol: 'exact', msg: 'Uint16Array bits as float16' });
      c.check(nt.tensor(new Uint16Array([0x3f80, 0x4049, 0xff80, 0x0001]), { dtype: 'bfloat16', device: c.device }), ref.nd([4], [1, 3.140625, -Infinity, 2 ** -133]), { dtype: 'bfloat16', tol: 'exact', msg: 'Uint16Array bits as bfloat16' });
      const big = nt.tensor(Float32Array.from({ length: 100003 }, (_, i) => i * 0.5), d);
      c.check(big, ref.nd([100003], range(100003, (i) => i * 0.5)), { dtype: 'float32', tol: 'exact', msg: 'large Float32Array' });
    },
  },
];

suite('creation', [...filledCases, ...rangeCases, ...randomCases, ...tensorCases]);
