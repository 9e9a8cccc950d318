// linalg.test.ts — conformance of matmul (1-D/2-D/batched broadcasting; transposed, sliced, expanded
// operands; every dtype it takes), mm, bmm and outer per device, up to BLAS/threaded sizes.
// Not here: gradients, bad-input errors.
import * as nt from '../../lib';
import { Case, Ctx, DType, FLOATS, G, INTS, Layout, Tensor, ref, suite, tolFor } from '../helpers/conformance';

const DTYPES: readonly DType[] = [...FLOATS, ...INTS];
const smallInts = G.byKind(G.uniform(-2, 2), G.ints(-5, 5));
const abs = (a: ref.Nd): ref.Nd => ref.map(a, Math.abs);

/** Checks got against a@b, with a tolerance scaled by |a|@|b| (exact for ints). */
function checkMm(c: Ctx, got: Tensor, a: ref.Nd, b: ref.Nd, msg: string): boolean {
  return c.check(got, ref.matmul(a, b), { tol: 'reduce', scale: ref.matmul(abs(a), abs(b)), msg });
}

const SHAPES: [number[], number[]][] = [
  [[4], [4]], [[3, 4], [4]], [[4], [4, 5]], [[3, 4], [4, 5]], [[1, 7], [7, 1]],
  [[2, 1, 3, 4], [5, 4, 2]], [[2, 3, 4], [4, 5]], [[3, 4], [2, 4, 5]], [[2, 3, 4], [4]], [[4], [2, 4, 3]],
];

const cases: Case[] = [
  {
    op: 'matmul', name: '1-D, 2-D and batched broadcasting', dtypes: DTYPES, layouts: ['contig', 'strided', 'sliced', 'expanded'],
    run(c) {
      for (const [sa, sb] of SHAPES) {
        const a = c.input(sa, { gen: smallInts }), b = c.input(sb, { gen: smallInts });
        checkMm(c, a.t.matmul(b.t), a.r, b.r, `[${sa}] @ [${sb}]`);
      }
    },
  },
  {
    op: 'matmul', name: 'mixed operand layouts', dtypes: ['float32', 'float64', 'float16', 'int64'], layouts: ['contig'],
    run(c) {
      const combos: [Layout, Layout][] = [['contig', 'transposed'], ['transposed', 'contig'], ['sliced', 'transposed'], ['expanded', 'contig'], ['contig', 'expanded'], ['transposed', 'sliced']];
      for (const [la, lb] of combos) {
        const a = c.input([2, 5, 6], { layout: la, gen: smallInts }), b = c.input([6, 3], { layout: lb, gen: smallInts });
        checkMm(c, nt.matmul(a.t, b.t), a.r, b.r, `${la} [2,5,6] @ ${lb} [6,3]`);
        const v = c.input([6], { layout: la === 'expanded' ? 'contig' : 'sliced', gen: smallInts });
        checkMm(c, a.t.matmul(v.t), a.r, v.r, `${la} [2,5,6] @ sliced vector`);
      }
    },
  },
  {
    op: 'matmul', name: 'empty inner or outer dims', dtypes: ['float32', 'int64'], layouts: ['contig'],
    run(c) {
      const a = nt.ones([3, 0], c.opts()), b = nt.ones([0, 4], c.opts());
      c.check(a.matmul(b), ref.nd([3, 4], new Array(12).fill(0)), { msg: 'K = 0 gives zeros' });
      const e = nt.ones([0, 4], c.opts()), f = nt.ones([4, 2], c.opts());
      c.check(e.matmul(f), ref.nd([0, 2], []), { msg: 'M = 0' });
    },
  },
  {
    op: 'mm', name: 'bmm and outer', dtypes: [...DTYPES, 'uint8'],
    run(c) {
      const g = c.dtype === 'uint8' ? G.ints(0, 5) : smallInts;
      if (c.dtype !== 'uint8') {
        const a = c.input([3, 4], { gen: g }), b = c.input([4, 5], { gen: g });
        checkMm(c, a.t.mm(b.t), a.r, b.r, 'mm');
        const p = c.input([2, 3, 4], { gen: g }), q = c.input([2, 4, 5], { gen: g });
        checkMm(c, nt.bmm(p.t, q.t), p.r, q.r, 'bmm');
      }
      const u = c.input([3], { gen: g }), v = c.input([4], { gen: g });
      c.check(nt.outer(u.t, v.t), ref.zip(ref.reshape(u.r, [3, 1]), v.r, (x, y) => x * y), { msg: 'outer' });
    },
  },
  {
    op: 'matmul', name: 'large 300x200 @ 200x100 (random and integer-valued exact)', dtypes: ['float32', 'float64'],
    run(c) {
      const a = c.input([300, 200]), b = c.input([200, 100]);
      checkMm(c, a.t.matmul(b.t), a.r, b.r, 'random');
      const ai = c.input([300, 200], { gen: G.ints(-3, 3) }), bi = c.input([200, 100], { gen: G.ints(-3, 3) });
      c.check(ai.t.matmul(bi.t), ref.matmul(ai.r, bi.r), { tol: 'exact', msg: 'integer-valued: exact' });
      const v = c.input([200]);
      checkMm(c, a.t.matmul(v.t), a.r, v.r, 'matrix-vector [300,200] @ [200]');
      checkMm(c, v.t.matmul(b.t), v.r, b.r, 'vector-matrix [200] @ [200,100]');
    },
  },
  {
    op: 'matmul', name: 'large 16-bit and int', dtypes: ['float16', 'bfloat16', 'int32'],
    run(c) {
      const a = c.input([96, 256], { gen: smallInts }), b = c.input([256, 80], { gen: smallInts });
      // Output rounding, plus a float32-accumulation budget on |a|@|b| (a 16-bit accumulator fails it).
      const tol = { ...tolFor(c.dtype, 'simple'), stol: 1e-4 };
      c.check(a.t.matmul(b.t), ref.matmul(a.r, b.r), { tol, scale: ref.matmul(abs(a.r), abs(b.r)), msg: '[96,256] @ [256,80]' });
    },
  },
  {
    op: 'bmm', name: 'large batched', dtypes: ['float32'],
    run(c) {
      const a = c.input([8, 64, 72]), b = c.input([8, 72, 64]);
      checkMm(c, a.t.bmm(b.t), a.r, b.r, '[8,64,72] @ [8,72,64]');
      const w = c.input([72, 40], { layout: 'contig' });
      checkMm(c, a.t.matmul(w.t), a.r, w.r, 'batched @ shared weight');
    },
  },
];

cases.push({
  op: 'matmul', name: 'large on one CPU thread (serial GEMM path)', dtypes: ['float32', 'float64'],
  run(c) {
    if (c.device !== 'cpu') { c.t.comment('setNumThreads applies to the CPU backend only'); return; }
    const saved = nt.getNumThreads();
    nt.setNumThreads(1);
    try {
      const a = c.input([300, 200]), b = c.input([200, 100]);
      checkMm(c, a.t.matmul(b.t), a.r, b.r, '[300,200] @ [200,100]');
    } finally {
      nt.setNumThreads(saved);
    }
  },
});

suite('linalg', cases);

