"""TEST DOUBLE: the few controllers the stand-in needs so applied workloads get pods, in the
state owner's API server process. One entry point, reconcile(api), so it can be gated (e.g. on
kube-controller-manager/kube-scheduler health) by its caller.

- DaemonSet controller (pkg/controller/daemon): one pod per eligible node, bound to that node
  (nodeName set, as daemon pods are scheduled with node affinity); eligibility = nodeSelector
  matches and every NoSchedule/NoExecute taint tolerated (daemon pods also tolerate
  node.kubernetes.io/unschedulable and not-ready/unreachable, as the controller adds them).
- Deployment -> ReplicaSet -> pods (pkg/controller/deployment, replicaset): rolling updates
  and Recreate as upstream (standin_deployment.py, which cites the upstream functions); deleted
  pods are replaced.
- EndpointSlices for Services (standin_endpointslice, pkg/controller/endpointslice).
- Scheduler (pkg/scheduler; the filters and the message are standin_scheduler's, scoring is
  reduced to fewest pods per node): binds pods without nodeName with a Scheduled event;
  otherwise PodScheduled=False reason Unschedulable and a FailedScheduling Warning event
  (reportingController default-scheduler), both with the scheduler's "0/N nodes are
  available: ..." message (pkg/scheduler/schedule_one.go handleSchedulingFailure).
- Claims and volumes: the PersistentVolume controller and local-path-provisioner
  (standin_volumes.Provisioner); the scheduler's VolumeBinding filter (standin_volumes.Binding).
"""
import copy
import hashlib
import json
import random
import string
import time

import standin_deployment as dep
import standin_endpointslice
import standin_nodelifecycle
import standin_scheduler
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


def unfit_reason(pod_spec, node, daemon=False):
    """None when a daemon (or any) pod may go to the node as the DaemonSet controller decides
    (taints, unschedulable, node affinity: standin_scheduler's filters without resources),
    else the scheduler's reason for that node."""
    extra = DAEMON_TOLERATIONS if daemon else ()
    st = standin_scheduler.filter_node(dict(pod_spec, containers=[]), node, [], None, extra)
    return st[1][0] if st else None


def template_hash(template):
    return hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]


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

    # -- Deployments and ReplicaSets (rollout logic in standin_deployment) ------------------
    def deployments(self):
        res = self.api.find("apps", "v1", "deployments")
        for d in self.api.store.list("apps", "deployments"):
            try:
                self.deployment(res, d)
            except dep.Invalid:  # refused at admission; an old object is left as it is
                continue

    def owned_rss(self, d):
        return [r for r in self.api.store.list("apps", "replicasets", d["metadata"]["namespace"])
                if owned_by(r, d) and not dep.is_terminating(r)]

    def deployment(self, res, d):
        ns, name = d["metadata"]["namespace"], d["metadata"]["name"]
        spec = d.get("spec") or {}
        recreate = (spec.get("strategy") or {}).get("type") == "Recreate"
        rss = self.owned_rss(d)
        matching = sorted((r for r in rss if dep.equal_ignore_hash(
            (r.get("spec") or {}).get("template"), spec.get("template"))),
            key=lambda r: r["metadata"].get("creationTimestamp", ""))
        new_rs = matching[0] if matching else None
        old_rss = [r for r in rss if r is not new_rs]
        old_max = max((dep.revision(r) for r in old_rss), default=0)
        created = False
        if spec.get("paused"):
            self.set_status(res, d, dep.rollout_status(d, rss, new_rs, False))
            return
        old_running = any(owned_by(p, r) for p in self.pods(ns) for r in old_rss)
        if new_rs is None and (not recreate or not old_running and
                               not any(dep.spec_replicas(r) for r in old_rss)):
            size = int(spec.get("replicas", 1)) if recreate else \
                dep.new_rs_new_replicas(spec, old_rss, None)
            new_rs, created = self.new_replicaset(d, size, old_max + 1), True
        elif new_rs is not None and (dep.revision(new_rs) <= old_max or
                                     (new_rs.get("spec") or {}).get("minReadySeconds", 0) !=
                                     spec.get("minReadySeconds", 0)):
            # an old template back (rollout undo) becomes the newest revision
            new_rs = copy.deepcopy(new_rs)
            if dep.revision(new_rs) <= old_max:
                new_rs["metadata"].setdefault("annotations", {})[dep.REVISION] = \
                    str(old_max + 1)
            new_rs["spec"]["minReadySeconds"] = spec.get("minReadySeconds", 0)
            new_rs = self.api.update_obj(self.rs_res, ns, new_rs["metadata"]["name"], new_rs,
                                         None)
        if new_rs is not None and dep.revision(d) != dep.revision(new_rs):
            d = copy.deepcopy(d)
            d["metadata"].setdefault("annotations", {})[dep.REVISION] = \
                str(dep.revision(new_rs))
            d = self.api.update_obj(res, ns, name, d, None)
        plan = dep.recreate_plan(spec, new_rs, old_rss, old_running) if recreate else \
            dep.scale_plan(spec, new_rs, old_rss)
        all_rss = []
        for r in [new_rs] + old_rss if new_rs else old_rss:
            if r["metadata"]["name"] in plan:
                r = copy.deepcopy(r)
                r["spec"]["replicas"] = plan[r["metadata"]["name"]]
                r = self.api.update_obj(self.rs_res, ns, r["metadata"]["name"], r, None)
            all_rss.append(r)
        self.set_status(res, d, dep.rollout_status(d, all_rss, new_rs, created))

    def new_replicaset(self, d, size, rev):
        ns, name = d["metadata"]["namespace"], d["metadata"]["name"]
        spec = d.get("spec") or {}
        template = copy.deepcopy(spec.get("template") or {})
        h = dep.template_hash(template, (d.get("status") or {}).get("collisionCount"))
        template.setdefault("metadata", {}).setdefault("labels", {})[dep.HASH_LABEL] = h
        sel = copy.deepcopy(spec.get("selector") or {})
        sel.setdefault("matchLabels", {})[dep.HASH_LABEL] = h
        return self.api.create_obj(self.rs_res, ns, {
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": f"{name}-{h}", "namespace": ns,
                         "labels": dict(template["metadata"]["labels"]),
                         "annotations": {dep.REVISION: str(rev)},
                         "ownerReferences": [owner_ref(d, "Deployment")]},
            "spec": {"replicas": size, "minReadySeconds": spec.get("minReadySeconds", 0),
                     "selector": sel, "template": template}}, None)

    def replicasets(self):
        for rs in self.api.store.list("apps", "replicasets"):
            ns = rs["metadata"]["namespace"]
            spec = rs.get("spec") or {}
            want = int(spec.get("replicas", 1))
            mine = [p for p in self.pods(ns) if owned_by(p, rs) and not dep.is_terminating(p)]
            if len(mine) > want:  # the pods that matter least go first
                mine.sort(key=dep.deletion_rank)
                for p in mine[:len(mine) - want]:
                    self.delete_pod(p)
                mine = mine[len(mine) - want:]
            for _ in range(want - len(mine)):
                pod = self.try_new_pod(rs, "ReplicaSet", ns, spec.get("template") or {})
                if pod is None:
                    break
                mine.append(pod)
            min_ready = int(spec.get("minReadySeconds", 0) or 0)
            status = {"replicas": len(mine), "fullyLabeledReplicas": len(mine),
                      "readyReplicas": sum(1 for p in mine if is_ready(p)),
                      "availableReplicas": sum(1 for p in mine
                                               if dep.is_available(p, min_ready)),
                      "observedGeneration": rs["metadata"].get("generation", 1)}
            # the API's omitempty: zero counts other than replicas are not shown
            self.set_status(self.rs_res, rs, {k: v for k, v in status.items()
                                              if v or k == "replicas"})

    # -- taint eviction (standin_nodelifecycle) ---------------------------------------------
    def taint_eviction(self, nodes):
        """pkg/controller/tainteviction: pods on a node with NoExecute taints they do not
        tolerate (or no longer: tolerationSeconds passed) are marked DisruptionTarget and
        deleted, gracefully (they stay Terminating until their kubelet confirms)."""
        by_name = {n["metadata"]["name"]: n for n in nodes}
        now = time.time()
        for p in self.pods():
            node = by_name.get((p.get("spec") or {}).get("nodeName"))
            if node is None or p["metadata"].get("deletionTimestamp"):
                continue
            when = standin_nodelifecycle.eviction_time(p, node)
            if when is None or when > now:
                continue
            ns, name = p["metadata"]["namespace"], p["metadata"]["name"]
            self.event(p, "Normal", "TaintManagerEviction", f"Marking for deletion Pod {ns}/{name}",
                       component="taint-eviction-controller")
            status = copy.deepcopy(p.get("status") or {})
            conds = [c for c in status.get("conditions") or [] if c.get("type") != "DisruptionTarget"]
            conds.append({"type": "DisruptionTarget", "status": "True",
                          "reason": "DeletionByTaintManager",
                          "message": "Taint manager: deleting due to NoExecute taint",
                          "lastTransitionTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
            status["conditions"] = conds
            try:
                self.set_status(self.pods_res, p, status)
            except Exception:  # the pod went meanwhile
                continue
            self.delete_pod(p)

    # -- scheduler -------------------------------------------------------------------------
    def schedule(self, nodes):
        pods = self.pods()
        load = {}
        for p in pods:
            n = (p.get("spec") or {}).get("nodeName")
            if n:
                load[n] = load.get(n, 0) + 1
        volumes = standin_volumes.Binding(self.api)
        for p in pods:
            spec = p.get("spec") or {}
            if spec.get("nodeName") or spec.get("schedulerName", "default-scheduler") != \
                    "default-scheduler" or (p["metadata"].get("deletionTimestamp")):
                continue
            ns, name = p["metadata"]["namespace"], p["metadata"]["name"]
            unresolvable = volumes.prefilter(p)
            if unresolvable is None:
                fits, message = standin_scheduler.schedule(
                    spec, nodes, pods, extra=lambda n, p=p: volumes.node_reason(p, n))
            else:
                fits, message = [], prefilter_message(unresolvable, len(nodes))
            assumed = volumes.assumed_node(p)
            if assumed is not None:  # an earlier pass chose it; PreBind waits for the claims
                fits = [n for n in fits if n == assumed]
            if not fits:
                if message is not None:
                    self.unschedulable(p, message)
                continue
            node = min(fits, key=lambda n: (load.get(n, 0), n))
            if not volumes.prebind(p, node):
                continue  # the claims are being provisioned on `node`
            load[node] = load.get(node, 0) + 1
            p["spec"]["nodeName"] = node  # the binding subresource's effect
            self.api.update_obj(self.pods_res, ns, name, p, None)
            self.event(p, "Normal", "Scheduled", f"Successfully assigned {ns}/{name} to {node}")

    def unschedulable(self, p, message):
        """PodScheduled=False reason Unschedulable and a FailedScheduling event, once per
        message (pkg/scheduler/schedule_one.go handleSchedulingFailure)."""
        old = [c for c in (p.get("status") or {}).get("conditions") or []
               if c.get("type") == "PodScheduled"]
        if old and old[0].get("message") == message:
            return
        cond = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                "message": message, "lastProbeTime": None,
                "lastTransitionTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        self.set_status(self.pods_res, p, {"phase": "Pending", "conditions": [cond]})
        self.event(p, "Warning", "FailedScheduling", message)

    def event(self, pod, kind, reason, message, component="default-scheduler"):
        """An event as the scheduler's (or `component`'s) recorder writes it (core/v1 view of
        events.k8s.io)."""
        meta = pod["metadata"]
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        ev = {"metadata": {"generateName": meta["name"] + "."},
              "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": meta["name"],
                                 "namespace": meta["namespace"], "uid": meta.get("uid")},
              "reason": reason, "type": kind, "message": message, "action": "Scheduling"
              if kind == "Warning" else "Binding", "source": {"component": component},
              "reportingComponent": component, "reportingInstance": component,
              "firstTimestamp": now, "lastTimestamp": now, "eventTime": None, "count": 1}
        try:
            self.api.create_obj(self.api.find("", "v1", "events"), meta["namespace"], ev, None)
        except Exception:  # events are best effort, as in the real scheduler
            pass


def prefilter_message(reason, total):
    """The FitError text when a PreFilter plugin rejects the pod (pkg/scheduler/framework
    FitError.Error: the PreFilter message, then the PostFilter (preemption) one)."""
    return f"0/{total} nodes are available: {reason}. preemption: 0/{total} nodes are " \
           f"available: {total} Preemption is not helpful for scheduling."


def is_ready(pod):
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def reconcile(api, controllers=True, scheduler=True):
    """One pass over the state owned by `api` (standin.Api): kube-controller-manager's
    controllers when `controllers` (it runs), the scheduler when `scheduler` (it runs): each
    works without the other, as the two components do."""
    c = Controllers(api)
    nodes = api.store.list("", "nodes")
    # The nodes as the node lifecycle controller keeps them (conditions and taints).
    seen = [standin_nodelifecycle.view(n) for n in api.store.list("", "nodes")]
    if controllers:
        c.daemonsets(nodes)
        c.taint_eviction(seen)
        c.deployments()
        c.replicasets()
        standin_volumes.reconcile(api)
    if scheduler:
        c.schedule(seen)
    if controllers:
        standin_endpointslice.reconcile(api)
