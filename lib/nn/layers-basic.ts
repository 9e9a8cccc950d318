// layers-basic.ts — the basic layers: Linear, Embedding, Dropout, Flatten, Identity and the activation
// modules, with PyTorch's default initialisation and reprs. Not here: what they compute
// (functional-basic.ts) or containers (layers-container.ts).
import { DType } from '../dtype';
import { empty } from '../ops/creation';
import { Tensor } from '../tensor';
import { checkInt, checkTensor, py } from './_util';
import * as F from './functional-basic';
import * as init from './init';
import { Module } from './module';
import { Parameter, paramFrom } from './parameter';

/** Where and in which dtype a layer creates its parameters. @example new nt.nn.Linear(4, 2, { dtype: 'float64', device: 'cpu' }) */
export interface FactoryOptions { device?: string; dtype?: DType }

/**
 * Returns its input unchanged (a placeholder).
 * @example new nt.nn.Identity().forward(nt.ones([2])) // the same tensor
 */
export class Identity extends Module {
  constructor(..._args: unknown[]) { super(); }
  override forward(input: Tensor): Tensor { return input; }
}

/**
 * `y = x Wᵀ + b`. weight `[outFeatures, inFeatures]` ~ U(-1/√in, 1/√in) (kaiming_uniform with a = √5),
 * bias the same bound, as PyTorch.
 * @example
 * const fc = new nt.nn.Linear(784, 256);
 * fc.forward(nt.randn([32, 784])).shape; // [32, 256]
 * String(fc); // 'Linear(in_features=784, out_features=256, bias=True)'
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;
  constructor(inFeatures: number, outFeatures: number, opts?: FactoryOptions & { bias?: boolean }) {
    super();
    this.inFeatures = checkInt(inFeatures, this._getName(), 'inFeatures', 0);
    this.outFeatures = checkInt(outFeatures, this._getName(), 'outFeatures', 0);
    const o = { device: opts?.device, dtype: opts?.dtype };
    this.weight = paramFrom(empty([outFeatures, inFeatures], o));
    this.bias = opts?.bias ?? true ? paramFrom(empty([outFeatures], o)) : null;
    this.resetParameters();
  }
  /** Re-draws the weights with PyTorch's default initialisation. @example fc.resetParameters() */
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }
  override forward(input: Tensor): Tensor {
    checkTensor(input, this._getName());
    return F.linear(input, this.weight, this.bias, this._getName());
  }
  override extraRepr(): string { return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${py(this.bias !== null)}`; }
}

/** @internal MultiheadAttention's out_proj class (named as PyTorch's, for identical reprs). */
export class NonDynamicallyQuantizableLinear extends Linear {}

/**
 * A lookup table: integer indices → rows of `weight [numEmbeddings, embeddingDim]` ~ N(0, 1).
 * The `paddingIdx` row starts at zero and gets no gradient.
 * @example
 * const emb = new nt.nn.Embedding(1000, 64, { paddingIdx: 0 });
 * emb.forward(nt.tensor([[1, 2, 0]])).shape; // [1, 3, 64]
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  weight: Parameter;
  constructor(numEmbeddings: number, embeddingDim: number, opts?: FactoryOptions & { paddingIdx?: number | null; weight?: Tensor; freeze?: boolean }) {
    super();
    const name = this._getName();
    this.numEmbeddings = checkInt(numEmbeddings, name, 'numEmbeddings', 0);
    this.embeddingDim = checkInt(embeddingDim, name, 'embeddingDim', 0);
    let p = opts?.paddingIdx ?? null;
    if (p !== null) {
      if (!Number.isInteger(p) || p < -numEmbeddings || p >= numEmbeddings) throw new RangeError(`${name}: paddingIdx must be within numEmbeddings [${-numEmbeddings}, ${numEmbeddings - 1}], got ${p}`);
      if (p < 0) p += numEmbeddings;
    }
    this.paddingIdx = p;
    if (opts?.weight) {
      const w = checkTensor(opts.weight, name, 'weight');
      if (w.ndim !== 2 || w.shape[0] !== numEmbeddings || w.shape[1] !== embeddingDim) throw new RangeError(`${name}: the given weight must have shape [${numEmbeddings}, ${embeddingDim}], got [${w.shape.join(', ')}]`);
      this.weight = new Parameter(w, !(opts.freeze ?? false));
    } else {
      this.weight = paramFrom(empty([numEmbeddings, embeddingDim], { device: opts?.device, dtype: opts?.dtype }));
      this.resetParameters();
    }
  }
  /**
   * An Embedding over existing vectors (frozen unless `freeze: false`).
   * @example const emb = nt.nn.Embedding.fromPretrained(nt.randn([10, 4]));
   */
  static fromPretrained(embeddings: Tensor, opts?: { freeze?: boolean; paddingIdx?: number | null }): Embedding {
    checkTensor(embeddings, 'Embedding.fromPretrained', 'embeddings');
    if (embeddings.ndim !== 2) throw new RangeError(`Embedding.fromPretrained: embeddings must be 2-D, got shape [${embeddings.shape.join(', ')}]`);
    return new Embedding(embeddings.shape[0], embeddings.shape[1], { weight: embeddings, freeze: opts?.freeze ?? true, paddingIdx: opts?.paddingIdx });
  }
  /** N(0, 1), padding row zeroed. @example emb.resetParameters() */
  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) { const row = this.weight.select(0, this.paddingIdx); init.zeros_(row); row.dispose(); }
  }
  override forward(input: Tensor): Tensor { return F.embedding(input, this.weight, this.paddingIdx, this._getName()); }
  override extraRepr(): string { return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''}`; }
}

/**
 * Randomly zeroes elements with probability `p` while training (scaling the rest by 1/(1-p));
 * the identity in eval mode.
 * @example
 * const d = new nt.nn.Dropout(0.1);
 * d.eval(); d.forward(x); // x
 */
export class Dropout extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`Dropout: dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
  }
  override forward(input: Tensor): Tensor { return F.dropout(input, this.p, this.training); }
  override extraRepr(): string { return `p=${py(this.p, true)}, inplace=False`; }
}

/**
 * Flattens dims `startDim..endDim` (default 1..-1: everything but the batch).
 * @example new nt.nn.Flatten().forward(nt.zeros([8, 3, 4, 4])).shape // [8, 48]
 */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) { super(); }
  override forward(input: Tensor): Tensor { return checkTensor(input, 'Flatten').flatten(this.startDim, this.endDim); }
  override extraRepr(): string { return `start_dim=${this.startDim}, end_dim=${this.endDim}`; }
}

/** max(0, x). @example new nt.nn.ReLU().forward(nt.tensor([-1, 2])) // tensor([0, 2]) */
export class ReLU extends Module {
  override forward(input: Tensor): Tensor { return F.relu(input); }
}
/**
 * GELU (exact, or `'tanh'` approximation).
 * @example new nt.nn.GELU('tanh').forward(nt.tensor([1.0], { dtype: 'float32' })) // tensor([0.8412])
 */
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
    if (approximate !== 'none' && approximate !== 'tanh') throw new TypeError(`GELU: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
  }
  override forward(input: Tensor): Tensor { return F.gelu(input, { approximate: this.approximate }); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}
/** x·σ(x). @example new nt.nn.SiLU().forward(nt.tensor([1.0], { dtype: 'float32' })) // tensor([0.7311]) */
export class SiLU extends Module {
  override forward(input: Tensor): Tensor { return F.silu(input); }
}
/** @example new nt.nn.Tanh().forward(nt.tensor([0.0], { dtype: 'float32' })) // tensor([0.]) */
export class Tanh extends Module {
  override forward(input: Tensor): Tensor { return F.tanh(input); }
}
/** @example new nt.nn.Sigmoid().forward(nt.tensor([0.0], { dtype: 'float32' })) // tensor([0.5000]) */
export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor { return F.sigmoid(input); }
}
/** @example new nt.nn.LeakyReLU(0.2).forward(nt.tensor([-1.0], { dtype: 'float32' })) // tensor([-0.2000]) */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) { super(); }
  override forward(input: Tensor): Tensor { return F.leakyRelu(input, this.negativeSlope); }
  override extraRepr(): string { return `negative_slope=${py(this.negativeSlope, true)}`; }
}

/** PyTorch's choice of dim when none is given (legacy): 0 for 0-, 1- and 3-D input, else 1. */
function implicitDim(x: Tensor): number { return x.ndim === 0 || x.ndim === 1 || x.ndim === 3 ? 0 : 1; }

/**
 * Softmax along `dim`.
 * @example new nt.nn.Softmax(-1).forward(nt.tensor([[1.0, 2.0]], { dtype: 'float32' })) // tensor([[0.2689, 0.7311]])
 */
export class Softmax extends Module {
  constructor(readonly dim: number | null = null) { super(); }
  override forward(input: Tensor): Tensor { checkTensor(input, 'Softmax'); return F.softmax(input, this.dim ?? implicitDim(input)); }
  override extraRepr(): string { return `dim=${py(this.dim)}`; }
}
/** log(softmax(x)) along `dim`. @example new nt.nn.LogSoftmax(1).forward(nt.tensor([[1.0, 2.0]], { dtype: 'float32' })) // tensor([[-1.3133, -0.3133]]) */
export class LogSoftmax extends Module {
  constructor(readonly dim: number | null = null) { super(); }
  override forward(input: Tensor): Tensor { checkTensor(input, 'LogSoftmax'); return F.logSoftmax(input, this.dim ?? implicitDim(input)); }
  override extraRepr(): string { return `dim=${py(this.dim)}`; }
}
