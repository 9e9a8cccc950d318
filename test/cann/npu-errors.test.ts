// npu-errors.test.ts — what a user sees when CANN is missing or half set up, and on chips or CANN
// versions that lack something: each case runs in its own Node process (the backend is loaded once
// per process) with the stand-in's libraries arranged to match, and checks the message word by word.
// Not here: the contract checks (standin.test.ts) or the API on a working device (npu.test.ts).
import test from 'tape';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..', '..');
const lib = JSON.stringify(path.join(root, 'dist/lib'));
// eslint-disable-next-line @typescript-eslint/no-var-requires
const standin = process.env.NODETENSOR_TEST_NPU === 'off' ? null : require(path.join(root, 'test/cann-standin/build.js')).ensureStandin();
const skip = !standin;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nt-cann-errors-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

/** A folder holding only the named stand-in libraries (symlinks), or arbitrary files. */
function folder(name: string, files: Record<string, string | null>): string {
  const d = path.join(tmp, name);
  fs.mkdirSync(d, { recursive: true });
  for (const [f, content] of Object.entries(files)) {
    if (content === null) fs.symlinkSync(path.join(standin.dir, f), path.join(d, f));
    else fs.writeFileSync(path.join(d, f), content);
  }
  return d;
}

/** Runs `code` (with `nt` in scope) in a child; env entries set to undefined are removed. */
function run(env: Record<string, string | undefined>, code: string): { out: string; err: string; status: number | null; signal: string | null } {
  const e: NodeJS.ProcessEnv = { ...process.env, NODETENSOR_FALLBACK: undefined, NODETENSOR_CANN_DEBUG: undefined };
  for (const [k, v] of Object.entries(env)) e[k] = v;
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
  const r = spawnSync(process.execPath, ['-e', `const nt = require(${lib});\n${code}`], { encoding: 'utf8', env: e });
  return { out: r.stdout, err: r.stderr, status: r.status, signal: r.signal };
}

const REPORT = `const i = nt.backendInfo('npu');
let thrown = '';
try { nt.zeros([2], { device: 'npu:0' }); } catch (e) { thrown = e.message; }
console.log(JSON.stringify({ available: i.available, reason: i.reason || '', thrown, isAvailable: nt.npu.isAvailable(), count: nt.npu.deviceCount() }));`;

function report(t: test.Test, env: Record<string, string | undefined>): { available: boolean; reason: string; thrown: string; isAvailable: boolean; count: number } {
  const r = run(env, REPORT);
  t.equal(r.status, 0, `the package still loads (exit 0) ${r.err.slice(0, 300)}`);
  return JSON.parse(r.out.trim().split('\n').pop() || '{}');
}

function unavailable(t: test.Test, env: Record<string, string | undefined>, res: RegExp[], what: string): void {
  const r = report(t, env);
  t.equal(r.available, false, `${what}: backendInfo('npu').available is false`);
  t.equal(r.isAvailable, false, `${what}: nt.npu.isAvailable() is false`);
  t.equal(r.count, 0, `${what}: nt.npu.deviceCount() is 0`);
  for (const re of res) t.match(r.reason, re, `${what}: the reason says ${re}`);
  t.match(r.thrown, /^npu is not available: /, `${what}: using npu:0 throws "npu is not available: ..."`);
  t.ok(r.thrown.endsWith(r.reason), `${what}: ... followed by the same reason`);
}

const OPP = (): string => standin.opp;

test('CANN not installed: says so, lists where it looked, says how to fix it', { skip }, (t) => {
  const empty = folder('empty', {});
  unavailable(t, { NODETENSOR_CANN_LIBDIR: empty, ASCEND_OPP_PATH: OPP() },
    [/CANN \(Huawei Ascend\) was not found/, /libacl_rt\.so/, /libascendcl\.so/, new RegExp(empty.replace(/[/.]/g, '\\$&')), /Install the CANN toolkit/, /source \/usr\/local\/Ascend\/ascend-toolkit\/set_env\.sh/],
    'an empty folder');
  if (fs.existsSync('/usr/local/Ascend')) t.comment('CANN is installed here: the default-probing case is skipped');
  else unavailable(t, { NODETENSOR_CANN_LIBDIR: undefined, ASCEND_OPP_PATH: undefined, LD_LIBRARY_PATH: '', ASCEND_HOME_PATH: '/opt/nowhere/cann' },
    [/was not found/, /LD_LIBRARY_PATH/, /\/opt\/nowhere\/cann\/lib64/, /\/usr\/local\/Ascend\/ascend-toolkit\/latest\/lib64/, /\/usr\/local\/Ascend\/cann\/lib64/, /set_env\.sh/],
    'default probing');
  t.end();
});

test('CANN found but set_env.sh not sourced (ASCEND_OPP_PATH missing): says exactly that', { skip }, (t) => {
  unavailable(t, { NODETENSOR_CANN_LIBDIR: standin.dir, ASCEND_OPP_PATH: undefined },
    [/CANN was found/, /libascendcl\.so/, /ASCEND_OPP_PATH is not set/, /source .*set_env\.sh/, /forgot to source set_env\.sh/], 'no ASCEND_OPP_PATH');
  unavailable(t, { NODETENSOR_CANN_LIBDIR: standin.dir, ASCEND_OPP_PATH: '/opt/nowhere/opp' },
    [/ASCEND_OPP_PATH=\/opt\/nowhere\/opp does not exist/, /set_env\.sh/], 'ASCEND_OPP_PATH pointing nowhere');
  t.end();
});

test('half-installed CANN: a runtime that does not load, no nnopbase, no operator library', { skip }, (t) => {
  unavailable(t, { NODETENSOR_CANN_LIBDIR: folder('broken', { 'libascendcl.so': 'not an ELF file' }), ASCEND_OPP_PATH: OPP() },
    [/found but its runtime library could not be loaded/, /libascendcl\.so/, /driver/, /set_env\.sh/], 'a runtime that does not load');
  unavailable(t, { NODETENSOR_CANN_LIBDIR: folder('no-nnopbase', { 'libascendcl.so': null }), ASCEND_OPP_PATH: OPP() },
    [/libnnopbase\.so/, /incomplete/], 'no libnnopbase.so');
  unavailable(t, { NODETENSOR_CANN_LIBDIR: folder('no-ops', { 'libascendcl.so': null, 'libnnopbase.so': null }), ASCEND_OPP_PATH: OPP() },
    [/no aclnn operator library/, /libopapi\.so/, /operator \(kernels\) package/], 'no libopapi.so');
  t.end();
});

test('CANN installed but no NPU visible: says so and points at npu-smi', { skip }, (t) => {
  unavailable(t, { NODETENSOR_CANN_LIBDIR: standin.dir, ASCEND_OPP_PATH: OPP(), NT_STANDIN_DEVICES: '0' },
    [/no NPU was found/, /aclrtGetDeviceCount returned 0/, /npu-smi info/, /ASCEND_RT_VISIBLE_DEVICES/], 'zero devices');
  t.end();
});

const ON = (extra: Record<string, string> = {}): Record<string, string> => ({ NODETENSOR_CANN_LIBDIR: standin.dir, ASCEND_OPP_PATH: OPP(), ...extra });
const TRY = `function attempt(f) { try { const r = f(); return 'ok ' + JSON.stringify(r); } catch (e) { return 'threw ' + e.message; } }`;

test('an older CANN without an operator: that op is refused by name, the rest works', { skip }, (t) => {
  const r = run(ON({ NODETENSOR_CANN_LIBDIR: standin.oldDir }), `${TRY}
    const x = nt.tensor([1, Infinity, 3], { device: 'npu:0' });
    console.log(attempt(() => Array.from(x.isinf().dataSync())));
    console.log(attempt(() => nt.npu.supports('isinf', 'float32')));
    console.log(attempt(() => nt.backendInfo('npu').details.missingOperators));
    console.log(attempt(() => Array.from(x.add(1).dataSync())));`);
  const [isinf, sup, missing, add] = r.out.trim().split('\n');
  t.match(isinf, /^threw op 'isinf' is not supported on npu:0 \(float32 isinf needs aclnnIsInf, which is not in the installed CANN's operator libraries \(.*libopapi\.so\) for Ascend910B3/, 'isinf names the dtype, the missing aclnn operator, the library and the SoC');
  t.match(isinf, /setFallback\('cpu'\)/, '... and the way out');
  t.equal(sup, 'ok false', "nt.npu.supports('isinf', 'float32') is false");
  t.match(missing, /aclnnIsInf/, 'backendInfo lists the missing operators');
  t.equal(add, 'ok [2,null,4]', 'other ops run');
  t.end();
});

test('per-SoC capabilities: 310P has no bfloat16 and no float32 cube; allowHF32 opts in', { skip }, (t) => {
  const r = run(ON({ NT_STANDIN_SOC: 'Ascend310P3' }), `${TRY}
    const b = nt.ones([2, 2], { dtype: 'bfloat16' }).to('npu:0');  // a plain copy: no kernel
    const f = nt.ones([2, 2], { device: 'npu:0' });
    console.log(attempt(() => nt.npu.getDeviceName()));
    console.log(attempt(() => nt.backendInfo('npu').details.family));
    console.log(attempt(() => Array.from(b.add(b).dataSync())));
    console.log(attempt(() => Array.from(f.matmul(f).dataSync())));
    console.log(attempt(() => Array.from(f.half().matmul(f.half()).dataSync())));
    nt.npu.matmul.allowHF32 = true;
    console.log(attempt(() => Array.from(f.matmul(f).dataSync())));
    console.log(attempt(() => [nt.npu.supports('add', 'bfloat16'), nt.npu.supports('add', 'float16')]));`);
  const [name, family, bf16, f32, f16, f32hf, sup] = r.out.trim().split('\n');
  t.equal(name, 'ok "Ascend310P3"', 'getDeviceName() is the SoC');
  t.match(family, /310P/, 'family: Atlas inference (310P)');
  t.match(bf16, /^threw op 'add' is not supported on npu:0 \(bfloat16 is not supported by aclnnAdd on Ascend310P3/, 'bfloat16 add refused, naming op, dtype and SoC');
  t.match(f32, /^threw op 'matmul' is not supported on npu:0 \(float32 matmul is not supported by aclnnMatmul on Ascend310P3: its cube unit has no float32 mode/, 'float32 matmul refused');
  t.match(f32, /nt\.npu\.matmul\.allowHF32 = true/, '... saying how to opt in');
  t.equal(f16, 'ok [2,2,2,2]', 'float16 matmul runs');
  t.equal(f32hf, 'ok [2,2,2,2]', 'with allowHF32 the float32 matmul runs (cubeMathType ALLOW_FP32_DOWN_PRECISION)');
  t.equal(sup, 'ok [false,true]', 'nt.npu.supports agrees');
  t.end();
});

test('per-SoC capabilities: first-generation 910, 910C (A3) and an unknown chip', { skip }, (t) => {
  const code = `${TRY}
    console.log(attempt(() => nt.backendInfo('npu').details.family));
    console.log(attempt(() => nt.npu.supports('matmul', 'bfloat16')));`;
  const lines = (soc: string): string[] => {
    const r = run(ON({ NT_STANDIN_SOC: soc }), code);
    t.equal(r.status, 0, `${soc}: exit 0 (signal ${r.signal}) ${r.err.slice(0, 300)}`);
    return r.out.trim().split('\n');
  };
  const a = lines('Ascend910A');
  t.match(a[0], /first generation/, 'Ascend910A is the first-generation 910');
  t.equal(a[1], 'ok false', '... without bfloat16');
  const c = lines('Ascend910_9392');
  t.match(c[0], /A3 \(Ascend 910C\)/, 'Ascend910_9392 is an Atlas A3 (910C)');
  t.equal(c[1], 'ok true', '... with bfloat16');
  const u = lines('Ascend950PR');
  t.match(u[0], /unknown chip \(treated as Atlas A2\)/, 'an unknown SoC is treated as A2, and says so');
  t.end();
});

test('device memory runs out: the cache is given back first, then a clear error', { skip }, (t) => {
  const MiB = 1 << 20;
  const r = run(ON({ NT_STANDIN_MEMORY: String(12 * MiB) }), `${TRY}  // blocks over 1 MiB are 2 MiB granules
    const a = nt.zeros([6 * ${MiB} / 4], { device: 'npu:0' });
    a.dispose();
    nt.npu.synchronize();
    console.log(attempt(() => nt.npu.memoryStats().cached >= 6 * ${MiB}));
    const b = nt.zeros([7 * ${MiB} / 4], { device: 'npu:0' });  // 8 MiB: fits only once the cached 6 MiB go back
    console.log(attempt(() => b.sum().item()));
    console.log(attempt(() => nt.zeros([9 * ${MiB} / 4], { device: 'npu:0' })));`);
  const [cached, fits, oom] = r.out.trim().split('\n');
  t.equal(cached, 'ok true', 'a freed 6 MiB block stays cached');
  t.equal(fits, 'ok 0', 'a 7 MiB tensor next to a cached 6 MiB block in 12 MiB: the cache was handed back to CANN');
  t.match(oom, /^threw out of memory on npu:0: could not allocate 9437184 bytes \(\d+ in use, 0 cached/, 'a 9 MiB tensor: "out of memory on npu:0" with the sizes');
  t.match(oom, /EL0004/, "... and CANN's own message");
  t.end();
});

test('two NPUs: npu:1 works, npu:2 does not exist', { skip }, (t) => {
  const r = run(ON({ NT_STANDIN_DEVICES: '2' }), `${TRY}
    console.log(attempt(() => nt.npu.deviceCount()));
    const x = nt.arange(0, 6, 1, { device: 'npu:0', dtype: 'float32' });
    console.log(attempt(() => Array.from(x.to('npu:1').mul(2).dataSync())));
    console.log(attempt(() => nt.zeros([1], { device: 'npu:2' })));`);
  const [count, moved, past] = r.out.trim().split('\n');
  t.equal(count, 'ok 2', 'deviceCount() is 2');
  t.equal(moved, 'ok [0,2,4,6,8,10]', 'a tensor moved npu:0 -> npu:1 and computed there');
  t.match(past, /^threw npu:2 does not exist \(2 device\(s\) found\)/, 'npu:2 is refused');
  t.end();
});
