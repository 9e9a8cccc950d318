// shape.ts — shape arithmetic done once, in TypeScript: sizes, strides, broadcasting, dims.
// Not here: anything that touches memory. Every error names the op and the shapes involved.

/** Row-major strides of a contiguous tensor of `shape`, in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const n = shape.length;
  const s = new Array<number>(n);
  let acc = 1;
  for (let i = n - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i] || 1; }
  return s;
}

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function fmtShape(shape: readonly number[]): string { return `[${shape.join(', ')}]`; }

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Validates a user-given size list (or a single number) and returns it as an array. */
export function checkSize(size: unknown, where: string): number[] {
  const arr = typeof size === 'number' ? [size] : size;
  if (!Array.isArray(arr)) throw new TypeError(`${where}: size must be an array of non-negative integers, got ${String(size)}`);
  for (const d of arr) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new RangeError(`${where}: size must contain non-negative integers, got ${fmtSize(arr)}`);
    }
  }
  if (arr.length > 8) throw new RangeError(`${where}: at most 8 dimensions are supported, got ${arr.length}`);
  return arr as number[];
}

function fmtSize(arr: unknown[]): string { return `[${arr.map((x) => (typeof x === 'string' ? JSON.stringify(x) : String(x))).join(', ')}]`; }

/** Normalises a possibly negative dim against ndim, throwing a clear error when out of range. */
export function normDim(dim: number, ndim: number, where: string): number {
  const n = ndim === 0 ? 1 : ndim;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new RangeError(`${where}: dimension ${String(dim)} is out of range for a tensor with ${ndim} dimension${ndim === 1 ? '' : 's'} (expected an integer in [${-n}, ${n - 1}])`);
  }
  return dim < 0 ? dim + n : dim;
}

/** Broadcasts two shapes (numpy/PyTorch rules). */
export function broadcastShapes(a: readonly number[], b: readonly number[], where: string): number[] {
  if (shapesEqual(a, b)) return a as number[];
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else {
      throw new RangeError(`${where}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together (dimension ${i}: ${da} vs ${db})`);
    }
  }
  return out;
}

/** Strides that make a tensor (shape, strides) read as `outShape` (stride 0 on broadcast dims). */
export function broadcastStrides(shape: readonly number[], strides: readonly number[], outShape: readonly number[]): number[] {
  const n = outShape.length, k = shape.length;
  const s = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const j = i - (n - k);
    s[i] = j < 0 || (shape[j] === 1 && outShape[i] !== 1) ? 0 : strides[j];
  }
  return s;
}

/**
 * Strides for viewing (shape, strides) as newShape without copying, or null if impossible
 * (PyTorch's computeStride: each group of merged dims must be contiguous among themselves).
 */
export function viewStrides(shape: readonly number[], strides: readonly number[], newShape: readonly number[]): number[] | null {
  const numel = numelOf(shape);
  const out = new Array<number>(newShape.length);
  if (numel === 0 || shape.length === 0) return contiguousStrides(newShape);
  let viewD = newShape.length - 1;
  let chunkBase = strides.length ? strides[strides.length - 1] : 1;
  let tensorNumel = 1, viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d];
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) { chunkBase = strides[d - 1]; tensorNumel = 1; viewNumel = 1; }
    }
  }
  if (viewD !== -1) {
    // remaining leading size-1 dims
    while (viewD >= 0) { if (newShape[viewD] !== 1) return null; out[viewD] = 1; viewD--; }
  }
  return out;
}

/** Resolves a reshape target with at most one -1 against numel. */
export function inferShape(shape: unknown, numel: number, where: string): number[] {
  const arr = typeof shape === 'number' ? [shape] : shape;
  if (!Array.isArray(arr)) throw new TypeError(`${where}: shape must be an array of integers`);
  let infer = -1, known = 1;
  for (let i = 0; i < arr.length; i++) {
    const d = arr[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < -1) throw new RangeError(`${where}: invalid shape ${fmtSize(arr)}: sizes must be non-negative integers or a single -1`);
    if (d === -1) { if (infer >= 0) throw new RangeError(`${where}: only one dimension can be inferred (-1), got ${fmtSize(arr)}`); infer = i; }
    else known *= d;
  }
  const out = arr.slice() as number[];
  if (infer >= 0) {
    if (known === 0 || numel % known !== 0) throw new RangeError(`${where}: shape ${fmtSize(arr)} is invalid for input of size ${numel}`);
    out[infer] = numel / known;
  } else if (known !== numel) {
    throw new RangeError(`${where}: shape ${fmtSize(arr)} is invalid for input of size ${numel}`);
  }
  if (out.length > 8) throw new RangeError(`${where}: at most 8 dimensions are supported, got ${out.length}`);
  return out;
}
