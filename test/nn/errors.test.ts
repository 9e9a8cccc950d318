// errors.test.ts — every nn error path says what was wrong, with the shapes/dtypes involved.
// Not here: module-level errors of loadStateDict / registration (module.test.ts).
import test from 'tape';
import * as nt from '../../lib';

const { nn, F } = nt;
const x4 = (): nt.Tensor => nt.randn([2, 3, 8, 8]);

test('Linear / F.linear', (t) => {
  t.throws(() => new nn.Linear(784, 10).forward(nt.randn([2, 3])), /^RangeError: Linear: expected input with last dimension 784, got shape \[2, 3\]$/);
  t.throws(() => F.linear(nt.randn([2, 3]), nt.randn([4, 5])), /linear: expected input with last dimension 5, got shape \[2, 3\]/);
  t.throws(() => F.linear(nt.randn([2, 3], { dtype: 'float64' }), nt.randn([4, 3])), /linear: input dtype float64 does not match the weight's dtype float32/);
  t.throws(() => F.linear(nt.randn([2, 3]), nt.randn([4, 3]), nt.zeros([5])), /expected bias of shape \[4\], got \[5\]/);
  t.throws(() => F.linear(nt.randn([2, 3]), nt.randn([3])), /expected a 2-D weight/);
  t.throws(() => new nn.Linear(-1, 3), /inFeatures must be an integer >= 0/);
  t.throws(() => new nn.Linear(2, 2).forward([1, 2] as unknown as nt.Tensor), /Linear: expected input to be a Tensor, got an array/);
  t.end();
});

test('Embedding', (t) => {
  const e = new nn.Embedding(10, 4);
  t.throws(() => e.forward(nt.tensor([1.5, 2])), /Embedding: expected indices of dtype int64 \(or int32\), got float32/);
  t.throws(() => new nn.Embedding(10, 4, { paddingIdx: 10 }), /paddingIdx must be within numEmbeddings \[-10, 9\], got 10/);
  t.throws(() => F.embedding(nt.tensor([1]), nt.randn([4])), /expected a 2-D weight/);
  t.end();
});

test('classification losses', (t) => {
  const x = nt.randn([4, 5]);
  t.throws(() => F.crossEntropy(x, nt.tensor([1, 2, 3])), /crossEntropy: expected input batch size \(4\) to match target batch size \(3\)/);
  t.throws(() => F.crossEntropy(x, nt.randn([4])), /class-probability targets must have the input's shape \[4, 5\], got \[4\] \(for class indices, use an int64 target\)/);
  t.throws(() => F.crossEntropy(x, nt.tensor([true, false, true, true])), /expected target to be class indices \(int64\) or class probabilities .* got bool/);
  t.throws(() => F.crossEntropy(x, nt.tensor([1, 2, 3, 4]), { reduction: 'avg' as 'mean' }), /reduction must be one of 'mean', 'sum', 'none', got "avg"/);
  t.throws(() => F.crossEntropy(x, nt.tensor([1, 2, 3, 4]), { labelSmoothing: 1.5 }), /labelSmoothing must be between 0.0 and 1.0, got 1.5/);
  t.throws(() => F.crossEntropy(x, nt.tensor([1, 2, 3, 4]), { weight: nt.ones([4]) }), /expected weight of shape \[5\] \(one per class\), got \[4\]/);
  t.throws(() => F.crossEntropy(nt.tensor([1, 2]), nt.tensor([0, 1])), /crossEntropy: expected input to have a floating-point dtype, got int64/);
  t.throws(() => F.crossEntropy(nt.randn([2, 3, 4]), nt.tensor([[0, 1, 2], [0, 1, 2]])), /expected target of shape \[2, 4\] for input of shape \[2, 3, 4\], got \[2, 3\]/);
  t.throws(() => F.nllLoss(x, nt.randn([4])), /nllLoss: expected target class indices of dtype int64 \(or int32\), got float32/);
  t.throws(() => new nn.CrossEntropyLoss({ reduction: 'batchmean' as 'mean' }), /CrossEntropyLoss: reduction must be one of/);
  t.end();
});

test('other losses', (t) => {
  t.throws(() => F.binaryCrossEntropy(nt.rand([3]), nt.rand([3, 1])), /binaryCrossEntropy: using a target size \(\[3, 1\]\) that is different to the input size \(\[3\]\)/);
  t.throws(() => F.binaryCrossEntropyWithLogits(nt.rand([3]), nt.rand([2])), /binaryCrossEntropyWithLogits: using a target size/);
  t.throws(() => F.smoothL1Loss(nt.rand([3]), nt.rand([3]), { beta: -1 }), /beta must be non-negative, got -1/);
  t.throws(() => F.huberLoss(nt.rand([3]), nt.rand([3]), { delta: 0 }), /delta must be positive, got 0/);
  t.throws(() => F.klDiv(nt.rand([3]), nt.rand([3]), { reduction: 'avg' as 'mean' }), /klDiv: reduction must be one of 'mean', 'sum', 'none', 'batchmean'/);
  t.throws(() => F.mseLoss(nt.rand([3]), nt.rand([4])), /broadcast/);
  t.throws(() => F.l1Loss(nt.tensor([1, 2]), nt.tensor([1, 2])), /l1Loss: expected input to have a floating-point dtype, got int64/);
  t.end();
});

test('convolution and pooling', (t) => {
  t.throws(() => new nn.Conv2d(4, 8, 3).forward(x4()), /conv2d: given groups=1, weight of size \[8, 4, 3, 3\], expected input \[2, 3, 8, 8\] to have 4 channels, but got 3 channels instead/);
  t.throws(() => new nn.Conv2d(3, 8, 3).forward(nt.randn([3, 8])), /conv2d: expected 3-D \(unbatched\) or 4-D \(batched\) input, got shape \[3, 8\]/);
  t.throws(() => new nn.Conv2d(3, 8, 3, { padding: 'same', stride: 2 }), /padding='same' is not supported for strided convolutions/);
  t.throws(() => new nn.Conv2d(3, 8, 9).forward(x4()), /conv2d: calculated output size \[0, 0\] is too small/);
  t.throws(() => new nn.Conv2d(3, 8, 3, { groups: 2 }), /inChannels \(3\) must be divisible by groups \(2\)/);
  t.throws(() => new nn.Conv2d(3, 8, 3, { padding: 'full' as 'same' }), /invalid padding string "full"/);
  t.throws(() => new nn.Conv2d(3, 8, [3, 3, 3]), /kernelSize must be an integer or a list of 2 integers/);
  t.throws(() => new nn.Conv2d(3, 8, 3, { paddingMode: 'mirror' as 'reflect' }), /paddingMode must be one of/);
  t.throws(() => F.conv2d(x4().double(), nt.randn([2, 3, 3, 3])), /conv2d: input dtype float64 does not match the weight's dtype float32/);
  t.throws(() => F.conv2d(nt.tensor([[[[1]]]]), nt.tensor([[[[1]]]])), /conv2d: expected input to have a floating-point dtype, got int64/);
  t.throws(() => new nn.Conv1d(2, 2, 3).forward(x4()), /conv1d: expected 2-D \(unbatched\) or 3-D \(batched\) input, got shape \[2, 3, 8, 8\]/);
  t.throws(() => F.maxPool2d(x4(), 2, { padding: 2 }), /maxPool2d: padding should be at most half of the kernel size, but got padding=\[2, 2\] and kernelSize=\[2, 2\]/);
  t.throws(() => F.avgPool2d(nt.randn([8, 8]), 2), /avgPool2d: expected 3-D \(unbatched\) or 4-D \(batched\) input, got shape \[8, 8\]/);
  t.throws(() => F.avgPool2d(x4(), 2, { divisorOverride: 0 }), /divisorOverride must be a non-zero number/);
  t.throws(() => F.maxPool2d(nt.randn([1, 1, 2, 2]), 3), /output size \[0, 0\] is too small/);
  t.end();
});

test('normalisation', (t) => {
  t.throws(() => new nn.LayerNorm(64).forward(nt.randn([2, 32])), /LayerNorm: expected input with trailing shape \[64\], got shape \[2, 32\]/);
  t.throws(() => new nn.LayerNorm([]), /normalizedShape must be a positive integer or a non-empty list/);
  t.throws(() => new nn.RMSNorm(4).forward(nt.randn([4, 3])), /RMSNorm: expected input with trailing shape \[4\], got shape \[4, 3\]/);
  t.throws(() => new nn.BatchNorm2d(3).forward(nt.randn([2, 3, 4])), /BatchNorm2d: expected 4D input \(got 3D input of shape \[2, 3, 4\]\)/);
  t.throws(() => new nn.BatchNorm1d(3).forward(nt.randn([2, 3, 4, 5])), /BatchNorm1d: expected 2D or 3D input \(got 4D input/);
  t.throws(() => new nn.BatchNorm2d(4).forward(x4()), /BatchNorm2d: expected input with 4 channels \(dimension 1\), got shape \[2, 3, 8, 8\]/);
  t.throws(() => new nn.BatchNorm1d(3).forward(nt.randn([1, 3])), /BatchNorm1d: expected more than 1 value per channel when training, got input of shape \[1, 3\]/);
  t.throws(() => F.batchNorm(nt.randn([4, 3]), null, null), /runningMean and runningVar are required when not training/);
  t.throws(() => F.layerNorm(nt.randn([2, 4]), [4], nt.ones([3])), /layerNorm: expected weight of shape \[4\], got \[3\]/);
  t.end();
});

test('attention', (t) => {
  const mha = new nn.MultiheadAttention(8, 2);
  const x = nt.randn([5, 2, 8]);
  t.throws(() => new nn.MultiheadAttention(8, 3), /embedDim \(8\) must be divisible by numHeads \(3\)/);
  t.throws(() => mha.forward(nt.randn([5, 2, 6]), x, x), /MultiheadAttention: expected query with embedding dimension 8 \(last dim\), got shape \[5, 2, 6\]/);
  t.throws(() => mha.forward(x, x, x, { attnMask: nt.zeros([4, 5]) }), /the shape of the 2-D attnMask is \[4, 5\], but should be \[5, 5\]/);
  t.throws(() => mha.forward(x, x, x, { attnMask: nt.zeros([3, 5, 5]) }), /the shape of the 3-D attnMask is \[3, 5, 5\], but should be \[4, 5, 5\]/);
  t.throws(() => mha.forward(x, x, x, { keyPaddingMask: nt.zeros([2, 4], { dtype: 'bool' }) }), /expecting keyPaddingMask of shape \[2, 5\], but got \[2, 4\]/);
  t.throws(() => mha.forward(x, x, x, { keyPaddingMask: nt.zeros([2, 5], { dtype: 'int64' }) }), /only bool and floating types of keyPaddingMask are supported, got int64/);
  t.throws(() => mha.forward(x, nt.randn([4, 3, 8]), nt.randn([4, 3, 8])), /key batch size 3 does not match the query's 2/);
  t.throws(() => mha.forward(x, nt.randn([4, 2, 8]), nt.randn([3, 2, 8])), /key's sequence and batch dims \[4, 2\] do not match value's \[3, 2\]/);
  t.throws(() => F.scaledDotProductAttention(nt.randn([2, 4]), nt.randn([3, 5]), nt.randn([3, 5])), /query and key must have the same last dimension, got \[2, 4\] and \[3, 5\]/);
  t.throws(() => F.scaledDotProductAttention(nt.randn([2, 4]), nt.randn([3, 4]), nt.randn([3, 4]), { isCausal: true, attnMask: nt.zeros([2, 3]) }), /either attnMask or isCausal/);
  t.end();
});

test('attention: dtypes, devices, batch dims, the isCausal hint', (t) => {
  const caught = (f: () => unknown): Error => { try { f(); } catch (e) { return e as Error; } return new Error('did not throw'); };
  const q = nt.randn([2, 3, 4, 8]);
  const e1 = caught(() => F.scaledDotProductAttention(q, nt.randn([2, 3, 5, 8], { dtype: 'float64' }), nt.randn([2, 3, 5, 8])));
  t.ok(e1 instanceof TypeError && /scaledDotProductAttention: expected query, key and value to have the same dtype, got query float32, key float64 and value float32/.test(e1.message), `mixed dtypes: ${e1.message}`);
  const e2 = caught(() => F.scaledDotProductAttention(q, nt.randn([2, 3, 5, 8]), nt.randn([2, 3, 5, 8], { dtype: 'float16' }), { isCausal: true }));
  t.ok(e2 instanceof TypeError && /got query float32, key float32 and value float16/.test(e2.message), `mixed dtypes, causal: ${e2.message}`);
  const e3 = caught(() => F.scaledDotProductAttention(q, nt.randn([3, 3, 5, 8]), nt.randn([3, 3, 5, 8])));
  t.ok(e3 instanceof RangeError && /scaledDotProductAttention: the batch dims of query \[2, 3, 4, 8\], key \[3, 3, 5, 8\] and value \[3, 3, 5, 8\] \(all but the last two\) do not broadcast together/.test(e3.message), `batch dims: ${e3.message}`);
  const npu = nt.backendInfo('npu');
  if (npu.available && npu.deviceCount > 0) {
    const e4 = caught(() => F.scaledDotProductAttention(q, nt.randn([2, 3, 5, 8], { device: 'npu:0' }), nt.randn([2, 3, 5, 8])));
    t.ok(/expected query, key and value on the same device, got query on cpu, key on npu:0 and value on cpu/.test(e4.message), `devices: ${e4.message}`);
  } else t.comment('npu:0 unavailable: the mixed-device error is not checked here');
  const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });
  const x = nt.randn([2, 5, 8]);
  const e5 = caught(() => mha.forward(x, x, x, { isCausal: true, needWeights: false }));
  t.ok(/MultiheadAttention: isCausal is a hint that attnMask is the causal mask; pass the mask too/.test(e5.message), `isCausal without a mask: ${e5.message}`);
  t.end();
});

test('functional odds and ends', (t) => {
  t.throws(() => F.pad(nt.randn([2, 3]), [1]), /pad: expected an even-length list of integers, got \[1\]/);
  t.throws(() => F.pad(nt.randn([3]), [1, 1, 1, 1]), /padding length 4 is too large for an input with 1 dimensions/);
  t.throws(() => F.pad(nt.randn([1, 3]), [3, 0], 'reflect'), /reflect padding \(3, 0\) must be smaller than the size 3 of dimension 1/);
  t.throws(() => F.pad(nt.randn([1, 3]), [-1, 0], 'replicate'), /negative padding is only supported in 'constant' mode/);
  t.throws(() => F.pad(nt.randn([1, 3]), [1, 0], 'wrap' as 'reflect'), /mode must be 'constant', 'reflect', 'replicate' or 'circular'/);
  t.throws(() => F.oneHot(nt.tensor([0, -1])), /oneHot: class values must be non-negative, got -1/);
  t.throws(() => F.oneHot(nt.tensor([0, 3]), 3), /class values must be smaller than numClasses \(3\), got 3/);
  t.throws(() => F.oneHot(nt.tensor([0.5])), /oneHot: expected class indices of dtype int64 \(or int32\), got float32/);
  t.throws(() => F.dropout(nt.randn([3]), 1.5), /dropout: probability has to be between 0 and 1, but got 1.5/);
  t.throws(() => new nn.Dropout(-0.1), /Dropout: dropout probability has to be between 0 and 1, but got -0.1/);
  t.throws(() => F.normalize(nt.randn([3]), { p: 0, dim: 0 }), /normalize: p must be a positive number/);
  t.throws(() => new nn.GELU('fast' as 'tanh'), /approximate must be 'none' or 'tanh'/);
  t.throws(() => new nn.Parameter(nt.tensor([1, 2])), /only floating-point tensors can require gradients, got int64/);
  t.throws(() => new nn.Parameter(3 as unknown as nt.Tensor), /Parameter: expected a Tensor, got number/);
  t.throws(() => nn.utils.clipGradNorm_([nt.zeros([1])], 1, -2), /normType must be a positive number or Infinity, got -2/);
  t.throws(() => nn.utils.vectorToParameters(nt.zeros([5]), new nn.Linear(2, 2).parameters()), /expected a 1-D vector of 6 elements/);
  t.throws(() => nn.init.uniform_(nt.zeros([3], { dtype: 'int64' })), /uniform_: expected a floating-point tensor, got int64/);
  t.throws(() => nn.init.xavierUniform_(nt.zeros([3])), /fewer than 2 dimensions \(shape \[3\]\)/);
  t.throws(() => nn.init.calculateGain('swish' as 'relu'), /unsupported nonlinearity "swish"/);
  t.throws(() => nn.init.truncNormal_(nt.zeros([3]), { a: 1, b: 0 }), /expected a < b/);
  t.end();
});
