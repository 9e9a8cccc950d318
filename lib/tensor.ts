// tensor.ts — the Tensor: metadata (shape, strides, offset, dtype, storage) and one-line methods.
// Not here: what the methods do (lib/ops/*, one file per family) or memory policy (lib/memory.ts).
//
// A tensor is a strided view on a Storage. Views (reshape, permute, slice, expand, ...) make a new
// Tensor over the same Storage; the storage is freed, in stream order, when its last tensor is
// disposed (or, as a backstop, garbage-collected). Shapes and strides are plain arrays in elements.
import { inspect } from 'util';
import { DTYPES, DType, DataTypeMap } from './dtype';
import { Storage, currentScope, retain, release } from './memory';
import type { Scalar } from './ops/elementwise';
import * as ew from './ops/elementwise';
import * as rd from './ops/reduce';
import * as vw from './ops/views';
import * as la from './ops/linalg';
import * as ix from './ops/indexing';
import * as cv from './ops/convert';
import { numelOf } from './shape';
import * as ag from './autograd';
import type { Node } from './autograd';

const FLOAT_DTS = [true, true, true, true, false, false, false, false];
function setRequiresGrad<T extends Tensor>(t: T, flag: boolean): T {
  t._live('requiresGrad_');
  if (flag && !FLOAT_DTS[t._dt]) throw new TypeError(`requiresGrad_: only floating-point tensors can require gradients, got ${DTYPES[t._dt]}`);
  if (!flag && t.gradFn !== null) throw new Error('requiresGrad_: requiresGrad can only be turned off on leaf tensors; use detach()');
  t.requiresGrad = flag;
  return t;
}

/** Values and indices, as returned by max/min along a dim, sort and topk. */
export interface ValuesIndices { values: Tensor; indices: Tensor }

/** Options of reductions that take keepdim. */
export type Dims = number | number[] | undefined | null;

/**
 * An n-dimensional array on a device, with a PyTorch-like API.
 * @example
 * import * as nt from 'nodetensor';
 * const x = nt.tensor([[1, 2], [3, 4]]);
 * console.log(x.shape, x.dtype, x.device); // [2, 2] 'int64' 'cpu'
 * console.log(x.float().mean().item());     // 2.5
 */
export class Tensor {
  /** @internal */ _storage: Storage | null;
  /** @internal dtype id */ _dt: number;
  /** Size of each dimension. Treat as read-only. */
  readonly shape: number[];
  /** Element stride of each dimension (0 on broadcast dims). Treat as read-only. */
  readonly strides: number[];
  /** Element offset of the first element within the storage. */
  readonly offset: number;
  /** Whether gradients flow to this tensor (set on leaves with `requiresGrad_()`; true on results of recorded ops). */
  requiresGrad = false;
  /** The accumulated gradient of a leaf after `backward()` (or of a tensor that called `retainGrad()`). */
  grad: Tensor | null = null;
  /** The recorded op that produced this tensor (null for leaves and tensors made without grad). */
  gradFn: Node | null = null;
  /** @internal a leaf's gradient accumulator node */ _accum: Node | null = null;
  /** @internal made by a view op (shares a base's storage) */ _view = false;

  /** @internal Use the creation functions (nt.tensor, nt.zeros, ...). */
  constructor(storage: Storage, shape: number[], strides: number[], offset: number, dt: number, unscoped = false) {
    this._storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this._dt = dt;
    retain(storage);
    if (unscoped) return;
    const scope = currentScope();
    if (scope !== undefined) scope.push(this);
  }

  /** The element type. */
  get dtype(): DType { return DTYPES[this._dt]; }
  /** The device name: 'cpu', 'cuda:0', 'npu:0'. */
  get device(): string { return this._live('device').rec.device; }
  /** Number of dimensions. */
  get ndim(): number { return this.shape.length; }
  /** Number of elements. */
  get numel(): number { return numelOf(this.shape); }
  /** True once dispose() was called. */
  get isDisposed(): boolean { return this._storage === null; }
  /** Whether the elements are laid out densely in row-major order. */
  isContiguous(): boolean { return vw.isContiguous(this); }
  /** Size of one dimension (negative dims count from the end), or the shape. */
  size(dim?: number): number | number[] { return dim === undefined ? this.shape.slice() : this.shape[vw.dimOf(this, dim, 'size')]; }

  /** @internal throws a clear error after dispose */
  _live(op: string): Storage {
    const s = this._storage;
    if (s === null) throw new Error(`${op}: this tensor was disposed and can no longer be used`);
    return s;
  }

  /** Frees this tensor's reference to its storage now (the memory goes when its last view goes). Idempotent. */
  dispose(): void {
    const s = this._storage;
    if (s === null) return;
    this._storage = null;
    release(s);
  }
  /** `using t = nt.ones([3])` disposes t at the end of the block. */
  [Symbol.dispose](): void { this.dispose(); }

  // ---- autograd ----
  /** True for tensors not produced by a recorded op (their gradient accumulates in `.grad`). */
  get isLeaf(): boolean { return this.gradFn === null; }
  /**
   * Computes the gradient of this tensor with respect to every leaf that requires grad and adds it
   * to their `.grad`. `grad` is required unless this tensor has one element.
   * @example
   * const w = nt.tensor([2, 3], { requiresGrad: true });
   * w.mul(w).sum().backward();
   * console.log(w.grad!.toArray()); // [4, 6]
   */
  backward(grad?: Tensor | null, opts?: { retainGraph?: boolean; createGraph?: boolean }): void { ag.backward(this, grad, opts); }
  /** Sets requiresGrad on a leaf (floating-point dtypes only). Returns this. */
  requiresGrad_(flag = true): this { return setRequiresGrad(this, flag); }
  /** A tensor sharing this one's storage, cut from the graph (no gradient flows through it). */
  detach(): Tensor { return vw.alias(this, true); }
  /** Calls `hook(grad)` when this tensor's gradient is computed; a returned tensor replaces it. */
  registerHook(hook: ag.GradHook): { remove(): void } { return ag.registerHook(this, hook); }
  /** Keeps `.grad` on this non-leaf tensor at the next backward. */
  retainGrad(): this { ag.retainGrad(this); return this; }

  // ---- reading ----
  /** The elements in row-major order, without blocking the event loop. float16/bfloat16 are widened to Float32Array. */
  data<D extends DType = DType>(): Promise<DataTypeMap[D]> { return cv.data(this) as Promise<DataTypeMap[D]>; }
  /** The elements in row-major order; waits for the device (blocks the JS thread). */
  dataSync<D extends DType = DType>(): DataTypeMap[D] { return cv.dataSync(this) as DataTypeMap[D]; }
  /** Nested JS arrays (numbers; booleans for bool tensors). */
  toArray(): unknown { return cv.toArray(this); }
  /** The single value of a one-element tensor (a boolean for bool tensors: `t.item<boolean>()`). */
  item<T extends number | boolean = number>(): T { return cv.item(this) as T; }
  /** Prints like PyTorch. */
  toString(): string { return cv.toString(this); }
  [inspect.custom](): string { return this.isDisposed ? 'Tensor(disposed)' : cv.toString(this); }

  // ---- conversion and copies ----
  /** Converts to a dtype and/or moves to a device. */
  to(target: DType | string | { dtype?: DType; device?: string }): Tensor { return cv.to(this, target); }
  float(): Tensor { return cv.to(this, 'float32'); }
  double(): Tensor { return cv.to(this, 'float64'); }
  half(): Tensor { return cv.to(this, 'float16'); }
  bfloat16(): Tensor { return cv.to(this, 'bfloat16'); }
  int(): Tensor { return cv.to(this, 'int32'); }
  long(): Tensor { return cv.to(this, 'int64'); }
  bool(): Tensor { return cv.to(this, 'bool'); }
  cpu(): Tensor { return cv.to(this, 'cpu'); }
  /** A contiguous tensor with the same values (a new view object when already contiguous). */
  contiguous(): Tensor { return cv.contiguous(this); }
  /** A copy with its own storage. */
  clone(): Tensor { return cv.clone(this); }
  /** A new tensor object sharing this one's storage and metadata. */
  alias(): Tensor { return vw.alias(this); }

  // ---- views ----
  reshape(...shape: (number | number[])[]): Tensor { return vw.reshape(this, vw.flatArgs(shape)); }
  view(...shape: (number | number[])[]): Tensor { return vw.view(this, vw.flatArgs(shape)); }
  permute(...dims: (number | number[])[]): Tensor { return vw.permute(this, vw.flatArgs(dims)); }
  transpose(dim0: number, dim1: number): Tensor { return vw.transpose(this, dim0, dim1); }
  /** Transpose of a tensor with at most 2 dims. */
  t(): Tensor { return vw.t(this); }
  expand(...shape: (number | number[])[]): Tensor { return vw.expand(this, vw.flatArgs(shape)); }
  expandAs(other: Tensor): Tensor { return vw.expand(this, other.shape); }
  squeeze(dim?: number | number[]): Tensor { return vw.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return vw.unsqueeze(this, dim); }
  flatten(startDim = 0, endDim = -1): Tensor { return vw.flatten(this, startDim, endDim); }
  narrow(dim: number, start: number, length: number): Tensor { return vw.narrow(this, dim, start, length); }
  /** Elements start..end (exclusive) by step along dim; negative start/end count from the end. */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor { return vw.slice(this, dim, start, end, step); }
  /** Removes dim by taking one index of it. */
  select(dim: number, index: number): Tensor { return vw.select(this, dim, index); }
  chunk(chunks: number, dim = 0): Tensor[] { return vw.chunk(this, chunks, dim); }
  split(splitSize: number | number[], dim = 0): Tensor[] { return vw.split(this, splitSize, dim); }
  unbind(dim = 0): Tensor[] { return vw.unbind(this, dim); }

  // ---- elementwise ----
  add(other: Tensor | Scalar, opts?: { alpha?: number }): Tensor { return ew.add(this, other, opts); }
  sub(other: Tensor | Scalar, opts?: { alpha?: number }): Tensor { return ew.sub(this, other, opts); }
  mul(other: Tensor | Scalar): Tensor { return ew.mul(this, other); }
  div(other: Tensor | Scalar, opts?: { roundingMode?: 'trunc' | 'floor' }): Tensor { return ew.div(this, other, opts); }
  pow(exponent: Tensor | Scalar): Tensor { return ew.pow(this, exponent); }
  maximum(other: Tensor): Tensor { return ew.maximum(this, other); }
  minimum(other: Tensor): Tensor { return ew.minimum(this, other); }
  eq(other: Tensor | Scalar): Tensor { return ew.eq(this, other); }
  ne(other: Tensor | Scalar): Tensor { return ew.ne(this, other); }
  lt(other: Tensor | Scalar): Tensor { return ew.lt(this, other); }
  le(other: Tensor | Scalar): Tensor { return ew.le(this, other); }
  gt(other: Tensor | Scalar): Tensor { return ew.gt(this, other); }
  ge(other: Tensor | Scalar): Tensor { return ew.ge(this, other); }
  logicalAnd(other: Tensor | Scalar): Tensor { return ew.logicalAnd(this, other); }
  logicalOr(other: Tensor | Scalar): Tensor { return ew.logicalOr(this, other); }
  logicalNot(): Tensor { return ew.logicalNot(this); }
  neg(): Tensor { return ew.neg(this); }
  abs(): Tensor { return ew.abs(this); }
  sign(): Tensor { return ew.sign(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  log1p(): Tensor { return ew.log1p(this); }
  expm1(): Tensor { return ew.expm1(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  rsqrt(): Tensor { return ew.rsqrt(this); }
  square(): Tensor { return ew.square(this); }
  reciprocal(): Tensor { return ew.reciprocal(this); }
  sin(): Tensor { return ew.sin(this); }
  cos(): Tensor { return ew.cos(this); }
  tan(): Tensor { return ew.tan(this); }
  tanh(): Tensor { return ew.tanh(this); }
  sigmoid(): Tensor { return ew.sigmoid(this); }
  relu(): Tensor { return ew.relu(this); }
  gelu(opts?: { approximate?: 'none' | 'tanh' }): Tensor { return ew.gelu(this, opts); }
  silu(): Tensor { return ew.silu(this); }
  softplus(opts?: { beta?: number; threshold?: number }): Tensor { return ew.softplus(this, opts); }
  erf(): Tensor { return ew.erf(this); }
  floor(): Tensor { return ew.floor(this); }
  ceil(): Tensor { return ew.ceil(this); }
  round(): Tensor { return ew.round(this); }
  clamp(min?: number | null, max?: number | null): Tensor { return ew.clamp(this, min, max); }
  isnan(): Tensor { return ew.isnan(this); }
  isinf(): Tensor { return ew.isinf(this); }
  /** Elements where `mask` is true replaced by `value`. */
  maskedFill(mask: Tensor, value: Scalar): Tensor { return ew.maskedFill(this, mask, value); }
  /** `cond ? this : other`, elementwise. */
  where(cond: Tensor, other: Tensor | Scalar): Tensor { return ew.where(cond, this, other); }

  // ---- in place ----
  add_(other: Tensor | Scalar, opts?: { alpha?: number }): this {
    if (ag.beforeInPlace(this, 'add_', other)) return ag.inPlace(this, (c) => ew.add(c, other, opts));
    ew.add(this, other, opts, this); return this;
  }
  sub_(other: Tensor | Scalar, opts?: { alpha?: number }): this {
    if (ag.beforeInPlace(this, 'sub_', other)) return ag.inPlace(this, (c) => ew.sub(c, other, opts));
    ew.sub(this, other, opts, this); return this;
  }
  mul_(other: Tensor | Scalar): this {
    if (ag.beforeInPlace(this, 'mul_', other)) return ag.inPlace(this, (c) => ew.mul(c, other));
    ew.mul(this, other, this); return this;
  }
  div_(other: Tensor | Scalar): this {
    if (ag.beforeInPlace(this, 'div_', other)) return ag.inPlace(this, (c) => ew.div(c, other));
    ew.div(this, other, undefined, this); return this;
  }
  clamp_(min?: number | null, max?: number | null): this {
    if (ag.beforeInPlace(this, 'clamp_')) return ag.inPlace(this, (c) => ew.clamp(c, min, max));
    ew.clamp(this, min, max, this); return this;
  }
  fill_(value: Scalar): this {
    const rec = ag.beforeInPlace(this, 'fill_');
    cv.fill_(this, value);
    if (rec) ag.recordOverwrite(this, null);
    return this;
  }
  zero_(): this { return this.fill_(0); }
  /** Copies src (broadcast, any dtype, same device) into this tensor. */
  copy_(src: Tensor): this {
    const rec = ag.beforeInPlace(this, 'copy_', src);
    cv.copy_(this, src);
    if (rec) ag.recordOverwrite(this, src);
    return this;
  }

  // ---- reductions ----
  sum(dim?: Dims, keepdim = false, opts?: { dtype?: DType }): Tensor { return rd.sum(this, dim, keepdim, opts); }
  mean(dim?: Dims, keepdim = false): Tensor { return rd.mean(this, dim, keepdim); }
  prod(dim?: number | null, keepdim = false): Tensor { return rd.prod(this, dim, keepdim); }
  /** Max of all elements, or values and indices along a dim. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices { return rd.maxMin(this, dim, keepdim, true); }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices { return rd.maxMin(this, dim, keepdim, false); }
  amax(dim?: Dims, keepdim = false): Tensor { return rd.amax(this, dim, keepdim); }
  amin(dim?: Dims, keepdim = false): Tensor { return rd.amin(this, dim, keepdim); }
  argmax(dim?: number | null, keepdim = false): Tensor { return rd.argmax(this, dim, keepdim); }
  argmin(dim?: number | null, keepdim = false): Tensor { return rd.argmin(this, dim, keepdim); }
  var(dim?: Dims, opts?: { correction?: number; unbiased?: boolean; keepdim?: boolean }): Tensor { return rd.variance(this, dim, opts, false); }
  std(dim?: Dims, opts?: { correction?: number; unbiased?: boolean; keepdim?: boolean }): Tensor { return rd.variance(this, dim, opts, true); }
  logsumexp(dim: number | number[], keepdim = false): Tensor { return rd.logsumexp(this, dim, keepdim); }
  all(dim?: Dims, keepdim = false): Tensor { return rd.all(this, dim, keepdim); }
  any(dim?: Dims, keepdim = false): Tensor { return rd.any(this, dim, keepdim); }
  softmax(dim: number): Tensor { return rd.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return rd.logSoftmax(this, dim); }
  cumsum(dim: number): Tensor { return rd.cumsum(this, dim); }
  cumprod(dim: number): Tensor { return rd.cumprod(this, dim); }
  sort(dim = -1, descending = false, opts?: { stable?: boolean }): ValuesIndices { return rd.sort(this, dim, descending); }
  argsort(dim = -1, descending = false): Tensor { return rd.argsort(this, dim, descending); }
  topk(k: number, dim = -1, largest = true, sorted = true): ValuesIndices { return rd.topk(this, k, dim, largest, sorted); }

  // ---- linear algebra ----
  matmul(other: Tensor): Tensor { return la.matmul(this, other); }
  mm(other: Tensor): Tensor { return la.mm(this, other); }
  bmm(other: Tensor): Tensor { return la.bmm(this, other); }
  outer(other: Tensor): Tensor { return la.outer(this, other); }

  // ---- indexing ----
  indexSelect(dim: number, index: Tensor): Tensor { return ix.indexSelect(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return ix.gather(this, dim, index); }
  scatter(dim: number, index: Tensor, src: Tensor | Scalar): Tensor { return ix.scatter(this, dim, index, src, false); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return ix.scatter(this, dim, index, src, true); }
  indexAdd(dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }): Tensor { return ix.indexAdd(this, dim, index, source, opts); }
  take(index: Tensor): Tensor { return ix.take(this, index); }
}
