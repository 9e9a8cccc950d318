// creation.ts — tensors from JS data and the factory functions (zeros, arange, randn, eye, cat...),
// plus the counter-based random generator state (manualSeed). Not here: kernels or views.
import { ARRAY_CTOR, CATEGORY, DTYPE_ID, DType, DTYPES, TypedArray, resultTypeIds } from '../dtype';
import { parseDevice } from '../device';
import { emptyTensor, resetParams, setF, setI, setView, setViewAs, settled, submit, writeFresh } from '../dispatch';
import { OP } from '../op-list';
import { checkSize, fmtShape, normDim, numelOf } from '../shape';
import { Tensor } from '../tensor';
import { castTo, checkFillValue } from './convert';
import { narrow, unsqueeze } from './views';
import { defineGrad, isGradEnabled, record, setOnesLike } from '../autograd';

const F32 = 0, F64 = 1, F16 = 2, BF16 = 3, I32 = 4, I64 = 5, U8 = 6, BOOL = 7;

/** Options shared by the factory functions. */
export interface TensorOptions { dtype?: DType; device?: string; /** make a leaf that requires grad (floating-point only) */ requiresGrad?: boolean }

/** Applies opts.requiresGrad to a fresh tensor. */
function rg(t: Tensor, opts: TensorOptions | undefined): Tensor {
  if (opts !== undefined && opts.requiresGrad) t.requiresGrad_(true);
  return t;
}
const CAT_G = defineGrad('CatBackward', (g, n) => {
  const d = n.ctx as number;
  const out: (Tensor | null)[] = [];
  let at = 0;
  for (const s of n.inShapes) {
    if (s.length === 1 && s[0] === 0 && g.shape.length !== 1) { out.push(null); continue; }
    const len = s.length === 1 && s[0] === 0 ? 0 : s[d];
    out.push(narrow(g, d, at, len));
    at += len;
  }
  return out;
});

/** Nested arrays of numbers or booleans. */
export type NestedArray = number | boolean | NestedArray[];

function dev(opts: TensorOptions | undefined, where: string): { key: number; name: string } {
  return opts?.device === undefined ? { key: 0, name: 'cpu' } : parseDevice(opts.device, where);
}

function dtypeOf(opts: TensorOptions | undefined, where: string, fallback = F32): number {
  if (opts?.dtype === undefined) return fallback;
  const d = DTYPE_ID[opts.dtype];
  if (d === undefined) throw new TypeError(`${where}: unknown dtype ${JSON.stringify(opts.dtype)}; expected one of ${DTYPES.join(', ')}`);
  return d;
}

function typedDtype(a: ArrayBufferView): number {
  if (a instanceof Float32Array) return F32;
  if (a instanceof Float64Array) return F64;
  if (a instanceof Int32Array) return I32;
  if (a instanceof BigInt64Array) return I64;
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return U8;
  if (a instanceof Int8Array || a instanceof Int16Array || a instanceof Uint16Array) return I32;
  if (a instanceof Uint32Array) return I64;
  throw new TypeError(`tensor: unsupported TypedArray ${a.constructor.name}`);
}

/** Host array holding `values` converted to dtype id dt (16-bit floats are staged as float32). */
function hostArray(values: ArrayLike<number | boolean | bigint>, dt: number, where: string): TypedArray {
  const stage = dt === F16 || dt === BF16 ? F32 : dt;
  const n = values.length;
  const out = new (ARRAY_CTOR[stage])(n) as TypedArray;
  if (stage === I64) {
    const o = out as BigInt64Array;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v === 'bigint') o[i] = v;
      else {
        const x = Number(v);
        if (!Number.isFinite(x)) throw new RangeError(`${where}: ${x} cannot be converted to int64`);
        o[i] = BigInt(Math.trunc(x));
      }
    }
  } else if (stage === BOOL) {
    for (let i = 0; i < n; i++) (out as Uint8Array)[i] = values[i] ? 1 : 0;
  } else if (CATEGORY[stage] === 1) {
    for (let i = 0; i < n; i++) {
      const x = Number(values[i]);
      if (!Number.isFinite(x)) throw new RangeError(`${where}: ${x} cannot be converted to ${DTYPES[dt]}`);
      (out as Int32Array)[i] = Math.trunc(x);
    }
  } else {
    for (let i = 0; i < n; i++) (out as Float32Array)[i] = Number(values[i]);
  }
  return out;
}

function upload(host: TypedArray, shape: number[], dt: number, d: { key: number; name: string }): Tensor {
  const stage = dt === F16 || dt === BF16 ? F32 : dt;
  const t = emptyTensor(shape, stage, d.key, d.name);
  if (host.length) writeFresh(t, host);
  if (stage === dt) return t;
  const y = castTo(t, dt);
  t.dispose();
  return y;
}

/**
 * Creates a tensor from nested arrays, a number or boolean, or a TypedArray (with `shape`).
 * dtype is inferred as PyTorch does (bools → bool, integers → int64, otherwise float32) unless given.
 * @example
 * nt.tensor([[1, 2], [3, 4]]);                               // int64
 * nt.tensor([0.5, 1], { dtype: 'float64' });
 * nt.tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] });
 */
export function tensor(data: NestedArray | ArrayBufferView, opts?: TensorOptions & { shape?: number[] }): Tensor {
  const d = dev(opts, 'tensor');
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const arr = data as unknown as TypedArray;
    const shape = opts?.shape !== undefined ? checkSize(opts.shape, 'tensor') : [arr.length];
    if (numelOf(shape) !== arr.length) throw new RangeError(`tensor: shape ${fmtShape(shape)} needs ${numelOf(shape)} elements but the array has ${arr.length}`);
    if (arr instanceof Uint16Array && (opts?.dtype === 'float16' || opts?.dtype === 'bfloat16')) {
      const t = emptyTensor(shape, DTYPE_ID[opts.dtype], d.key, d.name);
      if (arr.length) writeFresh(t, arr);
      return rg(t, opts);
    }
    const src = typedDtype(arr);
    const dt = dtypeOf(opts, 'tensor', src);
    if (dt === src && (ARRAY_CTOR[src] as unknown) === arr.constructor) {
      const t = emptyTensor(shape, dt, d.key, d.name);
      if (arr.length) writeFresh(t, arr);
      return rg(t, opts);
    }
    return rg(upload(hostArray(arr as ArrayLike<number | bigint>, dt, 'tensor'), shape, dt, d), opts);
  }
  // Nested arrays or a scalar.
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe)) { shape.push(probe.length); probe = probe[0]; }
  if (shape.length > 8) throw new RangeError(`tensor: at most 8 dimensions are supported, got ${shape.length}`);
  const flat: (number | boolean)[] = [];
  let allBool = true, allInt = true;
  const walk = (v: unknown, level: number, path: number[]): void => {
    if (level === shape.length) {
      if (typeof v === 'boolean') { allInt = allInt && true; flat.push(v); return; }
      if (typeof v !== 'number') throw new TypeError(`tensor: expected numbers or booleans, got ${v === null ? 'null' : Array.isArray(v) ? 'a nested array' : typeof v} at [${path.join(', ')}]`);
      allBool = false;
      if (!Number.isInteger(v)) allInt = false;
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[level]) {
      throw new RangeError(`tensor: expected a rectangular nested array: at [${path.join(', ')}] expected ${shape[level]} elements, got ${Array.isArray(v) ? v.length : 'a scalar'}`);
    }
    for (let i = 0; i < v.length; i++) walk(v[i], level + 1, [...path, i]);
  };
  walk(data, 0, []);
  if (flat.length === 0) allBool = false;
  const inferred = allBool ? BOOL : allInt && flat.length > 0 ? I64 : F32;
  const dt = dtypeOf(opts, 'tensor', inferred);
  return rg(upload(hostArray(flat, dt, 'tensor'), shape, dt, d), opts);
}

function filled(size: unknown, value: number, opts: TensorOptions | undefined, where: string, defaultDt = F32): Tensor {
  const shape = checkSize(size, where);
  const d = dev(opts, where);
  const dt = dtypeOf(opts, where, defaultDt);
  checkFillValue(value, dt, where);
  const t = emptyTensor(shape, dt, d.key, d.name);
  if (t.numel) {
    resetParams();
    setF(0, value);
    setView(0, t);
    submit(OP.fill, d.key, 1);
  }
  return t;
}

/** @example nt.zeros([2, 3]) */
export function zeros(size: number | number[], opts?: TensorOptions): Tensor { return filled(size, 0, opts, 'zeros'); }
/** @example nt.ones([2, 3], { dtype: 'int32' }) */
export function ones(size: number | number[], opts?: TensorOptions): Tensor { return filled(size, 1, opts, 'ones'); }
/** A tensor filled with `value` (dtype inferred from the value like PyTorch: bool, int64 or float32). @example nt.full([2], 7) */
export function full(size: number | number[], value: number | boolean, opts?: TensorOptions): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean') throw new TypeError(`full: fill value must be a number or boolean, got ${typeof value}`);
  const inferred = typeof value === 'boolean' ? BOOL : Number.isInteger(value) ? I64 : F32;
  return filled(size, typeof value === 'boolean' ? +value : value, opts, 'full', inferred);
}
/** Uninitialised memory (fast; contents are arbitrary). @example nt.empty([1024]) */
export function empty(size: number | number[], opts?: TensorOptions): Tensor {
  const shape = checkSize(size, 'empty');
  const d = dev(opts, 'empty');
  const t = emptyTensor(shape, dtypeOf(opts, 'empty'), d.key, d.name);
  settled();
  return rg(t, opts);
}

function likeOpts(x: Tensor, opts?: TensorOptions): TensorOptions {
  return { dtype: opts?.dtype ?? x.dtype, device: opts?.device ?? x.device, requiresGrad: opts?.requiresGrad };
}
/** @example nt.zerosLike(x) */
export function zerosLike(x: Tensor, opts?: TensorOptions): Tensor { return zeros(x.shape, likeOpts(x, opts)); }
/** @example nt.onesLike(x) */
export function onesLike(x: Tensor, opts?: TensorOptions): Tensor { return ones(x.shape, likeOpts(x, opts)); }
/** @example nt.fullLike(x, 3) */
export function fullLike(x: Tensor, value: number | boolean, opts?: TensorOptions): Tensor { return filled(x.shape, +value, likeOpts(x, opts), 'fullLike'); }
/** @example nt.emptyLike(x) */
export function emptyLike(x: Tensor, opts?: TensorOptions): Tensor { return empty(x.shape, likeOpts(x, opts)); }

/**
 * Values from start (inclusive) to end (exclusive) by step; `arange(n)` counts 0..n-1. int64 when all
 * arguments are integers, else float32.
 * @example nt.arange(5); nt.arange(1, 2, 0.25)
 */
export function arange(start: number, end?: number, step = 1, opts?: TensorOptions): Tensor {
  if (end === undefined) { end = start; start = 0; }
  for (const [k, v] of [['start', start], ['end', end], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`arange: ${k} must be a finite number, got ${String(v)}`);
  }
  if (step === 0) throw new RangeError('arange: step must be nonzero');
  if ((end - start) / step < 0) throw new RangeError(`arange: upper bound and step have inconsistent signs (start=${start}, end=${end}, step=${step})`);
  const n = Math.ceil((end - start) / step);
  const inferred = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step) ? I64 : F32;
  const d = dev(opts, 'arange');
  const dt = dtypeOf(opts, 'arange', inferred);
  const t = emptyTensor([n], dt, d.key, d.name);
  if (n) {
    resetParams();
    setF(0, start); setF(1, step);
    setView(0, t);
    submit(OP.arange, d.key, 1);
  }
  return rg(t, opts);
}

/** `steps` evenly spaced values from start to end inclusive. @example nt.linspace(0, 1, 5) // tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000]) */
export function linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const d = dev(opts, 'linspace');
  const t = emptyTensor([steps], dtypeOf(opts, 'linspace'), d.key, d.name);
  if (steps) {
    resetParams();
    setF(0, start); setF(1, steps === 1 ? 0 : (end - start) / (steps - 1)); setF(2, end);
    setI(0, 1);
    setView(0, t);
    submit(OP.arange, d.key, 1);
  }
  return rg(t, opts);
}

/** Identity matrix (n x m). @example nt.eye(3) */
export function eye(n: number, m?: number, opts?: TensorOptions): Tensor {
  const cols = m ?? n;
  const t = zeros(checkSize([n, cols], 'eye'), opts);
  const k = Math.min(n, cols);
  if (k) {
    resetParams();
    setF(0, 1);
    setViewAs(0, t, [k], [cols + 1], 0);  // the diagonal as a strided view
    submit(OP.fill, t._storage!.rec.key, 1);
  }
  return t;
}

// ---------------------------------------------------------------- random

const gen = { seed: 67280421310721, offset: 0 };  // PyTorch's default initial seed

/**
 * Seeds the counter-based (Philox4x32-10) generator used by rand/randn/randint on every device,
 * so the same seed gives the same numbers on cpu and cuda.
 * @example nt.manualSeed(0); const a = nt.rand([3]); nt.manualSeed(0); const b = nt.rand([3]); // equal
 */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) throw new RangeError(`manualSeed: seed must be a non-negative integer below 2^53, got ${seed}`);
  gen.seed = seed;
  gen.offset = 0;
}

/** The generator's state (seed and how many draws were made), e.g. to checkpoint it. @example const s = nt.getRngState(); nt.rand([2]); nt.setRngState(s); // the next rand([2]) repeats */
export function getRngState(): { seed: number; offset: number } { return { seed: gen.seed, offset: gen.offset }; }
/** Restores a state from getRngState(). @example nt.setRngState({ seed: 0, offset: 0 }) // same as nt.manualSeed(0) */
export function setRngState(s: { seed: number; offset: number }): void { gen.seed = s.seed; gen.offset = s.offset; }

function random(size: unknown, opts: TensorOptions | undefined, op: number, where: string, f0: number, f1: number, i2 = 0, i3 = 0, defaultDt = F32): Tensor {
  const shape = checkSize(size, where);
  const d = dev(opts, where);
  const dt = dtypeOf(opts, where, defaultDt);
  if (op !== OP.randint && CATEGORY[dt] !== 2) throw new TypeError(`${where}: dtype must be floating point, got ${DTYPES[dt]}`);
  const t = emptyTensor(shape, dt, d.key, d.name);
  if (t.numel) {
    resetParams();
    setI(0, gen.seed); setI(1, gen.offset++);
    setI(2, i2); setI(3, i3);
    setF(0, f0); setF(1, f1);
    setView(0, t);
    submit(op, d.key, 1);
  }
  return rg(t, opts);
}

/** Uniform samples in [0, 1). @example nt.rand([2, 3]) */
export function rand(size: number | number[], opts?: TensorOptions): Tensor { return random(size, opts, OP.rand_uniform, 'rand', 0, 1); }
/** Standard normal samples. @example nt.randn([2, 3]) */
export function randn(size: number | number[], opts?: TensorOptions): Tensor { return random(size, opts, OP.rand_normal, 'randn', 0, 1); }
/** Uniform samples in [low, high) with mean/std variants via `rand`/`randn` scaling. @example nt.uniform([3], -1, 1) */
export function uniform(size: number | number[], low: number, high: number, opts?: TensorOptions): Tensor { return random(size, opts, OP.rand_uniform, 'uniform', low, high); }
/** Normal samples with the given mean and std. @example nt.normal([3], 0, 0.02) */
export function normal(size: number | number[], mean: number, std: number, opts?: TensorOptions): Tensor { return random(size, opts, OP.rand_normal, 'normal', mean, std); }
/** Integers uniformly in [low, high) (int64 by default). @example nt.randint(0, 10, [5]) */
export function randint(low: number, high: number, size: number | number[], opts?: TensorOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new RangeError(`randint: expected integers low < high, got low=${low}, high=${high}`);
  return random(size, opts, OP.randint, 'randint', 0, 0, low, high, I64);
}

// ---------------------------------------------------------------- joining

/** Concatenates tensors along an existing dim (types promote). @example nt.cat([nt.ones([2]), nt.zeros([3])]) // 5 elements */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError('cat: expected a non-empty array of tensors');
  for (const [i, t] of tensors.entries()) {
    if (!(t instanceof Tensor)) throw new TypeError(`cat: element ${i} is not a Tensor`);
    if (t._storage === null) throw new Error(`cat: tensor ${i} was disposed and can no longer be used`);
  }
  // Like PyTorch, 1-D empty tensors are skipped.
  const parts = tensors.filter((t) => !(t.shape.length === 1 && t.shape[0] === 0));
  const ref = parts[0] ?? tensors[0];
  const n = ref.shape.length;
  if (n === 0) throw new RangeError('cat: zero-dimensional tensors cannot be concatenated; use stack');
  const d = normDim(dim, n, 'cat');
  const key = ref._storage!.rec.key;
  let total = 0;
  for (const [i, t] of parts.entries()) {
    if (t._storage!.rec.key !== key) throw new Error(`cat: expected all tensors on the same device, got ${ref.device} and ${t.device}`);
    if (t.shape.length !== n) throw new RangeError(`cat: tensors must have the same number of dimensions: tensor 0 has shape ${fmtShape(ref.shape)}, tensor ${i} has ${fmtShape(t.shape)}`);
    for (let k = 0; k < n; k++) if (k !== d && t.shape[k] !== ref.shape[k]) {
      throw new RangeError(`cat: sizes must match except in dimension ${d}: tensor 0 has shape ${fmtShape(ref.shape)}, tensor ${i} has ${fmtShape(t.shape)}`);
    }
    total += t.shape[d];
  }
  const dt = resultTypeIds(tensors.map((t) => t._dt), [], []);
  const shape = ref.shape.slice();
  shape[d] = total;
  const out = emptyTensor(shape, dt, key, ref.device);
  let at = 0;
  for (const t of parts) {
    const len = t.shape[d];
    if (len) {
      const dst = narrow(out, d, at, len);
      try {
        setView(0, t); setView(1, dst);
        submit(OP.copy, key, 2);
      } catch (e) {
        out.dispose();
        throw e;
      } finally {
        dst.dispose();
      }
    }
    at += len;
  }
  if (tensors.some((t) => t.requiresGrad) && isGradEnabled()) record(CAT_G, tensors, out, null, d);
  return out;
}

/** Joins same-shaped tensors along a new dim. @example nt.stack([nt.ones([2]), nt.zeros([2])]).shape // [2, 2] */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError('stack: expected a non-empty array of tensors');
  const ref = tensors[0];
  if (!(ref instanceof Tensor)) throw new TypeError('stack: element 0 is not a Tensor');
  for (const [i, t] of tensors.entries()) {
    if (!(t instanceof Tensor)) throw new TypeError(`stack: element ${i} is not a Tensor`);
    if (t.shape.length !== ref.shape.length || t.shape.some((v, k) => v !== ref.shape[k])) {
      throw new RangeError(`stack: expects each tensor to be equal size, but got ${fmtShape(ref.shape)} at entry 0 and ${fmtShape(t.shape)} at entry ${i}`);
    }
  }
  const d = normDim(dim, ref.shape.length + 1, 'stack');
  const expanded: Tensor[] = [];
  try {
    for (const t of tensors) expanded.push(unsqueeze(t, d));
    return cat(expanded, d);
  } finally {
    for (const e of expanded) e.dispose();
  }
}

export { F64, I32, U8 };
setOnesLike((t) => onesLike(t));
