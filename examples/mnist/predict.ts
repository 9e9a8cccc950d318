/**
 * predict.ts — `npm run demo:predict`: a fresh process loads the demo's safetensors into a new MLP, draws
 * a few held-out test digits as ASCII art with its predictions, and scores all 10,000. No training here.
 */
// Flags (or env): --weights FILE (MNIST_WEIGHTS) --show N digits drawn (MNIST_SHOW, 8) --seed S (MNIST_SEED).
import * as fs from 'fs';
import * as nt from '../../lib';
import { asciiDigit, loadMnist, toTensors } from './data';
import { flag } from './cli';
import { defaultWeightsPath, makeModel } from './model';

async function main(): Promise<void> {
  const weights = flag('weights', 'MNIST_WEIGHTS', defaultWeightsPath());
  const show = Number(flag('show', 'MNIST_SHOW', '8'));
  const seed = Number(flag('seed', 'MNIST_SEED', String(Date.now() % 100000)));
  if (!fs.existsSync(weights)) {
    console.error(`no weights at ${weights}: run \`npm run demo\` first (or pass --weights FILE)`);
    process.exit(2);
  }
  const t0 = performance.now();
  const meta = await nt.loadMetadata(weights);
  const sd = await nt.load(weights);
  const model = makeModel(Number(meta.hidden ?? sd['0.weight'].shape[0]));
  model.loadStateDict(sd);
  model.eval();
  console.log(`loaded ${weights} (${Object.keys(sd).map((k) => `${k} [${sd[k].shape}]`).join(', ')}) in ${((performance.now() - t0) / 1000).toFixed(2)} s`);

  const test = loadMnist('test');
  const { x, y } = toTensors(test);

  // A few random held-out digits, drawn side by side with the prediction and its probability.
  let s = seed >>> 0;
  const pick: number[] = [];
  while (pick.length < Math.min(show, test.n)) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; const i = s % test.n; if (!pick.includes(i)) pick.push(i); }
  const perRow = Math.max(1, Math.floor(((process.stdout.columns || 120) + 2) / 30));
  const { pred, prob } = nt.noGrad(() => nt.tidy(() => {
    const probs = model.forward(x.indexSelect(0, nt.tensor(pick, { dtype: 'int32' }))).softmax(1);
    const top = probs.max(1);
    return { pred: Array.from(top.indices.dataSync(), Number), prob: Array.from(top.values.dataSync() as Float32Array) };
  }));
  for (let r = 0; r < pick.length; r += perRow) {
    const group = pick.slice(r, r + perRow);
    const arts = group.map((i) => asciiDigit(test, i));
    for (let line = 4; line < 25; line++) console.log(arts.map((a) => a[line]).join('  '));
    console.log(group.map((i, k) => {
      const p = pred[r + k], ok = p === test.labels[i];
      return `${ok ? 'ok ' : 'XX '} pred ${p} (${(100 * prob[r + k]).toFixed(0)}%) true ${test.labels[i]}`.padEnd(28);
    }).join('  '));
    console.log();
  }

  // All 10,000 held-out digits.
  const { correct, confusions } = nt.noGrad(() => nt.tidy(() => {
    const p = model.forward(x).argmax(1);
    const pa = p.dataSync() as BigInt64Array;
    const conf = new Map<string, number>();
    let c = 0;
    for (let i = 0; i < test.n; i++) {
      const pi = Number(pa[i]), ti = test.labels[i];
      if (pi === ti) c++; else conf.set(`${ti}→${pi}`, (conf.get(`${ti}→${pi}`) ?? 0) + 1);
    }
    return { correct: c, confusions: [...conf].sort((a, b) => b[1] - a[1]).slice(0, 5) };
  }));
  console.log(`test accuracy: ${correct}/${test.n} = ${((100 * correct) / test.n).toFixed(2)}%` +
    (meta.testAccuracy ? ` (the training run reported ${(100 * Number(meta.testAccuracy)).toFixed(2)}%)` : ''));
  console.log(`most frequent mistakes (true→predicted): ${confusions.map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  x.dispose(); y.dispose();
}

main().catch((e) => { console.error(e); process.exit(1); });
