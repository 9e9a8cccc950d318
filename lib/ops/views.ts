// views.ts — view ops: new metadata over the same storage, never a kernel. reshape falls back to a
// copy only when no view exists (as PyTorch's). Not here: copies (convert.ts).
import { Tensor } from '../tensor';
import { contiguousStrides, fmtShape, inferShape, normDim, numelOf, viewStrides } from '../shape';
import { castTo } from './convert';
import { defineGrad, GradRule, isGradEnabled, record } from '../autograd';

function live(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x._storage === null) throw new Error(`${op}: this tensor was disposed and can no longer be used`);
  return x;
}

function make(x: Tensor, shape: number[], strides: number[], offset: number, rule?: GradRule, ctx?: unknown): Tensor {
  const y = new Tensor(x._storage!, shape, strides, offset, x._dt);
  y._view = true;
  if (rule !== undefined && x.requiresGrad && isGradEnabled()) record(rule, [x], y, null, ctx);
  return y;
}

// ---- gradient rules: each view's inverse (broadcasting of expand is undone by the engine)
const RESHAPE_G = defineGrad('ViewBackward', (g, n) => [g.reshape(n.inShapes[0])], { view: true });
const ALIAS_G = defineGrad('AliasBackward', (g) => [g], { view: true });
const PERMUTE_G = defineGrad('PermuteBackward', (g, n) => {
  const dims = n.ctx as number[], inv = new Array<number>(dims.length);
  for (let i = 0; i < dims.length; i++) inv[dims[i]] = i;
  return [g.permute(inv)];
}, { view: true });
const TRANSPOSE_G = defineGrad('TransposeBackward', (g, n) => { const [a, b] = n.ctx as number[]; return [g.transpose(a, b)]; }, { view: true });
const EXPAND_G = defineGrad('ExpandBackward', (g) => [g], { view: true });
// narrow / slice / select: the gradient lands in the selected positions of a zero tensor (indexAdd
// is differentiable in its source, so gradients of gradients work too).
const SLICE_G = defineGrad('SliceBackward', (g, n) => {
  const [d, start, step, squeezed] = n.ctx as number[];
  const inShape = n.inShapes[0];
  if (!g.requiresGrad) {  // no graph to build: write g into the selected region of a zero tensor
    const z = zerosOf(inShape, g);
    const count0 = squeezed ? 1 : g.shape[d];
    const region = squeezed ? select(z, d, start) : slice(z, d, start, start + (count0 - 1) * step + 1, step);
    region.copy_(g);
    region.dispose();
    return [z];
  }
  const src = squeezed ? g.unsqueeze(d) : g;
  const count = src.shape[d];
  const idx = indexRange(start, step, count, g.device);
  const z = zerosOf(inShape, g);
  const r = z.indexAdd(d, idx, src);
  return [r];
}, { view: true });

/** @internal flattens `f(2, 3)` / `f([2, 3])` argument styles. */
export function flatArgs(args: (number | number[])[]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? (args[0] as number[]) : (args as number[]);
}

/** @internal */
export function dimOf(x: Tensor, dim: number, op: string): number { return normDim(dim, x.shape.length, op); }

/** Whether x is laid out densely in row-major order. */
export function isContiguous(x: Tensor): boolean {
  const shape = x.shape, strides = x.strides;
  for (let i = 0; i < shape.length; i++) if (shape[i] === 0) return true;  // no elements: dense, as PyTorch says
  let expect = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expect) return false;
    expect *= shape[i];
  }
  return true;
}

/** A new tensor object over the same storage and metadata. */
export function alias(x: Tensor, detach = false): Tensor { live(x, 'alias'); return make(x, x.shape.slice(), x.strides.slice(), x.offset, detach ? undefined : ALIAS_G); }

/** A view with a new shape; throws if the strides don't allow one (use reshape). @example nt.arange(6).view([2, 3]) */
export function view(x: Tensor, shape: number[]): Tensor {
  live(x, 'view');
  const s = inferShape(shape, numelOf(x.shape), 'view');
  const st = viewStrides(x.shape, x.strides, s);
  if (st === null) {
    throw new Error(`view: a tensor of shape ${fmtShape(x.shape)} with strides ${fmtShape(x.strides)} cannot be viewed as ${fmtShape(s)} without copying; use reshape() (or contiguous().view())`);
  }
  return make(x, s, st, x.offset, RESHAPE_G);
}

/** Like view, but copies when no view exists. @example nt.arange(6).reshape([3, -1]) // shape [3, 2] */
export function reshape(x: Tensor, shape: number[]): Tensor {
  live(x, 'reshape');
  const s = inferShape(shape, numelOf(x.shape), 'reshape');
  const st = viewStrides(x.shape, x.strides, s);
  if (st !== null) return make(x, s, st, x.offset, RESHAPE_G);
  const c = castTo(x, x._dt);
  const out = make(c, s, contiguousStrides(s), 0);
  out._view = false;
  c.dispose();
  if (x.requiresGrad && isGradEnabled()) record(RESHAPE_G, [x], out, null);
  return out;
}

/** @example nt.zeros([2, 3, 4]).permute([2, 0, 1]).shape // [4, 2, 3] */
export function permute(x: Tensor, dims: number[]): Tensor {
  live(x, 'permute');
  const n = x.shape.length;
  if (dims.length !== n) throw new RangeError(`permute: expected ${n} dims for a tensor of shape ${fmtShape(x.shape)}, got [${dims.join(', ')}]`);
  const seen = new Array<boolean>(n).fill(false);
  const shape = new Array<number>(n), strides = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const d = normDim(dims[i], n, 'permute');
    if (seen[d]) throw new RangeError(`permute: dimension ${d} appears more than once in [${dims.join(', ')}]`);
    seen[d] = true;
    shape[i] = x.shape[d]; strides[i] = x.strides[d];
  }
  return make(x, shape, strides, x.offset, PERMUTE_G, dims.map((d) => normDim(d, n, 'permute')));
}

/** @example nt.zeros([2, 3]).transpose(0, 1).shape // [3, 2] */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  live(x, 'transpose');
  const n = x.shape.length;
  if (n === 0) return alias(x);
  const a = normDim(dim0, n, 'transpose'), b = normDim(dim1, n, 'transpose');
  const shape = x.shape.slice(), strides = x.strides.slice();
  shape[a] = x.shape[b]; shape[b] = x.shape[a];
  strides[a] = x.strides[b]; strides[b] = x.strides[a];
  return make(x, shape, strides, x.offset, TRANSPOSE_G, [a, b]);
}

/** @example nt.zeros([2, 3]).t().shape // [3, 2] */
export function t(x: Tensor): Tensor {
  live(x, 't');
  if (x.shape.length > 2) throw new RangeError(`t: expects a tensor with at most 2 dimensions, got shape ${fmtShape(x.shape)}; use transpose(dim0, dim1) or mT-style permute`);
  return x.shape.length < 2 ? alias(x) : transpose(x, 0, 1);
}

/** Broadcast view to a larger shape (-1 keeps a size). @example nt.tensor([1, 2]).expand([3, 2]).shape // [3, 2] */
export function expand(x: Tensor, shape: number[]): Tensor {
  live(x, 'expand');
  const n = shape.length, k = x.shape.length;
  if (n < k) throw new RangeError(`expand: the target shape ${fmtShape(shape)} has fewer dimensions than the tensor's shape ${fmtShape(x.shape)}`);
  const outShape = new Array<number>(n), strides = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const j = i - (n - k);
    const want = shape[i];
    if (typeof want !== 'number' || !Number.isInteger(want) || want < -1) throw new RangeError(`expand: invalid size ${String(want)} in ${fmtShape(shape)}`);
    if (j < 0) {
      if (want === -1) throw new RangeError(`expand: -1 is not allowed for a new leading dimension (${fmtShape(shape)})`);
      outShape[i] = want; strides[i] = 0;
    } else if (want === -1 || want === x.shape[j]) {
      outShape[i] = x.shape[j]; strides[i] = x.strides[j];
    } else if (x.shape[j] === 1) {
      outShape[i] = want; strides[i] = 0;
    } else {
      throw new RangeError(`expand: the size of dimension ${i} must match the existing size ${x.shape[j]} (or the existing size must be 1), got target shape ${fmtShape(shape)} for a tensor of shape ${fmtShape(x.shape)}`);
    }
  }
  if (n > 8) throw new RangeError(`expand: at most 8 dimensions are supported, got ${n}`);
  return make(x, outShape, strides, x.offset, EXPAND_G);
}

/** Removes size-1 dims (all, or the given ones). @example nt.zeros([1, 3, 1]).squeeze().shape // [3] */
export function squeeze(x: Tensor, dim?: number | number[]): Tensor {
  live(x, 'squeeze');
  const n = x.shape.length;
  const drop = new Array<boolean>(n).fill(false);
  if (dim === undefined) for (let i = 0; i < n; i++) drop[i] = x.shape[i] === 1;
  else for (const d of Array.isArray(dim) ? dim : [dim]) { const k = normDim(d, n, 'squeeze'); if (n) drop[k] = x.shape[k] === 1; }
  const shape: number[] = [], strides: number[] = [];
  for (let i = 0; i < n; i++) if (!drop[i]) { shape.push(x.shape[i]); strides.push(x.strides[i]); }
  return make(x, shape, strides, x.offset, RESHAPE_G);
}

/** Inserts a size-1 dim. @example nt.zeros([3]).unsqueeze(0).shape // [1, 3] */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  live(x, 'unsqueeze');
  const n = x.shape.length;
  const d = normDim(dim, n + 1, 'unsqueeze');
  if (n >= 8) throw new RangeError(`unsqueeze: at most 8 dimensions are supported`);
  const shape = x.shape.slice(), strides = x.strides.slice();
  const st = d < n ? x.strides[d] * x.shape[d] : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, st);
  return make(x, shape, strides, x.offset, RESHAPE_G);
}

/** Merges dims startDim..endDim (a view when possible). @example nt.zeros([2, 3, 4]).flatten(1).shape // [2, 12] */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  live(x, 'flatten');
  const n = x.shape.length;
  if (n === 0) return reshape(x, [1]);
  const a = normDim(startDim, n, 'flatten'), b = normDim(endDim, n, 'flatten');
  if (a > b) throw new RangeError(`flatten: startDim (${startDim}) must not come after endDim (${endDim})`);
  const shape = [...x.shape.slice(0, a), x.shape.slice(a, b + 1).reduce((p, c) => p * c, 1), ...x.shape.slice(b + 1)];
  return reshape(x, shape);
}

/** @example nt.arange(10).narrow(0, 2, 3) // tensor([2, 3, 4]) */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  live(x, 'narrow');
  const d = normDim(dim, x.shape.length, 'narrow');
  const size = x.shape[d];
  if (!Number.isInteger(start) || !Number.isInteger(length) || length < 0) throw new RangeError(`narrow: start and length must be integers (length >= 0), got start=${start}, length=${length}`);
  const s = start < 0 ? start + size : start;
  if (s < 0 || s + length > size) throw new RangeError(`narrow: start (${start}) + length (${length}) exceeds dimension ${d} of size ${size}`);
  const shape = x.shape.slice();
  shape[d] = length;
  return make(x, shape, x.strides.slice(), x.offset + s * x.strides[d], SLICE_G, [d, s, 1, 0]);
}

/** Python-style slice along one dim (clamped bounds, positive step). @example nt.arange(10).slice(0, 1, null, 3) // tensor([1, 4, 7]) */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  live(x, 'slice');
  const d = normDim(dim, x.shape.length, 'slice');
  if (!Number.isInteger(step) || step <= 0) throw new RangeError(`slice: step must be a positive integer, got ${step}`);
  const size = x.shape[d];
  let s = start ?? 0, e = end ?? size;
  if (!Number.isInteger(s) || !Number.isInteger(e)) throw new RangeError(`slice: start and end must be integers, got ${s} and ${e}`);
  if (s < 0) s += size;
  if (e < 0) e += size;
  s = Math.min(Math.max(s, 0), size);
  e = Math.min(Math.max(e, s), size);
  const shape = x.shape.slice(), strides = x.strides.slice();
  shape[d] = Math.ceil((e - s) / step);
  strides[d] = x.strides[d] * step;
  return make(x, shape, strides, x.offset + s * x.strides[d], SLICE_G, [d, s, step, 0]);
}

/** @example nt.tensor([[1, 2], [3, 4]]).select(0, 1) // tensor([3, 4]) */
export function select(x: Tensor, dim: number, index: number): Tensor {
  live(x, 'select');
  const d = normDim(dim, x.shape.length, 'select');
  const size = x.shape[d];
  if (!Number.isInteger(index) || index < -size || index >= size) throw new RangeError(`select: index ${index} is out of range for dimension ${d} with size ${size}`);
  const i = index < 0 ? index + size : index;
  const shape = x.shape.slice(), strides = x.strides.slice();
  shape.splice(d, 1); strides.splice(d, 1);
  return make(x, shape, strides, x.offset + i * x.strides[d], SLICE_G, [d, i, 1, 1]);
}

/** Splits into `chunks` nearly equal views along dim. @example nt.arange(5).chunk(2).map(t => t.shape[0]) // [3, 2] */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  live(x, 'chunk');
  if (!Number.isInteger(chunks) || chunks <= 0) throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normDim(dim, x.shape.length, 'chunk');
  const size = Math.ceil(x.shape[d] / chunks) || 1;
  return split(x, size, d);
}

/** Splits along dim into pieces of `splitSize` (last may be smaller) or of the listed sizes. @example nt.arange(5).split([2, 3]) */
export function split(x: Tensor, splitSize: number | number[], dim = 0): Tensor[] {
  live(x, 'split');
  const d = normDim(dim, x.shape.length, 'split');
  const total = x.shape[d];
  const out: Tensor[] = [];
  if (Array.isArray(splitSize)) {
    const sum = splitSize.reduce((a, b) => a + b, 0);
    if (sum !== total || splitSize.some((s) => !Number.isInteger(s) || s < 0)) throw new RangeError(`split: sizes [${splitSize.join(', ')}] must be non-negative integers summing to ${total} (dimension ${d})`);
    let at = 0;
    for (const s of splitSize) { out.push(narrow(x, d, at, s)); at += s; }
  } else {
    if (!Number.isInteger(splitSize) || splitSize <= 0) throw new RangeError(`split: splitSize must be a positive integer, got ${splitSize}`);
    if (total === 0) return [alias(x)];
    for (let at = 0; at < total; at += splitSize) out.push(narrow(x, d, at, Math.min(splitSize, total - at)));
  }
  return out;
}

/** Views of each index along dim. @example nt.tensor([[1, 2], [3, 4]]).unbind(0).length // 2 */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  live(x, 'unbind');
  const d = normDim(dim, x.shape.length, 'unbind');
  const out: Tensor[] = [];
  for (let i = 0; i < x.shape[d]; i++) out.push(select(x, d, i));
  return out;
}

// helpers of SLICE_G (creation.ts imports this file, so these are resolved lazily)
function indexRange(start: number, step: number, count: number, device: string): Tensor {
  return creation().arange(start, start + step * count, step, { device }).slice(0, 0, count);
}
function zerosOf(shape: number[], like: Tensor): Tensor { return creation().zeros(shape, { dtype: like.dtype, device: like.device }); }
// eslint-disable-next-line @typescript-eslint/no-var-requires
function creation(): typeof import('./creation') { return require('./creation'); }
