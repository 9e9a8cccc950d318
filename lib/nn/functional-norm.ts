// functional-norm.ts — normalisation as composites of tensor ops: layerNorm, rmsNorm, batchNorm
// (with the in-place running-statistics update BatchNorm modules use). Not here: the modules that own
// the weights and buffers (layers-norm.ts).
import { noGrad } from '../autograd';
import { tidy } from '../memory';
import { Tensor } from '../tensor';
import { checkFloat, checkTensor, fmtShape } from './_util';

const FINFO_EPS: Record<string, number> = { float32: 1.1920928955078125e-7, float64: 2.220446049250313e-16, float16: 0.0009765625, bfloat16: 0.0078125 };

/** @internal checks that input's trailing dims equal normalizedShape; returns the dims to reduce. */
function trailingDims(input: Tensor, normalizedShape: number | number[], op: string): number[] {
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  const k = ns.length, n = input.ndim;
  if (k === 0) throw new RangeError(`${op}: normalizedShape must have at least one dimension`);
  if (n < k || ns.some((s, i) => input.shape[n - k + i] !== s)) {
    throw new RangeError(`${op}: expected input with trailing shape ${fmtShape(ns)}, got shape ${fmtShape(input.shape)}`);
  }
  return Array.from({ length: k }, (_, i) => n - k + i);
}

function checkAffine(t: Tensor | null | undefined, ns: number | number[], op: string, what: string): void {
  if (!t) return;
  checkTensor(t, op, what);
  const want = typeof ns === 'number' ? [ns] : ns;
  if (t.ndim !== want.length || t.shape.some((s, i) => s !== want[i])) throw new RangeError(`${op}: expected ${what} of shape ${fmtShape(want)}, got ${fmtShape(t.shape)}`);
}

/**
 * Layer normalisation over the trailing `normalizedShape` dims: `(x - mean) / sqrt(var + eps) * weight + bias`
 * (biased variance, as in PyTorch).
 * @example
 * const y = nt.nn.functional.layerNorm(nt.randn([2, 5]), [5]); // each row: mean 0, variance ≈ 1
 */
export function layerNorm(input: Tensor, normalizedShape: number | number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5, op = 'layerNorm'): Tensor {
  checkTensor(input, op); checkFloat(input, op);
  const dims = trailingDims(input, normalizedShape, op);
  checkAffine(weight, normalizedShape, op, 'weight'); checkAffine(bias, normalizedShape, op, 'bias');
  return tidy(() => {
    const xc = input.sub(input.mean(dims, true));
    let y = xc.mul(xc.square().mean(dims, true).add(eps).rsqrt());
    if (weight) y = y.mul(weight);
    if (bias) y = y.add(bias);
    return y;
  });
}

/**
 * RMS normalisation (PyTorch 2.4's F.rms_norm): `x / sqrt(mean(x²) + eps) * weight` over the trailing
 * dims; `eps` defaults to the dtype's machine epsilon.
 * @example
 * const y = nt.nn.functional.rmsNorm(nt.randn([2, 8]), [8]); // each row: mean square ≈ 1
 */
export function rmsNorm(input: Tensor, normalizedShape: number | number[], weight?: Tensor | null, eps?: number | null, op = 'rmsNorm'): Tensor {
  checkTensor(input, op); checkFloat(input, op);
  const dims = trailingDims(input, normalizedShape, op);
  checkAffine(weight, normalizedShape, op, 'weight');
  const e = eps ?? FINFO_EPS[input.dtype];
  return tidy(() => {
    const y = input.mul(input.square().mean(dims, true).add(e).rsqrt());
    return weight ? y.mul(weight) : y;
  });
}

/**
 * Batch normalisation over dim 1 (channels) of `[N, C, ...]` input. With `training`, normalises with
 * the batch's statistics and, when given, updates `runningMean`/`runningVar` in place
 * (`running = (1 - momentum) * running + momentum * batch`, unbiased variance); otherwise uses them.
 * @example
 * const rm = nt.zeros([3]), rv = nt.ones([3]);
 * const y = nt.nn.functional.batchNorm(nt.randn([8, 3]), rm, rv, null, null, true); // rm, rv updated
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null, bias?: Tensor | null,
  training = false, momentum = 0.1, eps = 1e-5, op = 'batchNorm'): Tensor {
  checkTensor(input, op); checkFloat(input, op);
  if (input.ndim < 2) throw new RangeError(`${op}: expected input with at least 2 dimensions [N, C, ...], got shape ${fmtShape(input.shape)}`);
  const C = input.shape[1];
  for (const [t, what] of [[runningMean, 'runningMean'], [runningVar, 'runningVar'], [weight, 'weight'], [bias, 'bias']] as const) {
    if (t && (t.ndim !== 1 || t.shape[0] !== C)) throw new RangeError(`${op}: expected ${what} of shape [${C}] (the input's channels), got ${fmtShape(t.shape)}`);
  }
  const dims = [0, ...Array.from({ length: input.ndim - 2 }, (_, i) => i + 2)];
  const bshape = input.shape.map((s, i) => (i === 1 ? C : 1));
  if (!training && (!runningMean || !runningVar)) throw new Error(`${op}: runningMean and runningVar are required when not training`);
  const n = input.numel / Math.max(C, 1);
  if (training && n <= 1) throw new RangeError(`${op}: expected more than 1 value per channel when training, got input of shape ${fmtShape(input.shape)}`);
  return tidy(() => {
    let y: Tensor;
    if (training) {
      const mean = input.mean(dims, true);
      const xc = input.sub(mean);
      const v = xc.square().mean(dims, true);
      y = xc.mul(v.add(eps).rsqrt());
      noGrad(() => {
        if (runningMean) runningMean.mul_(1 - momentum).add_(mean.reshape([C]).to(runningMean.dtype), { alpha: momentum });
        if (runningVar) runningVar.mul_(1 - momentum).add_(v.reshape([C]).mul(n / (n - 1)).to(runningVar.dtype), { alpha: momentum });
      });
    } else {
      y = input.sub(runningMean!.reshape(bshape)).mul(runningVar!.reshape(bshape).add(eps).rsqrt());
    }
    if (weight) y = y.mul(weight.reshape(bshape));
    if (bias) y = y.add(bias.reshape(bshape));
    return y;
  });
}
