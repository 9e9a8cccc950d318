// train.ts — training-step benchmarks side by side with PyTorch on the CPU, same thread count, in one
// run (part of `npm run bench`): an MLP 784-256-256-10 batch-128 Adam step and a 2-layer d=128 causal
// transformer step (AdamW). Prints a table of ms/step and ratios. The torch side is torch_train.py.
// Not here: kernel benchmarks (run.ts). Options: --threads N (default: both 1 and the machine's).
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import * as nt from '../lib';

const { nn, optim, F } = nt;
const PYTHON = process.env.NODETENSOR_BENCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = path.join(__dirname, '..', '..', 'bench', 'torch_train.py');

class Block extends nn.Module {
  ln1 = new nn.LayerNorm(128); attn = new nn.MultiheadAttention(128, 4, { batchFirst: true });
  ln2 = new nn.LayerNorm(128); fc1 = new nn.Linear(128, 512); fc2 = new nn.Linear(512, 128);
  override forward(x: nt.Tensor, mask: nt.Tensor): nt.Tensor {
    const h = this.ln1.forward(x);
    // isCausal: PyTorch 2's hint that the mask is the causal one (the fused kernel then runs;
    // NODETENSOR_FUSED_ATTENTION=0 times the masked composite instead). torch 1.13 gets the mask only.
    const [a] = this.attn.forward(h, h, h, { attnMask: mask, needWeights: false, isCausal: true });
    const x2 = x.add(a);
    return x2.add(this.fc2.forward(F.gelu(this.fc1.forward(this.ln2.forward(x2)))));
  }
}
class TinyGPT extends nn.Module {
  tok = new nn.Embedding(256, 128); pos = new nn.Embedding(128, 128);
  blocks = new nn.ModuleList([new Block(), new Block()]);
  lnf = new nn.LayerNorm(128); head = new nn.Linear(128, 256);
  override forward(idx: nt.Tensor, mask: nt.Tensor, pos: nt.Tensor): nt.Tensor {
    let x = this.tok.forward(idx).add(this.pos.forward(pos));
    for (const b of this.blocks) x = (b as Block).forward(x, mask);
    return this.head.forward(this.lnf.forward(x));
  }
}

export type Step = () => void;
function mlpStep(): Step {
  const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 10));
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = nt.randn([128, 784]), y = nt.randint(0, 10, [128]);
  return () => nt.tidy(() => { opt.zeroGrad(); F.crossEntropy(model.forward(x) as nt.Tensor, y).backward(); opt.step(); });
}
/** One training step of the 2-layer causal transformer (batch 8 x 64, AdamW), as timed here. @example gptStep()() */
export function gptStep(): Step {
  const B = 8, T = 64;
  const model = new TinyGPT();
  const opt = new optim.AdamW(model.parameters(), { lr: 1e-3 });
  const idx = nt.randint(0, 256, [B, T]), tgt = nt.randint(0, 256, [B * T]);
  const mask = nt.arange(T).unsqueeze(0).gt(nt.arange(T).unsqueeze(1)), pos = nt.arange(T);
  return () => nt.tidy(() => {
    opt.zeroGrad();
    F.crossEntropy(model.forward(idx, mask, pos).reshape([B * T, 256]), tgt).backward();
    opt.step();
  });
}

function timeSteps(step: Step, reps = 5, minMs = 300): number {
  for (let i = 0; i < 3; i++) step();
  nt.synchronize();
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    let k = 0; const t0 = performance.now();
    do { step(); k++; nt.synchronize(); } while (performance.now() - t0 < minMs);
    samples.push((performance.now() - t0) / k);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

function main(): void {
  const ti = process.argv.indexOf('--threads');
  const threadCounts = ti > 0 ? [Number(process.argv[ti + 1])] : [...new Set([1, Math.min(os.cpus().length, nt.getNumThreads())])];
  const rows: string[] = [];
  for (const threads of threadCounts) {
    nt.setNumThreads(threads);
    const ours = { mlp: timeSteps(mlpStep()), gpt: timeSteps(gptStep()) };
    const r = spawnSync(PYTHON, [SCRIPT, String(threads)], { encoding: 'utf8' });
    let theirs: Record<string, number> | null = null;
    if (r.status === 0) theirs = JSON.parse(r.stdout);
    for (const [k, label] of [['mlp', 'MLP 784-256-256-10, batch 128, Adam'], ['gpt', '2-layer d=128 causal transformer, batch 8 x 64, AdamW']] as const) {
      const a = ours[k], b = theirs?.[k];
      const ratio = b ? b / a : NaN;
      rows.push(`| ${label.padEnd(52)} | ${String(threads).padStart(7)} | ${a.toFixed(2).padStart(8)} ms | ${b ? b.toFixed(2).padStart(8) + ' ms' : '      n/a  '} | ${Number.isNaN(ratio) ? ' n/a ' : ratio.toFixed(2) + '×'} | ${Number.isNaN(ratio) ? '' : ratio >= 1 ? 'met' : 'MISS'} |`);
    }
    if (!theirs) console.error(`torch side failed: ${(r.stderr || '').trim().split('\n').pop()}`);
  }
  console.log('\ntraining step, ms/step (median of 5 samples after warm-up); ratio = PyTorch time / nodetensor time (>1 = faster); target ≥ 1.0×\n');
  console.log(`| ${'workload'.padEnd(52)} | threads | nodetensor  | PyTorch     | ratio | target |`);
  console.log(`|${'-'.repeat(54)}|---------|-------------|-------------|-------|--------|`);
  for (const r of rows) console.log(r);
}

if (require.main === module) main();
