// linalg.ts — matmul with PyTorch's 1-D/2-D/batched broadcasting rules, mm, bmm, outer.
// Not here: GEMM (csrc/backends/cpu/gemm*, the BLAS loader) — the kernel gets broadcast views.
import { DTYPES } from '../dtype';
import { emptyTensor, resetParams, setF, setViewAs, setView, submit } from '../dispatch';
import { OP } from '../op-list';
import { broadcastShapes, fmtShape } from '../shape';
import { Tensor } from '../tensor';
import * as ew from './elementwise';
import { squeeze } from './views';
import { defineGrad, isGradEnabled, record } from '../autograd';

// matmul's gradient on the promoted (matrix) shapes; batch broadcasting is undone by the engine.
const MATMUL_G = defineGrad('MmBackward', (g, n) => {
  const a = n.s(0), b = n.s(1);
  const a1 = a.shape.length === 1, b1 = b.shape.length === 1;
  let gg = g;
  if (a1 && b1) gg = g.reshape([1, 1]);
  else if (a1) gg = g.unsqueeze(-2);
  else if (b1) gg = g.unsqueeze(-1);
  const A = a1 ? a.unsqueeze(0) : a, B = b1 ? b.unsqueeze(-1) : b;
  // Only the gradients something receives (a data batch feeding the first layer needs none).
  let ga = n.next[0] === null ? null : gg.matmul(B.transpose(-1, -2));
  let gb = n.next[1] === null ? null : A.transpose(-1, -2).matmul(gg);
  if (a1 && ga) ga = ga.squeeze(-2);
  if (b1 && gb) gb = gb.squeeze(-1);
  return [ga, gb];
});

const BOOL = 7;

function live(x: unknown, op: string, what: string): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected ${what} to be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x._storage === null) throw new Error(`${op}: ${what} tensor was disposed and can no longer be used`);
  return x;
}

/**
 * Matrix product with PyTorch's rules: 1-D·1-D is a dot product, 2-D@1-D a matrix-vector product,
 * and leading batch dims broadcast.
 * @example
 * const a = nt.randn([4, 2, 3]), b = nt.randn([3, 5]);
 * a.matmul(b).shape; // [4, 2, 5]
 */
export function matmul(a: Tensor, b: Tensor, name = 'matmul'): Tensor {
  live(a, name, 'input'); live(b, name, 'other');
  if (a._storage!.rec.key !== b._storage!.rec.key) throw new Error(`${name}: expected both tensors on the same device, got ${a.device} and ${b.device}`);
  if (a._dt !== b._dt) throw new TypeError(`${name}: expected both tensors to have the same dtype, got ${DTYPES[a._dt]} and ${DTYPES[b._dt]}`);
  if (a._dt === BOOL) throw new TypeError(`${name}: bool tensors are not supported`);
  const an = a.shape.length, bn = b.shape.length;
  // [..., M, K] @ [K, N] with foldable leading dims: one [(...M), K] @ [K, N] GEMM instead of one
  // per batch entry (and, in backward, one GEMM for the weight's gradient instead of a batch + sum).
  if (bn === 2 && an >= 3 && a.shape[an - 1] === b.shape[0]) {
    const rows = a.numel / a.shape[an - 1];
    if (rows > 0) {  // a copy when the leading dims don't fold as a view: still far cheaper than a GEMM per row block
      const a2 = a.reshape([rows, a.shape[an - 1]]);
      const y2 = matmul(a2, b, name);
      const y = y2.reshape([...a.shape.slice(0, -1), b.shape[1]]);
      a2.dispose(); y2.dispose();
      return y;
    }
  }
  if (an === 0 || bn === 0) throw new RangeError(`${name}: both arguments need at least 1 dimension, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  // Promote 1-D operands to matrices; remember which dims to drop afterwards.
  const aShape = an === 1 ? [1, a.shape[0]] : a.shape, aStr = an === 1 ? [0, a.strides[0]] : a.strides;
  const bShape = bn === 1 ? [b.shape[0], 1] : b.shape, bStr = bn === 1 ? [b.strides[0], 0] : b.strides;
  const M = aShape[aShape.length - 2], K = aShape[aShape.length - 1];
  const K2 = bShape[bShape.length - 2], N = bShape[bShape.length - 1];
  if (K !== K2) {
    throw new RangeError(`${name}: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (inner dimensions ${K} and ${K2} differ)`);
  }
  let batch: number[];
  try {
    batch = broadcastShapes(aShape.slice(0, -2), bShape.slice(0, -2), name);
  } catch {
    throw new RangeError(`${name}: the batch dimensions of shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be broadcast together (${fmtShape(aShape.slice(0, -2))} vs ${fmtShape(bShape.slice(0, -2))})`);
  }
  const nd = batch.length + 2;
  if (nd > 8) throw new RangeError(`${name}: at most 8 dimensions are supported`);
  const outShape = [...batch, M, N];
  const rec = a._storage!.rec;
  const out = emptyTensor(outShape, a._dt, rec.key, rec.device);
  resetParams();
  setF(0, 1);
  setF(1, 0);
  setViewAs(0, a, [...batch, M, K], bstr(aShape, aStr, batch), a.offset);
  setViewAs(1, b, [...batch, K, N], bstr(bShape, bStr, batch), b.offset);
  setView(2, out);
  submit(OP.matmul, rec.key, 3);
  if (an === 1 || bn === 1) {
    const drop: number[] = [];
    if (an === 1) drop.push(nd - 2);
    if (bn === 1) drop.push(nd - 1);
    const r = squeeze(out, drop);
    out.dispose();
    if ((a.requiresGrad || b.requiresGrad) && isGradEnabled()) record(MATMUL_G, [a, b], r, [a, b]);
    return r;
  }
  if ((a.requiresGrad || b.requiresGrad) && isGradEnabled()) record(MATMUL_G, [a, b], out, [a, b]);
  return out;
}

/** Strides of (shape, strides) as [...batch, r, c] with broadcast batch dims at stride 0. */
function bstr(shape: readonly number[], strides: readonly number[], batch: readonly number[]): number[] {
  const k = shape.length - 2, n = batch.length;
  const out = new Array<number>(n + 2);
  for (let i = 0; i < n; i++) {
    const j = i - (n - k);
    out[i] = j < 0 || (shape[j] === 1 && batch[i] !== 1) ? 0 : strides[j];
  }
  out[n] = strides[k];
  out[n + 1] = strides[k + 1];
  return out;
}

/** 2-D matrix product. @example nt.ones([2, 3]).mm(nt.ones([3, 4])).shape // [2, 4] */
export function mm(a: Tensor, b: Tensor): Tensor {
  live(a, 'mm', 'input'); live(b, 'mm', 'other');
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new RangeError(`mm: expected 2-D tensors, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return matmul(a, b, 'mm');
}

/** Batched 3-D matrix product (no broadcasting). @example nt.ones([8, 2, 3]).bmm(nt.ones([8, 3, 4])).shape // [8, 2, 4] */
export function bmm(a: Tensor, b: Tensor): Tensor {
  live(a, 'bmm', 'input'); live(b, 'bmm', 'other');
  if (a.shape.length !== 3 || b.shape.length !== 3) throw new RangeError(`bmm: expected 3-D tensors, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.shape[0] !== b.shape[0]) throw new RangeError(`bmm: batch sizes differ: ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return matmul(a, b, 'bmm');
}

/** Outer product of two 1-D tensors. @example nt.tensor([1, 2]).outer(nt.tensor([3, 4])) // tensor([[3, 4], [6, 8]]) */
export function outer(a: Tensor, b: Tensor): Tensor {
  live(a, 'outer', 'input'); live(b, 'outer', 'other');
  if (a.shape.length !== 1 || b.shape.length !== 1) throw new RangeError(`outer: expected 1-D tensors, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const col = a.reshape([a.shape[0], 1]);
  const r = ew.mul(col, b);
  col.dispose();
  return r;
}
