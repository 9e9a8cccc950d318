#!/usr/bin/python3
# torch_train.py — the PyTorch side of bench/train.ts: the same two training steps (MLP + Adam,
# 2-layer d=128 causal transformer + AdamW), timed the same way; prints {"mlp": ms, "gpt": ms}.
# argv[1]: the thread count. Not here: the table (train.ts).
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F  # noqa: N812


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.attn = nn.LayerNorm(128), nn.MultiheadAttention(128, 4, batch_first=True)
        self.ln2, self.fc1, self.fc2 = nn.LayerNorm(128), nn.Linear(128, 512), nn.Linear(512, 128)

    def forward(self, x, mask):
        h = self.ln1(x)
        a, _ = self.attn(h, h, h, attn_mask=mask, need_weights=False)
        x = x + a
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class TinyGPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok, self.pos = nn.Embedding(256, 128), nn.Embedding(128, 128)
        self.blocks = nn.ModuleList([Block(), Block()])
        self.lnf, self.head = nn.LayerNorm(128), nn.Linear(128, 256)

    def forward(self, idx, mask, pos):
        x = self.tok(idx) + self.pos(pos)
        for b in self.blocks:
            x = b(x, mask)
        return self.head(self.lnf(x))


def time_steps(step, reps=5, min_s=0.3):
    for _ in range(3):
        step()
    samples = []
    for _ in range(reps):
        k, t0 = 0, time.perf_counter()
        while True:
            step()
            k += 1
            if time.perf_counter() - t0 >= min_s:
                break
        samples.append((time.perf_counter() - t0) / k * 1000)
    return sorted(samples)[len(samples) // 2]


def main():
    torch.set_num_threads(int(sys.argv[1]))
    mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.Adam(mlp.parameters(), lr=1e-3)
    x, y = torch.randn(128, 784), torch.randint(0, 10, (128,))

    def mlp_step():
        opt.zero_grad()
        F.cross_entropy(mlp(x), y).backward()
        opt.step()

    gpt = TinyGPT()
    opt2 = torch.optim.AdamW(gpt.parameters(), lr=1e-3)
    b, t = 8, 64
    idx, tgt = torch.randint(0, 256, (b, t)), torch.randint(0, 256, (b * t,))
    mask, pos = torch.triu(torch.ones(t, t, dtype=torch.bool), 1), torch.arange(t)

    def gpt_step():
        opt2.zero_grad()
        F.cross_entropy(gpt(idx, mask, pos).reshape(b * t, 256), tgt).backward()
        opt2.step()

    print(json.dumps({"mlp": time_steps(mlp_step), "gpt": time_steps(gpt_step)}))


if __name__ == "__main__":
    main()
