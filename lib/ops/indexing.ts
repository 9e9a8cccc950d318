// indexing.ts — indexSelect, gather, scatter/scatterAdd, indexAdd, take. Shapes are checked here;
// index VALUES are checked by the kernels (an out-of-range index fails the op; the error is thrown
// at the next op or read on that device, naming the op and the index).
import { DTYPES } from '../dtype';
import { emptyTensor, resetParams, setF, setI, setView, submit } from '../dispatch';
import { OP } from '../op-list';
import { fmtShape, normDim } from '../shape';
import { Tensor } from '../tensor';
import { castTo } from './convert';
import { defineGrad, isGradEnabled, record } from '../autograd';
import { cat, zeros } from './creation';

// ---- gradient rules (saved: the index; ctx: the dim) — the adjoint of each gather-like op
const zerosOf = (shape: number[], g: Tensor): Tensor => zeros(shape, { dtype: g.dtype, device: g.device });
/** g restricted/padded with zeros to `shape` (src may be larger than the index in scatter). */
function padTo(g: Tensor, shape: number[]): Tensor {
  let r = g;
  for (let k = 0; k < shape.length; k++) {
    if (r.shape[k] < shape[k]) {
      const zs = r.shape.slice(); zs[k] = shape[k] - r.shape[k];
      r = cat([r, zerosOf(zs, g)], k);
    }
  }
  return r;
}
const INDEX_SELECT_G = defineGrad('IndexSelectBackward', (g, n) => [zerosOf(n.inShapes[0], g).indexAdd(n.ctx as number, n.s(0), g), null]);
const GATHER_G = defineGrad('GatherBackward', (g, n) => [zerosOf(n.inShapes[0], g).scatterAdd(n.ctx as number, n.s(0), g), null]);
const SCATTER_G = defineGrad('ScatterBackward', (g, n) => {
  const d = n.ctx as number, idx = n.s(0);
  return [g.scatter(d, idx, 0), null, n.inDts[2] < 0 ? null : padTo(g.gather(d, idx), n.inShapes[2])];
});
const SCATTER_ADD_G = defineGrad('ScatterAddBackward', (g, n) => {
  const d = n.ctx as number, idx = n.s(0);
  return [g, null, padTo(g.gather(d, idx), n.inShapes[2])];
});
const INDEX_ADD_G = defineGrad('IndexAddBackward', (g, n) => {
  const [d, alpha] = n.ctx as number[];
  const gs = g.indexSelect(d, n.s(0));
  return [g, null, alpha === 1 ? gs : gs.mul(alpha)];
});
const TAKE_G = defineGrad('TakeBackward', (g, n) => {
  const shape = n.inShapes[0], numel = shape.reduce((a, b) => a * b, 1);
  const idx = n.s(0).reshape([-1]);
  const pos = idx.add(numel).where(idx.lt(0), idx);
  return [zerosOf([numel], g).indexAdd(0, pos, g.reshape([-1])).reshape(shape), null];
});

const I32 = 4, I64 = 5;

function live(x: unknown, op: string, what: string): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected ${what} to be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x._storage === null) throw new Error(`${op}: ${what} tensor was disposed and can no longer be used`);
  return x;
}

function checkIndex(x: Tensor, index: Tensor, op: string): void {
  live(index, op, 'index');
  if (index._dt !== I64 && index._dt !== I32) throw new TypeError(`${op}: expected index to be int64 or int32, got ${DTYPES[index._dt]}`);
  if (index._storage!.rec.key !== x._storage!.rec.key) throw new Error(`${op}: expected index on the same device as the input, got ${index.device} and ${x.device}`);
}

/** Rows (or slices along dim) picked by a 1-D index. @example nt.tensor([[1, 2], [3, 4], [5, 6]]).indexSelect(0, nt.tensor([2, 0])) // tensor([[5, 6], [1, 2]]) */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  live(x, 'indexSelect', 'input');
  checkIndex(x, index, 'indexSelect');
  if (index.shape.length > 1) throw new RangeError(`indexSelect: index must be 0-D or 1-D, got shape ${fmtShape(index.shape)}`);
  const n = x.shape.length;
  const d = n === 0 ? 0 : normDim(dim, n, 'indexSelect');
  const idx = index.shape.length === 0 ? index.reshape([1]) : index;
  const shape = x.shape.slice();
  if (n) shape[d] = idx.shape[0];
  const rec = x._storage!.rec;
  const out = emptyTensor(shape, x._dt, rec.key, rec.device);
  resetParams();
  setI(0, d);
  setView(0, x); setView(1, idx); setView(2, out);
  submit(OP.index_select, rec.key, 3);
  if (x.requiresGrad && isGradEnabled()) record(INDEX_SELECT_G, [x, null], out, [idx], d);
  if (idx !== index) idx.dispose();
  return out;
}

/** out[i][j] = x[index[i][j]][j] along dim 0 (and so on). @example nt.tensor([[1, 2], [3, 4]]).gather(1, nt.tensor([[1], [0]])) // tensor([[2], [3]]) */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  live(x, 'gather', 'input');
  checkIndex(x, index, 'gather');
  const n = x.shape.length;
  const d = n === 0 ? 0 : normDim(dim, n, 'gather');
  if (index.shape.length !== n) throw new RangeError(`gather: index must have as many dimensions as the input (${n}), got shape ${fmtShape(index.shape)} for input ${fmtShape(x.shape)}`);
  for (let k = 0; k < n; k++) if (k !== d && index.shape[k] > x.shape[k]) {
    throw new RangeError(`gather: index size ${index.shape[k]} exceeds the input's size ${x.shape[k]} in dimension ${k} (index ${fmtShape(index.shape)}, input ${fmtShape(x.shape)})`);
  }
  const rec = x._storage!.rec;
  const out = emptyTensor(index.shape.slice(), x._dt, rec.key, rec.device);
  resetParams();
  setI(0, d);
  setView(0, x); setView(1, index); setView(2, out);
  submit(OP.gather, rec.key, 3);
  if (x.requiresGrad && isGradEnabled()) record(GATHER_G, [x, null], out, [index], d);
  return out;
}

/** A copy of x with src (or a scalar) written at index along dim; with add, values accumulate. */
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor | number | boolean, add: boolean): Tensor {
  const op = add ? 'scatterAdd' : 'scatter';
  live(x, op, 'input');
  checkIndex(x, index, op);
  const n = x.shape.length;
  const d = n === 0 ? 0 : normDim(dim, n, op);
  if (index.shape.length !== n) throw new RangeError(`${op}: index must have as many dimensions as the input (${n}), got shape ${fmtShape(index.shape)}`);
  let s: Tensor | null = null;
  if (src instanceof Tensor) {
    live(src, op, 'src');
    if (src.shape.length !== n) throw new RangeError(`${op}: src must have as many dimensions as the input (${n}), got shape ${fmtShape(src.shape)}`);
    for (let k = 0; k < n; k++) {
      if (index.shape[k] > src.shape[k]) throw new RangeError(`${op}: index size ${index.shape[k]} exceeds src's size ${src.shape[k]} in dimension ${k}`);
      if (k !== d && index.shape[k] > x.shape[k]) throw new RangeError(`${op}: index size ${index.shape[k]} exceeds the input's size ${x.shape[k]} in dimension ${k}`);
    }
    if (src._storage!.rec.key !== x._storage!.rec.key) throw new Error(`${op}: expected src on the same device as the input, got ${src.device} and ${x.device}`);
    s = src._dt === x._dt ? src : castTo(src, x._dt);
  } else if (add) {
    throw new TypeError('scatterAdd: src must be a Tensor');
  } else if (typeof src !== 'number' && typeof src !== 'boolean') {
    throw new TypeError(`scatter: src must be a Tensor or a number`);
  }
  const out = castTo(x, x._dt);
  const rec = x._storage!.rec;
  resetParams();
  setI(0, d);
  if (s) setView(0, s); else { setView(0, out); setI(1, 1); setF(0, Number(src)); }
  setView(1, index); setView(2, out);
  submit(add ? OP.scatter_add : OP.scatter, rec.key, 3);
  if (s && s !== src) s.dispose();
  const st = src instanceof Tensor ? src : null;
  if ((x.requiresGrad || (st !== null && st.requiresGrad)) && isGradEnabled()) record(add ? SCATTER_ADD_G : SCATTER_G, [x, null, st], out, [index], d);
  return out;
}

/** A copy of x with alpha * source added at the positions index picks along dim. @example nt.zeros([3]).indexAdd(0, nt.tensor([0, 0, 2]), nt.ones([3])) // tensor([2., 0., 1.]) */
export function indexAdd(x: Tensor, dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }): Tensor {
  live(x, 'indexAdd', 'input');
  checkIndex(x, index, 'indexAdd');
  live(source, 'indexAdd', 'source');
  if (index.shape.length > 1) throw new RangeError(`indexAdd: index must be 0-D or 1-D, got shape ${fmtShape(index.shape)}`);
  const n = x.shape.length;
  const d = n === 0 ? 0 : normDim(dim, n, 'indexAdd');
  const idx = index.shape.length === 0 ? index.reshape([1]) : index;
  const expect = x.shape.slice();
  if (n) expect[d] = idx.shape[0];
  if (source.shape.length !== n || source.shape.some((v, k) => v !== expect[k])) {
    throw new RangeError(`indexAdd: source must have shape ${fmtShape(expect)} (the input's shape with dimension ${d} equal to the index length), got ${fmtShape(source.shape)}`);
  }
  if (source._storage!.rec.key !== x._storage!.rec.key) throw new Error(`indexAdd: expected source on the same device as the input, got ${source.device} and ${x.device}`);
  const s = source._dt === x._dt ? source : castTo(source, x._dt);
  const out = castTo(x, x._dt);
  resetParams();
  setI(0, d);
  setF(0, opts?.alpha ?? 1);
  setView(0, s); setView(1, idx); setView(2, out);
  submit(OP.index_add, x._storage!.rec.key, 3);
  if (s !== source) s.dispose();
  if ((x.requiresGrad || source.requiresGrad) && isGradEnabled()) record(INDEX_ADD_G, [x, null, source], out, [idx], [d, opts?.alpha ?? 1]);
  if (idx !== index) idx.dispose();
  return out;
}

/** Elements of x (as if flattened) at the given indices; negative indices count from the end. @example nt.tensor([[1, 2], [3, 4]]).take(nt.tensor([0, 3])) // tensor([1, 4]) */
export function take(x: Tensor, index: Tensor): Tensor {
  live(x, 'take', 'input');
  checkIndex(x, index, 'take');
  const rec = x._storage!.rec;
  const out = emptyTensor(index.shape.slice(), x._dt, rec.key, rec.device);
  resetParams();
  setView(0, x); setView(1, index); setView(2, out);
  submit(OP.take, rec.key, 3);
  if (x.requiresGrad && isGradEnabled()) record(TAKE_G, [x, null], out, [index]);
  return out;
}
