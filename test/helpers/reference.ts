// reference.ts — the conformance suite's float64 oracle: dense n-d arrays (numbers + shape; bool 0/1)
// with view transforms, broadcasting, scalar formulas, reductions, along-dim ops, matmul, indexing and
// attention, written the obvious way. Not here: anything that calls nodetensor (conformance.ts does).

/** A dense row-major n-d array of float64 values. */
export interface Nd { shape: number[]; data: number[] }

export function numel(shape: readonly number[]): number { let n = 1; for (const d of shape) n *= d; return n; }

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

export function nd(shape: number[], data: ArrayLike<number>): Nd {
  if (numel(shape) !== data.length) throw new Error(`reference: shape [${shape}] needs ${numel(shape)} values, got ${data.length}`);
  return { shape: shape.slice(), data: Array.from(data) };
}

export function scalar(v: number): Nd { return { shape: [], data: [v] }; }

/** Multi-index of flat position `i` in `shape`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = i % shape[d]; i = Math.floor(i / shape[d]); }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
  return f;
}

export function fromFn(shape: number[], f: (idx: number[], flat: number) => number): Nd {
  const n = numel(shape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) data[i] = f(unravel(i, shape), i);
  return { shape: shape.slice(), data };
}

export function at(a: Nd, idx: readonly number[]): number { return a.data[ravel(idx, a.shape)]; }

/** Nested JS arrays (like Tensor.toArray()). */
export function toNested(a: Nd, asBool = false): unknown {
  if (a.shape.length === 0) return asBool ? a.data[0] !== 0 : a.data[0];
  let i = 0;
  const build = (level: number): unknown[] => {
    const out: unknown[] = [];
    for (let k = 0; k < a.shape[level]; k++) out.push(level === a.shape.length - 1 ? (asBool ? a.data[i++] !== 0 : a.data[i++]) : build(level + 1));
    return out;
  };
  return build(0);
}

// ---------------------------------------------------------------- views (as copies)

function nd0(a: Nd, d: number): number { const n = a.shape.length; return d < 0 ? d + n : d; }

/** The values of a strided view (shape, element strides, offset) over a's dense data, walked with an odometer. */
export function strided(a: Nd, shape: number[], strides: number[], offset: number): Nd {
  const n = shape.length, total = numel(shape);
  const data = new Array<number>(total);
  if (total === 0) return { shape: shape.slice(), data };
  const idx = new Array<number>(n).fill(0);
  let pos = offset;
  for (let i = 0; i < total; i++) {
    data[i] = a.data[pos];
    for (let d = n - 1; d >= 0; d--) {
      idx[d]++;
      pos += strides[d];
      if (idx[d] < shape[d]) break;
      pos -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return { shape: shape.slice(), data };
}

export function permute(a: Nd, dims: number[]): Nd {
  const ds = dims.map((d) => nd0(a, d)), st = stridesOf(a.shape);
  return strided(a, ds.map((d) => a.shape[d]), ds.map((d) => st[d]), 0);
}

export function transpose(a: Nd, d0: number, d1: number): Nd {
  const dims = a.shape.map((_, i) => i);
  const x = nd0(a, d0), y = nd0(a, d1);
  dims[x] = y; dims[y] = x;
  return permute(a, dims);
}

/** Python-style slice along dim (positive step). */
export function slice(a: Nd, dim: number, start = 0, end?: number, step = 1): Nd {
  const d = nd0(a, dim), size = a.shape[d], st = stridesOf(a.shape);
  let s = start < 0 ? start + size : start, e = end === undefined ? size : end < 0 ? end + size : end;
  s = Math.min(Math.max(s, 0), size); e = Math.min(Math.max(e, s), size);
  const shape = a.shape.slice(), strides = st.slice();
  shape[d] = Math.ceil((e - s) / step);
  strides[d] = st[d] * step;
  return strided(a, shape, strides, s * st[d]);
}

export function narrow(a: Nd, dim: number, start: number, length: number): Nd {
  const s = start < 0 ? start + a.shape[nd0(a, dim)] : start;
  return slice(a, dim, s, s + length, 1);
}

export function select(a: Nd, dim: number, index: number): Nd {
  const d = nd0(a, dim), i = index < 0 ? index + a.shape[d] : index, st = stridesOf(a.shape);
  const shape = a.shape.slice(), strides = st.slice();
  shape.splice(d, 1); strides.splice(d, 1);
  return strided(a, shape, strides, i * st[d]);
}

export function reshape(a: Nd, shape: number[]): Nd {
  const s = shape.slice();
  const k = s.indexOf(-1);
  if (k >= 0) s[k] = a.data.length / numel(s.filter((_, i) => i !== k));
  return nd(s, a.data);
}

export function expand(a: Nd, shape: number[]): Nd {
  const n = shape.length, k = a.shape.length, st = stridesOf(a.shape);
  const out = shape.map((v, i) => (v === -1 ? a.shape[i - (n - k)] : v));
  const strides = out.map((_, i) => { const j = i - (n - k); return j < 0 || a.shape[j] === 1 ? 0 : st[j]; });
  return strided(a, out, strides, 0);
}

export function unsqueeze(a: Nd, dim: number): Nd {
  const d = dim < 0 ? dim + a.shape.length + 1 : dim;
  const shape = a.shape.slice(); shape.splice(d, 0, 1);
  return nd(shape, a.data);
}

// ---------------------------------------------------------------- elementwise

export function broadcastShapes(...shapes: number[][]): number[] {
  const n = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(n).fill(1);
  for (const s of shapes) for (let i = 0; i < s.length; i++) {
    const j = i + n - s.length;
    if (s[i] !== 1) {
      if (out[j] !== 1 && out[j] !== s[i]) throw new Error(`reference: cannot broadcast [${shapes.map((x) => `[${x}]`).join(', ')}]`);
      out[j] = s[i];
    }
  }
  return out;
}

export function map(a: Nd, f: (x: number, i: number) => number): Nd { return { shape: a.shape.slice(), data: a.data.map(f) }; }

/** f over broadcast operands (Nd or plain numbers). */
export function zipN(args: (Nd | number)[], f: (...v: number[]) => number): Nd {
  const nds = args.map((a) => (typeof a === 'number' ? scalar(a) : a));
  const shape = broadcastShapes(...nds.map((a) => a.shape));
  const n = shape.length, total = numel(shape), k = nds.length;
  // Broadcast strides of each operand over `shape`, walked with an odometer.
  const bst = nds.map((a) => {
    const st = stridesOf(a.shape), out = new Array<number>(n).fill(0);
    for (let j = 0; j < a.shape.length; j++) out[j + n - a.shape.length] = a.shape[j] === 1 ? 0 : st[j];
    return out;
  });
  const idx = new Array<number>(n).fill(0), pos = new Array<number>(k).fill(0), vals = new Array<number>(k);
  const data = new Array<number>(total);
  for (let i = 0; i < total; i++) {
    if (k === 2) data[i] = f(nds[0].data[pos[0]], nds[1].data[pos[1]]);
    else {
      for (let q = 0; q < k; q++) vals[q] = nds[q].data[pos[q]];
      data[i] = f(...vals);
    }
    for (let d = n - 1; d >= 0; d--) {
      idx[d]++;
      for (let q = 0; q < k; q++) pos[q] += bst[q][d];
      if (idx[d] < shape[d]) break;
      for (let q = 0; q < k; q++) pos[q] -= bst[q][d] * shape[d];
      idx[d] = 0;
    }
  }
  return { shape, data };
}

export function zip(a: Nd | number, b: Nd | number, f: (x: number, y: number) => number): Nd { return zipN([a, b], f); }

// ---------------------------------------------------------------- dtype rounding

const f32buf = new Float32Array(1), u32buf = new Uint32Array(f32buf.buffer);

function roundHalfEvenInt(q: number): number {
  const f = Math.floor(q), r = q - f;
  if (r > 0.5) return f + 1;
  if (r < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

const f64buf = new Float64Array(1), f64hi = new Uint32Array(f64buf.buffer);
const POW2: number[] = [];
for (let e = -40; e <= 40; e++) POW2[e + 40] = 2 ** e;

/** Nearest float16 (round half to even, overflow to inf, subnormals kept). */
export function roundF16(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return x < 0 ? -Infinity : Infinity;
  f64buf[0] = a;
  const e = Math.max(((f64hi[1] >>> 20) & 0x7ff) - 1023, -14);  // a is a normal double here
  const ulp = POW2[e - 10 + 40];
  const r = roundHalfEvenInt(a / ulp) * ulp;
  return x < 0 ? -r : r;
}

/** Nearest bfloat16 of a float32 value (round half to even on the float32 bits). */
export function roundBF16(x: number): number {
  if (Number.isNaN(x)) return NaN;
  f32buf[0] = x;
  const bits = u32buf[0];
  const lsb = (bits >>> 16) & 1;
  u32buf[0] = ((bits + 0x7fff + lsb) >>> 0) & 0xffff0000;
  return f32buf[0];
}

export type RefDType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int32' | 'int64' | 'uint8' | 'bool';

/** What storing x in a tensor of dtype dt keeps (C-style truncation for ints; caller avoids UB ranges). */
export function roundTo(dt: RefDType, x: number): number {
  switch (dt) {
    case 'float64': return x;
    case 'float32': return Math.fround(x);
    case 'float16': return roundF16(Math.fround(x));
    case 'bfloat16': return roundBF16(Math.fround(x));
    case 'int32': return Math.trunc(x) | 0;
    case 'int64': return Math.trunc(x);
    case 'uint8': return Math.trunc(x) & 255;
    case 'bool': return x !== 0 ? 1 : 0;
  }
}

// ---------------------------------------------------------------- scalar formulas

/** erf to ~1e-15 relative: a positive-term series (no cancellation), erf = 1 beyond |x| = 6. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  // erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1))
  let term = a, sum = a;
  for (let n = 1; n < 500; n++) {
    term *= (2 * a * a) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * sum;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export const F: Record<string, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN),
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  tanh: Math.tanh,
  sigmoid,
  relu: (x) => (Number.isNaN(x) ? NaN : Math.max(x, 0)),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  gelu_tanh: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
  silu: (x) => x * sigmoid(x),
  softplus: (x) => softplus(x, 1, 20),
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: (x) => (Number.isFinite(x) ? roundHalfEvenInt(x) : x),
  logical_not: (x) => (x === 0 ? 1 : 0),
  isnan: (x) => (Number.isNaN(x) ? 1 : 0),
  isinf: (x) => (x === Infinity || x === -Infinity ? 1 : 0),
};

export function softplus(x: number, beta: number, threshold: number): number {
  return x * beta > threshold ? x : Math.log1p(Math.exp(beta * x)) / beta;
}

export function clamp(x: number, min?: number, max?: number): number {
  if (Number.isNaN(x)) return NaN;
  let y = x;
  if (min !== undefined) y = Math.max(y, min);
  if (max !== undefined) y = Math.min(y, max);
  return y;
}

export const truthy = (x: number): boolean => x !== 0;  // NaN is truthy

export const B: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  div_trunc: (a, b) => Math.trunc(a / b),
  div_floor: (a, b) => Math.floor(a / b),
  pow: (a, b) => Math.pow(a, b),
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
  logical_and: (a, b) => +(truthy(a) && truthy(b)),
  logical_or: (a, b) => +(truthy(a) || truthy(b)),
};

// ---------------------------------------------------------------- reductions

/** Normalised, sorted reduced dims (all when dims is null/undefined/empty). */
export function dimsOf(a: Nd, dims?: number | number[] | null): number[] {
  const n = a.shape.length;
  if (dims === undefined || dims === null || (Array.isArray(dims) && dims.length === 0)) return a.shape.map((_, i) => i);
  return (Array.isArray(dims) ? dims : [dims]).map((d) => (d < 0 ? d + n : d)).sort((x, y) => x - y);
}

/** f over the values of each reduced group (in row-major order of the reduced dims). */
export function reduce(a: Nd, dims: number | number[] | null | undefined, keepdim: boolean, f: (vals: number[]) => number): Nd {
  const ds = dimsOf(a, dims);
  const n = a.shape.length;
  const keep = a.shape.map((s, i) => (ds.includes(i) ? 1 : s));
  const kst = stridesOf(keep).map((st, i) => (ds.includes(i) ? 0 : st));
  const groups: number[][] = Array.from({ length: numel(keep) }, () => []);
  const idx = new Array<number>(n).fill(0);
  let o = 0;
  for (let i = 0; i < a.data.length; i++) {
    groups[o].push(a.data[i]);
    for (let d = n - 1; d >= 0; d--) {
      idx[d]++;
      o += kst[d];
      if (idx[d] < a.shape[d]) break;
      o -= kst[d] * a.shape[d];
      idx[d] = 0;
    }
  }
  return { shape: keepdim ? keep : a.shape.filter((_, i) => !ds.includes(i)), data: groups.map(f) };
}

export const R = {
  sum: (v: number[]): number => v.reduce((s, x) => s + x, 0),
  mean: (v: number[]): number => (v.length ? v.reduce((s, x) => s + x, 0) / v.length : NaN),
  prod: (v: number[]): number => v.reduce((s, x) => s * x, 1),
  amax: (v: number[]): number => (v.some(Number.isNaN) ? NaN : Math.max(...v)),
  amin: (v: number[]): number => (v.some(Number.isNaN) ? NaN : Math.min(...v)),
  /** First index of the max; the first NaN wins. */
  argmax: (v: number[]): number => { const k = v.findIndex(Number.isNaN); if (k >= 0) return k; let b = 0; for (let i = 1; i < v.length; i++) if (v[i] > v[b]) b = i; return b; },
  argmin: (v: number[]): number => { const k = v.findIndex(Number.isNaN); if (k >= 0) return k; let b = 0; for (let i = 1; i < v.length; i++) if (v[i] < v[b]) b = i; return b; },
  variance: (correction: number) => (v: number[]): number => {
    const m = v.reduce((s, x) => s + x, 0) / v.length;
    return v.reduce((s, x) => s + (x - m) * (x - m), 0) / Math.max(v.length - correction, 0);
  },
  logsumexp: (v: number[]): number => {
    const m = Math.max(...v);
    if (!Number.isFinite(m)) return m === -Infinity ? -Infinity : m;
    return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
  },
  all: (v: number[]): number => +v.every(truthy),
  any: (v: number[]): number => +v.some(truthy),
  sumAbs: (v: number[]): number => v.reduce((s, x) => s + Math.abs(x), 0),
};

/** Applies f to each 1-D line along dim; f returns the new line (its length may differ: topk). */
export function alongDim(a: Nd, dim: number, f: (line: number[]) => number[]): Nd {
  const n = a.shape.length;
  if (n === 0) return { shape: [], data: f(a.data.slice()) };
  const d = nd0(a, dim);
  const outer = a.shape.slice(0, d), inner = a.shape.slice(d + 1);
  const no = numel(outer), ni = numel(inner), len = a.shape[d];
  let outLen = -1;
  let data: number[] = [];
  for (let o = 0; o < no; o++) for (let i = 0; i < ni; i++) {
    const line = new Array<number>(len);
    for (let k = 0; k < len; k++) line[k] = a.data[(o * len + k) * ni + i];
    const r = f(line);
    if (outLen < 0) { outLen = r.length; data = new Array<number>(no * ni * outLen); }
    for (let k = 0; k < outLen; k++) data[(o * outLen + k) * ni + i] = r[k];
  }
  const shape = a.shape.slice();
  shape[d] = outLen < 0 ? 0 : outLen;
  return { shape, data };
}

export const L = {
  softmax: (v: number[]): number[] => { const m = Math.max(...v); const e = v.map((x) => Math.exp(x - m)); const s = R.sum(e); return e.map((x) => x / s); },
  logSoftmax: (v: number[]): number[] => { const l = R.logsumexp(v); return v.map((x) => x - l); },
  cumsum: (v: number[]): number[] => { let s = 0; return v.map((x) => (s += x)); },
  cumprod: (v: number[]): number[] => { let s = 1; return v.map((x) => (s *= x)); },
  /** Stable sort order (indices); NaN sorts above +inf, as in PyTorch. */
  argsort: (v: number[], descending = false): number[] => {
    const n = v.length, key = new Float64Array(n), nan = new Uint8Array(n);
    for (let i = 0; i < n; i++) { if (Number.isNaN(v[i])) { key[i] = Infinity; nan[i] = 1; } else key[i] = v[i]; }
    const sgn = descending ? -1 : 1;
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((i, j) => {
      const ki = key[i], kj = key[j];
      const c = ki < kj ? -1 : ki > kj ? 1 : nan[i] - nan[j];
      return c !== 0 ? sgn * c : i - j;
    });
    return idx;
  },
};

// ---------------------------------------------------------------- linear algebra

/** Flat offset of a broadcast batch index into a batch shape (size-1 dims read index 0). */
function batchOffset(idx: readonly number[], shape: readonly number[]): number {
  let off = 0;
  const lead = idx.length - shape.length;
  for (let j = 0; j < shape.length; j++) off = off * shape[j] + (shape[j] === 1 ? 0 : idx[j + lead]);
  return off;
}

/** PyTorch matmul semantics (1-D promotion, batch broadcasting). */
export function matmul(a: Nd, b: Nd): Nd {
  const A = a.shape.length === 1 ? nd([1, a.shape[0]], a.data) : a;
  const Bm = b.shape.length === 1 ? nd([b.shape[0], 1], b.data) : b;
  const M = A.shape[A.shape.length - 2], K = A.shape[A.shape.length - 1], N = Bm.shape[Bm.shape.length - 1];
  if (Bm.shape[Bm.shape.length - 2] !== K) throw new Error(`reference matmul: inner dims ${K} and ${Bm.shape[Bm.shape.length - 2]}`);
  const aB = A.shape.slice(0, -2), bB = Bm.shape.slice(0, -2);
  const batch = broadcastShapes(aB, bB);
  const nb = numel(batch);
  const data = new Array<number>(nb * M * N).fill(0);
  for (let q = 0; q < nb; q++) {
    const idx = unravel(q, batch);
    const ao = batchOffset(idx, aB) * M * K, bo = batchOffset(idx, bB) * K * N, oo = q * M * N;
    for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) {
      const av = A.data[ao + i * K + k];
      for (let j = 0; j < N; j++) data[oo + i * N + j] += av * Bm.data[bo + k * N + j];
    }
  }
  let shape = [...batch, M, N];
  if (a.shape.length === 1) shape = shape.filter((_, k) => k !== batch.length);
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  return nd(shape, data);
}

// ---------------------------------------------------------------- indexing and joining

export function indexSelect(a: Nd, dim: number, index: number[]): Nd {
  const d = nd0(a, dim);
  const shape = a.shape.slice(); shape[d] = index.length;
  return fromFn(shape, (idx) => { const s = idx.slice(); s[d] = index[idx[d]]; return at(a, s); });
}

export function gather(a: Nd, dim: number, index: Nd): Nd {
  const d = nd0(a, dim), st = stridesOf(a.shape), n = index.shape.length;
  const data = new Array<number>(index.data.length);
  const idx = new Array<number>(n).fill(0);
  let base = 0;  // offset of idx in a, without dim d
  for (let i = 0; i < data.length; i++) {
    data[i] = a.data[base + index.data[i] * st[d]];
    for (let k = n - 1; k >= 0; k--) {
      idx[k]++;
      if (k !== d) base += st[k];
      if (idx[k] < index.shape[k]) break;
      if (k !== d) base -= st[k] * index.shape[k];
      idx[k] = 0;
    }
  }
  return { shape: index.shape.slice(), data };
}

/** self with src written (or added) at index along dim; src may be a number. */
export function scatter(self: Nd, dim: number, index: Nd, src: Nd | number, add: boolean): Nd {
  const d = nd0(self, dim);
  const out = { shape: self.shape.slice(), data: self.data.slice() };
  for (let f = 0; f < index.data.length; f++) {
    const idx = unravel(f, index.shape);
    const v = typeof src === 'number' ? src : at(src, idx);
    const t = idx.slice(); t[d] = index.data[f];
    const o = ravel(t, self.shape);
    out.data[o] = add ? out.data[o] + v : v;
  }
  return out;
}

export function indexAdd(self: Nd, dim: number, index: number[], src: Nd, alpha = 1): Nd {
  const d = nd0(self, dim);
  const out = { shape: self.shape.slice(), data: self.data.slice() };
  for (let f = 0; f < src.data.length; f++) {
    const idx = unravel(f, src.shape);
    const t = idx.slice(); t[d] = index[idx[d]];
    out.data[ravel(t, self.shape)] += alpha * src.data[f];
  }
  return out;
}

export function take(a: Nd, index: Nd): Nd {
  const n = a.data.length;
  return map(index, (i) => a.data[i < 0 ? i + n : i]);
}

export function cat(parts: Nd[], dim: number): Nd {
  const ps = parts.filter((p) => !(p.shape.length === 1 && p.shape[0] === 0));
  const d = dim < 0 ? dim + ps[0].shape.length : dim;
  const shape = ps[0].shape.slice();
  shape[d] = ps.reduce((s, p) => s + p.shape[d], 0);
  return fromFn(shape, (idx) => {
    let k = idx[d];
    for (const p of ps) { if (k < p.shape[d]) { const s = idx.slice(); s[d] = k; return at(p, s); } k -= p.shape[d]; }
    throw new Error('unreachable');
  });
}

export function stack(parts: Nd[], dim: number): Nd {
  const d = dim < 0 ? dim + parts[0].shape.length + 1 : dim;
  return cat(parts.map((p) => unsqueeze(p, d)), d);
}

// ---------------------------------------------------------------- attention

/** What attention returns: out [..., L, Ev], and (with dout) the gradients of sum(out * dout). */
export interface AttentionRef { out: Nd; dq?: Nd; dk?: Nd; dv?: Nd }

/**
 * softmax(scale q kᵀ [causal: key j hidden from query i when j > i]) v, per batch entry, written out
 * in full; q [..., L, E], k [..., S, E], v [..., S, Ev] with equal batch dims (expand first). With
 * dout: dq, dk, dv of sum(out * dout) by the chain rule through the softmax.
 */
export function attention(q: Nd, k: Nd, v: Nd, scale: number, causal: boolean, dout?: Nd): AttentionRef {
  const n = q.shape.length, L = q.shape[n - 2], E = q.shape[n - 1], S = k.shape[n - 2], Ev = v.shape[n - 1];
  const batch = numel(q.shape.slice(0, -2));
  const out = new Array<number>(batch * L * Ev).fill(0);
  const dq = new Array<number>(batch * L * E).fill(0), dk = new Array<number>(batch * S * E).fill(0), dv = new Array<number>(batch * S * Ev).fill(0);
  const p = new Array<number>(S);
  for (let b = 0; b < batch; b++) {
    const qo = b * L * E, ko = b * S * E, vo = b * S * Ev, oo = b * L * Ev;
    for (let i = 0; i < L; i++) {
      let mx = -Infinity;
      for (let j = 0; j < S; j++) {
        let s = 0;
        for (let e = 0; e < E; e++) s += q.data[qo + i * E + e] * k.data[ko + j * E + e];
        p[j] = causal && j > i ? -Infinity : s * scale;
        mx = Math.max(mx, p[j]);
      }
      let sum = 0;
      for (let j = 0; j < S; j++) { p[j] = Math.exp(p[j] - mx); sum += p[j]; }
      for (let j = 0; j < S; j++) p[j] /= sum;
      for (let j = 0; j < S; j++) for (let c = 0; c < Ev; c++) out[oo + i * Ev + c] += p[j] * v.data[vo + j * Ev + c];
      if (!dout) continue;
      let D = 0;  // sum_j p_j dp_j = dout_i . out_i
      for (let c = 0; c < Ev; c++) D += dout.data[oo + i * Ev + c] * out[oo + i * Ev + c];
      for (let j = 0; j < S; j++) {
        let dp = 0;
        for (let c = 0; c < Ev; c++) {
          dp += dout.data[oo + i * Ev + c] * v.data[vo + j * Ev + c];
          dv[vo + j * Ev + c] += p[j] * dout.data[oo + i * Ev + c];
        }
        const ds = p[j] * (dp - D) * scale;
        for (let e = 0; e < E; e++) {
          dq[qo + i * E + e] += ds * k.data[ko + j * E + e];
          dk[ko + j * E + e] += ds * q.data[qo + i * E + e];
        }
      }
    }
  }
  const lead = q.shape.slice(0, -2);
  const r: AttentionRef = { out: nd([...lead, L, Ev], out) };
  if (dout) { r.dq = nd(q.shape.slice(), dq); r.dk = nd(k.shape.slice(), dk); r.dv = nd(v.shape.slice(), dv); }
  return r;
}
