/**
 * model.ts — a small GPT (pre-LayerNorm decoder blocks from nt.nn) with a KV cache for generation: each
 * attention layer appends its new keys/values with nt.cat on the sequence dim. No training loop here.
 */
import * as nt from '../../lib';

const { nn, F } = nt;

/** Sizes of the model. */
export interface GPTConfig { vocabSize: number; blockSize: number; nLayer: number; nHead: number; nEmbd: number; dropout: number }

/** One layer's cached keys and values, [B, heads, positions so far, head dim] each (null before the first call). */
export interface LayerCache { k: nt.Tensor | null; v: nt.Tensor | null }

/**
 * The keys and values of every position seen so far, per layer. Its tensors are kept out of any
 * nt.tidy() scope (the cache outlives the step that filled it); call `dispose()` when done.
 */
export class KVCache {
  readonly layers: LayerCache[];
  constructor(nLayer: number) { this.layers = Array.from({ length: nLayer }, () => ({ k: null, v: null })); }
  /** Positions held (the sequence length of the cached keys). */
  get length(): number { return this.layers[0].k?.shape[2] ?? 0; }
  /** Frees the cached tensors and empties the cache. */
  dispose(): void {
    for (const l of this.layers) { l.k?.dispose(); l.v?.dispose(); l.k = null; l.v = null; }
  }
}

/** Multi-head causal self-attention with a fused qkv projection. */
export class CausalSelfAttention extends nn.Module {
  qkv: nt.nn.Linear;
  proj: nt.nn.Linear;
  readonly nHead: number;
  readonly dropout: number;
  constructor(c: GPTConfig) {
    super();
    this.qkv = new nn.Linear(c.nEmbd, 3 * c.nEmbd);
    this.proj = new nn.Linear(c.nEmbd, c.nEmbd);
    this.nHead = c.nHead;
    this.dropout = c.dropout;
  }

  /**
   * x [B, T, C] → [B, T, C]. With `cache`, the T new positions follow the cache's positions: their
   * keys/values are appended to it, and each new query attends to every cached position and to the
   * new ones up to itself.
   */
  override forward(x: nt.Tensor, cache?: LayerCache): nt.Tensor {
    const [B, T, C] = x.shape, H = this.nHead, D = C / H;
    const heads = (t: nt.Tensor): nt.Tensor => t.reshape([B, T, H, D]).transpose(1, 2); // [B, H, T, D]
    const [q, kNew, vNew] = this.qkv.forward(x).split(C, 2).map(heads);
    let k = kNew, v = vNew, past = 0;
    if (cache) {
      past = cache.k ? cache.k.shape[2] : 0;
      if (cache.k && cache.v) { k = nt.cat([cache.k, kNew], 2); v = nt.cat([cache.v, vNew], 2); }
      else { k = kNew.contiguous(); v = vNew.contiguous(); }
      cache.k?.dispose(); cache.v?.dispose();
      cache.k = nt.keep(k); cache.v = nt.keep(v);    // outlive the caller's tidy()
    }
    let mask: nt.Tensor | null = null;
    if (past > 0 && T > 1) {
      // query i (absolute position past+i) may see keys 0..past+i
      mask = nt.arange(past + T).unsqueeze(0).le(nt.arange(T).add(past).unsqueeze(1));
    }
    const y = F.scaledDotProductAttention(q, k, v, {
      attnMask: mask, isCausal: past === 0 && T > 1, dropoutP: this.training ? this.dropout : 0,
    });
    return this.proj.forward(y.transpose(1, 2).reshape([B, T, C]));
  }
}

/** MLP: Linear(C, 4C) → GELU → Linear(4C, C). */
export class MLP extends nn.Module {
  fc: nt.nn.Linear;
  act: nt.nn.GELU;
  proj: nt.nn.Linear;
  constructor(c: GPTConfig) {
    super();
    this.fc = new nn.Linear(c.nEmbd, 4 * c.nEmbd);
    this.act = new nn.GELU();
    this.proj = new nn.Linear(4 * c.nEmbd, c.nEmbd);
  }
  override forward(x: nt.Tensor): nt.Tensor { return this.proj.forward(this.act.forward(this.fc.forward(x))); }
}

/** A transformer block: x + attn(ln1(x)), then x + mlp(ln2(x)), with dropout on both residual branches. */
export class Block extends nn.Module {
  ln1: nt.nn.LayerNorm;
  attn: CausalSelfAttention;
  ln2: nt.nn.LayerNorm;
  mlp: MLP;
  drop: nt.nn.Dropout;
  constructor(c: GPTConfig) {
    super();
    this.ln1 = new nn.LayerNorm(c.nEmbd);
    this.attn = new CausalSelfAttention(c);
    this.ln2 = new nn.LayerNorm(c.nEmbd);
    this.mlp = new MLP(c);
    this.drop = new nn.Dropout(c.dropout);
  }
  override forward(x: nt.Tensor, cache?: LayerCache): nt.Tensor {
    x = x.add(this.drop.forward(this.attn.forward(this.ln1.forward(x), cache)));
    return x.add(this.drop.forward(this.mlp.forward(this.ln2.forward(x))));
  }
}

/** The GPT: token + position embeddings, `nLayer` blocks, a final LayerNorm and a linear head to logits. */
export class GPT extends nn.Module {
  readonly config: GPTConfig;
  wte: nt.nn.Embedding;
  wpe: nt.nn.Embedding;
  drop: nt.nn.Dropout;
  blocks: nt.nn.ModuleList;
  lnF: nt.nn.LayerNorm;
  head: nt.nn.Linear;
  constructor(c: GPTConfig) {
    super();
    this.config = c;
    this.wte = new nn.Embedding(c.vocabSize, c.nEmbd);
    this.wpe = new nn.Embedding(c.blockSize, c.nEmbd);
    this.drop = new nn.Dropout(c.dropout);
    this.blocks = new nn.ModuleList(Array.from({ length: c.nLayer }, () => new Block(c)));
    this.lnF = new nn.LayerNorm(c.nEmbd);
    this.head = new nn.Linear(c.nEmbd, c.vocabSize, { bias: false });
    // GPT-2's initialisation: N(0, 0.02) weights, zero biases, residual projections scaled by 1/√(2·layers).
    for (const [name, p] of this.namedParameters()) {
      if (name.endsWith('.bias')) nn.init.zeros_(p);
      else if (!name.startsWith('ln') && !name.includes('.ln')) {
        nn.init.normal_(p, 0, name.endsWith('proj.weight') && name.includes('blocks') ? 0.02 / Math.sqrt(2 * c.nLayer) : 0.02);
      }
    }
  }

  /**
   * idx [B, T] int64 → logits [B, T, vocab]. With `cache`, idx holds the positions after the cached
   * ones (cache.length + T must stay ≤ blockSize).
   */
  override forward(idx: nt.Tensor, cache?: KVCache): nt.Tensor {
    const T = idx.shape[1], past = cache?.length ?? 0;
    if (past + T > this.config.blockSize) throw new RangeError(`GPT: ${past + T} positions, but blockSize is ${this.config.blockSize}`);
    const pos = nt.arange(past, past + T);
    let x = this.drop.forward(this.wte.forward(idx).add(this.wpe.forward(pos)));
    let i = 0;
    for (const b of this.blocks) x = (b as Block).forward(x, cache?.layers[i++]);
    return this.head.forward(this.lnF.forward(x));
  }
}
