// queue.test.ts — the execution model: every device is an in-order queue run by a native thread.
// Long kernels don't block the event loop, `await data()` and `dataSync()` see finished results,
// frees are stream-ordered (disposing a tensor that queued work still reads is safe, including
// when its block is recycled at once), ops run in submission order, many reads can be pending,
// and a process exits cleanly with or without pending work. Not here: memory accounting.
import test from 'tape';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as nt from '../../lib';

const root = path.resolve(__dirname, '..', '..', '..');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** Row-major float32 data of an n x n matrix with deterministic values in [-1, 1). */
function matData(n: number, seed: number): Float32Array {
  const a = new Float32Array(n * n);
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; a[i] = s / 2 ** 31 - 1; }
  return a;
}

/** A few entries of a @ b, in float64, checked against `got` (n x n, row-major). */
function checkEntries(t: test.Test, a: Float32Array, b: Float32Array, got: ArrayLike<number>, n: number, what: string): void {
  let worst = 0;
  for (let k = 0; k < 16; k++) {
    const i = (k * 7919) % n, j = (k * 104729 + 3) % n;
    let ref = 0, mag = 0;
    for (let p = 0; p < n; p++) { ref += a[i * n + p] * b[p * n + j]; mag += Math.abs(a[i * n + p] * b[p * n + j]); }
    worst = Math.max(worst, Math.abs(got[i * n + j] - ref) / (mag + 1e-30));
  }
  t.ok(worst < 1e-5, `${what}: 16 entries match a float64 reference (worst relative error ${worst.toExponential(2)})`);
}

let bigA: nt.Tensor, bigB: nt.Tensor, medA: nt.Tensor, hostA: Float32Array, hostB: Float32Array, reps = 1;
const N = 2048;

test('setup: big operands, and how many 2048^3 matmuls make >= ~400 ms here', (t) => {
  hostA = matData(N, 1); hostB = matData(N, 2);
  bigA = nt.tensor(hostA, { shape: [N, N] });
  bigB = nt.tensor(hostB, { shape: [N, N] });
  medA = nt.randn([1024, 1024]);  // blockers: ~1/8 of a big matmul keeps the queue busy for a while
  const t0 = now();
  const y = bigA.matmul(bigB);
  y.dataSync();
  const one = now() - t0;
  y.dispose();
  reps = Math.min(12, Math.max(1, Math.ceil(400 / Math.max(one, 1))));
  t.comment(`one ${N}x${N} float32 matmul: ${one.toFixed(0)} ms (${(2 * N ** 3 / one / 1e6).toFixed(1)} GFLOP/s); using ${reps}`);
  t.pass('calibrated');
  t.end();
});

test('a long matmul runs off the JS thread: setInterval keeps firing during await data()', async (t) => {
  let ticks = 0;
  const iv = setInterval(() => { ticks++; }, 5);
  const t0 = now();
  let y: nt.Tensor | null = null;
  for (let r = 0; r < reps; r++) {
    const prev = y;
    y = bigA.matmul(bigB);
    prev?.dispose();  // disposing a result that is still being computed is fine
  }
  const enqueueMs = now() - t0;
  const ticksBefore = ticks;
  const d = await y!.data<'float32'>();
  const total = now() - t0;
  clearInterval(iv);
  t.equal(ticksBefore, 0, 'no tick could fire while enqueueing (it is synchronous)');
  t.ok(enqueueMs < Math.max(50, total / 4), `enqueueing ${reps} matmuls returned quickly (${enqueueMs.toFixed(1)} ms of ${total.toFixed(0)} ms)`);
  t.ok(total >= 150, `the work really was long (${total.toFixed(0)} ms)`);
  t.ok(ticks >= 5, `setInterval(5 ms) fired ${ticks} times before data() resolved`);
  t.comment(`ticks=${ticks} over ${total.toFixed(0)} ms`);
  checkEntries(t, hostA, hostB, d, N, 'await data()');
  y!.dispose();
  t.end();
});

test('dataSync() waits for queued work', (t) => {
  const y = bigA.matmul(bigB);
  const d = y.dataSync() as Float32Array;
  checkEntries(t, hostA, hostB, d, N, 'dataSync() right after enqueue');
  const z = y.sum();
  t.ok(Number.isFinite(z.item() as number), 'item() after a queued reduction is finite');
  y.dispose(); z.dispose();
  t.end();
});

test('a tensor disposed while queued work reads it stays valid for that work', (t) => {
  const ns = 64, nb = 600;  // 16 KiB (recycled at once by the JS pool) and 1.4 MiB (native, cached)
  const xs = nt.tensor(matData(ns, 3), { shape: [ns, ns] });
  const xb = nt.tensor(matData(nb, 4), { shape: [nb, nb] });
  const r1 = xs.matmul(xs), r2 = xb.matmul(xb);
  const refS = Float32Array.from(r1.dataSync() as Float32Array), refB = Float32Array.from(r2.dataSync() as Float32Array);
  r1.dispose(); r2.dispose();
  const blocker = medA.matmul(medA);          // keeps the queue busy so nothing below has run yet
  const ys = xs.matmul(xs), yb = xb.matmul(xb);
  xs.dispose(); xb.dispose();  // no view holds them: their blocks go back (pool / stream-ordered free)
  // New tensors of the same sizes: the small one gets xs's block straight from the pool; its
  // contents (host upload and fills) must land only after the queued matmul has read xs.
  const noise = [
    nt.tensor(new Float32Array(ns * ns).fill(-5), { shape: [ns, ns] }),
    nt.full([ns, ns], 1000, { dtype: 'float32' }), nt.full([ns, ns], 1001, { dtype: 'float32' }),
    nt.full([nb, nb], 7, { dtype: 'float32' }), nt.tensor(new Float32Array(nb * nb).fill(8), { shape: [nb, nb] }),
  ];
  const ds = ys.dataSync() as Float32Array, db = yb.dataSync() as Float32Array;
  let badS = 0, badB = 0;
  for (let i = 0; i < ds.length; i++) if (Math.abs(ds[i] - refS[i]) > 1e-4 * (1 + Math.abs(refS[i]))) badS++;
  for (let i = 0; i < db.length; i++) if (Math.abs(db[i] - refB[i]) > 1e-4 * (1 + Math.abs(refB[i]))) badB++;
  t.equal(badS, 0, 'small (pooled) operand disposed while queued: result equals the reference');
  t.equal(badB, 0, 'big operand disposed while queued: result equals the reference');
  const want = [-5, 1000, 1001, 7, 8];
  noise.forEach((n, k) => {
    const d = n.dataSync() as Float32Array;
    t.ok(d.every((v) => v === want[k]), `new tensor ${k} holds its own values (${want[k]})`);
  });
  for (const x of [blocker, ys, yb, ...noise]) x.dispose();
  t.end();
});

test('ops run in submission order (in-place sequences, reads before writes)', (t) => {
  const blocker = medA.matmul(medA);  // everything below is queued behind it
  const a = nt.zeros([1000], { dtype: 'float64' });
  const snap = nt.zeros([1000], { dtype: 'float64' });
  let ref = 0, snapRef = NaN;
  for (let i = 0; i < 120; i++) {
    if (i % 3 === 0) { a.mul_(0.5); ref *= 0.5; }
    else if (i % 3 === 1) { a.add_(i); ref += i; }
    else { a.sub_(1, { alpha: 0.25 }); ref -= 0.25; }
    if (i === 60) { snap.copy_(a); snapRef = ref; }
  }
  const before = a.mul(1);   // reads a ...
  a.fill_(-1);               // ... before this write lands
  const dA = a.dataSync() as Float64Array, dB = before.dataSync() as Float64Array, dS = snap.dataSync() as Float64Array;
  t.ok(dB.every((v) => v === ref), `120 in-place ops applied in order (${dB[0]} vs ${ref})`);
  t.ok(dS.every((v) => v === snapRef), `copy_ in the middle saw the state at that point (${dS[0]} vs ${snapRef})`);
  t.ok(dA.every((v) => v === -1), 'the later fill_ landed last');
  for (const x of [blocker, a, snap, before]) x.dispose();
  t.end();
});

test('many outstanding data() promises all resolve with the right values', async (t) => {
  const blocker = medA.matmul(medA);
  const ts = Array.from({ length: 300 }, (_, i) => nt.full([(i % 7) + 1], i, { dtype: (i % 2 ? 'float32' : 'int32') as nt.DType }).add(1));
  const ps = ts.map((x) => x.data());
  // A synchronous read in the middle of pending asynchronous ones.
  const mid = nt.full([3], 5.5).dataSync() as Float32Array;
  t.same(Array.from(mid), [5.5, 5.5, 5.5], 'dataSync() while 300 reads are pending');
  const ds = await Promise.all(ps);
  let bad = 0;
  ds.forEach((d, i) => { if (d.length !== (i % 7) + 1 || !Array.from(d as ArrayLike<number>).every((v) => v === i + 1)) bad++; });
  t.equal(bad, 0, '300 concurrent data() promises resolved with their own values');
  // Reads of the same tensor at once, and of a strided view.
  const v = nt.arange(12).reshape([3, 4]).t();
  const [r1, r2, r3] = await Promise.all([v.data(), v.data(), v.data()]);
  t.same([r1, r2, r3].map((r) => Array.from(r as BigInt64Array, Number)), Array(3).fill([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]), 'three reads of one view');
  for (const x of [blocker, ...ts, v]) x.dispose();
  t.end();
});

test('disposing a tensor right after data() is safe: the pending read still gets its values', async (t) => {
  const blocker = medA.matmul(medA);
  const small = nt.arange(8, undefined, 1, { dtype: 'float32' }).mul(3);  // pooled size: recycled at once
  const big = nt.full([300_000], 2.5, { dtype: 'float32' });
  const ps = small.data(), pb = big.data();
  small.dispose(); big.dispose();
  const reuse = nt.full([8], -1, { dtype: 'float32' });  // likely gets small's block
  const [ds, db] = await Promise.all([ps, pb]);
  t.same(Array.from(ds as Float32Array), [0, 3, 6, 9, 12, 15, 18, 21], 'small: the read saw the values before the dispose');
  t.ok((db as Float32Array).every((v) => v === 2.5), 'big: the read saw the values before the dispose');
  t.same(Array.from(reuse.dataSync() as Float32Array), new Array(8).fill(-1), 'the reused block holds the new values');
  blocker.dispose(); reuse.dispose();
  t.end();
});

test('data() resolves asynchronously (never before the current task ends)', async (t) => {
  const x = nt.ones([4]);
  let resolved = false;
  const p = x.data().then((d) => { resolved = true; return d; });
  t.notOk(resolved, 'not resolved synchronously');
  await sleep(0);
  await p;
  t.ok(resolved, 'resolved later');
  x.dispose();
  t.end();
});

/** This thread's voluntary context switches (times it went to sleep), from /proc; null off Linux. */
function sleepsOfThisThread(): number | null {
  try {
    const m = /voluntary_ctxt_switches:\s+(\d+)/.exec(fs.readFileSync('/proc/thread-self/status', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch { return null; }
}

test('waiting on a long queue sleeps a few times, not once per command (sync, and a full queue)', (t) => {
  // 1500 128^3 matmuls + their frees are 3000 commands: the 1024-slot queue fills, so the JS thread
  // waits for space, then synchronize() waits for the rest. Before the fix every completed command
  // woke it (thousands of sleeps), and each wake took a core from the kernel it was waiting for.
  const x = nt.randn([128, 128]);
  nt.synchronize();
  const s0 = sleepsOfThisThread();
  if (s0 === null) { t.skip('no /proc/thread-self/status here'); x.dispose(); t.end(); return; }
  for (let i = 0; i < 1500; i++) x.matmul(x).dispose();
  nt.synchronize();
  const sleeps = sleepsOfThisThread()! - s0;
  t.ok(sleeps < 200, `the JS thread slept ${sleeps} times for 3000 queued commands (< 200)`);
  const y = x.matmul(x), z = y.sum();
  t.ok(Number.isFinite(z.item() as number), 'the queue still answers reads afterwards');
  for (const v of [x, y, z]) v.dispose();
  t.end();
});

function runChild(code: string): { status: number | null; out: string; ms: number } {
  const t0 = now();
  const r = spawnSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}`, ms: now() - t0 };
}

test('a process exits cleanly: after awaits, with a read pending, with work still queued', (t) => {
  const req = `const nt = require(${JSON.stringify(root)});`;
  const a = runChild(`${req} (async () => { const d = await nt.ones([100]).add(1).data(); console.log('v', d[0], d.length); })();`);
  t.equal(a.status, 0, `await data() then fall off the end: exit 0 (${a.ms.toFixed(0)} ms)`);
  t.match(a.out, /v 2 100/, 'printed the awaited value');
  t.ok(a.ms < 10_000, 'exited promptly');
  // No await and no timer: the pending read alone must keep the process alive until it resolves.
  const b = runChild(`${req} const x = nt.randn([512, 512]); let y = x; for (let i = 0; i < 6; i++) y = y.matmul(x).div(30);
    y.data().then((d) => console.log('done', d.length));`);
  t.equal(b.status, 0, `a pending read with nothing else alive: exit 0 (${b.ms.toFixed(0)} ms)`);
  t.match(b.out, /done 262144/, 'the pending read completed before exit');
  // Work queued, never read: the process must not hang on the device thread, nor crash at exit.
  const c = runChild(`${req} const x = nt.randn([768, 768]); for (let i = 0; i < 8; i++) x.matmul(x); console.log('queued');`);
  t.equal(c.status, 0, `exit with work still queued: exit 0 (${c.ms.toFixed(0)} ms)`);
  t.match(c.out, /queued/, 'ran to the end');
  t.ok(c.ms < 10_000, 'exited promptly');
  const d = runChild(`${req} const x = nt.randn([768, 768]); x.matmul(x).data(); setTimeout(() => process.exit(3), 0);`);
  t.equal(d.status, 3, 'process.exit() with a read pending exits with the given code');
  const e = runChild(`${req} (async () => { const y = nt.zeros([3]).indexSelect(0, nt.tensor([9])); await y.data(); })();`);
  t.notEqual(e.status, 0, 'an unhandled rejected read (bad index) fails the process');
  t.match(e.out, /index_select|indexSelect/, 'with the op named on stderr');
  t.end();
});

test('teardown', (t) => {
  bigA.dispose(); bigB.dispose(); medA.dispose();
  t.pass('disposed');
  t.end();
});
