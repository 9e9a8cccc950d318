// nn-torch-cases-loss.ts — the loss and nn.utils cases of nn-torch.test.ts (PyTorch 1.13 semantics:
// reductions, class weights, ignore_index, label smoothing, probability targets, pos_weight, log targets).
// Not here: running or comparing (nn-torch.test.ts), layer cases (nn-torch-cases.ts).
import * as nt from '../../lib';
import { C, Input, M, ints, randn, setFamily, unif, vals } from './nn-torch-cases';

const { nn, F } = nt;

/** Rows of positive numbers summing to 1 (class probabilities). */
function probs(shape: number[], cdim = 1): Input {
  const u = unif(shape, 0.05, 1), d = u.data as Float32Array;
  const C = shape[cdim], inner = shape.slice(cdim + 1).reduce((a, b) => a * b, 1), outer = d.length / (C * inner);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += d[(o * C + c) * inner + i];
    for (let c = 0; c < C; c++) d[(o * C + c) * inner + i] /= s;
  }
  return u;
}
const xOnly = { gradInputs: ['x'] };

setFamily('crossEntropy');
C('indices mean', { x: randn([4, 5], 2), t: ints([4], 0, 5) }, 'F.cross_entropy(x, t)', (v) => F.crossEntropy(v.x, v.t));
C('indices sum', { x: randn([4, 5], 2), t: ints([4], 0, 5) }, "F.cross_entropy(x, t, reduction='sum')", (v) => F.crossEntropy(v.x, v.t, { reduction: 'sum' }));
C('indices none', { x: randn([4, 5], 2), t: ints([4], 0, 5) }, "F.cross_entropy(x, t, reduction='none')", (v) => F.crossEntropy(v.x, v.t, { reduction: 'none' }));
C('weight', { x: randn([6, 4]), t: ints([6], 0, 4), w: unif([4], 0.2, 2) }, 'F.cross_entropy(x, t, weight=w)', (v) => F.crossEntropy(v.x, v.t, { weight: v.w }), xOnly);
C('ignore_index -100', { x: randn([4, 3]), t: vals([1, -100, 2, 0], [4], 'int64') }, 'F.cross_entropy(x, t)', (v) => F.crossEntropy(v.x, v.t));
C('ignore_index 2 + weight', { x: randn([5, 3]), t: vals([1, 2, 2, 0, 1], [5], 'int64'), w: unif([3], 0.5, 2) }, 'F.cross_entropy(x, t, weight=w, ignore_index=2)',
  (v) => F.crossEntropy(v.x, v.t, { weight: v.w, ignoreIndex: 2 }), xOnly);
C('all ignored (nan)', { x: randn([2, 3]), t: vals([-100, -100], [2], 'int64') }, 'F.cross_entropy(x, t)', (v) => F.crossEntropy(v.x, v.t), { grad: false });
C('label smoothing 0.1', { x: randn([4, 5], 2), t: ints([4], 0, 5) }, 'F.cross_entropy(x, t, label_smoothing=0.1)', (v) => F.crossEntropy(v.x, v.t, { labelSmoothing: 0.1 }));
C('label smoothing + weight + ignore', { x: randn([5, 4], 2), t: vals([0, 3, -100, 1, 3], [5], 'int64'), w: unif([4], 0.5, 2) },
  'F.cross_entropy(x, t, weight=w, label_smoothing=0.2)', (v) => F.crossEntropy(v.x, v.t, { weight: v.w, labelSmoothing: 0.2 }), xOnly);
C('label smoothing + weight none', { x: randn([5, 4], 2), t: vals([0, 3, -100, 1, 3], [5], 'int64'), w: unif([4], 0.5, 2) },
  "F.cross_entropy(x, t, weight=w, label_smoothing=0.2, reduction='none')", (v) => F.crossEntropy(v.x, v.t, { weight: v.w, labelSmoothing: 0.2, reduction: 'none' }), xOnly);
C('label smoothing sum', { x: randn([3, 4]), t: ints([3], 0, 4) }, "F.cross_entropy(x, t, label_smoothing=0.3, reduction='sum')", (v) => F.crossEntropy(v.x, v.t, { labelSmoothing: 0.3, reduction: 'sum' }));
C('[N, C, d1, d2] indices', { x: randn([2, 3, 4, 2]), t: ints([2, 4, 2], 0, 3) }, 'F.cross_entropy(x, t)', (v) => F.crossEntropy(v.x, v.t));
C('[N, C, d] label smoothing + weight', { x: randn([2, 3, 4]), t: ints([2, 4], 0, 3), w: unif([3], 0.5, 2) }, 'F.cross_entropy(x, t, weight=w, label_smoothing=0.1)',
  (v) => F.crossEntropy(v.x, v.t, { weight: v.w, labelSmoothing: 0.1 }), xOnly);
C('unbatched [C]', { x: randn([5]), t: vals([3], [], 'int64') }, 'F.cross_entropy(x, t)', (v) => F.crossEntropy(v.x, v.t));
C('probabilities', { x: randn([4, 5], 2), t: probs([4, 5]) }, 'F.cross_entropy(x, t)', (v) => F.crossEntropy(v.x, v.t), xOnly);
C('probabilities + label smoothing + weight', { x: randn([4, 5], 2), t: probs([4, 5]), w: unif([5], 0.5, 2) }, 'F.cross_entropy(x, t, weight=w, label_smoothing=0.15)',
  (v) => F.crossEntropy(v.x, v.t, { weight: v.w, labelSmoothing: 0.15 }), xOnly);
C('probabilities [N, C, d] none', { x: randn([2, 3, 4]), t: probs([2, 3, 4]) }, "F.cross_entropy(x, t, reduction='none')", (v) => F.crossEntropy(v.x, v.t, { reduction: 'none' }), xOnly);
M('CrossEntropyLoss module (weight buffer)', 'nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 0.5]), label_smoothing=0.1)',
  () => new nn.CrossEntropyLoss({ weight: nt.tensor([1.0, 2.0, 0.5]), labelSmoothing: 0.1 }), { x: randn([4, 3]), t: ints([4], 0, 3) }, 'mod(x, t)', (v, m) => m.forward(v.x, v.t));

setFamily('nllLoss');
C('mean', { x: randn([4, 5]), t: ints([4], 0, 5) }, 'F.nll_loss(x, t)', (v) => F.nllLoss(v.x, v.t));
C('weight + ignore', { x: randn([5, 3]), t: vals([0, 2, -100, 1, 2], [5], 'int64'), w: unif([3], 0.5, 2) }, 'F.nll_loss(x, t, weight=w)', (v) => F.nllLoss(v.x, v.t, { weight: v.w }), xOnly);
C('none [N, C, d]', { x: randn([2, 3, 4]), t: ints([2, 4], 0, 3) }, "F.nll_loss(x, t, reduction='none')", (v) => F.nllLoss(v.x, v.t, { reduction: 'none' }));
C('sum unbatched', { x: randn([4]), t: vals([1], [], 'int64') }, "F.nll_loss(x, t, reduction='sum')", (v) => F.nllLoss(v.x, v.t, { reduction: 'sum' }));
M('NLLLoss module', 'nn.NLLLoss(ignore_index=1)', () => new nn.NLLLoss({ ignoreIndex: 1 }), { x: randn([4, 3]), t: ints([4], 0, 3) }, 'mod(x, t)', (v, m) => m.forward(v.x, v.t));

setFamily('regression losses');
C('mse', { x: randn([3, 4]), y: randn([3, 4]) }, 'F.mse_loss(x, y)', (v) => F.mseLoss(v.x, v.y));
C('mse sum', { x: randn([3, 4]), y: randn([3, 4]) }, "F.mse_loss(x, y, reduction='sum')", (v) => F.mseLoss(v.x, v.y, { reduction: 'sum' }));
C('mse none broadcast', { x: randn([3, 4]), y: randn([4]) }, "F.mse_loss(x, y.expand(3, 4), reduction='none')", (v) => F.mseLoss(v.x, v.y, { reduction: 'none' }), xOnly);
C('l1', { x: randn([3, 4]), y: randn([3, 4]) }, 'F.l1_loss(x, y)', (v) => F.l1Loss(v.x, v.y));
C('l1 none', { x: randn([5]), y: randn([5]) }, "F.l1_loss(x, y, reduction='none')", (v) => F.l1Loss(v.x, v.y, { reduction: 'none' }));
C('smooth l1', { x: randn([4, 5], 2), y: randn([4, 5]) }, 'F.smooth_l1_loss(x, y)', (v) => F.smoothL1Loss(v.x, v.y));
C('smooth l1 beta 0.5 none', { x: randn([4, 5], 2), y: randn([4, 5]) }, "F.smooth_l1_loss(x, y, beta=0.5, reduction='none')", (v) => F.smoothL1Loss(v.x, v.y, { beta: 0.5, reduction: 'none' }));
C('smooth l1 beta 0', { x: randn([6]), y: randn([6]) }, 'F.smooth_l1_loss(x, y, beta=0.0)', (v) => F.smoothL1Loss(v.x, v.y, { beta: 0 }));
C('huber delta 0.7', { x: randn([4, 5], 2), y: randn([4, 5]) }, 'F.huber_loss(x, y, delta=0.7)', (v) => F.huberLoss(v.x, v.y, { delta: 0.7 }));
M('MSELoss module', "nn.MSELoss(reduction='sum')", () => new nn.MSELoss({ reduction: 'sum' }), { x: randn([3]), y: randn([3]) }, 'mod(x, y)', (v, m) => m.forward(v.x, v.y));
M('SmoothL1Loss module', 'nn.SmoothL1Loss(beta=0.3)', () => new nn.SmoothL1Loss({ beta: 0.3 }), { x: randn([3, 2]), y: randn([3, 2]) }, 'mod(x, y)', (v, m) => m.forward(v.x, v.y));

setFamily('binary losses');
C('bce', { x: unif([4, 5], 0.02, 0.98), t: unif([4, 5], 0, 1) }, 'F.binary_cross_entropy(x, t)', (v) => F.binaryCrossEntropy(v.x, v.t));
C('bce weight none', { x: unif([4, 5], 0.02, 0.98), t: unif([4, 5], 0, 1), w: unif([5], 0.5, 2) }, "F.binary_cross_entropy(x, t, weight=w, reduction='none')",
  (v) => F.binaryCrossEntropy(v.x, v.t, { weight: v.w, reduction: 'none' }), { gradInputs: ['x', 't'] });
C('bce at 0 and 1 (log clamped at -100)', { x: vals([0, 1, 0.5, 1, 0]), t: vals([1, 0, 0, 1, 0]) }, "F.binary_cross_entropy(x, t, reduction='none')",
  (v) => F.binaryCrossEntropy(v.x, v.t, { reduction: 'none' }), { grad: false });
C('bce with logits', { x: randn([4, 5], 3), t: unif([4, 5], 0, 1) }, 'F.binary_cross_entropy_with_logits(x, t)', (v) => F.binaryCrossEntropyWithLogits(v.x, v.t));
C('bce with logits pos_weight + weight sum', { x: randn([4, 3], 3), t: unif([4, 3], 0, 1), pw: unif([3], 0.5, 3), w: unif([4, 1], 0.5, 2) },
  "F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw, reduction='sum')", (v) => F.binaryCrossEntropyWithLogits(v.x, v.t, { weight: v.w, posWeight: v.pw, reduction: 'sum' }), { gradInputs: ['x', 't'] });
C('bce with logits at 0 and large', { x: vals([0, 30, -30, 0.5, -100]), t: vals([1, 1, 0, 0, 1]) }, "F.binary_cross_entropy_with_logits(x, t, reduction='none')",
  (v) => F.binaryCrossEntropyWithLogits(v.x, v.t, { reduction: 'none' }));
M('BCEWithLogitsLoss module (pos_weight buffer)', 'nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0, 0.5]))', () => new nn.BCEWithLogitsLoss({ posWeight: nt.tensor([2.0, 0.5]) }),
  { x: randn([3, 2]), t: unif([3, 2], 0, 1) }, 'mod(x, t)', (v, m) => m.forward(v.x, v.t), { gradInputs: ['x'] });
M('BCELoss module', 'nn.BCELoss()', () => new nn.BCELoss(), { x: unif([3, 2], 0.1, 0.9), t: unif([3, 2], 0, 1) }, 'mod(x, t)', (v, m) => m.forward(v.x, v.t), { gradInputs: ['x'] });

setFamily('klDiv');
const kl = { x: randn([3, 4]), t: probs([3, 4]) };
C('mean', kl, 'F.kl_div(x, t)', (v) => F.klDiv(v.x, v.t), xOnly);
C('batchmean', kl, "F.kl_div(x, t, reduction='batchmean')", (v) => F.klDiv(v.x, v.t, { reduction: 'batchmean' }), xOnly);
C('sum', kl, "F.kl_div(x, t, reduction='sum')", (v) => F.klDiv(v.x, v.t, { reduction: 'sum' }), xOnly);
// (d/dt at t = 0 is NaN in PyTorch and finite here: only the input's gradient is compared.)
C('none with zero targets', { x: randn([2, 3]), t: vals([0, 0.5, 0.5, 0.2, 0, 0.8], [2, 3]) }, "F.kl_div(x, t, reduction='none')", (v) => F.klDiv(v.x, v.t, { reduction: 'none' }), xOnly);
C('log_target', { x: randn([3, 4]), t: randn([3, 4]) }, "F.kl_div(x, t, reduction='batchmean', log_target=True)", (v) => F.klDiv(v.x, v.t, { reduction: 'batchmean', logTarget: true }));
M('KLDivLoss module', "nn.KLDivLoss(reduction='batchmean')", () => new nn.KLDivLoss({ reduction: 'batchmean' }), kl, 'mod(x, t)', (v, m) => m.forward(v.x, v.t), xOnly);

setFamily('utils');
function clip(v: Record<string, nt.Tensor>, maxNorm: number, normType: number): nt.Tensor[] {
  const ps = [v.g1, v.g2].map((g) => { const p = nt.zerosLike(g).requiresGrad_(true); p.grad = g.clone(); return p; });
  const total = nn.utils.clipGradNorm_(ps, maxNorm, normType);
  return [total, ps[0].grad!, ps[1].grad!];
}
const grads = (): Record<string, Input> => ({ g1: randn([3, 4]), g2: randn([5]) });
C('clipGradNorm_ 2-norm', grads(), 'exec:out = clip_norm([g1, g2], 1.0, 2.0)', (v) => clip(v, 1, 2), { grad: false });
C('clipGradNorm_ inf-norm', grads(), "exec:out = clip_norm([g1, g2], 0.5, float('inf'))", (v) => clip(v, 0.5, Infinity), { grad: false });
C('clipGradNorm_ 1.5-norm, no clipping needed', grads(), 'exec:out = clip_norm([g1, g2], 100.0, 1.5)', (v) => clip(v, 100, 1.5), { grad: false });
C('clipGradValue_', grads(), 'exec:out = [g1.clamp(-0.5, 0.5), g2.clamp(-0.5, 0.5)]', (v) => {
  const ps = [v.g1, v.g2].map((g) => { const p = nt.zerosLike(g).requiresGrad_(true); p.grad = g.clone(); return p; });
  nn.utils.clipGradValue_(ps, 0.5);
  return [ps[0].grad!, ps[1].grad!];
}, { grad: false });
