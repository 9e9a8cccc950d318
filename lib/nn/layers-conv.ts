// layers-conv.ts — Conv1d, Conv2d (stride, padding incl. 'same'/'valid', dilation, groups, bias,
// paddingMode) and the 2-D pooling layers, with PyTorch's initialisation and reprs.
// Not here: the im2col arithmetic (functional-conv.ts).
import { empty } from '../ops/creation';
import { Tensor } from '../tensor';
import { checkInt, ntuple, py } from './_util';
import * as F from './functional-conv';
import * as init from './init';
import type { FactoryOptions } from './layers-basic';
import { Module } from './module';
import { Parameter, paramFrom } from './parameter';

/** Options of Conv1d/Conv2d (PyTorch's defaults: stride 1, padding 0, dilation 1, groups 1, bias, 'zeros'). @example new nt.nn.Conv2d(3, 8, 3, { padding: 'same', paddingMode: 'reflect', bias: false }) */
export interface ConvLayerOptions extends FactoryOptions {
  stride?: number | number[]; padding?: number | number[] | 'same' | 'valid'; dilation?: number | number[]; groups?: number;
  bias?: boolean; paddingMode?: 'zeros' | 'reflect' | 'replicate' | 'circular';
}

/** @internal shared by Conv1d and Conv2d. */
abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | 'same' | 'valid';
  readonly dilation: number[];
  readonly groups: number;
  readonly paddingMode: 'zeros' | 'reflect' | 'replicate' | 'circular';
  weight: Parameter;
  bias: Parameter | null;
  /** @internal (left, right) padding per spatial dim */ readonly _padLo: number[];
  /** @internal */ readonly _padHi: number[];
  constructor(nd: 1 | 2, inChannels: number, outChannels: number, kernelSize: number | number[], opts?: ConvLayerOptions) {
    super();
    const name = this._getName();
    this.inChannels = checkInt(inChannels, name, 'inChannels');
    this.outChannels = checkInt(outChannels, name, 'outChannels');
    this.groups = checkInt(opts?.groups ?? 1, name, 'groups');
    if (inChannels % this.groups !== 0) throw new RangeError(`${name}: inChannels (${inChannels}) must be divisible by groups (${this.groups})`);
    if (outChannels % this.groups !== 0) throw new RangeError(`${name}: outChannels (${outChannels}) must be divisible by groups (${this.groups})`);
    this.kernelSize = ntuple(kernelSize, nd, name, 'kernelSize', 1);
    this.stride = ntuple(opts?.stride ?? 1, nd, name, 'stride', 1);
    this.dilation = ntuple(opts?.dilation ?? 1, nd, name, 'dilation', 1);
    const p = opts?.padding ?? 0;
    if (p === 'same' || p === 'valid') {
      if (p === 'same' && this.stride.some((s) => s !== 1)) throw new RangeError(`${name}: padding='same' is not supported for strided convolutions`);
      this.padding = p;
    } else if (typeof p === 'string') throw new TypeError(`${name}: invalid padding string ${JSON.stringify(p)}, should be one of 'valid', 'same'`);
    else this.padding = ntuple(p, nd, name, 'padding', 0);
    const mode = opts?.paddingMode ?? 'zeros';
    if (!['zeros', 'reflect', 'replicate', 'circular'].includes(mode)) throw new TypeError(`${name}: paddingMode must be one of 'zeros', 'reflect', 'replicate', 'circular', got ${JSON.stringify(mode)}`);
    this.paddingMode = mode;
    if (this.padding === 'same') {
      const tot = this.kernelSize.map((k, i) => this.dilation[i] * (k - 1));
      this._padLo = tot.map((t) => Math.floor(t / 2)); this._padHi = tot.map((t, i) => t - this._padLo[i]);
    } else {
      this._padLo = this.padding === 'valid' ? new Array(nd).fill(0) : this.padding.slice(); this._padHi = this._padLo;
    }
    const o = { device: opts?.device, dtype: opts?.dtype };
    this.weight = paramFrom(empty([outChannels, inChannels / this.groups, ...this.kernelSize], o));
    this.bias = opts?.bias ?? true ? paramFrom(empty([outChannels], o)) : null;
    this.resetParameters();
  }
  /** PyTorch's default: kaiming_uniform (a = √5) weight, bias U(-1/√fan_in, 1/√fan_in). @example conv.resetParameters() */
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }
  /** @internal */
  _conv(input: Tensor, nd: 1 | 2): Tensor {
    const opts = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode !== 'zeros') return F.convWithMode(input, this.weight, this.bias, opts, this.paddingMode, this._padLo, this._padHi, nd);
    const fn = nd === 1 ? F.conv1d : F.conv2d;
    return fn(input, this.weight, this.bias, { ...opts, padding: this.padding });
  }
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}`;
    if (typeof this.padding === 'string' || this.padding.some((p) => p !== 0)) s += `, padding=${py(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${py(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/**
 * 1-D convolution over `[N, C, L]` (or `[C, L]`) input.
 * @example
 * const conv = new nt.nn.Conv1d(16, 32, 3, { padding: 1 });
 * conv.forward(nt.randn([4, 16, 50])).shape; // [4, 32, 50]
 */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], opts?: ConvLayerOptions) { super(1, inChannels, outChannels, kernelSize, opts); }
  override forward(input: Tensor): Tensor { return this._conv(input, 1); }
}

/**
 * 2-D convolution over `[N, C, H, W]` (or `[C, H, W]`) input.
 * @example
 * const conv = new nt.nn.Conv2d(3, 16, 3, { stride: 2, padding: 1 });
 * conv.forward(nt.randn([8, 3, 32, 32])).shape; // [8, 16, 16, 16]
 * String(conv); // 'Conv2d(3, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))'
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], opts?: ConvLayerOptions) { super(2, inChannels, outChannels, kernelSize, opts); }
  override forward(input: Tensor): Tensor { return this._conv(input, 2); }
}

/**
 * 2-D max pooling (`stride` defaults to the kernel size).
 * @example
 * const pool = new nt.nn.MaxPool2d(2);
 * pool.forward(nt.randn([1, 3, 8, 8])).shape; // [1, 3, 4, 4]
 */
export class MaxPool2d extends Module {
  readonly stride: number | number[];
  constructor(readonly kernelSize: number | number[], opts?: { stride?: number | number[] | null; padding?: number | number[]; dilation?: number | number[]; ceilMode?: boolean; returnIndices?: boolean }) {
    super();
    this.stride = opts?.stride ?? kernelSize;
    this.padding = opts?.padding ?? 0;
    this.dilation = opts?.dilation ?? 1;
    this.ceilMode = opts?.ceilMode ?? false;
    this.returnIndices = opts?.returnIndices ?? false;
  }
  readonly padding: number | number[];
  readonly dilation: number | number[];
  readonly ceilMode: boolean;
  /** With returnIndices, forward returns `[output, indices]`. */
  readonly returnIndices: boolean;
  override forward(input: Tensor): Tensor {
    const o = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
    if (this.returnIndices) return F.maxPool2d(input, this.kernelSize, { ...o, returnIndices: true }) as unknown as Tensor;
    return F.maxPool2d(input, this.kernelSize, o);
  }
  override extraRepr(): string {
    return `kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}, padding=${py(this.padding)}, dilation=${py(this.dilation)}, ceil_mode=${py(this.ceilMode)}`;
  }
}

/**
 * 2-D average pooling (`stride` defaults to the kernel size; zero padding counted unless
 * `countIncludePad: false`).
 * @example
 * const pool = new nt.nn.AvgPool2d(2);
 * pool.forward(nt.randn([1, 3, 8, 8])).shape; // [1, 3, 4, 4]
 */
export class AvgPool2d extends Module {
  readonly stride: number | number[];
  readonly padding: number | number[];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  constructor(readonly kernelSize: number | number[], opts?: { stride?: number | number[] | null; padding?: number | number[]; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }) {
    super();
    this.stride = opts?.stride ?? kernelSize;
    this.padding = opts?.padding ?? 0;
    this.ceilMode = opts?.ceilMode ?? false;
    this.countIncludePad = opts?.countIncludePad ?? true;
    this.divisorOverride = opts?.divisorOverride ?? null;
  }
  override forward(input: Tensor): Tensor {
    return F.avgPool2d(input, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride });
  }
  override extraRepr(): string { return `kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}, padding=${py(this.padding)}`; }
}
