#!/usr/bin/python3
# nn_torch.py — the PyTorch side of test/nn/nn-torch.test.ts: for every case, builds the torch module
# (if any), loads the state dict the test exported from nodetensor's module (strict, so key names and
# shapes must be PyTorch's), evaluates the case's expression, and returns the outputs, the gradients
# (of sum_i <out_i, c_i> with fixed weights c_i) wrt the listed inputs and every parameter, the buffers
# after the forward, the module's repr and its state-dict keys. One process serves the whole file.
# Not here: comparisons or tolerances (the test). Never downloads anything.
#
# stdin:  {"cases": [{"id", "inputs": {name: spec}, "grad_inputs": [name], "module": str | null,
#           "state": {key: spec} | null, "train": bool, "expr": str, "grad": bool}]}
# stdout: {"torch": version, "results": {id: {"outputs": [spec | null], "grads": {name: spec | null},
#           "param_grads": {key: spec | null}, "buffers": {key: spec}, "repr": str, "keys": [str]}
#           | {"error": text}}}
# A spec is {"dtype", "shape", "b64"}: raw little-endian bytes; bool travels as one byte per element
# (test/helpers/oracle_io.py).
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F  # noqa: N812

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
from oracle_io import decode, encode, serve  # noqa: E402 - the shared wire format


def weights_for(o, i):
    n = o.numel()
    return (torch.arange(n, dtype=torch.float64) * 0.37 + (i + 1)).sin().reshape(o.shape)


# ---------------------------------------------------------------- reference modules

class RMSNorm(nn.Module):
    """PyTorch 2.4's nn.RMSNorm (torch 1.13 has none)."""

    def __init__(self, shape, eps=None, elementwise_affine=True):
        super().__init__()
        self.normalized_shape = (shape,) if isinstance(shape, int) else tuple(shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(self.normalized_shape))
        else:
            self.register_parameter("weight", None)

    def forward(self, x):
        dims = tuple(range(-len(self.normalized_shape), 0))
        eps = self.eps if self.eps is not None else torch.finfo(x.dtype).eps
        y = x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + eps)
        return y * self.weight if self.weight is not None else y

    def extra_repr(self):
        return "{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}".format(**self.__dict__)


def sdpa(q, k, v, attn_mask=None, is_causal=False, scale=None):
    """PyTorch 2's F.scaled_dot_product_attention reference (without dropout)."""
    L, S = q.size(-2), k.size(-2)
    sc = 1 / math.sqrt(q.size(-1)) if scale is None else scale
    s = q @ k.transpose(-2, -1) * sc
    if is_causal:
        s = s.masked_fill(torch.ones(L, S, dtype=torch.bool).tril().logical_not(), float("-inf"))
    if attn_mask is not None:
        s = s.masked_fill(attn_mask.logical_not(), float("-inf")) if attn_mask.dtype == torch.bool else s + attn_mask
    return torch.softmax(s, -1) @ v


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, h, batch_first=True)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, mask=None):
        h = self.ln1(x)
        a, _ = self.attn(h, h, h, attn_mask=mask, need_weights=False)
        x = x + a
        return x + self.mlp(self.ln2(x))


class TinyTransformer(nn.Module):
    def __init__(self, vocab, d, h, layers):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList([Block(d, h) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, idx):
        t = idx.shape[1]
        mask = torch.ones(t, t, dtype=torch.bool).triu(1)
        x = self.emb(idx)
        for b in self.blocks:
            x = b(x, mask)
        return self.head(self.ln(x))


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(4, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.AvgPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(8, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def clip_norm(grads, max_norm, norm_type):
    ps = []
    for g in grads:
        p = torch.zeros_like(g, requires_grad=True)
        p.grad = g.clone()
        ps.append(p)
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
    return [total] + [p.grad for p in ps]


# ---------------------------------------------------------------- cases

def run_case(case):
    ns = {"torch": torch, "F": F, "nn": nn, "math": math, "RMSNorm": RMSNorm, "sdpa": sdpa, "Block": Block,
          "TinyTransformer": TinyTransformer, "CNN": CNN, "clip_norm": clip_norm}
    res = {}
    for name, spec in case.get("inputs", {}).items():
        t = decode(spec)
        if name in case.get("grad_inputs", []):
            t.requires_grad_(True)
        ns[name] = t
    mod = None
    if case.get("module"):
        torch.manual_seed(0)
        mod = eval(case["module"], ns)  # noqa: S307 - the test's own expressions
        mod.train(case.get("train", True))
        res["repr"] = repr(mod)
        res["keys"] = list(mod.state_dict().keys())
        if case.get("state") is not None:
            sd = {k: decode(v) for k, v in case["state"].items()}
            mod.load_state_dict(sd, strict=True)
        ns["mod"] = mod
    expr = case["expr"]
    if expr.startswith("exec:"):
        exec(expr[5:], ns)  # noqa: S102
        out = ns["out"]
    else:
        out = eval(expr, ns)  # noqa: S307
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    res["outputs"] = [encode(o) for o in outs]
    if case.get("grad"):
        loss = None
        for i, o in enumerate(outs):
            if o is not None and o.requires_grad:
                term = (o.double() * weights_for(o, i)).sum()
                loss = term if loss is None else loss + term
        if loss is not None:
            loss.backward()
        res["grads"] = {n: encode(ns[n].grad) for n in case.get("grad_inputs", [])}
        if mod is not None:
            res["param_grads"] = {k: encode(p.grad) for k, p in mod.named_parameters()}
    if mod is not None:
        res["buffers"] = {k: encode(b) for k, b in mod.named_buffers()}
    return res


if __name__ == "__main__":
    serve(run_case)
