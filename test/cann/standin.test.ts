// standin.test.ts — shows that the CANN stand-in's contract checks fire: (1) a native program that
// calls the stand-in directly breaks one rule per run, (2) our backend is made to break one rule per
// run (NODETENSOR_CANN_DEBUG) while doing ordinary tensor work. Each must abort with the rule's
// message; the same work without a violation must pass. Not here: the API (npu.test.ts).
import test from 'tape';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..', '..');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const standin = process.env.NODETENSOR_TEST_NPU === 'off' ? null : require(path.join(root, 'test/cann-standin/build.js')).ensureStandin();
const skip = !standin;
const VIOLATION = /CANN stand-in: contract violation: /;

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, NODETENSOR_CANN_LIBDIR: standin?.dir, ASCEND_OPP_PATH: standin?.opp, ...extra };
  delete e.NODETENSOR_FALLBACK;
  delete e.NODETENSOR_CANN_DEBUG;
  Object.assign(e, extra);
  // ASan's report would replace the abort message: the sanitizer run checks our backend, not this.
  delete e.LD_PRELOAD;
  return e;
}

// ---- 1. the stand-in called directly (test/cann-standin/contract-test.cpp)
const direct: [string, RegExp][] = [
  ['before-init', /aclrtSetDevice was called before aclInit/],
  ['no-context', /aclrtMalloc was called on a thread with no current context/],
  ['run-twice', /executor #\d+ was already executed .* runs once unless aclSetAclOpExecutorRepeatable/],
  ['destroy-one-shot', /aclDestroyAclOpExecutor: executor #\d+ is not repeatable/],
  ['wrong-executor', /aclnnMul: executor #\d+ was made by aclnnAddGetWorkspaceSize/],
  ['destroy-before-run', /aclTensor #\d+ was destroyed between aclnnAddGetWorkspaceSize and aclnnAdd/],
  ['small-workspace', /workspaceSize \d+ is smaller than the \d+ bytes aclnnAddGetWorkspaceSize asked for/],
  ['free-workspace-queued', /aclrtFree\(.*\): queued stream work still uses this memory \(the workspace, used by aclnnAdd\)/],
  ['free-tensor-queued', /aclrtFree\(.*\): queued stream work still uses this memory \(storage of aclTensor #\d+, used by aclnnAdd\)/],
  ['unaligned-tensor', /aclCreateTensor: tensorData 0x[0-9a-f]+ is not 32-byte aligned/],
  ['storage-overflow', /reaches element 6 but storageDims hold only 4 elements: sizes and strides must stay within the storage/],
  ['storage-outside-block', /the storage \(64 elements of float32 .*\) is not device memory/],
  ['unaligned-copy', /aclrtMemcpyAsync: source .* and destination .* must both be 64-byte aligned/],
  ['host-touches-device', /host code touched NPU device memory/],
  ['read-pinned-early', /stream order: the host touched pinned buffer .* has not written it yet: synchronize the stream/],
  ['write-pinned-early', /stream order: the host touched pinned buffer .* has not read it yet/],
  ['free-pinned-queued', /aclrtFreeHost\(.*\): a queued aclrtMemcpyAsync still uses this pinned buffer/],
  ['double-free', /aclrtFree\(.*\): not the start of a live aclrtMalloc block/],
  ['sync-copy-while-queued', /stream order: aclrtMemcpy touches memory that queued stream work \(aclnnAdd\) still uses/],
];

test('the stand-in, called directly: a correct program passes', { skip }, (t) => {
  const r = spawnSync(standin.contractTest, ['ok'], { encoding: 'utf8', env: env({}) });
  t.equal(r.status, 0, `exit 0 ${r.stderr}`);
  t.equal(r.stdout.trim(), 'ok', 'a repeatable executor ran twice, results right, no aclTensor/aclScalar/executor leaked');
  t.end();
});

for (const [scenario, re] of direct) {
  test(`the stand-in, called directly, catches: ${scenario}`, { skip }, (t) => {
    const r = spawnSync(standin.contractTest, [scenario], { encoding: 'utf8', env: env({}) });
    t.equal(r.signal, 'SIGABRT', `${scenario}: the process aborts (status ${r.status}, signal ${r.signal})`);
    t.match(r.stderr, VIOLATION, `${scenario}: as a contract violation`);
    t.match(r.stderr, re, `${scenario}: naming the rule (${r.stderr.trim().split('\n').pop()})`);
    t.end();
  });
}

// ---- 2. our backend, made to misbehave: ordinary work on views with offsets, reads at odd offsets.
const WORK = `const nt = require(${JSON.stringify(path.join(root, 'dist/lib'))});
const x = nt.arange(0, 40, 1, { device: 'npu:0', dtype: 'float32' });
const v = x.slice(0, 3, 23);
console.log(v.mul(2).add(1).sum().item(), Array.from(x.slice(0, 5, 9).dataSync()).join(','));`;

const knobs: [string, RegExp][] = [
  ['misalign', /aclCreateTensor: tensorData 0x[0-9a-f]+ is not 32-byte aligned: pass the storage's base pointer/],
  ['short-storage', /sizes and strides must stay within the storage/],
  ['reuse-executor', /was already executed .* runs once unless aclSetAclOpExecutorRepeatable/],
  ['free-workspace', /queued stream work still uses this memory \(the workspace, used by aclnn\w+\)/],
  ['skip-sync', /stream order: the host touched pinned buffer .* synchronize the stream/],
  ['unaligned-copy', /aclrtMemcpyAsync: source .* must both be 64-byte aligned/],
  ['no-bind', /called on a thread with no current context: call aclrtSetDevice/],
];

test('our backend, behaving: the same work passes on the stand-in', { skip }, (t) => {
  const r = spawnSync(process.execPath, ['-e', WORK], { encoding: 'utf8', env: env({}) });
  t.equal(r.status, 0, `exit 0 ${r.stderr.slice(0, 400)}`);
  t.equal(r.stdout.trim(), '520 5,6,7,8', 'sum(2 * x[3:23] + 1) = 520; x[5:9] read from an unaligned offset');
  t.end();
});

for (const [knob, re] of knobs) {
  test(`our backend, made to break the contract (${knob}): the stand-in aborts naming the rule`, { skip }, (t) => {
    const r = spawnSync(process.execPath, ['-e', WORK], { encoding: 'utf8', env: env({ NODETENSOR_CANN_DEBUG: knob }) });
    t.equal(r.signal, 'SIGABRT', `${knob}: the process aborts (status ${r.status}, signal ${r.signal})`);
    t.match(r.stderr, VIOLATION, `${knob}: as a contract violation`);
    t.match(r.stderr, re, `${knob}: naming the rule (${(r.stderr.match(/contract violation: .*/) ?? [''])[0].slice(0, 160)})`);
    t.end();
  });
}

test('the stand-in is test-only: never shipped, never found by the backend on its own', (t) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] };
  const shipped = pkg.files.filter((f) => /^(test|build-standin|\.|\*)/.test(f) || f === 'build');
  t.same(shipped, [], `package.json "files" covers neither test/ nor build-standin/ (${pkg.files.join(', ')})`);
  const src = fs.readdirSync(path.join(root, 'csrc/backends/cann')).map((f) => fs.readFileSync(path.join(root, 'csrc/backends/cann', f), 'utf8')).join('\n');
  t.notOk(/build-standin|NT_STANDIN_/.test(src), 'the backend has no path or knob of the stand-in: only NODETENSOR_CANN_LIBDIR points it there');
  t.end();
});
