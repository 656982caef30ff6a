#!/usr/bin/python3
"""Writes ops.json: inputs and PyTorch's outputs for every op PostTrain.Torch's golden tests check.

Run with Debian's python3-torch:  /usr/bin/python3 tests/PostTrain.Torch.Tests/golden/make_golden.py
Each case has named inputs and one or more named outputs, all as {dtype, shape, data}. The C# test
(GoldenOpTests) maps each case name to the same computation in PostTrain.Torch and compares.
"""
import json
import math
import os
import struct

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
DT = {torch.float32: "f32", torch.float64: "f64", torch.int64: "i64", torch.int32: "i32", torch.bool: "bool",
      torch.bfloat16: "bf16", torch.float16: "f16"}


def enc(t):
    t = t.detach()
    data = t.to(torch.float64 if t.dtype in (torch.bfloat16, torch.float16) else t.dtype).reshape(-1).tolist()
    if t.dtype == torch.bool:
        data = [1 if v else 0 for v in data]
    return {"dtype": DT[t.dtype], "shape": list(t.shape), "data": data}


cases = []


def case(name, inputs, fn, tol=1e-5):
    out = fn(**{k: v.clone() for k, v in inputs.items()})
    if not isinstance(out, dict):
        out = {"out": out}
    cases.append({"name": name, "tol": tol, "inputs": {k: enc(v) for k, v in inputs.items()},
                  "outputs": {k: enc(v) for k, v in out.items()}})


def rn(*shape):
    return torch.randn(*shape)


x23, y23, b3 = rn(2, 3), rn(2, 3), rn(3)
pos23 = rn(2, 3).abs() + 0.1
i23 = torch.tensor([[1, -2, 3], [4, 5, -6]])

# arithmetic and comparison
case("add", {"a": x23, "b": b3}, lambda a, b: a + b)
case("sub", {"a": x23, "b": y23}, lambda a, b: a - b)
case("mul", {"a": x23, "b": y23}, lambda a, b: a * b)
case("div", {"a": x23, "b": pos23}, lambda a, b: a / b)
case("add_scalar", {"a": x23}, lambda a: a + 2.5)
case("rsub_scalar", {"a": x23}, lambda a: 1.0 - a)
case("mul_scalar_int", {"a": i23}, lambda a: a * 3)
case("rdiv_scalar", {"a": pos23}, lambda a: 2.0 / a)
case("pow_scalar", {"a": pos23}, lambda a: a ** 1.5)
case("pow_tensor", {"a": pos23, "b": y23}, lambda a, b: torch.pow(a, b))
case("minimum", {"a": x23, "b": y23}, lambda a, b: torch.minimum(a, b))
case("maximum", {"a": x23, "b": y23}, lambda a, b: torch.maximum(a, b))
case("lt", {"a": x23, "b": y23}, lambda a, b: a < b)
case("ge_scalar", {"a": x23}, lambda a: a >= 0.0)
case("eq_int", {"a": i23, "b": torch.tensor([1, 5, 3])}, lambda a, b: a == b)
case("remainder_int", {"a": i23}, lambda a: a % 4)
case("floor_divide", {"a": x23 * 5, "b": pos23}, lambda a, b: torch.div(a, b, rounding_mode="floor"))
case("neg", {"a": x23}, lambda a: -a)
case("exp", {"a": x23}, lambda a: torch.exp(a))
case("log", {"a": pos23}, lambda a: torch.log(a))
case("sqrt", {"a": pos23}, lambda a: torch.sqrt(a))
case("rsqrt", {"a": pos23}, lambda a: torch.rsqrt(a))
case("abs", {"a": x23}, lambda a: torch.abs(a))
case("relu", {"a": x23}, lambda a: torch.relu(a))
case("silu", {"a": x23}, lambda a: F.silu(a))
case("gelu", {"a": x23}, lambda a: F.gelu(a))
case("gelu_tanh", {"a": x23}, lambda a: F.gelu(a, approximate="tanh"))
case("sigmoid", {"a": x23}, lambda a: torch.sigmoid(a))
case("tanh", {"a": x23}, lambda a: torch.tanh(a))
case("clamp", {"a": x23}, lambda a: a.clamp(-0.5, 0.5))
case("clamp_min", {"a": x23}, lambda a: a.clamp(min=0.1))
case("masked_fill", {"a": x23, "m": x23 > 0}, lambda a, m: a.masked_fill(m, -1e9))
case("where", {"c": x23 > 0, "a": x23, "b": y23}, lambda c, a, b: torch.where(c, a, b))
case("logical_and_or_not", {"a": x23 > 0, "b": y23 > 0},
     lambda a, b: {"and": a & b, "or": a | b, "not": ~a})

# matmul and nn functions
case("matmul_batched", {"a": rn(2, 3, 4), "b": rn(4, 5)}, lambda a, b: torch.matmul(a, b))
case("linear", {"x": rn(2, 3), "w": rn(4, 3), "b": rn(4)}, lambda x, w, b: F.linear(x, w, b))
case("linear_nobias", {"x": rn(2, 5, 3), "w": rn(4, 3)}, lambda x, w: F.linear(x, w))
case("embedding", {"w": rn(5, 3), "i": torch.tensor([[0, 2], [4, 1]])}, lambda w, i: F.embedding(i, w))
case("rms_norm", {"x": rn(2, 4), "w": rn(4)},
     lambda x, w: w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)))
case("layer_norm", {"x": rn(2, 4), "w": rn(4), "b": rn(4)}, lambda x, w, b: F.layer_norm(x, [4], w, b, 1e-5))
case("softmax", {"a": rn(3, 5)}, lambda a: torch.softmax(a, -1))
case("log_softmax", {"a": rn(3, 5)}, lambda a: torch.log_softmax(a, 1))
logits, target = rn(4, 6), torch.tensor([1, 0, -100, 5])
case("cross_entropy_mean_ignore", {"x": logits, "t": target}, lambda x, t: F.cross_entropy(x, t, ignore_index=-100))
case("cross_entropy_sum", {"x": logits, "t": torch.tensor([1, 0, 2, 5])}, lambda x, t: F.cross_entropy(x, t, reduction="sum"))
case("cross_entropy_none", {"x": logits, "t": target}, lambda x, t: F.cross_entropy(x, t, reduction="none"))
case("cross_entropy_smoothing", {"x": logits, "t": torch.tensor([1, 0, 2, 5])}, lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1))
case("cross_entropy_3d", {"x": rn(2, 6, 3), "t": torch.tensor([[1, 2, -100], [0, 5, 4]])}, lambda x, t: F.cross_entropy(x, t))


def attention(q, k, v, mask=None, causal=False):
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    L, S = q.shape[-2], k.shape[-2]
    allowed = torch.ones(L, S, dtype=torch.bool)
    if causal:
        allowed = allowed.tril()
    if mask is not None:
        allowed = allowed & mask
    s = s.masked_fill(~allowed, float("-inf"))
    return torch.softmax(s, -1) @ v


q, k, v = rn(2, 2, 4, 8), rn(2, 2, 4, 8), rn(2, 2, 4, 8)
pad = torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]], dtype=torch.bool).view(2, 1, 1, 4)
case("sdpa_plain", {"q": q, "k": k, "v": v}, lambda q, k, v: attention(q, k, v))
case("sdpa_causal", {"q": q, "k": k, "v": v}, lambda q, k, v: attention(q, k, v, causal=True))
case("sdpa_padding", {"q": q, "k": k, "v": v, "m": pad}, lambda q, k, v, m: attention(q, k, v, mask=m))
case("sdpa_causal_padding", {"q": q, "k": k, "v": v, "m": pad}, lambda q, k, v, m: attention(q, k, v, mask=m, causal=True))

# reductions
x234 = rn(2, 3, 4)
case("sum_all", {"a": x234}, lambda a: a.sum())
case("sum_dim_keep", {"a": x234}, lambda a: a.sum(1, keepdim=True))
case("mean_dims", {"a": x234}, lambda a: a.mean([0, 2]))
case("mean_all", {"a": x234}, lambda a: a.mean())
case("max_all", {"a": x234}, lambda a: a.max())
case("max_dim", {"a": x234}, lambda a: dict(zip(["values", "indices"], a.max(2))))
case("min_dim", {"a": x234}, lambda a: dict(zip(["values", "indices"], a.min(0))))
case("argmax_dim", {"a": x234}, lambda a: a.argmax(-1))
case("argmax_all", {"a": x234}, lambda a: a.argmax())
case("logsumexp", {"a": x234}, lambda a: torch.logsumexp(a, 1))
case("cumsum", {"a": x234}, lambda a: torch.cumsum(a, 2))
case("cumsum_int", {"a": i23}, lambda a: torch.cumsum(a, 1))
case("norm", {"a": x234}, lambda a: a.norm())
case("topk", {"a": rn(3, 6)}, lambda a: dict(zip(["values", "indices"], torch.topk(a, 2, -1))))
case("sort_desc", {"a": rn(3, 6)}, lambda a: dict(zip(["values", "indices"], torch.sort(a, -1, descending=True))))

case("std_dim", {"a": x234}, lambda a: a.std(1))
case("std_all_biased", {"a": x234}, lambda a: a.std(unbiased=False))
case("var_dims_keep", {"a": x234}, lambda a: a.var([0, 2], keepdim=True))

# views and indexing
case("transpose", {"a": x234}, lambda a: a.transpose(0, 2).contiguous())
case("permute", {"a": x234}, lambda a: a.permute(2, 0, 1).contiguous())
case("narrow", {"a": x234}, lambda a: a.narrow(2, 1, 2).contiguous())
case("select", {"a": x234}, lambda a: a.select(1, 2).contiguous())
case("slice_step", {"a": rn(7, 2)}, lambda a: a[1:6:2].contiguous())
case("unsqueeze", {"a": x23}, lambda a: a.unsqueeze(1))
case("squeeze", {"a": rn(2, 1, 3, 1)}, lambda a: a.squeeze())
case("squeeze_dim", {"a": rn(2, 1, 3, 1)}, lambda a: a.squeeze(1))
case("expand", {"a": rn(3, 1)}, lambda a: a.expand(3, 4).contiguous())
case("reshape", {"a": x234}, lambda a: a.reshape(4, -1))
case("view", {"a": x234}, lambda a: a.view(6, 4))
case("flatten", {"a": x234}, lambda a: a.flatten(1))
case("cat", {"a": x23, "b": y23}, lambda a, b: torch.cat([a, b], 1))
case("stack", {"a": x23, "b": y23}, lambda a, b: torch.stack([a, b], 0))
case("split", {"a": rn(5, 2)}, lambda a: {f"p{i}": p.contiguous() for i, p in enumerate(torch.split(a, 2, 0))})
case("chunk", {"a": rn(2, 7)}, lambda a: {f"p{i}": p.contiguous() for i, p in enumerate(torch.chunk(a, 3, 1))})
case("gather", {"a": rn(3, 4), "i": torch.tensor([[0, 3], [1, 1], [2, 0]])}, lambda a, i: a.gather(1, i))
case("index_select", {"a": rn(4, 3), "i": torch.tensor([3, 0, 3])}, lambda a, i: a.index_select(0, i))
case("tril", {"a": rn(4, 4)}, lambda a: a.tril())
case("triu_1", {"a": rn(4, 4)}, lambda a: a.triu(1))
case("scatter_add", {"a": torch.zeros(2, 4), "i": torch.tensor([[0, 1, 0], [3, 3, 2]]), "s": rn(2, 3)},
     lambda a, i, s: a.scatter_add(1, i, s))

case("scatter", {"a": torch.zeros(2, 4), "i": torch.tensor([[3, 0], [1, 2]]), "s": rn(2, 2)},
     lambda a, i, s: a.scatter(1, i, s))

# dtypes
case("to_bf16", {"a": rn(8)}, lambda a: a.to(torch.bfloat16))
case("to_f16", {"a": rn(8)}, lambda a: a.to(torch.float16))
case("to_i64", {"a": rn(8) * 10}, lambda a: a.to(torch.int64))
case("bf16_matmul", {"a": rn(4, 8).to(torch.bfloat16), "b": rn(8, 3).to(torch.bfloat16)}, lambda a, b: a @ b, tol=2e-2)

# autograd: gradients of a small MLP with cross entropy
w1, b1, w2 = rn(5, 3), rn(5), rn(4, 5)
xm, tm = rn(6, 3), torch.tensor([0, 3, 1, 2, 2, 0])


def mlp_grads(x, t, w1, b1, w2):
    for p in (w1, b1, w2):
        p.requires_grad_(True)
    loss = F.cross_entropy(F.linear(F.silu(F.linear(x, w1, b1)), w2), t)
    loss.backward()
    return {"loss": loss, "w1": w1.grad, "b1": b1.grad, "w2": w2.grad}


case("mlp_grads", {"x": xm, "t": tm, "w1": w1, "b1": b1, "w2": w2}, mlp_grads)

# AdamW: three steps with given gradients
p0, gs = rn(3, 2), [rn(3, 2) for _ in range(3)]


def adamw(p, g0, g1, g2):
    p.requires_grad_(True)
    opt = torch.optim.AdamW([p], lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
    for g in (g0, g1, g2):
        p.grad = g.clone()
        opt.step()
    st = opt.state[p]
    return {"p": p, "exp_avg": st["exp_avg"], "exp_avg_sq": st["exp_avg_sq"]}


case("adamw_3_steps", {"p": p0, "g0": gs[0], "g1": gs[1], "g2": gs[2]}, adamw)


def clip(a, b, ga, gb):
    a.requires_grad_(True)
    b.requires_grad_(True)
    a.grad, b.grad = ga.clone(), gb.clone()
    total = torch.nn.utils.clip_grad_norm_([a, b], 1.0)
    return {"total": total, "ga": a.grad, "gb": b.grad}


case("clip_grad_norm", {"a": rn(3), "b": rn(2, 2), "ga": rn(3) * 3, "gb": rn(2, 2) * 3}, clip)

# seeded generators: libtorch's CPU generator, same seed, same numbers
g = torch.Generator().manual_seed(42)
seeded = {"randn": torch.randn(3, 4, generator=g)}
g = torch.Generator().manual_seed(7)
seeded["rand"] = torch.rand(5, generator=g)
g = torch.Generator().manual_seed(3)
seeded["multinomial"] = torch.multinomial(torch.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]]), 4, replacement=True, generator=g)
cases.append({"name": "seeded_random", "tol": 1e-6, "inputs": {}, "outputs": {k: enc(v) for k, v in seeded.items()}})

# A safetensors file written by an independent, minimal writer of the published format (unsorted keys,
# no header padding, metadata), read back by the C# reader and compared with the same values here.
def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    codes = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}
    for name, t in tensors.items():
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).contiguous().numpy().tobytes()
        header[name] = {"dtype": codes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


st = {"z.weight": rn(3, 2), "a.half": rn(4).to(torch.float16), "m.bf16": rn(2, 2).to(torch.bfloat16),
      "ids": torch.tensor([[1, -2], [3, 1 << 40]]), "empty": torch.zeros(0, 3)}
write_safetensors(os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.safetensors"), st, {"format": "pt"})
cases.append({"name": "safetensors_reference", "tol": 0, "inputs": {}, "outputs": {k: enc(v) for k, v in st.items()}})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ops.json")
with open(out, "w") as f:
    json.dump({"torch_version": torch.__version__, "cases": cases}, f, indent=None, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {out}")
