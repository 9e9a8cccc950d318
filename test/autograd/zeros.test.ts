// zeros.test.ts — prod and cumprod gradients where the input holds exact zeros (finite differences
// in gradcheck use random nonzero inputs): checked against a brute-force product of the others.
// Not here: the general finite-difference checks (gradcheck.test.ts).
import test from 'tape';
import * as nt from '../../lib';

/** d/dx_k of sum_i w_i * prod_{j<=i} x_j (cumulative) or of w * prod_j x_j, by brute force. */
function bruteCumprodGrad(x: number[], w: number[]): number[] {
  return x.map((_, k) => {
    let s = 0;
    for (let i = k; i < x.length; i++) {
      let p = w[i];
      for (let j = 0; j <= i; j++) if (j !== k) p *= x[j];
      s += p;
    }
    return s;
  });
}
function bruteProdGrad(x: number[], w: number): number[] {
  return x.map((_, k) => x.reduce((p, v, j) => (j === k ? p : p * v), w));
}

const rows = [
  [2, 3, 0.5, 4, 1.5],     // no zero
  [2, 0, 3, 0.5, 4],       // one zero inside
  [0, 2, 3, 0.5, 4],       // zero first
  [2, 3, 0.5, 4, 0],       // zero last
  [2, 0, 3, 0, 4],         // two zeros
  [0, 0, 0, 1, 2],         // three zeros
];
const w = [0.5, -1, 2, 0.25, 3];

test('cumprod backward is exact with zeros in the input (no NaN, no division by zero)', (t) => {
  for (const dtype of ['float64', 'float32'] as const) {
    // rows laid out as the columns of a transposed tensor, so the dim is not the contiguous one
    const x = nt.tensor(rows[0].map((_, j) => rows.map((r) => r[j])), { dtype }).t().requiresGrad_();
    const y = x.cumprod(1).mul(nt.tensor(w, { dtype })).sum();
    y.backward();
    const got = x.grad!.toArray() as number[][];
    rows.forEach((r, i) => {
      const want = bruteCumprodGrad(r, w);
      const ok = want.every((v, k) => Math.abs(got[i][k] - v) <= 1e-5 * Math.max(1, Math.abs(v)));
      t.ok(ok, `${dtype} cumprod grad of [${r}]: got [${got[i].map((v) => +v.toFixed(5))}], want [${want}]`);
    });
  }
  t.end();
});

test('prod backward is exact with zero, one, two and three zeros in a slice', (t) => {
  const x = nt.tensor(rows, { dtype: 'float64' }).requiresGrad_();
  x.prod(1).mul(2).sum().backward();
  const got = x.grad!.toArray() as number[][];
  rows.forEach((r, i) => t.same(got[i].map((v) => +v.toFixed(9)), bruteProdGrad(r, 2).map((v) => +v.toFixed(9) + 0), `prod grad of [${r}]`));
  const a = nt.tensor([3, 0, 0.5, 0], { dtype: 'float64' }).requiresGrad_();
  a.prod().backward();
  t.same(a.grad!.toArray(), [0, 0, 0, 0], 'prod over all elements with two zeros: every gradient is 0');
  const b = nt.tensor([3, 0, 0.5, 2], { dtype: 'float64' }).requiresGrad_();
  b.prod().backward();
  t.same(b.grad!.toArray(), [0, 3, 0, 0], 'prod over all elements with one zero: the zero gets the product of the others');
  t.end();
});

test('cumprod second derivatives: finite with zeros, exact without', (t) => {
  const hess = (v: number[]): number[] => {
    const x = nt.tensor(v, { dtype: 'float64' }).requiresGrad_();
    const [g] = nt.autograd.grad(x.cumprod(0).sum(), [x], { createGraph: true });
    const [h] = nt.autograd.grad(g!.sum(), [x]);
    return h!.toArray() as number[];
  };
  const withZero = hess([2, 0, 3, 0.5]);
  t.ok(withZero.every(Number.isFinite), `with a zero: finite [${withZero}]`);
  // d/dx_m of sum_k dx_k, by central differences of the brute-force first derivative
  const f = (v: number[]) => bruteCumprodGrad(v, [1, 1, 1, 1]).reduce((s, q) => s + q, 0);
  const base = [2, 0.7, 3, 0.5];
  const want = base.map((_, m) => { const e = 1e-6, p = base.slice(), q = base.slice(); p[m] += e; q[m] -= e; return (f(p) - f(q)) / (2 * e); });
  const got = hess(base);
  t.ok(got.every((v, m) => Math.abs(v - want[m]) < 1e-5), `without zeros: got [${got}], want [${want.map((v) => +v.toFixed(6))}]`);
  t.end();
});
