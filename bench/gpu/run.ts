// run.ts — `node dist/bench/gpu/run.js [ids...]`: the GPU benchmarks side by side with PyTorch on
// the same machine (nodetensor in this process, torch_gpu.py in a child, one after the other so they
// do not share the GPU), then the table of ratios against issue 4's targets; everything also goes
// to bench/results/gpu.json. Not here: the workloads (workloads.ts, torch_gpu.py).
// NOTE: written without a GPU at hand: never run yet (see README.md).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as nt from '../../lib';
import { GPU_WORKLOADS, Measured, NO_TARGET, runNodetensor } from './workloads';

const root = path.resolve(__dirname, '..', '..', '..');
const PYTHON = process.env.NODETENSOR_BENCH_PYTHON ?? 'python3';

type Row = Measured | { error: string } | undefined;
const fmt = (r: Row, digits = 1): string => (!r ? 'n/a' : 'error' in r ? 'error' : r.value.toFixed(digits));

function main(): void {
  const only = process.argv.slice(2);
  if (!nt.cuda.isAvailable()) {
    console.log(`cuda is not available: ${nt.backendInfo('cuda').reason}`);
    process.exit(1);
  }
  const info = nt.backendInfo('cuda').details as { driver: string; runtime: string; blas: unknown };
  console.log(`device: ${nt.cuda.getDeviceName(0)}; driver CUDA ${info.driver}, runtime ${info.runtime}; blas ${JSON.stringify(info.blas)}`);
  const ours = runNodetensor(only.length ? only : undefined);
  const r = spawnSync(PYTHON, [path.join(root, 'bench', 'gpu', 'torch_gpu.py'), ...only], { encoding: 'utf8', maxBuffer: 64 << 20 });
  let theirs: Record<string, Row> & { device?: string; torch?: string } = {};
  if (r.status === 0) theirs = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
  else console.log(`PyTorch side failed: ${(r.stderr || '').trim().split('\n').slice(-5).join('\n')}`);
  console.log(`PyTorch ${theirs.torch ?? '?'} on ${theirs.device ?? '?'}\n`);
  console.log('| workload | unit | nodetensor | PyTorch | ratio | target | met |');
  console.log('|---|---|---|---|---|---|---|');
  for (const w of GPU_WORKLOADS) {
    if (only.length && !only.includes(w.id)) continue;
    const a = ours[w.id], b = theirs[w.id];
    let ratio = NaN;
    if (a && b && !('error' in a) && !('error' in b)) ratio = a.value / b.value;
    const met = Number.isNaN(ratio) || w.target === NO_TARGET ? '' : w.unit === 'ms/step' ? (ratio <= 1.2 ? 'yes' : 'NO') : ratio >= (w.id.startsWith('matmul') ? 0.95 : 0.9) ? 'yes' : 'NO';
    console.log(`| ${w.label} | ${w.unit} | ${fmt(a)} | ${fmt(b)} | ${Number.isNaN(ratio) ? 'n/a' : `${ratio.toFixed(2)}×`} | ${w.target} | ${met} |`);
  }
  for (const [id, a] of Object.entries(ours)) if (a && 'error' in a) console.log(`nodetensor ${id}: ${a.error}`);
  for (const w of GPU_WORKLOADS) {
    const a = ours[w.id], b = theirs[w.id];
    if (a && 'note' in a && a.note) console.log(`nodetensor ${w.id}: ${a.note}`);
    if (b && 'note' in b && b.note) console.log(`PyTorch ${w.id}: ${b.note}`);
  }
  for (const w of GPU_WORKLOADS) { const b = theirs[w.id]; if (b && 'error' in b) console.log(`PyTorch ${w.id}: ${b.error}`); }
  console.log('\nratio: throughput over PyTorch\'s (for the GPT step: our time over PyTorch\'s, lower is better)');
  fs.mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench', 'results', 'gpu.json'), JSON.stringify({ nodetensor: ours, pytorch: theirs }, null, 1));
}

main();
