#!/usr/bin/python3
"""An independent python3-torch forward pass of the Llama family, the oracle for PostTrain's C# model.

Written from the published architecture descriptions (Llama 2/3, Qwen2, Qwen3, Mistral), not from the C#
code, so the two implementations only agree if both are right. Reads a Hugging Face checkpoint directory
(config.json + *.safetensors, read here with a few lines of plain Python) and token ids, and writes the
logits as a float32 safetensors file.

usage: reference_llama.py CHECKPOINT_DIR IDS_JSON OUT.safetensors
  IDS_JSON: a JSON list of equal-length lists of token ids (a batch)
"""
import json
import math
import os
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        buf = bytearray(data[start:end])
        t = torch.frombuffer(buf, dtype=DTYPES[info["dtype"]]) if buf else torch.empty(0, dtype=DTYPES[info["dtype"]])
        tensors[name] = t.reshape(info["shape"]).to(torch.float64)
    return tensors


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        raw = t.contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_weights(directory):
    weights = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".safetensors"):
            weights.update(read_safetensors(os.path.join(directory, name)))
    return weights


def rms_norm(x, weight, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def inverse_frequencies(cfg, head_dim):
    theta = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    scaling = cfg.get("rope_scaling")
    if scaling and scaling.get("rope_type", scaling.get("type")) == "llama3":
        factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
        original = scaling["original_max_position_embeddings"]
        low_wavelen, high_wavelen = original / low, original / high
        out = []
        for f in inv.tolist():
            wavelen = 2 * math.pi / f
            if wavelen < high_wavelen:
                out.append(f)
            elif wavelen > low_wavelen:
                out.append(f / factor)
            else:
                smooth = (original / wavelen - low) / (high - low)
                out.append((1 - smooth) * f / factor + smooth * f)
        inv = torch.tensor(out, dtype=torch.float64)
    return inv


def rotate(x, cos, sin):
    # Hugging Face convention: the head is split in two halves, (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin).
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def layer_window(cfg, layer):
    """The sliding window of a layer, or None for full causal attention (Hugging Face's reading of the config)."""
    window = cfg.get("sliding_window")
    if cfg["model_type"] == "mistral":
        return window
    if cfg["model_type"] in ("qwen2", "qwen3") and cfg.get("use_sliding_window"):
        return window if layer >= cfg.get("max_window_layers", 28) else None
    return None


def forward(cfg, w, ids):
    kind = cfg["model_type"]
    hidden = cfg["hidden_size"]
    heads = cfg["num_attention_heads"]
    kv_heads = cfg.get("num_key_value_heads", heads)
    head_dim = cfg.get("head_dim") or hidden // heads
    eps = cfg.get("rms_norm_eps", 1e-6)
    batch, seq = ids.shape

    x = w["model.embed_tokens.weight"][ids]
    positions = torch.arange(seq, dtype=torch.float64)
    angles = torch.outer(positions, inverse_frequencies(cfg, head_dim))  # [seq, head_dim/2]
    cos, sin = angles.cos(), angles.sin()
    causal = torch.ones(seq, seq, dtype=torch.bool).tril()

    def linear(v, name):
        out = v @ w[name + ".weight"].T
        if name + ".bias" in w:
            out = out + w[name + ".bias"]
        return out

    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = linear(h, p + "self_attn.q_proj").view(batch, seq, heads, head_dim)
        k = linear(h, p + "self_attn.k_proj").view(batch, seq, kv_heads, head_dim)
        v = linear(h, p + "self_attn.v_proj").view(batch, seq, kv_heads, head_dim)
        if kind == "qwen3":
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q = rotate(q, cos[None, :, None, :], sin[None, :, None, :])
        k = rotate(k, cos[None, :, None, :], sin[None, :, None, :])
        group = heads // kv_heads
        k = k.repeat_interleave(group, dim=2)
        v = v.repeat_interleave(group, dim=2)
        scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(head_dim)
        allowed = causal
        window = layer_window(cfg, i)
        if window is not None:
            q_idx = torch.arange(seq)[:, None]
            k_idx = torch.arange(seq)[None, :]
            allowed = causal & (k_idx > q_idx - window)
        scores = scores.masked_fill(~allowed, float("-inf"))
        attn = torch.einsum("bhqk,bkhd->bqhd", scores.softmax(-1), v).reshape(batch, seq, heads * head_dim)
        x = x + linear(attn, p + "self_attn.o_proj")
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = linear(h, p + "mlp.gate_proj")
        up = linear(h, p + "mlp.up_proj")
        x = x + linear(torch.nn.functional.silu(gate) * up, p + "mlp.down_proj")

    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
    return x @ head.T


def main():
    directory, ids_json, out = sys.argv[1:4]
    with open(os.path.join(directory, "config.json")) as f:
        cfg = json.load(f)
    with open(ids_json) as f:
        rows = json.load(f)
    weights = load_weights(directory)
    outputs = {}
    with torch.no_grad():
        for i, row in enumerate(rows):
            outputs[f"row{i}"] = forward(cfg, weights, torch.tensor([row], dtype=torch.int64))
        if len({len(row) for row in rows}) == 1:
            outputs["logits"] = forward(cfg, weights, torch.tensor(rows, dtype=torch.int64))
    write_safetensors(out, outputs)


if __name__ == "__main__":
    main()
