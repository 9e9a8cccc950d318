// convert.ts — copies, casts, device moves, in-place fill/copy, and reading values back to JS
// (data, dataSync, toArray, item, toString). Not here: creation from JS data (creation.ts).
import { ARRAY_CTOR, CATEGORY, DTYPE_ID, DType, DTYPES, ITEMSIZE, TypedArray } from '../dtype';
import { parseDevice } from '../device';
import { emptyTensor, readInto, readIntoAsync, resetParams, setF, setView, setViewBroadcast, submit, syncDevice, writeFresh } from '../dispatch';
import { formatTensor } from '../format';
import { OP } from '../op-list';
import { broadcastShapes, fmtShape, numelOf, shapesEqual } from '../shape';
import { Tensor } from '../tensor';
import { alias, isContiguous } from './views';
import { defineGrad, isGradEnabled, record } from '../autograd';

// to(): the gradient goes back to the input's device (the engine casts it back to the input's dtype).
const TO_G = defineGrad('ToCopyBackward', (g, n) => [g.device === (n.ctx as string) ? g : g.to(n.ctx as string)]);
const CLONE_G = defineGrad('CloneBackward', (g) => [g]);

const F32 = 0, F16 = 2, BF16 = 3, I64 = 5, BOOL = 7;

function live(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x._storage === null) throw new Error(`${op}: this tensor was disposed and can no longer be used`);
  return x;
}

/** A new contiguous tensor of dtype id `dt` with x's values (the `copy` kernel casts). */
export function castTo(x: Tensor, dt: number): Tensor {
  const rec = x._storage!.rec;
  const y = emptyTensor(x.shape, dt, rec.key, rec.device);
  setView(0, x);
  setView(1, y);
  submit(OP.copy, rec.key, 2);
  return y;
}

/** @internal copy of x on another device (through host memory for now). */
function toDevice(x: Tensor, device: string): Tensor {
  const { key, name } = parseDevice(device, 'to');
  const src = x.isContiguous() ? x : castTo(x, x._dt);
  const host = new (ARRAY_CTOR[x._dt])(numelOf(x.shape)) as TypedArray;
  readInto(src, src.offset, host);
  if (src !== x) src.dispose();
  const y = emptyTensor(x.shape.slice(), x._dt, key, name);
  writeFresh(y, host);
  return y;
}

/**
 * Converts to a dtype and/or device. Returns a new tensor object sharing storage when nothing changes.
 * @example
 * const x = nt.tensor([1.7, -2.2]);
 * x.to('int32');               // tensor([ 1, -2], dtype=int32)
 * x.to({ dtype: 'float64' });  // tensor([ 1.7000, -2.2000], dtype=float64)
 */
export function to(x: Tensor, target: DType | string | { dtype?: DType; device?: string }): Tensor {
  live(x, 'to');
  let dtype: string | undefined, device: string | undefined;
  if (typeof target === 'string') {
    if (target in DTYPE_ID) dtype = target;
    else if (/^(cpu|cuda|npu)(:\d+)?$/.test(target)) device = target;
    else throw new TypeError(`to: unknown device or dtype ${JSON.stringify(target)}; expected a dtype (${DTYPES.join(', ')}) or a device ('cpu', 'cuda:N', 'npu:N')`);
  } else if (target && typeof target === 'object') {
    dtype = target.dtype; device = target.device;
  } else {
    throw new TypeError(`to: expected a dtype, a device or { dtype, device }, got ${String(target)}`);
  }
  let y = x;
  if (device !== undefined) {
    const { name } = parseDevice(device, 'to');
    if (name !== x.device) y = toDevice(x, name);
  }
  if (dtype !== undefined) {
    if (!(dtype in DTYPE_ID)) throw new TypeError(`to: unknown dtype ${JSON.stringify(dtype)}; expected one of ${DTYPES.join(', ')}`);
    const dt = DTYPE_ID[dtype as DType];
    if (dt !== y._dt) { const z = castTo(y, dt); if (y !== x) y.dispose(); y = z; }
  }
  if (y === x) return alias(x);
  if (x.requiresGrad && isGradEnabled()) record(TO_G, [x], y, null, x.device);
  return y;
}

/** @example nt.ones([2, 3]).t().contiguous().isContiguous() // true */
export function contiguous(x: Tensor): Tensor {
  live(x, 'contiguous');
  if (isContiguous(x)) return alias(x);
  const y = castTo(x, x._dt);
  if (x.requiresGrad && isGradEnabled()) record(CLONE_G, [x], y, null);
  return y;
}

/** @example const y = x.clone(); // y has its own storage */
export function clone(x: Tensor): Tensor {
  live(x, 'clone');
  const y = castTo(x, x._dt);
  if (x.requiresGrad && isGradEnabled()) record(CLONE_G, [x], y, null);
  return y;
}

const INT_RANGE: Record<number, [number, number]> = { 4: [-(2 ** 31), 2 ** 31 - 1], 5: [-(2 ** 63), 9223372036854774784], 6: [0, 255] };

/** Throws unless `v` can be stored exactly in dtype id dt (integers need finite, in-range whole numbers). */
export function checkFillValue(v: number, dt: number, where: string): void {
  if (CATEGORY[dt] !== 1) return;
  const r = INT_RANGE[dt];
  if (Number.isFinite(v) && !Number.isInteger(v)) {
    throw new TypeError(`${where}: value ${v} is not an integer and cannot be stored in a ${DTYPES[dt]} tensor`);
  }
  if (!Number.isInteger(v) || v < r[0] || v > r[1]) {
    throw new RangeError(`${where}: value ${v} cannot be stored in a ${DTYPES[dt]} tensor (expected an integer in [${r[0]}, ${r[1]}])`);
  }
}

/** In-place fill with a scalar. */
export function fill_(x: Tensor, value: number | boolean): void {
  live(x, 'fill_');
  const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  if (typeof v !== 'number') throw new TypeError(`fill_: expected a number, got ${typeof value}`);
  checkFillValue(v, x._dt, 'fill_');
  resetParams();
  setF(0, v);
  setView(0, x);
  submit(OP.fill, x._storage!.rec.key, 1);
}

/** In-place copy of src (broadcast to x's shape, any dtype) into x. */
export function copy_(x: Tensor, src: Tensor): void {
  live(x, 'copy_'); live(src, 'copy_');
  const shape = broadcastShapes(x.shape, src.shape, 'copy_');
  if (!shapesEqual(shape, x.shape)) throw new RangeError(`copy_: source of shape ${fmtShape(src.shape)} cannot be broadcast to ${fmtShape(x.shape)}`);
  let s = src;
  if (src._storage!.rec.key !== x._storage!.rec.key) s = toDevice(src, x.device);
  setViewBroadcast(0, s, x.shape);
  setView(1, x);
  submit(OP.copy, x._storage!.rec.key, 2);
  if (s !== src) s.dispose();
}

// ---------------------------------------------------------------- reading

/** A contiguous host-readable version of x (widening 16-bit floats to float32), plus whether it is a temp. */
function readable(x: Tensor): Tensor {
  const dt = x._dt === F16 || x._dt === BF16 ? F32 : x._dt;
  if (dt === x._dt && isContiguous(x)) return x;
  return castTo(x, dt);
}

/** Synchronous read of the elements in row-major order. */
export function dataSync(x: Tensor): TypedArray {
  live(x, 'dataSync');
  const r = readable(x);
  const out = new (ARRAY_CTOR[r._dt])(numelOf(x.shape)) as TypedArray;
  try {
    if (out.length) readInto(r, r.offset, out);
    else syncDevice(x._storage!.rec.key);
  } finally {
    if (r !== x) r.dispose();
  }
  return out;
}

/** Asynchronous read: resolves when the device has produced the values; the event loop keeps running. */
export async function data(x: Tensor): Promise<TypedArray> {
  live(x, 'data');
  const r = readable(x);
  const out = new (ARRAY_CTOR[r._dt])(Math.max(numelOf(x.shape), 0)) as TypedArray;
  try {
    await readIntoAsync(r, r.offset, out);
  } finally {
    if (r !== x) r.dispose();
  }
  return out;
}

function toJs(v: number | bigint, dt: number): number | boolean {
  if (dt === BOOL) return v !== 0;
  return typeof v === 'bigint' ? Number(v) : v;
}

/** @example nt.tensor([[1, 2], [3, 4]]).toArray() // [[1, 2], [3, 4]] */
export function toArray(x: Tensor): unknown {
  const d = dataSync(x);
  const shape = x.shape, dt = x._dt;
  if (shape.length === 0) return toJs(d[0], dt);
  let i = 0;
  const build = (level: number): unknown[] => {
    const n = shape[level];
    const arr = new Array(n);
    if (level === shape.length - 1) for (let k = 0; k < n; k++) arr[k] = toJs(d[i++], dt);
    else for (let k = 0; k < n; k++) arr[k] = build(level + 1);
    return arr;
  };
  return build(0);
}

/** @example nt.tensor([[3.5]]).item() // 3.5 */
export function item(x: Tensor): number | boolean {
  live(x, 'item');
  const n = numelOf(x.shape);
  if (n !== 1) throw new RangeError(`item: a tensor with ${n} elements cannot be converted to a scalar (shape ${fmtShape(x.shape)})`);
  const dt = x._dt === F16 || x._dt === BF16 ? F32 : x._dt;
  const out = new (ARRAY_CTOR[dt])(1) as TypedArray;
  if (dt === x._dt) readInto(x, x.offset, out);
  else { const r = castTo(x, dt); try { readInto(r, 0, out); } finally { r.dispose(); } }
  return toJs(out[0], x._dt);
}

/** PyTorch-style text. */
export function toString(x: Tensor): string {
  live(x, 'toString');
  const d = dataSync(x);
  const dev = x.device;
  return formatTensor(d as ArrayLike<number | bigint>, x.shape, x.dtype, { device: dev === 'cpu' ? undefined : dev });
}

export { I64 as I64_ID, ITEMSIZE };
