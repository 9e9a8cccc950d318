#!/usr/bin/env python3
# torch_gpu.py — PyTorch's side of bench/gpu: the same workloads as workloads.ts on cuda:0 (matmul
# 4096^3 float32 / TF32 / bfloat16, add and softmax on 256M elements, causal scaled_dot_product_attention
# bf16 [8, 12, 1024, 64] forward and forward + backward, the GPT-2-small-shaped bf16 training step with
# AdamW and fused attention), timed the same way; prints one JSON object.
# argv: optional workload ids. Not here: the table (run.ts). NOTE: never run yet (no GPU here).
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F  # noqa: N812

DEV = 'cuda:0'


def time_it(fn):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    k = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(k):
            fn()
        torch.cuda.synchronize()
        if time.perf_counter() - t0 >= 0.2 or k >= 1 << 12:
            break
        k *= 2
    samples = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(k):
            fn()
        torch.cuda.synchronize()
        samples.append((time.perf_counter() - t0) / k * 1000)
    samples.sort()
    return samples[2], samples


def matmul(dtype, tf32):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    n = 4096
    a, b = torch.randn(n, n, device=DEV, dtype=dtype), torch.randn(n, n, device=DEV, dtype=dtype)
    ms, s = time_it(lambda: a @ b)
    torch.backends.cuda.matmul.allow_tf32 = False
    return {'ms': ms, 'value': 2 * n ** 3 / (ms * 1e-3) / 1e12, 'samples': s}


def add():
    n = 256 * 2 ** 20
    a, b = torch.randn(n, device=DEV), torch.randn(n, device=DEV)
    ms, s = time_it(lambda: a + b)
    return {'ms': ms, 'value': 3 * 4 * n / (ms * 1e-3) / 1e9, 'samples': s}


def softmax(rows, cols):
    x = torch.randn(rows, cols, device=DEV)
    ms, s = time_it(lambda: x.softmax(-1))
    return {'ms': ms, 'value': 2 * 4 * rows * cols / (ms * 1e-3) / 1e9, 'samples': s}


def attention(with_backward):
    # FLOPs as in workloads.ts: 4 B H L S E forward, halved by the causal mask; backward 2.5 times that
    b, h, t, e = 8, 12, 1024, 64
    q, k, v = (torch.randn(b, h, t, e, device=DEV, dtype=torch.bfloat16, requires_grad=with_backward) for _ in range(3))
    dout = torch.randn(b, h, t, e, device=DEV, dtype=torch.bfloat16)

    def step():
        o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        if with_backward:
            torch.autograd.grad(o, (q, k, v), dout)

    torch.cuda.reset_peak_memory_stats()
    ms, s = time_it(step)
    flops = 4 * b * h * t * t * e / 2 * (3.5 if with_backward else 1)
    note = f'torch peak {torch.cuda.max_memory_allocated() / 2 ** 20:.0f} MiB'
    return {'ms': ms, 'value': flops / (ms * 1e-3) / 1e12, 'samples': s, 'note': note}


C, L, H, T, B, V = 768, 12, 12, 1024, 8, 50304


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.qkv, self.proj = nn.LayerNorm(C), nn.Linear(C, 3 * C), nn.Linear(C, C)
        self.ln2, self.fc, self.out = nn.LayerNorm(C), nn.Linear(C, 4 * C), nn.Linear(4 * C, C)

    def forward(self, x):
        q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in self.qkv(self.ln1(x)).split(C, 2))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, C)
        x = x + self.proj(y)
        return x + self.out(F.gelu(self.fc(self.ln2(x)), approximate='tanh'))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(T, C)
        self.blocks = nn.ModuleList([Block() for _ in range(L)])
        self.ln_f, self.head = nn.LayerNorm(C), nn.Linear(C, V, bias=False)

    def forward(self, idx, pos):
        x = self.wte(idx) + self.wpe(pos)
        for b in self.blocks:
            x = b(x)
        return self.head(self.ln_f(x))


def gpt_step():
    model = GPT().to(device=DEV, dtype=torch.bfloat16)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    idx, tgt = torch.randint(0, V, (B, T), device=DEV), torch.randint(0, V, (B * T,), device=DEV)
    pos = torch.arange(T, device=DEV)

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(idx, pos).view(B * T, V), tgt).backward()
        opt.step()

    ms, s = time_it(step)
    return {'ms': ms, 'value': ms, 'samples': s}


JOBS = {
    'matmul_f32': lambda: matmul(torch.float32, False),
    'matmul_tf32': lambda: matmul(torch.float32, True),
    'matmul_bf16': lambda: matmul(torch.bfloat16, False),
    'add_256M': add,
    'softmax_256M_1024': lambda: softmax(262144, 1024),
    'softmax_256M_4096': lambda: softmax(65536, 4096),
    'attn_fwd': lambda: attention(False),
    'attn_fwd_bwd': lambda: attention(True),
    'gpt_step': gpt_step,
}


def main():
    only = sys.argv[1:]
    out = {'device': torch.cuda.get_device_name(0), 'torch': torch.__version__, 'cuda': torch.version.cuda}
    for name, job in JOBS.items():
        if only and name not in only:
            continue
        try:
            out[name] = job()
        except Exception as e:  # noqa: BLE001 — one failed workload must not hide the others
            out[name] = {'error': str(e)}
        torch.cuda.empty_cache()
    print(json.dumps(out))


if __name__ == '__main__':
    main()
