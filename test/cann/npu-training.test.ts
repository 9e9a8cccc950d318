// npu-training.test.ts — the portability story on npu:0 (the CANN stand-in, or a real NPU with
// NODETENSOR_TEST_NPU=real): a small causal transformer trains identically on the CPU and on npu:0
// (same weights, same batches, AdamW, gradient clipping: losses agree step by step), then CPU-trained
// weights are saved as safetensors, loaded on npu:0 in float16 and used for greedy generation; the
// logits agree with the CPU's within float16 tolerance; and the example (npm run example:ascend) runs.
// Not here: op checks (the conformance suite runs on npu:0).
import test from 'tape';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as nt from '../../lib';
import { makeBatches, TinyGPT, trainSteps } from '../../examples/ascend/tiny-gpt';

const root = path.resolve(__dirname, '..', '..', '..');
const mode = process.env.NODETENSOR_TEST_NPU ?? 'standin';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const standin = mode === 'standin' ? require(path.join(root, 'test/cann-standin/setup.js')).useStandin() : null;
const skip = mode === 'off' || (mode === 'standin' && (!standin || !!standin.error));
const CFG = { vocab: 23, block: 8, d: 16, heads: 2, layers: 2 };

test('a transformer trains the same on npu:0 as on the CPU (AdamW, clipping, 12 steps)', { skip }, (t) => {
  nt.manualSeed(7);
  const cpuModel = new TinyGPT(CFG);
  const npuModel = new TinyGPT(CFG);
  npuModel.loadStateDict(cpuModel.stateDict());
  npuModel.to('npu:0');
  t.equal(npuModel.head.weight.device, 'npu:0', 'the copy lives on npu:0');
  const batches = makeBatches(CFG, 12, 4);
  const a = trainSteps(cpuModel, batches, 'cpu'), b = trainSteps(npuModel, batches, 'npu:0');
  const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i]) / Math.abs(v)));
  t.ok(a[a.length - 1] < a[0], `the loss falls (${a[0].toFixed(4)} -> ${a[a.length - 1].toFixed(4)})`);
  t.ok(worst < (mode === 'real' ? 2e-3 : 1e-4), `npu:0 losses agree with the CPU's step by step (worst relative difference ${worst.toExponential(2)})`);
  const wa = cpuModel.head.weight.dataSync() as Float32Array, wb = npuModel.head.weight.to('cpu').dataSync() as Float32Array;
  t.ok(wa.every((v, i) => Math.abs(v - wb[i]) <= 1e-3), 'and so do the trained weights');
  for (const [x, y] of batches) { x.dispose(); y.dispose(); }
  t.end();
});

test('trained on the CPU, saved as safetensors, served on npu:0 in float16', { skip }, async (t) => {
  nt.manualSeed(11);
  const trained = new TinyGPT(CFG);
  trainSteps(trained, makeBatches(CFG, 30, 8), 'cpu');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nt-npu-')), 'model.safetensors');
  await nt.save(trained.stateDict(), file);

  const served = new TinyGPT(CFG).to('npu:0');
  served.loadStateDict(await nt.load(file, { device: 'npu:0' }));
  served.to({ dtype: 'float16' });
  t.equal(served.head.weight.dtype, 'float16', 'the served model is float16');
  t.equal(served.head.weight.device, 'npu:0', '... on npu:0');

  const prompt = nt.tensor([[1, 2, 3]], { dtype: 'int64' });
  const ref = trained.generate(prompt, 5);
  const got = served.generate(prompt.to('npu:0'), 5);
  let worst = 0;
  for (let s = 0; s < ref.logits.length; s++) {
    const scale = Math.max(1, ...Array.from(ref.logits[s], Math.abs));
    for (let i = 0; i < CFG.vocab; i++) worst = Math.max(worst, Math.abs(ref.logits[s][i] - got.logits[s][i]) / scale);
  }
  t.ok(worst < 2e-2, `the npu:0 float16 logits agree with the CPU's float32 logits (worst ${worst.toExponential(2)} of the logit scale)`);
  t.same(got.tokens, ref.tokens, `greedy generation gives the same tokens (${got.tokens.join(' ')})`);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  t.end();
});

test('npm run example:ascend: trains, saves, serves on npu:0 in float16', { skip }, (t) => {
  const r = spawnSync(process.execPath, [path.join(root, 'dist/examples/ascend/portability.js')], { encoding: 'utf8', env: process.env });
  t.equal(r.status, 0, `exit 0 ${r.stderr.slice(0, 300)}`);
  const served = /served on (npu:0 \(\w+\)) in float16: ([\d ]+)/.exec(r.stdout), ref = /float32 would say: +([\d ]+)/.exec(r.stdout);
  t.ok(served, `it served on an NPU: ${served?.[1]}`);
  t.equal(served?.[2].trim(), ref?.[1].trim(), 'and generated what the training device would');
  t.end();
});
