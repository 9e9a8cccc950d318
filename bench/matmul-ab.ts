// matmul-ab.ts — compares float32 matmul across builds of nodetensor and PyTorch on a noisy, shared
// machine: every contender runs in its own child process, samples are interleaved as in
// `npm run bench` (bench/measure.ts), only with many more of them, and it prints medians, ranges and
// ratios. Use it to A/B a change against another checkout (built with scripts/dev-build.sh).
// Not here: other workloads, or the tables and targets of `npm run bench` (run.ts).
//   node dist/bench/matmul-ab.js [--sizes 128,512] [--reps 15] [--with /other/checkout]...
//                                [--builtin] [--no-torch]
import * as os from 'os';
import * as path from 'path';
import { Contender, JsonLineChild, Timing, Workload, planFor, timeWorkload } from './measure';

const ROOT = path.join(__dirname, '..', '..');
const PYTHON = process.env.NODETENSOR_BENCH_PYTHON ?? '/usr/bin/python3';

interface Spec { key: string; cmd: string; args: string[]; env: NodeJS.ProcessEnv; info: Record<string, unknown> }

function usage(msg?: string): never {
  if (msg) console.error(`matmul-ab: ${msg}`);
  console.error('usage: node dist/bench/matmul-ab.js [--sizes 128,512] [--reps 15] [--with /other/checkout]... [--builtin] [--no-torch]');
  process.exit(msg ? 2 : 0);
}

function parse(argv: string[]): { sizes: number[]; reps: number; roots: string[]; builtin: boolean; torch: boolean } {
  const o = { sizes: [128, 512], reps: 15, roots: [ROOT], builtin: false, torch: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], v = argv[i + 1];
    if (a === '--sizes' && v) { o.sizes = v.split(',').map(Number); i++; }
    else if (a === '--reps' && v) { o.reps = Number(v); i++; }
    else if (a === '--with' && v) { o.roots.push(path.resolve(v)); i++; }
    else if (a === '--builtin') o.builtin = true;
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown or incomplete argument ${JSON.stringify(a)}`);
  }
  if (!o.sizes.length || o.sizes.some((n) => !(Number.isInteger(n) && n > 0))) usage('--sizes takes positive integers, e.g. 128,512');
  if (!(Number.isInteger(o.reps) && o.reps >= 1)) usage('--reps takes a positive integer');
  return o;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const threads = Number(process.env.NODETENSOR_NUM_THREADS) || os.cpus().length;
  const specs: Spec[] = [];
  if (o.torch) {
    specs.push({ key: 'torch', cmd: PYTHON, args: [path.join(ROOT, 'bench', 'torch_bench.py'), '--serve'], env: { ...process.env, OMP_NUM_THREADS: String(threads) }, info: { cmd: 'info', threads } });
  }
  o.roots.forEach((root, i) => {
    const name = i === 0 ? 'nt' : `nt@${path.basename(root)}`;
    const env = { ...process.env, NODETENSOR_NUM_THREADS: String(threads) };
    const args = [path.join(root, 'dist', 'bench', 'run.js'), '--serve'];
    specs.push({ key: name, cmd: process.execPath, args, env, info: { cmd: 'info' } });
    if (o.builtin) specs.push({ key: `${name}-builtin`, cmd: process.execPath, args, env: { ...env, NODETENSOR_BLAS: 'builtin' }, info: { cmd: 'info' } });
  });
  const children: { key: string; child: JsonLineChild }[] = [];
  for (const s of specs) {
    const child = new JsonLineChild(s.cmd, s.args, s.env);
    const info = await child.call(s.info, 120_000);
    console.log(`# ${s.key}: ${JSON.stringify(info).slice(0, 300)}`);
    children.push({ key: s.key, child });
  }
  const plan = { ...planFor(false), reps: o.reps };
  for (const n of o.sizes) {
    const w: Workload = { id: `matmul_${n}`, label: `matmul ${n}x${n} f32`, kind: 'matmul', group: 'matmul', n };
    const contenders: Contender[] = children.map(({ key, child }) => child.contender(key, plan.overheadIters));
    const res = await timeWorkload(w, contenders, plan);
    const torch = res.torch as Timing | undefined;
    const gf = (ms: number): string => ((2 * n ** 3) / (ms * 1e-3) / 1e9).toFixed(1);
    for (const { key } of children) {
      const r = res[key];
      if ('error' in r) { console.log(`${w.label}  ${key.padEnd(24)} error: ${r.error}`); continue; }
      const s = r.samples_ms.slice().sort((a, b) => a - b);
      const ratio = torch && !('error' in torch) && key !== 'torch' ? `  torch/this ${(torch.ms / r.ms).toFixed(2)}` : '';
      console.log(`${w.label}  ${key.padEnd(24)} median ${gf(r.ms).padStart(6)} GFLOP/s  range [${gf(s[s.length - 1])}, ${gf(s[0])}]${ratio}`);
    }
  }
  for (const { child } of children) child.close();
}

main().catch((e) => { console.error(e); process.exit(1); });
