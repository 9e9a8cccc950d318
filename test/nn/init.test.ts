// init.test.ts — nn.init and the layers' default initialisation: PyTorch's bounds and spreads
// (statistical checks over many draws: nodetensor's generator is not PyTorch's), in place, without
// recording gradients, reproducible under nt.manualSeed. Not here: parity of values (nn-torch.test.ts).
import test from 'tape';
import * as nt from '../../lib';

const { nn } = nt;

function stats(t: nt.Tensor): { min: number; max: number; mean: number; std: number } {
  const d = Array.from(t.float().dataSync() as Float32Array);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  return { min: Math.min(...d), max: Math.max(...d), mean, std };
}
const near = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol;

test('Linear and Conv defaults: kaiming_uniform(a=√5) weights and U(±1/√fan_in) biases', (t) => {
  nt.manualSeed(0);
  const fc = new nn.Linear(400, 300);
  const w = stats(fc.weight), b = stats(fc.bias!);
  const bound = 1 / Math.sqrt(400);
  t.ok(w.min >= -bound && w.max <= bound && w.max > 0.95 * bound, `weight within ±${bound.toFixed(4)} (${w.min.toFixed(4)}..${w.max.toFixed(4)})`);
  t.ok(near(w.std, bound / Math.sqrt(3), 0.02 * bound), `weight std ≈ bound/√3 (${w.std.toFixed(5)})`);
  t.ok(b.min >= -bound && b.max <= bound, 'bias within the same bound');
  const conv = new nn.Conv2d(6, 16, 5, { groups: 2 });
  const cb = 1 / Math.sqrt(3 * 25), cw = stats(conv.weight);
  t.ok(cw.min >= -cb && cw.max <= cb && cw.max > 0.9 * cb, `conv weight within ±1/√(3·25) (fan_in counts in_channels/groups)`);
  t.ok(stats(conv.bias!).max <= cb, 'conv bias within the same bound');
  t.end();
});

test('Embedding N(0, 1) with a zero padding row; norms ones/zeros; MHA xavier + zero biases', (t) => {
  nt.manualSeed(1);
  const e = new nn.Embedding(2000, 50, { paddingIdx: 3 });
  const s = stats(e.weight);
  t.ok(near(s.mean, 0, 0.01) && near(s.std, 1, 0.01), `N(0, 1): mean ${s.mean.toFixed(4)}, std ${s.std.toFixed(4)}`);
  t.deepEqual(e.weight.select(0, 3).toArray(), new Array(50).fill(0), 'padding row is zero');
  const ln = new nn.LayerNorm(4), bn = new nn.BatchNorm2d(3);
  t.deepEqual([ln.weight!.toArray(), ln.bias!.toArray()], [[1, 1, 1, 1], [0, 0, 0, 0]]);
  t.deepEqual([bn.weight!.toArray(), bn.bias!.toArray(), bn.runningMean!.toArray(), bn.runningVar!.toArray(), bn.numBatchesTracked!.item()], [[1, 1, 1], [0, 0, 0], [0, 0, 0], [1, 1, 1], 0]);
  const mha = new nn.MultiheadAttention(64, 4, { addBiasKv: true });
  const xb = Math.sqrt(6 / (64 + 192)), iw = stats(mha.inProjWeight!);
  t.ok(iw.min >= -xb && iw.max <= xb && iw.max > 0.95 * xb, 'in_proj_weight: xavier_uniform over [3E, E]');
  t.equal(stats(mha.inProjBias!).max, 0); t.equal(stats(mha.outProj.bias!).max, 0);
  t.ok(near(stats(mha.outProj.weight).max, 1 / 8, 0.01), 'out_proj.weight keeps Linear\'s default (±1/√64)');
  t.end();
});

test('init functions: formulas, in place, no graph, reproducible', (t) => {
  nt.manualSeed(2);
  const w = new nn.Parameter(nt.empty([500, 200]));
  const same = nn.init.xavierUniform_(w, 2);
  t.equal(same, w, 'returns the tensor');
  const xb = 2 * Math.sqrt(6 / 700);
  let s = stats(w);
  t.ok(s.min >= -xb && s.max <= xb && s.max > 0.98 * xb, 'xavierUniform_ bound gain·√(6/(fan_in+fan_out))');
  t.ok(w.isLeaf && w.requiresGrad && w.gradFn === null, 'still a leaf requiring grad (ran without recording)');
  nn.init.xavierNormal_(w); s = stats(w);
  t.ok(near(s.std, Math.sqrt(2 / 700), 0.002), `xavierNormal_ std (${s.std.toFixed(4)})`);
  nn.init.kaimingNormal_(w, { mode: 'fan_out', nonlinearity: 'relu' }); s = stats(w);
  t.ok(near(s.std, Math.SQRT2 / Math.sqrt(500), 0.002), `kaimingNormal_ fan_out relu std (${s.std.toFixed(4)})`);
  nn.init.kaimingUniform_(w, { nonlinearity: 'relu' }); s = stats(w);
  t.ok(s.max <= Math.sqrt(6 / 200) && s.max > 0.98 * Math.sqrt(6 / 200), 'kaimingUniform_ relu bound √(6/fan_in)');
  nn.init.normal_(w, 3, 0.5); s = stats(w);
  t.ok(near(s.mean, 3, 0.01) && near(s.std, 0.5, 0.01), 'normal_');
  nn.init.uniform_(w, -2, -1); s = stats(w);
  t.ok(s.min >= -2 && s.max < -1 && near(s.mean, -1.5, 0.01), 'uniform_');
  nn.init.truncNormal_(w, { mean: 1, std: 2, a: -1, b: 2 }); s = stats(w);
  t.ok(s.min >= -1 && s.max <= 2, `truncNormal_ within [a, b] (${s.min.toFixed(3)}..${s.max.toFixed(3)})`);
  // Truncated N(1, 2²) on [-1, 2]: α = -1, β = 0.5; mean = 1 + 2 (φ(α) - φ(β)) / (Φ(β) - Φ(α)).
  const phi = (z: number): number => Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
  const expMean = 1 + 2 * (phi(-1) - phi(0.5)) / (0.691462461 - 0.158655254);
  t.ok(near(s.mean, expMean, 0.01), `truncNormal_ mean ${s.mean.toFixed(4)} ≈ ${expMean.toFixed(4)}`);
  nn.init.trunc_normal_(w, { std: 0.02 }); s = stats(w);
  t.ok(s.max <= 2 && near(s.std, 0.02, 0.001), 'trunc_normal_ alias, default bounds ±2 (absolute)');
  nn.init.constant_(w, 0.25); t.equal(stats(w).min, 0.25);
  nn.init.zeros_(w); t.equal(stats(w).max, 0);
  nn.init.ones_(w); t.equal(stats(w).min, 1);
  t.equal(nn.init.calculateGain('tanh'), 5 / 3);
  t.equal(nn.init.calculateGain('leaky_relu', Math.sqrt(5)), Math.sqrt(1 / 3));
  t.equal(nn.init.calculateGain('selu'), 0.75);
  t.equal(nn.init.calculateGain('conv2d'), 1);
  nt.manualSeed(7); const a = new nn.Linear(3, 3).weight.toArray();
  nt.manualSeed(7); const b = new nn.Linear(3, 3).weight.toArray();
  t.deepEqual(a, b, 'same seed, same weights');
  const d = nn.init.normal_(nt.empty([64], { dtype: 'float64' }));
  t.equal(d.dtype, 'float64', 'float64 tensors filled in float64');
  t.end();
});

test('nn.utils: parametersToVector / vectorToParameters', (t) => {
  const m = new nn.Linear(3, 2);
  const v = nn.utils.parametersToVector(m.parameters());
  t.deepEqual(v.shape, [8]);
  nn.utils.vectorToParameters(nt.arange(8).float(), m.parameters());
  t.deepEqual(m.weight.toArray(), [[0, 1, 2], [3, 4, 5]]);
  t.deepEqual(m.bias!.toArray(), [6, 7]);
  t.equal(nn.utils.clipGradNorm_(m.parameters(), 1).item(), 0, 'no gradients: total norm 0');
  t.end();
});
