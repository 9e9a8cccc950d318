// workloads.ts — the GPU benchmark workloads (issue 4's targets) and nodetensor's side of them on
// cuda:0: matmul 4096³ in float32, TF32 and bfloat16, add and softmax on 256M elements, causal
// attention of the GPT step's shape (bfloat16 [8, 12, 1024, 64], forward and forward + backward),
// and a GPT training step (d=768, 12 layers, seq 1024, batch 8, bfloat16). The PyTorch side is
// torch_gpu.py; the table is run.ts's. NOTE: written without a GPU at hand: never run yet (see README.md).
import * as nt from '../../lib';

/** A workload: its id (shared with torch_gpu.py), label, target ratio and what `value` measures. */
export interface GpuWorkload { id: string; label: string; unit: 'TFLOP/s' | 'GB/s' | 'ms/step'; target: string }

/** No target of its own: a diagnostic row (the attention rows explain the GPT step's). */
export const NO_TARGET = '—';

export const GPU_WORKLOADS: GpuWorkload[] = [
  { id: 'matmul_f32', label: 'matmul 4096³ float32 (TF32 off)', unit: 'TFLOP/s', target: '≥ 0.95×' },
  { id: 'matmul_tf32', label: 'matmul 4096³ float32, TF32 allowed', unit: 'TFLOP/s', target: '≥ 0.95×' },
  { id: 'matmul_bf16', label: 'matmul 4096³ bfloat16', unit: 'TFLOP/s', target: '≥ 0.95×' },
  { id: 'add_256M', label: 'add 256M float32', unit: 'GB/s', target: '≥ 0.9×' },
  { id: 'softmax_256M_1024', label: 'softmax 262144x1024 float32, dim -1', unit: 'GB/s', target: '≥ 0.9×' },
  { id: 'softmax_256M_4096', label: 'softmax 65536x4096 float32, dim -1', unit: 'GB/s', target: '≥ 0.9×' },
  { id: 'attn_fwd', label: 'causal attention bf16 [8,12,1024,64], forward', unit: 'TFLOP/s', target: NO_TARGET },
  { id: 'attn_fwd_bwd', label: 'causal attention bf16 [8,12,1024,64], fwd + bwd', unit: 'TFLOP/s', target: NO_TARGET },
  { id: 'gpt_step', label: 'GPT step d768 L12 T1024 B8 bf16 AdamW', unit: 'ms/step', target: '≤ 1.2× time' },
];

/** `note`: what else the run should report next to the number (which attention path ran). */
export interface Measured { ms: number; value: number; samples: number[]; note?: string }

/** Median ms per call of fn() over 5 samples of k calls (k grown until a sample lasts >= 200 ms). */
export function timeIt(fn: () => void, sync: () => void): { ms: number; samples: number[] } {
  for (let i = 0; i < 3; i++) fn();
  sync();
  let k = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < k; i++) fn();
    sync();
    if (performance.now() - t0 >= 200 || k >= 1 << 12) break;
    k *= 2;
  }
  const samples: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < k; i++) fn();
    sync();
    samples.push((performance.now() - t0) / k);
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[2], samples };
}

const dev = 'cuda:0';
const sync = (): void => nt.cuda.synchronize(0);

function matmul(dtype: 'float32' | 'bfloat16', tf32: boolean): Measured {
  nt.cuda.matmul.allowTF32 = tf32;
  const n = 4096, a = nt.randn([n, n], { dtype, device: dev }), b = nt.randn([n, n], { dtype, device: dev });
  const t = timeIt(() => a.matmul(b).dispose(), sync);
  a.dispose(); b.dispose();
  nt.cuda.matmul.allowTF32 = false;
  return { ...t, value: (2 * n ** 3) / (t.ms * 1e-3) / 1e12 };
}

function add(): Measured {
  const n = 256 * 2 ** 20, a = nt.randn([n], { device: dev }), b = nt.randn([n], { device: dev });
  const t = timeIt(() => a.add(b).dispose(), sync);
  a.dispose(); b.dispose();
  return { ...t, value: (3 * 4 * n) / (t.ms * 1e-3) / 1e9 };
}

function softmax(rows: number, cols: number): Measured {
  const x = nt.randn([rows, cols], { device: dev });
  const t = timeIt(() => x.softmax(-1).dispose(), sync);
  x.dispose();
  return { ...t, value: (2 * 4 * rows * cols) / (t.ms * 1e-3) / 1e9 };
}

// ---- causal attention of the GPT step's shape. F.scaledDotProductAttention takes the fused
// `attention` ops where the backend has them (csrc/backends/cuda/attention*.cu) and the composite
// (matmul, mask, softmax, matmul) otherwise: the peak of the caching allocator says which ran, as the
// composite holds [8, 12, 1024, 1024] score tensors (192 MiB each in bfloat16) and the fused ops
// never do. FLOPs as FlashAttention counts them: 4 B H L S E for the forward, halved by the causal
// mask, and 2.5 times that for the backward.
function attention(withBackward: boolean): Measured {
  const B = 8, H = 12, T = 1024, E = 64, opt = { dtype: 'bfloat16' as const, device: dev };
  nt.emptyCache();
  const peak0 = nt.cuda.memoryStats(0).peak;
  const [q, k, v] = [0, 1, 2].map(() => nt.randn([B, H, T, E], opt).requiresGrad_(withBackward));
  const dout = nt.randn([B, H, T, E], opt);
  const step = (): void => nt.tidy(() => {
    const o = F.scaledDotProductAttention(q, k, v, { isCausal: true });
    if (withBackward) nt.autograd.grad(o, [q, k, v], { gradOutputs: dout });
  });
  const t = timeIt(step, sync);
  const peak = nt.cuda.memoryStats(0).peak;
  for (const x of [q, k, v, dout]) x.dispose();
  const flops = (4 * B * H * T * T * E) / 2 * (withBackward ? 3.5 : 1);
  const path = peak > peak0 + 192 * 2 ** 20 ? 'composite (score tensors allocated)' : 'fused (no score tensor)';
  const note = peak > peak0 ? `allocator peak ${(peak / 2 ** 20).toFixed(0)} MiB: ${path}` : 'allocator peak not raised by this run: path unknown (run the attention rows first)';
  return { ...t, value: flops / (t.ms * 1e-3) / 1e12, note };
}

// ---- GPT-2 small shaped model, bfloat16 weights and activations, AdamW (the same as torch_gpu.py)
const { nn, F, optim } = nt;
const C = 768, L = 12, H = 12, T = 1024, B = 8, V = 50304;

class Block extends nn.Module {
  ln1 = new nn.LayerNorm(C); qkv = new nn.Linear(C, 3 * C); proj = new nn.Linear(C, C);
  ln2 = new nn.LayerNorm(C); fc = new nn.Linear(C, 4 * C); out = new nn.Linear(4 * C, C);
  override forward(x: nt.Tensor): nt.Tensor {
    const heads = (t: nt.Tensor): nt.Tensor => t.reshape([B, T, H, C / H]).transpose(1, 2);
    const [q, k, v] = this.qkv.forward(this.ln1.forward(x)).split(C, 2).map(heads);
    const y = F.scaledDotProductAttention(q, k, v, { isCausal: true }).transpose(1, 2).reshape([B, T, C]);
    x = x.add(this.proj.forward(y));
    return x.add(this.out.forward(F.gelu(this.fc.forward(this.ln2.forward(x)), { approximate: 'tanh' })));
  }
}
class GPT extends nn.Module {
  wte = new nn.Embedding(V, C); wpe = new nn.Embedding(T, C);
  blocks = new nn.ModuleList(Array.from({ length: L }, () => new Block()));
  lnF = new nn.LayerNorm(C); head = new nn.Linear(C, V, { bias: false });
  override forward(idx: nt.Tensor, pos: nt.Tensor): nt.Tensor {
    let x = this.wte.forward(idx).add(this.wpe.forward(pos));
    for (const b of this.blocks) x = (b as Block).forward(x);
    return this.head.forward(this.lnF.forward(x));
  }
}

function gptStep(): Measured {
  const model = new GPT().to({ device: dev, dtype: 'bfloat16' });
  const opt = new optim.AdamW(model.parameters(), { lr: 3e-4 });
  const idx = nt.randint(0, V, [B, T], { device: dev }), tgt = nt.randint(0, V, [B * T], { device: dev });
  const pos = nt.arange(T, undefined, 1, { device: dev });
  const step = (): void => nt.tidy(() => {
    opt.zeroGrad();
    F.crossEntropy(model.forward(idx, pos).reshape([B * T, V]), tgt).backward();
    opt.step();
  });
  const t = timeIt(step, sync);
  return { ...t, value: t.ms };
}

/** Runs the workloads named in `only` (all by default) on cuda:0; a failure is recorded, not thrown. */
export function runNodetensor(only?: string[]): Record<string, Measured | { error: string }> {
  const jobs: Record<string, () => Measured> = {  // attention first: its note reads the allocator's peak
    attn_fwd: () => attention(false), attn_fwd_bwd: () => attention(true),
    matmul_f32: () => matmul('float32', false), matmul_tf32: () => matmul('float32', true),
    matmul_bf16: () => matmul('bfloat16', false), add_256M: add,
    softmax_256M_1024: () => softmax(262144, 1024), softmax_256M_4096: () => softmax(65536, 4096), gpt_step: gptStep,
  };
  const out: Record<string, Measured | { error: string }> = {};
  for (const [id, job] of Object.entries(jobs)) {
    if (only && !only.includes(id)) continue;
    try { out[id] = job(); } catch (e) { out[id] = { error: String((e as Error).message ?? e) }; }
    nt.emptyCache();
  }
  return out;
}
