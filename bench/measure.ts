// measure.ts — the workload list and the timing method every framework in `npm run bench` shares:
// warm-up, a calibrated inner loop, samples INTERLEAVED across frameworks (so background load on a
// shared machine hits all of them alike), median. Not here: the frameworks' code or the table (run.ts).
import { spawn, ChildProcessWithoutNullStreams } from 'child_process';
import * as readline from 'readline';

/** One benchmark workload; `id` is what --only matches and the key in every result map. */
export interface Workload {
  id: string;
  label: string;
  kind: 'matmul' | 'add' | 'sum' | 'softmax';
  group: 'matmul' | 'elementwise' | 'overhead' | 'reduction';
  n?: number;
  rows?: number;
  cols?: number;
  /** add of tiny tensors timed as a fixed-length loop: the per-op overhead. */
  overhead?: boolean;
  /** PyTorch only: add into a preallocated output (a reference row). */
  out?: boolean;
}

export const WORKLOADS: Workload[] = [
  ...[128, 512, 1024, 2048].map((n): Workload => ({ id: `matmul_${n}`, label: `matmul ${n}x${n} f32`, kind: 'matmul', group: 'matmul', n })),
  { id: 'add_16M', label: 'add 16M f32', kind: 'add', group: 'elementwise', n: 16 * 1024 * 1024 },
  { id: 'add_16', label: 'add 16 f32 (per op)', kind: 'add', group: 'overhead', n: 16, overhead: true },
  { id: 'sum_4096x4096', label: 'sum 4096x4096 f32', kind: 'sum', group: 'reduction', rows: 4096, cols: 4096 },
  { id: 'softmax_4096x4096', label: 'softmax 4096x4096 dim -1', kind: 'softmax', group: 'reduction', rows: 4096, cols: 4096 },
];

/** Repetition settings. */
export interface Plan {
  reps: number; minSampleMs: number; overheadIters: number; tfjsOverheadIters: number;
  /** Pause before each sample, so the previous framework's BLAS/OpenMP threads stop spinning (~0.1 s). */
  coolMs: number;
}

export function planFor(quick: boolean): Plan {
  return quick
    ? { reps: 3, minSampleMs: 25, overheadIters: 100_000, tfjsOverheadIters: 10_000, coolMs: 150 }
    : { reps: 5, minSampleMs: 50, overheadIters: 100_000, tfjsOverheadIters: 25_000, coolMs: 150 };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A timing: per-op milliseconds (median of the samples) and the throughput figure. */
export interface Timing {
  ms: number;
  samples_ms: number[];
  inner: number;
  value: number;
  unit: string;
  /** The fastest sample (per op), for reading results taken on a busy machine. */
  min_ms?: number;
  /** A correctness spot check of the timed op's result ('ok' or what was wrong). */
  check?: string;
}
export type Result = Timing | { error: string };

/** One framework's prepared workload. run(k) runs the op k times, waits for the results, returns total ms. */
export interface Runner {
  run(k: number): Promise<number>;
  check?(): string;
  dispose(): Promise<void> | void;
}
/** A framework (or a configuration of one) taking part in a workload. */
export interface Contender {
  key: string;
  prepare(w: Workload): Promise<Runner>;
  /** Fixed inner-loop length for the per-op overhead workload. */
  overheadIters: number;
}

export function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Adds the throughput figure each workload reports. */
export function withValue(w: Workload, t: { ms: number; samples_ms: number[]; inner: number }): Timing {
  if (w.kind === 'matmul') return { ...t, value: (2 * w.n! ** 3) / (t.ms * 1e-3) / 1e9, unit: 'GFLOP/s' };
  if (w.kind === 'add' && w.overhead) return { ...t, value: t.ms * 1e3, unit: 'us/op' };
  if (w.kind === 'add') return { ...t, value: (3 * 4 * w.n!) / (t.ms * 1e-3) / 1e9, unit: 'GB/s' };
  return { ...t, value: t.ms, unit: 'ms' };
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Times one workload on every contender: each prepares its inputs and warms up while growing k
 * until k ops last at least plan.minSampleMs (the overhead workload uses a fixed k); then `plan.reps` rounds, each taking one sample from every
 * contender in a rotating order, with a short pause before each sample. Returns per-op milliseconds
 * (median) per contender.
 */
export async function timeWorkload(w: Workload, contenders: Contender[], plan: Plan): Promise<Record<string, Result>> {
  const results: Record<string, Result> = {};
  const live: { key: string; runner: Runner; k: number; samples: number[] }[] = [];
  for (const c of contenders) {
    let runner: Runner | undefined;
    try {
      runner = await c.prepare(w);
      await sleep(plan.coolMs);
      let k = 1, t = await runner.run(1);
      if (w.overhead) { k = c.overheadIters; await runner.run(k); } else {
        // NOTE: the first call is cold (page faults, JIT, threads waking), so grow k until one sample
        // really lasts minSampleMs; k from the first call alone would time wake-ups, not the op.
        while (t < plan.minSampleMs && k < 100_000) {
          k = Math.min(100_000, k * 100, Math.max(2 * k, Math.ceil((k * plan.minSampleMs * 1.1) / Math.max(t, 1e-3))));
          t = await runner.run(k);
        }
      }
      live.push({ key: c.key, runner, k, samples: [] });
    } catch (e) {
      results[c.key] = { error: errText(e) };
      if (runner) await runner.dispose();
    }
  }
  for (let r = 0; r < plan.reps; r++) {
    for (let i = 0; i < live.length; i++) {
      const e = live[(i + r) % live.length];
      if (e.key in results) continue;  // failed earlier
      // NOTE: OpenBLAS and OpenMP worker threads spin for ~0.1 s after their last job; on a small
      // machine they would steal the next framework's cores, so let them go idle first.
      if (live.length > 1) await sleep(plan.coolMs);
      try {
        e.samples.push((await e.runner.run(e.k)) / e.k);
      } catch (err) {
        results[e.key] = { error: errText(err) };
      }
    }
  }
  for (const e of live) {
    if (!(e.key in results)) {
      const t = withValue(w, { ms: median(e.samples), samples_ms: e.samples, inner: e.k });
      t.min_ms = Math.min(...e.samples);
      if (e.runner.check) { try { t.check = e.runner.check(); } catch (err) { t.check = `check failed: ${errText(err)}`; } }
      results[e.key] = t;
    }
    await e.runner.dispose();
  }
  return results;
}

/** A child process answering one JSON line per JSON line (torch_bench.py --serve, run.js --serve). */
export class JsonLineChild {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly waiting: { resolve: (v: string) => void; reject: (e: Error) => void }[] = [];
  private dead: Error | null = null;
  private stderrTail = '';

  constructor(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
    this.proc = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    readline.createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w.resolve(line);
    });
    this.proc.stderr.on('data', (d: Buffer) => { this.stderrTail = (this.stderrTail + d.toString()).slice(-2000); });
    const fail = (why: string): void => {
      this.dead = new Error(`${why}${this.stderrTail ? `: ${this.stderrTail.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
      for (const w of this.waiting.splice(0)) w.reject(this.dead);
    };
    this.proc.on('error', (e) => fail(`${cmd} could not start (${e.message})`));
    this.proc.on('exit', (code, sig) => fail(`${cmd} exited (${code ?? sig})`));
    this.proc.stdin.on('error', () => { /* reported by 'exit' */ });
  }

  /** Sends a command; resolves with the parsed answer, rejects on {error} or a dead child. */
  async call(msg: Record<string, unknown>, timeoutMs = 300_000): Promise<Record<string, unknown>> {
    if (this.dead) throw this.dead;
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${String(msg.cmd)} within ${timeoutMs / 1000} s`)), timeoutMs);
      this.waiting.push({ resolve: (v) => { clearTimeout(timer); resolve(v); }, reject: (e) => { clearTimeout(timer); reject(e); } });
      this.proc.stdin.write(JSON.stringify(msg) + '\n');
    });
    const r = JSON.parse(line) as Record<string, unknown>;
    if (typeof r.error === 'string') throw new Error(r.error);
    return r;
  }

  /** A Contender whose work runs in this child. */
  contender(key: string, overheadIters: number, adapt: (w: Workload) => Workload = (w) => w): Contender {
    return {
      key, overheadIters,
      prepare: async (w) => {
        await this.call({ cmd: 'prepare', slot: key, workload: adapt(w) });
        return {
          run: async (k) => (await this.call({ cmd: 'run', slot: key, k })).ms as number,
          dispose: async () => { await this.call({ cmd: 'dispose', slot: key }).catch(() => undefined); },
        };
      },
    };
  }

  close(): void {
    if (!this.dead) { try { this.proc.stdin.write('{"cmd":"exit"}\n'); this.proc.stdin.end(); } catch { /* gone */ } }
    setTimeout(() => { if (!this.dead) this.proc.kill(); }, 2000).unref();
  }
}
