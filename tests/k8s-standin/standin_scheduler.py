"""TEST DOUBLE: kube-scheduler's Filter phase and its FailedScheduling message, for the stand-in
controllers (standin_controllers.Controllers.schedule).

Filters run per node in the default profile's order and stop at the first that rejects it, as
the framework's RunFilterPlugins does (pkg/scheduler/apis/config/v1/default_plugins.go,
pkg/scheduler/framework/runtime/framework.go):
- NodeUnschedulable (plugins/nodeunschedulable): spec.unschedulable without a toleration of
  node.kubernetes.io/unschedulable:NoSchedule -> "node(s) were unschedulable".
- TaintToleration (plugins/tainttoleration, Filter): the first NoSchedule/NoExecute taint no
  toleration matches (v1helper.TolerationsTolerateTaint: Exists matches any value, an empty key
  with Exists matches every taint, an empty effect every effect) -> from 1.35
  "node(s) had untolerated taint(s)" (kubernetes#134740 took the key and value out of pod
  status), before "node(s) had untolerated taint {KEY: VALUE}".
- NodeAffinity (plugins/nodeaffinity): spec.nodeSelector and requiredDuringScheduling node
  affinity terms (In, NotIn, Exists, DoesNotExist, Gt, Lt on labels) ->
  "node(s) didn't match Pod's node affinity/selector".
- NodeResourcesFit (plugins/noderesources/fit.go fitsRequest): pod count, then cpu, memory,
  ephemeral-storage and extended resources against allocatable minus the requests of the pods
  already bound there (not Succeeded/Failed) -> "Too many pods", "Insufficient cpu", ... all
  reasons of the node. From 1.34 a request above the node's whole allocatable is
  UnschedulableAndUnresolvable (kubernetes#131345), so preemption is "not helpful" there.
All but NodeResourcesFit's resolvable case are UnschedulableAndUnresolvable.

The message (pkg/scheduler/framework/types.go FitError.Error): "0/N nodes are available: " and
the reasons counted per node as "COUNT REASON", sorted as strings and joined by ", ", then ".",
then the PostFilter plugins' messages joined by ", ": from 1.34 DynamicResources' "no new claims
to deallocate" (DRA is GA and on by default; a pod without claims gets that), then
DefaultPreemption's "preemption: 0/N nodes are available: ..." counted the same way per node:
"Preemption is not helpful for scheduling" where the filter was unresolvable, else "No
preemption victims found for incoming pod" (no pod of lower priority there whose removal would
make room), or "not eligible due to preemptionPolicy=Never." for such pods. Preemption itself
(evicting lower-priority pods) is not modelled: the stand-in's pods all have priority 0 or a
system priority, so no victim ever exists.
"""
import standin_common
import standin_resources as res

UNSCHEDULABLE = "Unschedulable"
UNRESOLVABLE = "UnschedulableAndUnresolvable"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"


def minor(version=None):
    parts = (version or standin_common.VERSION).lstrip("v").split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return 1, 35


def tolerates(tolerations, taint):
    """v1helper.TolerationsTolerateTaint (core/v1 Toleration.ToleratesTaint)."""
    for t in tolerations or []:
        if t.get("effect") and t["effect"] != taint.get("effect"):
            continue
        if t.get("key") and t["key"] != taint.get("key"):
            continue
        op = t.get("operator") or "Equal"
        if op == "Exists" or (op == "Equal" and t.get("value", "") == taint.get("value", "")):
            return True
    return False


def taint_reason(taint, version=None):
    if minor(version) >= (1, 35):
        return "node(s) had untolerated taint(s)"
    return f"node(s) had untolerated taint {{{taint.get('key')}: {taint.get('value', '')}}}"


def _expression_matches(expr, labels):
    key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
    if op == "In":
        return key in labels and labels[key] in values
    if op == "NotIn":
        return key not in labels or labels[key] not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    if op in ("Gt", "Lt") and key in labels and len(values) == 1:
        try:
            have, want = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want
    return False


def affinity_matches(spec, node):
    meta = node.get("metadata") or {}
    labels = meta.get("labels") or {}
    for k, v in (spec.get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            return False
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms")
    if terms is None:
        return True

    def term_ok(term):
        fields = {"metadata.name": meta.get("name", "")}
        exprs, mfields = term.get("matchExpressions") or [], term.get("matchFields") or []
        if not exprs and not mfields:
            return False  # an empty term matches nothing
        return all(_expression_matches(e, labels) for e in exprs) and \
            all(_expression_matches(e, fields) for e in mfields)
    return any(term_ok(t) for t in terms)


def node_pods(pods, node_name):
    return [p for p in pods if (p.get("spec") or {}).get("nodeName") == node_name and
            (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]


def fit(spec, node, pods_there, version=None):
    """NodeResourcesFit: (code, reasons) or None when the pod fits."""
    alloc = res.resource_list((node.get("status") or {}).get("allocatable"))
    want = res.pod_requests(spec)
    used = {}
    for p in pods_there:
        for k, v in res.pod_requests(p.get("spec") or {}).items():
            used[k] = used.get(k, 0) + v
    reasons, unresolvable = [], False
    if len(pods_there) + 1 > alloc.get("pods", 110):
        reasons.append("Too many pods")
    order = ["cpu", "memory", "ephemeral-storage"] + sorted(
        k for k in want if k not in ("cpu", "memory", "ephemeral-storage", "pods"))
    for k in order:
        n = want.get(k, 0)
        if n > 0 and n > alloc.get(k, 0) - used.get(k, 0):
            reasons.append(f"Insufficient {k}")
            unresolvable = unresolvable or n > alloc.get(k, 0)
    if not reasons:
        return None
    code = UNRESOLVABLE if unresolvable and minor(version) >= (1, 34) else UNSCHEDULABLE
    return code, reasons


def filter_node(spec, node, pods, version=None, extra_tolerations=()):
    """(code, reasons) of the first filter rejecting `node`, or None when the pod fits."""
    nspec = node.get("spec") or {}
    tolerations = list(spec.get("tolerations") or []) + list(extra_tolerations)
    if nspec.get("unschedulable") and not tolerates(
            tolerations, {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}):
        return UNRESOLVABLE, ["node(s) were unschedulable"]
    for t in nspec.get("taints") or []:
        if t.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(tolerations, t):
            return UNRESOLVABLE, [taint_reason(t, version)]
    if not affinity_matches(spec, node):
        return UNRESOLVABLE, ["node(s) didn't match Pod's node affinity/selector"]
    return fit(spec, node, node_pods(pods, (node.get("metadata") or {}).get("name")), version)


def histogram(reasons):
    counts = {}
    for r in reasons:
        counts[r] = counts.get(r, 0) + 1
    return ", ".join(sorted(f"{n} {r}" for r, n in counts.items()))


def preemption_message(spec, statuses):
    if spec.get("preemptionPolicy") == "Never":
        return "preemption: not eligible due to preemptionPolicy=Never."
    per_node = [NOT_HELPFUL if code == UNRESOLVABLE else NO_VICTIMS for code, _ in statuses]
    return f"preemption: 0/{len(statuses)} nodes are available: {histogram(per_node)}."


def unschedulable_message(spec, statuses, version=None):
    """FitError.Error() for a pod no node passed; statuses: one (code, reasons) per node."""
    reasons = [r for _, rs in statuses for r in rs]
    msg = f"0/{len(statuses)} nodes are available: {histogram(reasons)}."
    post = [preemption_message(spec, statuses)]
    if minor(version) >= (1, 34):
        post.insert(0, "no new claims to deallocate")
    return msg + " " + ", ".join(post)


def schedule(spec, nodes, pods, version=None, extra=None):
    """(fitting node names, None) or ([], the FailedScheduling message). `extra(node)` is a
    later filter's reason or None (VolumeBinding runs after NodeResourcesFit upstream)."""
    statuses, fits = [], []
    for n in nodes:
        st = filter_node(spec, n, pods, version)
        if st is None and extra is not None:
            reason = extra(n)
            st = (UNRESOLVABLE, [reason]) if reason else None
        if st is None:
            fits.append(n["metadata"]["name"])
        else:
            statuses.append(st)
    if fits:
        return fits, None
    return [], unschedulable_message(spec, statuses, version)
