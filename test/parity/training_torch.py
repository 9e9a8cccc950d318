#!/usr/bin/python3
# training_torch.py — the PyTorch side of test/parity/training.test.ts: builds three small models with
# torch's own initialisation, writes their initial weights and 50 batches as safetensors (the format
# written by hand: the `safetensors` Python package is not installed), trains 50 steps, and prints the
# losses as JSON. Not here: comparisons (the test). Never downloads anything.
#
# argv[1]: a directory to write mlp.safetensors, cnn.safetensors, gpt.safetensors into.
import json
import warnings
import math
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F  # noqa: N812

STEPS = 50
CODES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.int32: "I32"}


def write_safetensors(path, tensors):
    header, blobs, at = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": CODES[t.dtype], "shape": list(t.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x, mask):
        h = self.ln1(x)
        a, _ = self.attn(h, h, h, attn_mask=mask, need_weights=False)
        x = x + a
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class GPT(nn.Module):
    def __init__(self, vocab, d, heads, layers, seq):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(seq, d)
        self.blocks = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.lnf = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, idx):
        t = idx.shape[1]
        mask = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
        x = self.tok(idx) + self.pos(torch.arange(t))
        for b in self.blocks:
            x = b(x, mask)
        return self.head(self.lnf(x))


def run(name, model, opt, batches, loss_fn, sched=None, clip=None):
    losses = []
    for x, y in batches:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        if sched is not None:
            sched.step()
        losses.append(loss.item())
    return losses


def main():
    out = sys.argv[1]
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=UserWarning)
    results = {"torch": torch.__version__}

    torch.manual_seed(1)
    mlp = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    teacher = torch.randn(64, 10)  # a learnable task: labels from a fixed linear teacher
    xs = [torch.randn(16, 64) for _ in range(STEPS)]
    ys = [(x @ teacher).argmax(1) for x in xs]
    init = {f"init.{k}": v.clone() for k, v in mlp.state_dict().items()}
    write_safetensors(f"{out}/mlp.safetensors", {**init, **{f"x.{i}": x for i, x in enumerate(xs)}, **{f"y.{i}": y for i, y in enumerate(ys)}})
    results["mlp"] = run("mlp", mlp, torch.optim.Adam(mlp.parameters(), lr=1e-2), zip(xs, ys), F.cross_entropy)

    torch.manual_seed(2)
    cnn = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 8, 3), nn.ReLU(),
                        nn.Flatten(), nn.Linear(32, 10))
    teacher = torch.randn(64, 10)
    xs = [torch.randn(8, 1, 8, 8) for _ in range(STEPS)]
    ys = [(x.reshape(8, 64) @ teacher).argmax(1) for x in xs]
    init = {f"init.{k}": v.clone() for k, v in cnn.state_dict().items()}
    write_safetensors(f"{out}/cnn.safetensors", {**init, **{f"x.{i}": x for i, x in enumerate(xs)}, **{f"y.{i}": y for i, y in enumerate(ys)}})
    results["cnn"] = run("cnn", cnn, torch.optim.SGD(cnn.parameters(), lr=0.05, momentum=0.9), zip(xs, ys), F.cross_entropy)

    torch.manual_seed(3)
    vocab, seq = 16, 8
    gpt = GPT(vocab, 32, 2, 2, seq)
    # sequences counting up by a per-row stride: the next token is predictable from the context
    xs = []
    for _ in range(STEPS):
        start, stride = torch.randint(0, vocab, (4, 1)), torch.randint(1, 4, (4, 1))
        xs.append((start + stride * torch.arange(seq + 1)) % vocab)
    ys = [x[:, 1:].contiguous() for x in xs]
    xs = [x[:, :-1].contiguous() for x in xs]
    init = {f"init.{k}": v.clone() for k, v in gpt.state_dict().items()}
    write_safetensors(f"{out}/gpt.safetensors", {**init, **{f"x.{i}": x for i, x in enumerate(xs)}, **{f"y.{i}": y for i, y in enumerate(ys)}})
    opt = torch.optim.AdamW(gpt.parameters(), lr=3e-3, weight_decay=0.01)
    warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5)
    cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=STEPS - 5)
    sched = torch.optim.lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[5])
    results["gpt"] = run("gpt", gpt, opt, zip(xs, ys), lambda logits, y: F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1)),
                         sched=sched, clip=1.0)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
