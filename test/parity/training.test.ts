// training.test.ts — 50 training steps against PyTorch, the external oracle: the same initial weights
// (exported from torch as safetensors) and the same batches; the losses must match step by step in
// float32, for an MLP with Adam, a small CNN with SGD+momentum, and a 2-layer causal transformer with
// AdamW, linear warmup + cosine schedule and gradient clipping. Runs on every available device
// (test/helpers/devices.ts; an absent one is a skip line), each against torch's CPU run, within a
// relative tolerance per device (lossTol). The torch side is test/parity/training_torch.py.
// Not here: per-op parity (ops.test.ts).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import test from 'tape';
import * as nt from '../../lib';
import { devicesFor, skip, skippedAsNotImplemented } from '../helpers/devices';
import type { DeviceSlot } from '../helpers/devices';

const { nn, optim, F } = nt;
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, '..', '..', '..', 'test', 'parity', 'training_torch.py');
const STEPS = 50;

/**
 * Worst relative difference allowed between a device's loss and torch's at any step. cpu: 1e-4 (the
 * cpu and the npu stand-in are within ~2e-7 today). cuda: 1e-3, for float32 with TF32 off (set below): cuBLAS and the CUDA reductions sum in other
 * orders than torch's CPU kernels (~1e-6 per op), and 50 optimizer steps compound it (Adam scales
 * small gradient differences up). npu: the stand-in computes like the CPU (1e-4); a real NPU, 2e-3
 * as test/cann/npu-training.test.ts allows it (HF32 off by default).
 */
function lossTol(d: DeviceSlot): number {
  if (d.backend === 'cuda') return 1e-3;
  if (d.backend === 'npu') return process.env.NODETENSOR_TEST_NPU === 'real' ? 2e-3 : 1e-4;
  return 1e-4;
}

class Block extends nn.Module {
  ln1: nt.nn.LayerNorm; attn: nt.nn.MultiheadAttention; ln2: nt.nn.LayerNorm; fc1: nt.nn.Linear; fc2: nt.nn.Linear;
  constructor(d: number, heads: number) {
    super();
    this.ln1 = new nn.LayerNorm(d);
    this.attn = new nn.MultiheadAttention(d, heads, { batchFirst: true });
    this.ln2 = new nn.LayerNorm(d);
    this.fc1 = new nn.Linear(d, 4 * d);
    this.fc2 = new nn.Linear(4 * d, d);
  }
  override forward(x: nt.Tensor, mask: nt.Tensor): nt.Tensor {
    const h = this.ln1.forward(x);
    const [a] = this.attn.forward(h, h, h, { attnMask: mask, needWeights: false });
    const x2 = x.add(a);
    return x2.add(this.fc2.forward(F.gelu(this.fc1.forward(this.ln2.forward(x2)))));
  }
}

class GPT extends nn.Module {
  tok: nt.nn.Embedding; pos: nt.nn.Embedding; blocks: nt.nn.ModuleList; lnf: nt.nn.LayerNorm; head: nt.nn.Linear;
  constructor(vocab: number, d: number, heads: number, layers: number, seq: number) {
    super();
    this.tok = new nn.Embedding(vocab, d);
    this.pos = new nn.Embedding(seq, d);
    this.blocks = new nn.ModuleList(Array.from({ length: layers }, () => new Block(d, heads)));
    this.lnf = new nn.LayerNorm(d);
    this.head = new nn.Linear(d, vocab);
  }
  override forward(idx: nt.Tensor): nt.Tensor {
    const t = idx.shape[1];
    const pos = nt.arange(0, t, 1, { device: idx.device, dtype: 'int64' });
    const mask = pos.unsqueeze(0).gt(pos.unsqueeze(1));  // j > i: torch.triu(ones, 1)
    let x = this.tok.forward(idx).add(this.pos.forward(pos));
    for (const b of this.blocks) x = (b as Block).forward(x, mask);
    return this.head.forward(this.lnf.forward(x));
  }
}

interface Run { model: nt.nn.Module; opt: nt.optim.Optimizer; sched?: { step(): void }; clip?: number; loss: (out: nt.Tensor, y: nt.Tensor) => nt.Tensor }

async function train(file: string, device: string, make: () => Run): Promise<number[]> {
  const all = await nt.load(file, { device });
  const init: Record<string, nt.Tensor> = {};
  for (const [k, v] of Object.entries(all)) if (k.startsWith('init.')) init[k.slice(5)] = v;
  const r = make();
  r.model.to(device);  // in place: the optimizer's parameters move too
  r.model.loadStateDict(init);
  const losses: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    nt.tidy(() => {
      r.opt.zeroGrad();
      const loss = r.loss(r.model.forward(all[`x.${i}`]) as nt.Tensor, all[`y.${i}`]);
      loss.backward();
      if (r.clip !== undefined) nn.utils.clipGradNorm_(r.model.parameters(), r.clip);
      r.opt.step();
      r.sched?.step();
      losses.push(loss.item());
    });
  }
  return losses;
}

function compare(t: test.Test, name: string, ours: number[], theirs: number[], tol: number): void {
  t.equal(ours.length, theirs.length, `${name}: ${STEPS} steps`);
  let worst = 0, at = -1;
  for (let i = 0; i < ours.length; i++) {
    const e = Math.abs(ours[i] - theirs[i]) / Math.max(Math.abs(theirs[i]), 1e-12);
    if (e > worst) { worst = e; at = i; }
  }
  t.ok(worst <= tol, `${name}: losses match PyTorch's within ${tol} relative (worst ${worst.toExponential(2)} at step ${at}: ${ours[at]} vs ${theirs[at]})`);
  t.ok(ours[ours.length - 1] < ours[0], `${name}: the loss went down (${ours[0].toFixed(3)} -> ${ours[ours.length - 1].toFixed(3)})`);
}

const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
if (probe.status !== 0) {
  skip(`training parity with PyTorch: PyTorch not available (${PYTHON} -c "import torch" failed): ${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()}`);
} else {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nt-train-'));
  const r = spawnSync(PYTHON, [SCRIPT, dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ref = JSON.parse(r.stdout) as Record<string, number[]>;
  nt.setNumThreads(1);

  nt.cuda.matmul.allowTF32 = false;  // the default; lossTol assumes it
  const MODELS: [string, string, () => Run][] = [
    ['MLP + Adam', 'mlp', () => {
      const model = new nn.Sequential(new nn.Linear(64, 32), new nn.ReLU(), new nn.Linear(32, 10));
      return { model, opt: new optim.Adam(model.parameters(), { lr: 1e-2 }), loss: (o, y) => F.crossEntropy(o, y) };
    }],
    ['CNN + SGD momentum', 'cnn', () => {
      const model = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
        new nn.Conv2d(4, 8, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(32, 10));
      return { model, opt: new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }), loss: (o, y) => F.crossEntropy(o, y) };
    }],
    ['2-layer causal transformer + AdamW, warmup+cosine, clipping', 'gpt', () => {
      const vocab = 16;
      const model = new GPT(vocab, 32, 2, 2, 8);
      const opt = new optim.AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0.01 });
      const warm = new optim.lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
      const cos = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: STEPS - 5 });
      const sched = new optim.lrScheduler.SequentialLR(opt, { schedulers: [warm, cos], milestones: [5] });
      return { model, opt, sched, clip: 1.0, loss: (o, y) => F.crossEntropy(o.reshape([-1, vocab]), y.reshape([-1])) };
    }],
  ];
  for (const dev of devicesFor('training parity')) {
    const tag = dev.name === 'cpu' ? '' : ` [${dev.name}]`;
    for (const [title, key, make] of MODELS) {
      test(`${title}: ${STEPS} steps match PyTorch${tag}`, async (t) => {
        let losses: number[];
        try {
          losses = await train(path.join(dir, `${key}.safetensors`), dev.name, make);
        } catch (e) {
          if (!skippedAsNotImplemented(t, title, dev.name, e)) throw e;
          t.end();
          return;
        }
        compare(t, `${key}${tag}`, losses, ref[key], lossTol(dev));
        t.end();
      });
    }
  }
  test.onFinish(() => fs.rmSync(dir, { recursive: true, force: true }));
}
