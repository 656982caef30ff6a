#!/usr/bin/env bash
# The GPU check, run from inside build/gpu-bundle (make gpu-bundle) on a machine with CUDA, CMake and PyTorch 2.x and
# no .NET (ARCHITECTURE.md, "GPU machines"):
#   bash gpu-check.sh [--cpu] [--out DIR]
# It builds the libtorch shim against that machine's PyTorch, then, in about 8 minutes:
#   (a) runs the GPU tests (random Llama and Qwen3 models on CUDA against CPU fp32: fp32 within 1e-3, bf16 within
#       2e-2; fused attention, SFT and RL steps, greedy generation, memory statistics);
#   the trimmed worker runs SFT -> RLVR -> Eval on the GPU (every GPU, one rank each, when there are several);
#   (b) times 20 bf16 SFT steps of a ~125M and a ~0.5B Llama-shaped model: tokens/s, MFU against 989 TFLOP/s dense
#       bf16 (H100/H200 nominal; --peak-tflops to change), peak memory;
#   (c) the same steps in PyTorch eager, for the C# / PyTorch step-time ratio;
#   (d) rollout tokens/s with the KV cache at batch 64;
#   (e) NCCL all-reduce bandwidth when the machine has 2 or more GPUs.
# It writes gpu-check.json and gpu-check.md to --out (default: $OUT when set, else ./gpu-check-results) and exits
# non-zero when a test or a step failed. --cpu runs every step it can without CUDA, on tiny models (CI does, from
# inside the bundle, so breakage shows before a GPU is at hand).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=gpu
out=${OUT:-$here/gpu-check-results}
peak=989
while [ $# -gt 0 ]; do
  case $1 in
    --cpu) mode=cpu ;;
    --out) out=$2; shift ;;
    --peak-tflops) peak=$2; shift ;;
    *) echo "usage: gpu-check.sh [--cpu] [--out DIR] [--peak-tflops N]" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
start=$(date +%s)
log() { printf '[gpu-check %4ss] %s\n' $(( $(date +%s) - start )) "$*"; }

# A python3 that has torch: the machine's own first, then Debian's.
python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import torch' >/dev/null 2>&1; then python=$candidate; break; fi
  done
fi
[ -n "$python" ] || { echo "gpu-check: no python3 with torch found (set PYTHON)" >&2; exit 1; }

"$python" - "$out/machine.json" <<'PY'
import json, sys, torch
cuda = torch.cuda.is_available()
info = {"torch": torch.__version__, "cuda": torch.version.cuda, "gpu_count": torch.cuda.device_count() if cuda else 0,
        "gpu": torch.cuda.get_device_name(0) if cuda else "none",
        "gpu_memory_gib": round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1) if cuda else None}
json.dump(info, open(sys.argv[1], "w"))
print(json.dumps(info))
PY
log "machine: $(cat "$out/machine.json")"

# The shim, against this machine's libtorch (build.sh finds it through the python above first).
log "building the shim"
if ! PATH="$(dirname "$(command -v "$python")"):$PATH" bash "$here/native/build.sh" "$here/native-build" >"$out/shim-build.log" 2>&1; then
  tail -30 "$out/shim-build.log" >&2
  echo "gpu-check: the shim did not build (log: $out/shim-build.log)" >&2
  exit 1
fi
grep -h "PostTrain.Torch:" "$here/native-build/configure.log" 2>/dev/null | sed 's/^-- //' | while read -r line; do log "$line"; done
torch_lib=$("$python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
export LD_LIBRARY_PATH="$here/native-build:$torch_lib:${LD_LIBRARY_PATH:-}"
export DOTNET_gcServer=0
if [ "$mode" = cpu ]; then export POSTTRAIN_GPU_CHECK_DEVICE=cpu; fi

status=0
log "(a) GPU tests"
"$here/bin/gpu-tests/PostTrain.Gpu.Tests" -result-xml "$out/tests.xml" -noColor >"$out/tests.log" 2>&1 || status=1
tail -3 "$out/tests.log"

# The trimmed worker end to end: SFT -> RLVR -> Eval on the device, every GPU a rank.
ranks=1
gpus=$("$python" -c 'import torch; print(torch.cuda.device_count() if torch.cuda.is_available() else 0)')
if [ "$mode" = gpu ] && [ "$gpus" -ge 2 ]; then ranks=$gpus; fi
if [ "$mode" = cpu ]; then ranks=2; fi
cat >"$out/smoke.yaml" <<'YAML'
apiVersion: posttrain.dev/v1alpha1
kind: SftJob
metadata: {name: smoke-sft}
spec:
  seed: 1
  model: {source: builtin://tiny}
  dataset: {source: "builtin://arithmetic?split=sft&count=64", format: gsm8k}
  training: {maxSteps: 20, batchSize: 16, microBatchSize: 4, learningRate: 3e-3, maxSeqLength: 96, logEverySteps: 10, precision: bf16, gradientCheckpointing: true}
---
apiVersion: posttrain.dev/v1alpha1
kind: RlvrJob
metadata: {name: smoke-rlvr}
spec:
  seed: 1
  model:
    fromJob: {kind: SftJob, name: smoke-sft}
  dataset: {source: "builtin://arithmetic?split=rl&count=64", format: gsm8k}
  rollout: {groupSize: 4, promptsPerStep: 8, maxNewTokens: 24}
  algorithm: {kl: {coef: 0.01}}
  reward: [{type: math, mode: strict}]
  training: {steps: 3, learningRate: 1e-4, precision: bf16}
---
apiVersion: posttrain.dev/v1alpha1
kind: EvalJob
metadata: {name: smoke-eval}
spec:
  models:
  - {name: sft, fromJob: {kind: SftJob, name: smoke-sft}}
  - {name: rlvr, fromJob: {kind: RlvrJob, name: smoke-rlvr}}
  dataset: {source: "builtin://arithmetic?split=test&count=32", format: gsm8k}
  maxNewTokens: 24
  batchSize: 8
YAML
log "worker: SFT -> RLVR -> Eval on $ranks rank(s)"
worker_start=$(date +%s)
device_choice=auto
if [ "$mode" = gpu ]; then device_choice=cuda; fi
(cd "$out" && rm -rf runs && POSTTRAIN_DEVICE=$device_choice "$here/bin/posttrain-worker" run smoke.yaml --no-server --nproc-per-node "$ranks" >"$out/worker.log" 2>&1)
worker_code=$?
[ $worker_code -eq 0 ] || status=1
tail -5 "$out/worker.log"
printf '{"exit_code": %d, "seconds": %d, "ranks": %d}\n' "$worker_code" $(( $(date +%s) - worker_start )) "$ranks" >"$out/worker.json"

log "(b)-(e) measurements"
"$here/bin/posttrain-gpu-bench" all --mode "$mode" --out "$out" --python "$python" --script "$here/python/gpu_sft_eager.py" \
  --machine "$out/machine.json" --tests "$out/tests.xml" --worker "$out/worker.json" --peak-tflops "$peak" >"$out/bench.log" 2>&1 || status=1
cat "$out/gpu-check.md" 2>/dev/null || tail -20 "$out/bench.log"
log "done (status $status); results in $out"
exit $status
