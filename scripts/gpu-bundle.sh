#!/usr/bin/env bash
# Builds build/gpu-bundle/: everything the GPU check needs on a machine that has CUDA, CMake and PyTorch but no .NET
# (ARCHITECTURE.md, "GPU machines"). `make gpu-bundle` runs it; then, on the GPU machine, `bash gpu-check.sh` inside the
# bundle. Layout:
#   gpu-check.sh                     the check (see its header)
#   bin/posttrain-worker             the worker, self-contained, trimmed, one file
#   bin/posttrain-gpu-bench          the measurements (SFT step time and MFU, rollouts, all-reduce)
#   bin/gpu-tests/PostTrain.Gpu.Tests the GPU tests, a self-contained xunit v3 executable
#   native/                          the libtorch shim's sources, built there against that machine's PyTorch
#   python/gpu_sft_eager.py          the same SFT steps in PyTorch eager, for the ratio
# The bundle must stay under 60 MiB (the device tool carries at most 64 MiB).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/build/gpu-bundle"
stage="$root/build/gpu-bundle-publish"
limit=$((60 * 1024 * 1024))
rm -rf "$out" "$stage"
mkdir -p "$out/bin" "$out/python" "$stage"
# The trimmer's step is skipped when its inputs look unchanged, even if the options changed: start clean.
find "$root/operator" "$root/worker" "$root/bench" "$root/tests" -path '*/obj/Release/net10.0/linux-x64' -type d -prune -exec rm -rf {} +

# Self-contained single files, compressed. Full trimming for the worker and the benchmark keeps every assembly of ours
# whole (TrimmerRootAssembly in their project files: they reflect over their own types for JSON and YAML); the xunit
# executable is trimmed only where the framework is (partial), as xunit finds tests by reflection. The shim is built
# on the GPU machine, against its PyTorch.
publish() { # project, trim mode, single file (true/false)
  local project=$1 mode=$2 single=$3
  dotnet publish "$root/$project" -c Release -r linux-x64 --self-contained --nologo -clp:ErrorsOnly \
    -p:PublishTrimmed=true -p:TrimMode="$mode" -p:SuppressTrimAnalysisWarnings=true -p:TreatWarningsAsErrors=false \
    -p:JsonSerializerIsReflectionEnabledByDefault=true -p:PublishSingleFile="$single" -p:EnableCompressionInSingleFile="$single" \
    -p:DebugType=none -p:BuildNativeShim=false -p:InvariantGlobalization=true -o "$stage/$(basename "$(dirname "$project")")"
}

publish worker/PostTrain.Worker/PostTrain.Worker.csproj full true
publish bench/PostTrain.GpuBench/PostTrain.GpuBench.csproj full true
publish tests/PostTrain.Gpu.Tests/PostTrain.Gpu.Tests.csproj full false
cp "$stage/PostTrain.Worker/posttrain-worker" "$stage/PostTrain.GpuBench/posttrain-gpu-bench" "$out/bin/"
# xunit locates its test assembly on disk, so the tests stay a folder (the framework's debugger and tracing
# libraries, which nothing here loads, are left out).
mkdir -p "$out/bin/gpu-tests"
cp -r "$stage/PostTrain.Gpu.Tests/." "$out/bin/gpu-tests/"
rm -f "$out/bin/gpu-tests/"{libmscordaccore.so,libmscordbi.so,libcoreclrtraceptprovider.so,libclrgc.so,libclrgcexp.so,createdump} "$out/bin/gpu-tests/"*.xml
rm -rf "$stage"

mkdir -p "$out/native"
cp -r "$root/worker/PostTrain.Torch/native/CMakeLists.txt" "$root/worker/PostTrain.Torch/native/build.sh" \
      "$root/worker/PostTrain.Torch/native/include" "$root/worker/PostTrain.Torch/native/src" "$out/native/"
cp "$root/bench/python/gpu_sft_eager.py" "$out/python/"
cp "$root/scripts/gpu-check.sh" "$out/"
chmod +x "$out/gpu-check.sh" "$out/bin/posttrain-worker" "$out/bin/posttrain-gpu-bench" "$out/bin/gpu-tests/PostTrain.Gpu.Tests"

size=$(du -sb "$out" | cut -f1)
printf 'gpu-bundle: %s (%d MiB)\n' "$out" $((size / 1024 / 1024))
du -sh "$out/bin/"* | sed 's/^/  /'
if [ "$size" -ge "$limit" ]; then
  echo "gpu-bundle: $((size / 1024 / 1024)) MiB is over the 60 MiB limit" >&2
  exit 1
fi
