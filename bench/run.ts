// run.ts — `npm run bench`: times the same workloads side by side, in one run, on nodetensor (with
// the system BLAS and, in a child process, the built-in GEMM), PyTorch (bench/torch_bench.py) and
// TensorFlow.js wasm (bench/tfjs.ts); prints a table and writes bench/results/latest.json.
// Not here: the timing method (measure.ts). Options: --quick, --only <substring>, --no-torch, --no-tfjs.
// (`--serve` is internal: the built-in GEMM child answers JSON lines on stdin/stdout.)
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import * as nt from '../lib';
import { Contender, JsonLineChild, Plan, Result, Runner, Timing, WORKLOADS, Workload, planFor, timeWorkload } from './measure';
import { TfjsInfo, startTfjs } from './tfjs';

const ROOT = path.join(__dirname, '..', '..');
const PYTHON = process.env.NODETENSOR_BENCH_PYTHON ?? '/usr/bin/python3';

interface Args { quick: boolean; only: string[]; torch: boolean; tfjs: boolean; serve: boolean }

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, only: [], torch: true, tfjs: true, serve: false };
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i];
    if (s === '--quick') a.quick = true;
    else if (s === '--only') { const v = argv[++i]; if (v === undefined) die('--only needs a substring, e.g. --only matmul'); a.only.push(v); }
    else if (s.startsWith('--only=')) a.only.push(s.slice(7));
    else if (s === '--no-torch') a.torch = false;
    else if (s === '--no-tfjs') a.tfjs = false;
    else if (s === '--serve') a.serve = true;
    else if (s === '--help' || s === '-h') {
      console.log('usage: npm run bench -- [--quick] [--only <substring>]... [--no-torch] [--no-tfjs]\n' +
        `workloads: ${WORKLOADS.map((w) => w.id).join(', ')}`);
      process.exit(0);
    } else die(`unknown argument ${JSON.stringify(s)} (try --help)`);
  }
  return a;
}

function die(msg: string): never { console.error(`bench: ${msg}`); process.exit(2); }

// ---------------------------------------------------------------- nodetensor

/** nodetensor's runner: every timed loop disposes each result and ends with nt.synchronize(). */
function prepareNt(w: Workload): Runner {
  const live: nt.Tensor[] = [];
  const keep = (t: nt.Tensor): nt.Tensor => { live.push(t); return t; };
  nt.manualSeed(0);
  let op: () => nt.Tensor;
  let check: () => string;
  if (w.kind === 'matmul') {
    const a = keep(nt.randn([w.n!, w.n!])), b = keep(nt.randn([w.n!, w.n!]));
    op = () => nt.matmul(a, b);
    check = () => checkMatmul(a, b);
  } else if (w.kind === 'add') {
    const a = keep(nt.randn([w.n!])), b = keep(nt.randn([w.n!]));
    op = () => nt.add(a, b);
    check = () => checkAdd(a, b);
  } else if (w.kind === 'sum') {
    const x = keep(nt.randn([w.rows!, w.cols!]));
    op = () => nt.sum(x);
    check = () => checkSum(x);
  } else {
    const x = keep(nt.randn([w.rows!, w.cols!]));
    op = () => nt.softmax(x, -1);
    check = () => checkSoftmax(x);
  }
  nt.synchronize();
  return {
    run: async (k) => {
      const t0 = performance.now();
      for (let i = 0; i < k; i++) op().dispose();
      nt.synchronize();
      return performance.now() - t0;
    },
    check,
    dispose: () => { for (const t of live) t.dispose(); nt.synchronize(); nt.emptyCache(); },
  };
}

// Correctness spot checks of the timed op (a fast wrong kernel must not look like a win).
function checkMatmul(a: nt.Tensor, b: nt.Tensor): string {
  const n = a.shape[0];
  const c = nt.matmul(a, b);
  const A = a.dataSync() as Float32Array, B = b.dataSync() as Float32Array, C = c.dataSync() as Float32Array;
  c.dispose();
  for (const [i, j] of [[0, 0], [n - 1, n - 1], [n >> 1, 3 % n], [7 % n, n - 2]]) {
    let ref = 0, mag = 0;
    for (let k = 0; k < n; k++) { const p = A[i * n + k] * B[k * n + j]; ref += p; mag += Math.abs(p); }
    if (!(Math.abs(C[i * n + j] - ref) <= 1e-5 * mag + 1e-6)) return `c[${i},${j}] = ${C[i * n + j]}, expected ${ref}`;
  }
  return 'ok';
}
function checkAdd(a: nt.Tensor, b: nt.Tensor): string {
  const c = nt.add(a, b);
  const A = a.dataSync() as Float32Array, B = b.dataSync() as Float32Array, C = c.dataSync() as Float32Array;
  c.dispose();
  for (let i = 0; i < C.length; i += Math.max(1, (C.length / 997) | 0)) {
    if (C[i] !== Math.fround(A[i] + B[i])) return `c[${i}] = ${C[i]}, expected ${Math.fround(A[i] + B[i])}`;
  }
  return 'ok';
}
function checkSum(x: nt.Tensor): string {
  const s = nt.sum(x);
  const got = s.item() as number;
  s.dispose();
  const X = x.dataSync() as Float32Array;
  let ref = 0, mag = 0;
  for (let i = 0; i < X.length; i++) { ref += X[i]; mag += Math.abs(X[i]); }
  return Math.abs(got - ref) <= 1e-6 * mag ? 'ok' : `sum = ${got}, expected ${ref}`;
}
function checkSoftmax(x: nt.Tensor): string {
  const y = nt.softmax(x, -1);
  try {
    for (const r of [0, x.shape[0] - 1]) {
      const xr = x.select(0, r), yr = y.select(0, r);
      const X = xr.dataSync() as Float32Array, Y = yr.dataSync() as Float32Array;
      xr.dispose(); yr.dispose();
      let m = -Infinity, s = 0;
      for (let i = 0; i < X.length; i++) m = Math.max(m, X[i]);
      for (let i = 0; i < X.length; i++) s += Math.exp(X[i] - m);
      for (let i = 0; i < X.length; i++) {
        const ref = Math.exp(X[i] - m) / s;
        if (!(Math.abs(Y[i] - ref) <= 1e-5 * ref + 1e-9)) return `softmax[${r},${i}] = ${Y[i]}, expected ${ref}`;
      }
    }
    return 'ok';
  } finally { y.dispose(); }
}

const ntContender = (plan: Plan): Contender => ({ key: 'nt', overheadIters: plan.overheadIters, prepare: async (w) => prepareNt(w) });

/** `--serve`: the built-in GEMM child (started with NODETENSOR_BLAS=builtin) answering JSON lines. */
async function serve(): Promise<void> {
  const runners = new Map<string, Runner>();
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    let out: Record<string, unknown>;
    try {
      const msg = JSON.parse(line) as { cmd: string; slot?: string; workload?: Workload; k?: number };
      const slot = msg.slot ?? '';
      if (msg.cmd === 'info') out = { threads: nt.getNumThreads(), details: nt.backendInfo('cpu').details };
      else if (msg.cmd === 'prepare') { runners.set(slot, prepareNt(msg.workload!)); out = { ok: true }; }
      else if (msg.cmd === 'run') out = { ms: await runners.get(slot)!.run(msg.k!) };
      else if (msg.cmd === 'check') out = { check: runners.get(slot)!.check?.() ?? 'ok' };
      else if (msg.cmd === 'dispose') { await runners.get(slot)?.dispose(); runners.delete(slot); out = { ok: true }; }
      else if (msg.cmd === 'exit') break;
      else out = { error: `unknown command ${msg.cmd}` };
    } catch (e) {
      out = { error: (e as Error).message };
    }
    process.stdout.write(JSON.stringify(out) + '\n');
  }
  rl.close();
}

// ---------------------------------------------------------------- table

interface Row {
  id: string; label: string; nodetensor: Result | null; torch: Result | null; tfjs: Result | null;
  ratio: number | null; target: string; met: boolean | null;
}

const isTiming = (r: Result | null | undefined): r is Timing => !!r && !('error' in r);

function fmt(r: Result | null | undefined, missing = 'n/a'): string {
  if (r === null || r === undefined) return missing;
  if (!isTiming(r)) return `error: ${r.error.slice(0, 60)}`;
  const wrong = r.check && r.check !== 'ok' ? ' (WRONG)' : '';
  switch (r.unit) {
    case 'GFLOP/s': return `${r.value.toFixed(1)} GFLOP/s${wrong}`;
    case 'GB/s': return `${r.value.toFixed(1)} GB/s, ${r.ms.toFixed(2)} ms${wrong}`;
    case 'us/op': return `${r.value.toFixed(2)} µs${wrong}`;
    default: return `${r.ms.toFixed(2)} ms${wrong}`;
  }
}

function makeRow(id: string, label: string, ntr: Result | null, tr: Result | null, tf: Result | null, minRatio: number | null, maxUs: number | null): Row {
  const ratio = isTiming(ntr) && isTiming(tr) ? tr.ms / ntr.ms : null;
  const ok = isTiming(ntr) && (!ntr.check || ntr.check === 'ok');
  let target = '', met: boolean | null = null;
  if (maxUs !== null) { target = `< ${maxUs} µs`; met = isTiming(ntr) ? ok && ntr.value < maxUs : null; }
  else if (minRatio !== null) { target = `≥ ${minRatio.toFixed(1)}×`; met = ratio === null ? null : ok && ratio >= minRatio; }
  return { id, label, nodetensor: ntr, torch: tr, tfjs: tf, ratio, target, met };
}

function printTable(rows: Row[], torchMissing: string, tfjsMissing: string): void {
  const head = ['workload', 'nodetensor', 'PyTorch', 'ratio', 'tfjs-wasm', 'target'];
  const body = rows.map((r) => [
    r.label, fmt(r.nodetensor), fmt(r.torch, torchMissing), r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`,
    fmt(r.tfjs, r.id.endsWith('_builtin') ? '' : tfjsMissing), r.target ? `${r.target} ${r.met === null ? '?' : r.met ? 'met' : 'MISS'}` : '',
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(width[i])).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.serve) return serve();
  const plan = planFor(args.quick);
  const selected = WORKLOADS.filter((w) => !args.only.length || args.only.some((s) => w.id.includes(s) || w.label.includes(s)));
  if (!selected.length) die(`--only ${args.only.join(', ')} matches no workload; workloads: ${WORKLOADS.map((w) => w.id).join(', ')}`);

  const t0 = Date.now();
  const loadBefore = os.loadavg()[0];
  const threads = nt.getNumThreads();
  const details = nt.backendInfo('cpu').details as { gemm?: { blas?: string } } | undefined;
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  console.error(`bench: ${selected.length} workloads${args.quick ? ' (quick)' : ''}, ${threads} threads; samples interleaved across frameworks`);

  // The other contenders: PyTorch and the built-in GEMM in child processes, tfjs in this one.
  let torchChild: JsonLineChild | null = null;
  let torchInfo: { available: boolean; reason?: string; version?: string; threads?: number; blas?: string } = { available: false, reason: 'skipped (--no-torch)' };
  if (args.torch) {
    torchChild = new JsonLineChild(PYTHON, [path.join(ROOT, 'bench', 'torch_bench.py'), '--serve'], { ...process.env, OMP_NUM_THREADS: String(threads) });
    try { torchInfo = { available: true, ...(await torchChild.call({ cmd: 'info', threads }, 120_000)) }; } catch (e) {
      torchInfo = { available: false, reason: (e as Error).message };
      torchChild.close(); torchChild = null;
    }
  }
  let builtinChild: JsonLineChild | null = null;
  let builtinInfo: { threads?: number; details?: unknown; error?: string } | null = null;
  if (selected.some((w) => w.kind === 'matmul')) {
    builtinChild = new JsonLineChild(process.execPath, [__filename, '--serve'], { ...process.env, NODETENSOR_BLAS: 'builtin', NODETENSOR_NUM_THREADS: String(threads) });
    try { builtinInfo = await builtinChild.call({ cmd: 'info' }, 60_000); } catch (e) { builtinInfo = { error: (e as Error).message }; builtinChild.close(); builtinChild = null; }
  }
  let tfjsInfo: TfjsInfo = { available: false, reason: 'skipped (--no-tfjs)' };
  let tfjs: Contender | undefined;
  if (args.tfjs) ({ info: tfjsInfo, contender: tfjs } = await startTfjs(plan));

  const raw: Record<string, Record<string, Result>> = {};
  for (const w of selected) {
    const cs: Contender[] = [ntContender(plan)];
    if (torchChild) {
      cs.push(torchChild.contender('torch', plan.overheadIters));
      if (w.kind === 'add' && !w.overhead) cs.push(torchChild.contender('torch_out', plan.overheadIters, (x) => ({ ...x, out: true })));
    }
    if (tfjs) cs.push(tfjs);
    if (builtinChild && w.kind === 'matmul') cs.push(builtinChild.contender('builtin', plan.overheadIters));
    process.stderr.write(`  ${w.id} (${cs.map((c) => c.key).join(', ')})...`);
    raw[w.id] = await timeWorkload(w, cs, plan);
    if (builtinChild && w.kind === 'matmul' && isTiming(raw[w.id].builtin)) {
      // The child checked nothing yet: ask it for a spot check of its own result.
      const b = raw[w.id].builtin as Timing;
      try { await builtinChild.call({ cmd: 'prepare', slot: 'check', workload: w }); b.check = (await builtinChild.call({ cmd: 'check', slot: 'check' })).check as string; } catch (e) { b.check = `check failed: ${(e as Error).message}`; }
      await builtinChild.call({ cmd: 'dispose', slot: 'check' }).catch(() => undefined);
    }
    process.stderr.write(` ${Object.entries(raw[w.id]).map(([k, r]) => `${k} ${fmt(r)}`).join(', ')}\n`);
  }
  torchChild?.close();
  builtinChild?.close();

  const rows: Row[] = [];
  const sysName = details?.gemm?.blas ?? 'unknown';
  const get = (id: string, key: string): Result | null => raw[id]?.[key] ?? null;
  for (const w of selected) {
    if (w.kind === 'matmul') {
      const label = `${w.label}, ${sysName === 'builtin' ? 'built-in GEMM (no BLAS found)' : `system BLAS (${sysName})`}`;
      rows.push(makeRow(w.id, label, get(w.id, 'nt'), get(w.id, 'torch'), get(w.id, 'tfjs'), sysName === 'builtin' ? 0.5 : 0.9, null));
    } else if (w.overhead) rows.push(makeRow(w.id, w.label, get(w.id, 'nt'), get(w.id, 'torch'), get(w.id, 'tfjs'), null, 1.5));
    else rows.push(makeRow(w.id, w.label, get(w.id, 'nt'), get(w.id, 'torch'), get(w.id, 'tfjs'), 1.0, null));
  }
  for (const w of selected.filter((x) => x.kind === 'matmul')) {
    const br = builtinInfo?.error ? { error: builtinInfo.error } : get(w.id, 'builtin');
    rows.push(makeRow(`${w.id}_builtin`, `${w.label}, built-in GEMM`, br, get(w.id, 'torch'), null, 0.5, null));
  }

  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  const load = [loadBefore, os.loadavg()[0]];
  const busy = loadBefore > 0.5 * os.cpus().length;  // (the run itself raises the average it ends with)
  console.log(`\nnodetensor ${pkg.version} — ${new Date().toISOString()} — Node ${process.version} — ${cpu}, ${os.cpus().length} logical CPUs${args.quick ? ' — quick' : ''}`);
  console.log(`nodetensor: ${threads} threads; cpu backend ${JSON.stringify(details)}`);
  if (builtinInfo) console.log(`nodetensor built-in GEMM child: ${builtinInfo.error ?? `${builtinInfo.threads} threads; ${JSON.stringify((builtinInfo.details as { gemm?: unknown } | undefined)?.gemm)}`}`);
  console.log(torchInfo.available ? `PyTorch ${torchInfo.version}: ${torchInfo.threads} threads (torch.set_num_threads), ${torchInfo.blas}` : `PyTorch: unavailable — ${torchInfo.reason}`);
  console.log(tfjsInfo.available ? `TensorFlow.js ${tfjsInfo.version} wasm: SIMD ${tfjsInfo.simd ? 'on' : 'off'}, ${tfjsInfo.threads} thread(s)` : `TensorFlow.js wasm: unavailable — ${tfjsInfo.reason}`);
  console.log(`load average (1 min): ${load.map((l) => l.toFixed(2)).join(' before, ')} after${busy ? ' — WARNING: the machine was busy; absolute timings are unreliable (ratios less so: samples are interleaved)' : ''}`);
  console.log(`method: median of ${plan.reps} samples per framework, interleaved, after warm-up; each sample ≥ ${plan.minSampleMs} ms or ${plan.overheadIters} ops (tfjs per-op: ${plan.tfjsOverheadIters}); ratio = nodetensor/PyTorch throughput (>1 = faster)\n`);
  const missing = (i: { available: boolean; reason?: string }): string => (i.available ? 'n/a' : i.reason?.startsWith('skipped') ? 'skipped' : 'unavailable');
  printTable(rows, missing(torchInfo), missing(tfjsInfo));
  const addOut = get('add_16M', 'torch_out');
  if (isTiming(addOut)) {
    console.log(`note: PyTorch's add 16M is \`a + b\`: a fresh 64 MiB output each time, which its CPU allocator maps and faults in; ` +
      `into a preallocated output (torch.add(a, b, out=c)) it takes ${addOut.ms.toFixed(2)} ms (${addOut.value.toFixed(1)} GB/s).`);
  }
  for (const r of rows) if (isTiming(r.nodetensor) && r.nodetensor.check && r.nodetensor.check !== 'ok') console.log(`WRONG RESULT ${r.id}: ${r.nodetensor.check}`);
  const secs = (Date.now() - t0) / 1000;
  console.log(`\n${rows.filter((r) => r.met).length} of ${rows.filter((r) => r.target).length} targets met; ${secs.toFixed(0)} s`);

  const out = {
    date: new Date().toISOString(), quick: args.quick, only: args.only, seconds: secs,
    host: { node: process.version, platform: `${process.platform}-${process.arch}`, cpu, logicalCpus: os.cpus().length, loadavg1: load },
    plan,
    nodetensor: { version: pkg.version, threads, details },
    builtin: builtinInfo,
    torch: torchInfo,
    tfjs: tfjsInfo,
    rows,
    raw,
  };
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), path.join(dir, 'latest.json')) || 'bench/results/latest.json'}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
