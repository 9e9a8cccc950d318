// autograd-api.ts — the public `nt.autograd` namespace (PyTorch's torch.autograd). Not here: the
// engine (autograd.ts).
export { grad, noGrad, enableGrad, isGradEnabled, Node } from './autograd';
export type { GradHook } from './autograd';
