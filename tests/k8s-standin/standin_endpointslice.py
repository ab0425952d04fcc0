"""TEST DOUBLE: the EndpointSlice controller, run with the other controllers on the state owner
(standin_controllers.reconcile). Learned from kubernetes/kubernetes, written here:

- pkg/controller/endpointslice/endpointslice_controller.go syncService: Services without a
  selector, and ExternalName Services, are left alone (their slices are someone else's);
  the pods are those of the Service's namespace its selector matches.
- staging/src/k8s.io/endpointslice/utils.go podToEndpoint and ShouldPodBeInEndpoints: a pod
  is an endpoint once it has an IP and is not Succeeded/Failed; its conditions are
  ready = pod Ready and not terminating (or publishNotReadyAddresses), serving = pod Ready,
  terminating = deletionTimestamp set; nodeName and a targetRef to the pod.
- staging/src/k8s.io/endpointslice/reconciler.go: one slice set per address family
  (addressType IPv4/IPv6) and per set of resolved ports (a named targetPort is looked up in
  each pod's containers; a pod without that port is left out of that port's slice); labels
  kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by, the Service as
  controller owner; when the Service selects nothing, one placeholder slice with no
  endpoints (placeholderSliceCompare), so `kubectl get endpointslices` shows it empty.
- The garbage collector deletes slices owned by a deleted Service: done here for our own
  slices (managed-by this controller), as the stand-in has no garbage collector.
- pkg/controlplane/reconcilers (the lease reconciler) with endpointsadapter: the API server
  itself keeps the `kubernetes` Service's EndpointSlice (named kubernetes, no managed-by
  label): the addresses of the API servers that are up, here the InternalIPs of the Ready
  control-plane Nodes, on the port it serves.
Not modelled: maxEndpointsPerSlice (100) splitting, topology hints, trafficDistribution,
EndpointSlice mirroring of Endpoints.
"""
import copy
import ipaddress

SERVICE_NAME = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER = "endpointslice-controller.k8s.io"


def is_ready(pod):
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def selects(selector, labels):
    return bool(selector) and all((labels or {}).get(k) == v for k, v in selector.items())


def pod_ips(pod):
    st = pod.get("status") or {}
    ips = [p.get("ip") for p in st.get("podIPs") or [] if p.get("ip")]
    return ips or ([st["podIP"]] if st.get("podIP") else [])


def in_endpoints(pod):
    """ShouldPodBeInEndpoints, with terminating pods included (their conditions say so)."""
    st = pod.get("status") or {}
    if st.get("phase") in ("Succeeded", "Failed"):
        return False
    return bool(pod_ips(pod))


def family(ip):
    return "IPv6" if ipaddress.ip_address(ip).version == 6 else "IPv4"


def resolve_port(svc_port, pod):
    """The container port a Service port sends to in this pod (podutil.FindPort): a number is
    taken as is, a name is looked up among the pod's container ports of that protocol."""
    target = svc_port.get("targetPort", svc_port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    proto = svc_port.get("protocol", "TCP")
    for c in (pod.get("spec") or {}).get("containers") or []:
        for p in c.get("ports") or []:
            if p.get("name") == target and p.get("protocol", "TCP") == proto:
                return p.get("containerPort")
    return None


def endpoint(pod, ip, publish_not_ready):
    meta = pod.get("metadata") or {}
    terminating = bool(meta.get("deletionTimestamp"))
    ready = is_ready(pod)
    ep = {"addresses": [ip],
          "conditions": {"ready": (ready or publish_not_ready) and not terminating,
                         "serving": ready or publish_not_ready,
                         "terminating": terminating},
          "targetRef": {"kind": "Pod", "namespace": meta.get("namespace"),
                        "name": meta.get("name"), "uid": meta.get("uid")}}
    node = (pod.get("spec") or {}).get("nodeName")
    if node:
        ep["nodeName"] = node
    return ep


def desired_slices(svc, pods):
    """{(addressType, ports tuple): [endpoints]} the Service should have."""
    spec = svc.get("spec") or {}
    ns = svc["metadata"]["namespace"]
    publish = bool(spec.get("publishNotReadyAddresses"))
    out = {}
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        meta = pod.get("metadata") or {}
        if meta.get("namespace") != ns or not selects(spec.get("selector"),
                                                       meta.get("labels")):
            continue
        if not in_endpoints(pod):
            continue
        ports = []
        for sp in spec.get("ports") or []:
            number = resolve_port(sp, pod)
            if number is not None:
                ports.append((sp.get("name", ""), number, sp.get("protocol", "TCP")))
        for ip in pod_ips(pod):
            out.setdefault((family(ip), tuple(ports)), []).append(
                endpoint(pod, ip, publish))
    return out


def slice_object(svc, address_type, ports, endpoints):
    meta = svc["metadata"]
    body = {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"generateName": meta["name"] + "-", "namespace": meta["namespace"],
                     "labels": {SERVICE_NAME: meta["name"], MANAGED_BY: CONTROLLER},
                     "ownerReferences": [{"apiVersion": "v1", "kind": "Service",
                                          "name": meta["name"], "uid": meta.get("uid"),
                                          "controller": True, "blockOwnerDeletion": True}]},
        "addressType": address_type,
        "endpoints": endpoints}
    if ports is not None:
        body["ports"] = [{"name": name, "port": number, "protocol": proto}
                         for name, number, proto in ports]
    return body


def primary_family(svc):
    ips = (svc.get("spec") or {}).get("clusterIPs") or []
    fams = (svc.get("spec") or {}).get("ipFamilies") or []
    if fams:
        return fams[0]
    return family(ips[0]) if ips and ips[0] != "None" else "IPv4"


def reconcile(api):
    """One pass over every Service of the state owned by `api` (standin_api.Api)."""
    res = api.find("discovery.k8s.io", "v1", "endpointslices")
    services = api.store.list("", "services")
    pods = api.store.list("", "pods")
    live = {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in services}
    mine = [s for s in api.store.list("discovery.k8s.io", "endpointslices")
            if (s["metadata"].get("labels") or {}).get(MANAGED_BY) == CONTROLLER]
    for sl in mine:  # the garbage collector's part: slices of Services that are gone
        key = (sl["metadata"]["namespace"], (sl["metadata"].get("labels") or {}).get(SERVICE_NAME))
        svc = live.get(key)
        if svc is None or not owned(sl, svc) or not managed(svc):
            delete(api, res, sl)
    for key, svc in sorted(live.items()):
        if managed(svc):
            sync_service(api, res, svc, pods, [s for s in mine if owned(s, svc)])
    if ("default", "kubernetes") in live:
        apiserver_slice(api, res, live[("default", "kubernetes")])


def apiserver_slice(api, res, svc):
    port = next((p.get("targetPort") for p in (svc.get("spec") or {}).get("ports") or []
                 if p.get("name") == "https"), 6443)
    addrs = []
    for n in api.store.list("", "nodes"):
        meta, st = n.get("metadata") or {}, n.get("status") or {}
        ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                    for c in st.get("conditions") or [])
        if "node-role.kubernetes.io/control-plane" in (meta.get("labels") or {}) and ready:
            addrs += [a["address"] for a in st.get("addresses") or []
                      if a.get("type") == "InternalIP"]
    fam = primary_family(svc)
    endpoints = [{"addresses": [a], "conditions": {"ready": True}}
                 for a in sorted(addrs) if family(a) == fam]
    body = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {SERVICE_NAME: "kubernetes"}},
            "addressType": fam, "endpoints": endpoints,
            "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}
    old = api.store.get("discovery.k8s.io", "endpointslices", "default", "kubernetes")
    if old is None:
        api.create_obj(res, "default", body, None)
    elif old.get("endpoints") != endpoints or old.get("ports") != body["ports"]:
        updated = copy.deepcopy(old)
        updated.update(endpoints=endpoints, ports=body["ports"])
        api.update_obj(res, "default", "kubernetes", updated, None)


def managed(svc):
    spec = svc.get("spec") or {}
    return bool(spec.get("selector")) and spec.get("type") != "ExternalName"


def owned(sl, svc):
    return any(r.get("uid") == svc["metadata"].get("uid")
               for r in sl["metadata"].get("ownerReferences") or [])


def delete(api, res, sl):
    try:
        api.delete_obj(res, sl["metadata"]["namespace"], sl["metadata"]["name"])
    except Exception:  # already gone
        pass


def sync_service(api, res, svc, pods, existing):
    want = desired_slices(svc, pods)
    if not want:  # placeholder: one slice, no endpoints, of the Service's primary family
        want = {(primary_family(svc), None): []}
    ns = svc["metadata"]["namespace"]
    left = list(existing)
    for (address_type, ports), endpoints in sorted(want.items(), key=lambda kv: str(kv[0])):
        body = slice_object(svc, address_type, ports, endpoints)
        same = next((s for s in left if s.get("addressType") == address_type and
                     s.get("ports") == body.get("ports")), None)
        if same is None:
            api.create_obj(res, ns, body, None)
            continue
        left.remove(same)
        if same.get("endpoints") != endpoints:
            updated = copy.deepcopy(same)
            updated["endpoints"] = endpoints
            api.update_obj(res, ns, same["metadata"]["name"], updated, None)
    for sl in left:
        delete(api, res, sl)
