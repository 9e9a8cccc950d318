// quickstart.ts — `npm run example`: a tour of nodetensor on the CPU, then a ten-line training
// loop (linear regression with hand-written gradients; autograd arrives with the nn/optim work).
import * as nt from '../lib';

async function main(): Promise<void> {
  nt.manualSeed(0);
  const x = nt.randn([64, 128]);
  const y = x.matmul(nt.randn([128, 32])).relu().sum(1, true).div(32);
  console.log(y.shape, y.dtype, y.device);           // [64, 1] 'float32' 'cpu'
  console.log((await y.data()).slice(0, 4));          // read without blocking the event loop
  console.log(nt.tensor([[1, 2], [3, 4]], { dtype: 'float32' }).softmax(1).toString());
  console.log('backend:', JSON.stringify(nt.backendInfo('cpu').details));

  // Ten-line training loop: fit w, b in y = 3x + 2 by gradient descent.
  const X = nt.randn([256, 1]), Y = X.mul(3).add(2).add(nt.randn([256, 1]).mul(0.1));
  let w = nt.zeros([1, 1]), b = nt.zeros([1]);
  for (let step = 0; step < 200; step++) {
    nt.tidy(() => {
      const err = X.matmul(w).add(b).sub(Y);                         // prediction error
      const gw = X.t().matmul(err).mul(2 / 256), gb = err.mean(0).mul(2);
      const w2 = w.sub(gw, { alpha: 0.1 }), b2 = b.sub(gb, { alpha: 0.1 });
      w.dispose(); b.dispose(); w = nt.keep(w2); b = nt.keep(b2);
    });
  }
  console.log('w =', w.item().toFixed(3), 'b =', b.item().toFixed(3), 'live tensors:', nt.memory().cpu.tensors);
}

main().catch((e) => { console.error(e); process.exit(1); });
