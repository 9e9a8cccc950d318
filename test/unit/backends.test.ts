// backends.test.ts — nt.backendInfo(): the CPU backend's report (threads, SIMD, GEMM in use, ops),
// and CUDA/NPU reporting why they are unavailable (or, on hardware, their devices).
// Not here: device-string errors (test/errors/devices.test.ts).
import test from 'tape';
import * as nt from '../../lib';
import { OP_NAMES } from '../../lib/op-list';

test('backendInfo(cpu): available, one device, details and ops', (t) => {
  const c = nt.backendInfo('cpu');
  t.equal(c.name, 'cpu', 'name');
  t.equal(c.available, true, 'available');
  t.equal(c.reason, undefined, 'no reason when available');
  t.equal(c.deviceCount, 1, 'deviceCount 1');
  t.ok(c.details && typeof c.details === 'object', 'details is an object (parsed JSON)');
  const d = (c.details ?? {}) as { threads?: unknown; simd?: unknown; gemm?: { blas?: unknown } };
  t.ok(Number.isInteger(d.threads) && (d.threads as number) >= 1, `details.threads is a positive integer (${String(d.threads)})`);
  t.equal(typeof d.simd, 'string', `details.simd is a string (${String(d.simd)})`);
  t.ok(d.gemm && typeof d.gemm === 'object', 'details.gemm is an object');
  t.equal(typeof d.gemm?.blas, 'string', `details.gemm.blas is a string (${String(d.gemm?.blas)})`);
  t.ok((d.gemm?.blas as string)?.length > 0, 'details.gemm.blas is not empty');
  t.ok(Array.isArray(c.ops) && c.ops.length > 0, 'ops is a non-empty array');
  t.ok((c.ops ?? []).every((o) => (OP_NAMES as readonly string[]).includes(o)), 'every reported op is in the op table');
  t.comment(`cpu: ${JSON.stringify(c.details)}; ${c.ops?.length}/${OP_NAMES.length} ops`);
  t.equal(d.threads, nt.getNumThreads(), 'details.threads equals getNumThreads()');
  t.end();
});

test('setNumThreads / getNumThreads', (t) => {
  const n0 = nt.getNumThreads();
  t.ok(Number.isInteger(n0) && n0 >= 1, `getNumThreads() is a positive integer (${n0})`);
  nt.setNumThreads(1);
  t.equal(nt.getNumThreads(), 1, 'set to 1');
  const y = nt.ones([64, 64]).matmul(nt.ones([64, 64]));
  t.equal((y.dataSync() as Float32Array)[0], 64, 'kernels still work with one thread');
  const d = nt.backendInfo('cpu').details as { threads?: number };
  t.equal(d.threads, 1, 'backendInfo(cpu).details.threads follows setNumThreads');
  nt.setNumThreads(n0);
  t.equal(nt.getNumThreads(), n0, 'restored');
  t.end();
});

for (const name of ['cuda', 'npu', 'cann'] as const) {
  test(`backendInfo(${name}): unavailable with a reason, or a real device list`, (t) => {
    const b = nt.backendInfo(name);
    t.equal(typeof b.available, 'boolean', 'available is a boolean');
    t.equal(typeof b.name, 'string', `name is a string (${b.name})`);
    if (!b.available) {
      t.equal(typeof b.reason, 'string', 'reason is a string');
      t.ok((b.reason ?? '').length > 10, `reason says why in words: ${JSON.stringify(b.reason)}`);
      t.equal(b.deviceCount, 0, 'deviceCount 0');
      t.equal(b.ops, undefined, 'no ops listed');
    } else {
      t.ok(b.deviceCount >= 1, `deviceCount >= 1 (${b.deviceCount})`);
      t.ok(Array.isArray(b.ops), 'ops is an array');
      t.ok(b.details && typeof b.details === 'object', 'details is an object');
      t.comment(`${name}: ${JSON.stringify(b.details)}`);
    }
    t.end();
  });
}

test("backendInfo('npu') and backendInfo('cann') are the same backend", (t) => {
  const a = nt.backendInfo('npu'), b = nt.backendInfo('cann');
  t.same({ ...a, details: undefined }, { ...b, details: undefined }, 'same report');
  t.end();
});

test('backendInfo is cheap and stable when called repeatedly', (t) => {
  const a = nt.backendInfo('cuda'), b = nt.backendInfo('cuda');
  t.same(a, b, 'same answer twice (the load attempt is cached)');
  t.end();
});
