// module.test.ts — nn.Module mechanics without PyTorch: discovery (parameters, buffers, children in
// order), Parameter, stateDict key names for nested models, loadStateDict (round trip, strict errors),
// repr, train/eval, to(dtype) in place, zeroGrad, apply, containers, tidy-safety of weights and caches.
// Not here: numerical parity (nn-torch.test.ts), error messages of layers (errors.test.ts).
import test from 'tape';
import * as nt from '../../lib';
import { CNN, TinyTransformer } from './nn-torch-cases';

const { nn, F } = nt;

test('Parameter: a leaf Tensor, with or without new, flagged for discovery', (t) => {
  const a = new nn.Parameter(nt.zeros([2, 3]));
  const b = (nn.Parameter as unknown as (x: nt.Tensor) => nt.Tensor)(nt.ones([2]));
  t.ok(a instanceof nt.Tensor && a instanceof nn.Parameter && b instanceof nn.Parameter, 'instanceof Tensor and Parameter');
  t.ok(nn.isParameter(a) && !nn.isParameter(nt.zeros([1])), 'isParameter');
  t.ok(a.requiresGrad && a.isLeaf, 'requires grad, leaf');
  t.notOk(new nn.Parameter(nt.zeros([1]), false).requiresGrad, 'requiresGrad=false');
  t.ok(String(a).startsWith('Parameter containing:\ntensor('), 'prints like PyTorch');
  const kept = nt.tidy(() => new nn.Parameter(nt.ones([3])));
  t.notOk(kept.isDisposed, 'not disposed by the tidy it was made in');
  t.deepEqual(kept.toArray(), [1, 1, 1]);
  t.end();
});

test('discovery: parameters, buffers and children in property order; shared params once', (t) => {
  class Net extends nn.Module {
    scale = new nn.Parameter(nt.ones([1]));
    fc = new nn.Linear(3, 2);
    stat = this.registerBuffer('stat', nt.zeros([2]));
    tmp = this.registerBuffer('tmp', nt.zeros([1]), false);
    plain = nt.zeros([4]);  // a plain tensor property: neither parameter nor buffer
    notAModule = { fc: new nn.Linear(1, 1) };
    override forward(x: nt.Tensor): nt.Tensor { return this.fc.forward(x).mul(this.scale); }
  }
  const m = new Net();
  t.deepEqual(m.namedParameters().map(([k]) => k), ['scale', 'fc.weight', 'fc.bias']);
  t.deepEqual(m.namedBuffers().map(([k]) => k), ['stat', 'tmp']);
  t.deepEqual(Object.keys(m.stateDict()), ['scale', 'stat', 'fc.weight', 'fc.bias'], 'stateDict: own params, persistent buffers, then children');
  t.deepEqual(m.namedChildren().map(([k]) => k), ['fc']);
  t.equal(m.modules().length, 2);
  t.equal(m.getSubmodule('fc'), m.fc);
  t.throws(() => m.getSubmodule('nope'), /has no submodule named "nope"/);
  const shared = new nn.Linear(2, 2);
  const tied = new nn.Sequential(shared, shared);
  t.equal(tied.parameters().length, 2, 'a shared module counts once in parameters()');
  t.deepEqual(Object.keys(tied.stateDict()), ['0.weight', '0.bias', '1.weight', '1.bias'], 'but appears under both keys in stateDict (as PyTorch)');
  t.throws(() => m.registerParameter('x', nt.zeros([1]) as nt.nn.Parameter), /nn\.Parameter or null required/);
  t.throws(() => m.registerBuffer('a.b', nt.zeros([1])), /without "\."/);
  t.equal(m.call(nt.ones([1, 3])).shape[1], 2, 'call() runs forward');
  t.throws(() => new nn.Module().forward(), /missing the required "forward" function/);
  t.end();
});

test('stateDict key names of nested models are PyTorch\'s', (t) => {
  const seq = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
  t.deepEqual(Object.keys(seq.stateDict()), ['0.weight', '0.bias', '2.weight', '2.bias']);
  const tr = new TinyTransformer(11, 8, 2, 2);
  const keys = Object.keys(tr.stateDict());
  t.deepEqual(keys.slice(0, 11), ['emb.weight', 'blocks.0.ln1.weight', 'blocks.0.ln1.bias', 'blocks.0.attn.in_proj_weight', 'blocks.0.attn.in_proj_bias',
    'blocks.0.attn.out_proj.weight', 'blocks.0.attn.out_proj.bias', 'blocks.0.ln2.weight', 'blocks.0.ln2.bias', 'blocks.0.mlp.0.weight', 'blocks.0.mlp.0.bias']);
  t.ok(keys.includes('blocks.1.mlp.2.bias') && keys[keys.length - 1] === 'head.bias', 'blocks.1.mlp.2.bias ... head.bias');
  const cnn = new CNN();
  t.deepEqual(Object.keys(cnn.stateDict()).slice(0, 7), ['features.0.weight', 'features.0.bias', 'features.1.weight', 'features.1.bias',
    'features.1.running_mean', 'features.1.running_var', 'features.1.num_batches_tracked']);
  const heads = new nn.ModuleDict({ cls: new nn.Linear(2, 3), box: new nn.Linear(2, 4) });
  t.deepEqual(Object.keys(heads.stateDict()), ['cls.weight', 'cls.bias', 'box.weight', 'box.bias']);
  const mha = new nn.MultiheadAttention(8, 2, { kdim: 4, vdim: 3, addBiasKv: true });
  t.deepEqual(Object.keys(mha.stateDict()), ['q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'in_proj_bias', 'bias_k', 'bias_v', 'out_proj.weight', 'out_proj.bias']);
  t.deepEqual(Object.keys(new nn.BCEWithLogitsLoss({ posWeight: nt.ones([2]) }).stateDict()), ['pos_weight']);
  t.end();
});

test('loadStateDict: round trip, dtype cast, strict errors, strict false', (t) => {
  nt.manualSeed(1);
  const a = new CNN(), b = new CNN();
  a.train(); nt.tidy(() => { a.forward(nt.randn([4, 1, 8, 8])); });
  const r = b.loadStateDict(a.stateDict());
  t.deepEqual(r, { missingKeys: [], unexpectedKeys: [] });
  const sa = a.stateDict(), sb = b.stateDict();
  t.ok(Object.keys(sa).every((k) => JSON.stringify(sa[k].toArray()) === JSON.stringify(sb[k].toArray())), 'all values copied (running stats too)');
  const w = b.features[0] as nt.nn.Conv2d, before = w.weight;
  b.loadStateDict(Object.fromEntries(Object.entries(sa).map(([k, v]) => [k, v.dtype === 'float32' ? v.double() : v])));
  t.equal(w.weight, before, 'parameters stay the same objects');
  t.equal(w.weight.dtype, 'float32', 'values cast to the parameter dtype');
  const lin = new nn.Linear(3, 2);
  const e1 = (() => { try { lin.loadStateDict({ weight: nt.zeros([2, 3]) }); return ''; } catch (e) { return (e as Error).message; } })();
  t.ok(/Error\(s\) in loading state_dict for Linear/.test(e1) && /Missing key\(s\) in state_dict: "bias"/.test(e1), `missing: ${e1}`);
  const e2 = (() => { try { lin.loadStateDict({ weight: nt.zeros([2, 3]), bias: nt.zeros([2]), extra: nt.zeros([1]) }); return ''; } catch (e) { return (e as Error).message; } })();
  t.ok(/Unexpected key\(s\) in state_dict: "extra"/.test(e2), `unexpected: ${e2}`);
  const wBefore = lin.weight.toArray();
  const e3 = (() => { try { lin.loadStateDict({ weight: nt.ones([3, 3]), bias: nt.ones([2]) }); return ''; } catch (e) { return (e as Error).message; } })();
  t.ok(/size mismatch for weight: copying a param with shape \[3, 3\] from checkpoint, the shape in current model is \[2, 3\]/.test(e3), `shape: ${e3}`);
  t.deepEqual(lin.bias!.toArray(), lin.bias!.toArray(), '');
  t.deepEqual(lin.weight.toArray(), wBefore, 'nothing copied when there is an error');
  t.throws(() => lin.loadStateDict({ weight: nt.ones([3, 3]) }, { strict: false }), /size mismatch/, 'shape mismatch is an error even when not strict');
  t.throws(() => lin.loadStateDict({ weight: [1, 2] as unknown as nt.Tensor, bias: nt.ones([2]) }), /not a live Tensor/);
  const r2 = lin.loadStateDict(new Map([['weight', nt.ones([2, 3])], ['zzz', nt.ones([1])]]), { strict: false });
  t.deepEqual(r2, { missingKeys: ['bias'], unexpectedKeys: ['zzz'] });
  t.deepEqual(lin.weight.toArray(), [[1, 1, 1], [1, 1, 1]], 'what matched was loaded');
  t.end();
});

test('toString prints like PyTorch', (t) => {
  const seq = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Dropout(0.1), new nn.Linear(256, 10, { bias: false }));
  t.equal(String(seq), 'Sequential(\n  (0): Linear(in_features=784, out_features=256, bias=True)\n  (1): ReLU()\n  (2): Dropout(p=0.1, inplace=False)\n  (3): Linear(in_features=256, out_features=10, bias=False)\n)');
  class Outer extends nn.Module { body = new nn.Sequential(new nn.Conv2d(1, 2, 3, { stride: 2, groups: 1, bias: false }), new nn.BatchNorm2d(2)); head = new nn.LayerNorm([2, 3]); }
  t.equal(String(new Outer()), 'Outer(\n  (body): Sequential(\n    (0): Conv2d(1, 2, kernel_size=(3, 3), stride=(2, 2), bias=False)\n'
    + '    (1): BatchNorm2d(2, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n  )\n  (head): LayerNorm((2, 3), eps=1e-05, elementwise_affine=True)\n)');
  t.equal(String(new nn.Embedding(10, 3, { paddingIdx: 0 })), 'Embedding(10, 3, padding_idx=0)');
  t.equal(String(new nn.RMSNorm(4)), 'RMSNorm((4,), eps=None, elementwise_affine=True)');
  t.equal(String(new nn.Conv1d(2, 4, 3, { padding: 'same', paddingMode: 'circular', dilation: 2 })), 'Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=same, dilation=(2,), padding_mode=circular)');
  t.equal(String(new nn.AvgPool2d([2, 3], { stride: 1 })), 'AvgPool2d(kernel_size=(2, 3), stride=1, padding=0)');
  t.end();
});

test('train/eval: flags recurse; Dropout and BatchNorm follow them', (t) => {
  const m = new nn.Sequential(new nn.Linear(4, 4), new nn.Dropout(0.5), new nn.Sequential(new nn.BatchNorm1d(4)));
  t.ok(m.modules().every((x) => x.training), 'training by default');
  m.eval();
  t.ok(m.modules().every((x) => !x.training), 'eval() recurses');
  const x = nt.randn([1000, 4]);
  t.equal((m[1] as nt.nn.Dropout).forward(x), x, 'Dropout is the identity in eval mode');
  m.train();
  nt.manualSeed(3);
  const y = (m[1] as nt.nn.Dropout).forward(nt.ones([20000]));
  const zeros = y.eq(0).sum().item() / 20000;
  t.ok(Math.abs(zeros - 0.5) < 0.02, `about half zeroed (${zeros})`);
  t.deepEqual([...new Set(Array.from(y.dataSync() as Float32Array))].sort(), [0, 2], 'kept values scaled by 1/(1-p)');
  t.equal(F.dropout(nt.ones([5]), 1).sum().item(), 0, 'p = 1 zeroes everything');
  const bn = new nn.BatchNorm1d(4);
  bn.forward(nt.randn([16, 4]).mul(3).add(5));
  t.equal(bn.numBatchesTracked!.item(), 1, 'num_batches_tracked counts training batches');
  bn.eval();
  const before = bn.runningMean!.toArray();
  bn.forward(nt.randn([16, 4]));
  t.deepEqual(bn.runningMean!.toArray(), before, 'eval mode leaves running stats alone');
  t.end();
});

test('to(dtype) converts in place: same Parameter objects, grads converted, int buffers kept', (t) => {
  const m = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
  const params = m.parameters();
  nt.F.mseLoss(m.forward(nt.randn([4, 3])), nt.zeros([4, 2])).backward();
  m.to('float64');
  t.ok(m.parameters().every((p, i) => p === params[i]), 'same objects');
  t.ok(params.every((p) => p.dtype === 'float64' && p.grad!.dtype === 'float64'), 'parameters and grads are float64');
  const bn = m[1] as nt.nn.BatchNorm1d;
  t.equal(bn.runningMean!.dtype, 'float64');
  t.equal(bn.numBatchesTracked!.dtype, 'int64', 'num_batches_tracked stays int64');
  t.equal(m.forward(nt.randn([4, 3], { dtype: 'float64' })).dtype, 'float64', 'forward runs in float64');
  t.ok(params[0].requiresGrad && params[0].isLeaf, 'still a leaf that requires grad');
  m.to({ dtype: 'float32', device: 'cpu' });
  t.equal(params[0].dtype, 'float32');
  m.half(); t.equal(params[0].dtype, 'float16'); m.float();
  t.throws(() => m.to('int32'), /only floating-point dtypes/);
  t.throws(() => m.to('gpu'), /unknown device/);
  t.end();
});

test('zeroGrad, apply, containers', (t) => {
  const m = new nn.Sequential(new nn.Linear(3, 2), new nn.Tanh(), new nn.Linear(2, 1));
  m.forward(nt.randn([5, 3])).sum().backward();
  const g = (m[0] as nt.nn.Linear).weight.grad!;
  m.zeroGrad({ setToNone: false });
  t.deepEqual(g.toArray(), [[0, 0, 0], [0, 0, 0]], 'zeroGrad({ setToNone: false }) zeroes in place');
  m.zeroGrad(false);
  t.equal((m[0] as nt.nn.Linear).weight.grad, g, 'zeroGrad(false) (PyTorch positional) keeps the tensor');
  m.zeroGrad();
  t.ok(m.parameters().every((p) => p.grad === null), 'zeroGrad() sets to null');
  const seen: string[] = [];
  m.apply((x) => seen.push(x.constructor.name));
  t.deepEqual(seen, ['Linear', 'Tanh', 'Linear', 'Sequential'], 'apply: children first');
  const list = new nn.ModuleList([new nn.ReLU()]);
  list.append(new nn.Tanh()).insert(0, new nn.Identity()).extend([new nn.SiLU()]);
  t.deepEqual([...list].map((x) => x.constructor.name), ['Identity', 'ReLU', 'Tanh', 'SiLU']);
  t.equal(list.length, 4); t.equal(list.at(-1).constructor.name, 'SiLU'); t.equal(list[1].constructor.name, 'ReLU');
  t.throws(() => list.at(4), /out of range/);
  t.throws(() => list.forward(), /has no forward/);
  const named = new nn.Sequential({ fc: new nn.Linear(2, 2), act: new nn.ReLU() });
  t.deepEqual(Object.keys(named.stateDict()), ['fc.weight', 'fc.bias']);
  t.equal(named[0], named.at(0));
  t.deepEqual(Object.keys(m.slice(1).stateDict()), ['2.weight', '2.bias'], 'slice keeps keys');
  const d = new nn.ModuleDict({ a: new nn.ReLU() });
  d.set('b', new nn.Tanh());
  t.deepEqual([...d.keys()], ['a', 'b']); t.ok(d.has('b')); d.pop('a'); t.deepEqual([...d.keys()], ['b']);
  t.throws(() => new nn.Sequential(3 as unknown as nt.nn.Module), /not a Module/);
  t.end();
});

test('weights, buffers and conv index caches survive tidy; forward intermediates do not', (t) => {
  const m = nt.tidy(() => new CNN());
  t.ok(m.parameters().every((p) => !p.isDisposed) && m.buffers().every((b) => !b.isDisposed), 'a model built inside tidy keeps its tensors');
  nt.tidy(() => { m.forward(nt.randn([2, 1, 8, 8])); });
  const before = nt.memory().cpu.tensors;
  for (let i = 0; i < 3; i++) nt.tidy(() => { m.forward(nt.randn([2, 1, 8, 8])).sum().backward(); });
  m.zeroGrad();
  t.equal(nt.memory().cpu.tensors, before, 'no tensors left behind by forward/backward in tidy');
  t.equal(m.forward(nt.randn([2, 1, 8, 8])).shape[1], 10, 'cached im2col indices still usable');
  const e = nt.nn.Embedding.fromPretrained(nt.tensor([[1, 2], [3, 4]], { dtype: 'float32' }));
  t.notOk(e.weight.requiresGrad, 'fromPretrained freezes by default');
  t.deepEqual(e.forward(nt.tensor([1])).toArray(), [[3, 4]]);
  t.end();
});
