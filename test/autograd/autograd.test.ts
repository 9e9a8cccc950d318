// autograd.test.ts — the semantics of the tape as a PyTorch user expects them: accumulation, grad
// mode (sync and async), detach, hooks, retainGrad, autograd.grad, in-place ops, and every error
// path (freed graph, modified saved tensor, leaf in place, non-scalar backward, ...).
// Not here: the correctness of each rule (gradcheck.test.ts).
import test from 'tape';
import * as nt from '../../lib';

const f64 = (v: number[], rg = true): nt.Tensor => nt.tensor(v, { dtype: 'float64', requiresGrad: rg });
const arr = (t: nt.Tensor | null): number[] => Array.from(t!.dataSync() as Float64Array);
function throws(t: test.Test, fn: () => unknown, re: RegExp, what: string): void {
  try { fn(); t.fail(`${what}: expected an error`); } catch (e) { t.match((e as Error).message, re, what); }
}

test('grad accumulates across backward calls; zeroing is the user\'s (optimizer\'s) job', (t) => {
  const w = f64([1, 2]);
  w.mul(3).sum().backward();
  w.mul(w).sum().backward();
  t.same(arr(w.grad), [3 + 2, 3 + 4], 'grads add up');
  t.equal(w.isLeaf, true, 'w is a leaf');
  const y = w.mul(2);
  t.equal(y.isLeaf, false, 'a result is not a leaf');
  t.equal(y.gradFn!.name, 'MulBackward', 'gradFn names the op');
  t.end();
});

test('retainGraph allows a second backward; without it the error says what to do', (t) => {
  const x = f64([1, 2, 3]);
  const y = x.exp().sum();
  y.backward(null, { retainGraph: true });
  y.backward();
  t.same(arr(x.grad).map((v) => +v.toFixed(6)), [1, 2, 3].map((v) => +(2 * Math.exp(v)).toFixed(6)), 'two backwards accumulate');
  throws(t, () => y.backward(), /second time.*retainGraph/, 'third backward through a freed graph');
  t.end();
});

test('a saved tensor modified in place is detected at backward', (t) => {
  const x = f64([1, 2]);
  const y = x.mul(1);
  const z = y.exp();      // saves its output z
  nt.noGrad(() => z.add_(1));
  throws(t, () => z.sum().backward(), /ExpBackward.*modified by an in-place operation/, 'ExpBackward refuses a modified output');
  t.end();
});

test('in-place ops: leaves are refused while recording, allowed in noGrad; non-leaves are rebased', (t) => {
  const w = f64([1, 2]);
  throws(t, () => w.add_(1), /leaf tensor that requires grad.*noGrad/, 'add_ on a leaf');
  nt.noGrad(() => w.add_(1));
  t.same(arr(w), [2, 3], 'noGrad update applied');
  const y = w.mul(2);
  y.mul_(3);
  y.add_(w);
  y.sum().backward();
  t.same(arr(w.grad), [7, 7], 'd/dw (6w + w) = 7');
  const v = w.mul(1).narrow(0, 0, 1);
  throws(t, () => v.mul_(2), /in-place modification of a view/, 'in-place on a view in the graph');
  t.end();
});

test('requiresGrad only for floating point; detach cuts the graph; requiresGrad_ on a result is refused', (t) => {
  throws(t, () => nt.tensor([1, 2], { requiresGrad: true }), /only floating-point/, 'int64 requiresGrad');
  const x = f64([1, 2]);
  const d = x.mul(2).detach();
  t.equal(d.requiresGrad, false, 'detached result does not require grad');
  throws(t, () => d.sum().backward(), /does not require grad/, 'backward from a detached tensor');
  throws(t, () => x.mul(2).requiresGrad_(false), /only be turned off on leaf/, 'requiresGrad_(false) on a non-leaf');
  t.end();
});

test('backward of a non-scalar needs a gradient of the right shape', (t) => {
  const x = f64([1, 2, 3]);
  const y = x.mul(2);
  throws(t, () => y.backward(), /one-element output.*\[3\]/, 'implicit gradient for shape [3]');
  throws(t, () => y.backward(nt.ones([2], { dtype: 'float64' })), /gradient has shape \[2\] but the output has shape \[3\]/, 'wrong gradient shape');
  y.backward(nt.tensor([1, 0, -1], { dtype: 'float64' }));
  t.same(arr(x.grad), [2, 0, -2], 'explicit gradient used');
  t.end();
});

test('noGrad / enableGrad: sync, nested, and async across awaits without leaking to other code', async (t) => {
  const x = f64([1]);
  t.equal(nt.noGrad(() => x.mul(2)).requiresGrad, false, 'noGrad sync');
  t.equal(nt.noGrad(() => nt.enableGrad(() => x.mul(2))).requiresGrad, true, 'enableGrad inside noGrad');
  let inside: boolean | null = null, outside: boolean | null = null;
  const p = nt.noGrad(async () => {
    await new Promise((r) => setTimeout(r, 20));
    inside = x.mul(2).requiresGrad;
  });
  await new Promise((r) => setTimeout(r, 5));
  outside = x.mul(2).requiresGrad;  // runs while the async noGrad is suspended
  await p;
  t.equal(inside, false, 'after an await inside noGrad, still no grad');
  t.equal(outside, true, 'other code meanwhile still records');
  t.equal(nt.isGradEnabled(), true, 'mode restored');
  throws(t, () => nt.noGrad(() => { throw new Error('boom'); }), /boom/, 'errors propagate');
  t.equal(nt.isGradEnabled(), true, 'mode restored after a throw');
  t.end();
});

test('hooks and retainGrad', (t) => {
  const x = f64([1, 2]);
  const y = x.mul(3);
  y.retainGrad();
  const seen: number[][] = [];
  const h = y.registerHook((g) => { seen.push(arr(g)); return g.mul(10); });
  y.sum().backward();
  t.same(seen, [[1, 1]], 'hook saw the gradient of y');
  t.same(arr(x.grad), [30, 30], 'hook result replaced it');
  t.same(arr(y.grad), [10, 10], 'retainGrad kept y.grad (after the hook)');
  h.remove();
  x.grad = null;
  x.mul(3).sum().backward();
  t.same(arr(x.grad), [3, 3], 'a removed hook no longer runs');
  const leafHook = x.registerHook((g) => g.mul(0));
  x.grad = null;
  x.mul(3).sum().backward();
  t.same(arr(x.grad), [0, 0], 'hook on a leaf runs before accumulation');
  leafHook.remove();
  throws(t, () => nt.tensor([1.5]).registerHook((g) => g), /doesn't require grad/, 'hook on a tensor without grad');
  t.end();
});

test('autograd.grad returns gradients without touching .grad; unused inputs are an error unless allowed', (t) => {
  const a = f64([1, 2]), b = f64([3]);
  const y = a.mul(b).sum();
  const [ga, gb] = nt.autograd.grad(y, [a, b]) as nt.Tensor[];
  t.same(arr(ga), [3, 3], 'd/da');
  t.same(arr(gb), [3], 'd/db (broadcast undone)');
  t.equal(a.grad, null, '.grad untouched');
  const c = f64([5]);
  throws(t, () => nt.autograd.grad(a.sum(), [c]), /not used to compute the outputs.*allowUnused/, 'unused input');
  t.same(nt.autograd.grad(a.sum(), [a, c], { allowUnused: true })[1], null, 'allowUnused gives null');
  throws(t, () => nt.autograd.grad(a.sum(), [nt.tensor([1.5])]), /does not require grad/, 'input without grad');
  throws(t, () => nt.autograd.grad([a.sum(), a.sum()], [a], { gradOutputs: [null] }), /1 gradOutputs for 2 outputs/, 'gradOutputs count');
  t.end();
});

test('dtype and broadcast are undone: a float32 leaf gets a float32 grad of its own shape', (t) => {
  const w = nt.tensor([[1, 2, 3]], { dtype: 'float32', requiresGrad: true });
  const x = nt.ones([4, 3], { dtype: 'float64' });
  x.mul(w).sum().backward();
  t.equal(w.grad!.dtype, 'float32', 'grad dtype is the leaf dtype');
  t.same(w.grad!.shape, [1, 3], 'grad shape is the leaf shape');
  t.same(Array.from(w.grad!.dataSync() as Float32Array), [4, 4, 4], 'summed over the broadcast dim');
  t.end();
});

test('the graph releases what it saved after backward', (t) => {
  const x = f64([1, 2, 3]);
  const before = nt.memory().cpu.tensors;
  nt.tidy(() => { x.exp().mul(x).sin().sum().backward(); });
  const after = nt.memory().cpu.tensors;
  t.equal(after - before, 1, 'only x.grad remains');
  t.end();
});

test('the autograd module loads on its own, before the package entry (no load-order trap)', (t) => {
  const { spawnSync } = require('child_process') as typeof import('child_process');
  const dir = require('path').join(__dirname, '..', '..', 'lib');
  const r = spawnSync(process.execPath, ['-e', `const a = require(${JSON.stringify(dir + '/autograd')}); const nt = require(${JSON.stringify(dir)});
    const x = nt.tensor([1, 2], { dtype: 'float32', requiresGrad: true }); x.mul(x).sum().backward();
    console.log(a.RULES.size > 40, JSON.stringify(x.grad.toArray()));`], { encoding: 'utf8' });
  t.equal(r.status, 0, `exit status 0 (stderr: ${(r.stderr || '').split('\n')[0]})`);
  t.equal(r.stdout.trim(), 'true [2,4]', 'rules registered and backward works');
  t.end();
});
