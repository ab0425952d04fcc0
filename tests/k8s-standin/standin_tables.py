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


def pod_status(p):
    """printPod's STATUS (pkg/printers/internalversion/printers.go): the phase, unless a
    container waits or ended with a reason (ImagePullBackOff, CrashLoopBackOff, Error, ...);
    Terminating once the pod is being deleted."""
    st = p.get("status") or {}
    reason = st.get("reason") or st.get("phase") or "Pending"
    has_running = False
    for cs in reversed(st.get("containerStatuses") or []):
        state = cs.get("state") or {}
        waiting, term = state.get("waiting"), state.get("terminated")
        if waiting and waiting.get("reason"):
            reason = waiting["reason"]
        elif term and term.get("reason"):
            reason = term["reason"]
        elif term:
            reason = f"Signal:{term['signal']}" if term.get("signal") else \
                f"ExitCode:{term.get('exitCode', 0)}"
        elif state.get("running") and cs.get("ready"):
            has_running = True
    if reason == "Completed" and has_running:
        ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                    for c in st.get("conditions") or [])
        reason = "Running" if ready else "NotReady"
    if (p.get("metadata") or {}).get("deletionTimestamp"):
        reason = "Unknown" if st.get("reason") == "NodeLost" else "Terminating"
    return reason


def pod_row(p):
    statuses = dig(p, "status", "containerStatuses", default=[]) or []
    total = len(dig(p, "spec", "containers", default=[]) or []) or len(statuses)
    ready = sum(1 for s in statuses if s.get("ready"))
    restarts = sum(int(s.get("restartCount", 0)) for s in statuses)
    return [p["metadata"]["name"], f"{ready}/{total}", pod_status(p),
            restarts, age_of(p), dig(p, "status", "podIP", default="<none>"),
            dig(p, "spec", "nodeName", default="<none>"), "<none>", "<none>"]


def service_row(s):
    spec = s.get("spec") or {}
    # printService: PORT[:NODEPORT]/PROTO; a LoadBalancer without an ingress is <pending>
    ports = ",".join(f'{p.get("port")}' + (f':{p["nodePort"]}' if p.get("nodePort") else "") +
                     f'/{p.get("protocol", "TCP")}' for p in spec.get("ports") or [])
    sel = ",".join(f"{k}={v}" for k, v in (spec.get("selector") or {}).items()) or "<none>"
    ingress = dig(s, "status", "loadBalancer", "ingress", default=[]) or []
    external = ",".join(i.get("ip") or i.get("hostname", "") for i in ingress) or (
        "<pending>" if spec.get("type") == "LoadBalancer" else "<none>")
    return [s["metadata"]["name"], spec.get("type", "ClusterIP"), spec.get("clusterIP", "<none>"),
            external, ports or "<none>", age_of(s), sel]


def more(items, limit=3):
    """printers.go's lists of at most three, then "+ N more..."."""
    text = ",".join(str(i) for i in items[:limit])
    return text + (f" + {len(items) - limit} more..." if len(items) > limit else "")


def endpointslice_row(e):
    """printEndpointSlice: ports <unset> when the slice has none, endpoints <none>."""
    ports = [p.get("port") for p in e.get("ports") or []]
    addrs = [a for ep in e.get("endpoints") or [] for a in ep.get("addresses") or []]
    return [e["metadata"]["name"], e.get("addressType", ""), more(ports) if ports else "<unset>",
            more(addrs) if addrs else "<none>", age_of(e)]


def images_row(spec):
    """CONTAINERS, IMAGES, SELECTOR: the wide columns of every workload."""
    cs = dig(spec, "template", "spec", "containers", default=[]) or []
    sel = ",".join(f"{k}={v}" for k, v in
                   sorted((dig(spec, "selector", "matchLabels", default={}) or {}).items()))
    return [",".join(c.get("name", "") for c in cs), ",".join(c.get("image", "") for c in cs),
            sel or "<none>"]


def deployment_row(d):
    spec, st = d.get("spec") or {}, d.get("status") or {}
    return [d["metadata"]["name"], f'{st.get("readyReplicas", 0)}/{spec.get("replicas", 1)}',
            st.get("updatedReplicas", 0), st.get("availableReplicas", 0), age_of(d),
            *images_row(spec)]


def replicaset_row(r):
    spec, st = r.get("spec") or {}, r.get("status") or {}
    return [r["metadata"]["name"], spec.get("replicas", 1), st.get("replicas", 0),
            st.get("readyReplicas", 0), age_of(r), *images_row(spec)]


def daemonset_row(d):
    spec, st = d.get("spec") or {}, d.get("status") or {}
    sel = ",".join(f"{k}={v}" for k, v in
                   sorted((dig(spec, "template", "spec", "nodeSelector", default={}) or {}).items()))
    return [d["metadata"]["name"], st.get("desiredNumberScheduled", 0),
            st.get("currentNumberScheduled", 0), st.get("numberReady", 0),
            st.get("updatedNumberScheduled", 0), st.get("numberAvailable", 0), sel or "<none>",
            age_of(d), *images_row(spec)]


S, I = "string", "integer"
WIDE = [("Containers", S, "", 1), ("Images", S, "", 1), ("Selector", S, "", 1)]
# The columns of pkg/printers/internalversion/printers.go (deployments, replicasets, daemonsets).
TABLE_PRINTERS = {
    "deployments": ([("Name", S, "name", 0), ("Ready", S, "", 0), ("Up-to-date", I, "", 0),
                     ("Available", I, "", 0), ("Age", S, "", 0), *WIDE], deployment_row),
    "replicasets": ([("Name", S, "name", 0), ("Desired", I, "", 0), ("Current", I, "", 0),
                     ("Ready", I, "", 0), ("Age", S, "", 0), *WIDE], replicaset_row),
    "daemonsets": ([("Name", S, "name", 0), ("Desired", I, "", 0), ("Current", I, "", 0),
                    ("Ready", I, "", 0), ("Up-to-date", I, "", 0), ("Available", I, "", 0),
                    ("Node Selector", S, "", 0), ("Age", S, "", 0), *WIDE], daemonset_row),
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
    "endpointslices": ([("Name", S, "name", 0), ("AddressType", S, "", 0), ("Ports", S, "", 0),
                        ("Endpoints", S, "", 0), ("Age", S, "", 0)], endpointslice_row),
    None: ([("Name", S, "name", 0), ("Created At", S, "date", 0)],
           lambda o: [o["metadata"]["name"], o["metadata"].get("creationTimestamp", "")]),
}
del S, I
