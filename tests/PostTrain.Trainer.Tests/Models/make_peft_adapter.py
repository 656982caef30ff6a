#!/usr/bin/python3
"""Writes a PEFT LoRA adapter directory for a base checkpoint, independently of PostTrain's writer, plus the
expected results computed here in float64.

The layout follows PEFT's documentation and what `PeftModel.save_pretrained` writes (PEFT is not installed here,
so the files are written by hand):
  adapter_config.json        {"peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": ..., "r", ...}
  adapter_model.safetensors  base_model.model.<module path>.lora_A.weight [r, in] and .lora_B.weight [out, r]
and PEFT's forward for a LoRA linear layer: y = x W^T + b + scaling * (x A^T) B^T, scaling = lora_alpha / r
(lora_alpha / sqrt(r) with use_rslora), i.e. the merged weight is W + scaling * B @ A.

usage: make_peft_adapter.py BASE_DIR ADAPTER_DIR MERGED_DIR EXPECTED.safetensors R ALPHA USE_RSLORA TARGETS SEED DTYPE
  TARGETS: comma-separated module names, or all-linear (written as PEFT writes that shorthand: the string itself)
  DTYPE: F32 or BF16, how the adapter tensors are stored
  MERGED_DIR: gets config.json and model.safetensors with every target weight merged (float32)
  EXPECTED: the merged target weights under their model names, and for each target of layer 0 an input
            "x:<name>" [3, in] with the output "y:<name>" = x (W + scaling B A)^T + b
"""
import json
import math
import os
import shutil
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64}
ATTENTION = ["q_proj", "k_proj", "v_proj", "o_proj"]
MLP = ["gate_proj", "up_proj", "down_proj"]


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
        tensors[name] = t.reshape(info["shape"])
    return tensors


def raw_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def write_safetensors(path, tensors, dtype_name):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        raw = raw_bytes(tensors[name].to(DTYPES[dtype_name]))
        header[name] = {"dtype": dtype_name, "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def main():
    base_dir, adapter_dir, merged_dir, expected_path = sys.argv[1:5]
    r, alpha, use_rslora = int(sys.argv[5]), float(sys.argv[6]), sys.argv[7] == "true"
    targets_arg, seed, dtype_name = sys.argv[8], int(sys.argv[9]), sys.argv[10]
    targets = ATTENTION + MLP if targets_arg == "all-linear" else targets_arg.split(",")
    with open(os.path.join(base_dir, "config.json")) as f:
        cfg = json.load(f)
    base = {}
    for name in sorted(os.listdir(base_dir)):
        if name.endswith(".safetensors"):
            base.update(read_safetensors(os.path.join(base_dir, name)))

    torch.manual_seed(seed)
    scaling = alpha / math.sqrt(r) if use_rslora else alpha / r
    adapter, merged, expected = {}, {k: v.to(torch.float64) for k, v in base.items()}, {}
    for layer in range(cfg["num_hidden_layers"]):
        for module in targets:
            path = f"model.layers.{layer}.{'self_attn' if module in ATTENTION else 'mlp'}.{module}"
            w = base[path + ".weight"].to(torch.float64)
            out_features, in_features = w.shape
            a = (torch.randn(r, in_features) * 0.2).to(DTYPES[dtype_name]).to(torch.float64)
            b = (torch.randn(out_features, r) * 0.2).to(DTYPES[dtype_name]).to(torch.float64)
            adapter[f"base_model.model.{path}.lora_A.weight"] = a
            adapter[f"base_model.model.{path}.lora_B.weight"] = b
            merged[path + ".weight"] = w + scaling * (b @ a)
            expected[path + ".weight"] = merged[path + ".weight"]
            if layer == 0:
                x = torch.randn(3, in_features, dtype=torch.float64)
                y = x @ merged[path + ".weight"].T
                if path + ".bias" in base:
                    y = y + base[path + ".bias"].to(torch.float64)
                expected["x:" + path] = x
                expected["y:" + path] = y

    os.makedirs(adapter_dir, exist_ok=True)
    write_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"), adapter, dtype_name)
    config = {
        "alpha_pattern": {},
        "auto_mapping": None,
        "base_model_name_or_path": os.path.abspath(base_dir),
        "bias": "none",
        "fan_in_fan_out": False,
        "inference_mode": True,
        "init_lora_weights": True,
        "layer_replication": None,
        "layers_pattern": None,
        "layers_to_transform": None,
        "loftq_config": {},
        "lora_alpha": alpha,
        "lora_dropout": 0.05,
        "megatron_config": None,
        "megatron_core": "megatron.core",
        "modules_to_save": None,
        "peft_type": "LORA",
        "r": r,
        "rank_pattern": {},
        "revision": None,
        "target_modules": "all-linear" if targets_arg == "all-linear" else sorted(targets),
        "task_type": "CAUSAL_LM",
        "use_dora": False,
        "use_rslora": use_rslora,
    }
    with open(os.path.join(adapter_dir, "adapter_config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)

    os.makedirs(merged_dir, exist_ok=True)
    shutil.copy(os.path.join(base_dir, "config.json"), os.path.join(merged_dir, "config.json"))
    write_safetensors(os.path.join(merged_dir, "model.safetensors"), merged, "F32")
    write_safetensors(expected_path, expected, "F32")


if __name__ == "__main__":
    main()
