#!/usr/bin/python3
"""The python3-torch half of the `torch` benchmark (bench/PostTrain.Benchmarks/TorchBenchmark.cs).

Same ops, shapes, models, optimiser and thread count as the C# half; prints one JSON object.
usage: /usr/bin/python3 bench/python/torch_bench.py THREADS CALLS STEPS [SHIM]
SHIM is libposttrain_torch.so: when given, the same op is also timed in a C++ loop inside the shim
(loaded with ctypes; it links the same libtorch as python3-torch), interleaved with the Python loop,
so the binding's own overhead can be told apart from libtorch's.
"""
import ctypes
import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

threads, calls, steps = (int(a) for a in sys.argv[1:4])
shim_path = sys.argv[4] if len(sys.argv) > 4 else None
torch.set_num_threads(threads)
torch.manual_seed(0)


def per_call_ns(fn, n):
    for _ in range(min(n, 10000)):
        fn()
    best = math.inf
    for _ in range(3):
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter_ns() - t0) / n)
    return best


a, b = torch.ones(1), torch.ones(1)
floor = {}
if shim_path:
    shim = ctypes.CDLL(shim_path)
    shape = (ctypes.c_int64 * 1)(1)
    na, nb = ctypes.c_void_p(), ctypes.c_void_p()
    for h in (na, nb):
        assert shim.pt_fill_new(2, shape, 1, 6, 0, 0, ctypes.c_double(0), 0, ctypes.byref(h)) == 0

    def native(op, n):
        ns = ctypes.c_double()
        assert shim.pt_bench_native_loop(op, na, nb, ctypes.c_int64(n), ctypes.byref(ns)) == 0
        return ns.value


def with_floor(fn, op, n, reps=7):
    """Best-of per-call time of fn, and of the same op in the shim's C++ loop, measured alternately."""
    for _ in range(min(n, 10000)):
        fn()
    best, best_floor = math.inf, math.inf
    for _ in range(reps):
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter_ns() - t0) / n)
        if shim_path:
            best_floor = min(best_floor, native(op, n))
    return best, best_floor


overhead_add, floor_add = with_floor(lambda: torch.add(a, b), 0, calls)
overhead_add_, floor_add_ = with_floor(lambda: a.add_(b), 1, calls)
overhead_dim = per_call_ns(lambda: a.dim(), calls)


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.n1, self.n2 = RMSNorm(d), RMSNorm(d)
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.o = nn.Linear(d, d, bias=False)
        self.gate = nn.Linear(d, 4 * d, bias=False)
        self.up = nn.Linear(d, 4 * d, bias=False)
        self.down = nn.Linear(4 * d, d, bias=False)

    def forward(self, x):
        B, T, D = x.shape
        q, k, v = self.qkv(self.n1(x)).view(B, T, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)
        # The math attention the C# shim uses on libtorch 1.13 (no fused SDPA there).
        s = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(D // self.heads))
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        s = s.masked_fill(causal.logical_not(), float("-inf"))
        att = torch.matmul(torch.softmax(s, -1), v)
        x = x + self.o(att.transpose(1, 2).reshape(B, T, D))
        h = self.n2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Transformer(nn.Module):
    def __init__(self, vocab, d, heads, layers):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.norm = RMSNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, ids):
        x = self.embed(ids)
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x))


def step_ms(model, make_loss, n):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)

    def step():
        loss = make_loss()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()

    for _ in range(5):
        step()
    times = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        step()
        times.append((time.perf_counter_ns() - t0) / 1e6)
    return statistics.median(times)


mlp = nn.Sequential(nn.Linear(128, 256), nn.GELU(), nn.Linear(256, 256), nn.GELU(), nn.Linear(256, 10))
mx, my = torch.randn(32, 128), torch.randint(0, 10, (32,))
mlp_ms = step_ms(mlp, lambda: F.cross_entropy(mlp(mx), my), steps)

V, D, H, L, B, T = 512, 64, 4, 2, 4, 32
tf = Transformer(V, D, H, L)
ids, labels = torch.randint(0, V, (B, T)), torch.randint(0, V, (B, T))
tf_ms = step_ms(tf, lambda: F.cross_entropy(tf(ids).view(-1, V), labels.view(-1)), steps)

print(json.dumps({"torch": torch.__version__, "threads": threads, "add_ns": overhead_add, "add_inplace_ns": overhead_add_, "dim_ns": overhead_dim,
                  "native_add_ns": floor_add, "native_add_inplace_ns": floor_add_,
                  "mlp_step_ms": mlp_ms, "transformer_step_ms": tf_ms}))
