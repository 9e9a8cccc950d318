// optim/index.ts — `nt.optim`: the optimizers (SGD, Adam, AdamW, RMSprop, Adagrad), their base class,
// the state-dict helpers, and `nt.optim.lrScheduler`. Not here: implementations (one file each).
export { Optimizer, flattenStateDict, unflattenStateDict } from './optimizer';
export type { ParamGroup, ParamGroupSpec, ParamState, OptimizerStateDict } from './optimizer';
export { SGD } from './sgd';
export type { SGDOptions } from './sgd';
export { Adam, AdamW } from './adam';
export type { AdamOptions } from './adam';
export { RMSprop } from './rmsprop';
export type { RMSpropOptions } from './rmsprop';
export { Adagrad } from './adagrad';
export type { AdagradOptions } from './adagrad';
export * as lrScheduler from './lr-scheduler';
