"""TEST DOUBLE: the subresources the real kubectl calls that are not plain objects, answered as
the real API server answers them:
- scale (pkg/registry/apps/deployment/storage/storage.go ScaleREST, and the same for
  replicasets and statefulsets): GET, PUT and PATCH of an autoscaling/v1 Scale whose
  spec.replicas is the workload's; `kubectl scale` reads and patches it. A negative count is
  refused with the real 422.
- eviction (pkg/registry/core/pod/storage/eviction.go): POST of a policy/v1 Eviction deletes the
  pod (201 Success); `kubectl drain` evicts this way once discovery lists pods/eviction. The
  stand-in has no disruption controller, so PodDisruptionBudgets are not checked.
- log (pkg/registry/core/pod/rest/log.go, pod/strategy.go LogLocation): a pod without a node or
  a container name that is not the pod's is refused as upstream refuses it (400); otherwise
  the API server asks the pod's kubelet (standin_kubelet_server, port 10250 at the node's
  InternalIP) with its apiserver-kubelet-client certificate, and an unreachable kubelet is a
  500 naming the URL, as upstream's proxy reports it.
Any other subresource of an object the stand-in does not model is 404, not the object itself.
Discovery entries for them (and for serviceaccounts/token) are in SUBRESOURCES.
"""
import http.client
import json
import ssl
import urllib.parse

from standin_client import ssl_client_context
from standin_common import join_host_port
from standin_patch import json_patch, merge_patch
from standin_store import api_error, not_found

SCALABLE = {"deployments", "replicasets", "statefulsets"}
# resource -> [(subresource, group, version, kind, verbs)] as the real discovery lists them.
SUBRESOURCES = {
    **{p: [("scale", "autoscaling", "v1", "Scale", ["get", "patch", "update"])]
       for p in SCALABLE},
    "pods": [("eviction", "policy", "v1", "Eviction", ["create"]),
             ("exec", "", "v1", "PodExecOptions", ["create", "get"]),
             ("log", "", "v1", "Pod", ["get"])],
    "serviceaccounts": [("token", "authentication.k8s.io", "v1", "TokenRequest", ["create"])],
}


def discovery_entries(res):
    return [{"name": f"{res.plural}/{sub}", "singularName": "", "namespaced": res.namespaced,
             "group": group, "version": version, "kind": kind, "verbs": verbs}
            for sub, group, version, kind, verbs in SUBRESOURCES.get(res.plural, [])]


def selector_string(sel):
    """metav1.FormatLabelSelector, for Scale's status.selector."""
    parts = [f"{k}={v}" for k, v in sorted((sel or {}).get("matchLabels", {}).items())]
    for e in (sel or {}).get("matchExpressions", []):
        op, key, vals = e.get("operator"), e.get("key"), ",".join(sorted(e.get("values", [])))
        parts.append({"In": f"{key} in ({vals})", "NotIn": f"{key} notin ({vals})",
                      "Exists": key, "DoesNotExist": f"!{key}"}.get(op, key))
    return ",".join(parts)


def scale_of(obj):
    meta = obj["metadata"]
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                              "creationTimestamp") if k in meta},
            "spec": {"replicas": obj.get("spec", {}).get("replicas", 1)},
            "status": {"replicas": obj.get("status", {}).get("replicas", 0),
                       "selector": selector_string(obj.get("spec", {}).get("selector"))}}


def handle(api, req, res, ns, name, sub):
    """The reply for a scale or eviction request, or None for anything else."""
    if sub == "scale" and res.plural in SCALABLE and name:
        return scale(api, req, res, ns, name)
    if sub == "eviction" and res.plural == "pods" and name and req.method == "POST":
        return evict(api, req, res, ns, name)
    if sub == "log" and res.plural == "pods" and name and req.method == "GET":
        return log(api, req, res, ns, name)
    if sub and sub not in HANDLED_ELSEWHERE:
        raise api_error(404, "NotFound", "the server could not find the requested resource")
    return None


HANDLED_ELSEWHERE = {"status", "approval", "token", "finalize"}  # standin_api and standin_admission


def scale(api, req, res, ns, name):
    verb = {"GET": "get", "PUT": "update", "PATCH": "patch"}.get(req.method)
    if verb is None:
        raise api_error(405, "MethodNotAllowed", "the server does not allow this method on the "
                                                 "requested resource")
    api.authorize(req.user, verb, res, "scale", ns, name)
    with api.store.lock:
        obj = api.store.get(res.group, res.plural, ns, name)
        if obj is None:
            raise not_found(res, name)
        current = scale_of(obj)
        if verb == "get":
            return 200, "application/json", json.dumps(current).encode()
        body = req.json_body()
        if verb == "update":
            want = body
        elif req.headers.get("Content-Type", "").startswith("application/json-patch+json"):
            want = json_patch(current, body)
        else:
            want = merge_patch(current, body)
        replicas = (want.get("spec") or {}).get("replicas", 0)
        if not isinstance(replicas, int) or replicas < 0:
            raise api_error(422, "Invalid", f'Scale.autoscaling "{name}" is invalid: '
                                            f'spec.replicas: Invalid value: {replicas}: must be '
                                            f'greater than or equal to 0',
                            {"name": name, "group": "autoscaling", "kind": "Scale"})
        rv = (want.get("metadata") or {}).get("resourceVersion")
        obj.setdefault("spec", {})["replicas"] = replicas
        obj["metadata"]["resourceVersion"] = rv or obj["metadata"]["resourceVersion"]
        updated = api.update_obj(res, ns, name, obj, None)
    return 200, "application/json", json.dumps(scale_of(updated)).encode()


def evict(api, req, res, ns, name):
    body = req.json_body()
    asked = (body.get("metadata") or {}).get("name")
    if asked and asked != name:
        raise api_error(400, "BadRequest", "name in URL does not match name in Eviction object")
    api.authorize(req.user, "create", res, "eviction", ns, name)
    if api.store.get(res.group, res.plural, ns, name) is None:
        raise not_found(res, name)
    api.delete_obj(res, ns, name, (body.get("deleteOptions") or {}).get("gracePeriodSeconds"))
    return 201, "application/json", json.dumps({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
        "code": 201}).encode()


def log(api, req, res, ns, name):
    api.authorize(req.user, "get", res, "log", ns, name)
    pod = api.store.get(res.group, res.plural, ns, name)
    if pod is None:
        raise not_found(res, name)
    node = pod.get("spec", {}).get("nodeName")
    if not node:
        raise api_error(400, "BadRequest", f"pod {name} does not have a host assigned")
    names = [c.get("name") for c in pod["spec"].get("containers", [])]
    container = req.q("container") or (names[0] if len(names) == 1 else None)
    if container is None:
        raise api_error(400, "BadRequest", f"a container name must be specified for pod {name}, "
                                           f"choose one of: [{' '.join(names)}]")
    if container not in names:
        raise api_error(400, "BadRequest", f"container {container} is not valid for pod {name}")
    addrs = (api.store.get("", "nodes", None, node) or {}).get("status", {}).get("addresses", [])
    ip = next((a["address"] for a in addrs if a.get("type") == "InternalIP"), node)
    query = {k: req.q(k) for k in ("tailLines", "timestamps", "previous") if req.q(k)}
    path = (f"/containerLogs/{urllib.parse.quote(ns)}/{urllib.parse.quote(name)}/"
            f"{urllib.parse.quote(container)}?{urllib.parse.urlencode(query)}")
    url = f"https://{join_host_port(ip, 10250)}{path}"
    try:
        cert, key = api.kubelet_client or (None, None)
        ctx = ssl_client_context(cert_pem_=cert, key_pem_=key, insecure=True)
        conn = http.client.HTTPSConnection(ip, 10250, context=ctx, timeout=10)
        conn.request("GET", path)
        reply = conn.getresponse()
        code, body = reply.status, reply.read()
        conn.close()
    except (OSError, ssl.SSLError, http.client.HTTPException) as e:
        raise api_error(500, "InternalError", f'Get "{url}": {e}')
    if code != 200:
        raise api_error(code, "NotFound" if code == 404 else "BadRequest",
                        body.decode("utf-8", "replace").strip())
    return 200, "text/plain", body
