"""TEST DOUBLE: the API server's resource registry and storage. The built-in resources and their
discovery names mirror the real API groups (k8s.io/api: core/v1, apps/v1, rbac/v1, ...; short
names and categories as `kubectl api-resources` lists them); the store keeps objects by
group/resource/namespace/name with one cluster-wide resourceVersion, as etcd3 storage does
(staging/src/k8s.io/apiserver/pkg/storage/etcd3), persisted to a JSON file. Errors are
metav1.Status bodies with the real reasons and messages (`pods "x" not found`).
"""
import copy
import json
import threading

from standin_client import ApiError
from standin_common import Fail, read_file, write_file


class Res:
    """One REST resource (what discovery reports)."""

    def __init__(self, group, version, plural, singular, kind, namespaced, short=()):
        self.group, self.version, self.plural, self.singular = group, version, plural, singular
        self.kind, self.namespaced, self.short = kind, namespaced, list(short)

    @property
    def gv(self):
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def display(self):  # kubectl's "kind.group" prefix, e.g. daemonset.apps
        return self.kind.lower() + ("." + self.group if self.group else "")


R = Res
BUILTIN_RESOURCES = [
    R("", "v1", "namespaces", "namespace", "Namespace", False, ["ns"]),
    R("", "v1", "nodes", "node", "Node", False, ["no"]),
    R("", "v1", "configmaps", "configmap", "ConfigMap", True, ["cm"]),
    R("", "v1", "secrets", "secret", "Secret", True),
    R("", "v1", "pods", "pod", "Pod", True, ["po"]),
    R("", "v1", "services", "service", "Service", True, ["svc"]),
    R("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", True, ["sa"]),
    R("", "v1", "endpoints", "endpoints", "Endpoints", True, ["ep"]),
    R("", "v1", "events", "event", "Event", True, ["ev"]),
    R("", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", False, ["pv"]),
    R("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", True,
      ["pvc"]),
    R("apps", "v1", "daemonsets", "daemonset", "DaemonSet", True, ["ds"]),
    R("apps", "v1", "deployments", "deployment", "Deployment", True, ["deploy"]),
    R("apps", "v1", "replicasets", "replicaset", "ReplicaSet", True, ["rs"]),
    R("apps", "v1", "statefulsets", "statefulset", "StatefulSet", True, ["sts"]),
    R("batch", "v1", "jobs", "job", "Job", True),
    R("batch", "v1", "cronjobs", "cronjob", "CronJob", True, ["cj"]),
    R("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", False),
    R("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding",
      "ClusterRoleBinding", False),
    R("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", True),
    R("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", True),
    R("storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", False, ["sc"]),
    R("storage.k8s.io", "v1", "csidrivers", "csidriver", "CSIDriver", False),
    R("certificates.k8s.io", "v1", "certificatesigningrequests", "certificatesigningrequest",
      "CertificateSigningRequest", False, ["csr"]),
    R("coordination.k8s.io", "v1", "leases", "lease", "Lease", True),
    R("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition",
      "CustomResourceDefinition", False, ["crd", "crds"]),
    R("networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy", True,
      ["netpol"]),
    R("networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", True, ["ing"]),
    R("networking.k8s.io", "v1", "ingressclasses", "ingressclass", "IngressClass", False),
    R("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", True),
    R("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", True,
      ["pdb"]),
    R("scheduling.k8s.io", "v1", "priorityclasses", "priorityclass", "PriorityClass", False,
      ["pc"]),
    R("node.k8s.io", "v1", "runtimeclasses", "runtimeclass", "RuntimeClass", False),
    R("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
      "validatingwebhookconfiguration", "ValidatingWebhookConfiguration", False),
    R("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations",
      "mutatingwebhookconfiguration", "MutatingWebhookConfiguration", False),
]
del R
STATUS_SUBRESOURCE = {"nodes", "pods", "namespaces", "daemonsets", "deployments", "replicasets",
                      "statefulsets", "certificatesigningrequests", "services", "jobs",
                      "persistentvolumeclaims", "persistentvolumes"}
ALL_CATEGORY = {"pods", "services", "daemonsets", "deployments", "replicasets", "statefulsets",
                "jobs", "cronjobs"}
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def crd_resources(crds):
    out = []
    for crd in crds:
        spec = crd.get("spec") or {}
        names = spec.get("names") or {}
        for v in spec.get("versions") or []:
            if v.get("served", True) and names.get("plural") and names.get("kind"):
                out.append(Res(spec.get("group", ""), v.get("name"), names["plural"],
                               names.get("singular") or names["kind"].lower(), names["kind"],
                               spec.get("scope") == "Namespaced", names.get("shortNames") or []))
    return out


class LocalStore:
    """Cluster state (the stand-in's "etcd"): one JSON file, rewritten atomically on change."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.RLock()
        try:
            data = json.loads(read_file(path))
        except FileNotFoundError:
            data = {}
        except ValueError as e:
            raise Fail(f"state file {path} is corrupt: {e}")
        self.rv = int(data.get("resourceVersion", 0))
        self.objects = data.get("objects", {})

    @staticmethod
    def key(group, plural, ns, name):
        return f"{group}/{plural}/{ns or ''}/{name}"

    def get(self, group, plural, ns, name):
        with self.lock:
            obj = self.objects.get(self.key(group, plural, ns, name))
            return copy.deepcopy(obj)

    def list(self, group, plural, ns=None):
        prefix = f"{group}/{plural}/"
        with self.lock:
            out = [copy.deepcopy(o) for k, o in self.objects.items() if k.startswith(prefix)
                   and (ns is None or k.split("/")[2] == ns)]
        return sorted(out, key=lambda o: (o["metadata"].get("namespace", ""),
                                          o["metadata"]["name"]))

    def put(self, group, plural, ns, name, obj):
        with self.lock:
            self.rv += 1
            obj["metadata"]["resourceVersion"] = str(self.rv)
            self.objects[self.key(group, plural, ns, name)] = copy.deepcopy(obj)
            self.save()
            return obj

    def delete(self, group, plural, ns, name):
        with self.lock:
            obj = self.objects.pop(self.key(group, plural, ns, name), None)
            if obj is not None:
                self.rv += 1
                self.save()
            return copy.deepcopy(obj)

    def save(self):
        # Atomic (rename) but not fsynced: heartbeats rewrite it often, and a container
        # restart keeps the page cache.
        write_file(self.path, json.dumps({"resourceVersion": self.rv, "objects": self.objects},
                                         separators=(",", ":")), 0o600, sync=False)


def status_obj(code, reason, message, details=None):
    s = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
         "message": message, "reason": reason, "code": code}
    if details:
        s["details"] = details
    return s


def api_error(code, reason, message, details=None):
    return ApiError(code, status_obj(code, reason, message, details))


def not_found(res, name):
    plural = res.plural + ("." + res.group if res.group else "")
    return api_error(404, "NotFound", f'{plural} "{name}" not found',
                     {"name": name, "kind": res.plural, "group": res.group or None})
