// attention.ts — scaledDotProductAttention on the CPU, the fused kernel against the composite it
// replaces (matmul, mask, softmax, matmul), forward and forward+backward, causal or not, 1 and 2
// threads, and bench/train.ts's transformer training step with either path. Samples alternate
// between the two paths (a shared machine's load hits both alike); the table gives the median and
// the [min, max] range per row. Not part of `npm run bench`.
// Run: npm run build:ts && node dist/bench/attention.js [--reps N] [--threads 1,2] [--shape 8x4x64x32]
import * as nt from '../lib';
import { setFusedAttention } from '../lib/ops/attention';
import { gptStep } from './train';

const { F } = nt;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const reps = Number(arg('--reps', '7'));
const threadList = arg('--threads', '1,2').split(',').map(Number);
const shapes = arg('--shape', '8x4x64x32,4x12x1024x64').split(',').map((s) => s.split('x').map(Number));

/** Milliseconds per call of fn (a calibrated loop of at least minMs). */
function sample(fn: () => void, minMs: number): number {
  let k = 0;
  const t0 = performance.now();
  do { fn(); k++; nt.synchronize(); } while (performance.now() - t0 < minMs);
  return (performance.now() - t0) / k;
}

function stats(xs: number[]): { med: number; min: number; max: number } {
  const s = xs.slice().sort((a, b) => a - b);
  return { med: s[s.length >> 1], min: s[0], max: s[s.length - 1] };
}

const rows: string[] = [];
for (const threads of threadList) {
  nt.setNumThreads(threads);
  for (const [B, H, L, E] of shapes) {
    const q = nt.randn([B, L, H, E]).transpose(1, 2).requiresGrad_(true);  // as attention layers make it
    const k = nt.randn([B, L, H, E]).transpose(1, 2).requiresGrad_(true);
    const v = nt.randn([B, L, H, E]).transpose(1, 2).requiresGrad_(true);
    const minMs = L >= 512 ? 400 : 100;
    for (const isCausal of [false, true]) {
      for (const mode of ['forward', 'forward+backward'] as const) {
        const step = (): void => nt.tidy(() => {
          if (mode === 'forward') { nt.noGrad(() => F.scaledDotProductAttention(q, k, v, { isCausal })); return; }
          const o = F.scaledDotProductAttention(q, k, v, { isCausal });
          nt.autograd.grad(o.sum(), [q, k, v]);
        });
        const fused: number[] = [], comp: number[] = [];
        for (const on of [true, false]) { setFusedAttention(on); step(); step(); }  // warm-up
        nt.synchronize();  // (ops are asynchronous: the warm-up must not land in the first sample)
        for (let r = 0; r < reps; r++) {
          for (const on of r % 2 ? [false, true] : [true, false]) {
            setFusedAttention(on);
            (on ? fused : comp).push(sample(step, minMs));
          }
        }
        setFusedAttention(true);
        const f = stats(fused), c = stats(comp);
        const fmt = (x: { med: number; min: number; max: number }): string => `${x.med.toFixed(2).padStart(8)} [${x.min.toFixed(2)}, ${x.max.toFixed(2)}]`.padEnd(30);
        const row = `| [${B}, ${H}, ${L}, ${E}]`.padEnd(20) + ` | ${isCausal ? 'causal' : 'full  '} | ${mode.padEnd(16)} | ${String(threads).padStart(7)} | ${fmt(f)} | ${fmt(c)} | ${(c.med / f.med).toFixed(2).padStart(5)}x |`;
        rows.push(row);
        console.error(row);
      }
    }
    for (const t of [q, k, v]) t.dispose();
  }
}
// The transformer step of bench/train.ts (its MultiheadAttention passes the isCausal hint).
const stepRows: string[] = [];
for (const threads of threadList) {
  nt.setNumThreads(threads);
  const gpt = gptStep();
  const fused: number[] = [], comp: number[] = [];
  for (const on of [true, false]) { setFusedAttention(on); for (let i = 0; i < 3; i++) gpt(); }
  nt.synchronize();
  for (let r = 0; r < 3 * reps; r++) {
    for (const on of r % 2 ? [false, true] : [true, false]) {
      setFusedAttention(on);
      (on ? fused : comp).push(sample(gpt, 300));
    }
  }
  setFusedAttention(true);
  const f = stats(fused), c = stats(comp);
  const row = `| transformer step (bench/train.ts) | ${String(threads).padStart(7)} | ${f.med.toFixed(2)} [${f.min.toFixed(2)}, ${f.max.toFixed(2)}] | ${c.med.toFixed(2)} [${c.min.toFixed(2)}, ${c.max.toFixed(2)}] | ${(c.med / f.med).toFixed(2)}x |`;
  stepRows.push(row);
  console.error(row);
}

console.log(`\nscaledDotProductAttention, float32, CPU; ms per call: median [min, max] of ${reps} samples; speed-up = composite / fused (median)\n`);
console.log(`| shape [B, H, L, E]  | mask   | mode             | threads | fused ms                       | composite ms                   | speed-up |`);
console.log(`|--------------------|--------|------------------|---------|--------------------------------|--------------------------------|----------|`);
for (const r of rows) console.log(r);
console.log(`\n2-layer d=128 causal transformer training step, ms/step: median [min, max] of ${3 * reps} samples (fused path vs masked composite)\n`);
console.log('| workload | threads | fused ms | composite ms | speed-up |');
console.log('|---|---|---|---|---|');
for (const r of stepRows) console.log(r);
