"""TEST DOUBLE: the few controllers the stand-in needs so applied workloads get pods, in the
state owner's API server process. One entry point, reconcile(api), so it can be gated (e.g. on
kube-controller-manager/kube-scheduler health) by its caller.

- DaemonSet controller (pkg/controller/daemon): one pod per eligible node, bound to that node
  (nodeName set, as daemon pods are scheduled with node affinity); eligibility = nodeSelector
  matches and every NoSchedule/NoExecute taint tolerated (daemon pods also tolerate
  node.kubernetes.io/unschedulable and not-ready/unreachable, as the controller adds them).
- Deployment -> ReplicaSet -> pods (pkg/controller/deployment, replicaset): one ReplicaSet per
  pod-template hash, old ones scaled to zero (Recreate-like); deleted pods are replaced.
- Scheduler (pkg/scheduler, reduced to NodeUnschedulable, NodeSelector, TaintToleration,
  VolumeBinding (standin_volumes.Binding) and fewest-pods spreading): binds pods without
  nodeName; otherwise PodScheduled=False with the scheduler's "0/N nodes are available" message
  and a FailedScheduling event.
- Claims and volumes: the PersistentVolume controller and local-path-provisioner
  (standin_volumes.Provisioner).
"""
import copy
import hashlib
import json
import random
import string
import time

import standin_volumes

DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]


def suffix(n=5):
    # the apiserver's generateName alphabet (no vowels, no confusable digits)
    return "".join(random.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(n))


def tolerates(tolerations, taint):
    for t in tolerations or []:
        if t.get("effect") and t["effect"] != taint.get("effect"):
            continue
        if t.get("operator") == "Exists":
            if not t.get("key") or t["key"] == taint.get("key"):
                return True
        elif t.get("key") == taint.get("key") and t.get("value", "") == taint.get("value", ""):
            return True
    return False


def unfit_reason(pod_spec, node, daemon=False):
    """None when the pod fits the node, else the scheduler's per-node reason."""
    spec = node.get("spec") or {}
    labels = (node.get("metadata") or {}).get("labels") or {}
    tolerations = list(pod_spec.get("tolerations") or []) + (DAEMON_TOLERATIONS if daemon else [])
    if spec.get("unschedulable") and not tolerates(
            tolerations, {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}):
        return "node(s) were unschedulable"
    for k, v in (pod_spec.get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            return "node(s) didn't match Pod's node affinity/selector"
    for t in spec.get("taints") or []:
        if t.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(tolerations, t):
            v = f"={t['value']}" if t.get("value") else ""
            return f"node(s) had untolerated taint {{{t.get('key')}{v}: }}"
    return None


def unschedulable_message(reasons, total):
    counts = {}
    for r in reasons:
        counts[r] = counts.get(r, 0) + 1
    parts = ", ".join(f"{n} {r}" for r, n in sorted(counts.items()))
    return f"0/{total} nodes are available: {parts}. preemption: 0/{total} nodes are available: " \
           f"{total} Preemption is not helpful for scheduling."


def template_hash(template):
    return hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]


# The revision a Deployment's ReplicaSets carry (pkg/controller/deployment/util): the newest
# template's ReplicaSet gets one more than any older one, even when it is an old template
# coming back; `kubectl rollout history/undo` read them.
REVISION = "deployment.kubernetes.io/revision"


def revision(obj):
    try:
        return int(((obj.get("metadata") or {}).get("annotations") or {}).get(REVISION, 0))
    except ValueError:
        return 0


def owned_by(obj, owner):
    return any(r.get("uid") == owner["metadata"]["uid"]
               for r in (obj.get("metadata") or {}).get("ownerReferences") or [])


def owner_ref(owner, kind, api_version="apps/v1"):
    return {"apiVersion": api_version, "kind": kind, "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


class Controllers:
    """Works on an in-process Api (standin.Api): its store and create/update/delete."""

    def __init__(self, api):
        self.api = api
        self.pods_res = api.find("", "v1", "pods")
        self.rs_res = api.find("apps", "v1", "replicasets")

    def pods(self, ns=None):
        return self.api.store.list("", "pods", ns)

    def new_pod(self, ns, prefix, template, owner, kind, extra_labels=None, node=None):
        meta = copy.deepcopy((template.get("metadata") or {}))
        meta.update(name=prefix + suffix(), namespace=ns,
                    ownerReferences=[owner_ref(owner, kind)])
        meta["labels"] = dict(meta.get("labels") or {}, **(extra_labels or {}))
        spec = copy.deepcopy(template.get("spec") or {})
        spec.setdefault("restartPolicy", "Always")
        spec.setdefault("dnsPolicy", "ClusterFirst")
        if node:
            spec["nodeName"] = node
            spec["tolerations"] = list(spec.get("tolerations") or []) + DAEMON_TOLERATIONS
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec,
               "status": {"phase": "Pending"}}
        return self.api.create_obj(self.pods_res, ns, pod, None)

    def try_new_pod(self, owner, kind, ns, template, extra_labels=None, node=None):
        """A controller's new pod, or None when the API server refuses it (PodSecurity): the
        real controllers record a FailedCreate event and try again later."""
        try:
            return self.new_pod(ns, owner["metadata"]["name"] + "-", template, owner, kind,
                                extra_labels, node)
        except Exception as e:
            if getattr(e, "code", None) != 403:
                raise
            self.failed_create(owner, kind, e.status.get("message", str(e)))
            return None

    def failed_create(self, owner, kind, message):
        meta = owner["metadata"]
        event = {"metadata": {"generateName": meta["name"] + "."},
                 "involvedObject": {"kind": kind, "name": meta["name"],
                                    "namespace": meta["namespace"], "uid": meta.get("uid")},
                 "reason": "FailedCreate", "type": "Warning",
                 "message": f"Error creating: {message}", "source": {"component": kind.lower()
                                                                      + "-controller"}}
        try:
            self.api.create_obj(self.api.find("", "v1", "events"), meta["namespace"], event, None)
        except Exception:  # events are best effort, as in the real controllers
            pass

    def delete_pod(self, pod):
        try:
            self.api.delete_obj(self.pods_res, pod["metadata"]["namespace"],
                                pod["metadata"]["name"])
        except Exception:  # already gone
            pass

    def set_status(self, res, obj, status):
        if obj.get("status") != status:
            obj = copy.deepcopy(obj)
            obj["status"] = status
            self.api.update_obj(res, obj["metadata"]["namespace"], obj["metadata"]["name"],
                                obj, "status")

    # -- DaemonSets ------------------------------------------------------------------------
    def daemonsets(self, nodes):
        res = self.api.find("apps", "v1", "daemonsets")
        for ds in self.api.store.list("apps", "daemonsets"):
            ns = ds["metadata"]["namespace"]
            template = (ds.get("spec") or {}).get("template") or {}
            tspec = template.get("spec") or {}
            h = template_hash(template)
            mine = [p for p in self.pods(ns) if owned_by(p, ds)]
            want = {n["metadata"]["name"] for n in nodes if unfit_reason(tspec, n, True) is None}
            have = {}
            for p in mine:
                node = (p.get("spec") or {}).get("nodeName")
                stale = (p["metadata"].get("labels") or {}).get("controller-revision-hash") != h
                if node not in want or node in have or stale:
                    self.delete_pod(p)
                else:
                    have[node] = p
            for node in sorted(want - set(have)):
                pod = self.try_new_pod(ds, "DaemonSet", ns, template,
                                       {"controller-revision-hash": h}, node)
                if pod is None:
                    break
                have[node] = pod
            ready = sum(1 for p in have.values() if is_ready(p))
            self.set_status(res, ds, {
                "currentNumberScheduled": len(have), "desiredNumberScheduled": len(want),
                "numberMisscheduled": 0, "numberReady": ready, "numberAvailable": ready,
                "numberUnavailable": len(want) - ready, "updatedNumberScheduled": len(have),
                "observedGeneration": ds["metadata"].get("generation", 1)})

    # -- Deployments and ReplicaSets --------------------------------------------------------
    def deployments(self):
        res = self.api.find("apps", "v1", "deployments")
        for d in self.api.store.list("apps", "deployments"):
            ns, name = d["metadata"]["namespace"], d["metadata"]["name"]
            spec = d.get("spec") or {}
            template = copy.deepcopy(spec.get("template") or {})
            h = template_hash(template)
            template.setdefault("metadata", {}).setdefault("labels", {})[
                "pod-template-hash"] = h
            replicas = int(spec.get("replicas", 1))
            rss = [r for r in self.api.store.list("apps", "replicasets", ns) if owned_by(r, d)]
            current = next((r for r in rss if r["metadata"]["name"] == f"{name}-{h}"), None)
            for r in rss:
                if r is not current and int((r.get("spec") or {}).get("replicas", 0)) != 0:
                    r["spec"]["replicas"] = 0
                    self.api.update_obj(self.rs_res, ns, r["metadata"]["name"], r, None)
            old_max = max((revision(r) for r in rss if r is not current), default=0)
            if current is None:
                sel = copy.deepcopy(spec.get("selector") or {})
                sel.setdefault("matchLabels", {})["pod-template-hash"] = h
                current = self.api.create_obj(self.rs_res, ns, {
                    "apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": f"{name}-{h}", "namespace": ns,
                                 "labels": dict(template["metadata"]["labels"]),
                                 "annotations": {REVISION: str(old_max + 1)},
                                 "ownerReferences": [owner_ref(d, "Deployment")]},
                    "spec": {"replicas": replicas, "selector": sel, "template": template}}, None)
            elif int(current["spec"].get("replicas", 0)) != replicas or \
                    revision(current) <= old_max:
                current["spec"]["replicas"] = replicas
                if revision(current) <= old_max:  # an old template back (rollout undo)
                    current["metadata"].setdefault("annotations", {})[REVISION] = \
                        str(old_max + 1)
                current = self.api.update_obj(self.rs_res, ns, current["metadata"]["name"],
                                              current, None)
            if revision(d) != revision(current):
                d["metadata"].setdefault("annotations", {})[REVISION] = str(revision(current))
                d = self.api.update_obj(res, ns, name, d, None)
            pods = [p for p in self.pods(ns) if any(owned_by(p, r) for r in rss)]
            ready = sum(1 for p in pods if is_ready(p) and owned_by(p, current))
            status = {"observedGeneration": d["metadata"].get("generation", 1),
                      "replicas": len(pods), "updatedReplicas": sum(
                          1 for p in pods if owned_by(p, current)),
                      "readyReplicas": ready, "availableReplicas": ready,
                      "unavailableReplicas": max(replicas - ready, 0),
                      "conditions": [{"type": "Available",
                                      "status": "True" if ready >= replicas else "False",
                                      "reason": "MinimumReplicasAvailable" if ready >= replicas
                                      else "MinimumReplicasUnavailable"}]}
            self.set_status(res, d, status)

    def replicasets(self):
        for rs in self.api.store.list("apps", "replicasets"):
            ns = rs["metadata"]["namespace"]
            spec = rs.get("spec") or {}
            want = int(spec.get("replicas", 1))
            mine = [p for p in self.pods(ns) if owned_by(p, rs)]
            for p in mine[want:]:
                self.delete_pod(p)
            for _ in range(want - len(mine)):
                pod = self.try_new_pod(rs, "ReplicaSet", ns, spec.get("template") or {})
                if pod is None:
                    break
                mine.append(pod)
            ready = sum(1 for p in mine[:want] if is_ready(p))
            self.set_status(self.rs_res, rs, {"replicas": min(len(mine), want),
                                              "readyReplicas": ready, "availableReplicas": ready,
                                              "fullyLabeledReplicas": min(len(mine), want),
                                              "observedGeneration":
                                                  rs["metadata"].get("generation", 1)})

    # -- scheduler -------------------------------------------------------------------------
    def schedule(self, nodes):
        load = {}
        for p in self.pods():
            n = (p.get("spec") or {}).get("nodeName")
            if n:
                load[n] = load.get(n, 0) + 1
        volumes = standin_volumes.Binding(self.api)
        for p in self.pods():
            spec = p.get("spec") or {}
            if spec.get("nodeName") or spec.get("schedulerName", "default-scheduler") != \
                    "default-scheduler":
                continue
            unresolvable = volumes.prefilter(p)
            reasons, fits = [], []
            for n in nodes if unresolvable is None else []:
                r = unfit_reason(spec, n) or volumes.node_reason(p, n)
                (reasons.append(r) if r else fits.append(n["metadata"]["name"]))
            assumed = volumes.assumed_node(p)
            if assumed is not None:  # an earlier pass chose it; PreBind waits for the claims
                fits = [n for n in fits if n == assumed]
            if not fits:
                message = unschedulable_message(reasons, len(nodes)) if unresolvable is None \
                    else prefilter_message(unresolvable, len(nodes))
                self.unschedulable(p, message)
                continue
            node = min(fits, key=lambda n: (load.get(n, 0), n))
            if not volumes.prebind(p, node):
                continue  # the claims are being provisioned on `node`
            load[node] = load.get(node, 0) + 1
            p["spec"]["nodeName"] = node  # the binding subresource's effect
            self.api.update_obj(self.pods_res, p["metadata"]["namespace"],
                                p["metadata"]["name"], p, None)

    def unschedulable(self, p, message):
        cond = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                "message": message, "lastProbeTime": None,
                "lastTransitionTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        old = [c for c in (p.get("status") or {}).get("conditions") or []
               if c.get("type") == "PodScheduled"]
        if not old or old[0].get("message") != cond["message"]:
            self.set_status(self.pods_res, p, {"phase": "Pending", "conditions": [cond]})
            standin_volumes.Provisioner(self.api).event(
                p, "Pod", "FailedScheduling", message, "Warning", "default-scheduler")


def prefilter_message(reason, total):
    """The FitError text when a PreFilter plugin rejects the pod (pkg/scheduler/framework
    FitError.Error: the PreFilter message, then the PostFilter (preemption) one)."""
    return f"0/{total} nodes are available: {reason}. preemption: 0/{total} nodes are " \
           f"available: {total} Preemption is not helpful for scheduling."


def is_ready(pod):
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def reconcile(api):
    """One pass of every controller over the state owned by `api` (standin.Api)."""
    c = Controllers(api)
    nodes = api.store.list("", "nodes")
    c.daemonsets(nodes)
    c.deployments()
    c.replicasets()
    standin_volumes.reconcile(api)
    c.schedule(nodes)
