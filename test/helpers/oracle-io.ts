// oracle-io.ts — what the PyTorch parity tests (test/parity/ops.test.ts, test/nn/nn-torch.test.ts)
// share: seeded inputs both sides build from the same bytes, and the tensor wire format of the
// oracles, whose Python half is test/helpers/oracle_io.py. Not here: cases, running the oracles,
// tolerances or comparisons (each test's own).
import * as nt from '../../lib';

export type InDType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'bool';
export type HostArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
/** An input both sides build from the same bytes; `cast` is applied after (by each library). */
export interface Input { dtype: InDType; shape: number[]; data: HostArray; cast?: nt.DType }

/** A tensor on the wire: raw little-endian bytes in base64 (bool one byte per element). */
export interface Spec { dtype: string; shape: number[]; b64: string; cast?: string }

export const numel = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/** The spec of host data (`cast` goes along for the oracle to apply). */
export function toSpec(dtype: string, shape: number[], data: ArrayBufferView, cast?: string): Spec {
  return { dtype, shape, b64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'), ...(cast ? { cast } : {}) };
}

/** A spec's values; float16/bfloat16 arrive widened to float32, bool and uint8 as bytes. */
export function fromSpec(s: Spec): HostArray {
  const b = Buffer.from(s.b64, 'base64');
  const buf = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  switch (s.dtype) {
    case 'float32': case 'float16': case 'bfloat16': return new Float32Array(buf);
    case 'float64': return new Float64Array(buf);
    case 'int32': return new Int32Array(buf);
    case 'int64': return new BigInt64Array(buf);
    default: return new Uint8Array(buf);
  }
}

/** The nodetensor tensor of an input (cast like the oracle casts it). */
export function inputTensor(x: Input): nt.Tensor {
  const t = nt.tensor(x.data, { shape: x.shape, dtype: x.dtype });
  if (!x.cast) return t;
  const c = t.to(x.cast);
  t.dispose();
  return c;
}

/** Input makers drawing from one seeded sequence: each input gets a fresh mulberry32 stream. */
export interface SeededInputs {
  /** Standard normal values (Box-Muller) times `scale`, float32. */
  randn(shape: number[], scale?: number): Input;
  /** Uniform in [lo, hi), float32. */
  unif(shape: number[], lo: number, hi: number): Input;
  /** Uniform integers in [lo, hi). */
  ints(shape: number[], lo: number, hi: number, dtype?: 'int64' | 'int32' | 'uint8'): Input;
  /** Each element true with probability p. */
  bools(shape: number[], p?: number): Input;
  /** Given values (length must match the shape). */
  vals(v: number[], shape?: number[], dtype?: InDType): Input;
  /** A fresh random stream in [0, 1) (for inputs of a test's own kind). */
  stream(): () => number;
}

/**
 * A new seeded sequence of inputs: the same calls in the same order give the same bytes, so a test
 * file's cases (and the oracle's copies of them) never change unless the cases do.
 * @example
 * const { randn, ints } = seededInputs();
 * const x = randn([3, 4]), idx = ints([5], 0, 3);
 */
export function seededInputs(): SeededInputs {
  let seedCounter = 1;
  const stream = (): (() => number) => {  // mulberry32, a fresh stream per input
    let a = (seedCounter++ * 0x9e3779b1) | 0;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  };
  const vals = (v: number[], shape: number[] = [v.length], dtype: InDType = 'float32'): Input => {
    const data = dtype === 'float32' ? Float32Array.from(v) : dtype === 'float64' ? Float64Array.from(v)
      : dtype === 'int32' ? Int32Array.from(v) : dtype === 'int64' ? BigInt64Array.from(v.map((x) => BigInt(x)))
        : Uint8Array.from(v.map((x) => (dtype === 'bool' ? (x ? 1 : 0) : x)));
    if (data.length !== numel(shape)) throw new Error(`vals: ${data.length} values for shape [${shape}]`);
    return { dtype, shape, data };
  };
  return {
    stream,
    vals,
    randn(shape, scale = 1) {
      const r = stream(), d = new Float32Array(numel(shape));
      for (let i = 0; i < d.length; i++) d[i] = scale * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
      return { dtype: 'float32', shape, data: d };
    },
    unif(shape, lo, hi) {
      const r = stream(), d = new Float32Array(numel(shape));
      for (let i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * r();
      return { dtype: 'float32', shape, data: d };
    },
    ints(shape, lo, hi, dtype = 'int64') {
      const r = stream();
      return vals(Array.from({ length: numel(shape) }, () => lo + Math.floor((hi - lo) * r())), shape, dtype);
    },
    bools(shape, p = 0.5) {
      const r = stream();
      return { dtype: 'bool', shape, data: Uint8Array.from({ length: numel(shape) }, () => (r() < p ? 1 : 0)) };
    },
  };
}
