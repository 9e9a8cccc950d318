// attention-paths.test.ts — which path attention takes: scaledDotProductAttention and
// MultiheadAttention run the fused kernel when it applies (no mask or the causal hint, no active
// dropout, no weights asked for, a backend with the kernel) and the composite otherwise, with the
// same results and gradients. Not here: values against a reference (test/conformance/attention),
// PyTorch parity (nn-torch), errors (errors.test).
import test from 'tape';
import * as nt from '../../lib';
import { OP_NAMES } from '../../lib/op-list';
import { BACKEND_CUDA } from '../../lib/device';
import { fusedAttentionAvailable, setFusedAttention } from '../../lib/ops/attention';

const { F, nn } = nt;

// Kernel submissions, by op name (ops call lib/dispatch's submit through the module object).
interface DispatchModule { submit: (op: number, key: number, nviews: number) => void }
// eslint-disable-next-line @typescript-eslint/no-var-requires
const dispatchMod = require('../../lib/dispatch') as DispatchModule;
const seen: string[] = [];
const orig = dispatchMod.submit;
dispatchMod.submit = function submit(op: number, key: number, nviews: number): void { orig(op, key, nviews); seen.push(OP_NAMES[op]); };

/** The kernel ops fn submitted. */
function opsOf(fn: () => void): string[] { seen.length = 0; nt.tidy(fn); return seen.slice(); }

function maxDiff(a: nt.Tensor, b: nt.Tensor): number { return a.to('float64').sub(b.to('float64')).abs().amax().item(); }

test('scaledDotProductAttention: fused without a mask, composite with one, with dropout, or when turned off', (t) => {
  const q = nt.randn([2, 3, 5, 8]), k = nt.randn([2, 3, 6, 8]), v = nt.randn([2, 3, 6, 4]);
  t.ok(opsOf(() => { F.scaledDotProductAttention(q, k, v); }).includes('attention'), 'no mask: the fused kernel');
  t.ok(opsOf(() => { F.scaledDotProductAttention(q, k, v, { isCausal: true }); }).includes('attention'), 'isCausal: the fused kernel');
  const viaMask = opsOf(() => { F.scaledDotProductAttention(q, k, v, { attnMask: nt.ones([5, 6], { dtype: 'bool' }) }); });
  t.ok(!viaMask.includes('attention') && viaMask.includes('softmax'), 'a mask: the composite');
  t.ok(!opsOf(() => { F.scaledDotProductAttention(q, k, v, { dropoutP: 0.5 }); }).includes('attention'), 'dropout: the composite');
  t.ok(opsOf(() => { F.scaledDotProductAttention(q, k, v, { dropoutP: 0 }); }).includes('attention'), 'dropoutP 0: the fused kernel');
  setFusedAttention(false);
  try {
    t.ok(!opsOf(() => { F.scaledDotProductAttention(q, k, v); }).includes('attention'), 'turned off: the composite');
  } finally {
    setFusedAttention(true);
  }
  t.end();
});

test('scaledDotProductAttention: fused and composite agree, forward and gradients (float32)', (t) => {
  for (const isCausal of [false, true]) {
    nt.tidy(() => {
      const q = nt.randn([2, 6, 3, 8]).transpose(1, 2).requiresGrad_(true), k = nt.randn([2, 3, 9, 8]).requiresGrad_(true), v = nt.randn([2, 3, 9, 5]).requiresGrad_(true);
      const run = (fusedOn: boolean): nt.Tensor[] => {
        setFusedAttention(fusedOn);
        try {
          const o = F.scaledDotProductAttention(q, k, v, { isCausal });
          const g = nt.autograd.grad(o.square().sum(), [q, k, v]) as nt.Tensor[];
          return [o, ...g];
        } finally {
          setFusedAttention(true);
        }
      };
      const a = run(true), b = run(false);
      ['out', 'dq', 'dk', 'dv'].forEach((name, i) => {
        const d = maxDiff(a[i], b[i]);
        t.ok(d < 2e-5, `causal ${isCausal}: ${name} of the fused op and the composite agree (max diff ${d.toExponential(2)})`);
      });
    });
  }
  t.end();
});

test('MultiheadAttention: fused when no weights are asked for (with no mask or the isCausal hint)', (t) => {
  const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });
  const x = nt.randn([2, 5, 8]);
  const mask = nt.arange(5).unsqueeze(0).gt(nt.arange(5).unsqueeze(1));
  const kpm = nt.zeros([2, 5], { dtype: 'bool' });
  const fusedRuns = (o: Parameters<typeof mha.forward>[3]): boolean => opsOf(() => { mha.forward(x, x, x, o); }).includes('attention');
  t.ok(fusedRuns({ needWeights: false }), 'no mask, needWeights false: fused');
  t.ok(fusedRuns({ needWeights: false, attnMask: mask, isCausal: true }), 'causal mask + isCausal hint: fused');
  t.ok(!fusedRuns({ needWeights: false, attnMask: mask }), 'a mask without the hint: composite');
  t.ok(!fusedRuns({ attnMask: mask, isCausal: true }), 'weights asked for (the default): composite');
  t.ok(!fusedRuns({ needWeights: false, attnMask: mask, isCausal: true, keyPaddingMask: kpm }), 'a key padding mask: composite');
  const withBias = new nn.MultiheadAttention(8, 2, { batchFirst: true, addBiasKv: true });
  t.ok(!opsOf(() => { withBias.forward(x, x, x, { needWeights: false, attnMask: mask, isCausal: true }); }).includes('attention'), 'addBiasKv (extra key): composite');
  const dropping = new nn.MultiheadAttention(8, 2, { batchFirst: true, dropout: 0.3 });
  t.ok(!opsOf(() => { dropping.forward(x, x, x, { needWeights: false }); }).includes('attention'), 'dropout in training: composite');
  dropping.eval();
  t.ok(opsOf(() => { dropping.forward(x, x, x, { needWeights: false }); }).includes('attention'), 'dropout in eval: fused');
  nt.tidy(() => {
    const [a] = mha.forward(x, x, x, { needWeights: false, attnMask: mask, isCausal: true });
    const [b] = mha.forward(x, x, x, { needWeights: false, attnMask: mask });
    const d = maxDiff(a, b);
    t.ok(d < 1e-5, `the hinted (fused) and masked (composite) outputs agree (max diff ${d.toExponential(2)})`);
  });
  t.end();
});

test('npu:0 (no attention kernel): the composite runs there and agrees with the CPU', (t) => {
  const npu = nt.backendInfo('npu');
  if (!npu.available || !npu.deviceCount) { t.comment(`npu unavailable: ${npu.reason}`); t.end(); return; }
  nt.tidy(() => {
    const q = nt.randn([2, 2, 5, 8]), k = nt.randn([2, 2, 7, 8]), v = nt.randn([2, 2, 7, 8]);
    const qn = q.to('npu:0'), kn = k.to('npu:0'), vn = v.to('npu:0');
    let outN: nt.Tensor | null = null;
    const ops = opsOf(() => { outN = nt.keep(F.scaledDotProductAttention(qn, kn, vn, { isCausal: true })); });
    t.ok(!ops.includes('attention'), `npu:0 ran the composite (${[...new Set(ops)].join(', ')})`);
    const d = maxDiff(outN!.to('cpu'), F.scaledDotProductAttention(q, k, v, { isCausal: true }));
    outN!.dispose();
    t.ok(d < 1e-5, `npu:0 composite and cpu fused agree (max diff ${d.toExponential(2)})`);
  });
  t.end();
});

test('fused attention: a backend head-dim limit sends larger heads to the composite (CUDA: 128)', (t) => {
  const cudaKey = (BACKEND_CUDA << 8) | 0, f32 = 0;
  // Answered before the backend is asked, so this holds on machines without a GPU too.
  t.equal(fusedAttentionAvailable(cudaKey, f32, 256, 64), false, 'cuda, E = 256: composite');
  t.equal(fusedAttentionAvailable(cudaKey, f32, 64, 160), false, 'cuda, Ev = 160: composite');
  t.equal(fusedAttentionAvailable(0, f32, 256, 256), true, 'cpu has no head-dim limit');
  t.end();
});
