// tiny-gpt.ts — a small causal transformer that works on any device (its position ids are made on the
// input's device), with greedy generation; shared by the Ascend portability example and its test.
// Not here: training loops or data (portability.ts, test/cann/npu-training.test.ts).
import * as nt from '../../lib';

const { nn, F } = nt;

/** Sizes of the model. */
export interface TinyGPTConfig { vocab: number; block: number; d: number; heads: number; layers: number }

/** A pre-LayerNorm decoder block: causal self-attention and a GELU MLP. */
export class Block extends nn.Module {
  ln1: nt.nn.LayerNorm; qkv: nt.nn.Linear; proj: nt.nn.Linear; ln2: nt.nn.LayerNorm; fc1: nt.nn.Linear; fc2: nt.nn.Linear;
  constructor(readonly c: TinyGPTConfig) {
    super();
    this.ln1 = new nn.LayerNorm(c.d);
    this.qkv = new nn.Linear(c.d, 3 * c.d);
    this.proj = new nn.Linear(c.d, c.d);
    this.ln2 = new nn.LayerNorm(c.d);
    this.fc1 = new nn.Linear(c.d, 4 * c.d);
    this.fc2 = new nn.Linear(4 * c.d, c.d);
  }
  override forward(x: nt.Tensor): nt.Tensor {
    const [B, T, D] = x.shape, H = this.c.heads;
    const [q, k, v] = this.qkv.forward(this.ln1.forward(x)).split(D, 2).map((t) => t.reshape([B, T, H, D / H]).transpose(1, 2));
    const a = F.scaledDotProductAttention(q, k, v, { isCausal: true }).transpose(1, 2).reshape([B, T, D]);
    const x2 = x.add(this.proj.forward(a));
    return x2.add(this.fc2.forward(F.gelu(this.fc1.forward(this.ln2.forward(x2)), { approximate: 'tanh' })));
  }
}

/**
 * Token and position embeddings, `layers` blocks, a final LayerNorm and a linear head.
 * @example
 * const m = new TinyGPT({ vocab: 23, block: 8, d: 16, heads: 2, layers: 2 });
 * m.forward(nt.tensor([[1, 2, 3]], { dtype: 'int64' })).shape; // [1, 3, 23]
 */
export class TinyGPT extends nn.Module {
  tok: nt.nn.Embedding; pos: nt.nn.Embedding; blocks: nt.nn.ModuleList; lnf: nt.nn.LayerNorm; head: nt.nn.Linear;
  constructor(readonly c: TinyGPTConfig) {
    super();
    this.tok = new nn.Embedding(c.vocab, c.d);
    this.pos = new nn.Embedding(c.block, c.d);
    this.blocks = new nn.ModuleList(Array.from({ length: c.layers }, () => new Block(c)));
    this.lnf = new nn.LayerNorm(c.d);
    this.head = new nn.Linear(c.d, c.vocab);
  }
  /** idx [B, T] int64 -> logits [B, T, vocab]. */
  override forward(idx: nt.Tensor): nt.Tensor {
    const t = idx.shape[1];
    let x = this.tok.forward(idx).add(this.pos.forward(nt.arange(0, t, 1, { device: idx.device, dtype: 'int64' })));
    for (const b of this.blocks) x = (b as Block).forward(x);
    return this.head.forward(this.lnf.forward(x));
  }
  /**
   * Greedy decoding of `n` tokens after `prompt` ([1, T] int64, on the model's device); returns the
   * tokens (prompt included) and each step's last-position logits as float32.
   * @example const { tokens } = model.generate(nt.tensor([[1, 5]], { dtype: 'int64' }), 4);
   */
  generate(prompt: nt.Tensor, n: number): { tokens: number[]; logits: Float32Array[] } {
    const tokens: number[] = Array.from(prompt.to('cpu').dataSync() as BigInt64Array, Number), logits: Float32Array[] = [];
    nt.noGrad(() => {
      for (let i = 0; i < n; i++) {
        nt.tidy(() => {
          const ctx = nt.tensor([tokens.slice(-this.c.block)], { dtype: 'int64', device: prompt.device });
          const last = this.forward(ctx).select(1, -1).squeeze(0).float();
          logits.push(last.dataSync() as Float32Array);
          tokens.push(Number(last.argmax().item()));
        });
      }
    });
    return { tokens, logits };
  }
}

/**
 * One AdamW step per batch with gradient clipping; returns the losses.
 * @example const losses = trainSteps(model, [[x, y]], 'cpu');
 */
export function trainSteps(model: TinyGPT, batches: [nt.Tensor, nt.Tensor][], device: string, lr = 3e-3): number[] {
  const opt = new nt.optim.AdamW(model.parameters(), { lr, weightDecay: 0.01 });
  const losses: number[] = [];
  for (const [xb, yb] of batches) {
    nt.tidy(() => {
      opt.zeroGrad();
      const logits = model.forward(xb.to(device));
      const loss = F.crossEntropy(logits.reshape([-1, model.c.vocab]), yb.to(device).reshape([-1]));
      loss.backward();
      nn.utils.clipGradNorm_(model.parameters(), 1.0);
      opt.step();
      losses.push(loss.item());
    });
  }
  return losses;
}

/**
 * Random next-token batches: x = seq[:, :-1], y = seq[:, 1:] (a pattern the model can learn: y = x + 1 mod vocab).
 * @example const batches = makeBatches(cfg, 10, 4);
 */
export function makeBatches(c: TinyGPTConfig, n: number, batch: number): [nt.Tensor, nt.Tensor][] {
  return Array.from({ length: n }, () => nt.tidy(() => {
    const start = nt.randint(0, c.vocab, [batch, 1]);
    const s = start.add(nt.arange(0, c.block + 1, 1, { dtype: 'int64' }));
    const seq = s.sub(s.div(c.vocab, { roundingMode: 'floor' }).mul(c.vocab));  // mod vocab
    return [seq.slice(1, 0, c.block), seq.slice(1, 1, c.block + 1)] as [nt.Tensor, nt.Tensor];
  }));
}
