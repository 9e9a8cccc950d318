// ndarray.ts — interop with the `ndarray` package: views keep their strides both ways.
// Not here: general TypedArray creation (creation.ts).
import ndarrayCtor = require('ndarray');
import type { NdArray } from 'ndarray';
import { ARRAY_CTOR, TypedArray } from './dtype';
import { readInto } from './dispatch';
import { Tensor } from './tensor';
import { tensor } from './ops/creation';

const F16 = 2, BF16 = 3;

/**
 * A tensor with an ndarray's values. The ndarray's whole buffer is copied once and the tensor is a
 * view with the same shape, strides and offset (negative strides are copied into a dense layout).
 * @example
 * import ndarray from 'ndarray';
 * const nd = ndarray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]).transpose(1, 0);
 * const t = nt.fromNdarray(nd);   // shape [3, 2], strides [1, 3]
 */
export function fromNdarray(nd: NdArray): Tensor {
  if (!nd || !Array.isArray(nd.shape) || !Array.isArray(nd.stride)) throw new TypeError('fromNdarray: expected an ndarray');
  const data = nd.data as unknown;
  if (!ArrayBuffer.isView(data)) {
    // generic ndarrays (plain arrays): materialise in logical order
    const vals: number[] = [];
    const idx = new Array<number>(nd.shape.length).fill(0);
    const n = nd.shape.reduce((a, b) => a * b, 1);
    for (let i = 0; i < n; i++) {
      vals.push(Number(nd.get(...idx)));
      for (let d = idx.length - 1; d >= 0; d--) { if (++idx[d] < nd.shape[d]) break; idx[d] = 0; }
    }
    return tensor(new Float64Array(vals), { shape: nd.shape.slice(), dtype: 'float32' });
  }
  if (nd.stride.some((s) => s < 0)) {
    const dense = ndarrayCtor(new (data.constructor as { new (n: number): TypedArray })(nd.size) as unknown as number[], nd.shape.slice());
    const idx = new Array<number>(nd.shape.length).fill(0);
    for (let i = 0; i < nd.size; i++) {
      dense.set(...idx, nd.get(...idx));
      for (let d = idx.length - 1; d >= 0; d--) { if (++idx[d] < nd.shape[d]) break; idx[d] = 0; }
    }
    return fromNdarray(dense);
  }
  const buf = tensor(data as Float32Array);
  const t = new Tensor(buf._storage!, nd.shape.slice(), nd.stride.slice(), nd.offset, buf._dt);
  buf.dispose();
  return t;
}

/**
 * An ndarray over a host copy of the tensor's storage span, with the tensor's strides and offset.
 * float16/bfloat16 are widened to float32 (and then laid out densely).
 * @example
 * const nd = nt.toNdarray(nt.arange(6).reshape([2, 3]).t());
 * nd.get(2, 1); // 5
 */
export function toNdarray(t: Tensor): NdArray {
  if (!(t instanceof Tensor) || t.isDisposed) throw new TypeError('toNdarray: expected a live Tensor');
  if (t._dt === F16 || t._dt === BF16) {
    const data = t.dataSync() as Float32Array;
    return ndarrayCtor(data as unknown as number[], t.shape.slice());
  }
  // The span of storage elements this view touches.
  let lo = t.offset, hi = t.offset;
  for (let i = 0; i < t.shape.length; i++) {
    if (t.shape[i] === 0) return ndarrayCtor(new (ARRAY_CTOR[t._dt])(0) as unknown as number[], t.shape.slice());
    const ext = (t.shape[i] - 1) * t.strides[i];
    if (ext < 0) lo += ext; else hi += ext;
  }
  const host = new (ARRAY_CTOR[t._dt])(hi - lo + 1) as TypedArray;
  readInto(t, lo, host);
  return ndarrayCtor(host as unknown as number[], t.shape.slice(), t.strides.slice(), t.offset - lo);
}
