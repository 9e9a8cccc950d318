// layers-norm.ts — normalisation layers: LayerNorm, RMSNorm, BatchNorm1d/2d (running statistics as
// buffers named running_mean / running_var / num_batches_tracked in the state dict, as PyTorch).
// Not here: the arithmetic (functional-norm.ts).
import { noGrad } from '../autograd';
import { empty, ones, zeros } from '../ops/creation';
import { Tensor } from '../tensor';
import { checkInt, checkTensor, fmtShape, py } from './_util';
import * as F from './functional-norm';
import * as init from './init';
import type { FactoryOptions } from './layers-basic';
import { Module } from './module';
import { Parameter, paramFrom } from './parameter';

function shapeOf(ns: number | number[], op: string): number[] {
  const s = typeof ns === 'number' ? [ns] : ns;
  if (!Array.isArray(s) || s.length === 0) throw new RangeError(`${op}: normalizedShape must be a positive integer or a non-empty list of them, got ${JSON.stringify(ns)}`);
  s.forEach((v) => checkInt(v, op, 'normalizedShape', 1));
  return s.slice();
}

/**
 * Layer normalisation over the trailing `normalizedShape` dims, with a learnable per-element weight
 * (ones) and bias (zeros) when `elementwiseAffine` (default).
 * @example
 * const ln = new nt.nn.LayerNorm(64);
 * ln.forward(nt.randn([8, 10, 64])).shape; // [8, 10, 64]
 * String(ln); // 'LayerNorm((64,), eps=1e-05, elementwise_affine=True)'
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  constructor(normalizedShape: number | number[], opts?: FactoryOptions & { eps?: number; elementwiseAffine?: boolean; bias?: boolean }) {
    super();
    this.normalizedShape = shapeOf(normalizedShape, 'LayerNorm');
    this.eps = opts?.eps ?? 1e-5;
    this.elementwiseAffine = opts?.elementwiseAffine ?? true;
    const o = { device: opts?.device, dtype: opts?.dtype };
    this.weight = this.elementwiseAffine ? paramFrom(ones(this.normalizedShape, o)) : null;
    this.bias = this.elementwiseAffine && (opts?.bias ?? true) ? paramFrom(zeros(this.normalizedShape, o)) : null;
  }
  /** Weight to ones, bias to zeros. @example ln.resetParameters() */
  resetParameters(): void { if (this.weight) init.ones_(this.weight); if (this.bias) init.zeros_(this.bias); }
  override forward(input: Tensor): Tensor { return F.layerNorm(input, this.normalizedShape, this.weight, this.bias, this.eps, 'LayerNorm'); }
  override extraRepr(): string { return `${py(this.normalizedShape)}, eps=${py(this.eps, true)}, elementwise_affine=${py(this.elementwiseAffine)}`; }
}

/**
 * RMS normalisation (PyTorch 2.4's nn.RMSNorm): `x / sqrt(mean(x²) + eps) * weight` over the trailing
 * dims; `eps` defaults to the dtype's machine epsilon.
 * @example
 * const n = new nt.nn.RMSNorm(64);
 * n.forward(nt.randn([2, 64])).shape; // [2, 64]
 */
export class RMSNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number | null;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  constructor(normalizedShape: number | number[], opts?: FactoryOptions & { eps?: number | null; elementwiseAffine?: boolean }) {
    super();
    this.normalizedShape = shapeOf(normalizedShape, 'RMSNorm');
    this.eps = opts?.eps ?? null;
    this.elementwiseAffine = opts?.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? paramFrom(ones(this.normalizedShape, { device: opts?.device, dtype: opts?.dtype })) : null;
  }
  /** Weight to ones. @example n.resetParameters() */
  resetParameters(): void { if (this.weight) init.ones_(this.weight); }
  override forward(input: Tensor): Tensor { return F.rmsNorm(input, this.normalizedShape, this.weight, this.eps, 'RMSNorm'); }
  override extraRepr(): string { return `${py(this.normalizedShape)}, eps=${this.eps === null ? 'None' : py(this.eps, true)}, elementwise_affine=${py(this.elementwiseAffine)}`; }
}

/** Options of BatchNorm1d/2d (PyTorch's defaults: eps 1e-5, momentum 0.1; null momentum = cumulative average). @example new nt.nn.BatchNorm1d(16, { momentum: null, affine: false }) */
export interface BatchNormOptions extends FactoryOptions { eps?: number; momentum?: number | null; affine?: boolean; trackRunningStats?: boolean }

/** @internal shared by BatchNorm1d and BatchNorm2d. */
abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  runningMean: Tensor | null;
  runningVar: Tensor | null;
  numBatchesTracked: Tensor | null;
  constructor(numFeatures: number, opts?: BatchNormOptions) {
    super();
    const name = this._getName();
    this.numFeatures = checkInt(numFeatures, name, 'numFeatures', 1);
    this.eps = opts?.eps ?? 1e-5;
    this.momentum = opts?.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts?.affine ?? true;
    this.trackRunningStats = opts?.trackRunningStats ?? true;
    const o = { device: opts?.device, dtype: opts?.dtype };
    this.weight = this.affine ? paramFrom(empty([numFeatures], o)) : null;
    this.bias = this.affine ? paramFrom(empty([numFeatures], o)) : null;
    const track = this.trackRunningStats;
    this.runningMean = this.registerBuffer('runningMean', track ? zeros([numFeatures], o) : null);
    this.runningVar = this.registerBuffer('runningVar', track ? ones([numFeatures], o) : null);
    this.numBatchesTracked = this.registerBuffer('numBatchesTracked', track ? zeros([], { dtype: 'int64', device: o.device }) : null);
    this._stateKey('runningMean', 'running_mean');
    this._stateKey('runningVar', 'running_var');
    this._stateKey('numBatchesTracked', 'num_batches_tracked');
    this.resetParameters();
  }
  /** Zeroes the running statistics (variance to ones) and the batch counter. @example bn.resetRunningStats() */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_(); this.runningVar?.fill_(1); this.numBatchesTracked?.zero_();
    });
  }
  /** Running statistics reset; weight to ones, bias to zeros. @example bn.resetParameters() */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }
  /** @internal */
  abstract _checkInput(input: Tensor): void;
  override forward(input: Tensor): Tensor {
    const name = this._getName();
    checkTensor(input, name);
    this._checkInput(input);
    if (input.shape[1] !== this.numFeatures) throw new RangeError(`${name}: expected input with ${this.numFeatures} channels (dimension 1), got shape ${fmtShape(input.shape)}`);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked) {
      const nbt = this.numBatchesTracked;
      noGrad(() => nbt.add_(1));
      if (this.momentum === null) factor = 1 / nbt.item();
    }
    const useBatch = this.training || (this.runningMean === null && this.runningVar === null);
    const passStats = !this.training || this.trackRunningStats;
    return F.batchNorm(input, passStats ? this.runningMean : null, passStats ? this.runningVar : null, this.weight, this.bias, useBatch, factor, this.eps, name);
  }
  override extraRepr(): string {
    return `${this.numFeatures}, eps=${py(this.eps, true)}, momentum=${this.momentum === null ? 'None' : py(this.momentum, true)}, affine=${py(this.affine)}, track_running_stats=${py(this.trackRunningStats)}`;
  }
}

/**
 * Batch normalisation over `[N, C]` or `[N, C, L]` input: batch statistics while training (updating
 * the running ones), running statistics in eval mode.
 * @example
 * const bn = new nt.nn.BatchNorm1d(16);
 * bn.forward(nt.randn([32, 16])).shape; // [32, 16]; bn.runningMean moved toward the batch mean
 */
export class BatchNorm1d extends BatchNormBase {
  override _checkInput(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) throw new RangeError(`BatchNorm1d: expected 2D or 3D input (got ${input.ndim}D input of shape ${fmtShape(input.shape)})`);
  }
}

/**
 * Batch normalisation over `[N, C, H, W]` input (per channel).
 * @example
 * const bn = new nt.nn.BatchNorm2d(8);
 * bn.eval();
 * bn.forward(nt.randn([2, 8, 5, 5])).shape; // [2, 8, 5, 5], using the running statistics
 */
export class BatchNorm2d extends BatchNormBase {
  override _checkInput(input: Tensor): void {
    if (input.ndim !== 4) throw new RangeError(`BatchNorm2d: expected 4D input (got ${input.ndim}D input of shape ${fmtShape(input.shape)})`);
  }
}
