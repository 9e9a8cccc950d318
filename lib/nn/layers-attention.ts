// layers-attention.ts — nn.MultiheadAttention with PyTorch 1.13's parameters, initialisation and
// state-dict names (in_proj_weight, in_proj_bias or q/k/v_proj_weight, bias_k, bias_v, out_proj.*).
// Not here: the computation (functional-attention.ts).
import { empty } from '../ops/creation';
import { Tensor } from '../tensor';
import { checkInt, checkTensor } from './_util';
import { multiHeadAttentionForward } from './functional-attention';
import * as init from './init';
import { FactoryOptions, NonDynamicallyQuantizableLinear } from './layers-basic';
import { Module } from './module';
import { Parameter, paramFrom } from './parameter';

/** Options of MultiheadAttention (PyTorch's, camelCase). @example new nt.nn.MultiheadAttention(64, 8, { dropout: 0.1, batchFirst: true, kdim: 32, vdim: 32 }) */
export interface MultiheadAttentionOptions extends FactoryOptions {
  dropout?: number; bias?: boolean; addBiasKv?: boolean; addZeroAttn?: boolean; kdim?: number | null; vdim?: number | null; batchFirst?: boolean;
}

/**
 * Multi-head attention (PyTorch's nn.MultiheadAttention). Inputs are `[L, N, E]` (or `[N, L, E]` with
 * `batchFirst`, or unbatched `[L, E]`); `forward` returns `[output, weights | null]`, weights averaged
 * over heads unless `averageAttnWeights: false`. Masks: `attnMask` `[L, S]` or `[N*H, L, S]`,
 * `keyPaddingMask` `[N, S]`; bool masks are TRUE where attention is NOT allowed, float masks are added.
 * `isCausal: true` (PyTorch 2's hint, with the causal `attnMask`) lets `needWeights: false` calls run
 * the fused causal attention without reading the mask.
 * @example
 * const mha = new nt.nn.MultiheadAttention(64, 8, { batchFirst: true });
 * const x = nt.randn([2, 10, 64]);
 * const [y, w] = mha.forward(x, x, x);
 * console.log(y.shape, w!.shape); // [2, 10, 64] [2, 10, 10]
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly numHeads: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly headDim: number;
  readonly addZeroAttn: boolean;
  inProjWeight: Parameter | null = null;
  qProjWeight: Parameter | null = null;
  kProjWeight: Parameter | null = null;
  vProjWeight: Parameter | null = null;
  inProjBias: Parameter | null = null;
  biasK: Parameter | null = null;
  biasV: Parameter | null = null;
  outProj: NonDynamicallyQuantizableLinear;
  constructor(embedDim: number, numHeads: number, opts?: MultiheadAttentionOptions) {
    super();
    const name = this._getName();
    this.embedDim = checkInt(embedDim, name, 'embedDim');
    this.numHeads = checkInt(numHeads, name, 'numHeads');
    this.kdim = opts?.kdim ?? embedDim;
    this.vdim = opts?.vdim ?? embedDim;
    this.dropout = opts?.dropout ?? 0;
    if (typeof this.dropout !== 'number' || !(this.dropout >= 0 && this.dropout <= 1)) throw new RangeError(`${name}: dropout must be between 0 and 1, got ${this.dropout}`);
    this.batchFirst = opts?.batchFirst ?? false;
    this.headDim = Math.floor(embedDim / numHeads);
    if (this.headDim * numHeads !== embedDim) throw new RangeError(`${name}: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    this.addZeroAttn = opts?.addZeroAttn ?? false;
    const o = { device: opts?.device, dtype: opts?.dtype };
    if (this.kdim === embedDim && this.vdim === embedDim) {
      this.inProjWeight = paramFrom(empty([3 * embedDim, embedDim], o));
    } else {
      this.qProjWeight = paramFrom(empty([embedDim, embedDim], o));
      this.kProjWeight = paramFrom(empty([embedDim, this.kdim], o));
      this.vProjWeight = paramFrom(empty([embedDim, this.vdim], o));
    }
    if (opts?.bias ?? true) this.inProjBias = paramFrom(empty([3 * embedDim], o));
    this.outProj = new NonDynamicallyQuantizableLinear(embedDim, embedDim, { ...o, bias: opts?.bias ?? true });
    if (opts?.addBiasKv) {
      this.biasK = paramFrom(empty([1, 1, embedDim], o));
      this.biasV = paramFrom(empty([1, 1, embedDim], o));
    }
    for (const [p, k] of [['inProjWeight', 'in_proj_weight'], ['qProjWeight', 'q_proj_weight'], ['kProjWeight', 'k_proj_weight'], ['vProjWeight', 'v_proj_weight'],
      ['inProjBias', 'in_proj_bias'], ['biasK', 'bias_k'], ['biasV', 'bias_v'], ['outProj', 'out_proj']]) this._stateKey(p, k);
    this.resetParameters();
  }
  /** PyTorch's initialisation: xavier_uniform in-projections, zero biases, xavier_normal bias_k/bias_v. @example mha.resetParameters() */
  resetParameters(): void {
    if (this.inProjWeight) init.xavierUniform_(this.inProjWeight);
    else { init.xavierUniform_(this.qProjWeight!); init.xavierUniform_(this.kProjWeight!); init.xavierUniform_(this.vProjWeight!); }
    if (this.inProjBias) { init.zeros_(this.inProjBias); init.zeros_(this.outProj.bias!); }
    if (this.biasK) init.xavierNormal_(this.biasK);
    if (this.biasV) init.xavierNormal_(this.biasV);
  }
  override forward(query: Tensor, key: Tensor, value: Tensor, opts?: {
    keyPaddingMask?: Tensor | null; needWeights?: boolean; attnMask?: Tensor | null; averageAttnWeights?: boolean; isCausal?: boolean;
  }): [Tensor, Tensor | null] {
    const name = this._getName();
    checkTensor(query, name, 'query'); checkTensor(key, name, 'key'); checkTensor(value, name, 'value');
    const batched = query.ndim === 3;
    const bf = this.batchFirst && batched;
    const q = bf ? query.transpose(0, 1) : query;
    const k = bf ? (key === query ? q : key.transpose(0, 1)) : key;
    const v = bf ? (value === key ? k : value.transpose(0, 1)) : value;
    const [out, w] = multiHeadAttentionForward(q, k, v, this.embedDim, this.numHeads, {
      inProjWeight: this.inProjWeight, inProjBias: this.inProjBias,
      qProjWeight: this.qProjWeight, kProjWeight: this.kProjWeight, vProjWeight: this.vProjWeight,
      biasK: this.biasK, biasV: this.biasV, addZeroAttn: this.addZeroAttn, dropoutP: this.dropout, training: this.training,
      outProjWeight: this.outProj.weight, outProjBias: this.outProj.bias,
      keyPaddingMask: opts?.keyPaddingMask, needWeights: opts?.needWeights, attnMask: opts?.attnMask, averageAttnWeights: opts?.averageAttnWeights,
      isCausal: opts?.isCausal,
    }, name);
    if (bf) {
      if (q !== query) q.dispose();
      if (k !== key && k !== q) k.dispose();
      if (v !== value && v !== k) v.dispose();
      const t = out.transpose(0, 1); out.dispose();
      return [t, w];
    }
    return [out, w];
  }
}
