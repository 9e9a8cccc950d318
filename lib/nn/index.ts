// nn/index.ts — the `nn` namespace (`nt.nn`): Module and Parameter, the layers, and the namespaces
// `functional` (also exported at the top level as `nt.F`), `init` and `utils`.
// Not here: implementations (module.ts, layers-*.ts, functional*.ts, losses.ts, init.ts, utils.ts).
export { Module } from './module';
export type { ModuleTarget, LoadResult } from './module';
export { Parameter, isParameter } from './parameter';
export type { ParameterConstructor } from './parameter';
export {
  Identity, Linear, Embedding, Dropout, Flatten, ReLU, GELU, SiLU, Tanh, Sigmoid, LeakyReLU, Softmax, LogSoftmax,
} from './layers-basic';
export type { FactoryOptions } from './layers-basic';
export { Sequential, ModuleList, ModuleDict } from './layers-container';
export { LayerNorm, RMSNorm, BatchNorm1d, BatchNorm2d } from './layers-norm';
export type { BatchNormOptions } from './layers-norm';
export { Conv1d, Conv2d, MaxPool2d, AvgPool2d } from './layers-conv';
export type { ConvLayerOptions } from './layers-conv';
export { MultiheadAttention } from './layers-attention';
export type { MultiheadAttentionOptions } from './layers-attention';
export {
  CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss,
} from './layers-loss';
export * as functional from './functional';
export * as init from './init';
export * as utils from './utils';
