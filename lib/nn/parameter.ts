// parameter.ts — nn.Parameter: a Tensor flagged as a module's learnable weight. It is a Tensor
// (a small subclass sharing the data's storage), a leaf that requires grad by default, and it is not
// tracked by tidy() scopes (a model built inside tidy keeps its weights). Not here: discovery of
// parameters (module.ts walks a module's properties and picks the tensors flagged here).
import { inspect } from 'util';
import { Tensor } from '../tensor';

/** @internal The class behind `nn.Parameter` (callable with or without `new`). */
class ParameterImpl extends Tensor {
  /** @internal marks parameters for Module discovery */
  readonly _isParam = true;
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) throw new TypeError(`Parameter: expected a Tensor, got ${data === null ? 'null' : typeof data}`);
    const storage = data._live('Parameter');
    super(storage, data.shape.slice(), data.strides.slice(), data.offset, data._dt, true);
    if (requiresGrad) this.requiresGrad_(true);
  }
  /** Prints like PyTorch: `Parameter containing:` then the tensor. */
  override toString(): string { return `Parameter containing:\n${super.toString()}`; }
  override [inspect.custom](): string { return this.isDisposed ? 'Parameter(disposed)' : this.toString(); }
}

/** A module parameter: a Tensor (leaf, `requiresGrad` true by default) that `Module` registers when assigned to one of its properties. @example const p: nt.nn.Parameter = new nt.nn.Parameter(nt.zeros([3])); */
export type Parameter = ParameterImpl;

/** `nn.Parameter(t)` and `new nn.Parameter(t)` both work. @example const p = nt.nn.Parameter(nt.ones([2])); // same as new nt.nn.Parameter(...) */
export interface ParameterConstructor {
  new (data: Tensor, requiresGrad?: boolean): Parameter;
  (data: Tensor, requiresGrad?: boolean): Parameter;
  readonly prototype: Parameter;
}

/**
 * Wraps a tensor as a learnable parameter: a new Tensor object sharing `data`'s storage, a leaf with
 * `requiresGrad` (floating dtypes only), registered by any Module it is assigned to.
 * Callable with or without `new`; `p instanceof nn.Parameter` and `p instanceof nt.Tensor` are true.
 * @example
 * import * as nt from 'nodetensor';
 * class Scale extends nt.nn.Module {
 *   s = new nt.nn.Parameter(nt.ones([1]));
 *   forward(x: nt.Tensor): nt.Tensor { return x.mul(this.s); }
 * }
 * const m = new Scale();
 * console.log(m.parameters().length, m.s.requiresGrad); // 1 true
 */
export const Parameter: ParameterConstructor = new Proxy(ParameterImpl, {
  apply(target, _thisArg, args: [Tensor, boolean?]) { return new target(...args); },
}) as unknown as ParameterConstructor;

/**
 * Whether `x` is a Parameter.
 * @example
 * nt.nn.isParameter(new nt.nn.Parameter(nt.zeros([2]))); // true
 * nt.nn.isParameter(nt.zeros([2]));                      // false
 */
export function isParameter(x: unknown): x is Parameter {
  return x instanceof Tensor && (x as { _isParam?: boolean })._isParam === true;
}

/** @internal A Parameter over `t`'s data; disposes `t` (the temporary it was made from). */
export function paramFrom(t: Tensor, requiresGrad = true): Parameter {
  const p = new ParameterImpl(t, requiresGrad);
  t.dispose();
  return p;
}
