// init.ts — nn.init: in-place initialisers with PyTorch's names (camelCase) and formulas (fans, gains).
// Each runs without recording gradients and fills the tensor through copy_, so parameters stay the
// same objects. Random numbers come from nodetensor's generator (nt.manualSeed), not PyTorch's.
// Not here: which layer uses which initialiser (the layers' constructors).
import { noGrad } from '../autograd';
import { DType } from '../dtype';
import { normal, rand, tensor, uniform } from '../ops/creation';
import { Tensor } from '../tensor';
import { checkTensor, fmtShape, isFloat } from './_util';

/** Nonlinearities known to calculateGain. @example const n: nt.nn.init.Nonlinearity = 'leaky_relu'; */
export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/**
 * The recommended gain for a nonlinearity (PyTorch's table): 1 for linear/conv/sigmoid, 5/3 for tanh,
 * √2 for relu, √(2 / (1 + slope²)) for leaky_relu (slope `param`, default 0.01), 3/4 for selu.
 * @example nt.nn.init.calculateGain('relu') // 1.4142135623730951
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': {
      const s = param ?? 0.01;
      if (typeof s !== 'number' || !Number.isFinite(s)) throw new TypeError(`calculateGain: negative slope ${String(param)} is not a valid number`);
      return Math.sqrt(2 / (1 + s * s));
    }
    case 'selu': return 3 / 4;
    default: throw new RangeError(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/** @internal fan_in and fan_out as PyTorch computes them (dim 1 × receptive field, dim 0 × receptive field). */
export function calculateFanInAndFanOut(t: Tensor, op = 'calculateFanInAndFanOut'): [number, number] {
  if (t.ndim < 2) throw new RangeError(`${op}: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape ${fmtShape(t.shape)})`);
  const rf = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * rf, t.shape[0] * rf];
}

function target(t: Tensor, op: string): void {
  checkTensor(t, op, 'tensor');
  if (!isFloat(t.dtype)) throw new TypeError(`${op}: expected a floating-point tensor, got ${t.dtype}`);
}
function genDtype(t: Tensor): DType { return t.dtype === 'float64' ? 'float64' : 'float32'; }
function fillFrom(t: Tensor, make: () => Tensor): Tensor {
  if (t.numel === 0) return t;
  noGrad(() => { const r = make(); t.copy_(r); r.dispose(); });
  return t;
}

/** Fills with U(a, b). @example nt.nn.init.uniform_(nt.empty([3, 4]), -0.1, 0.1) */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  target(t, 'uniform_');
  return fillFrom(t, () => uniform(t.shape, a, b, { dtype: genDtype(t), device: t.device }));
}
/** Fills with N(mean, std²). @example nt.nn.init.normal_(nt.empty([3, 4]), 0, 0.02) */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  target(t, 'normal_');
  return fillFrom(t, () => normal(t.shape, mean, std, { dtype: genDtype(t), device: t.device }));
}
/** Fills with a value. @example nt.nn.init.constant_(nt.empty([3]), 0.5) */
export function constant_(t: Tensor, val: number): Tensor {
  checkTensor(t, 'constant_', 'tensor');
  noGrad(() => t.fill_(val));
  return t;
}
/** Fills with 0. @example nt.nn.init.zeros_(nt.empty([3])) */
export function zeros_(t: Tensor): Tensor { return constant_(t, 0); }
/** Fills with 1. @example nt.nn.init.ones_(nt.empty([3])) */
export function ones_(t: Tensor): Tensor { return constant_(t, 1); }

/**
 * Glorot uniform: U(-a, a) with a = gain·√(6 / (fan_in + fan_out)).
 * @example nt.nn.init.xavierUniform_(nt.empty([64, 32]))
 */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  target(t, 'xavierUniform_');
  const [fi, fo] = calculateFanInAndFanOut(t, 'xavierUniform_');
  const a = Math.sqrt(3) * gain * Math.sqrt(2 / (fi + fo));
  return uniform_(t, -a, a);
}
/**
 * Glorot normal: N(0, std²) with std = gain·√(2 / (fan_in + fan_out)).
 * @example nt.nn.init.xavierNormal_(nt.empty([64, 32]))
 */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  target(t, 'xavierNormal_');
  const [fi, fo] = calculateFanInAndFanOut(t, 'xavierNormal_');
  return normal_(t, 0, gain * Math.sqrt(2 / (fi + fo)));
}

/** Options of the Kaiming initialisers (PyTorch's `a`, `mode`, `nonlinearity`). @example nt.nn.init.kaimingUniform_(w, { a: Math.sqrt(5), mode: 'fan_in', nonlinearity: 'leaky_relu' }) */
export interface KaimingOptions { a?: number; mode?: 'fan_in' | 'fan_out'; nonlinearity?: Nonlinearity }
function kaimingStd(t: Tensor, o: KaimingOptions | undefined, op: string): number {
  const mode = o?.mode ?? 'fan_in';
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new RangeError(`${op}: mode must be 'fan_in' or 'fan_out', got ${JSON.stringify(mode)}`);
  const [fi, fo] = calculateFanInAndFanOut(t, op);
  return calculateGain(o?.nonlinearity ?? 'leaky_relu', o?.a ?? 0) / Math.sqrt(mode === 'fan_in' ? fi : fo);
}
/**
 * He uniform: U(-b, b) with b = gain·√(3 / fan). `nn.Linear` and `nn.Conv*` use `{ a: √5 }`,
 * which gives b = 1/√fan_in.
 * @example nt.nn.init.kaimingUniform_(nt.empty([128, 64]), { nonlinearity: 'relu' })
 */
export function kaimingUniform_(t: Tensor, opts?: KaimingOptions): Tensor {
  target(t, 'kaimingUniform_');
  if (t.numel === 0) return t;
  const b = Math.sqrt(3) * kaimingStd(t, opts, 'kaimingUniform_');
  return uniform_(t, -b, b);
}
/** He normal: N(0, std²) with std = gain / √fan. @example nt.nn.init.kaimingNormal_(nt.empty([128, 64]), { mode: 'fan_out', nonlinearity: 'relu' }) */
export function kaimingNormal_(t: Tensor, opts?: KaimingOptions): Tensor {
  target(t, 'kaimingNormal_');
  if (t.numel === 0) return t;
  return normal_(t, 0, kaimingStd(t, opts, 'kaimingNormal_'));
}

// Standard normal CDF (erf via Abramowitz & Stegun 7.1.26-grade rational form, |err| < 1.5e-7) and
// quantile (Acklam's rational approximation, relative error < 1.2e-9): enough for initialisation.
function normCdf(x: number): number {
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  const z = Math.abs(x) / Math.SQRT2, t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return 0.5 * (1 + (x >= 0 ? erf : -erf));
}
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.383577518672690e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const Cc = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
function normPpf(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  if (p < 0.02425) { const q = Math.sqrt(-2 * Math.log(p)); return (((((Cc[0] * q + Cc[1]) * q + Cc[2]) * q + Cc[3]) * q + Cc[4]) * q + Cc[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1); }
  if (p > 1 - 0.02425) return -normPpf(1 - p);
  const q = p - 0.5, r = q * q;
  return (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
}

/**
 * Fills with a normal N(mean, std²) truncated to [a, b] (absolute bounds, as PyTorch), by inverse-CDF
 * sampling of uniform draws (computed on the host).
 * @example nt.nn.init.truncNormal_(nt.empty([768, 768]), { std: 0.02, a: -0.04, b: 0.04 })
 */
export function truncNormal_(t: Tensor, opts?: { mean?: number; std?: number; a?: number; b?: number }): Tensor {
  target(t, 'truncNormal_');
  const mean = opts?.mean ?? 0, std = opts?.std ?? 1, a = opts?.a ?? -2, b = opts?.b ?? 2;
  if (!(std > 0)) throw new RangeError(`truncNormal_: std must be positive, got ${std}`);
  if (!(a < b)) throw new RangeError(`truncNormal_: expected a < b, got a=${a}, b=${b}`);
  if (t.numel === 0) return t;
  const lo = normCdf((a - mean) / std), hi = normCdf((b - mean) / std);
  return fillFrom(t, () => {
    const u = rand(t.numel, { dtype: 'float64' });
    const d = u.dataSync() as Float64Array;
    u.dispose();
    for (let i = 0; i < d.length; i++) d[i] = Math.min(Math.max(mean + std * normPpf(lo + (hi - lo) * d[i]), a), b);
    return tensor(d, { shape: t.shape, dtype: genDtype(t), device: t.device });
  });
}
/** PyTorch's spelling of {@link truncNormal_}. @example nt.nn.init.trunc_normal_(nt.empty([16]), { std: 0.02 }) */
export const trunc_normal_ = truncNormal_;
