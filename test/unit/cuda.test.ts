// cuda.test.ts — nt.cuda and the 'cuda' device. Without a usable GPU: every entry point says what is
// missing (no library, no driver, old driver, no device), the package keeps working, and
// `nodetensor doctor` reports it. With one: transfers, Philox parity with the CPU, TF32 switch,
// checked-index errors, out-of-memory recovery, memory stats and emptyCache.
// Not here: per-op numerics (the conformance suite runs every case on cuda:0 when present).
import test from 'tape';
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as nt from '../../lib';

const info = nt.backendInfo('cuda');
const gpu = info.available && info.deviceCount > 0;
const WHAT = /librar|driver|device|runtime|not found|install|sm_80/i;

function errorOf(fn: () => unknown): Error | null {
  try { fn(); } catch (e) { return e as Error; }
  return null;
}

test('nt.cuda: availability agrees with backendInfo', (t) => {
  t.equal(nt.cuda.isAvailable(), gpu, `isAvailable() is ${gpu}`);
  t.equal(nt.cuda.deviceCount(), gpu ? info.deviceCount : 0, 'deviceCount()');
  t.equal(typeof nt.cuda.matmul.allowTF32, 'boolean', 'matmul.allowTF32 is a boolean');
  t.equal(nt.cuda.matmul.allowTF32, false, 'TF32 is off by default');
  t.throws(() => { (nt.cuda.matmul as { allowTF32: unknown }).allowTF32 = 'yes'; }, /allowTF32: expected a boolean/, 'allowTF32 takes booleans only');
  t.throws(() => nt.cuda.getDeviceName(-1), /non-negative integer/, 'getDeviceName(-1)');
  t.throws(() => nt.cuda.memoryStats('cpu'), /expected a cuda device/, "memoryStats('cpu')");
  t.end();
});

if (!gpu) {
  test('cuda unavailable: every entry point says what is missing', (t) => {
    const reason = info.reason ?? '';
    t.match(reason, WHAT, `backendInfo('cuda').reason names the missing piece: ${reason}`);
    if (/libcuda\.so\.1 was not found/.test(reason)) t.match(reason, /cuBLAS/, 'and says whether cuBLAS was found (the GEMM matmul would use)');
    for (const [what, fn] of [
      ["zeros on 'cuda'", () => nt.zeros([2], { device: 'cuda' })],
      ["tensor on 'cuda:0'", () => nt.tensor([1, 2], { device: 'cuda:0' })],
      ["to('cuda')", () => nt.ones([2]).to('cuda')],
      ['cuda.getDeviceName()', () => nt.cuda.getDeviceName(0)],
      ['cuda.memoryStats()', () => nt.cuda.memoryStats(0)],
      ['cuda.synchronize()', () => nt.cuda.synchronize()],
    ] as const) {
      const e = errorOf(fn);
      t.ok(e instanceof Error, `${what} throws`);
      t.match(String(e?.message), /cuda is not available: /, `${what}: says cuda is not available`);
      t.ok(String(e?.message).includes(reason), `${what}: with the reason`);
    }
    t.doesNotThrow(() => { nt.cuda.matmul.allowTF32 = true; nt.cuda.matmul.allowTF32 = false; }, 'allowTF32 can be set without a GPU');
    t.doesNotThrow(() => nt.cuda.emptyCache(), 'emptyCache() is harmless');
    t.same(Array.from(nt.ones([2]).add(1).dataSync() as Float32Array), [2, 2], 'the CPU still works');
    t.end();
  });

  test('nodetensor doctor says why cuda is unavailable', (t) => {
    const cli = path.resolve(__dirname, '..', '..', 'lib', 'cli.js');
    const r = spawnSync(process.execPath, [cli, 'doctor'], { encoding: 'utf8' });
    t.equal(r.status, 0, 'doctor exits 0');
    const block = (r.stdout || '').split('\ncuda:')[1]?.split('\nnpu:')[0] ?? '';
    t.match(block, /not available/, 'cuda: not available');
    t.ok(block.includes(info.reason ?? '\u0000'), 'with the same reason as backendInfo');
    t.end();
  });
} else {
  test('cuda: devices, transfers and memory', (t) => {
    t.ok(nt.cuda.getDeviceName(0).length > 0, `cuda:0 is ${nt.cuda.getDeviceName(0)}`);
    const d = info.details as { driver: string; runtime: string; blas: { library: string } };
    t.comment(`driver ${d.driver}, runtime ${d.runtime}, blas ${JSON.stringify(d.blas)}`);
    for (const dtype of nt.DTYPES) {
      const x = nt.tensor([0, 1, 2, 3, 4, 5], { dtype, shape: [2, 3] });
      const g = x.to('cuda:0');
      t.equal(g.device, 'cuda:0', `${dtype}: on cuda:0`);
      t.same(g.t().contiguous().cpu().toArray(), x.t().contiguous().toArray(), `${dtype}: round trip through a transposed copy`);
    }
    const m = nt.cuda.memoryStats(0);
    for (const k of ['allocated', 'cached', 'reserved', 'peak', 'free', 'total'] as const) t.equal(typeof m[k], 'number', `memoryStats.${k}`);
    nt.cuda.emptyCache();
    t.equal(nt.cuda.memoryStats(0).cached, 0, 'emptyCache() leaves nothing cached');
    t.end();
  });

  test('cuda: manualSeed gives the CPU\'s numbers', (t) => {
    for (const dtype of ['float32', 'float16', 'bfloat16'] as const) {
      nt.manualSeed(7);
      const a = nt.rand([1000], { dtype }).dataSync() as Float32Array;
      nt.manualSeed(7);
      const b = nt.rand([1000], { dtype, device: 'cuda' }).dataSync() as Float32Array;
      t.same(Array.from(b), Array.from(a), `rand ${dtype}: identical`);
    }
    nt.manualSeed(3);
    const n1 = nt.randn([1000]).dataSync() as Float32Array;
    nt.manualSeed(3);
    const n2 = nt.randn([1000], { device: 'cuda' }).dataSync() as Float32Array;
    t.same(Array.from(n2), Array.from(n1), 'randn float32: identical');
    t.end();
  });

  test('cuda: matmul, TF32 switch, checked errors, out of memory', (t) => {
    const a = nt.randn([128, 64]), b = nt.randn([64, 96]);
    const ref = a.matmul(b).dataSync() as Float32Array;
    for (const tf32 of [false, true]) {
      nt.cuda.matmul.allowTF32 = tf32;
      const g = a.to('cuda').matmul(b.to('cuda')).dataSync() as Float32Array;
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(g[i] - ref[i]) / (1 + Math.abs(ref[i])));
      t.ok(worst < (tf32 ? 5e-2 : 1e-4), `matmul with allowTF32=${tf32}: worst relative error ${worst}`);
    }
    nt.cuda.matmul.allowTF32 = false;
    const x = nt.tensor([1, 2, 3], { device: 'cuda' });
    const e = errorOf(() => x.gather(0, nt.tensor([0, 7], { device: 'cuda' })).dataSync());
    t.match(String(e?.message), /index 7 is out of range for dimension 0 with size 3/, 'a bad gather index is reported like the CPU');
    t.same(Array.from(x.add(1).dataSync() as Float32Array), [2, 3, 4], 'the device works afterwards');
    const d = errorOf(() => nt.tensor([1, 2], { dtype: 'int32', device: 'cuda' }).div(nt.tensor([1, 0], { dtype: 'int32', device: 'cuda' }), { roundingMode: 'floor' }).dataSync());
    t.match(String(d?.message), /division by zero/, 'integer division by zero is reported');
    const oom = errorOf(() => nt.empty([2 ** 50], { dtype: 'uint8', device: 'cuda' }));
    t.match(String(oom?.message), /out of memory on cuda:0: tried to allocate .* free of/, `out of memory says requested and free sizes: ${oom?.message}`);
    t.same(Array.from(nt.ones([2], { device: 'cuda' }).dataSync() as Float32Array), [1, 1], 'the process stays usable');
    t.end();
  });
}
