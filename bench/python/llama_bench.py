#!/usr/bin/python3
"""The python3-torch side of the generation, rollout and SFT benchmarks (bench/PostTrain.Benchmarks).

An independent eager Llama written the way Hugging Face transformers writes it (nn.Linear projections, RMS norm
in float32, half-split rotary embedding, grouped-query attention by expand + reshape, a preallocated KV cache,
logits of the last position only while generating), loading the C# model's own weights from its checkpoint
directory (config.json + model.safetensors, read with struct + torch.frombuffer; no safetensors package).

It is a long-lived worker so the C# benchmark can alternate rounds with it without reloading: it reads one JSON
command per line on stdin and answers one JSON line on stdout.

  {"cmd": "load", "dir": DIR, "threads": N}                         -> {"parameters": N}
  {"cmd": "generate", "prompts": [[ids]], "max_new_tokens": N, "temperature": T, "top_k": K,
   "eos": [ids], "pad": ID, "seed": S}                              -> {"seconds": s, "tokens": [[ids]], "logprobs": [[..]]}
  {"cmd": "sft", "dir": DIR, "data": JSON_PATH, "lr": .., "beta2": .., "weight_decay": .., "max_grad_norm": .., "pad": ID, "max_steps": N,
   "bf16": false}                                                   (bf16: forward and loss under CPU bf16 autocast)
                                                                     -> {"step_seconds": [..], "step_cpu_seconds": [..], "losses": [..], "tokens": [..]}
  {"cmd": "quit"}
"""
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64}
IGNORE = -100


def read_safetensors(path):
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        data = bytearray(f.read())
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        t = torch.frombuffer(data, dtype=dtype, offset=start, count=(end - start) // torch.tensor([], dtype=dtype).element_size())
        tensors[name] = t.reshape(info["shape"]).clone()
    return tensors


class RmsNorm(nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg, index):
        super().__init__()
        hidden = cfg["hidden_size"]
        self.heads = cfg["num_attention_heads"]
        self.kv_heads = cfg.get("num_key_value_heads", self.heads)
        self.head_dim = cfg.get("head_dim") or hidden // self.heads
        self.index = index
        self.q_proj = nn.Linear(hidden, self.heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(hidden, self.kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(hidden, self.kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.heads * self.head_dim, hidden, bias=False)

    def forward(self, x, cos, sin, mask, cache):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            k, v = cache.append(self.index, k, v)
        if self.heads != self.kv_heads:
            group = self.heads // self.kv_heads
            s = k.shape[2]
            k = k[:, :, None].expand(b, self.kv_heads, group, s, self.head_dim).reshape(b, self.heads, s, self.head_dim)
            v = v[:, :, None].expand(b, self.kv_heads, group, s, self.head_dim).reshape(b, self.heads, s, self.head_dim)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        scores = scores.masked_fill(~mask, float("-inf"))
        out = torch.matmul(scores.softmax(-1), v)
        return self.o_proj(out.transpose(1, 2).reshape(b, t, self.heads * self.head_dim))


class Mlp(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        hidden, inter = cfg["hidden_size"], cfg["intermediate_size"]
        self.gate_proj = nn.Linear(hidden, inter, bias=False)
        self.up_proj = nn.Linear(hidden, inter, bias=False)
        self.down_proj = nn.Linear(inter, hidden, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, cfg, index):
        super().__init__()
        eps = cfg.get("rms_norm_eps", 1e-6)
        self.self_attn = Attention(cfg, index)
        self.mlp = Mlp(cfg)
        self.input_layernorm = RmsNorm(cfg["hidden_size"], eps)
        self.post_attention_layernorm = RmsNorm(cfg["hidden_size"], eps)

    def forward(self, x, cos, sin, mask, cache):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, cache)
        return x + self.mlp(self.post_attention_layernorm(x))


class Body(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList(Layer(cfg, i) for i in range(cfg["num_hidden_layers"]))
        self.norm = RmsNorm(cfg["hidden_size"], cfg.get("rms_norm_eps", 1e-6))


class KvCache:
    """Keys and values per layer, preallocated to a capacity and written in place."""

    def __init__(self, cfg, batch, capacity, head_dim):
        kv = cfg.get("num_key_value_heads", cfg["num_attention_heads"])
        n = cfg["num_hidden_layers"]
        self.keys = [torch.zeros(batch, kv, capacity, head_dim) for _ in range(n)]
        self.values = [torch.zeros(batch, kv, capacity, head_dim) for _ in range(n)]
        self.length = 0

    def append(self, layer, k, v):
        t = k.shape[2]
        self.keys[layer][:, :, self.length:self.length + t] = k
        self.values[layer][:, :, self.length:self.length + t] = v
        return self.keys[layer][:, :, :self.length + t], self.values[layer][:, :, :self.length + t]


class Llama(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.model = Body(cfg)
        self.tied = cfg.get("tie_word_embeddings", False)
        if not self.tied:
            self.lm_head = nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)
        head_dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
        self.head_dim = head_dim
        theta = cfg.get("rope_theta", 10000.0)
        self.inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)).float()

    def output_weight(self):
        return self.model.embed_tokens.weight if self.tied else self.lm_head.weight

    def hidden(self, ids, attention_mask, cache=None):
        """attention_mask [b, past + t]: 1 real, 0 padding. Positions count real tokens; a query sees earlier real keys and itself."""
        b, t = ids.shape
        past = cache.length if cache is not None else 0
        positions = (attention_mask.cumsum(-1) - 1).clamp(min=0)[:, past:past + t]
        angles = positions[:, :, None].float() * self.inv_freq[None, None, :]
        emb = torch.cat((angles, angles), dim=-1)[:, None]
        cos, sin = emb.cos(), emb.sin()
        keys = torch.arange(past + t)[None, :]
        queries = (torch.arange(t) + past)[:, None]
        mask = ((keys <= queries)[None] & (attention_mask != 0)[:, None, :]) | (keys == queries)[None]
        mask = mask[:, None]
        x = self.model.embed_tokens(ids)
        for layer in self.model.layers:
            x = layer(x, cos, sin, mask, cache)
        if cache is not None:
            cache.length += t
        return self.model.norm(x)

    def forward(self, ids, attention_mask):
        return F.linear(self.hidden(ids, attention_mask), self.output_weight())


def load(directory):
    with open(os.path.join(directory, "config.json")) as f:
        cfg = json.load(f)
    weights = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".safetensors") and not name.startswith("optimizer"):
            weights.update(read_safetensors(os.path.join(directory, name)))
    model = Llama(cfg)
    missing, unexpected = model.load_state_dict({k: v.float() for k, v in weights.items()}, strict=False)
    missing = [m for m in missing if not (model.tied and m == "lm_head.weight")]
    if missing or unexpected:
        raise ValueError(f"weights do not match the model: missing {missing}, unexpected {unexpected}")
    return model


def top_k_filter(logits, k):
    if 0 < k < logits.shape[-1]:
        kth = torch.topk(logits, k, dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    return logits


@torch.no_grad()
def generate(model, prompts, max_new_tokens, temperature, top_k, eos, pad, seed):
    """Left-pads, prefills once, then decodes one token per step with the cache; rows that hit EOS emit padding."""
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    batch = len(prompts)
    length = max(len(p) for p in prompts)
    ids = torch.tensor([[pad] * (length - len(p)) + list(p) for p in prompts], dtype=torch.int64)
    attention = torch.tensor([[0] * (length - len(p)) + [1] * len(p) for p in prompts], dtype=torch.int64)
    cache = KvCache(model.cfg, batch, length + max_new_tokens, model.head_dim)
    eos = set(eos)
    tokens = [[] for _ in range(batch)]
    logprobs = [[] for _ in range(batch)]
    finished = [False] * batch
    step_input = ids
    for _ in range(max_new_tokens):
        hidden = model.hidden(step_input, attention, cache)
        logits = F.linear(hidden[:, -1], model.output_weight()).float()
        if temperature == 0:
            chosen = logits.argmax(-1, keepdim=True)
            scores = logits.log_softmax(-1).gather(-1, chosen)
        else:
            scaled = logits / temperature
            chosen = torch.multinomial(top_k_filter(scaled, top_k).softmax(-1), 1, generator=generator)
            scores = scaled.log_softmax(-1).gather(-1, chosen)
        chosen_list = chosen.squeeze(-1).tolist()
        score_list = scores.squeeze(-1).tolist()
        for row in range(batch):
            if finished[row]:
                chosen_list[row] = pad
                continue
            tokens[row].append(chosen_list[row])
            logprobs[row].append(score_list[row])
            if chosen_list[row] in eos:
                finished[row] = True
        if all(finished):
            break
        step_input = torch.tensor(chosen_list, dtype=torch.int64)[:, None]
        attention = torch.cat((attention, torch.ones(batch, 1, dtype=torch.int64)), dim=1)
    return tokens, logprobs


def collate(sequences, pad):
    """Right-pads to the longest sequence; targets are the next token's label (or -100)."""
    length = max(len(s["ids"]) for s in sequences)
    ids, targets, mask = [], [], []
    for s in sequences:
        n = len(s["ids"])
        ids.append(s["ids"] + [pad] * (length - n))
        mask.append([1] * n + [0] * (length - n))
        targets.append(s["labels"][1:] + [IGNORE] * (length - n + 1))
    target_count = sum(1 for row in targets for x in row if x != IGNORE)
    return torch.tensor(ids), torch.tensor(targets), torch.tensor(mask), target_count, sum(len(s["ids"]) for s in sequences)


def sft(model, data_path, lr, beta2, weight_decay, max_grad_norm, pad, max_steps=None, bf16=False):
    with open(data_path) as f:
        steps = json.load(f)["steps"][:max_steps]
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr, betas=(0.9, beta2), eps=1e-8, weight_decay=weight_decay)
    seconds, cpu, losses, tokens = [], [], [], []
    for batch in steps:
        start = time.perf_counter()
        cpu_start = time.process_time()
        ids, targets, mask, target_count, token_count = collate(batch, pad)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(ids, mask).float()
            loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1), reduction="sum", ignore_index=IGNORE) / max(1, target_count)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        value = loss.item()
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
        losses.append(value)
        tokens.append(token_count)
    return seconds, cpu, losses, tokens


def main():
    model = None
    for line in sys.stdin:
        cmd = json.loads(line)
        kind = cmd["cmd"]
        if kind == "quit":
            break
        if kind == "load":
            torch.set_num_threads(cmd["threads"])
            model = load(cmd["dir"])
            reply = {"parameters": sum(p.numel() for p in model.parameters()), "threads": torch.get_num_threads()}
        elif kind == "generate":
            start = time.perf_counter()
            tokens, logprobs = generate(model, cmd["prompts"], cmd["max_new_tokens"], cmd["temperature"], cmd["top_k"], cmd["eos"], cmd["pad"], cmd["seed"])
            reply = {"seconds": time.perf_counter() - start, "tokens": tokens, "logprobs": logprobs}
        elif kind == "sft":
            model = load(cmd["dir"])  # fresh weights: every round starts from the same checkpoint
            seconds, cpu, losses, tokens = sft(model, cmd["data"], cmd["lr"], cmd["beta2"], cmd["weight_decay"], cmd["max_grad_norm"], cmd["pad"], cmd.get("max_steps"), cmd.get("bf16", False))
            reply = {"step_seconds": seconds, "step_cpu_seconds": cpu, "losses": losses, "tokens": tokens}
        else:
            reply = {"error": f"unknown command {kind}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
