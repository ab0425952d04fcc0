"""TEST DOUBLE: what kube-apiserver's Service storage checks and allocates besides the
ClusterIP (standin_admission.allocate_cluster_ip). Learned from kubernetes/kubernetes, written
here:

- pkg/apis/core/validation/validation.go ValidateService: `type` is one of ClusterIP,
  NodePort, LoadBalancer, ExternalName ('spec.type: Unsupported value: "X": supported values:
  ...'); a ClusterIP Service may not set a nodePort ('spec.ports[0].nodePort: Forbidden: may
  not be used when `type` is 'ClusterIP''); ports 1-65535.
- pkg/registry/core/service/portallocator (allocator.go ErrNotInRange, ErrAllocated) and
  storage/alloc.go: a NodePort or LoadBalancer Service gets a free port of the range
  (`--service-node-port-range`, default 30000-32767) for each port without one; a requested
  port outside the range is refused with "provided port is not in the valid range. The range
  of valid ports is 30000-32767", one already taken by another Service with "provided port is
  already allocated". The errors come back as the API's 422 Invalid:
  `Service "x" is invalid: spec.ports[0].nodePort: Invalid value: 40000: ...`.
- pkg/apis/core/v1/defaults.go SetDefaults_Service: a NodePort or LoadBalancer Service gets
  externalTrafficPolicy Cluster, a LoadBalancer one allocateLoadBalancerNodePorts true (false
  means no node ports are allocated, storage/alloc.go); every Service's status carries an
  empty loadBalancer until a load-balancer implementation (a cloud provider's service
  controller, MetalLB, cloud-provider-kind) writes an ingress there, which nothing here does:
  EXTERNAL-IP stays <pending>.
Not modelled: the range flag itself (always the default), healthCheckNodePort, dual-stack
policy fields, mixed-protocol rules.
"""
import random

from standin_common import dig
from standin_store import api_error

NODE_PORT_RANGE = (30000, 32767)
TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")


def invalid(name, errors):
    causes = [{"reason": "FieldValueInvalid", "message": e.split(": ", 1)[1],
               "field": e.split(": ", 1)[0]} for e in errors]
    msg = f'Service "{name}" is invalid: ' + (
        errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]")
    return api_error(422, "Invalid", msg, {"name": name, "kind": "Service", "causes": causes})


def used_node_ports(store, ns, name):
    used = set()
    for s in store.list("", "services"):
        if (s["metadata"].get("namespace"), s["metadata"]["name"]) == (ns, name):
            continue
        for p in dig(s, "spec", "ports", default=[]) or []:
            if p.get("nodePort"):
                used.add(int(p["nodePort"]))
    return used


def admit(store, svc, ns):
    """Validates `svc` (being created or updated in `ns`) and allocates its node ports.
    Raises the API's 422 on what the real API server refuses."""
    name = dig(svc, "metadata", "name", default="")
    spec = svc.setdefault("spec", {})
    kind = spec.setdefault("type", "ClusterIP")
    errors = []
    if kind not in TYPES:
        errors.append(f'spec.type: Unsupported value: "{kind}": supported values: '
                      + ", ".join(f'"{t}"' for t in TYPES))
    ports = spec.get("ports") or []
    for i, p in enumerate(ports):
        port = p.get("port")
        if not isinstance(port, int) or not 1 <= port <= 65535:
            errors.append(f"spec.ports[{i}].port: Invalid value: {port}: must be between 1 and "
                          f"65535, inclusive")
    if kind in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if kind == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    svc.setdefault("status", {}).setdefault("loadBalancer", {})
    wants_node_ports = kind == "NodePort" or (
        kind == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is not False)
    used = used_node_ports(store, ns, name) if wants_node_ports else set()
    lo, hi = NODE_PORT_RANGE
    for i, p in enumerate(ports):
        np = p.get("nodePort")
        if not np:
            continue
        if not wants_node_ports:
            errors.append(f"spec.ports[{i}].nodePort: Forbidden: may not be used when `type` "
                          f"is '{kind}'")
        elif not isinstance(np, int) or not lo <= np <= hi:
            errors.append(f"spec.ports[{i}].nodePort: Invalid value: {np}: provided port is not "
                          f"in the valid range. The range of valid ports is {lo}-{hi}")
        elif np in used:
            errors.append(f"spec.ports[{i}].nodePort: Invalid value: {np}: provided port is "
                          f"already allocated")
        else:
            used.add(np)
    if errors:
        raise invalid(name, errors)
    if wants_node_ports:
        free = [n for n in range(lo, hi + 1) if n not in used]
        random.shuffle(free)  # the allocator picks at random in the range
        for p in ports:
            if not p.get("nodePort"):
                p["nodePort"] = free.pop()
