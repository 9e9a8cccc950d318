// cuda-attention.test.ts — the CUDA backend's fused attention kernels (ops `attention` and
// `attention_backward`, submitted directly, whatever F.scaledDotProductAttention chooses) against
// the float64 composite on the CPU and its autograd: every kernel path (tensor cores 64/128, SIMT
// for 16-bit odd head dims, float32, float64), strided and qkv-split views, causal with L < S and
// L > S; and the supports() refusal of head dims above 128. Needs a GPU: skipped without one.
// Not here: the kernels' CPU emulation (test/native/cuda-attention-emu-test.cpp) or timing (bench/gpu).
import test from 'tape';
import * as nt from '../../lib';
import { emptyTensor, resetParams, setF, setI, setView, submit } from '../../lib/dispatch';
import { DTYPE_ID } from '../../lib/dtype';
import { OP } from '../../lib/op-list';

const info = nt.backendInfo('cuda');
const gpu = info.available && info.deviceCount > 0;
const dev = 'cuda:0';
type T = nt.Tensor;

function keyOf(t: T): number { return t._storage!.rec.key; }

// The ops as ops.def lays them out (outputs allocated here, contiguous).
function fwd(q: T, k: T, v: T, scale: number, causal: boolean): [T, T] {
  const [B, H, L] = q.shape, Ev = v.shape[3], key = keyOf(q);
  const out = emptyTensor([B, H, L, Ev], DTYPE_ID[q.dtype], key, q.device);
  const lse = emptyTensor([B, H, L], DTYPE_ID[q.dtype === 'float64' ? 'float64' : 'float32'], key, q.device);
  resetParams();
  setF(0, scale);
  setI(0, causal ? 1 : 0);
  setView(0, q), setView(1, k), setView(2, v), setView(3, out), setView(4, lse);
  submit(OP.attention, key, 5);
  return [out, lse];
}
function bwd(q: T, k: T, v: T, out: T, dout: T, lse: T, scale: number, causal: boolean): [T, T, T] {
  const key = keyOf(q), dt = DTYPE_ID[q.dtype];
  const dq = emptyTensor(q.shape, dt, key, q.device), dk = emptyTensor(k.shape, dt, key, q.device);
  const dv = emptyTensor(v.shape, dt, key, q.device);
  resetParams();
  setF(0, scale);
  setI(0, causal ? 1 : 0);
  [q, k, v, out, dout, lse, dq, dk, dv].forEach((t, i) => setView(i, t));
  submit(OP.attention_backward, key, 9);
  return [dq, dk, dv];
}

// max |a - b| relative to max(1, max |b|), b the float64 reference on the CPU
function relErr(a: T, b: T): number {
  const d = a.to({ device: 'cpu', dtype: 'float64' }).sub(b).abs().max().item() as number;
  const m = b.abs().max().item() as number;
  return d / Math.max(1, m);
}

interface Case { what: string; dtype: nt.DType; B: number; H: number; L: number; S: number; E: number; Ev: number; causal: boolean; layout: 'contiguous' | 'heads' | 'qkv' }
const CASES: Case[] = [
  { what: 'tensor cores, 64 (the benchmark path)', dtype: 'bfloat16', B: 2, H: 3, L: 130, S: 130, E: 64, Ev: 64, causal: true, layout: 'qkv' },
  { what: 'tensor cores, 64, E != Ev, L < S', dtype: 'float16', B: 1, H: 2, L: 33, S: 75, E: 32, Ev: 48, causal: false, layout: 'heads' },
  { what: 'tensor cores, 128, causal L > S', dtype: 'bfloat16', B: 1, H: 2, L: 97, S: 40, E: 128, Ev: 80, causal: true, layout: 'contiguous' },
  { what: 'tensor cores, 128, causal L < S', dtype: 'float16', B: 2, H: 1, L: 20, S: 150, E: 96, Ev: 96, causal: true, layout: 'heads' },
  { what: 'SIMT, 16-bit odd head dims', dtype: 'bfloat16', B: 1, H: 2, L: 37, S: 29, E: 24, Ev: 40, causal: true, layout: 'heads' },
  { what: 'SIMT, float32', dtype: 'float32', B: 2, H: 2, L: 100, S: 100, E: 64, Ev: 64, causal: true, layout: 'qkv' },
  { what: 'SIMT, float32, head dim 128', dtype: 'float32', B: 1, H: 1, L: 20, S: 70, E: 128, Ev: 128, causal: false, layout: 'contiguous' },
  { what: 'SIMT, float64', dtype: 'float64', B: 2, H: 1, L: 9, S: 13, E: 5, Ev: 3, causal: true, layout: 'contiguous' },
  { what: 'SIMT, float64, head dim 128', dtype: 'float64', B: 1, H: 1, L: 40, S: 35, E: 128, Ev: 100, causal: true, layout: 'heads' },
];
const TOL: Record<string, number> = { float64: 1e-9, float32: 2e-5, float16: 4e-3, bfloat16: 3e-2 };

// [B, H, R, C] views laid out as a contiguous tensor, heads inside rows, or thirds of a qkv buffer.
function inputs(c: Case): [T, T, T] {
  const opt = { dtype: c.dtype, device: dev };
  if (c.layout === 'qkv' && c.L === c.S && c.E === c.Ev) {
    const qkv = nt.randn([c.B, c.L, 3 * c.H * c.E], opt);
    return qkv.split(c.H * c.E, 2).map((t) => t.reshape([c.B, c.L, c.H, c.E]).transpose(1, 2)) as [T, T, T];
  }
  const make = (R: number, C: number): T => c.layout === 'heads'
    ? nt.randn([c.B, R, c.H, C], opt).transpose(1, 2) : nt.randn([c.B, c.H, R, C], opt);
  return [make(c.L, c.E), make(c.S, c.E), make(c.S, c.Ev)];
}

test('cuda attention kernels against the float64 composite', { skip: !gpu }, (t) => {
  for (const c of CASES) {
    nt.tidy(() => {
      const [q, k, v] = inputs(c);
      const dout = nt.randn([c.B, c.H, c.L, c.Ev], { dtype: c.dtype, device: dev });
      const scale = 1 / Math.sqrt(c.E);
      const [out, lse] = fwd(q, k, v, scale, c.causal);
      const [dq, dk, dv] = bwd(q, k, v, out, dout, lse, scale, c.causal);
      const c64 = (x: T): T => x.to({ device: 'cpu', dtype: 'float64' }).detach();
      const [q64, k64, v64] = [c64(q).requiresGrad_(), c64(k).requiresGrad_(), c64(v).requiresGrad_()];
      const want = nt.F.scaledDotProductAttention(q64, k64, v64, { isCausal: c.causal, scale });
      let s = q64.matmul(k64.transpose(-2, -1)).mul(scale);
      if (c.causal) s = s.maskedFill(nt.arange(c.S).reshape([1, c.S]).gt(nt.arange(c.L).reshape([c.L, 1])), -Infinity);
      const wantLse = nt.noGrad(() => s.logsumexp(-1));
      const [gq, gk, gv] = nt.autograd.grad(want, [q64, k64, v64], { gradOutputs: c64(dout) }) as T[];
      const tol = TOL[c.dtype], tag = `${c.what} (${c.dtype}, [${c.B}, ${c.H}, ${c.L}/${c.S}, ${c.E}/${c.Ev}]${c.causal ? ', causal' : ''}, ${c.layout})`;
      const errs = [relErr(out, want.detach()), relErr(lse, wantLse), relErr(dq, gq), relErr(dk, gk), relErr(dv, gv)];
      t.ok(errs.every((e) => e <= tol), `${tag}: out ${errs[0].toExponential(1)}, lse ${errs[1].toExponential(1)}, dq ${errs[2].toExponential(1)}, dk ${errs[3].toExponential(1)}, dv ${errs[4].toExponential(1)} (tolerance ${tol})`);
    });
  }
  t.end();
});

test('cuda attention: head dims above 128 are refused by supports()', { skip: !gpu }, (t) => {
  nt.tidy(() => {
    const q = nt.randn([1, 1, 4, 160], { dtype: 'bfloat16', device: dev });
    const v = nt.randn([1, 1, 4, 64], { dtype: 'bfloat16', device: dev });
    t.throws(() => fwd(q, q, v, 0.1, false), /op 'attention' is not supported on cuda:0 \(the CUDA attention kernels take head dims up to 128 \(q\/k head dim 160, v head dim 64\)/, 'E = 160');
  });
  t.end();
});
