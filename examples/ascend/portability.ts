// portability.ts — `npm run example:ascend`: trained on CUDA (or the CPU), served on Ascend. Trains a
// small transformer on 'cuda:0' when a GPU is there, else on the CPU; saves safetensors; loads them
// on 'npu:0' in float16 and generates; compares the logits with the training device's.
// Without an NPU it says why and serves on the CPU. Not here: the model (tiny-gpt.ts).
//   source /usr/local/Ascend/ascend-toolkit/set_env.sh && npm run example:ascend
//   node test/cann-standin/setup.js npm run example:ascend    # against the test stand-in
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as nt from '../../lib';
import { makeBatches, TinyGPT, trainSteps } from './tiny-gpt';

async function main(): Promise<void> {
  const cfg = { vocab: 23, block: 8, d: 32, heads: 4, layers: 2 };
  const trainOn = nt.cuda.isAvailable() ? 'cuda:0' : 'cpu';
  const serveOn = nt.npu.isAvailable() ? 'npu:0' : 'cpu';
  if (serveOn === 'cpu') console.log(`no NPU (${nt.backendInfo('npu').reason?.split('\n')[0]}); serving on the CPU instead`);

  nt.manualSeed(0);
  const model = new TinyGPT(cfg).to(trainOn);
  const batches = makeBatches(cfg, 150, 16);
  const losses = trainSteps(model, batches, trainOn);
  console.log(`trained on ${trainOn}: loss ${losses[0].toFixed(3)} -> ${losses[losses.length - 1].toFixed(3)}`);

  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nt-ascend-')), 'tiny-gpt.safetensors');
  await nt.save(model.stateDict(), file);

  const served = new TinyGPT(cfg).to(serveOn);
  served.loadStateDict(await nt.load(file, { device: serveOn }));
  served.to({ dtype: 'float16' });
  const name = serveOn === 'cpu' ? 'the CPU' : `${serveOn} (${nt.npu.getDeviceName(0)})`;

  const prompt = nt.tensor([[3, 4, 5]], { dtype: 'int64' });
  const ref = model.generate(prompt.to(trainOn), 6);
  const out = served.generate(prompt.to(serveOn), 6);
  let worst = 0;
  out.logits.forEach((l, s) => l.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - ref.logits[s][i])); }));
  console.log(`served on ${name} in float16: ${out.tokens.join(' ')}`);
  console.log(`${trainOn} float32 would say:      ${ref.tokens.join(' ')}`);
  console.log(`largest logit difference: ${worst.toFixed(4)} (float16 rounding)`);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

main().catch((e) => { console.error(e); process.exit(1); });
