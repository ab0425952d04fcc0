"""TEST DOUBLE: the kubelet (cmd/kubelet, pkg/kubelet): reads kubeadm's files
(/var/lib/kubelet/config.yaml, kubeadm-flags.env, bootstrap-kubelet.conf), bootstraps its client
certificate through a CSR, registers its Node with the labels it may set itself
(pkg/kubelet/apis: kubernetes.io/*, node.kubernetes.io/* only), posts status and heartbeats
(Ready, addresses, nodeInfo), runs the static pods in /etc/kubernetes/manifests and posts
mirror pods for them (pkg/kubelet/config/file.go, pod/mirror_client.go), serves /healthz on
10248, and drives real containerd through CRI for other pods (standin_pods). Its command line
is in standin_kubelet_cli.
"""
import hashlib
import http.client
import http.server
import json
import os
import re
import socket
import subprocess
import threading
import time

import yaml

import standin_all
import standin_common
import standin_components
import standin_ipfamily
import standin_kubelet_server
import standin_pods
import standin_resources
import standin_startup
from standin_apiserver import KubeApiServer, pod_command_flags
from standin_client import ApiClient, ApiError, ConnError
from standin_common import (
    default_ip, dig, Fail, HEARTBEAT_SECONDS, hostname, is_local_address,
    join_host_port, klog, KUBELET_CONF, log_error, MANIFESTS, now_ts, P, STATIC_POD_STATUS,
    write_file)


KUBELET_LABELS = {"kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch",
                  "beta.kubernetes.io/os", "beta.kubernetes.io/arch",
                  "beta.kubernetes.io/instance-type", "node.kubernetes.io/instance-type",
                  "topology.kubernetes.io/region", "topology.kubernetes.io/zone",
                  "failure-domain.beta.kubernetes.io/region",
                  "failure-domain.beta.kubernetes.io/zone"}
KUBELET_LABEL_NAMESPACES = ("kubelet.kubernetes.io", "node.kubernetes.io")


def forbidden_node_labels(labels):
    """Labels the real kubelet refuses in --node-labels (kubernetes.io / k8s.io namespaces)."""
    bad = []
    for k in labels:
        ns = k.split("/", 1)[0] if "/" in k else ""
        if not (ns in ("kubernetes.io", "k8s.io") or ns.endswith((".kubernetes.io", ".k8s.io"))):
            continue
        if k in KUBELET_LABELS or any(ns == a or ns.endswith("." + a)
                                      for a in KUBELET_LABEL_NAMESPACES):
            continue
        bad.append(k)
    return bad


def parse_labels(s):
    out = {}
    for item in filter(None, (x.strip() for x in (s or "").split(","))):
        k, _, v = item.partition("=")
        out[k] = v
    return out


def machine_arch():
    m = os.uname().machine
    return {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm"}.get(m, m)


def read_first(paths, default=""):
    for p in paths:
        try:
            with open(p) as f:
                return f.read().strip()
        except OSError:
            pass
    return default


def os_image():
    text = read_first(["/etc/os-release"])
    m = re.search(r'^PRETTY_NAME="?([^"\n]*)"?', text, re.M)
    return m.group(1) if m else "Linux"


def containerd_version():
    if standin_common.ROOT:
        return "containerd://standin"
    try:
        out = subprocess.run(["containerd", "--version"], capture_output=True, text=True,
                             timeout=5).stdout.split()
        return "containerd://" + (out[2] if len(out) > 2 else "unknown")
    except (OSError, subprocess.SubprocessError):
        return "containerd://unknown"


class Kubelet:
    def __init__(self, flags, config):
        self.flags, self.config = flags, config
        self.node_name = (flags.get("hostname-override") or hostname()).lower()
        # One address or a dual-stack pair (standin_ipfamily; checked at start-up).
        self.node_ips = (standin_ipfamily.parse_node_ips(flags["node-ip"])[0]
                         if flags.get("node-ip") else []) or [default_ip()]
        self.node_ip = self.node_ips[0]
        self.labels = parse_labels(flags.get("node-labels"))
        self.kubeconfig = flags.get("kubeconfig", KUBELET_CONF)
        self.static_dir = config.get("staticPodPath") or MANIFESTS
        self.stop = threading.Event()
        self.client, self.client_stamp = None, None
        self.registered, self.node_uid = False, None
        self.conditions = {}
        self.apiserver, self.apiserver_key, self.apiserver_error = None, None, None
        self.retry_at = 0.0
        self.pods = {}  # static pod name -> {"phase":..., "message":...}
        self.components = {}  # kube-controller-manager, kube-scheduler (standin_components)
        self.mirrors = {}  # mirror pod name -> last posted JSON
        self.last_logged = {}
        self.runtime_version = containerd_version()

    def log_change(self, key, msg, error=True):
        """Log a recurring message only when it changes (or every 30 s)."""
        prev = self.last_logged.get(key)
        if prev and prev[0] == msg and time.time() - prev[1] < 30:
            return
        self.last_logged[key] = (msg, time.time())
        (log_error if error else lambda m: klog(0, m))(msg)

    # -- main loop -------------------------------------------------------------------------
    def run(self):
        self.start_healthz()
        # Tests on one host give each node a loopback address: bind that, not every address.
        self.pod_runner = standin_pods.attach(self, standin_common.ROOT)  # pods on containerd, controllers
        worker = self.pod_runner.worker
        standin_kubelet_server.start(self.node_name, self.node_ip if standin_common.ROOT else
                                     self.config.get("address", "0.0.0.0"), self.config,
                                     worker.cri if worker is not None else None)
        next_status = 0.0
        while not self.stop.is_set():
            try:
                self.sync_static_pods()
            except Exception as e:
                self.log_change("static", f"static pods: {e}")
            if time.time() >= next_status:
                next_status = time.time() + HEARTBEAT_SECONDS
                try:
                    self.sync_node()
                except Exception as e:
                    self.log_change("node", f"node status: {e}")
            self.stop.wait(0.3)
        if self.apiserver:
            self.apiserver.stop()

    def start_healthz(self):
        port = int(os.environ.get("STANDIN_HEALTHZ_PORT") if standin_common.ROOT and
                   os.environ.get("STANDIN_HEALTHZ_PORT") else self.config.get("healthzPort", 10248))
        if port == 0:
            return
        addr = self.config.get("healthzBindAddress", "127.0.0.1")

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *a):
                pass

        class Server(http.server.ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in addr else socket.AF_INET
            daemon_threads = True

        try:
            srv = Server((addr, port), H)
            threading.Thread(target=srv.serve_forever, daemon=True).start()
        except OSError as e:
            log_error(f"Failed to start healthz server: listen tcp "
                      f"{join_host_port(addr, port)}: {e}")

    # -- static pods ----------------------------------------------------------------------
    def read_manifests(self):
        out = {}
        d = P(self.static_dir)
        for fname in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if fname.startswith(".") or not fname.endswith((".yaml", ".yml", ".json")):
                continue
            try:
                with open(os.path.join(d, fname)) as f:
                    text = f.read()
                pod = yaml.safe_load(text)
            except (OSError, yaml.YAMLError) as e:
                self.log_change("manifest-" + fname, f"invalid static pod manifest {fname}: {e}")
                continue
            if isinstance(pod, dict) and pod.get("kind") == "Pod":
                binary, _, _ = pod_command_flags(pod)
                out[binary or fname] = (pod, text)
        return out

    def sync_static_pods(self):
        manifests = self.read_manifests()
        api = manifests.get("kube-apiserver")
        key = (api[1], (manifests.get("etcd") or (None, None))[1],
               (manifests.get("kube-controller-manager") or (None, None))[1]) if api else None
        if key != self.apiserver_key:  # manifest added, changed or removed: restart
            if self.apiserver:
                klog(0, "kube-apiserver manifest changed: stopping the running instance")
                self.apiserver.stop()
                self.apiserver = None
            self.apiserver_key, self.apiserver_error, self.retry_at = key, None, 0.0
        if api and not self.apiserver and time.time() >= self.retry_at:
            srv = KubeApiServer(api[0], (manifests.get("etcd") or (None,))[0],
                                (manifests.get("kube-controller-manager") or (None,))[0])
            try:
                srv.start()
                self.apiserver, self.apiserver_error = srv, None
            except (Fail, OSError) as e:
                self.apiserver_error = str(e)
                self.retry_at = time.time() + 5  # CrashLoopBackOff, kept short
                self.log_change("apiserver", f"static pod kube-apiserver failed: {e}")
        if self.apiserver:
            self.apiserver.reload_tls_if_changed()
        comp_status = self.sync_components(manifests)
        # Record per-pod status (mirror pods, and kubeadm's error messages).
        pods = {}
        for binary, (pod, _) in manifests.items():
            name = dig(pod, "metadata", "name", default=binary)
            if binary == "kube-apiserver":
                st = ("Running", "") if self.apiserver else ("Pending", self.apiserver_error or
                                                             "starting")
            elif binary in comp_status:
                st = comp_status[binary]
            elif binary == "etcd" and self.apiserver_error and \
                    self.apiserver_error.startswith("etcd:"):
                st = ("Pending", self.apiserver_error)
            else:
                st = ("Running", "")
            pods[name] = {"phase": st[0], "message": st[1], "pod": pod}
        if {k: (v["phase"], v["message"]) for k, v in pods.items()} != \
                {k: (v["phase"], v["message"]) for k, v in self.pods.items()}:
            try:
                write_file(STATIC_POD_STATUS, json.dumps(
                    {k: {"phase": v["phase"], "message": v["message"]}
                     for k, v in pods.items()}, indent=1))
            except OSError:
                pass
        self.pods = pods

    def sync_components(self, manifests):
        """Run the controller manager and scheduler manifests as API clients."""
        out = {}
        for binary in standin_components.HEALTH:
            pod = (manifests.get(binary) or (None,))[0]
            comp = self.components.get(binary)
            if comp is not None and comp.pod != pod:
                comp.stop()
                del self.components[binary]
                comp = None
            if pod is None:
                continue
            if comp is None:
                comp = self.components[binary] = standin_components.ClientComponent(
                    standin_all, binary, pod)
            out[binary] = comp.sync(time.time())
        return out

    # -- node status ----------------------------------------------------------------------
    def api_client(self):
        """(Re)load the kubeconfig when it appears or changes (TLS is verified against its CA)."""
        try:
            st = os.stat(P(self.kubeconfig))
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            self.log_change("kubeconfig", f"waiting for {self.kubeconfig} (not written yet; the "
                                          f"TLS bootstrap is done by kubeadm join)", False)
            return None
        if stamp != self.client_stamp:
            self.client = ApiClient.from_kubeconfig(self.kubeconfig, timeout=5)
            self.client_stamp = stamp
        return self.client

    def readiness_problems(self):
        problems = []
        for ip in self.node_ips:
            if not is_local_address(ip):
                problems.append(f'node IP "{ip}" not found in the host\'s network interfaces')
        sock = standin_startup.runtime_endpoint(self.flags, self.config).removeprefix("unix://")
        if getattr(self, "pod_runner", None) and self.pod_runner.worker:
            problems += self.pod_runner.runtime_problems()  # CRI Status, as the real kubelet
        elif not standin_common.ROOT and not os.path.exists(sock):
            problems.append(f"container runtime is down: rpc error: code = Unavailable desc = "
                            f"connection error: dial unix {sock}: connect: no such file or "
                            f"directory")
        return problems

    def condition(self, ctype, status, reason, message):
        prev = self.conditions.get(ctype)
        ts = now_ts()
        since = prev["lastTransitionTime"] if prev and prev["status"] == status else ts
        c = {"type": ctype, "status": status, "lastHeartbeatTime": ts,
             "lastTransitionTime": since, "reason": reason, "message": message}
        self.conditions[ctype] = c
        return c

    def node_status(self):
        problems = self.readiness_problems()
        conds = [
            self.condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                           "kubelet has sufficient memory available"),
            self.condition("DiskPressure", "False", "KubeletHasNoDiskPressure",
                           "kubelet has no disk pressure"),
            self.condition("PIDPressure", "False", "KubeletHasSufficientPID",
                           "kubelet has sufficient PID available"),
            self.condition("Ready", "False", "KubeletNotReady", "; ".join(problems))
            if problems else self.condition("Ready", "True", "KubeletReady",
                                            "kubelet is posting ready status"),
        ]
        if problems:
            self.log_change("ready", "Node not ready: " + "; ".join(problems))
        mem_kb = re.search(r"MemTotal:\s+(\d+)", read_first(["/proc/meminfo"]))
        st = os.statvfs(P("/var") if os.path.isdir(P("/var")) else "/")
        # capacity as cadvisor reports it (BinarySI quantities), allocatable as the kubelet's
        # container manager computes it from the config (standin_resources.allocatable)
        res = {"cpu": str(os.cpu_count() or 1),
               "memory": standin_resources.format_binary(
                   int(mem_kb.group(1)) * 1024 if mem_kb else 0),
               "ephemeral-storage": standin_resources.format_binary(st.f_blocks * st.f_frsize),
               "hugepages-1Gi": "0", "hugepages-2Mi": "0",
               "pods": str(self.config.get("maxPods", 110))}
        return {
            "conditions": conds,
            "addresses": [{"type": "InternalIP", "address": ip} for ip in self.node_ips]
            + [{"type": "Hostname", "address": self.node_name}],
            "capacity": res, "allocatable": standin_resources.allocatable(res, self.config),
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": machine_arch(), "bootID": read_first(
                    ["/proc/sys/kernel/random/boot_id"]),
                "containerRuntimeVersion": self.runtime_version,
                "kernelVersion": os.uname().release, "kubeProxyVersion": "",
                "kubeletVersion": standin_common.VERSION,
                "machineID": read_first([P("/etc/machine-id"), "/etc/machine-id"]),
                "operatingSystem": "linux", "osImage": os_image(),
                "systemUUID": read_first([P("/sys/class/dmi/id/product_uuid"),
                                          "/sys/class/dmi/id/product_uuid"])},
        }

    def node_object(self):
        labels = {"beta.kubernetes.io/arch": machine_arch(), "beta.kubernetes.io/os": "linux",
                  "kubernetes.io/arch": machine_arch(), "kubernetes.io/hostname": self.node_name,
                  "kubernetes.io/os": "linux"}
        labels.update(self.labels)
        spec = {}
        if self.flags.get("provider-id"):
            spec["providerID"] = self.flags["provider-id"]
        taints = []
        for t in filter(None, self.flags.get("register-with-taints", "").split(",")):
            kv, _, effect = t.partition(":")
            k, _, v = kv.partition("=")
            taints.append({"key": k, "effect": effect, **({"value": v} if v else {})})
        if taints:
            spec["taints"] = taints
        return {"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": self.node_name, "labels": labels, "annotations": {
                    "node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
                "spec": spec, "status": self.node_status()}

    def sync_node(self):
        client = self.api_client()
        if client is None:
            return
        try:
            if not self.registered:
                node = self.node_object()
                try:
                    created = client.call("POST", "/api/v1/nodes", node)
                    klog(0, f'Successfully registered node "{self.node_name}"')
                except ApiError as e:
                    if e.code != 409:
                        raise
                    created = client.get(f"/api/v1/nodes/{self.node_name}")
                    klog(0, f'Node "{self.node_name}" was previously registered')
                    for c in dig(created, "status", "conditions", default=[]) or []:
                        self.conditions.setdefault(c.get("type"), c)
                self.registered, self.node_uid = True, created["metadata"]["uid"]
            client.call("PATCH", f"/api/v1/nodes/{self.node_name}/status",
                        {"status": self.node_status()},
                        content_type="application/strategic-merge-patch+json")
            self.last_logged.pop("node", None)
            self.sync_mirror_pods(client)
        except (ApiError, ConnError) as e:
            what = "Unable to register node with API server" if not self.registered else \
                "Error updating node status, will retry"
            self.log_change("node", f'{what}: node="{self.node_name}" err="{e}"')

    def sync_mirror_pods(self, client):
        """Mirror pods for static pods, as the real kubelet posts them."""
        want = {}
        for name, st in self.pods.items():
            pod = st["pod"]
            ns = dig(pod, "metadata", "namespace", default="kube-system")
            running = st["phase"] == "Running"
            src = json.dumps(pod, sort_keys=True)
            h = hashlib.sha256(src.encode()).hexdigest()[:32]
            meta = {"name": f"{name}-{self.node_name}", "namespace": ns,
                    "labels": dig(pod, "metadata", "labels", default={}) or {},
                    "annotations": dict(dig(pod, "metadata", "annotations", default={}) or {},
                                        **{"kubernetes.io/config.hash": h,
                                           "kubernetes.io/config.mirror": h,
                                           "kubernetes.io/config.source": "file"}),
                    "ownerReferences": [{"apiVersion": "v1", "kind": "Node",
                                         "name": self.node_name, "uid": self.node_uid,
                                         "controller": True}]}
            containers = dig(pod, "spec", "containers", default=[]) or []
            status = {"phase": st["phase"], "hostIP": self.node_ip, "podIP": self.node_ip,
                      "conditions": [{"type": "Ready", "status": str(running)}],
                      "containerStatuses": [{
                          "name": c.get("name"), "image": c.get("image"), "ready": running,
                          "restartCount": 0, "started": running,
                          "state": {"running": {}} if running else
                          {"waiting": {"reason": "CrashLoopBackOff", "message": st["message"]}}}
                          for c in containers]}
            cri_status = getattr(self, "pod_runner", None) and \
                self.pod_runner.static_status.get(name)
            if cri_status and running:  # the real container state, once the stand-in's is ok
                status = cri_status
            # A static pod tolerates every NoExecute taint (pkg/kubelet/config/common.go
            # applyDefaults), so taint eviction never deletes its mirror pod.
            spec = dict(pod.get("spec") or {}, nodeName=self.node_name)
            spec["tolerations"] = list(spec.get("tolerations") or []) + [
                {"operator": "Exists", "effect": "NoExecute"}]
            want[meta["name"]] = {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                                  "spec": spec,
                                  "status": status}
        for name, pod in want.items():
            blob = json.dumps(pod, sort_keys=True)
            if self.mirrors.get(name) == blob:
                continue
            ns = pod["metadata"]["namespace"]
            try:
                client.call("POST", f"/api/v1/namespaces/{ns}/pods", pod)
            except ApiError as e:
                if e.code != 409:
                    raise
                cur = client.get(f"/api/v1/namespaces/{ns}/pods/{name}")
                pod["metadata"]["resourceVersion"] = cur["metadata"]["resourceVersion"]
                client.call("PUT", f"/api/v1/namespaces/{ns}/pods/{name}", pod)
                pod["metadata"].pop("resourceVersion")
            client.call("PATCH", f"/api/v1/namespaces/{ns}/pods/{name}/status",
                        {"status": pod["status"]},
                        content_type="application/merge-patch+json")
            self.mirrors[name] = blob
        for name in [n for n in self.mirrors if n not in want]:
            # At once: pkg/kubelet/pod/mirror_client.go DeleteMirrorPod deletes with
            # gracePeriodSeconds 0 (a bound pod's default grace would leave it Terminating,
            # with no kubelet sync to finish it: mirror pods are never the status manager's).
            try:
                client.call("DELETE", f"/api/v1/namespaces/kube-system/pods/{name}",
                            {"kind": "DeleteOptions", "apiVersion": "v1",
                             "gracePeriodSeconds": 0})
            except ApiError:
                pass
            self.mirrors.pop(name)
