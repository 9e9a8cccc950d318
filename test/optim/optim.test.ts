// optim.test.ts — nt.optim without an oracle: option validation and its messages, parameter checks,
// zeroGrad (to null / to zeros), skipped parameters, per-group options and addParamGroup, state on
// the parameter's dtype, the state dict's layout, round trips (stateDict → loadStateDict, and through
// flattenStateDict / unflattenStateDict as for safetensors), memory (no leaked tensors per step, state
// kept across tidy()), and the schedulers' validation and state-dict round trips.
// Not here: agreement with torch's numbers (optim-torch.test.ts).
import test from 'tape';
import * as nt from '../../lib';

const { SGD, Adam, AdamW, RMSprop, Adagrad } = nt.optim;
const { StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, LambdaLR, OneCycleLR, SequentialLR } = nt.optim.lrScheduler;
const vals = (x: nt.Tensor): number[] => Array.from(x.dataSync() as Float32Array, Number);
const param = (v: number[]): nt.Tensor => nt.tensor(Float32Array.from(v)).requiresGrad_();
const grad = (v: number[]): nt.Tensor => nt.tensor(Float32Array.from(v));
const live = (): number => nt.memory().cpu.tensors;
const close = (a: number[], b: number[], tol = 1e-6): boolean => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) <= tol * (1 + Math.abs(b[i])));

test('options are validated with clear errors', (t) => {
  const p = param([1, 2]);
  const bad: [() => unknown, RegExp][] = [
    [() => new Adam([p], { lr: -1 }), /Adam: invalid learning rate: -1$/],
    [() => new Adam([p], { lr: NaN }), /Adam: invalid learning rate: NaN/],
    [() => new Adam([p], { eps: -1e-8 }), /Adam: invalid epsilon value: -1e-8/],
    [() => new Adam([p], { betas: [1, 0.999] }), /Adam: invalid beta parameter at index 0: 1/],
    [() => new Adam([p], { betas: [0.9, -0.1] }), /Adam: invalid beta parameter at index 1: -0.1/],
    [() => new Adam([p], { betas: 0.9 as unknown as [number, number] }), /Adam: betas must be an array of two numbers/],
    [() => new AdamW([p], { weightDecay: -0.1 }), /AdamW: invalid weightDecay value: -0.1/],
    [() => new Adam([p], { amsgrad: 1 as unknown as boolean }), /Adam: amsgrad must be a boolean/],
    [() => new SGD([p]), /SGD: lr is required/],
    [() => new SGD([p], { lr: 0.1, momentum: -0.5 }), /SGD: invalid momentum value: -0.5/],
    [() => new SGD([p], { lr: 0.1, nesterov: true }), /SGD: Nesterov momentum requires a momentum and zero dampening/],
    [() => new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), /Nesterov/],
    [() => new RMSprop([p], { alpha: -1 }), /RMSprop: invalid alpha value: -1/],
    [() => new RMSprop([p], { momentum: -1 }), /RMSprop: invalid momentum value: -1/],
    [() => new Adagrad([p], { lrDecay: -1 }), /Adagrad: invalid lrDecay value: -1/],
    [() => new Adagrad([p], { initialAccumulatorValue: -1 }), /Adagrad: invalid initialAccumulatorValue value: -1/],
    [() => new Adam([{ params: [p], lr: -2 }]), /Adam: invalid learning rate: -2/],
    [() => new SGD([{ params: [p] }], { momentum: 0.9 }), /SGD: lr is required \(group 0\)/],
  ];
  for (const [f, re] of bad) t.throws(f, re, re.source);
  t.doesNotThrow(() => new SGD([{ params: [p], lr: 0.1 }]), 'SGD: lr given per group is enough');
  t.doesNotThrow(() => new Adam([p], { lr: 0 }), 'lr 0 is allowed (as in torch)');
  p.dispose();
  t.end();
});

test('parameters are checked', (t) => {
  const p = param([1, 2]), q = param([3]);
  t.throws(() => new Adam([]), /Adam: got an empty parameter list/);
  t.throws(() => new Adam(p as unknown as nt.Tensor[]), /params must be an array/);
  t.throws(() => new Adam([p, 3 as unknown as nt.Tensor]), /parameter 1 of group 0 is not a Tensor/);
  t.throws(() => new Adam([nt.tensor([1, 2])]), /only floating-point tensors can be optimized/);
  t.throws(() => new Adam([p, p]), /appears more than once/);
  t.throws(() => new Adam([{ params: [p] }, { params: [q, p] }]), /parameter 1 of group 1 appears more than once/);
  const opt = new Adam([p]);
  t.throws(() => opt.addParamGroup({ params: [p] }), /appears more than once/, 'addParamGroup refuses a parameter already there');
  t.throws(() => opt.addParamGroup({ params: [q], lr: -1 }), /invalid learning rate: -1/, 'addParamGroup validates the group');
  t.equal(opt.paramGroups.length, 1, 'a refused group is not added');
  const d = nt.tensor([1]).float();
  d.dispose();
  t.throws(() => new Adam([d]), /disposed/);
  const w = param([1, 2]);
  w.grad = grad([1, 2, 3]);
  t.throws(() => new SGD([w], { lr: 0.1 }).step(), /SGD: a parameter of shape \[2\] has a gradient of shape \[3\]/);
  for (const x of [p, q, w, w.grad]) x.dispose();
  t.end();
});

test('zeroGrad: to null (disposing the gradient) by default, or to zeros', (t) => {
  const a = param([1, 2]), b = param([3]);
  const opt = new SGD([a, b], { lr: 0.1 });
  const g = grad([5, 6]);
  a.grad = g;
  opt.zeroGrad({ setToNone: false });
  t.equal(a.grad, g, 'setToNone: false keeps the tensor');
  t.same(vals(a.grad!), [0, 0], '...filled with zeros');
  t.equal(b.grad, null, 'a null grad stays null');
  opt.zeroGrad();
  t.equal(a.grad, null, 'default: grad set to null');
  t.ok(g.isDisposed, '...and the old gradient disposed');
  a.dispose(); b.dispose();
  t.end();
});

test('step: the update rules on hand-checked values; parameters without a gradient are skipped', (t) => {
  const a = param([1, -1]), b = param([2]);
  const opt = new SGD([a, b], { lr: 0.1, momentum: 0.9 });
  a.grad = grad([1, 1]);
  opt.step();
  t.ok(close(vals(a), [0.9, -1.1]), 'SGD momentum, step 1: p - lr * g');
  t.same(vals(b), [2], 'b (grad null) is untouched');
  t.notOk(opt.state.has(b), '...and gets no state');
  opt.step();
  t.ok(close(vals(a), [0.9 - 0.1 * 1.9, -1.1 - 0.1 * 1.9]), 'SGD momentum, step 2: buf = 0.9 buf + g');
  a.grad!.dispose();
  a.grad = null;
  const closure = opt.step(() => 42);
  t.equal(closure, 42, 'step(closure) returns the closure\'s result');
  t.ok(close(vals(a), [0.71, -1.29]), 'a parameter whose grad went back to null is skipped');

  const w = param([1, 2]);
  const adam = new Adam([w], { lr: 0.1 });
  w.grad = grad([0.5, -0.5]);
  adam.step();
  t.ok(close(vals(w), [0.9, 2.1], 1e-6), 'Adam step 1 moves each element by lr (bias-corrected)');
  const aw = param([1, 1]);
  const adamw = new AdamW([aw], { lr: 0.1, weightDecay: 0.5 });
  aw.grad = grad([0, 0]);
  adamw.step();
  t.ok(close(vals(aw), [0.95, 0.95]), 'AdamW decays p by (1 - lr * weightDecay) even with a zero gradient');
  const ag = param([0, 0]);
  const adagrad = new Adagrad([ag], { lr: 0.1 });
  ag.grad = grad([2, -1]);
  adagrad.step();
  t.ok(close(vals(ag), [-0.1, 0.1]), 'Adagrad step 1: -lr * g / |g|');
  const rp = param([0]);
  const rms = new RMSprop([rp], { lr: 0.01, alpha: 0.75 });
  rp.grad = grad([2]);
  rms.step();
  t.ok(close(vals(rp), [-0.01 * 2 / Math.sqrt(0.25 * 4)]), 'RMSprop step 1: -lr * g / sqrt((1 - alpha) g²)');
  for (const x of [a, b, w, aw, ag, rp]) { x.grad?.dispose(); x.dispose(); }
  for (const o of [opt, adam, adamw, adagrad, rms]) o.dispose();
  t.end();
});

test('in-place updates under noGrad: parameters stay leaves that require grad', (t) => {
  const w = param([1, 2]);
  const opt = new Adam([w], { lr: 0.1 });
  w.grad = grad([1, 1]);
  opt.step();
  t.ok(w.requiresGrad && w.isLeaf, 'still a leaf requiring grad');
  t.ok(nt.isGradEnabled(), 'grad mode restored after step');
  w.grad.dispose(); w.dispose(); opt.dispose();
  t.end();
});

test('param groups: per-group options over the defaults; addParamGroup; options changed between steps', (t) => {
  const a = param([1]), b = param([1]), c = param([1]);
  const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.5, momentum: 0.9 }], { lr: 0.1 });
  t.equal(opt.paramGroups[0].lr, 0.1, 'group 0 takes the default lr');
  t.equal(opt.paramGroups[0].momentum, 0, '...and the default momentum');
  t.equal(opt.paramGroups[1].lr, 0.5, 'group 1 overrides lr');
  t.equal(opt.paramGroups[1].momentum, 0.9, '...and momentum');
  opt.addParamGroup({ params: c, lr: 1 });
  t.equal(opt.paramGroups.length, 3, 'addParamGroup adds a group (a single Tensor is accepted)');
  t.same(opt.paramGroups[2].params, [c]);
  for (const p of [a, b, c]) p.grad = grad([1]);
  opt.step();
  t.ok(close([...vals(a), ...vals(b), ...vals(c)], [0.9, 0.5, 0]), 'each group steps with its own lr');
  opt.paramGroups[0].lr = 0.2;
  opt.step();
  t.ok(close(vals(a), [0.7]), 'a changed group option applies at the next step');
  const m = new Adagrad([{ params: [a] }, { params: [b], initialAccumulatorValue: 2 }], { initialAccumulatorValue: 1 });
  t.same(vals(m.state.get(a)!.sum as nt.Tensor), [1], 'Adagrad: state made at construction from the defaults');
  t.same(vals(m.state.get(b)!.sum as nt.Tensor), [2], '...or from the group\'s initialAccumulatorValue (torch 1.13 uses the constructor\'s for every group)');
  m.addParamGroup({ params: [c], initialAccumulatorValue: 3 });
  t.same(vals(m.state.get(c)!.sum as nt.Tensor), [3], '...and for a group added later');
  for (const p of [a, b, c]) { p.grad?.dispose(); p.dispose(); }
  opt.dispose(); m.dispose();
  t.end();
});

test('state lives on the parameter\'s dtype and device; float64 parameters', (t) => {
  const w = nt.tensor(Float64Array.from([1, 2])).requiresGrad_();
  const opt = new Adam([w], { lr: 0.1, amsgrad: true });
  w.grad = nt.tensor(Float64Array.from([1, -1]));
  opt.step();
  const s = opt.state.get(w)!;
  t.same(Object.keys(s), ['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'], 'Adam state keys in torch\'s order');
  for (const k of ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']) {
    const x = s[k] as nt.Tensor;
    t.ok(x.dtype === 'float64' && x.device === w.device && x.shape.join() === w.shape.join(), `${k}: float64, on ${w.device}, shape [${x.shape}]`);
  }
  t.equal(w.dtype, 'float64', 'the parameter keeps its dtype');
  w.grad.dispose(); w.dispose(); opt.dispose();
  t.end();
});

test('stateDict: PyTorch\'s layout and key names', (t) => {
  const a = param([1, 2]), b = param([3]), c = param([4]);
  const opt = new Adam([{ params: [a, b] }, { params: [c], lr: 0.01, weightDecay: 0.1 }], { amsgrad: true });
  a.grad = grad([1, 1]); c.grad = grad([1]);
  opt.step();
  const sd = opt.stateDict();
  t.same(Object.keys(sd.state).map(Number), [0, 2], 'state keyed by the parameter index across groups; b (no grad yet) has none');
  t.same(Object.keys(sd.state[0]), ['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
  t.equal(sd.state[0].step, 1, 'step is a number');
  t.equal(sd.state[0].exp_avg, opt.state.get(a)!.exp_avg, 'tensors are the live state (not copies)');
  t.same(sd.param_groups, [
    { lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: true, maximize: false, params: [0, 1] },
    { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.1, amsgrad: true, maximize: false, params: [2] },
  ], 'param_groups: snake_case options and params as indices');
  const s = new SGD([a], { lr: 0.1 });
  a.grad = grad([1, 1]);
  s.step();
  t.same(s.stateDict().state, { 0: { momentum_buffer: null } }, 'SGD without momentum: momentum_buffer null, as torch');
  const r = new RMSprop([a], { momentum: 0.5, centered: true });
  r.step();
  t.same(Object.keys(r.stateDict().state[0]), ['step', 'square_avg', 'momentum_buffer', 'grad_avg'], 'RMSprop keys');
  const g = new Adagrad([a, b]);
  t.same(Object.keys(g.stateDict().state), ['0', '1'], 'Adagrad: state for every parameter from the start');
  t.same(Object.keys(g.stateDict().state[1]), ['step', 'sum']);
  for (const x of [a, b, c]) { x.grad?.dispose(); x.dispose(); }
  for (const o of [opt, s, r, g]) o.dispose();
  t.end();
});

function roundTrip(t: test.Test, name: string, make: (ps: nt.Tensor[]) => nt.optim.Optimizer, viaFlat: boolean): void {
  const init = [[1, -2, 3], [0.5, 0.25]];
  const gradsAt = (k: number): number[][] => [[Math.sin(k), Math.cos(k), k / 10], [k % 2 ? 1 : -1, 0.1 * k]];
  const pa = init.map(param), pb = init.map(param);
  const A = make(pa);
  for (let k = 0; k < 8; k++) {
    if (k === 4) {  // checkpoint A into a fresh optimizer B over copies of the params
      pb.forEach((p, i) => nt.noGrad(() => p.copy_(pa[i])));
      const sd = A.stateDict();
      const B = make(pb);
      if (viaFlat) {
        const { tensors, json } = nt.optim.flattenStateDict(sd, 'optim.');
        const copies = Object.fromEntries(Object.entries(tensors).map(([n, x]) => [n, x.clone()]));  // as if read back from a file
        B.loadStateDict(nt.optim.unflattenStateDict({ ...copies, 'model.weight': nt.ones([1]) }, json, 'optim.'));
        for (const x of Object.values(copies)) x.dispose();
      } else B.loadStateDict(sd);
      (pb as unknown as { opt: nt.optim.Optimizer }).opt = B;
    }
    const gs = gradsAt(k);
    pa.forEach((p, i) => { p.grad?.dispose(); p.grad = grad(gs[i]); });
    A.step();
    if (k >= 4) {
      const B = (pb as unknown as { opt: nt.optim.Optimizer }).opt;
      pb.forEach((p, i) => { p.grad?.dispose(); p.grad = grad(gs[i]); });
      B.step();
    }
  }
  const same = pa.every((p, i) => close(vals(p), vals(pb[i]), 0));
  t.ok(same, `${name}: an optimizer loaded from a checkpoint at step 4 continues exactly as the original${viaFlat ? ' (through flattenStateDict / unflattenStateDict)' : ''}`);
  (pb as unknown as { opt: nt.optim.Optimizer }).opt.dispose();
  A.dispose();
  for (const p of [...pa, ...pb]) { p.grad?.dispose(); p.dispose(); }
}

test('stateDict round trips: every optimizer continues identically after loadStateDict', (t) => {
  const makers: [string, (ps: nt.Tensor[]) => nt.optim.Optimizer][] = [
    ['SGD nesterov', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
    ['Adam amsgrad', (ps) => new Adam(ps, { lr: 0.05, amsgrad: true })],
    ['AdamW groups', (ps) => new AdamW([{ params: [ps[0]] }, { params: [ps[1]], lr: 0.2 }], { lr: 0.05 })],
    ['RMSprop centered', (ps) => new RMSprop(ps, { lr: 0.01, centered: true, momentum: 0.5 })],
    ['Adagrad', (ps) => new Adagrad(ps, { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1 })],
  ];
  for (const [name, make] of makers) { roundTrip(t, name, make, false); roundTrip(t, name, make, true); }
  t.end();
});

test('loadStateDict: options replaced, tensors copied onto the parameter\'s dtype, mismatches refused', (t) => {
  const w = param([1, 2]);
  const opt = new Adam([w], { lr: 0.1 });
  const f64 = nt.tensor(Float64Array.from([0.5, 0.5]));
  const stepT = nt.tensor(Float32Array.from([3])).reshape([]);
  opt.loadStateDict({
    state: { 0: { step: stepT, exp_avg: f64, exp_avg_sq: f64 } },
    param_groups: [{ lr: 0.01, betas: [0.5, 0.9], eps: 1e-6, weight_decay: 0.2, amsgrad: false, maximize: false, foreach: null, capturable: false, differentiable: false, fused: false, initial_lr: 0.05, params: [0] }],
  });
  const s = opt.state.get(w)!;
  t.equal(s.step, 3, 'a step tensor (torch\'s form) becomes a number');
  t.equal((s.exp_avg as nt.Tensor).dtype, 'float32', 'state tensors cast to the parameter\'s dtype');
  t.notEqual(s.exp_avg, f64, '...as copies (the dict\'s tensors stay the caller\'s)');
  const g = opt.paramGroups[0];
  t.same([g.lr, g.betas, g.eps, g.weightDecay, g.initialLr], [0.01, [0.5, 0.9], 1e-6, 0.2, 0.05], 'group options replaced (snake_case → camelCase)');
  t.notOk('foreach' in g || 'fused' in g, 'torch-only flags dropped');
  t.same(g.params, [w], 'params kept');
  t.throws(() => opt.loadStateDict({ state: {}, param_groups: [] }), /1 parameter groups|0 parameter groups/, 'group count mismatch refused');
  t.throws(() => opt.loadStateDict({ state: {}, param_groups: [{ lr: 0.1, params: [0, 1] }] }), /has 2 params in the state dict, 1 in the optimizer/);
  t.throws(() => opt.loadStateDict({ state: { 0: { exp_avg: nt.zeros([3]) } }, param_groups: [{ lr: 0.1, params: [0] }] }), /state 'exp_avg' of parameter 0 has shape \[3\], the parameter \[2\]/);
  t.throws(() => opt.loadStateDict({ state: {}, param_groups: [{ lr: -5, params: [0] }] }), /invalid learning rate: -5/);
  t.equal(opt.paramGroups[0].lr, 0.01, 'a refused dict changes nothing');
  t.throws(() => nt.optim.unflattenStateDict({}, '{"state":{}}'), /no param_groups/);
  f64.dispose(); stepT.dispose(); w.dispose(); opt.dispose();
  t.end();
});

test('memory: no tensors leak per step; state survives an enclosing tidy(); dispose frees it', (t) => {
  const ps = [param([1, 2, 3]), param([4, 5])];
  const opts: nt.optim.Optimizer[] = [
    new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.1, maximize: true }),
    new Adam(ps, { amsgrad: true, weightDecay: 0.1, maximize: true }),
    new AdamW(ps, { amsgrad: true }),
    new RMSprop(ps, { centered: true, momentum: 0.9, weightDecay: 0.1, maximize: true }),
    new Adagrad(ps, { weightDecay: 0.1, maximize: true }),
  ];
  ps[0].grad = grad([1, 1, 1]); ps[1].grad = grad([1, -1]);
  for (const o of opts) nt.tidy(() => o.step());  // state created inside tidy must survive it
  const before = live();
  for (let k = 0; k < 5; k++) for (const o of opts) o.step();
  t.equal(live(), before, 'live tensor count unchanged over 25 steps (temporaries disposed)');
  t.ok(opts.every((o) => [...o.state.values()].every((s) => Object.values(s).every((v) => !(v instanceof nt.Tensor) || !v.isDisposed))), 'state created inside tidy() is still alive');
  const n = opts.reduce((acc, o) => acc + [...o.state.values()].reduce((a, s) => a + Object.values(s).filter((v) => v instanceof nt.Tensor).length, 0), 0);
  for (const o of opts) o.dispose();
  t.equal(live(), before - n, `dispose() frees the ${n} state tensors`);
  for (const p of ps) { p.grad?.dispose(); p.dispose(); }
  t.end();
});

// ---------------------------------------------------------------- schedulers

const dummy = (lrs = [0.1]): nt.optim.SGD => new SGD(lrs.map((lr) => ({ params: [nt.zeros([1]).requiresGrad_()], lr })), { lr: 0.1, momentum: 0.9 });
const seq = (s: { step(): void; getLastLr(): number[] }, n: number): number[][] => Array.from({ length: n }, () => { s.step(); return s.getLastLr(); });

test('schedulers: hand-checked values, lastEpoch, initialLr', (t) => {
  const o = dummy([1]);
  const s = new StepLR(o, { stepSize: 2, gamma: 0.5 });
  t.equal(s.lastEpoch, 0, 'construction takes step 0');
  t.equal(o.paramGroups[0].initialLr, 1, 'initialLr recorded in the group');
  t.same(seq(s, 5).map((x) => x[0]), [1, 0.5, 0.5, 0.25, 0.25], 'StepLR');
  t.same(seq(new MultiStepLR(dummy([1]), { milestones: [3, 1], gamma: 0.1 }), 4).map((x) => +x[0].toPrecision(12)), [0.1, 0.1, 0.01, 0.01], 'MultiStepLR (milestones sorted)');
  t.same(seq(new ExponentialLR(dummy([1]), { gamma: 0.5 }), 3).map((x) => x[0]), [0.5, 0.25, 0.125], 'ExponentialLR');
  const c = seq(new CosineAnnealingLR(dummy([1]), { tMax: 4 }), 4).map((x) => x[0]);
  t.ok(close(c, [(1 + Math.SQRT1_2) / 2, 0.5, (1 - Math.SQRT1_2) / 2, 0], 1e-12), 'CosineAnnealingLR');
  t.same(seq(new LinearLR(dummy([1]), { startFactor: 0.5, totalIters: 2 }), 3).map((x) => x[0]), [0.75, 1, 1], 'LinearLR');
  t.same(seq(new LambdaLR(dummy([1, 2]), { lrLambda: [(e) => e, (e) => 1 / (e + 1)] }), 1), [[1, 1]], 'LambdaLR, one function per group');
  const oc = dummy([1]);
  const one = new OneCycleLR(oc, { maxLr: 1, totalSteps: 10 });
  t.ok(close([oc.paramGroups[0].lr], [0.04], 1e-15), 'OneCycleLR starts at maxLr / divFactor');
  t.equal(oc.paramGroups[0].momentum, 0.95, '...with momentum at maxMomentum');
  seq(one, 10);
  t.throws(() => one.step(), /OneCycleLR: tried to step 12 times; the specified number of total steps is 10/, 'OneCycleLR refuses to step past totalSteps');
  const ad = new Adam([nt.zeros([1]).requiresGrad_()]);
  new OneCycleLR(ad, { maxLr: 0.01, totalSteps: 10 });
  t.same(ad.paramGroups[0].betas, [0.95, 0.999], 'OneCycleLR cycles Adam\'s beta1');
  t.end();
});

test('schedulers: validation', (t) => {
  const o = dummy();
  const bad: [() => unknown, RegExp][] = [
    [() => new StepLR(o, { stepSize: 0 }), /StepLR: stepSize must be a positive integer, got 0/],
    [() => new StepLR({} as nt.optim.Optimizer, { stepSize: 1 }), /StepLR: expected an optimizer/],
    [() => new MultiStepLR(o, { milestones: [1.5] }), /MultiStepLR: milestones must be an array of integers/],
    [() => new ExponentialLR(o, { gamma: NaN }), /ExponentialLR: gamma must be a finite number/],
    [() => new CosineAnnealingLR(o, { tMax: -1 }), /CosineAnnealingLR: tMax must be a positive integer/],
    [() => new LinearLR(o, { startFactor: 2 }), /LinearLR: startFactor must be in \[0, 1\], got 2/],
    [() => new LambdaLR(o, { lrLambda: [(e) => e, (e) => e] }), /LambdaLR: expected 1 lrLambda functions/],
    [() => new OneCycleLR(o, { maxLr: 0.1 }), /OneCycleLR: you must define either totalSteps or \(epochs and stepsPerEpoch\)/],
    [() => new OneCycleLR(o, { maxLr: 0.1, totalSteps: 10, pctStart: 1.5 }), /OneCycleLR: pctStart must be a number in \[0, 1\]/],
    [() => new OneCycleLR(o, { maxLr: [0.1, 0.2], totalSteps: 10 }), /OneCycleLR: expected 1 values for maxLr, got 2/],
    [() => new OneCycleLR(new Adagrad([nt.zeros([1]).requiresGrad_()]), { maxLr: 0.1, totalSteps: 10 }), /has no momentum/],
    [() => new SequentialLR(o, { schedulers: [new StepLR(o, { stepSize: 1 })], milestones: [3] }), /one more than the number of milestones/],
    [() => new SequentialLR(o, { schedulers: [new StepLR(dummy(), { stepSize: 1 }), new StepLR(o, { stepSize: 1 })], milestones: [3] }), /same optimizer/],
    [() => new StepLR(dummy(), { stepSize: 1, lastEpoch: 5 }), /'initialLr' is not set in paramGroups\[0\] when resuming/],
  ];
  for (const [f, re] of bad) t.throws(f, re, re.source);
  t.end();
});

test('schedulers: stateDict (torch key names) round trip continues identically', (t) => {
  type Make = (o: nt.optim.Optimizer) => nt.optim.lrScheduler.Scheduler;
  const makers: [string, Make][] = [
    ['StepLR', (o) => new StepLR(o, { stepSize: 3, gamma: 0.5 })],
    ['MultiStepLR', (o) => new MultiStepLR(o, { milestones: [2, 5, 5, 9], gamma: 0.5 })],
    ['ExponentialLR', (o) => new ExponentialLR(o, { gamma: 0.9 })],
    ['CosineAnnealingLR', (o) => new CosineAnnealingLR(o, { tMax: 6, etaMin: 0.01 })],
    ['LinearLR', (o) => new LinearLR(o, { totalIters: 8 })],
    ['LambdaLR', (o) => new LambdaLR(o, { lrLambda: (e) => 1 / (1 + e) })],
    ['OneCycleLR', (o) => new OneCycleLR(o, { maxLr: 0.5, totalSteps: 20, threePhase: true })],
    ['SequentialLR', (o) => new SequentialLR(o, { schedulers: [new LinearLR(o, { totalIters: 3 }), new CosineAnnealingLR(o, { tMax: 10 })], milestones: [3] })],
  ];
  for (const [name, make] of makers) {
    const oa = dummy([0.1, 0.2]), a = make(oa);
    seq(a, 6);
    const sd = JSON.parse(JSON.stringify(a.stateDict()));   // JSON-able
    const optSd = oa.stateDict();
    const ob = dummy([0.1, 0.2]), b = make(ob);
    ob.loadStateDict(optSd);
    b.loadStateDict(sd);
    t.same(seq(b, 10), seq(a, 10), `${name}: continues identically after loadStateDict`);
    t.ok(b.lastEpoch === a.lastEpoch && Object.keys(sd).includes('last_epoch'), `${name}: state dict keys are torch's (${Object.keys(sd).join(', ')})`);
  }
  t.same(new MultiStepLR(dummy(), { milestones: [2, 5, 5] }).stateDict().milestones, { 2: 1, 5: 2 }, 'MultiStepLR milestones saved as a Counter-like {epoch: count}');
  t.same(new CosineAnnealingLR(dummy(), { tMax: 5 }).stateDict().T_max, 5, 'tMax saved as torch\'s T_max');
  t.end();
});

test('end to end with autograd: fitting y = 3x + 2 with Adam + CosineAnnealingLR inside tidy()', (t) => {
  nt.manualSeed(0);
  const X = nt.randn([256, 1]), Y = X.mul(3).add(2);
  const w = nt.zeros([1, 1]).requiresGrad_(), b = nt.zeros([1]).requiresGrad_();
  const opt = new Adam([w, b], { lr: 0.1 });
  const sched = new CosineAnnealingLR(opt, { tMax: 300 });
  const before = live();
  for (let i = 0; i < 300; i++) {
    nt.tidy(() => {
      opt.zeroGrad();
      X.matmul(w).add(b).sub(Y).square().mean().backward();
      opt.step();
      sched.step();
    });
  }
  t.ok(Math.abs(w.item() - 3) < 1e-3 && Math.abs(b.item() - 2) < 1e-3, `w ≈ 3, b ≈ 2 (got ${w.item()}, ${b.item()})`);
  t.equal(live() - before, 6, 'what stays alive: 4 Adam state tensors and the 2 last gradients');
  opt.zeroGrad(); opt.dispose();
  t.equal(live(), before, 'zeroGrad() + dispose() free them');
  for (const x of [X, Y, w, b]) x.dispose();
  t.end();
});
