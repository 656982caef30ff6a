#!/usr/bin/env python3
"""Regenerates the strategic merge patch fixtures with a real kubectl.

For each scenario, a live object (the last apply's manifest plus fields a server adds, with the
kubectl.kubernetes.io/last-applied-configuration annotation) is served by a small fake API server;
`kubectl apply -f` of the edited manifest computes its three-way strategic merge patch client side
and sends it, and this script records the body. `kubectl patch --local` then applies that patch to
the live object with the same Go code kube-apiserver runs (baked-in k8s.io/api types), which gives
the expected result.

Usage: python3 capture.py /path/to/kubectl   (kubectl 1.34; writes *.json beside this script)
"""
import copy
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
KUBECTL = sys.argv[1] if len(sys.argv) > 1 else "kubectl"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
VERSION = ""

RESOURCES = {
    "v1": [("services", "Service"), ("configmaps", "ConfigMap"), ("pods", "Pod"), ("serviceaccounts", "ServiceAccount")],
    "apps/v1": [("deployments", "Deployment")],
    "batch/v1": [("jobs", "Job")],
}


def resource_list(group_version):
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": [
            {"name": plural, "singularName": kind.lower(), "namespaced": True, "kind": kind,
             "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}
            for plural, kind in RESOURCES[group_version]
        ],
    }


class FakeApiServer(http.server.BaseHTTPRequestHandler):
    live = None
    patches = []

    def log_message(self, *args):
        pass

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/api":
            return self.reply(200, {"kind": "APIVersions", "versions": ["v1"],
                                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
        if path == "/apis":
            groups = [gv for gv in RESOURCES if "/" in gv]
            return self.reply(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": gv.split("/")[0], "versions": [{"groupVersion": gv, "version": "v1"}],
                 "preferredVersion": {"groupVersion": gv, "version": "v1"}} for gv in groups]})
        if path == "/api/v1":
            return self.reply(200, resource_list("v1"))
        if path.startswith("/apis/") and path.count("/") == 3:
            return self.reply(200, resource_list(path[len("/apis/"):]))
        if path.endswith("/" + FakeApiServer.live["metadata"]["name"]):
            return self.reply(200, FakeApiServer.live)
        return self.reply(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404})

    def do_PATCH(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FakeApiServer.patches.append({"contentType": self.headers["Content-Type"], "body": json.loads(body)})
        return self.reply(200, FakeApiServer.live)


def kubectl(*args, stdin=None):
    return subprocess.run([KUBECTL, *args], input=stdin, capture_output=True, text=True, check=True).stdout


def scenario(name, description, applied, edited, server_fields):
    """applied: the manifest of the last apply; edited: the manifest applied now; server_fields(live) adds what a server adds."""
    live = copy.deepcopy(applied)
    live["metadata"].setdefault("annotations", {})[LAST_APPLIED] = json.dumps(applied, separators=(",", ":"), sort_keys=True) + "\n"
    live["metadata"].update({"uid": "6f1c0a52-0000-4000-8000-000000000001", "resourceVersion": "7", "creationTimestamp": "2025-01-01T00:00:00Z"})
    server_fields(live)
    FakeApiServer.live = live
    FakeApiServer.patches = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeApiServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            manifest = os.path.join(tmp, "edited.json")
            with open(manifest, "w") as f:
                json.dump(edited, f)
            kubectl("apply", "-f", manifest, "--validate=false", f"--server=http://127.0.0.1:{server.server_port}",
                    "--cache-dir", os.path.join(tmp, "cache"))
            if len(FakeApiServer.patches) != 1:
                raise SystemExit(f"{name}: expected one PATCH, saw {len(FakeApiServer.patches)}")
            sent = FakeApiServer.patches[0]
            if not sent["contentType"].startswith("application/strategic-merge-patch+json"):
                raise SystemExit(f"{name}: kubectl sent {sent['contentType']}")
            live_file = os.path.join(tmp, "live.json")
            with open(live_file, "w") as f:
                json.dump(live, f)
            expected = json.loads(kubectl("patch", "--local", "-f", live_file, "--type", "strategic",
                                          "-p", json.dumps(sent["body"]), "-o", "json"))
    finally:
        server.shutdown()
    fixture = {
        "description": description,
        "generatedBy": f"capture.py: the patch kubectl {VERSION} apply sent; expected from kubectl patch --local",
        "apiVersion": edited["apiVersion"],
        "kind": edited["kind"],
        "live": live,
        "patch": sent["body"],
        "expected": expected,
    }
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(fixture, f, indent=2)
        f.write("\n")
    print(name, json.dumps(sent["body"])[:200])


def deployment(containers, strategy=None, volumes=None, tolerations=None, labels=None):
    spec = {"containers": containers}
    if volumes is not None:
        spec["volumes"] = volumes
    if tolerations is not None:
        spec["tolerations"] = tolerations
    d = {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "web", "namespace": "default", "labels": labels or {"app": "web"}},
         "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}}, "spec": spec}}}
    if strategy is not None:
        d["spec"]["strategy"] = strategy
    return d


def deployment_server_fields(live):
    """Defaults and status a kube-apiserver and the deployment controller add."""
    spec = live["spec"]
    spec.setdefault("strategy", {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    spec.update({"revisionHistoryLimit": 10, "progressDeadlineSeconds": 600})
    pod = spec["template"]["spec"]
    pod.update({"restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler",
                "terminationGracePeriodSeconds": 30, "securityContext": {}})
    for c in pod["containers"]:
        c.update({"imagePullPolicy": "IfNotPresent", "terminationMessagePath": "/dev/termination-log",
                  "terminationMessagePolicy": "File", "resources": {}})
        for p in c.get("ports", []):
            p.setdefault("protocol", "TCP")
    live["metadata"]["generation"] = 3
    live["status"] = {"observedGeneration": 3, "replicas": 2, "readyReplicas": 2,
                      "conditions": [{"type": "Available", "status": "True"}, {"type": "Progressing", "status": "True"}]}


def app(image="registry.local/app:1", env=None, ports=None, mounts=None):
    c = {"name": "app", "image": image}
    if env is not None:
        c["env"] = env
    if ports is not None:
        c["ports"] = ports
    if mounts is not None:
        c["volumeMounts"] = mounts
    return c


SIDECAR = {"name": "sidecar", "image": "registry.local/proxy:1", "ports": [{"containerPort": 15000}]}
ENV = [{"name": "MODE", "value": "serve"}, {"name": "LOG", "value": "info"}]
PORTS = [{"containerPort": 8080, "name": "http"}, {"containerPort": 9090, "name": "metrics"}]


def main():
    global VERSION
    VERSION = json.loads(kubectl("version", "--client", "-o", "json"))["clientVersion"]["gitVersion"]
    scenario("deployment-image-and-env",
             "change one container's image and add an env var, keep the sidecar",
             deployment([app(env=ENV, ports=PORTS), SIDECAR]),
             deployment([app(image="registry.local/app:2", env=ENV + [{"name": "WORKERS", "value": "4"}], ports=PORTS), SIDECAR]),
             deployment_server_fields)
    scenario("deployment-remove-port-and-container",
             "remove the metrics port and the sidecar container",
             deployment([app(env=ENV, ports=PORTS), SIDECAR]),
             deployment([app(env=ENV, ports=PORTS[:1])]),
             deployment_server_fields)
    scenario("deployment-reorder",
             "reorder the containers and the env vars, and insert an env var in the middle",
             deployment([app(env=ENV, ports=PORTS), SIDECAR]),
             deployment([SIDECAR, app(env=[ENV[1], {"name": "EXTRA", "value": "1"}, ENV[0]], ports=PORTS)]),
             deployment_server_fields)
    scenario("deployment-strategy-retainkeys",
             "switch the strategy from RollingUpdate to Recreate (retainKeys clears rollingUpdate)",
             deployment([app()], strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}),
             deployment([app()], strategy={"type": "Recreate"}),
             deployment_server_fields)
    scenario("deployment-volume-source",
             "swap a volume's emptyDir for a configMap (retainKeys in a merging list), replace the tolerations, drop a label",
             deployment([app(mounts=[{"name": "data", "mountPath": "/data"}])],
                        volumes=[{"name": "data", "emptyDir": {}}, {"name": "cache", "emptyDir": {"medium": "Memory"}}],
                        tolerations=[{"key": "gpu", "operator": "Exists"}, {"key": "spot", "operator": "Exists"}],
                        labels={"app": "web", "tier": "backend"}),
             deployment([app(mounts=[{"name": "data", "mountPath": "/data"}])],
                        volumes=[{"name": "data", "configMap": {"name": "web-data"}}, {"name": "cache", "emptyDir": {"medium": "Memory"}}],
                        tolerations=[{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],
                        labels={"app": "web"}),
             deployment_server_fields)

    def service(ports):
        return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
                "spec": {"selector": {"app": "web"}, "ports": ports}}

    def service_server_fields(live):
        live["spec"].update({"type": "ClusterIP", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
                             "sessionAffinity": "None", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack"})
        for p in live["spec"]["ports"]:
            p.setdefault("protocol", "TCP")
        live["status"] = {"loadBalancer": {}}

    scenario("service-ports",
             "Service ports by port: change one's targetPort, drop one, add one",
             service([{"name": "http", "port": 80, "targetPort": 8080}, {"name": "metrics", "port": 9090}]),
             service([{"name": "http", "port": 80, "targetPort": 8081}, {"name": "grpc", "port": 50051}]),
             service_server_fields)

    def configmap(finalizers, labels, data):
        return {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "settings", "namespace": "default", "finalizers": finalizers, "labels": labels},
                "data": data}

    def configmap_server_fields(live):
        live["metadata"]["finalizers"].append("example.com/added-by-a-controller")

    scenario("configmap-finalizers",
             "finalizers merge as a set: add one, drop one, keep a controller's; drop a label and a data key (null)",
             configmap(["example.com/a", "example.com/b"], {"app": "web", "old": "x"}, {"a": "1", "b": "2"}),
             configmap(["example.com/c", "example.com/a"], {"app": "web"}, {"a": "1"}),
             configmap_server_fields)


if __name__ == "__main__":
    main()
