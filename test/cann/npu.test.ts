// npu.test.ts — nt.npu and the 'npu:0' device against the CANN stand-in (or a real NPU with
// NODETENSOR_TEST_NPU=real): availability, names, memory, capability queries, the error that names
// op, dtype and SoC, the opt-in CPU fallback, the HF32 switch, reads at odd offsets.
// Not here: op numerics (the conformance suite runs on npu:0), missing-CANN messages
// (npu-errors.test.ts), the stand-in's contract checks (standin.test.ts).
import test from 'tape';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as nt from '../../lib';
import { resetFallbackWarnings } from '../../lib/fallback';

const root = path.resolve(__dirname, '..', '..', '..');
const mode = process.env.NODETENSOR_TEST_NPU ?? 'standin';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const standin = mode === 'standin' ? require(path.join(root, 'test/cann-standin/setup.js')).useStandin() : null;
const onStandin = !!standin && !standin.error;
const skip = mode === 'off' || (mode === 'standin' && !onStandin);
if (standin?.error) test(`CANN stand-in build: ${standin.error}`, (t) => { t.fail(standin.error); t.end(); });

const near = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): boolean =>
  a.length === b.length && Array.from(a).every((v, i) => Math.abs(v - b[i]) <= tol * (1 + Math.abs(b[i])));

function throwsMatching(t: test.Test, fn: () => unknown, res: RegExp[], what: string): void {
  try {
    fn();
    t.fail(`${what}: nothing was thrown`);
  } catch (e) {
    const m = String((e as Error).message);
    for (const re of res) t.match(m, re, `${what}: ${re} (got: ${m.slice(0, 200)})`);
  }
}

test('nt.npu: available on the stand-in, one device, named by its SoC', { skip }, (t) => {
  t.equal(nt.npu.isAvailable(), true, 'isAvailable()');
  t.ok(nt.npu.deviceCount() >= 1, `deviceCount() = ${nt.npu.deviceCount()}`);
  const name = nt.npu.getDeviceName(0);
  if (onStandin) t.equal(name, 'Ascend910B3', "getDeviceName(0) is aclrtGetSocName(): the stand-in's Ascend910B3");
  t.equal(nt.npu.getDeviceName('npu:0'), name, "getDeviceName('npu:0')");
  const d = nt.backendInfo('npu').details as Record<string, unknown>;
  t.equal(d.soc, name, 'backendInfo details name the SoC');
  t.match(String(d.family), /Atlas|unknown/, `family: ${d.family}`);
  t.match(String(d.verified), /stand-in/, 'backendInfo says what is verified');
  throwsMatching(t, () => nt.npu.getDeviceName(nt.npu.deviceCount()), [/does not exist/], 'a device past the last');
  throwsMatching(t, () => nt.npu.getDeviceName('cuda:0'), [/expected an npu device/], 'a cuda device');
  t.end();
});

test('nt.npu.memoryStats follows allocations; nt.emptyCache returns the cache', { skip }, (t) => {
  nt.npu.synchronize();
  const before = nt.npu.memoryStats();
  for (const k of ['allocated', 'cached', 'peak', 'reserved', 'free', 'total'] as const) t.equal(typeof before[k], 'number', `memoryStats().${k}`);
  const x = nt.zeros([1 << 18], { device: 'npu:0' });  // 1 MiB
  const during = nt.npu.memoryStats(0);
  t.ok(during.allocated >= before.allocated + (1 << 20), `allocated grew by at least 1 MiB (${before.allocated} -> ${during.allocated})`);
  t.ok(during.total > 0 && during.free <= during.total, 'free <= total');
  x.dispose();
  nt.npu.synchronize(0);
  t.ok(nt.npu.memoryStats().cached >= 1 << 20, 'a freed block is cached for reuse');
  nt.emptyCache();
  t.equal(nt.npu.memoryStats().cached, 0, 'emptyCache() hands the cached blocks back to CANN');
  t.end();
});

test('nt.npu.supports answers from the capability table and the installed CANN', { skip }, (t) => {
  t.equal(nt.npu.supports('matmul', 'float32'), true, 'matmul float32');
  t.equal(nt.npu.supports('matmul', 'float16'), true, 'matmul float16');
  t.equal(nt.npu.supports('matmul', 'float64'), false, 'matmul float64: the cube unit has none');
  t.equal(nt.npu.supports('matmul', 'int32'), false, 'matmul int32');
  t.equal(nt.npu.supports('logSoftmax', 'bfloat16'), true, "public names work: 'logSoftmax'");
  t.equal(nt.npu.supports('indexSelect', 'int64'), true, "'indexSelect'");
  t.equal(nt.npu.supports('mean', 'float32'), true, "'mean' is the sum kernel");
  t.equal(nt.npu.supports('sort', 'float64'), false, 'sort float64 (aclnnSort has no DOUBLE)');
  throwsMatching(t, () => nt.npu.supports('crossEntropy', 'float32'), [/not a kernel op/, /composite/], 'a composite');
  throwsMatching(t, () => nt.npu.supports('matmul', 'float8' as never), [/unknown dtype/], 'a bad dtype');
  t.end();
});

test('an op the chip cannot run: the error names the op, the dtype and the SoC; nothing leaks', { skip }, (t) => {
  nt.setFallback('none');
  const a = nt.ones([3, 3], { device: 'npu:0', dtype: 'float64' });
  const tensors = nt.memory()['npu:0'].tensors;
  throwsMatching(t, () => a.matmul(a), [/op 'matmul' is not supported on npu:0/, /float64/, /aclnnMatmul/, new RegExp(nt.npu.getDeviceName()), /setFallback\('cpu'\)/], 'float64 matmul');
  t.equal(nt.memory()['npu:0'].tensors, tensors, "the refused op's output was freed");
  t.same(Array.from(a.add(1).sum().dataSync() as Float64Array), [18], 'the device still works');
  a.dispose();
  t.end();
});

test("nt.setFallback('cpu'): the op runs on the CPU, agrees with it, warns once per op", { skip }, async (t) => {
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }): void => { if (w.code === 'NODETENSOR_CPU_FALLBACK') warnings.push(w.message); };
  process.on('warning', onWarning);
  resetFallbackWarnings();
  nt.setFallback('cpu');
  t.equal(nt.getFallback(), 'cpu', "getFallback() is 'cpu'");
  const hostA = nt.randn([5, 4], { dtype: 'float64' }), hostB = nt.randn([5, 3], { dtype: 'float64' });
  const a = hostA.to('npu:0'), b = hostB.to('npu:0');
  const y = a.t().matmul(b);  // a transposed operand
  t.equal(y.device, 'npu:0', 'the result lives on npu:0');
  t.ok(near(y.dataSync() as Float64Array, hostA.t().matmul(hostB).dataSync() as Float64Array, 1e-12), 'float64 matmul agrees with the CPU');
  a.matmul(a.t()).dispose();
  const x = nt.tensor([3, 1, 2, 5, 4], { dtype: 'float64' }).to('npu:0').slice(0, 1);  // a view with an offset
  const { values, indices } = x.sort(0, true);
  t.same(Array.from(values.dataSync() as Float64Array), [5, 4, 2, 1], 'sort float64 (two outputs) on the CPU');
  t.same(Array.from(indices.dataSync() as BigInt64Array, Number), [2, 3, 1, 0], 'its indices');
  await new Promise((r) => setImmediate(r));
  t.equal(warnings.filter((w) => /'matmul'/.test(w)).length, 1, 'one warning for matmul, though it ran twice');
  t.equal(warnings.filter((w) => /'sort'/.test(w)).length, 1, 'one warning for sort');
  t.match(warnings[0] ?? '', /float64 is not supported by aclnnMatmul/, 'the warning says why');
  nt.setFallback('none');
  throwsMatching(t, () => a.t().matmul(b), [/not supported on npu:0/], "after setFallback('none') the op throws again");
  throwsMatching(t, () => nt.setFallback('gpu' as never), [/expected 'cpu' or 'none'/], 'a bad mode');
  process.off('warning', onWarning);
  for (const z of [hostA, hostB, a, b, y, x, values, indices]) z.dispose();
  t.end();
});

test('NODETENSOR_FALLBACK=cpu turns the fallback on from the environment', { skip }, (t) => {
  const code = `const nt = require(${JSON.stringify(path.join(root, 'dist/lib'))});
    const a = nt.ones([2, 2], { device: 'npu:0', dtype: 'float64' });
    console.log(nt.getFallback(), Array.from(a.matmul(a).dataSync()).join(','));`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env: { ...process.env, NODETENSOR_FALLBACK: 'cpu' } });
  t.equal(r.status, 0, `exit 0 ${r.stderr.slice(0, 300)}`);
  t.equal(r.stdout.trim(), 'cpu 2,2,2,2', 'float64 matmul ran on the CPU');
  t.match(r.stderr, /NODETENSOR_CPU_FALLBACK/, 'with the warning');
  t.end();
});

test('nt.npu.matmul.allowHF32: off by default, switchable, float32 results stay float32', { skip }, (t) => {
  t.equal(nt.npu.matmul.allowHF32, false, 'default false (cubeMathType KEEP_DTYPE)');
  const a = nt.randn([8, 8]), b = nt.randn([8, 8]);
  const want = a.matmul(b).dataSync() as Float32Array;
  nt.npu.matmul.allowHF32 = true;
  t.equal(nt.npu.matmul.allowHF32, true, 'set to true');
  const got = a.to('npu:0').matmul(b.to('npu:0'));
  t.equal(got.dtype, 'float32', 'the result is float32');
  t.ok(near(got.dataSync() as Float32Array, want, onStandin ? 1e-5 : 2e-3), 'and close to the CPU (HF32 on a real chip)');
  nt.npu.matmul.allowHF32 = false;
  throwsMatching(t, () => { (nt.npu.matmul as { allowHF32: unknown }).allowHF32 = 1; }, [/expected a boolean/], 'a non-boolean');
  t.end();
});

test('reads at odd offsets, async reads, views in and out of the device', { skip }, async (t) => {
  const host = nt.arange(0, 100, 1, { dtype: 'uint8' });
  const x = host.to('npu:0');
  for (const [s, e] of [[1, 2], [3, 70], [63, 65], [65, 100]]) {
    t.same(Array.from(x.slice(0, s, e).dataSync() as Uint8Array), Array.from(host.slice(0, s, e).dataSync() as Uint8Array), `uint8 slice [${s}, ${e})`);
  }
  const h = nt.arange(0, 30, 1, { dtype: 'float16', device: 'npu:0' }).reshape([5, 6]);
  t.same(await h.t().slice(0, 2, 4).data(), nt.arange(0, 30, 1, { dtype: 'float16' }).reshape([5, 6]).t().slice(0, 2, 4).dataSync(), 'await data() of a transposed float16 slice');
  t.same(x.to('cpu').dataSync(), host.dataSync(), "to('cpu') round trip");
  t.end();
});
