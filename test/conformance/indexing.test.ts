// indexing.test.ts — conformance of indexSelect/gather/scatter/scatterAdd/indexAdd/take per device:
// every dtype, int64/int32 and non-contiguous indices, duplicates, negative take indices, large sizes.
// Not here: out-of-range index errors (the bad-input tests), gradients.
import * as nt from '../../lib';
import { ALL_DTYPES, Case, Ctx, DType, FLOATS, G, INTS, Nd, isFloat, ref, suite } from '../helpers/conformance';

const NUMERIC: readonly DType[] = [...FLOATS, ...INTS];
const IDX: readonly DType[] = ['int64', 'int32'];

/** For each line along `dim` of an index of `shape`, `shape[dim]` distinct values below `size`. */
function uniqueIndex(c: Ctx, shape: number[], dim: number, size: number): Nd {
  const r = c.rng();
  const out = ref.fromFn(shape, () => 0);
  return ref.alongDim(out, dim, (line) => {
    const v = Array.from({ length: size }, (_, i) => i);
    for (let i = size - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [v[i], v[j]] = [v[j], v[i]]; }
    return v.slice(0, line.length);
  });
}

const scalarFor = (dt: DType): number => (isFloat(dt) ? -1.5 : dt === 'bool' ? 1 : 7);

const cases: Case[] = [
  {
    op: 'indexSelect', dtypes: ALL_DTYPES, layouts: ['contig', 'strided', 'expanded'],
    run(c) {
      const x = c.input([5, 4, 3]);
      for (const idt of IDX) {
        for (const [dim, vals] of [[0, [3, 0, 3, 1]], [1, [2, 0]], [-1, [1, 1, 0, 2, 2]]] as [number, number[]][]) {
          const idx = c.input([vals.length], { dtype: idt, values: vals, layout: 'contig' });
          c.check(x.t.indexSelect(dim, idx.t), ref.indexSelect(x.r, dim, idx.r.data), { msg: `dim ${dim} ${idt} index [${vals}]` });
        }
        const strided = c.input([3], { dtype: idt, gen: G.ints(0, 4), layout: 'sliced' });
        c.check(nt.indexSelect(x.t, 0, strided.t), ref.indexSelect(x.r, 0, strided.r.data), { msg: `non-contiguous ${idt} index` });
        const zeroD = nt.tensor(2, { dtype: idt, device: c.device });
        c.check(x.t.indexSelect(1, zeroD), ref.indexSelect(x.r, 1, [2]), { msg: `0-d ${idt} index` });
      }
    },
  },
  {
    op: 'gather', dtypes: ALL_DTYPES, layouts: ['contig', 'strided', 'expanded'],
    run(c) {
      const x = c.input([4, 5]);
      for (const idt of IDX) {
        const specs: [number, number[], number][] = [[1, [4, 3], 5], [0, [2, 5], 4], [-1, [3, 2], 5], [0, [4, 5], 4]];
        for (const [dim, shape, size] of specs) {
          const idx = c.input(shape, { dtype: idt, gen: G.ints(0, size - 1) });
          c.check(x.t.gather(dim, idx.t), ref.gather(x.r, dim, idx.r), { msg: `dim ${dim} ${idt} index [${shape}]` });
        }
      }
      const y = c.input([3, 4, 5]);
      const idx = c.input([3, 2, 5], { dtype: 'int64', gen: G.ints(0, 3) });
      c.check(nt.gather(y.t, 1, idx.t), ref.gather(y.r, 1, idx.r), { msg: '3-D dim 1' });
    },
  },
  {
    op: 'scatter', name: 'tensor and scalar src', dtypes: ALL_DTYPES, layouts: ['contig', 'strided', 'expanded'],
    run(c) {
      const self = c.input([4, 5]);
      for (const idt of IDX) {
        const i1 = uniqueIndex(c, [4, 3], 1, 5);
        const idx1 = c.upload(i1, idt);
        const src = c.input([4, 4]);
        c.check(self.t.scatter(1, idx1, src.t), ref.scatter(self.r, 1, i1, src.r, false), { msg: `dim 1 ${idt} index, src larger than the index` });
        const i0 = uniqueIndex(c, [3, 5], 0, 4);
        const idx0 = c.upload(i0, idt);
        const src0 = c.input([3, 5]);
        c.check(self.t.scatter(0, idx0, src0.t), ref.scatter(self.r, 0, i0, src0.r, false), { msg: `dim 0 ${idt} index` });
        const v = scalarFor(c.dtype);
        c.check(self.t.scatter(-1, idx1, c.dtype === 'bool' ? true : v), ref.scatter(self.r, 1, i1, v, false), { msg: `dim -1 scalar src ${v}` });
      }
      c.check(self.t, self.r, { msg: 'the input is unchanged' });
    },
  },
  {
    op: 'scatterAdd', name: 'duplicate indices accumulate', dtypes: NUMERIC, layouts: ['contig', 'strided', 'expanded'],
    run(c) {
      const self = c.input([4, 5]);
      for (const idt of IDX) {
        for (const [dim, shape, size] of [[1, [4, 6], 5], [0, [6, 5], 4], [0, [2, 3], 4]] as [number, number[], number][]) {
          const idx = c.input(shape, { dtype: idt, gen: G.ints(0, size - 1) });
          const src = c.input(shape);
          c.check(self.t.scatterAdd(dim, idx.t, src.t), ref.scatter(self.r, dim, idx.r, src.r, true), { tol: 'reduce', msg: `dim ${dim} ${idt} index [${shape}]` });
        }
      }
    },
  },
  {
    op: 'indexAdd', name: 'duplicates and alpha', dtypes: NUMERIC, layouts: ['contig', 'strided', 'expanded'],
    run(c) {
      const self = c.input([5, 3]);
      for (const idt of IDX) {
        const idx = c.input([4], { dtype: idt, values: [0, 2, 0, 4], layout: 'contig' });
        const src = c.input([4, 3]);
        c.check(self.t.indexAdd(0, idx.t, src.t), ref.indexAdd(self.r, 0, idx.r.data, src.r), { tol: 'reduce', msg: `dim 0 ${idt}` });
        const alpha = isFloat(c.dtype) ? 0.5 : 2;
        c.check(nt.indexAdd(self.t, 0, idx.t, src.t, { alpha }), ref.indexAdd(self.r, 0, idx.r.data, src.r, alpha), { tol: 'reduce', msg: `dim 0 alpha ${alpha}` });
        const idx1 = c.input([5], { dtype: idt, values: [2, 1, 2, 0, 2], layout: 'contig' });
        const src1 = c.input([5, 5]);
        c.check(self.t.indexAdd(1, idx1.t, src1.t), ref.indexAdd(self.r, 1, idx1.r.data, src1.r), { tol: 'reduce', msg: `dim 1 ${idt}` });
      }
    },
  },
  {
    op: 'take', name: 'negative indices, logical order of non-contiguous input', dtypes: ALL_DTYPES, layouts: ['contig', 'strided', 'expanded'],
    run(c) {
      const x = c.input([3, 4]);
      for (const idt of IDX) {
        const fixed = c.upload(ref.nd([2, 2], [0, -1, 5, -12]), idt);
        c.check(x.t.take(fixed), ref.take(x.r, c.read(fixed)), { msg: `${idt} [[0, -1], [5, -12]]` });
        const rnd = c.input([2, 3, 2], { dtype: idt, gen: G.ints(-12, 11) });
        c.check(nt.take(x.t, rnd.t), ref.take(x.r, rnd.r), { msg: `${idt} random index` });
      }
    },
  },
  {
    op: 'indexSelect', name: 'empty indices (gather, take)', dtypes: ['float32', 'int64'], layouts: ['contig', 'strided'],
    run(c) {
      const x = c.input([3, 4]);
      const none = nt.tensor([], { dtype: 'int64', device: c.device });
      c.check(x.t.indexSelect(0, none), ref.nd([0, 4], []), { msg: 'indexSelect with an empty index' });
      c.check(x.t.take(none), ref.nd([0], []), { msg: 'take with an empty index' });
      c.check(x.t.gather(1, nt.zeros([3, 0], { dtype: 'int64', device: c.device })), ref.nd([3, 0], []), { msg: 'gather with an empty index' });
      c.check(x.t.indexAdd(0, none, nt.zeros([0, 4], c.opts())), x.r, { msg: 'indexAdd of nothing' });
    },
  },
  {
    op: 'indexSelect', name: 'large, with gather, scatterAdd and take', dtypes: ['float32', 'int64'],
    run(c) {
      const x = c.input([1000, 128]);
      const rows = c.input([500], { dtype: 'int64', gen: G.ints(0, 999), layout: 'contig' });
      c.check(x.t.indexSelect(0, rows.t), ref.indexSelect(x.r, 0, rows.r.data), { msg: 'indexSelect 500 rows of [1000,128]' });
      const gi = c.input([1000, 100], { dtype: 'int64', gen: G.ints(0, 127) });
      c.check(x.t.gather(1, gi.t), ref.gather(x.r, 1, gi.r), { msg: 'gather [1000,100] from [1000,128]' });
      const bins = c.input([1, 100000], { dtype: 'int64', gen: G.ints(0, 63), layout: 'contig' });
      const ones = nt.ones([1, 100000], c.opts());
      const zeros = nt.zeros([1, 64], c.opts());
      c.check(zeros.scatterAdd(1, bins.t, ones), ref.scatter(ref.nd([1, 64], new Array(64).fill(0)), 1, bins.r, ref.nd([1, 100000], new Array(100000).fill(1)), true), { tol: 'exact', msg: 'scatterAdd histogram of 100k' });
      const ti = c.input([100000], { dtype: 'int64', gen: G.ints(-128000, 127999), layout: 'contig' });
      c.check(x.t.take(ti.t), ref.take(x.r, ti.r), { msg: 'take 100k' });
    },
  },
];

suite('indexing', cases);
