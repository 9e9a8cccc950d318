/**
 * model.ts — the demo's digit classifier: an MLP 784 → hidden → 10 (nn.Linear, nn.ReLU), built the
 * same way by the training script and by the prediction script that loads its weights.
 * Not here: training, data, or any weights.
 */
import * as path from 'path';
import * as nt from '../../lib';

/** An MLP for 28×28 digits; its state-dict keys are PyTorch's (`0.weight`, `0.bias`, `2.weight`, `2.bias`). */
export function makeModel(hidden = 256): nt.nn.Sequential {
  const { nn } = nt;
  return new nn.Sequential(new nn.Linear(784, hidden), new nn.ReLU(), new nn.Linear(hidden, 10));
}

/** Where the weights go by default: next to the compiled scripts (dist/examples/mnist/mnist-mlp.safetensors). */
export function defaultWeightsPath(): string {
  return path.join(__dirname, 'mnist-mlp.safetensors');
}
