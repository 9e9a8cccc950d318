// format.ts — prints a tensor's elements the way PyTorch's repr(tensor) does (torch/_tensor_str.py,
// plain strided tensors): precision, summarisation with `...`, automatic scientific notation, the
// `1.` style for integer-valued floats, common-width padding, line wrapping and the suffixes
// (device, size of empty tensors, dtype, grad_fn / requires_grad), with our dtype names.
// Pure and self-contained: it takes the elements, not a Tensor. Not here: reading data off a device.

/** The element types a tensor can hold (the same names as lib/dtype.ts). */
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int32' | 'int64' | 'uint8' | 'bool';

/** Options for {@link formatTensor}; the print options default to PyTorch's defaults. */
export interface FormatOptions {
  /** The tensor's device, e.g. `'cuda:0'`; anything other than cpu appends `, device='…'`. */
  device?: string;
  /** Appends `, requires_grad=True` (unless `gradFn` is given, as in PyTorch). */
  requiresGrad?: boolean;
  /** The name of the node that produced the tensor, e.g. `'AddBackward0'`: appends `, grad_fn=<AddBackward0>`. */
  gradFn?: string;
  /** Digits after the decimal point for floats (default 4). */
  precision?: number;
  /** More elements than this are summarised with `...` (default 1000; `Infinity` never summarises). */
  threshold?: number;
  /** Items shown at each end of a summarised dimension (default 3). */
  edgeitems?: number;
  /** Characters per line for wrapping 1-D rows and suffixes (default 80). */
  linewidth?: number;
  /** Forces scientific notation on (`true`) or off (`false`); by default chosen from the values as PyTorch does. */
  sciMode?: boolean;
}

const FLOAT_DTYPES: ReadonlySet<string> = new Set(['float32', 'float64', 'float16', 'bfloat16']);
const ALL_DTYPES: ReadonlySet<string> = new Set([...FLOAT_DTYPES, 'int32', 'int64', 'uint8', 'bool']);
/** Dtypes PyTorch leaves out of the repr of a non-empty tensor (the defaults: float32, long, bool). */
const IMPLIED_DTYPES: ReadonlySet<string> = new Set(['float32', 'int64', 'bool']);

const TWO53 = 2 ** 53;

// ---------------------------------------------------------------------------------------------
// Python's float formatting ('{:.Nf}' and '{:.Ne}'): correctly rounded, ties to even.
// JS toFixed/toExponential are correctly rounded too but break exact ties away from zero, so a
// tie whose lower neighbour is even is fixed up; huge values and precisions over 100 go through
// an exact BigInt path.

/** The exact value of a finite double `a > 0` as `n / 10^scale` (n a BigInt). */
function exactDecimal(a: number): { n: bigint; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, a);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let k: number;
  if (bexp === 0) k = -1074;
  else { m |= 1n << 52n; k = bexp - 1075; }
  if (k >= 0) return { n: m << BigInt(k), scale: 0 };
  return { n: m * 5n ** BigInt(-k), scale: -k };
}

/** Drops `drop` (≥ 1) trailing decimal digits of n, rounding half to even. */
function roundDropDigits(n: bigint, drop: number): bigint {
  const d = 10n ** BigInt(drop);
  const q = n / d;
  const r2 = (n % d) * 2n;
  if (r2 > d || (r2 === d && (q & 1n) === 1n)) return q + 1n;
  return q;
}

function fixedExact(a: number, p: number): string {
  let n: bigint;
  if (a === 0) n = 0n;
  else {
    const e = exactDecimal(a);
    n = e.scale <= p ? e.n * 10n ** BigInt(p - e.scale) : roundDropDigits(e.n, e.scale - p);
  }
  if (p === 0) return n.toString();
  const s = n.toString().padStart(p + 1, '0');
  return `${s.slice(0, s.length - p)}.${s.slice(s.length - p)}`;
}

function expExact(a: number, p: number): string {
  let digits: string;
  let exp10: number;
  if (a === 0) { digits = '0'.repeat(p + 1); exp10 = 0; } else {
    const e = exactDecimal(a);
    let s = e.n.toString();
    exp10 = s.length - 1 - e.scale;
    if (s.length > p + 1) {
      s = roundDropDigits(e.n, s.length - (p + 1)).toString();
      if (s.length > p + 1) { s = s.slice(0, p + 1); exp10 += 1; } // carried into a new digit: 10…0
    } else s = s.padEnd(p + 1, '0');
    digits = s;
  }
  const mant = p === 0 ? digits : `${digits[0]}.${digits.slice(1)}`;
  return `${mant}e${exp10 < 0 ? '-' : '+'}${String(Math.abs(exp10)).padStart(2, '0')}`;
}

/** Lowers the last digit of a decimal string by one (callers guarantee it is odd, so no borrow). */
function decLastDigit(s: string): string {
  return s.slice(0, -1) + String.fromCharCode(s.charCodeAt(s.length - 1) - 1);
}

/** Python's `'{:.<p>f}'.format(x)`. */
function pyFixed(x: number, p: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s: string;
  if (a >= 1e21 || p > 100) s = fixedExact(a, p);
  else {
    s = a.toFixed(p);
    // An exact tie at p decimals happens iff a·2^(p+1) is an odd integer.
    const y = a * 2 ** (p + 1);
    if (y < TWO53 && Number.isInteger(y) && y % 2 === 1 && (s.charCodeAt(s.length - 1) & 1) === 1) s = decLastDigit(s);
  }
  return neg ? `-${s}` : s;
}

/** Python's `'{:.<p>e}'.format(x)`. */
function pyExp(x: number, p: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s: string;
  if (p > 100) s = expExact(a, p);
  else {
    const js = a.toExponential(p); // "d.ddddde+X"
    const ei = js.indexOf('e');
    let mant = js.slice(0, ei);
    const e10 = Number(js.slice(ei + 1));
    if (a !== 0 && (mant.charCodeAt(mant.length - 1) & 1) === 1) {
      // Tie at p+1 significant digits with exponent e10: a·10^(p−e10) = n + ½, i.e. y = a·2^(k+1)
      // is an odd integer (and, for k < 0, a multiple of 5^−k).
      const k = p - e10;
      const y = a * 2 ** (k + 1);
      if (y < TWO53 && Number.isInteger(y) && y % 2 === 1) {
        const f = k < 0 ? 5 ** -k : 1;
        if (f <= TWO53 && y % f === 0) mant = decLastDigit(mant);
      }
    }
    s = `${mant}e${e10 < 0 ? '-' : '+'}${String(Math.abs(e10)).padStart(2, '0')}`;
  }
  return neg ? `-${s}` : s;
}

// ---------------------------------------------------------------------------------------------

interface Ctx {
  values: ArrayLike<number | bigint>;
  shape: readonly number[];
  strides: number[];
  isFloat: boolean;
  isBool: boolean;
  round32: boolean;
  precision: number;
  edge: number;
  linewidth: number;
  summarize: boolean;
  // formatter state (torch's _Formatter)
  intMode: boolean;
  sciMode: boolean;
  maxWidth: number;
}

function floatAt(c: Ctx, i: number): number {
  const v = Number(c.values[i]);
  return c.round32 ? Math.fround(v) : v;
}

function elemString(c: Ctx, i: number): string {
  if (c.isFloat) {
    const v = floatAt(c, i);
    let r: string;
    if (c.sciMode) r = pyExp(v, c.precision);
    else if (c.intMode) {
      r = pyFixed(v, 0);
      if (Number.isFinite(v)) r += '.';
    } else r = pyFixed(v, c.precision);
    return r;
  }
  const v = c.values[i];
  if (c.isBool) return (typeof v === 'bigint' ? v !== 0n : Number(v) !== 0) ? 'True' : 'False';
  return typeof v === 'bigint' ? v.toString() : String(v);
}

function fmt(c: Ctx, i: number): string {
  const s = elemString(c, i);
  return s.length < c.maxWidth ? ' '.repeat(c.maxWidth - s.length) + s : s;
}

/** The positions shown along a dimension of size n (all of them, or edge…edge when summarised). */
function shownAlong(c: Ctx, n: number): number[] {
  const out: number[] = [];
  if (c.summarize && n > 2 * c.edge) {
    for (let i = 0; i < c.edge; i++) out.push(i);
    for (let i = n - c.edge; i < n; i++) out.push(i);
  } else for (let i = 0; i < n; i++) out.push(i);
  return out;
}

/** Calls f with the flat offset of every element that will be printed (torch's get_summarized_data). */
function forEachShown(c: Ctx, f: (offset: number) => void): void {
  const nd = c.shape.length;
  const along = c.shape.map((n) => shownAlong(c, n));
  const walk = (d: number, off: number): void => {
    if (d === nd) { f(off); return; }
    const st = c.strides[d];
    for (const i of along[d]) walk(d + 1, off + i * st);
  };
  walk(0, 0);
}

/** torch's _Formatter.__init__: decides int/sci mode and the common element width. */
function initFormatter(c: Ctx, sciOverride: boolean | undefined): void {
  c.intMode = true;
  c.sciMode = false;
  c.maxWidth = 1;
  if (!c.isFloat) {
    forEachShown(c, (i) => { c.maxWidth = Math.max(c.maxWidth, elemString(c, i).length); });
  } else {
    const vals: number[] = [];
    forEachShown(c, (i) => {
      const v = floatAt(c, i);
      if (v !== 0 && Number.isFinite(v)) vals.push(v);
    });
    // torch returns before applying a forced sci_mode when no value is finite and nonzero.
    if (vals.length === 0) return;
    {
      let mn = Infinity;
      let mx = 0;
      for (const v of vals) {
        const a = Math.abs(v);
        if (a < mn) mn = a;
        if (a > mx) mx = a;
        if (c.intMode && !Number.isInteger(v)) c.intMode = false;
      }
      const p = c.precision;
      let w = 1;
      if (c.intMode) {
        if (mx / mn > 1000 || mx > 1e8) {
          c.sciMode = true;
          for (const v of vals) w = Math.max(w, pyExp(v, p).length);
        } else for (const v of vals) w = Math.max(w, pyFixed(v, 0).length + 1);
      } else if (mx / mn > 1000 || mx > 1e8 || mn < 1e-4) {
        c.sciMode = true;
        for (const v of vals) w = Math.max(w, pyExp(v, p).length);
      } else for (const v of vals) w = Math.max(w, pyFixed(v, p).length);
      c.maxWidth = w;
    }
  }
  if (sciOverride !== undefined) c.sciMode = sciOverride;
}

function vectorStr(c: Ctx, off: number, d: number, indent: number): string {
  const n = c.shape[d];
  const st = c.strides[d];
  const perLine = Math.max(1, Math.floor((c.linewidth - indent) / (c.maxWidth + 2)));
  const data: string[] = [];
  if (c.summarize && n > 2 * c.edge) {
    for (let i = 0; i < c.edge; i++) data.push(fmt(c, off + i * st));
    data.push(' ...');
    for (let i = n - c.edge; i < n; i++) data.push(fmt(c, off + i * st));
  } else for (let i = 0; i < n; i++) data.push(fmt(c, off + i * st));
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(', '));
  return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
}

function tensorStr(c: Ctx, off: number, d: number, indent: number): string {
  const rem = c.shape.length - d;
  if (rem === 0) return fmt(c, off);
  if (rem === 1) return vectorStr(c, off, d, indent);
  const n = c.shape[d];
  const st = c.strides[d];
  const slices: string[] = [];
  if (c.summarize && n > 2 * c.edge) {
    for (let i = 0; i < c.edge; i++) slices.push(tensorStr(c, off + i * st, d + 1, indent + 1));
    slices.push('...');
    for (let i = n - c.edge; i < n; i++) slices.push(tensorStr(c, off + i * st, d + 1, indent + 1));
  } else for (let i = 0; i < n; i++) slices.push(tensorStr(c, off + i * st, d + 1, indent + 1));
  return `[${slices.join(`,${'\n'.repeat(rem - 1)}${' '.repeat(indent + 1)}`)}]`;
}

/** torch's _add_suffixes (including its line-length arithmetic). */
function addSuffixes(s: string, suffixes: readonly string[], indent: number, linewidth: number): string {
  const parts = [s];
  let last = s.length - s.lastIndexOf('\n') + 1;
  for (const suf of suffixes) {
    if (last + suf.length + 2 > linewidth) {
      parts.push(`,\n${' '.repeat(indent)}${suf}`);
      last = indent + suf.length;
    } else {
      parts.push(`, ${suf}`);
      last += suf.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

function pyTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/**
 * Prints a tensor exactly as PyTorch's `repr(tensor)` / `str(tensor)` does with the default print
 * options (precision 4, threshold 1000, edgeitems 3, linewidth 80, automatic scientific notation),
 * using nodetensor's dtype names in the suffix (`dtype=float64`, not `dtype=torch.float64`).
 *
 * The dtype is left out for `float32`, `int64` and `bool`, as PyTorch leaves out its defaults
 * (empty tensors show every dtype but `float32`, as PyTorch does). A device other than cpu adds
 * `device='…'`; `gradFn` adds `grad_fn=<…>`, otherwise `requiresGrad` adds `requires_grad=True`.
 * Tensors with more than `threshold` elements are summarised, and then only the printed elements
 * are read, so printing a very large tensor is fast.
 *
 * @param values - The elements in row-major order: numbers (float16/bfloat16 already widened;
 *   float32/float16/bfloat16 values are rounded to float32 first), int64 as a `BigInt64Array` or
 *   numbers, bool as 0/1 (e.g. a `Uint8Array`). At least `shape`'s product of them.
 * @param shape - The tensor's shape; `[]` for a 0-d tensor.
 * @param dtype - The tensor's dtype.
 * @param opts - Device / autograd suffixes and print options.
 * @returns The repr, e.g. `tensor([1.5000, 2.0000])`.
 * @throws RangeError if the shape or an option is invalid or `values` is too short; TypeError for an unknown dtype.
 *
 * @example
 * ```ts
 * import { formatTensor } from 'nodetensor';
 * console.log(formatTensor(new Float32Array([1, 2.5, -3]), [3], 'float32'));
 * // tensor([ 1.0000,  2.5000, -3.0000])
 * console.log(formatTensor([1, 2, 3, 4], [2, 2], 'float64', { requiresGrad: true }));
 * // tensor([[1., 2.],
 * //         [3., 4.]], dtype=float64, requires_grad=True)
 * console.log(formatTensor(new BigInt64Array([7n]), [], 'int64'));
 * // tensor(7)
 * ```
 */
export function formatTensor(
  values: ArrayLike<number | bigint>,
  shape: readonly number[],
  dtype: DType,
  opts: FormatOptions = {},
): string {
  if (!ALL_DTYPES.has(dtype)) throw new TypeError(`formatTensor: unknown dtype ${JSON.stringify(dtype)}`);
  let numel = 1;
  for (const n of shape) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`formatTensor: invalid shape [${shape.join(', ')}]`);
    numel *= n;
  }
  if (values.length < numel) {
    throw new RangeError(`formatTensor: ${values.length} values for shape [${shape.join(', ')}] (${numel} elements)`);
  }
  const precision = opts.precision ?? 4;
  const threshold = opts.threshold ?? 1000;
  const edge = opts.edgeitems ?? 3;
  const linewidth = opts.linewidth ?? 80;
  if (!Number.isInteger(precision) || precision < 0) throw new RangeError(`formatTensor: invalid precision ${precision}`);
  if (!Number.isInteger(edge) || edge < 1) throw new RangeError(`formatTensor: invalid edgeitems ${edge}`);
  if (Number.isNaN(threshold)) throw new RangeError('formatTensor: invalid threshold NaN');
  if (!Number.isFinite(linewidth)) throw new RangeError(`formatTensor: invalid linewidth ${linewidth}`);

  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];
  const device = opts.device;
  if (device !== undefined && device !== 'cpu' && !device.startsWith('cpu:')) suffixes.push(`device='${device}'`);

  let body: string;
  if (numel === 0) {
    if (shape.length !== 1) suffixes.push(`size=${pyTuple(shape)}`);
    if (dtype !== 'float32') suffixes.push(`dtype=${dtype}`);
    body = '[]';
  } else {
    if (!IMPLIED_DTYPES.has(dtype)) suffixes.push(`dtype=${dtype}`);
    const strides: number[] = new Array<number>(shape.length);
    let s = 1;
    for (let d = shape.length - 1; d >= 0; d--) { strides[d] = s; s *= shape[d]; }
    const c: Ctx = {
      values, shape, strides,
      isFloat: FLOAT_DTYPES.has(dtype),
      isBool: dtype === 'bool',
      round32: dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16',
      precision, edge, linewidth,
      summarize: numel > threshold,
      intMode: true, sciMode: false, maxWidth: 1,
    };
    initFormatter(c, opts.sciMode);
    body = tensorStr(c, 0, 0, indent);
  }
  if (opts.gradFn !== undefined) suffixes.push(`grad_fn=<${opts.gradFn}>`);
  else if (opts.requiresGrad) suffixes.push('requires_grad=True');
  return addSuffixes(prefix + body, suffixes, indent, linewidth);
}
