#!/usr/bin/python3
# safetensors_torch.py — the PyTorch side of test/io/safetensors-torch.test.ts. The `safetensors`
# Python package is not installed here, so the format is written and read by hand from torch tensors
# (struct + json + raw little-endian bytes; bfloat16 through an int16 view). Never downloads anything.
#
#   write PATH  writes torch tensors of every dtype (views written contiguous, names in reverse order,
#               so offsets are NOT in the reference order) with __metadata__ {"format": "pt"}
#   read PATH   reads a file with the checks the reference reader makes
# Both print {"torch": version, "tensors": {name: {"dtype", "shape", "values"}}, "metadata", "order"}.
# Values: floats as JSON numbers, with "nan", "inf", "-inf", "-0" as strings; int64 as decimal
# strings (exact beyond 2^53); bools as 0/1.
import json
import math
import struct
import sys

import torch

ST = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
      torch.int32: "I32", torch.int64: "I64", torch.uint8: "U8", torch.bool: "BOOL"}
FROM_ST = {v: k for k, v in ST.items()}


def dtype_name(dt):
    return str(dt).replace("torch.", "")


def raw_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)  # numpy has no bfloat16
    return t.numpy().tobytes() if t.numel() else b""


def from_bytes(buf, dt, shape):
    if len(buf) == 0:
        return torch.zeros(shape, dtype=dt)
    b = bytearray(buf)
    if dt == torch.bfloat16:
        t = torch.frombuffer(b, dtype=torch.int16).view(torch.bfloat16)
    elif dt == torch.bool:
        t = torch.frombuffer(b, dtype=torch.uint8).bool()
    else:
        t = torch.frombuffer(b, dtype=dt)
    return t.clone().reshape(shape)


def fenc(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0 and math.copysign(1.0, v) < 0:
        return "-0"
    return v


def encode(t):
    flat = t.reshape(-1)
    if t.dtype == torch.bool:
        vals = [int(v) for v in flat.tolist()]
    elif t.dtype.is_floating_point:
        vals = [fenc(v) for v in flat.double().tolist()]
    elif t.dtype == torch.int64:
        vals = [str(v) for v in flat.tolist()]
    else:
        vals = flat.tolist()
    return {"dtype": dtype_name(t.dtype), "shape": list(t.shape), "values": vals}


def make():
    torch.manual_seed(0)
    special = [0.0, -0.0, 1.0, -2.5, float("inf"), float("-inf"), float("nan"), 65504.0, 6e-8, 1 / 3]
    base = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
    return {
        "model.embed.weight": torch.randn(5, 7),
        "f64": torch.randn(3, 2, dtype=torch.float64) * 1e100,
        "f16.special": torch.tensor(special, dtype=torch.float16),
        "bf16.special": torch.tensor(special[:7] + [3.0e38, 1e-39, 1 / 3], dtype=torch.bfloat16),
        "bf16.randn": torch.randn(4, 4).bfloat16(),
        "i32": torch.tensor([-(2 ** 31), 2 ** 31 - 1, 0, -7], dtype=torch.int32).reshape(2, 2),
        "i64": torch.tensor([-(2 ** 63), 2 ** 63 - 1, 2 ** 53 + 1, -1], dtype=torch.int64),
        "u8": torch.tensor([0, 1, 128, 255], dtype=torch.uint8),
        "mask": torch.tensor([[True, False], [False, True], [True, True]]),
        "transposed": base.permute(2, 0, 1),  # a view: written contiguous
        "scalar": torch.tensor(2.5, dtype=torch.float64),
        "empty": torch.zeros(0, 3, dtype=torch.float16),
    }


def write(path):
    tensors = make()
    header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors, reverse=True):
        t = tensors[name]
        data = raw_bytes(t)
        header[name] = {"dtype": ST[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)
    return tensors, {"format": "pt"}, list(header)[1:]


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    assert n % 8 == 0, "header length not a multiple of 8"
    text = blob[8:8 + n].decode("utf-8")
    assert text.startswith("{") and text.rstrip(" ").endswith("}"), "header: JSON padded with spaces"
    header = json.loads(text)
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", None)
    order = list(header)
    pos, tensors = 0, {}
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        b, e = info["data_offsets"]
        assert b == pos, f"{name}: begins at {b}, expected {pos}"
        dt = FROM_ST[info["dtype"]]
        numel = math.prod(info["shape"])
        assert e - b == numel * torch.tensor([], dtype=dt).element_size(), f"{name}: byte length"
        assert b % torch.tensor([], dtype=dt).element_size() == 0, f"{name}: misaligned"
        tensors[name] = from_bytes(data[b:e], dt, info["shape"])
        pos = e
    assert pos == len(data), "data section not fully covered"
    return tensors, metadata, order


def main():
    mode, path = sys.argv[1], sys.argv[2]
    tensors, metadata, order = write(path) if mode == "write" else read(path)
    print(json.dumps({"torch": torch.__version__, "metadata": metadata, "order": order,
                      "tensors": {k: encode(v) for k, v in tensors.items()}}))


if __name__ == "__main__":
    main()
