// nn-torch-cases.ts — the cases of nn-torch.test.ts (layers, functional, models); the loss cases are
// in nn-torch-cases-loss.ts. Each case: seeded inputs, the torch module constructor / expression, and
// the same computation in nodetensor. Not here: running or comparing (nn-torch.test.ts).
import * as nt from '../../lib';
import { numel, seededInputs } from '../helpers/oracle-io';
import type { Input } from '../helpers/oracle-io';
import { fusedAttentionAvailable } from '../../lib/ops/attention';

const { nn, F } = nt;
type Module = nt.nn.Module;

export type { Input };
export type Vars = Record<string, nt.Tensor>;
export interface NnCase {
  family: string; id: string; inputs: Record<string, Input>; torch: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  nt: (v: Vars, mod: any) => nt.Tensor | (nt.Tensor | null)[];
  module?: { torch: string; nt: () => Module; train?: boolean };
  gradInputs?: string[]; grad?: boolean; rtol?: number; gradRtol?: number; gradAtol?: number; repr?: boolean; skipOutputs?: number[];
}

const gen = seededInputs();
export const { randn, unif, ints, vals } = gen;
/** Small integers as floats: many ties (for max pooling's gradient routing). */
export function ties(shape: number[]): Input {
  const r = gen.stream(), d = new Float32Array(numel(shape));
  for (let i = 0; i < d.length; i++) d[i] = Math.floor(r() * 3);
  return { dtype: 'float32', shape, data: d };
}

export const CASES: NnCase[] = [];
let family = '';
export function setFamily(f: string): void { family = f; }
/** A functional case. */
export function C(id: string, inputs: Record<string, Input>, torch: string, fn: NnCase['nt'], opts: Partial<NnCase> = {}): void {
  CASES.push({ family, id: `${family}: ${id}`, inputs, torch, nt: fn, gradInputs: Object.keys(inputs).filter((k) => inputs[k].dtype === 'float32'), ...opts });
}
/** A module case: `torchMod` builds the torch module; its state comes from `ntMod()`. */
export function M(id: string, torchMod: string, ntMod: () => Module, inputs: Record<string, Input>, torch = 'mod(x)', fn: NnCase['nt'] = (v, m) => m.forward(v.x),
  opts: Partial<NnCase> & { train?: boolean } = {}): void {
  const { train, ...rest } = opts;
  C(id, inputs, torch, fn, { ...rest, module: { torch: torchMod, nt: ntMod, train: train ?? true } });
}
const evalMode = { train: false };

/** Whether backward() exists and gives d(x²)/dx = 2x. */
export function backwardWorks(): boolean {
  if (typeof (nt.Tensor.prototype as unknown as { backward?: unknown }).backward !== 'function') return false;
  try {
    return nt.tidy(() => {
      const x = nt.tensor([1, 2], { dtype: 'float32' }).requiresGrad_(true);
      x.mul(x).sum().backward();
      const g = x.grad?.toArray() as number[] | undefined;
      return !!g && g[0] === 2 && g[1] === 4;
    });
  } catch { return false; }
}

// ---------------------------------------------------------------- linear, embedding, activations
setFamily('linear');
M('Linear 2-D', 'nn.Linear(6, 4)', () => new nn.Linear(6, 4), { x: randn([3, 6]) });
M('Linear 3-D input', 'nn.Linear(5, 7)', () => new nn.Linear(5, 7), { x: randn([2, 3, 5]) });
M('Linear no bias', 'nn.Linear(5, 3, bias=False)', () => new nn.Linear(5, 3, { bias: false }), { x: randn([4, 5]) });
C('F.linear 1-D input', { x: randn([5]), w: randn([3, 5]), b: randn([3]) }, 'F.linear(x, w, b)', (v) => F.linear(v.x, v.w, v.b));

setFamily('embedding');
M('Embedding', 'nn.Embedding(10, 4)', () => new nn.Embedding(10, 4), { x: ints([2, 5], 0, 10) });
M('Embedding paddingIdx (no grad to the row)', 'nn.Embedding(10, 4, padding_idx=2)', () => new nn.Embedding(10, 4, { paddingIdx: 2 }), { x: vals([2, 1, 2, 5, 2, 9], [2, 3], 'int64') });
M('Embedding negative paddingIdx', 'nn.Embedding(6, 3, padding_idx=-1)', () => new nn.Embedding(6, 3, { paddingIdx: -1 }), { x: vals([5, 0, 5, 3], [4], 'int64') });

setFamily('activations');
const act = (name: string, torchMod: string, m: () => Module, x: Input = randn([3, 5], 2)): void => M(name, torchMod, m, { x });
act('ReLU', 'nn.ReLU()', () => new nn.ReLU());
act('GELU', 'nn.GELU()', () => new nn.GELU());
act('GELU tanh', "nn.GELU(approximate='tanh')", () => new nn.GELU('tanh'));
act('SiLU', 'nn.SiLU()', () => new nn.SiLU());
act('Tanh', 'nn.Tanh()', () => new nn.Tanh());
act('Sigmoid', 'nn.Sigmoid()', () => new nn.Sigmoid());
act('LeakyReLU', 'nn.LeakyReLU(0.2)', () => new nn.LeakyReLU(0.2));
act('Softmax(dim=1)', 'nn.Softmax(dim=1)', () => new nn.Softmax(1));
act('Softmax(dim=None) 3-D', 'nn.Softmax()', () => new nn.Softmax(), randn([2, 3, 4]));
act('LogSoftmax(dim=-1)', 'nn.LogSoftmax(dim=-1)', () => new nn.LogSoftmax(-1));
act('Flatten', 'nn.Flatten()', () => new nn.Flatten(), randn([2, 3, 2, 2]));
act('Flatten(0, 1)', 'nn.Flatten(0, 1)', () => new nn.Flatten(0, 1), randn([2, 3, 2]));
act('Identity', 'nn.Identity()', () => new nn.Identity());
M('Dropout in eval mode', 'nn.Dropout(0.3)', () => new nn.Dropout(0.3), { x: randn([3, 5]) }, undefined, undefined, { train: false });
C('F.softplus', { x: randn([10], 5) }, 'F.softplus(x)', (v) => F.softplus(v.x));

// ---------------------------------------------------------------- normalisation
setFamily('norm');
M('LayerNorm(8)', 'nn.LayerNorm(8)', () => new nn.LayerNorm(8), { x: randn([3, 8], 3) });
M('LayerNorm([4, 5])', 'nn.LayerNorm([4, 5], eps=1e-3)', () => new nn.LayerNorm([4, 5], { eps: 1e-3 }), { x: randn([2, 4, 5]) });
M('LayerNorm no affine', 'nn.LayerNorm(6, elementwise_affine=False)', () => new nn.LayerNorm(6, { elementwiseAffine: false }), { x: randn([2, 3, 6]) });
M('RMSNorm(8) (torch 2.4 formula)', 'RMSNorm(8)', () => new nn.RMSNorm(8), { x: randn([3, 8], 2) });
M('RMSNorm eps 1e-6 no affine', 'RMSNorm([2, 4], eps=1e-6, elementwise_affine=False)', () => new nn.RMSNorm([2, 4], { eps: 1e-6, elementwiseAffine: false }), { x: randn([3, 2, 4]) });
M('BatchNorm1d train [N, C]', 'nn.BatchNorm1d(5)', () => new nn.BatchNorm1d(5), { x: randn([8, 5], 2) });
M('BatchNorm1d train [N, C, L]', 'nn.BatchNorm1d(3, momentum=0.3)', () => new nn.BatchNorm1d(3, { momentum: 0.3 }), { x: randn([4, 3, 6]) });
M('BatchNorm1d momentum=None', 'nn.BatchNorm1d(4, momentum=None)', () => new nn.BatchNorm1d(4, { momentum: null }), { x: randn([6, 4]) });
M('BatchNorm1d eval', 'nn.BatchNorm1d(4)', () => { const b = new nn.BatchNorm1d(4); nt.noGrad(() => { b.runningMean!.copy_(nt.tensor([0.5, -1, 2, 0])); b.runningVar!.copy_(nt.tensor([1.5, 0.25, 4, 1])); }); return b; },
  { x: randn([5, 4]) }, undefined, undefined, evalMode);
M('BatchNorm1d no affine, no running stats', 'nn.BatchNorm1d(3, affine=False, track_running_stats=False)', () => new nn.BatchNorm1d(3, { affine: false, trackRunningStats: false }), { x: randn([5, 3]) });
M('BatchNorm2d train', 'nn.BatchNorm2d(3)', () => new nn.BatchNorm2d(3), { x: randn([2, 3, 4, 5], 3) });
M('BatchNorm2d eval', 'nn.BatchNorm2d(3, eps=1e-3)', () => new nn.BatchNorm2d(3, { eps: 1e-3 }), { x: randn([2, 3, 4, 4]) }, undefined, undefined, evalMode);

// ---------------------------------------------------------------- convolution and pooling
setFamily('conv');
M('Conv1d', 'nn.Conv1d(3, 4, 3)', () => new nn.Conv1d(3, 4, 3), { x: randn([2, 3, 10]) });
M('Conv1d stride 2 padding 1 dilation 2', 'nn.Conv1d(2, 4, 3, stride=2, padding=1, dilation=2)', () => new nn.Conv1d(2, 4, 3, { stride: 2, padding: 1, dilation: 2 }), { x: randn([2, 2, 11]) });
M('Conv1d groups 2 no bias', 'nn.Conv1d(4, 6, 2, groups=2, bias=False)', () => new nn.Conv1d(4, 6, 2, { groups: 2, bias: false }), { x: randn([1, 4, 7]) });
M("Conv1d padding 'same' even kernel", "nn.Conv1d(2, 3, 4, padding='same')", () => new nn.Conv1d(2, 3, 4, { padding: 'same' }), { x: randn([2, 2, 9]) });
M('Conv1d reflect padding', "nn.Conv1d(2, 3, 3, padding=2, padding_mode='reflect')", () => new nn.Conv1d(2, 3, 3, { padding: 2, paddingMode: 'reflect' }), { x: randn([1, 2, 6]) });
M('Conv1d unbatched', 'nn.Conv1d(3, 2, 3)', () => new nn.Conv1d(3, 2, 3), { x: randn([3, 8]) });
M('Conv2d 3x3 padding 1', 'nn.Conv2d(3, 4, 3, padding=1)', () => new nn.Conv2d(3, 4, 3, { padding: 1 }), { x: randn([2, 3, 6, 6]) });
M('Conv2d stride 2', 'nn.Conv2d(2, 3, 3, stride=2)', () => new nn.Conv2d(2, 3, 3, { stride: 2 }), { x: randn([2, 2, 7, 8]) });
M('Conv2d dilation 2 padding 2', 'nn.Conv2d(2, 2, 3, dilation=2, padding=2)', () => new nn.Conv2d(2, 2, 3, { dilation: 2, padding: 2 }), { x: randn([1, 2, 7, 7]) });
M('Conv2d groups 2', 'nn.Conv2d(4, 6, 3, groups=2, padding=1)', () => new nn.Conv2d(4, 6, 3, { groups: 2, padding: 1 }), { x: randn([2, 4, 5, 5]) });
M('Conv2d depthwise no bias', 'nn.Conv2d(3, 3, 3, groups=3, bias=False)', () => new nn.Conv2d(3, 3, 3, { groups: 3, bias: false }), { x: randn([2, 3, 5, 5]) });
M('Conv2d kernel (2, 3) stride (1, 2) padding (1, 0)', 'nn.Conv2d(2, 3, (2, 3), stride=(1, 2), padding=(1, 0))', () => new nn.Conv2d(2, 3, [2, 3], { stride: [1, 2], padding: [1, 0] }), { x: randn([2, 2, 5, 7]) });
M("Conv2d padding 'same' kernel 4", "nn.Conv2d(2, 2, 4, padding='same')", () => new nn.Conv2d(2, 2, 4, { padding: 'same' }), { x: randn([1, 2, 6, 5]) });
M("Conv2d padding 'valid'", "nn.Conv2d(2, 2, 3, padding='valid')", () => new nn.Conv2d(2, 2, 3, { padding: 'valid' }), { x: randn([1, 2, 5, 5]) });
for (const mode of ['reflect', 'replicate', 'circular'] as const) {
  M(`Conv2d padding_mode ${mode}`, `nn.Conv2d(2, 3, 3, padding=1, padding_mode='${mode}')`, () => new nn.Conv2d(2, 3, 3, { padding: 1, paddingMode: mode }), { x: randn([2, 2, 5, 6]) });
}
M('Conv2d unbatched', 'nn.Conv2d(2, 3, 3)', () => new nn.Conv2d(2, 3, 3), { x: randn([2, 5, 5]) });
M('Conv2d 1x1', 'nn.Conv2d(8, 4, 1)', () => new nn.Conv2d(8, 4, 1), { x: randn([2, 8, 3, 3]) });

setFamily('pool');
M('MaxPool2d(2)', 'nn.MaxPool2d(2)', () => new nn.MaxPool2d(2), { x: randn([2, 3, 6, 6]) });
M('MaxPool2d(3, 2, 1) with ties', 'nn.MaxPool2d(3, stride=2, padding=1)', () => new nn.MaxPool2d(3, { stride: 2, padding: 1 }), { x: ties([2, 2, 7, 7]) });
M('MaxPool2d dilation 2', 'nn.MaxPool2d(2, stride=1, dilation=2)', () => new nn.MaxPool2d(2, { stride: 1, dilation: 2 }), { x: randn([1, 2, 6, 6]) });
M('MaxPool2d ceil_mode', 'nn.MaxPool2d(2, ceil_mode=True)', () => new nn.MaxPool2d(2, { ceilMode: true }), { x: randn([1, 2, 5, 7]) });
M('MaxPool2d (2, 3) kernel, unbatched', 'nn.MaxPool2d((2, 3))', () => new nn.MaxPool2d([2, 3]), { x: randn([2, 6, 6]) });
C('F.max_pool2d return_indices', { x: ties([1, 2, 5, 5]) }, 'F.max_pool2d(x, 2, stride=1, padding=1, return_indices=True)',
  (v) => F.maxPool2d(v.x, 2, { stride: 1, padding: 1, returnIndices: true }));
M('AvgPool2d(2)', 'nn.AvgPool2d(2)', () => new nn.AvgPool2d(2), { x: randn([2, 3, 6, 6]) });
M('AvgPool2d(3, 2, 1)', 'nn.AvgPool2d(3, stride=2, padding=1)', () => new nn.AvgPool2d(3, { stride: 2, padding: 1 }), { x: randn([2, 2, 7, 7]) });
M('AvgPool2d count_include_pad=False', 'nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)', () => new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }), { x: randn([1, 2, 6, 6]) });
M('AvgPool2d ceil_mode', 'nn.AvgPool2d(2, ceil_mode=True)', () => new nn.AvgPool2d(2, { ceilMode: true }), { x: randn([1, 2, 5, 5]) });
M('AvgPool2d ceil_mode padding 1', 'nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)', () => new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true }), { x: randn([1, 1, 6, 6]) });
M('AvgPool2d divisor_override', 'nn.AvgPool2d(2, divisor_override=3)', () => new nn.AvgPool2d(2, { divisorOverride: 3 }), { x: randn([1, 2, 4, 4]) });

// ---------------------------------------------------------------- functional odds and ends
setFamily('functional');
C('pad constant', { x: randn([2, 3, 4]) }, 'F.pad(x, (1, 2, 0, 1), value=0.5)', (v) => F.pad(v.x, [1, 2, 0, 1], 'constant', 0.5));
C('pad negative (crop)', { x: randn([2, 5]) }, 'F.pad(x, (-1, 2))', (v) => F.pad(v.x, [-1, 2]));
C('pad reflect', { x: randn([1, 2, 5]) }, "F.pad(x, (2, 3), mode='reflect')", (v) => F.pad(v.x, [2, 3], 'reflect'));
C('pad replicate 2-D', { x: randn([1, 2, 3, 4]) }, "F.pad(x, (1, 2, 2, 1), mode='replicate')", (v) => F.pad(v.x, [1, 2, 2, 1], 'replicate'));
C('pad circular 2-D', { x: randn([1, 1, 3, 4]) }, "F.pad(x, (1, 2, 2, 1), mode='circular')", (v) => F.pad(v.x, [1, 2, 2, 1], 'circular'));
C('normalize', { x: randn([3, 5]) }, 'F.normalize(x)', (v) => F.normalize(v.x));
C('normalize p=1 dim 0', { x: randn([3, 5]) }, 'F.normalize(x, p=1, dim=0)', (v) => F.normalize(v.x, { p: 1, dim: 0 }));
C('normalize p=3 with a zero row', { x: vals([0, 0, 0, 1, 2, -3], [2, 3]) }, 'F.normalize(x, p=3)', (v) => F.normalize(v.x, { p: 3 }));
C('oneHot', { x: vals([0, 3, 1, 3], [2, 2], 'int64') }, 'F.one_hot(x)', (v) => F.oneHot(v.x), { grad: false });
C('oneHot numClasses 6', { x: vals([0, 3, 1], [3], 'int64') }, 'F.one_hot(x, 6)', (v) => F.oneHot(v.x, 6), { grad: false });
/**
 * The fused attention op ran (its gradient rule is on the output) where the device has the kernel, else
 * throws: these cases exist for it. On a device without the kernel (the CANN backend) the composite runs.
 */
function fused(t: nt.Tensor): nt.Tensor {
  const has = fusedAttentionAvailable(t._storage!.rec.key, t._dt, 8, 8);
  if (has && t.requiresGrad && t.gradFn?.name !== 'ScaledDotProductFlashAttentionBackward') throw new Error(`expected the fused attention op, got gradFn ${t.gradFn?.name ?? 'null'}`);
  return t;
}
C('sdpa', { q: randn([2, 2, 4, 8]), k: randn([2, 2, 5, 8]), v: randn([2, 2, 5, 8]) }, 'sdpa(q, k, v)', (v) => fused(F.scaledDotProductAttention(v.q, v.k, v.v)));
C('sdpa causal', { q: randn([2, 5, 4]), k: randn([2, 5, 4]), v: randn([2, 5, 4]) }, 'sdpa(q, k, v, is_causal=True)', (v) => fused(F.scaledDotProductAttention(v.q, v.k, v.v, { isCausal: true })));
C('sdpa causal L > S, q transposed', { q: randn([2, 6, 3, 8]), k: randn([2, 3, 4, 8]), v: randn([2, 3, 4, 5]) }, 'sdpa(q.transpose(1, 2), k, v, is_causal=True)',
  (v) => fused(F.scaledDotProductAttention(v.q.transpose(1, 2), v.k, v.v, { isCausal: true })));
C('sdpa causal L < S, scale, 130 keys', { q: randn([1, 2, 70, 16]), k: randn([1, 2, 130, 16]), v: randn([1, 2, 130, 8]) }, 'sdpa(q, k, v, is_causal=True, scale=0.2)',
  (v) => fused(F.scaledDotProductAttention(v.q, v.k, v.v, { isCausal: true, scale: 0.2 })));
C('sdpa bool mask + scale', { q: randn([3, 4]), k: randn([5, 4]), v: randn([5, 2]), m: vals([1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0, 1, 1, 0], [3, 5], 'bool') },
  'sdpa(q, k, v, attn_mask=m, scale=0.3)', (v) => F.scaledDotProductAttention(v.q, v.k, v.v, { attnMask: v.m, scale: 0.3 }));
C('sdpa float mask', { q: randn([2, 3, 4]), k: randn([2, 5, 4]), v: randn([2, 5, 4]), m: randn([3, 5]) }, 'sdpa(q, k, v, attn_mask=m)',
  (v) => F.scaledDotProductAttention(v.q, v.k, v.v, { attnMask: v.m }), { gradInputs: ['q', 'k', 'v'] });

// ---------------------------------------------------------------- attention
setFamily('attention');
const mha = (id: string, torchMod: string, m: () => Module, inputs: Record<string, Input>, torchCall: string, ntCall: NnCase['nt'], opts: Partial<NnCase> = {}): void =>
  M(id, torchMod, m, inputs, torchCall, ntCall, opts);
mha('self-attention batchFirst', 'nn.MultiheadAttention(8, 2, batch_first=True)', () => new nn.MultiheadAttention(8, 2, { batchFirst: true }),
  { x: randn([2, 5, 8]) }, 'mod(x, x, x)', (v, m) => m.forward(v.x, v.x, v.x));
mha('cross-attention seq-first L != S', 'nn.MultiheadAttention(8, 4)', () => new nn.MultiheadAttention(8, 4),
  { q: randn([3, 2, 8]), k: randn([6, 2, 8]), v: randn([6, 2, 8]) }, 'mod(q, k, v)', (v, m) => m.forward(v.q, v.k, v.v));
mha('bool attnMask (causal) + needWeights false', 'nn.MultiheadAttention(6, 3, batch_first=True)', () => new nn.MultiheadAttention(6, 3, { batchFirst: true }),
  { x: randn([2, 4, 6]), m: vals([0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0], [4, 4], 'bool') },
  'mod(x, x, x, attn_mask=m, need_weights=False)', (v, m) => m.forward(v.x, v.x, v.x, { attnMask: v.m, needWeights: false }));
mha('isCausal hint (fused causal attention)', 'nn.MultiheadAttention(6, 3, batch_first=True)', () => new nn.MultiheadAttention(6, 3, { batchFirst: true }),
  { x: randn([2, 4, 6]), m: vals([0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0], [4, 4], 'bool') },
  'mod(x, x, x, attn_mask=m, need_weights=False)', (v, m) => m.forward(v.x, v.x, v.x, { attnMask: v.m, needWeights: false, isCausal: true }));
mha('no mask, needWeights false (fused)', 'nn.MultiheadAttention(8, 4)', () => new nn.MultiheadAttention(8, 4),
  { q: randn([3, 2, 8]), k: randn([6, 2, 8]) }, 'mod(q, k, k, need_weights=False)', (v, m) => m.forward(v.q, v.k, v.k, { needWeights: false }));
mha('float attnMask 3-D + keyPaddingMask', 'nn.MultiheadAttention(4, 2)', () => new nn.MultiheadAttention(4, 2),
  { q: randn([3, 2, 4]), k: randn([5, 2, 4]), am: randn([4, 3, 5]), kpm: vals([0, 0, 1, 0, 1, 0, 0, 0, 0, 1], [2, 5], 'bool') },
  'mod(q, k, k, attn_mask=am, key_padding_mask=kpm)', (v, m) => m.forward(v.q, v.k, v.k, { attnMask: v.am, keyPaddingMask: v.kpm }), { gradInputs: ['q', 'k', 'am'] });
mha('per-head weights (averageAttnWeights false)', 'nn.MultiheadAttention(8, 2, batch_first=True)', () => new nn.MultiheadAttention(8, 2, { batchFirst: true }),
  { q: randn([2, 3, 8]), k: randn([2, 4, 8]) }, 'mod(q, k, k, average_attn_weights=False)', (v, m) => m.forward(v.q, v.k, v.k, { averageAttnWeights: false }));
mha('kdim/vdim (separate projections)', 'nn.MultiheadAttention(8, 2, kdim=5, vdim=3)', () => new nn.MultiheadAttention(8, 2, { kdim: 5, vdim: 3 }),
  { q: randn([3, 2, 8]), k: randn([4, 2, 5]), v: randn([4, 2, 3]) }, 'mod(q, k, v)', (v, m) => m.forward(v.q, v.k, v.v));
mha('addBiasKv + addZeroAttn + keyPaddingMask', 'nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True)', () => new nn.MultiheadAttention(4, 2, { addBiasKv: true, addZeroAttn: true }),
  { x: randn([3, 2, 4]), kpm: vals([0, 1, 0, 0, 0, 1], [2, 3], 'bool') }, 'mod(x, x, x, key_padding_mask=kpm)', (v, m) => m.forward(v.x, v.x, v.x, { keyPaddingMask: v.kpm }));
mha('no bias', 'nn.MultiheadAttention(4, 1, bias=False)', () => new nn.MultiheadAttention(4, 1, { bias: false }),
  { x: randn([3, 2, 4]) }, 'mod(x, x, x)', (v, m) => m.forward(v.x, v.x, v.x));
mha('unbatched', 'nn.MultiheadAttention(4, 2)', () => new nn.MultiheadAttention(4, 2),
  { q: randn([3, 4]), k: randn([5, 4]), kpm: vals([0, 0, 0, 1, 0], [5], 'bool') }, 'mod(q, k, k, key_padding_mask=kpm)', (v, m) => m.forward(v.q, v.k, v.k, { keyPaddingMask: v.kpm }));

// ---------------------------------------------------------------- models
setFamily('models');
M('Sequential MLP', 'nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3))',
  () => new nn.Sequential(new nn.Linear(10, 16), new nn.ReLU(), new nn.Linear(16, 16), new nn.Tanh(), new nn.Linear(16, 3)), { x: randn([4, 10]) });

class Block extends nn.Module {
  ln1: nt.nn.LayerNorm; attn: nt.nn.MultiheadAttention; ln2: nt.nn.LayerNorm; mlp: nt.nn.Sequential;
  constructor(d: number, h: number) {
    super();
    this.ln1 = new nn.LayerNorm(d);
    this.attn = new nn.MultiheadAttention(d, h, { batchFirst: true });
    this.ln2 = new nn.LayerNorm(d);
    this.mlp = new nn.Sequential(new nn.Linear(d, 4 * d), new nn.GELU(), new nn.Linear(4 * d, d));
  }
  override forward(x: nt.Tensor, mask?: nt.Tensor): nt.Tensor {
    const h = this.ln1.forward(x);
    const x2 = x.add(this.attn.forward(h, h, h, { attnMask: mask, needWeights: false })[0]);
    return x2.add(this.mlp.forward(this.ln2.forward(x2)));
  }
}
export class TinyTransformer extends nn.Module {
  emb: nt.nn.Embedding; blocks: nt.nn.ModuleList; ln: nt.nn.LayerNorm; head: nt.nn.Linear;
  constructor(vocab: number, d: number, h: number, layers: number) {
    super();
    this.emb = new nn.Embedding(vocab, d);
    this.blocks = new nn.ModuleList(Array.from({ length: layers }, () => new Block(d, h)));
    this.ln = new nn.LayerNorm(d);
    this.head = new nn.Linear(d, vocab);
  }
  override forward(idx: nt.Tensor): nt.Tensor {
    const t = idx.shape[1];
    const pos = nt.arange(0, t, 1, { device: idx.device, dtype: 'int64' });  // on the input's device
    const mask = pos.unsqueeze(0).gt(pos.unsqueeze(1));
    let x = this.emb.forward(idx);
    for (const b of this.blocks) x = (b as Block).forward(x, mask);
    return this.head.forward(this.ln.forward(x));
  }
}
export class CNN extends nn.Module {
  features = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(4, 8, 3), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.AvgPool2d(2));
  classifier = new nn.Sequential(new nn.Flatten(), new nn.Linear(8, 10));
  override forward(x: nt.Tensor): nt.Tensor { return this.classifier.forward(this.features.forward(x)); }
}
M('transformer (2 blocks, causal mask)', 'TinyTransformer(11, 8, 2, 2)', () => new TinyTransformer(11, 8, 2, 2), { x: ints([2, 5], 0, 11) }, undefined, undefined, { rtol: 2e-5 });
// The conv biases feed BatchNorm, so their true gradient is 0: both sides give rounding noise (~1e-8).
M('CNN with BatchNorm2d (train)', 'CNN()', () => new CNN(), { x: randn([3, 1, 8, 8]) }, undefined, undefined, { gradAtol: 1e-6 });
M('CNN with BatchNorm2d (eval)', 'CNN()', () => new CNN(), { x: randn([3, 1, 8, 8]) }, undefined, undefined, evalMode);
