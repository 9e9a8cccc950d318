// ndarray.test.ts — interop with the `ndarray` package: fromNdarray/toNdarray round-trips keep
// shapes, strides and offsets of views (transposed, sliced, stepped, broadcast); negative steps
// are copied densely; each TypedArray maps to its dtype. Not here: TypedArray creation (tensor()).
import test from 'tape';
import ndarray = require('ndarray');
import type { NdArray } from 'ndarray';
import * as nt from '../../lib';

/** An ndarray's values in logical row-major order. */
function ndValues(nd: NdArray<any>): number[] {
  const out: number[] = [];
  const idx = new Array<number>(nd.shape.length).fill(0);
  const n = nd.shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    out.push(Number(nd.get(...idx)));
    for (let d = idx.length - 1; d >= 0; d--) { if (++idx[d] < nd.shape[d]) break; idx[d] = 0; }
  }
  return out;
}
const vals = (x: nt.Tensor) => Array.from(x.dataSync() as ArrayLike<number | bigint>, Number);
const nd = (a: any, shape?: number[], stride?: number[], offset?: number) => ndarray(a, shape, stride, offset) as unknown as NdArray;

test('fromNdarray: a contiguous ndarray', (t) => {
  const a = nd(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
  const x = nt.fromNdarray(a);
  t.equal(x.dtype, 'float32', 'dtype float32');
  t.same(x.shape, [2, 3], 'shape');
  t.same(x.strides, [3, 1], 'strides');
  t.same(x.toArray(), [[1, 2, 3], [4, 5, 6]], 'values');
  (a.data as Float32Array)[0] = 100;
  t.equal(vals(x)[0], 1, 'the tensor holds a copy (changing the source later does not change it)');
  t.end();
});

test('fromNdarray: views keep their strides and offset', (t) => {
  const base = nd(new Float32Array(Array.from({ length: 12 }, (_, i) => i)), [3, 4]);
  const tr = base.transpose(1, 0);
  const x = nt.fromNdarray(tr);
  t.same(x.shape, [4, 3], 'transposed shape');
  t.same(x.strides, [1, 4], 'transposed strides kept (a view, not a copy)');
  t.notOk(x.isContiguous(), 'not contiguous');
  t.same(vals(x), ndValues(tr), 'transposed values');
  const sl = base.lo(1, 1).hi(2, 2);  // rows 1..2, cols 1..2: offset 5
  const y = nt.fromNdarray(sl);
  t.same(y.shape, [2, 2], 'sliced shape');
  t.equal(y.offset, sl.offset, `sliced offset kept (${sl.offset})`);
  t.same(y.strides, [4, 1], 'sliced strides');
  t.same(vals(y), [5, 6, 9, 10], 'sliced values');
  const st = base.step(2, 3);  // rows 0,2; cols 0,3
  const z = nt.fromNdarray(st);
  t.same(z.strides, [8, 3], 'stepped strides kept');
  t.same(vals(z), [0, 3, 8, 11], 'stepped values');
  const pk = base.pick(null, 2);  // column 2
  const w = nt.fromNdarray(pk);
  t.same(w.shape, [3], 'picked shape');
  t.same(vals(w), [2, 6, 10], 'picked values');
  const ops = x.mul(2).sum(0);
  t.same(vals(ops), [0 + 1 + 2 + 3, 4 + 5 + 6 + 7, 8 + 9 + 10 + 11].map((v) => 2 * v), 'ops on a strided import are right (column sums of the transpose)');
  t.end();
});

test('fromNdarray: negative steps are copied into a dense layout', (t) => {
  const base = nd(new Float64Array([0, 1, 2, 3, 4, 5]), [2, 3]);
  const rev = base.step(-1, -1);
  const x = nt.fromNdarray(rev);
  t.equal(x.dtype, 'float64', 'dtype float64');
  t.same(x.shape, [2, 3], 'shape');
  t.ok(x.strides.every((s) => s > 0), `strides are positive (${x.strides})`);
  t.same(x.toArray(), [[5, 4, 3], [2, 1, 0]], 'values reversed on both axes');
  const colRev = nt.fromNdarray(base.step(1, -1));
  t.same(colRev.toArray(), [[2, 1, 0], [5, 4, 3]], 'one axis reversed');
  const trRev = nt.fromNdarray(base.transpose(1, 0).step(-1));
  t.same(trRev.toArray(), [[2, 5], [1, 4], [0, 3]], 'transposed then reversed');
  t.end();
});

test('fromNdarray: each TypedArray maps to a dtype', (t) => {
  const cases: [string, any, string, number[]][] = [
    ['Float32Array', new Float32Array([1.5, -2]), 'float32', [1.5, -2]],
    ['Float64Array', new Float64Array([1.25, 3]), 'float64', [1.25, 3]],
    ['Int32Array', new Int32Array([-7, 8]), 'int32', [-7, 8]],
    ['Uint8Array', new Uint8Array([0, 255]), 'uint8', [0, 255]],
    ['Int16Array', new Int16Array([-300, 300]), 'int32', [-300, 300]],
    ['Int8Array', new Int8Array([-5, 5]), 'int32', [-5, 5]],
    ['Uint16Array', new Uint16Array([65535, 1]), 'int32', [65535, 1]],
    ['Uint32Array', new Uint32Array([4294967295, 1]), 'int64', [4294967295, 1]],
    ['Uint8ClampedArray', new Uint8ClampedArray([3, 250]), 'uint8', [3, 250]],
    ['plain array', [1, 2.5], 'float32', [1, 2.5]],
  ];
  for (const [name, data, dtype, want] of cases) {
    let x: nt.Tensor | null = null;
    try { x = nt.fromNdarray(nd(data, [2])); } catch (e) { t.fail(`${name}: threw ${(e as Error).message}`); continue; }
    t.equal(x.dtype, dtype, `${name} -> ${dtype}`);
    t.same(vals(x), want, `${name}: values`);
  }
  const sub = new Float32Array([9, 9, 1, 2, 3, 4]).subarray(2);  // a TypedArray view with a byte offset
  t.same(nt.fromNdarray(nd(sub, [2, 2])).toArray(), [[1, 2], [3, 4]], 'a subarray is read from its own start');
  t.same(nt.fromNdarray(nd(new Float32Array(0), [0, 3])).shape, [0, 3], 'empty ndarray');
  t.end();
});

test('toNdarray: views keep their strides; values match', (t) => {
  const x = nt.arange(12, undefined, 1, { dtype: 'float32' }).reshape([3, 4]);
  const a = nt.toNdarray(x);
  t.same(a.shape, [3, 4], 'shape');
  t.same(a.stride, [4, 1], 'strides');
  t.same(ndValues(a), vals(x), 'values');
  t.ok(a.data instanceof Float32Array, 'float32 data is a Float32Array');
  const tr = x.t();
  const b = nt.toNdarray(tr);
  t.same(b.shape, [4, 3], 'transposed shape');
  t.same(b.stride, [1, 4], 'transposed strides kept');
  t.same(ndValues(b), vals(tr), 'transposed values');
  t.equal(b.get(3, 2), 11, 'get(3, 2) of the transpose');
  const sl = x.narrow(0, 1, 2).narrow(1, 1, 2);  // offset 5
  const c = nt.toNdarray(sl);
  t.same(c.stride, [4, 1], 'sliced strides kept');
  t.same(ndValues(c), [5, 6, 9, 10], 'sliced values (offset honoured)');
  t.ok((c.data as Float32Array).length <= 6, `only the span the view touches is copied (${(c.data as Float32Array).length} elements)`);
  const st = x.slice(1, 1, null, 2);
  t.same(ndValues(nt.toNdarray(st)), [1, 3, 5, 7, 9, 11], 'stepped slice values');
  const ex = nt.tensor([1, 2, 3], { dtype: 'int32' }).expand([2, 3]);
  const e = nt.toNdarray(ex);
  t.same(e.stride, [0, 1], 'broadcast stride 0 kept');
  t.same(ndValues(e), [1, 2, 3, 1, 2, 3], 'broadcast values');
  t.ok(e.data instanceof Int32Array, 'int32 data is an Int32Array');
  t.end();
});

test('toNdarray: dtypes', (t) => {
  const h = nt.toNdarray(nt.tensor([[1.5, 2], [3, 4]], { dtype: 'float16' }).t());
  t.ok(h.data instanceof Float32Array, 'float16 is widened to Float32Array');
  t.same(ndValues(h), [1.5, 3, 2, 4], 'float16 transposed values (dense)');
  const bf = nt.toNdarray(nt.tensor([0.5, 8], { dtype: 'bfloat16' }));
  t.same(ndValues(bf), [0.5, 8], 'bfloat16 values');
  const b = nt.toNdarray(nt.tensor([true, false, true]));
  t.same(ndValues(b), [1, 0, 1], 'bool as 0/1');
  const i = nt.toNdarray(nt.tensor([[1, 2], [3, 4]]).t());
  t.same(ndValues(i), [1, 3, 2, 4], 'int64 values (as BigInt64Array data)');
  const s = nt.toNdarray(nt.tensor(7.5));
  t.same(s.shape, [], '0-d shape');
  t.equal(Number(s.get()), 7.5, '0-d value');
  const z = nt.toNdarray(nt.zeros([2, 0]));
  t.same(z.shape, [2, 0], 'empty shape');
  t.end();
});

test('round trips: tensor -> ndarray -> tensor and ndarray -> tensor -> ndarray', (t) => {
  const x = nt.arange(24, undefined, 1, { dtype: 'float64' }).reshape([2, 3, 4]).permute(2, 0, 1).narrow(0, 1, 2);
  const back = nt.fromNdarray(nt.toNdarray(x));
  t.same(back.shape, x.shape, 'shape survives');
  t.same(back.strides, x.strides, 'strides survive');
  t.same(vals(back), vals(x), 'values survive');
  t.equal(back.dtype, 'float64', 'dtype survives');
  const a = nd(new Int32Array(Array.from({ length: 20 }, (_, i) => i * 3)), [4, 5]).transpose(1, 0).lo(1, 1);
  const a2 = nt.toNdarray(nt.fromNdarray(a));
  t.same(a2.shape, a.shape, 'ndarray shape survives');
  t.same(a2.stride, a.stride, 'ndarray strides survive');
  t.same(ndValues(a2), ndValues(a), 'ndarray values survive');
  t.end();
});

test('bad input', (t) => {
  t.throws(() => nt.fromNdarray({} as NdArray), TypeError, 'fromNdarray({}) throws TypeError');
  t.throws(() => nt.fromNdarray(null as unknown as NdArray), TypeError, 'fromNdarray(null) throws TypeError');
  t.throws(() => nt.toNdarray([1, 2] as unknown as nt.Tensor), TypeError, 'toNdarray of a non-tensor throws TypeError');
  t.end();
});
