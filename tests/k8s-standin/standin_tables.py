"""TEST DOUBLE: the server-side Table columns the API server returns for `kubectl get`
(pkg/printers/internalversion/printers.go: NAME/STATUS/ROLES/AGE/VERSION for nodes, READY/STATUS/
RESTARTS/AGE for pods, TYPE/CLUSTER-IP/... for services), with ages printed as
duration.HumanDuration does.
"""
import time

from standin_common import dig, human_duration, parse_ts


def age_of(o):
    return human_duration(time.time() - parse_ts(o["metadata"].get("creationTimestamp")))


def node_status_string(n):
    ready = next((c for c in dig(n, "status", "conditions", default=[]) or []
                  if c.get("type") == "Ready"), None)
    s = {"True": "Ready", "False": "NotReady"}.get((ready or {}).get("status"), "Unknown")
    return s + (",SchedulingDisabled" if dig(n, "spec", "unschedulable") else "")


def node_roles(n):
    roles = sorted(k.split("/", 1)[1] for k in (n["metadata"].get("labels") or {})
                   if k.startswith("node-role.kubernetes.io/") and k.split("/", 1)[1])
    role = (n["metadata"].get("labels") or {}).get("kubernetes.io/role")
    if role:
        roles.append(role)
    return ",".join(roles) or "<none>"


def node_row(n):
    addrs = dig(n, "status", "addresses", default=[]) or []
    ip = lambda t: next((a["address"] for a in addrs if a.get("type") == t), "<none>")
    info = dig(n, "status", "nodeInfo", default={}) or {}
    return [n["metadata"]["name"], node_status_string(n), node_roles(n), age_of(n),
            info.get("kubeletVersion", ""), ip("InternalIP"), ip("ExternalIP"),
            info.get("osImage", "<unknown>"), info.get("kernelVersion", "<unknown>"),
            info.get("containerRuntimeVersion", "<unknown>")]


def pod_row(p):
    statuses = dig(p, "status", "containerStatuses", default=[]) or []
    total = len(dig(p, "spec", "containers", default=[]) or []) or len(statuses)
    ready = sum(1 for s in statuses if s.get("ready"))
    restarts = sum(int(s.get("restartCount", 0)) for s in statuses)
    return [p["metadata"]["name"], f"{ready}/{total}", dig(p, "status", "phase", default="Pending"),
            restarts, age_of(p), dig(p, "status", "podIP", default="<none>"),
            dig(p, "spec", "nodeName", default="<none>"), "<none>", "<none>"]


def service_row(s):
    spec = s.get("spec") or {}
    ports = ",".join(f'{p.get("port")}/{p.get("protocol", "TCP")}' for p in spec.get("ports") or [])
    sel = ",".join(f"{k}={v}" for k, v in (spec.get("selector") or {}).items()) or "<none>"
    return [s["metadata"]["name"], spec.get("type", "ClusterIP"), spec.get("clusterIP", "<none>"),
            "<none>", ports or "<none>", age_of(s), sel]


S = "string"
TABLE_PRINTERS = {
    "nodes": ([("Name", S, "name", 0), ("Status", S, "", 0), ("Roles", S, "", 0),
               ("Age", S, "", 0), ("Version", S, "", 0), ("Internal-IP", S, "", 1),
               ("External-IP", S, "", 1), ("OS-Image", S, "", 1), ("Kernel-Version", S, "", 1),
               ("Container-Runtime", S, "", 1)], node_row),
    "pods": ([("Name", S, "name", 0), ("Ready", S, "", 0), ("Status", S, "", 0),
              ("Restarts", "string", "", 0), ("Age", S, "", 0), ("IP", S, "", 1),
              ("Node", S, "", 1), ("Nominated Node", S, "", 1), ("Readiness Gates", S, "", 1)],
             pod_row),
    "namespaces": ([("Name", S, "name", 0), ("Status", S, "", 0), ("Age", S, "", 0)],
                   lambda o: [o["metadata"]["name"], dig(o, "status", "phase", default="Active"),
                              age_of(o)]),
    "configmaps": ([("Name", S, "name", 0), ("Data", "integer", "", 0), ("Age", S, "", 0)],
                   lambda o: [o["metadata"]["name"],
                              len(o.get("data") or {}) + len(o.get("binaryData") or {}),
                              age_of(o)]),
    "secrets": ([("Name", S, "name", 0), ("Type", S, "", 0), ("Data", "integer", "", 0),
                 ("Age", S, "", 0)],
                lambda o: [o["metadata"]["name"], o.get("type", "Opaque"),
                           len(o.get("data") or {}), age_of(o)]),
    "services": ([("Name", S, "name", 0), ("Type", S, "", 0), ("Cluster-IP", S, "", 0),
                  ("External-IP", S, "", 0), ("Port(s)", S, "", 0), ("Age", S, "", 0),
                  ("Selector", S, "", 1)], service_row),
    None: ([("Name", S, "name", 0), ("Created At", S, "date", 0)],
           lambda o: [o["metadata"]["name"], o["metadata"].get("creationTimestamp", "")]),
}
del S
