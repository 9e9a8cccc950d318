// devices.test.ts — bad device strings, devices whose backend is not available, and operands on
// different devices. A second real device needs hardware, so the mixed-device checks use a Tensor
// whose Storage merely claims to live on 'cuda:0' (never read or freed). Not here: backendInfo's
// shape (test/unit/backends.test.ts).
import test from 'tape';
import * as nt from '../../lib';
import { Storage } from '../../lib/memory';

type ErrClass = ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor;

/** Asserts fn throws exactly `cls` (not a subclass or superclass) with a message matching every regex. */
function throwsLike(t: test.Test, fn: () => unknown, cls: ErrClass, res: RegExp | RegExp[], what: string): void {
  let err: unknown = undefined, threw = false;
  try { fn(); } catch (e) { threw = true; err = e; }
  if (!threw) { t.fail(`${what}: expected ${cls.name}, nothing was thrown`); return; }
  const e = err as Error;
  t.equal(e?.constructor?.name, cls.name, `${what}: throws ${cls.name}`);
  const msg = String(e?.message);
  for (const re of Array.isArray(res) ? res : [res]) t.match(msg, re, `${what}: message ${re} (got: ${msg})`);
}

const any = (v: unknown): never => v as never;

test('unknown device strings are rejected as unknown devices', (t) => {
  for (const dev of ['gpu', 'cuda:x', 'CPU', 'cuda:', 'npu:-1', 'cuda:0:1', ' cpu', 'metal', '']) {
    throwsLike(t, () => nt.zeros([2], { device: dev }), TypeError, [/zeros/, /unknown device/, new RegExp(JSON.stringify(dev).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), /'cpu'/, /'cuda:N'/], `zeros on ${JSON.stringify(dev)}`);
  }
  throwsLike(t, () => nt.tensor([1], { device: any(7) }), TypeError, [/tensor/, /unknown device/, /7/], 'device given as a number');
  throwsLike(t, () => nt.ones([1]).to('gpu'), TypeError, [/to/, /unknown (dtype or )?device/, /gpu/, /'cpu'/], "to('gpu')");
  throwsLike(t, () => nt.ones([1]).to({ device: 'cuda:x' }), TypeError, [/to/, /cuda:x/], "to({device: 'cuda:x'})");
  throwsLike(t, () => nt.synchronize('gpu'), TypeError, [/synchronize/, /gpu/], "synchronize('gpu')");
  throwsLike(t, () => nt.backendInfo(any('gpu')), TypeError, [/backendInfo/, /gpu/, /'cpu'/], "backendInfo('gpu')");
  t.end();
});

test('cpu has one device: cpu:1 is refused, cpu:0 is cpu', (t) => {
  throwsLike(t, () => nt.zeros([2], { device: 'cpu:1' }), RangeError, [/zeros/, /cpu:1/, /does not exist/, /one device/], 'zeros on cpu:1');
  throwsLike(t, () => nt.arange(3, undefined, 1, { device: 'cpu:7' }), RangeError, [/arange/, /cpu:7/], 'arange on cpu:7');
  throwsLike(t, () => nt.zeros([2], { device: 'cuda:256' }), RangeError, [/zeros/, /256/, /out of range/], 'cuda:256');
  const x = nt.zeros([2], { device: 'cpu:0' });
  t.equal(x.device, 'cpu', "'cpu:0' is the cpu");
  x.dispose();
  t.end();
});

/** The devices of a backend that is not available must say so, and say what is missing. */
for (const [backend, devices, nameRe] of [
  ['cuda', ['cuda', 'cuda:0', 'cuda:1'], /cuda/i],
  ['npu', ['npu', 'npu:0', 'npu:3'], /npu|cann/i],
] as const) {
  test(`${backend}: a clear error when it is not available`, (t) => {
    const info = nt.backendInfo(backend);
    if (info.available) {
      // Real hardware: an index past the last device is the error to check instead.
      throwsLike(t, () => nt.zeros([2], { device: `${devices[0]}:${info.deviceCount}` }), RangeError,
        [/does not exist/, new RegExp(`${info.deviceCount} device`)], `${devices[0]}:${info.deviceCount} past the last device`);
      t.end();
      return;
    }
    t.equal(typeof info.reason, 'string', `backendInfo('${backend}').reason is a string`);
    for (const dev of devices) {
      throwsLike(t, () => nt.zeros([2], { device: dev }), Error, [nameRe, /not available/, /librar|driver|toolkit|runtime|not found|install/i], `zeros on ${dev}`);
      throwsLike(t, () => nt.tensor([1, 2], { device: dev }), Error, [nameRe, /not available/], `tensor on ${dev}`);
    }
    const x = nt.ones([3]);
    throwsLike(t, () => x.to(devices[1]), Error, [nameRe, /not available/], `to('${devices[1]}')`);
    throwsLike(t, () => nt.synchronize(devices[1]), Error, [nameRe, /not available/], `synchronize('${devices[1]}')`);
    // The failure leaves the CPU untouched.
    t.same(Array.from(x.add(1).dataSync() as Float32Array), [2, 2, 2], 'cpu still works afterwards');
    t.same(nt.memory().cpu.tensors >= 1, true, 'memory() still answers');
    t.equal(nt.memory()[devices[1]], undefined, `no memory entry was created for ${devices[1]}`);
    x.dispose();
    t.end();
  });
}

test('operands on different devices: a clear error naming both devices', (t) => {
  // A tensor that claims to live on cuda:0. Its storage has no bytes and is marked freed so that
  // neither dispose() nor the GC backstop ever hands its (fake) pointer to a backend.
  const storage = new Storage(0, 0, 256, 'cuda:0');
  storage.rec.freed = true;
  const g = new nt.Tensor(storage, [2], [1], 0, 0);
  t.equal(g.device, 'cuda:0', 'the stand-in tensor reports cuda:0');
  const c = nt.ones([2]), b = nt.tensor([true, false]), idx = nt.tensor([0, 1]);
  const re = [/same device/, /cpu/, /cuda:0/];
  throwsLike(t, () => c.add(g), Error, [/add/, ...re], 'cpu + cuda');
  throwsLike(t, () => g.mul(c), Error, [/mul/, ...re], 'cuda * cpu');
  throwsLike(t, () => c.add_(g), Error, [/add/, ...re], 'cpu.add_(cuda)');
  throwsLike(t, () => nt.maximum(c, g), Error, [/maximum/, ...re], 'maximum(cpu, cuda)');
  throwsLike(t, () => c.eq(g), Error, [/eq/, ...re], 'cpu == cuda');
  throwsLike(t, () => nt.where(b, c, g), Error, [/where/, ...re], 'where(cpu cond, cpu, cuda)');
  throwsLike(t, () => nt.where(b, g, 0), Error, [/where/, ...re], 'where(cpu cond, cuda, 0)');
  throwsLike(t, () => g.maskedFill(b, 0), Error, [/maskedFill/, ...re], 'maskedFill(cuda, cpu mask)');
  throwsLike(t, () => c.matmul(g), Error, [/matmul/, ...re], 'matmul(cpu, cuda)');
  throwsLike(t, () => nt.cat([c, g]), Error, [/cat/, ...re], 'cat([cpu, cuda])');
  throwsLike(t, () => c.indexSelect(0, new nt.Tensor(storage, [2], [1], 0, 5)), Error, [/indexSelect/, ...re], 'indexSelect with a cuda index');
  throwsLike(t, () => g.gather(0, idx), Error, [/gather/, ...re], 'gather(cuda, cpu index)');
  throwsLike(t, () => c.scatter(0, idx, g), Error, [/scatter/, ...re], 'scatter with a cuda src');
  throwsLike(t, () => c.indexAdd(0, idx, g), Error, [/indexAdd/, ...re], 'indexAdd with a cuda source');
  // Nothing was enqueued anywhere: the cpu is fine.
  t.same(Array.from(c.mul(3).dataSync() as Float32Array), [3, 3], 'cpu still works');
  t.end();
});
