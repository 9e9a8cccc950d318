// nn-torch.test.ts — nn parity against PyTorch 1.13: every case builds the nodetensor module (seeded),
// exports its state dict to test/nn/nn_torch.py, which loads it STRICTLY into the torch module (so the
// key names and shapes are PyTorch's), and compares forward outputs, buffers after the forward, reprs,
// state-dict key order and — when backward works — gradients wrt the inputs and every parameter
// (of sum_i <out_i, c_i>, fixed weights c_i). One python run serves the file; when
// `/usr/bin/python3 -c "import torch"` fails the file reports one SKIP saying why. The numeric checks
// run again on every other available device (test/helpers/devices.ts) against the same torch results;
// an absent device, or an op a device does not implement, is a skip naming it.
// Tolerance: |got - torch| <= rtol (|torch| + max|torch|), rtol 1e-5 for outputs and gradients
// (NN_RTOL=1e-6 in the environment tightens it, to see the margins).
import { spawnSync } from 'child_process';
import * as path from 'path';
import test from 'tape';
import * as nt from '../../lib';
import { fromSpec, inputTensor, Spec, toSpec } from '../helpers/oracle-io';
import { devicesFor, skip, skippedAsNotImplemented } from '../helpers/devices';
import { CASES, NnCase, Vars, backwardWorks } from './nn-torch-cases';
import './nn-torch-cases-loss';

const PYTHON = '/usr/bin/python3';
/**
 * Per device, the least rtol (scale-relative, see compare): cuda 1e-4 for float32 with TF32 off (other
 * summation orders than torch's CPU kernels); a real NPU 1e-3. The cpu and the npu stand-in keep each
 * case's own (1e-5 unless the case says otherwise).
 */
const DEVICE_RTOL: Record<string, number> = { 'cuda:0': 1e-4, ...(process.env.NODETENSOR_TEST_NPU === 'real' ? { 'npu:0': 1e-3 } : {}) };
const ORACLE = path.join(__dirname, '..', '..', '..', 'test', 'nn', 'nn_torch.py');

interface Result { outputs?: (Spec | null)[]; grads?: Record<string, Spec | null>; param_grads?: Record<string, Spec | null>; buffers?: Record<string, Spec>; repr?: string; keys?: string[]; error?: string }

function tensorSpec(t: nt.Tensor): Spec { return toSpec(t.dtype, t.shape.slice(), t.dataSync()); }

/** Problems comparing a nodetensor tensor with torch's: |a - b| <= rtol |b| + rtol * max|b| + atol (scale-relative). */
function compare(got: nt.Tensor | null | undefined, want: Spec | null | undefined, what: string, rtol: number, atol = 0): string[] {
  if (want === null || want === undefined) return got ? [`${what}: torch has none, nodetensor has shape [${got.shape}]`] : [];
  if (!got) return [`${what}: nodetensor has none, torch has shape [${want.shape}]`];
  if (got.shape.length !== want.shape.length || got.shape.some((s, i) => s !== want.shape[i])) return [`${what}: shape [${got.shape}], torch [${want.shape}]`];
  const e = fromSpec(want);
  const isF = want.dtype.startsWith('float');
  if (!isF) {
    const g = got.dataSync() as ArrayLike<number | bigint>;
    for (let i = 0; i < e.length; i++) if (Number(g[i]) !== Number(e[i])) return [`${what}: element ${i} is ${g[i]}, torch ${e[i]} (dtype ${got.dtype} / ${want.dtype})`];
    return [];
  }
  const g = got.to('float64').dataSync() as Float64Array;
  let scale = 0;
  for (let i = 0; i < e.length; i++) if (Number.isFinite(e[i] as number)) scale = Math.max(scale, Math.abs(e[i] as number));
  let bad = 0, first = -1, maxErr = 0;
  for (let i = 0; i < e.length; i++) {
    const a = g[i], b = e[i] as number;
    if (!Number.isFinite(b) || !Number.isFinite(a)) { if (!Object.is(a, b) && !(Number.isNaN(a) && Number.isNaN(b))) { bad++; if (first < 0) first = i; } continue; }
    const err = Math.abs(a - b);
    maxErr = Math.max(maxErr, err / Math.max(scale, 1e-30));
    if (err > rtol * Math.abs(b) + rtol * scale + atol) { bad++; if (first < 0) first = i; }
  }
  return bad ? [`${what}: ${bad}/${e.length} values differ (rtol ${rtol}, max err/scale ${maxErr.toExponential(2)}); first at ${first}: got ${g[first]}, torch ${e[first]}`] : [];
}

function runOracle(payload: unknown): { torch: string; results: Record<string, Result> } {
  const r = spawnSync(PYTHON, [ORACLE], { input: JSON.stringify(payload), encoding: 'utf8', maxBuffer: 256 << 20, timeout: 300_000 });
  if (r.status !== 0) throw new Error(`nn_torch.py failed (exit ${r.status ?? r.signal}): ${(r.stderr || String(r.error ?? '')).slice(-2000)}`);
  return JSON.parse(r.stdout);
}

const outsOf = (r: unknown): (nt.Tensor | null)[] => (r instanceof nt.Tensor ? [r] : (r as (nt.Tensor | null)[]));

/** Builds each case's module once (seeded) so that the state sent to torch is the one used here. */
function prepare(c: NnCase, i: number): { mod: nt.nn.Module | null; state: Record<string, Spec> | null } {
  if (!c.module) return { mod: null, state: null };
  nt.manualSeed(1000 + i);
  const mod = c.module.nt();
  mod.train(c.module.train ?? true);
  const state: Record<string, Spec> = {};
  nt.tidy(() => { for (const [k, t] of Object.entries(mod.stateDict())) state[k] = tensorSpec(t); });
  return { mod, state };
}

const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
if (probe.error || probe.status !== 0) {
  const why = probe.error ? `${PYTHON} could not run (${probe.error.message})` : `\`${PYTHON} -c "import torch"\` failed: ${(probe.stderr || '').trim().split('\n').pop()}`;
  skip(`nn parity against PyTorch: ${why}`);
} else {
  const canBackward = backwardWorks();
  const prepared = CASES.map((c, i) => prepare(c, i));
  let oracle: { torch: string; results: Record<string, Result> } | null = null;
  test('nn: PyTorch evaluates every case in one run', (t) => {
    const ids = new Set<string>();
    for (const c of CASES) { if (ids.has(c.id)) t.fail(`duplicate case id ${c.id}`); ids.add(c.id); }
    const payload = {
      cases: CASES.map((c, i) => ({
        id: c.id, expr: c.torch, module: c.module?.torch ?? null, state: prepared[i].state, train: c.module?.train ?? true,
        grad: canBackward && (c.grad ?? true), grad_inputs: c.gradInputs ?? [],
        inputs: Object.fromEntries(Object.entries(c.inputs).map(([k, x]) => [k, toSpec(x.dtype, x.shape, x.data)])),
      })),
    };
    const t0 = Date.now();
    oracle = runOracle(payload);
    t.equal(Object.keys(oracle.results).length, CASES.length, `torch ${oracle.torch} answered ${CASES.length} cases in ${Date.now() - t0} ms`);
    t.end();
  });
  if (!canBackward) test('nn gradients vs PyTorch: backward() is not available yet in this build', { skip: true }, () => undefined);

  /** What differs from torch's results for case ci on `device` (empty = matches). */
  const problemsOf = (c: NnCase, ci: number, want: Result, device: string): string[] => {
    const problems: string[] = [];
    let mod = prepared[ci].mod;
    if (device !== 'cpu' && c.module) {  // the same seeded module, fresh (the cpu run changed buffers), moved
      nt.manualSeed(1000 + ci);
      mod = c.module.nt().train(c.module.train ?? true).to(device);
    }
    const rtol = Math.max(Number(process.env.NN_RTOL ?? c.rtol ?? 1e-5), DEVICE_RTOL[device] ?? 0), gtol = Math.max(c.gradRtol ?? rtol, DEVICE_RTOL[device] ?? 0);
    if (mod && device === 'cpu') {  // host-side: checked once
      if ((c.repr ?? true) && String(mod) !== want.repr) problems.push(`repr:\n${String(mod)}\n  torch:\n${want.repr}`);
      const keys = Object.keys(mod.stateDict({ keepVars: true }));
      if (JSON.stringify(keys) !== JSON.stringify(want.keys)) problems.push(`state-dict keys [${keys}], torch [${want.keys}]`);
    }
    nt.tidy(() => {
      const vars: Vars = {};
      const doGrad = canBackward && (c.grad ?? true);
      for (const [k, x] of Object.entries(c.inputs)) {
        vars[k] = device === 'cpu' ? inputTensor(x) : nt.tensor(x.data, { shape: x.shape, dtype: x.dtype, device });
        if (doGrad && c.gradInputs?.includes(k)) vars[k].requiresGrad_(true);
      }
      if (mod) mod.zeroGrad();
      const outs = outsOf(c.nt(vars, mod));
      const wantOuts = want.outputs ?? [];
      if (outs.length !== wantOuts.length) problems.push(`${outs.length} outputs, torch ${wantOuts.length}`);
      outs.forEach((o, i) => { if (!c.skipOutputs?.includes(i)) problems.push(...compare(o, wantOuts[i], `output ${i}`, rtol)); });
      if (mod && want.buffers) {
        const bufs = Object.fromEntries(mod.namedBuffers());
        for (const [k, b] of Object.entries(want.buffers)) problems.push(...compare(bufs[k], b, `buffer ${k}`, rtol));
      }
      if (doGrad) {
        let loss: nt.Tensor | null = null;
        outs.forEach((o, i) => {
          if (!o || !o.requiresGrad) return;
          const w = nt.arange(o.numel, undefined, 1, { dtype: 'float64', device }).mul(0.37).add(i + 1).sin().reshape(o.shape);
          const term = o.to('float64').mul(w).sum();
          loss = loss ? loss.add(term) : term;
        });
        if (loss) (loss as nt.Tensor).backward();
        for (const k of c.gradInputs ?? []) problems.push(...compare(vars[k].grad, want.grads?.[k], `grad of input ${k}`, gtol, c.gradAtol));
        if (mod) {
          const params = Object.fromEntries(mod.namedParameters());
          for (const [k, g] of Object.entries(want.param_grads ?? {})) problems.push(...compare(params[k]?.grad, g, `grad of parameter ${k}`, gtol, c.gradAtol));
        }
      }
    });
    return problems;
  };

  const families = [...new Set(CASES.map((c) => c.family))];
  for (const dev of devicesFor('nn parity')) {
    const tag = dev.name === 'cpu' ? '' : ` [${dev.name}]`;
    for (const fam of families) {
      test(`nn parity: ${fam}${tag}`, (t) => {
        if (!oracle) { t.fail('no oracle results'); t.end(); return; }
        CASES.forEach((c, ci) => {
          if (c.family !== fam) return;
          const want = oracle!.results[c.id];
          if (!want) { t.fail(`${c.id}: no torch result`); return; }
          if (want.error) { t.fail(`${c.id}: torch raised ${want.error}`); return; }
          let problems: string[];
          try {
            problems = problemsOf(c, ci, want, dev.name);
          } catch (e) {
            if (skippedAsNotImplemented(t, c.id, dev.name, e)) return;
            problems = [`threw ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`];
          }
          t.deepEqual(problems, [], `${c.id}${tag}`);
        });
        t.end();
      });
    }
  }
}
