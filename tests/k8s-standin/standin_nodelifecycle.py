"""TEST DOUBLE: kube-controller-manager's node lifecycle and taint eviction, and the API server's
DefaultTolerationSeconds admission, for the stand-in (what a stopped kubelet leads to).

What mirrors upstream (kubernetes/kubernetes, v1.32+):
- node-monitor-grace-period: a node whose kubelet stopped posting status for longer has every
  condition set Unknown, reason NodeStatusUnknown, "Kubelet stopped posting node status."
  (pkg/controller/nodelifecycle/node_lifecycle_controller.go tryUpdateNodeHealth). The period
  is kube-controller-manager's --node-monitor-grace-period flag, read from its static pod
  manifest (kubeadm's ClusterConfiguration controllerManager.extraArgs writes it there), default
  50s since v1.32 (cmd/kube-controller-manager/app/options/nodelifecyclecontroller.go,
  kubernetes PR #126287; 40s before). STANDIN_NODE_GRACE_SECONDS overrides it for the stand-in's
  own unit tests only.
- Taints from the Ready condition (doNoScheduleTaintingPass and doNoExecuteTaintingPass,
  nodeConditionToTaintKeyStatusMap): Ready Unknown gives node.kubernetes.io/unreachable, Ready
  False gives node.kubernetes.io/not-ready, each with effect NoSchedule and NoExecute, the
  NoExecute one with timeAdded; both go when the node is Ready again. Here they are computed
  when the node is read (as the conditions are), from the Ready condition's transition time.
- Taint eviction (pkg/controller/tainteviction/taint_eviction.go): a pod bound to a node with
  NoExecute taints is deleted at once when a taint is not tolerated, else after the smallest
  tolerationSeconds of the tolerations used (never when one tolerates without seconds),
  counted from the taint's timeAdded; before deleting, the pod gets the condition
  DisruptionTarget=True reason DeletionByTaintManager and the event TaintManagerEviction
  "Marking for deletion Pod NS/NAME". The delete is the API's graceful one: the pod stays
  Terminating until its kubelet confirms, so on a node whose kubelet is stopped it stays.
- DefaultTolerationSeconds (plugin/pkg/admission/defaulttolerationseconds/admission.go): a
  new pod without a toleration for node.kubernetes.io/not-ready or .../unreachable
  (NoExecute) gets one with tolerationSeconds 300 (--default-not-ready-toleration-seconds,
  --default-unreachable-toleration-seconds).

What differs: no eviction rate limiting by zone (a node is processed as soon as it is seen),
and no node-startup-grace-period (a node that never posted status keeps its conditions).
"""
import datetime
import os
import re
import time

from standin_common import MANIFESTS, parse_duration, parse_ts, read_file
from standin_scheduler import tolerates

DEFAULT_GRACE = 50.0
DEFAULT_TOLERATION_SECONDS = 300
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
FLAG_RE = re.compile(r"--node-monitor-grace-period=([0-9.hms]+)")
_grace_cache = {}


def ts(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def grace_seconds(manifests=MANIFESTS):
    """kube-controller-manager's --node-monitor-grace-period from its manifest on this node."""
    env = os.environ.get("STANDIN_NODE_GRACE_SECONDS")
    if env:
        return float(env)
    path = os.path.join(manifests, "kube-controller-manager.yaml")
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        return DEFAULT_GRACE
    cached = _grace_cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    m = FLAG_RE.search(read_file(path) or "")
    try:
        grace = parse_duration(m.group(1), DEFAULT_GRACE) if m else DEFAULT_GRACE
    except Exception:
        grace = DEFAULT_GRACE
    _grace_cache[path] = (mtime, grace)
    return grace


def mark_unknown(node, now=None, grace=None):
    """tryUpdateNodeHealth: stale heartbeats turn every condition Unknown (in place)."""
    now = time.time() if now is None else now
    grace = grace_seconds() if grace is None else grace
    conds = ((node.get("status") or {}).get("conditions")) or []
    ready = next((c for c in conds if c.get("type") == "Ready"), None)
    if not ready or ready.get("status") == "Unknown":
        return node
    last = parse_ts(ready.get("lastHeartbeatTime"))
    if now - last <= grace:
        return node
    for c in conds:
        c.update(status="Unknown", reason="NodeStatusUnknown",
                 message="Kubelet stopped posting node status.",
                 lastTransitionTime=ts(last + grace))
    return node


def add_taints(node):
    """The NoSchedule and NoExecute taints the Ready condition calls for (in place)."""
    conds = ((node.get("status") or {}).get("conditions")) or []
    ready = next((c for c in conds if c.get("type") == "Ready"), None)
    spec = node.setdefault("spec", {})
    taints = [t for t in spec.get("taints") or [] if t.get("key") not in (UNREACHABLE, NOT_READY)]
    status = ready.get("status") if ready else "True"
    if status in ("Unknown", "False"):
        key = UNREACHABLE if status == "Unknown" else NOT_READY
        since = ready.get("lastTransitionTime") or ts(time.time())
        taints += [{"key": key, "effect": "NoSchedule"},
                   {"key": key, "effect": "NoExecute", "timeAdded": since}]
    if taints:
        spec["taints"] = taints
    else:
        spec.pop("taints", None)
    return node


def view(node, now=None, grace=None):
    """The node as the controller manager keeps it: conditions, then taints."""
    return add_taints(mark_unknown(node, now, grace))


def eviction_time(pod, node):
    """When the taint eviction controller deletes `pod` from `node`: None (never), else a time
    (0 for at once). As processPodOnNode: every NoExecute taint must be tolerated
    (GetMatchingTolerations: the first toleration that tolerates each taint is used), then the
    smallest tolerationSeconds of the used tolerations counts (getMinTolerationTime; none with
    seconds is forever), from when the controller saw the taints (here their timeAdded)."""
    taints = [t for t in (node.get("spec") or {}).get("taints") or []
              if t.get("effect") == "NoExecute"]
    if not taints:
        return None
    tolerations = [t for t in (pod.get("spec") or {}).get("tolerations") or []
                   if t.get("effect") in (None, "", "NoExecute")]
    used = []
    for taint in taints:
        first = next((t for t in tolerations if tolerates([t], taint)), None)
        if first is None:
            return 0
        used.append(first)
    seconds = [int(t["tolerationSeconds"]) for t in used
               if t.get("tolerationSeconds") is not None]
    if not seconds:
        return None
    start = max(parse_ts(t["timeAdded"]) if t.get("timeAdded") else time.time() for t in taints)
    return start + max(min(seconds), 0)


def default_tolerations(pod):
    """DefaultTolerationSeconds: tolerate not-ready and unreachable for 300 s (in place)."""
    spec = pod.setdefault("spec", {})
    tolerations = list(spec.get("tolerations") or [])
    for key in (NOT_READY, UNREACHABLE):
        taint = {"key": key, "effect": "NoExecute"}
        if not any(tolerates([t], taint) for t in tolerations
                   if t.get("effect") in (None, "", "NoExecute")):
            tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute",
                                "tolerationSeconds": DEFAULT_TOLERATION_SECONDS})
    spec["tolerations"] = tolerations
    return pod
