#!/usr/bin/env bash
# Configures and builds the native shim with CMake. Called by PostTrain.Torch.csproj; usable by hand:
#   bash native/build.sh OUTPUT_DIR
# libtorch is looked up in this order: $Torch_DIR (the folder holding TorchConfig.cmake), $LIBTORCH (an
# unpacked libtorch), the libtorch inside a PyTorch install (python3, then /usr/bin/python3), then
# Debian's libtorch-dev.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:?usage: build.sh OUTPUT_DIR}
mkdir -p "$out"

has_config() { [ -n "$1" ] && [ -f "$1/TorchConfig.cmake" ]; }

find_torch_dir() {
  if [ -n "${Torch_DIR:-}" ]; then
    has_config "$Torch_DIR" && { echo "$Torch_DIR"; return; }
    echo "Torch_DIR=$Torch_DIR holds no TorchConfig.cmake" >&2; return 1
  fi
  if [ -n "${LIBTORCH:-}" ]; then
    has_config "$LIBTORCH/share/cmake/Torch" && { echo "$LIBTORCH/share/cmake/Torch"; return; }
    echo "LIBTORCH=$LIBTORCH holds no share/cmake/Torch/TorchConfig.cmake" >&2; return 1
  fi
  local py prefix
  for py in python3 /usr/bin/python3; do
    command -v "$py" >/dev/null 2>&1 || continue
    prefix=$("$py" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)' 2>/dev/null) || continue
    has_config "$prefix/Torch" && { echo "$prefix/Torch"; return; }
  done
  local multiarch
  multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
  for d in "/usr/lib/$multiarch/cmake/Torch" /usr/lib/cmake/Torch /usr/local/lib/cmake/Torch; do
    has_config "$d" && { echo "$d"; return; }
  done
  return 1
}

if ! torch_dir=$(find_torch_dir); then
  cat >&2 <<'MSG'
error: libtorch was not found, so the PostTrain.Torch native shim cannot be built.
Get one of:
  - Debian/Ubuntu: sudo apt-get install libtorch-dev   (or run `make deps`)
  - a PyTorch install: pip install torch                (its libtorch is used)
  - an unpacked libtorch: export LIBTORCH=/path/to/libtorch
  - or point at TorchConfig.cmake directly: export Torch_DIR=/path/to/share/cmake/Torch
MSG
  exit 1
fi

command -v cmake >/dev/null 2>&1 || { echo "error: cmake is needed to build the native shim (apt-get install cmake)" >&2; exit 1; }

# Reconfigure only when libtorch moved; cmake --build is itself incremental.
stamp="$out/.torch_dir"
if [ ! -f "$out/CMakeCache.txt" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$torch_dir" ]; then
  rm -f "$out/CMakeCache.txt"
  cmake -S "$here" -B "$out" -DTorch_DIR="$torch_dir" -DCMAKE_BUILD_TYPE=Release >"$out/configure.log" 2>&1 \
    || { cat "$out/configure.log" >&2; exit 1; }
  echo "$torch_dir" > "$stamp"
fi
cmake --build "$out" -j "$(nproc)"
