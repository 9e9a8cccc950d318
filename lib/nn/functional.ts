// functional.ts — nn.functional (imported as `F`): the stateless functions behind the layers, gathered
// from their family files. Not here: implementations (functional-*.ts, losses.ts).
export {
  linear, embedding, dropout, relu, gelu, silu, tanh, sigmoid, softplus, leakyRelu, softmax, logSoftmax, oneHot, pad, normalize,
} from './functional-basic';
export { layerNorm, rmsNorm, batchNorm } from './functional-norm';
export { conv1d, conv2d, maxPool2d, avgPool2d } from './functional-conv';
export type { ConvOptions, PoolOptions } from './functional-conv';
export { scaledDotProductAttention, multiHeadAttentionForward } from './functional-attention';
export type { MHAOptions } from './functional-attention';
export {
  crossEntropy, nllLoss, mseLoss, l1Loss, smoothL1Loss, huberLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, klDiv,
} from './losses';
export type { ClassLossOptions } from './losses';
