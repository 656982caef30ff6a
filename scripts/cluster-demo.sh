#!/usr/bin/env bash
# make cluster-demo: the demo's SFT -> RLVR -> Eval through the real path, without a cluster. It starts the test API
# server, the node agent and the operator on this machine, installs the chart with helm, applies
# examples/cluster/arithmetic-pipeline.yaml with kubectl, shows `kubectl get posttrain` while the jobs run, prints each
# EvalJob's accuracy table, and stops everything it started (also on Ctrl+C or an error). docs/operator.md says how.
#
#   CLUSTER_DEMO_MANIFEST  what to apply (default: examples/cluster/arithmetic-pipeline.yaml)
#   CLUSTER_DEMO_DIR       where the kubeconfig, logs, pod folders and claims go (default: runs/cluster-demo; emptied first)
#   CLUSTER_DEMO_INTERVAL  seconds between progress lines (default: 15)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
config=${CONFIG:-Release}
manifest=${CLUSTER_DEMO_MANIFEST:-examples/cluster/arithmetic-pipeline.yaml}
work=${CLUSTER_DEMO_DIR:-$root/runs/cluster-demo}
interval=${CLUSTER_DEMO_INTERVAL:-15}
# kubectl 1.34 and helm 4 from tools/bin (make deps) before any older ones on PATH
export PATH="$root/tools/bin:$PATH"
namespace=posttrain-demo
release_namespace=posttrain-system

bin() { echo "$root/$1/bin/$config/net10.0/$2"; }
for f in "$(bin tests/PostTrain.Kube.Testing PostTrain.Kube.Testing.dll)" "$(bin tests/PostTrain.NodeAgent PostTrain.NodeAgent.dll)" \
         "$(bin operator/PostTrain.Operator posttrain-operator.dll)" "$(bin worker/PostTrain.Worker posttrain-worker.dll)"; do
  [[ -f $f ]] || { echo "cluster-demo: $f is missing; run make build (CONFIG=$config)" >&2; exit 1; }
done
command -v kubectl >/dev/null && command -v helm >/dev/null || { echo "cluster-demo: kubectl and helm are needed (make deps)" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work"
export KUBECONFIG="$work/kubeconfig"
pids=()
stop() {
  local code=$?
  trap - EXIT INT TERM
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ ${#pids[@]} -gt 0 ]] && echo "cluster-demo: stopped the operator, the node agent and the API server (logs in $work)"
  exit "$code"
}
trap stop EXIT
trap 'exit 130' INT TERM
http_ok() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" >/dev/null 2>&1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
step() { printf '\n== %s\n' "$*"; }

step "the test API server"
dotnet "$(bin tests/PostTrain.Kube.Testing PostTrain.Kube.Testing.dll)" --port "$(free_port)" --kubeconfig "$KUBECONFIG" >"$work/api-server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -s $KUBECONFIG ]] && kubectl get --raw /readyz >/dev/null 2>&1 && break; sleep 0.2; done
kubectl get --raw /readyz >/dev/null || { cat "$work/api-server.log" >&2; exit 1; }
kubectl version

step "the node agent (a kubelet, scheduler and Job controller running pods as processes here; docs/node-agent.md)"
dotnet "$(bin tests/PostTrain.NodeAgent PostTrain.NodeAgent.dll)" --kubeconfig "$KUBECONFIG" --data "$work/node" --job-backoff 1 >"$work/node-agent.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do kubectl get node local >/dev/null 2>&1 && break; sleep 0.2; done
kubectl wait --for=condition=Ready node/local --timeout=60s >/dev/null || { cat "$work/node-agent.log" >&2; exit 1; }
kubectl get nodes

step "helm install posttrain charts/posttrain"
kubectl create namespace "$namespace" >/dev/null
# No --wait: helm's watcher reads a Deployment's ReplicaSets, which the test API server does not make (docs/kube.md).
helm install posttrain charts/posttrain --namespace "$release_namespace" --create-namespace \
  --set operator.replicas=1 --set "watchNamespaces={$namespace}"
kubectl get crds

step "the operator, as the chart's Deployment runs it"
# The node agent runs batch Jobs' pods, not Deployments' (the test API server completes a rollout at once without
# pods), so the operator runs here as a process with the args and environment of the Deployment helm installed.
# It finds the API server through KUBECONFIG, as a replica in the cluster does through its service account.
deployment=$(kubectl get deployment -n "$release_namespace" -l app.kubernetes.io/name=posttrain -o json)
mapfile -t operator_args < <(python3 -c 'import json, sys; c = json.load(sys.stdin)["items"][0]["spec"]["template"]["spec"]["containers"][0]; print("\n".join(c.get("args", [])))' <<<"$deployment")
mapfile -t operator_env < <(python3 -c '
import json, sys
c = json.load(sys.stdin)["items"][0]["spec"]["template"]["spec"]["containers"][0]
for e in c.get("env", []):
    if "value" in e and e["name"] not in ("POSTTRAIN_PORT", "TMPDIR"):
        print(e["name"] + "=" + e["value"])' <<<"$deployment")
operator_port=$(free_port)
env "${operator_env[@]}" POD_NAMESPACE="$release_namespace" POD_NAME="posttrain-operator-$(hostname)" POSTTRAIN_PORT="$operator_port" \
  dotnet "$(bin operator/PostTrain.Operator posttrain-operator.dll)" "${operator_args[@]}" >"$work/operator.log" 2>&1 &
pids+=($!)
for _ in $(seq 150); do http_ok "http://127.0.0.1:$operator_port/readyz" && break; sleep 0.2; done
http_ok "http://127.0.0.1:$operator_port/readyz" || { cat "$work/operator.log" >&2; exit 1; }
printf 'operator: %s (args: %s; log: %s)\n' "ready" "${operator_args[*]}" "$work/operator.log"

step "kubectl apply -n $namespace -f $manifest"
kubectl apply -n "$namespace" -f "$manifest"
jobs=$(kubectl get posttrain -n "$namespace" -o name | wc -l)

step "kubectl get posttrain -n $namespace (every ${interval} s until every job has ended)"
started=$SECONDS
while true; do
  phases=$(kubectl get posttrain -n "$namespace" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}')
  printf '[%s, %d s]\n' "$(date +%T)" $((SECONDS - started))
  kubectl get posttrain -n "$namespace"
  ended=$(grep -cE '^(Succeeded|Failed)$' <<<"$phases" || true)
  [[ $ended -ge $jobs ]] && break
  sleep "$interval"
done

step "accuracy (kubectl get evaljob -o jsonpath='{.status.result.table}')"
kubectl get evaljob -n "$namespace" -o json >"$work/evaljobs.json"
python3 - "$work/evaljobs.json" <<'PY'
import json, sys

def cell(column, value):
    if isinstance(value, (int, float)) and (column == "accuracy" or column.startswith("pass@")):
        return "%.2f%%" % (value * 100)
    return str(value)

for job in json.load(open(sys.argv[1]))["items"]:
    rows = ((job.get("status") or {}).get("result") or {}).get("table") or []
    if not rows:
        continue
    columns = [c for c in rows[0] if c not in ("predictions", "source")]
    print("EvalJob/" + job["metadata"]["name"])
    print("  " + "  ".join("%10s" % c for c in columns))
    for row in rows:
        print("  " + "  ".join("%10s" % cell(c, row.get(c, "")) for c in columns))
PY
failed=$(kubectl get posttrain -n "$namespace" -o jsonpath='{range .items[*]}{.kind}/{.metadata.name} {.status.phase}{"\n"}{end}' | grep ' Failed$' || true)
if [[ -n $failed ]]; then
  echo "cluster-demo: failed jobs:" >&2
  echo "$failed" >&2
  kubectl get posttrain -n "$namespace" -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}: {.status.conditions[?(@.type=="Failed")].message}{"\n"}{end}' >&2
  exit 1
fi
echo "claims and pod logs: $work/node"
