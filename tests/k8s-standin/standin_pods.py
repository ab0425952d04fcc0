"""TEST DOUBLE: the stand-in kubelet's pod worker. It runs the node's pods on the node's REAL
containerd through CRI (standin_cri), the way the real kubelet's kuberuntime manager does
(pkg/kubelet/kuberuntime: SyncPod, generatePodSandboxConfig, generateContainerConfig), and turns
the real CRI state into the Pod status the API shows.

Readiness probes run as the prober does (standin_probes); image pulls go to the node's real
containerd and back off as the image manager does, crashed containers back off as
CrashLoopBackOff (standin_backoff); a pod marked for deletion has its containers stopped with
its grace period (SIGTERM, then SIGKILL) before the kubelet deletes it from the API
(pkg/kubelet/kubelet.go HandlePodRemoves/killPod, status_manager canBeDeleted).

Simplified on purpose (see README.md): no init containers, liveness or startup probes, or
volume contents other than hostPath, configMap and secret (standin_podconfig; emptyDir and
projected volumes are empty directories).
"""
import copy
import glob
import hashlib
import json
import os
import re
import shutil
import threading
import time
from datetime import datetime, timezone

import standin_controllers
import standin_events
import standin_cri as cri_mod
import standin_ipfamily
import standin_node_services
import standin_probes
import standin_resources
import standin_podconfig
import standin_volumes
from standin_backoff import CrashBackoff, ImagePuller
from standin_cri import CriError
from standin_podconfig import ConfigError, MountError

LOG_ROOT = "/var/log/pods"
PODS_ROOT = "/var/lib/kubelet/pods"
MIRROR = "kubernetes.io/config.mirror"


def rfc3339(ns):
    if not ns:
        return None
    return datetime.fromtimestamp(ns / 1e9, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def static_pod_uid(pod):
    """The config hash the real kubelet gives a static pod as its UID (and mirror annotation)."""
    return hashlib.sha256(json.dumps(pod, sort_keys=True).encode()).hexdigest()[:32]


def pull_policy(container):
    """Kubernetes' defaulting: Always for :latest or an untagged image, else IfNotPresent."""
    if container.get("imagePullPolicy"):
        return container["imagePullPolicy"]
    image = container.get("image", "")
    if "@" in image:
        return "IfNotPresent"
    tail = image.rsplit("/", 1)[-1]
    return "IfNotPresent" if ":" in tail and not tail.endswith(":latest") else "Always"


def qos_class(pod):
    """pkg/apis/core/helper/qos: Guaranteed, Burstable or BestEffort."""
    requests, limits, guaranteed = False, False, True
    for c in (pod.get("spec") or {}).get("containers") or []:
        r = (c.get("resources") or {}).get("requests") or {}
        lim = (c.get("resources") or {}).get("limits") or {}
        requests, limits = requests or bool(r), limits or bool(lim)
        for res in ("cpu", "memory"):
            if res not in lim or r.get(res, lim.get(res)) != lim[res]:
                guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def cgroup_parent(pod, uid, cgroup_root="/kubelet"):
    """The pod cgroup under the systemd driver, as kubelet's cm.CgroupName.ToSystemd names it:
    e.g. kubelet-kubepods-besteffort-pod<uid with _>.slice under kubelet.slice."""
    parts = [p for p in cgroup_root.split("/") if p] + ["kubepods"]
    qos = qos_class(pod)
    if qos != "Guaranteed":
        parts.append(qos.lower())
    parts.append("pod" + uid.replace("-", "_"))
    return "-".join(parts) + ".slice"


def expand(s, env):
    """$(VAR) expansion of command and args (kubelet's expansion.Expand, without escapes)."""
    return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), s)


def field_ref(path, pod, node_name, node_ip, pod_ip):
    meta = pod.get("metadata") or {}
    return {"metadata.name": meta.get("name", ""), "metadata.namespace": meta.get("namespace", ""),
            "metadata.uid": meta.get("uid", ""), "spec.nodeName": node_name,
            "spec.serviceAccountName": (pod.get("spec") or {}).get("serviceAccountName", ""),
            "status.hostIP": node_ip, "status.podIP": pod_ip}.get(path, "")


def memory_capacity():
    try:
        with open("/proc/meminfo") as f:
            m = re.search(r"MemTotal:\s+(\d+)", f.read())
        return int(m.group(1)) * 1024 if m else 0
    except OSError:
        return 0


def phase_of(pod, statuses):
    """Pod phase from container states (pkg/kubelet/kubelet_pods.go getPhase, simplified)."""
    policy = (pod.get("spec") or {}).get("restartPolicy", "Always")
    states = [next(iter(s["state"])) for s in statuses]
    if not states or "waiting" in states and not any(s.get("lastState") for s in statuses):
        return "Pending" if "running" not in states else "Running"
    if "running" in states:
        return "Running"
    if all(s == "terminated" for s in states):
        if policy == "Always":
            return "Running"
        codes = [s["state"]["terminated"].get("exitCode", 0) for s in statuses]
        return "Succeeded" if all(c == 0 for c in codes) else \
            ("Running" if policy == "OnFailure" else "Failed")
    return "Running" if any(s.get("lastState") for s in statuses) else "Pending"


class PodWorker:
    def __init__(self, cri, node_name, node_ip, kubelet_config):
        self.cri = cri
        self.node_name, self.node_ip = node_name, node_ip
        self.node_ips = [node_ip]  # every --node-ip address (the kubelet sets them)
        self.config = kubelet_config or {}
        self.puller = ImagePuller(cri)
        self.crash = CrashBackoff()
        self.prober = standin_probes.Prober(cri)
        self.probed = set()  # (uid, container) of the running containers this pass
        self.since = {}  # (uid, condition type) -> (status, lastTransitionTime)
        self.terminations = {}  # uid -> {"done": bool} for pods being stopped
        self.inspected = {}  # (container id, state) -> CRI ContainerStatus
        self.sandbox_ips = {}  # sandbox id -> [ips]
        self.runtime_status = None
        self.errors = {}  # uid -> last sandbox error
        self.memory_capacity = memory_capacity()  # for Burstable pods' oom_score_adj
        self.volumes = standin_podconfig.Volumes(self.config, root=PODS_ROOT)  # configMap, secret

    # -- runtime state ---------------------------------------------------------------------
    def runtime_problems(self):
        try:
            self.runtime_status = self.cri.status()
        except CriError as e:
            self.runtime_status = None
            return [f"container runtime is down: {e}"]
        return cri_mod.runtime_problems(self.runtime_status)

    def network_ready(self):
        conds = ((self.runtime_status or {}).get("status") or {}).get("conditions") or []
        return any(c.get("type") == "NetworkReady" and c.get("status") for c in conds)

    # -- one pass over every pod ---------------------------------------------------------
    def sync(self, pods, prune=True):
        """pods: {uid: pod object}. Returns {uid: pod status} from the runtime's state.
        prune: remove sandboxes of pods not in `pods` (only when the API answered)."""
        sandboxes = self.cri.sandboxes()
        containers = self.cri.containers()
        for sb in sandboxes:  # pods that are gone: stop and remove (killPodWithSyncResult)
            uid = (sb.get("labels") or {}).get("io.kubernetes.pod.uid")
            if prune and uid and uid not in pods:
                self.cri.stop_sandbox(sb["id"])
                self.cri.remove_sandbox(sb["id"])
                remove_pod_logs(uid)
        if prune:
            self.volumes.clean(set(pods))
        out = {}
        self.probed = set()
        for uid, pod in pods.items():
            mine = [s for s in sandboxes if (s.get("labels") or {}).get("io.kubernetes.pod.uid")
                    == uid]
            try:
                if (pod.get("metadata") or {}).get("deletionTimestamp"):
                    self.terminate(uid, pod, mine, containers)
                    continue
                out[uid] = self.sync_pod(uid, pod, mine, containers)
            except CriError as e:
                self.errors[uid] = str(e)
                out[uid] = self.pending(pod, "ContainerCreating", str(e))
        self.prober.forget(self.probed)
        if prune:
            self.puller.forget(set(pods))
            for key in [k for k in self.since if k[0] not in pods]:
                self.since.pop(key)
            for uid in [u for u in self.terminations if u not in pods]:
                self.terminations.pop(uid)
        return out

    # -- pods marked for deletion --------------------------------------------------------
    def terminate(self, uid, pod, sandboxes, containers):
        """Stops the pod's containers with its grace period, in the background (a container
        ignoring SIGTERM holds only its own pod), then its sandbox."""
        if uid in self.terminations:
            return
        self.terminations[uid] = {"done": False}
        grace = int((pod.get("metadata") or {}).get("deletionGracePeriodSeconds") or 0)
        sids = [sb["id"] for sb in sandboxes]
        cids = [c["id"] for c in containers if c.get("pod_sandbox_id") in sids and
                c.get("state") == cri_mod.CONTAINER_RUNNING]

        def kill():
            for cid in cids:
                try:
                    self.cri.stop(cid, grace)
                except CriError:
                    pass
            for sid in sids:
                try:
                    self.cri.stop_sandbox(sid)
                    self.cri.remove_sandbox(sid)
                except CriError:
                    pass
            self.terminations[uid]["done"] = True
        threading.Thread(target=kill, name="kill-" + uid[:8], daemon=True).start()

    def terminated(self):
        """uids of the pods whose containers are all stopped: the kubelet deletes them."""
        return {u for u, t in self.terminations.items() if t["done"]}

    def pending(self, pod, reason, message, ip=None):
        spec = pod.get("spec") or {}
        st = [{"name": c.get("name"), "image": c.get("image"), "imageID": "", "ready": False,
               "started": False, "restartCount": 0,
               "state": {"waiting": {"reason": reason, **({"message": message} if message
                                                          else {})}}}
              for c in spec.get("containers") or []]
        return self.status(pod, st, ip, sandbox_ready=False)

    def status(self, pod, statuses, ip, sandbox_ready, started=None):
        ready = bool(statuses) and all(s["ready"] for s in statuses)
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        uid = (pod.get("metadata") or {}).get("uid", "")
        unready = [s["name"] for s in statuses if not s["ready"]]

        def cond(t, ok, reason=None):
            # the transition time moves only when the status does (minReadySeconds reads it)
            st = "True" if ok else "False"
            prev = self.since.get((uid, t))
            since = prev[1] if prev and prev[0] == st else now
            self.since[(uid, t)] = (st, since)
            extra = {"reason": reason, "message": f"containers with unready status: "
                     f"[{' '.join(unready)}]"} if reason and not ok else {}
            return dict({"type": t, "status": st, "lastProbeTime": None,
                         "lastTransitionTime": since}, **extra)
        ips = ip or []
        return {
            "phase": phase_of(pod, statuses),
            "conditions": [cond("PodReadyToStartContainers", sandbox_ready),
                           cond("Initialized", True),
                           cond("Ready", ready, "ContainersNotReady"),
                           cond("ContainersReady", ready, "ContainersNotReady"),
                           cond("PodScheduled", True)],
            "hostIP": self.node_ip, "hostIPs": [{"ip": i} for i in self.node_ips],
            **({"podIP": ips[0], "podIPs": [{"ip": i} for i in ips]} if ips else {}),
            "startTime": started or now, "qosClass": qos_class(pod),
            "containerStatuses": statuses}

    def sandbox_config(self, uid, pod):
        meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
        ns, name = meta.get("namespace", "default"), meta.get("name", "")
        hostnet = bool(spec.get("hostNetwork"))
        labels = dict(meta.get("labels") or {}, **{
            "io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": ns,
            "io.kubernetes.pod.uid": uid})
        dns = None
        if not hostnet and spec.get("dnsPolicy", "ClusterFirst") == "ClusterFirst" and \
                self.config.get("clusterDNS"):
            domain = self.config.get("clusterDomain", "cluster.local")
            dns = {"servers": list(self.config["clusterDNS"]),
                   "searches": [f"{ns}.svc.{domain}", f"svc.{domain}", domain],
                   "options": ["ndots:5"]}
        cfg = {"metadata": {"name": name, "uid": uid, "namespace": ns, "attempt": 0},
               # kubelet sets a hostname only for pods with their own UTS namespace
               **({} if hostnet else {"hostname": (spec.get("hostname") or name)[:63]}),
               "log_directory": f"{LOG_ROOT}/{ns}_{name}_{uid}",
               "labels": labels, "annotations": dict(meta.get("annotations") or {}),
               "linux": {"cgroup_parent": cgroup_parent(pod, uid,
                                                        self.config.get("cgroupRoot", "/kubelet")),
                         "security_context": {
                             # kubelet: privileged sandbox iff a container is privileged
                             "privileged": any(
                                 (c.get("securityContext") or {}).get("privileged")
                                 for c in spec.get("containers") or []),
                             "namespace_options": {
                             "network": cri_mod.NAMESPACE_NODE if hostnet else
                             cri_mod.NAMESPACE_POD,
                             "pid": cri_mod.NAMESPACE_NODE if spec.get("hostPID") else
                             cri_mod.NAMESPACE_CONTAINER,
                             "ipc": cri_mod.NAMESPACE_NODE if spec.get("hostIPC") else
                             cri_mod.NAMESPACE_POD}}}}
        if dns:
            cfg["dns_config"] = dns
        return cfg

    def mounts(self, uid, pod, container):
        vols = {v.get("name"): v for v in (pod.get("spec") or {}).get("volumes") or []}
        out = []
        for m in container.get("volumeMounts") or []:
            v = vols.get(m.get("name")) or {}
            if "hostPath" in v:
                host = v["hostPath"].get("path", "")
                kind = v["hostPath"].get("type", "")
                if kind == "DirectoryOrCreate":
                    os.makedirs(host, exist_ok=True)
                elif kind == "FileOrCreate" and not os.path.exists(host):
                    os.makedirs(os.path.dirname(host) or "/", exist_ok=True)
                    open(host, "a").close()
            else:
                kind = next((k for k in v if k != "name"), "emptyDir")
                host = f"{PODS_ROOT}/{uid}/volumes/kubernetes.io~{kind.lower()}/{m.get('name')}"
                os.makedirs(host, exist_ok=True)
            out.append({"container_path": m.get("mountPath", ""), "host_path": host,
                        "readonly": bool(m.get("readOnly"))})
        return out

    def container_config(self, uid, pod, c, attempt, pod_ip):
        meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
        if pod.get("standinSources") is None and standin_podconfig.references(pod):
            raise ConfigError("failed to sync configmap or secret cache: the API did not answer")
        env = standin_podconfig.environment(
            pod, c, pod.get("standinSources") or {},
            lambda ref: field_ref(ref, pod, self.node_name, self.node_ip, pod_ip), expand)
        sc = c.get("securityContext") or {}
        hostnet = bool(spec.get("hostNetwork"))
        return {
            "metadata": {"name": c.get("name"), "attempt": attempt},
            "image": c.get("image", ""),
            "command": [expand(x, env) for x in c.get("command") or []],
            "args": [expand(x, env) for x in c.get("args") or []],
            "working_dir": c.get("workingDir", ""),
            "envs": [{"key": k, "value": v} for k, v in env.items()],
            "mounts": self.mounts(uid, pod, c),
            "labels": {"io.kubernetes.container.name": c.get("name"),
                       "io.kubernetes.pod.name": meta.get("name"),
                       "io.kubernetes.pod.namespace": meta.get("namespace", "default"),
                       "io.kubernetes.pod.uid": uid},
            "annotations": {"io.kubernetes.container.restartCount": str(attempt)},
            "log_path": f"{c.get('name')}/{attempt}.log",
            "linux": {"resources": standin_resources.linux_resources(
                c, qos_class(pod), self.memory_capacity), "security_context": {
                "privileged": bool(sc.get("privileged")),
                "capabilities_add": list((sc.get("capabilities") or {}).get("add") or []),
                "namespace_options": {
                    "network": cri_mod.NAMESPACE_NODE if hostnet else cri_mod.NAMESPACE_POD,
                    "pid": cri_mod.NAMESPACE_NODE if spec.get("hostPID") else
                    cri_mod.NAMESPACE_CONTAINER,
                    "ipc": cri_mod.NAMESPACE_NODE if spec.get("hostIPC") else
                    cri_mod.NAMESPACE_POD}}}}

    def inspect(self, c):
        key = (c["id"], c.get("state"))
        if key not in self.inspected:
            self.inspected[key] = (self.cri.container_status(c["id"]) or {}).get("status") or {}
        return self.inspected[key]

    def sync_pod(self, uid, pod, sandboxes, containers):
        spec = pod.get("spec") or {}
        if not sandboxes and any("standinUnmounted" in v for v in spec.get("volumes") or []):
            return self.pending(pod, "ContainerCreating", None)
        if pod.get("standinSources") is not None:
            try:  # the volume manager's WaitForAttachAndMount, then each sync's refresh
                self.volumes.set_up(uid, pod, pod["standinSources"])
            except (MountError, ConfigError, OSError) as e:
                self.errors[uid] = str(e)
                if not sandboxes:
                    return self.pending(pod, "ContainerCreating", None)
        hostnet = bool(spec.get("hostNetwork"))
        if not hostnet and not self.network_ready():
            # pod_workers: "network is not ready" keeps non-host-network pods waiting
            return self.pending(pod, "ContainerCreating", None)
        ready = sorted((s for s in sandboxes if s.get("state") == cri_mod.SANDBOX_READY),
                       key=lambda s: s.get("created_at", 0))
        sb = ready[-1] if ready else None
        for old in sandboxes:
            if sb is None or old["id"] != sb["id"]:
                self.cri.stop_sandbox(old["id"])
                self.cri.remove_sandbox(old["id"])
        sconf = self.sandbox_config(uid, pod)
        if sb is None:
            os.makedirs(sconf["log_directory"], exist_ok=True)
            sconf["metadata"]["attempt"] = len(sandboxes)
            sid = self.cri.run_sandbox(sconf)
            sb = {"id": sid, "created_at": time.time_ns()}
        else:
            sconf["metadata"]["attempt"] = (sb.get("metadata") or {}).get("attempt", 0)
        sid = sb["id"]
        if hostnet:
            ips = list(self.node_ips)
        else:
            if sid not in self.sandbox_ips:
                net = ((self.cri.sandbox_status(sid).get("status") or {}).get("network") or {})
                self.sandbox_ips[sid] = [i for i in [net.get("ip")] + [
                    a.get("ip") for a in net.get("additional_ips") or []] if i]
            ips = self.sandbox_ips[sid]
        statuses = []
        for c in spec.get("containers") or []:
            statuses.append(self.sync_container(uid, pod, c, sid, sconf, containers,
                                                ips[0] if ips else ""))
        return self.status(pod, statuses, ips, True, rfc3339(sb.get("created_at")))

    def sync_container(self, uid, pod, c, sid, sconf, containers, pod_ip):
        name = c.get("name")
        mine = sorted((x for x in containers if x.get("pod_sandbox_id") == sid and
                       (x.get("metadata") or {}).get("name") == name),
                      key=lambda x: (x.get("metadata") or {}).get("attempt", 0))
        base = {"name": name, "image": c.get("image"), "imageID": "", "ready": False,
                "started": False, "restartCount": 0}
        last = mine[-1] if mine else None
        policy = (pod.get("spec") or {}).get("restartPolicy", "Always")
        extra = {}
        if last is not None:
            st = self.inspect(last)
            attempt = (last.get("metadata") or {}).get("attempt", 0)
            base.update(restartCount=attempt, imageID=last.get("image_ref", ""),
                        containerID="containerd://" + last["id"])
            if last.get("state") == cri_mod.CONTAINER_CREATED:
                self.cri.start(last["id"])
                self.inspected.pop((last["id"], last.get("state")), None)
                return self.running(uid, c, last["id"], base, pod_ip, time.time())
            if last.get("state") == cri_mod.CONTAINER_RUNNING:
                return self.running(uid, c, last["id"], base, pod_ip,
                                    (st.get("started_at") or time.time_ns()) / 1e9)
            term = {"exitCode": st.get("exit_code", 0), "reason": st.get("reason") or
                    ("Completed" if not st.get("exit_code") else "Error"),
                    "startedAt": rfc3339(st.get("started_at")),
                    "finishedAt": rfc3339(st.get("finished_at")),
                    "containerID": "containerd://" + last["id"]}
            if policy == "Never" or (policy == "OnFailure" and not st.get("exit_code")):
                return dict(base, state={"terminated": term})
            extra = {"lastState": {"terminated": term}}
            for old in mine[:-1]:  # kubelet keeps only the most recent dead container
                self.cri.remove_container(old["id"])
            finished = (st.get("finished_at") or time.time_ns()) / 1e9
            if not self.crash.restart_now((uid, name), finished):
                return dict(base, state={"waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": self.crash.message((uid, name), name, pod)}}, **extra)
            attempt += 1
        else:
            attempt = 0
        image = c.get("image", "")
        wait = self.puller.ensure(uid, image, pull_policy(c), self.cri.image_present(image))
        if wait is not None:
            reason, message = wait
            return dict(base, state={"waiting": dict(
                {"reason": reason}, **({"message": message} if message else {}))}, **extra)
        try:
            config = self.container_config(uid, pod, c, attempt, pod_ip)
        except ConfigError as e:  # kuberuntime startContainer: ErrCreateContainerConfig
            return dict(base, state={"waiting": {
                "reason": standin_podconfig.CONFIG_ERROR, "message": str(e)}}, **extra)
        os.makedirs(os.path.join(sconf["log_directory"], name), exist_ok=True)
        cid = self.cri.create_container(sid, config, sconf)
        self.cri.start(cid)
        return self.running(uid, c, cid, dict(base, restartCount=attempt,
                                              containerID="containerd://" + cid),
                            pod_ip, time.time(), extra)

    def running(self, uid, c, cid, base, host, started, extra=None):
        """A running container's status; ready once its readiness probe (if any) passes."""
        self.probed.add((uid, c.get("name")))
        ready = self.prober.readiness(uid, c, cid, host, started)
        return dict(base, started=True, ready=ready, state={"running": {
            "startedAt": rfc3339(int(started * 1e9))}}, **(extra or {}))


class KubeletPods:
    """What the stand-in kubelet (standin.Kubelet) adds for pods: a loop that runs its static
    pods and its API pods on containerd and posts their status, and, on the node whose API
    server owns the state, the controllers. Runs in its own thread so slow CRI calls never
    delay the node heartbeat."""

    def __init__(self, kubelet, worker):
        self.kubelet, self.worker = kubelet, worker
        self.static_status = {}  # static pod name -> pod status from CRI
        self.posted = {}  # "ns/name" -> last posted status JSON
        self.problems = {}
        self.services = standin_node_services.NodeServices(kubelet, worker)
        self.recorder = standin_events.Recorder(getattr(kubelet, "node_name", ""))

    def runtime_problems(self):
        return self.worker.runtime_problems() if self.worker else []

    def loop(self):
        k = self.kubelet
        while not k.stop.wait(1.0):
            srv = getattr(k.apiserver, "server", None) if k.apiserver else None
            api = getattr(srv, "api", None)
            running = self.controllers_may_run(srv) if api is not None else set()
            if running:
                try:
                    standin_controllers.reconcile(api, "kube-controller-manager" in running,
                                                  "kube-scheduler" in running)
                except Exception as e:
                    k.log_change("controllers", f"controllers: {e}")
            try:
                self.tick() if self.worker is not None else self.finish_deletions()
            except Exception as e:
                k.log_change("pods", f"pod sync: {e}")

    def controllers_may_run(self, srv):
        """Which of kube-controller-manager and kube-scheduler act: as in a real cluster, each
        only while this control plane's runs healthy (the other may be away: the scheduler's
        manifest moved, say), and (with stacked etcd) only on the member that leads, so one
        control plane reconciles at a time."""
        etcd = getattr(srv, "etcd", None)
        if etcd is not None and not etcd.is_leader():
            return set()
        comps = getattr(self.kubelet, "components", {})
        return {b for b in ("kube-controller-manager", "kube-scheduler")
                if getattr(comps.get(b), "error", "not running") is None}

    def publish_nodes(self, client):
        # Stand-in only: the test kindnetd image reads the Nodes from this file (the real
        # kindnetd lists them through the API with its service account).
        try:
            write_if_changed(NODES_FILE, nodes_lines(client.get("/api/v1/nodes").get("items")
                                                     or []))
        except Exception as e:
            self.kubelet.log_change("nodes-file", f"{NODES_FILE}: {e}")

    def tick(self):
        k = self.kubelet
        pods, static = {}, {}
        for name, st in list(k.pods.items()):
            pod = copy.deepcopy(st["pod"])
            uid = static_pod_uid(st["pod"])
            meta = pod.setdefault("metadata", {})
            meta.update(name=f"{name}-{k.node_name}", uid=uid,
                        namespace=meta.get("namespace", "kube-system"))
            pods[uid], static[uid] = pod, name
        client, listed = k.client, False
        if client is not None and k.registered:
            try:
                items = client.get(f"/api/v1/pods?fieldSelector=spec.nodeName={k.node_name}")
                for p in items.get("items") or []:
                    meta = p.get("metadata") or {}
                    if MIRROR not in (meta.get("annotations") or {}):
                        pods[meta["uid"]] = self.with_sources(client,
                                                              self.with_volumes(client, p))
                listed = True
            except Exception as e:
                k.log_change("pods-list", f"listing this node's pods: {e}")
        if listed:
            self.publish_nodes(client)
        statuses = self.worker.sync(pods, prune=listed)
        if listed:
            for uid in self.worker.terminated():
                self.delete_stopped(client, pods.get(uid))
            try:
                self.services.sync(client, pods, statuses)
            except Exception as e:
                k.log_change("services", f"kube-proxy/DNS (stand-in): {e}")
        self.static_status = {static[u]: s for u, s in statuses.items() if u in static}
        for uid, status in statuses.items():
            if uid in static:
                continue
            meta = pods[uid]["metadata"]
            key = f"{meta['namespace']}/{meta['name']}"
            blob = json.dumps({k2: v for k2, v in status.items() if k2 != "conditions"},
                              sort_keys=True) + json.dumps(
                [(c["type"], c["status"]) for c in status["conditions"]])
            if self.posted.get(key) == blob:
                continue
            try:
                client.call("PATCH", f"/api/v1/namespaces/{meta['namespace']}/pods/"
                                     f"{meta['name']}/status", {"status": status},
                            content_type="application/merge-patch+json")
                self.posted[key] = blob
            except Exception as e:
                k.log_change("pod-status", f"pod status {key}: {e}")
        if listed:  # after the statuses: the real recorder writes events on its own goroutine
            self.record_events(client, pods, {u: s for u, s in statuses.items()
                                              if u not in static})


    def record_events(self, client, pods, statuses):
        """The events a real kubelet records for containers that wait (standin_events)."""
        for uid, status in statuses.items():
            for cs in status.get("containerStatuses") or []:
                w = (cs.get("state") or {}).get("waiting") or {}
                for type_, reason, message in standin_events.container_events(
                        (w.get("reason"), w.get("message")), cs.get("image"), cs.get("name"),
                        pods[uid]):
                    ev = self.recorder.container_event(pods[uid], cs.get("name"), type_,
                                                       reason, message)
                    if ev is not None:
                        standin_events.send(client, self.recorder, ev)

    def with_sources(self, client, pod):
        """The pod with the ConfigMaps and Secrets it names, read now (standin_podconfig);
        None when the API did not answer, so nothing is written or started from stale data."""
        pod = dict(pod)
        try:
            pod["standinSources"] = standin_podconfig.fetch(pod, client.get)
        except Exception as e:
            self.kubelet.log_change(f"sources-{pod['metadata'].get('uid')}",
                                    f"reading the pod's configmaps and secrets: {e}")
            pod["standinSources"] = None
        return pod

    def with_volumes(self, client, pod):
        """The pod with its claims as their volumes' paths; while a claim is not usable, the
        volume is marked and the pod waits in ContainerCreating (the volume manager's wait)."""
        try:
            return standin_volumes.resolve_claims(pod, client.get)
        except ValueError as e:
            self.kubelet.log_change(f"mount-{pod['metadata'].get('uid')}",
                                    f"unable to attach or mount volumes: {e}")
            pod = copy.deepcopy(pod)
            for v in pod["spec"].get("volumes") or []:
                if "persistentVolumeClaim" in v:
                    v["standinUnmounted"] = str(e)
            return pod

    def delete_stopped(self, client, pod):
        """Every container stopped: the kubelet deletes the pod for good (status_manager:
        canBeDeleted, then Delete with gracePeriodSeconds 0 and the pod's UID as
        precondition)."""
        meta = (pod or {}).get("metadata") or {}
        if not meta.get("deletionTimestamp"):
            return
        try:
            client.call("DELETE", f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}",
                        {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0,
                         "preconditions": {"uid": meta["uid"]}})
        except Exception as e:
            self.kubelet.log_change("pod-delete", f"deleting pod {meta['name']}: {e}")

    def finish_deletions(self):
        """Without a container runtime (host-side tests) nothing runs, so a pod marked for
        deletion has nothing to stop and is deleted at once."""
        k = self.kubelet
        if k.client is None or not k.registered:
            return
        items = k.client.get(f"/api/v1/pods?fieldSelector=spec.nodeName={k.node_name}")
        for p in items.get("items") or []:
            self.delete_stopped(k.client, p)


NODES_FILE = "/etc/cni/net.d/.standin-nodes"


def nodes_lines(nodes):
    """'name ips pod-cidrs' per Node, every family (standin_ipfamily.nodes_lines)."""
    return standin_ipfamily.nodes_lines(nodes)


def remove_pod_logs(uid):
    """A deleted pod's log folder goes with it (kuberuntime_gc.go evictPodLogsDirectories), so
    a new pod of the same name never shows the old one's logs."""
    for d in glob.glob(f"{LOG_ROOT}/*_{glob.escape(uid)}"):
        shutil.rmtree(d, ignore_errors=True)


def write_if_changed(path, text):
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except OSError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def attach(kubelet, root):
    """Start the pod loop for a standin.Kubelet. Under STANDIN_ROOT (host-side unit tests) no
    containerd is there: only the controllers run, unless STANDIN_CRI_CLIENT names a client."""
    worker = None
    if not root or os.environ.get("STANDIN_CRI_CLIENT"):
        endpoint = kubelet.flags.get("container-runtime-endpoint",
                                     "unix:///run/containerd/containerd.sock")
        worker = PodWorker(cri_mod.Cri(endpoint), kubelet.node_name, kubelet.node_ip,
                           kubelet.config)
        worker.node_ips = list(getattr(kubelet, "node_ips", [kubelet.node_ip]))
    pods = KubeletPods(kubelet, worker)
    threading.Thread(target=pods.loop, name="pods", daemon=True).start()
    return pods
