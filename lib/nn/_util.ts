// _util.ts — small helpers shared by lib/nn: argument checks with clear messages, Python-style
// repr of values (for Module.toString, which prints like PyTorch), n-tuple normalisation.
// Not here: anything a user calls directly (the public surface is in the other lib/nn files).
import { DType } from '../dtype';
import { fmtShape } from '../shape';
import { Tensor } from '../tensor';

export { fmtShape };

/** @internal Throws a TypeError unless `x` is a live Tensor. */
export function checkTensor(x: unknown, op: string, what = 'input'): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected ${what} to be a Tensor, got ${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x}`);
  if (x.isDisposed) throw new Error(`${op}: ${what} tensor was disposed and can no longer be used`);
  return x;
}

/** @internal Whether a dtype is a floating-point one. */
export function isFloat(dt: DType): boolean { return dt === 'float32' || dt === 'float64' || dt === 'float16' || dt === 'bfloat16'; }

/** @internal Throws unless `x` has a floating dtype. */
export function checkFloat(x: Tensor, op: string, what = 'input'): void {
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: expected ${what} to have a floating-point dtype, got ${x.dtype}; convert with .float() first`);
}

/** @internal Throws unless `x` holds class indices (int64 or int32). */
export function checkIndexDtype(x: Tensor, op: string, what = 'indices'): void {
  if (x.dtype !== 'int64' && x.dtype !== 'int32') throw new TypeError(`${op}: expected ${what} of dtype int64 (or int32), got ${x.dtype}`);
}

/** @internal Throws unless two tensors are on one device. */
export function sameDevice(a: Tensor, b: Tensor, op: string, what: string): void {
  if (a.device !== b.device) throw new Error(`${op}: expected ${what} on the same device as the input (${a.device}), got ${b.device}`);
}

/** @internal A positive integer check. */
export function checkInt(v: unknown, op: string, what: string, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new RangeError(`${op}: ${what} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

/** @internal `3` → `[3, 3]`; `[2, 3]` → `[2, 3]` (torch's _pair / _single). */
export function ntuple(v: number | number[], n: number, op: string, what: string, min = 0): number[] {
  const arr = typeof v === 'number' ? new Array<number>(n).fill(v) : v;
  if (!Array.isArray(arr) || arr.length !== n) throw new RangeError(`${op}: ${what} must be an integer or a list of ${n} integers, got ${JSON.stringify(v)}`);
  for (const x of arr) checkInt(x, op, what, min);
  return arr.slice();
}

/** @internal Python's repr of a float: `1e-05`, `0.1`, `1.0`. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${Object.is(x, -0) ? '-0' : x}.0`;
  const [mant, expStr] = x.toExponential().split('e');
  const e = Number(expStr);
  if (e < -4 || e >= 16) return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(x);
}

/** @internal Python's repr of a value as torch's extra_repr prints it. Ints print bare, other numbers as floats. */
export function py(v: unknown, floatish = false): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return floatish || !Number.isInteger(v) ? pyFloat(v) : String(v);
  if (Array.isArray(v)) return v.length === 1 ? `(${py(v[0], floatish)},)` : `(${v.map((x) => py(x, floatish)).join(', ')})`;
  return String(v);
}

/** @internal The reduction argument of the losses. */
export type Reduction = 'mean' | 'sum' | 'none';
/** @internal */
export function checkReduction(r: unknown, op: string, extra: string[] = []): void {
  const ok = ['mean', 'sum', 'none', ...extra];
  if (typeof r !== 'string' || !ok.includes(r)) throw new TypeError(`${op}: reduction must be one of ${ok.map((s) => `'${s}'`).join(', ')}, got ${JSON.stringify(r)}`);
}
