"""TEST DOUBLE: who is calling and what the API server lets them do, before and while objects
are stored. Mirrors upstream kube-apiserver (learned from it, written here):
- authentication: client certificates (CN = user, O = groups), bootstrap tokens from
  `bootstrap-token-*` Secrets (plugin/pkg/auth/authenticator/token/bootstrap), ServiceAccount
  tokens (standin_auth), anonymous requests as system:anonymous;
- authorization: the Node authorizer and NodeRestriction (plugin/pkg/auth/authorizer/node,
  plugin/pkg/admission/noderestriction: a kubelet may only write its own Node and pods bound
  to it), then RBAC; kubeadm's bootstrap-token and cluster-info rules;
- admission and defaulting on create: generateName, uid/creationTimestamp, node podCIDR
  allocation (pkg/controller/nodeipam), Service ClusterIP allocation from the service CIDRs
  (pkg/registry/core/service/ipallocator), CSR approval and signing for kubelet client
  certificates (pkg/controller/certificates), and the cluster-info JWS signatures the
  bootstrap signer adds (pkg/controller/bootstrap).
"""
import base64
import copy
import hashlib
import hmac
import ipaddress
import json
import random
import string
import time
import uuid

import standin_auth
import standin_deployment
import standin_nodelifecycle
import standin_pki
import standin_podconfig
import standin_podsecurity
import standin_services
import standin_volumes
from standin_common import (
    ADMIN_GROUPS, b64, dig, log_error, now_ts, parse_ts, read_file, TOKEN_RE,
    unb64)
from standin_pki import cert_pem, cert_subject, load_cert, load_key, sign_cert
from standin_store import api_error, not_found, STATUS_SUBRESOURCE


# Workloads whose registry strategies set metadata.generation to 1 on create and add one when
# the spec changes (pkg/registry/apps/*/strategy.go, batch/*): their controllers report
# status.observedGeneration, which `kubectl rollout status` compares with it.
GENERATION_GROUPS = {"apps", "batch"}

class User:
    def __init__(self, name, groups):
        self.name, self.groups = name, list(groups)

    @property
    def admin(self):
        return bool(ADMIN_GROUPS & set(self.groups))

    @property
    def node_name(self):
        if self.name.startswith("system:node:") and "system:nodes" in self.groups:
            return self.name[len("system:node:"):]
        return None


ANONYMOUS = User("system:anonymous", ["system:unauthenticated"])


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws_detached(content, token_id, token_secret):
    """Detached HS256 JWS as the bootstrap signer puts in cluster-info (header..signature)."""
    header = b64url(json.dumps({"alg": "HS256", "kid": token_id}, separators=(",", ":")).encode())
    payload = b64url(content.encode())
    sig = hmac.new(token_secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}..{b64url(sig)}"


class ApiAdmission:
    """Authentication, authorization and admission: the `Api` methods that decide and
    default (mixed into standin_api.Api)."""

    # -- authentication --------------------------------------------------------------------
    def token_user(self, token):
        sa = standin_auth.token_identity(self.store, self.sa_key, token)
        if sa:
            return User(*sa)
        m = TOKEN_RE.match(token)
        if not m:
            return None
        secret = self.store.get("", "secrets", "kube-system", "bootstrap-token-" + m.group(1))
        if not secret or secret.get("type") != "bootstrap.kubernetes.io/token":
            return None
        data = {k: unb64(v).decode() for k, v in (secret.get("data") or {}).items()}
        if data.get("token-secret") != m.group(2) or \
                data.get("usage-bootstrap-authentication") != "true":
            return None
        if data.get("expiration") and parse_ts(data["expiration"]) < time.time():
            return None
        extra = [g for g in data.get("auth-extra-groups", "").split(",") if g]
        return User("system:bootstrap:" + m.group(1),
                    ["system:bootstrappers"] + extra + ["system:authenticated"])

    # -- authorization (RBAC + Node authorizer + NodeRestriction, simplified) --------------
    @staticmethod
    def admit_secret(obj):
        problem = standin_podconfig.admit_secret(obj)
        if problem:
            raise api_error(400, "BadRequest", problem)

    def node_uses_secret(self, node, ns, name):
        return any(dig(p, "spec", "nodeName") == node and
                   ("secrets", name) in standin_podconfig.references(p)
                   for p in self.store.list("", "pods", ns))

    def authorize(self, user, verb, res, sub, ns, name, obj=None):
        if user.admin:
            return
        reads = verb in ("get", "list", "watch")
        node = user.node_name
        allowed = False
        if res.plural == "configmaps" and ns == "kube-public" and name == "cluster-info" and \
                verb == "get":
            allowed = True  # system:public-info-viewer style anonymous access
        elif node:
            if reads and res.plural == "secrets":
                # the Node authorizer's graph: a node may get a Secret only when a pod bound
                # to it names it (plugin/pkg/auth/authorizer/node/node_authorizer.go)
                allowed = verb == "get" and self.node_uses_secret(node, ns, name)
            elif reads:
                allowed = True
            elif res.plural == "nodes":
                allowed = name == node or (verb == "create" and dig(obj, "metadata", "name") == node)
            elif res.plural == "pods":
                allowed = dig(obj, "spec", "nodeName") == node
            elif res.plural == "leases":
                allowed = ns == "kube-node-lease" and (name or dig(obj, "metadata", "name")) == node
            elif res.plural in ("certificatesigningrequests", "events"):
                allowed = verb in ("create", "patch", "update")
        elif "system:bootstrappers" in user.groups:
            if res.plural == "certificatesigningrequests":
                allowed = verb in ("create", "get", "list", "watch")
            elif res.plural == "configmaps" and ns == "kube-system" and verb == "get":
                allowed = name in ("kubeadm-config", "kubelet-config", "kube-proxy")
            elif res.plural == "nodes":
                allowed = verb == "get"
        if not allowed:  # RBAC, as the real chain asks it after the Node authorizer
            allowed = standin_auth.allows(self.store, user.name, user.groups, verb, res.group,
                                          res.plural, sub, ns, name)
        if not allowed:
            what = f'{res.plural}{"." + res.group if res.group else ""}'
            target = f'{what} "{name}"' if name else what
            scope = f'in the namespace "{ns}"' if ns else "at the cluster scope"
            resource = res.plural + ("/" + sub if sub else "")
            raise api_error(403, "Forbidden", f'{target} is forbidden: User "{user.name}" cannot '
                                              f'{verb} resource "{resource}" in API group '
                                              f'"{res.group}" {scope}',
                            {"name": name, "kind": res.plural, "group": res.group})

    # -- views computed on read (what controllers would maintain) --------------------------
    def view(self, res, obj):
        if res.plural == "nodes":
            return self.node_view(obj)
        if res.plural == "configmaps" and obj["metadata"].get("namespace") == "kube-public" and \
                obj["metadata"]["name"] == "cluster-info":
            return self.cluster_info_view(obj)
        return obj

    def node_view(self, node):
        """Node lifecycle controller: stale heartbeats turn every condition Unknown, and the
        Ready condition's taints (standin_nodelifecycle)."""
        return standin_nodelifecycle.view(node)

    def cluster_info_view(self, cm):
        """Bootstrap signer: a JWS of the kubeconfig for each signing token."""
        data = cm.setdefault("data", {})
        for k in [k for k in data if k.startswith("jws-kubeconfig-")]:
            del data[k]
        for s in self.store.list("", "secrets", "kube-system"):
            if s.get("type") != "bootstrap.kubernetes.io/token":
                continue
            d = {k: unb64(v).decode() for k, v in (s.get("data") or {}).items()}
            if d.get("usage-bootstrap-signing") != "true" or (
                    d.get("expiration") and parse_ts(d["expiration"]) < time.time()):
                continue
            data["jws-kubeconfig-" + d["token-id"]] = jws_detached(
                data.get("kubeconfig", ""), d["token-id"], d["token-secret"])
        return cm

    # -- object lifecycle ------------------------------------------------------------------
    def create_obj(self, res, ns, obj, user):
        if not isinstance(obj, dict):
            raise api_error(400, "BadRequest", "the request body must be an object")
        meta = obj.setdefault("metadata", {})
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + "".join(
                random.choice(string.ascii_lowercase + string.digits) for _ in range(5))
        name = meta.get("name")
        if not name:
            raise api_error(422, "Invalid", f"{res.kind} in version \"{res.version}\" cannot be "
                                            f"handled as a {res.kind}: name or generateName is "
                                            f"required", {"kind": res.kind})
        if res.namespaced:
            meta["namespace"] = ns
            namespace = self.store.get("", "namespaces", None, ns)
            if not namespace:
                raise api_error(404, "NotFound", f'namespaces "{ns}" not found',
                                {"name": ns, "kind": "namespaces"})
            if res.plural == "pods":
                denied = standin_podsecurity.admit_pod(namespace["metadata"].get("labels"), obj)
                if denied:
                    raise api_error(403, "Forbidden", f'pods "{name}" is forbidden: {denied}',
                                    {"name": name, "kind": "pods"})
        else:
            meta.pop("namespace", None)
        if self.store.get(res.group, res.plural, ns, name):
            what = res.plural + ("." + res.group if res.group else "")
            raise api_error(409, "AlreadyExists", f'{what} "{name}" already exists',
                            {"name": name, "group": res.group, "kind": res.plural})
        obj["apiVersion"], obj["kind"] = res.gv, res.kind
        meta.update(uid=str(uuid.uuid4()), creationTimestamp=now_ts())
        meta.pop("resourceVersion", None)
        if res.group in GENERATION_GROUPS:
            meta["generation"] = 1
        self.admit_workload(res, obj)
        self.on_create(res, obj, user)
        return self.store.put(res.group, res.plural, ns, name, obj)

    @staticmethod
    def admit_workload(res, obj):
        """Deployments are defaulted and validated as the real API server does."""
        if res.group == "apps" and res.plural == "deployments":
            errors = standin_deployment.admit(obj)
            if errors:
                name = obj["metadata"].get("name", "")
                raise api_error(422, "Invalid", standin_deployment.invalid_message(name, errors),
                                {"name": name, "group": "apps", "kind": "Deployment"})

    def on_create(self, res, obj, user):
        if res.plural == "namespaces":
            obj.setdefault("spec", {"finalizers": ["kubernetes"]})
            obj["status"] = {"phase": "Active"}
            obj["metadata"].setdefault("labels", {})[
                "kubernetes.io/metadata.name"] = obj["metadata"]["name"]
        elif res.plural == "nodes":
            self.allocate_pod_cidrs(obj)
        elif res.plural == "pods" and not res.group:
            standin_nodelifecycle.default_tolerations(obj)
            # pkg/registry/core/pod/strategy.go PrepareForCreate: a new pod is Pending (the
            # kubelet that runs it reports the rest); a mirror pod posts its own status.
            if not (obj.get("status") or {}).get("phase"):
                obj["status"] = {"phase": "Pending"}
        elif res.plural == "services":
            standin_services.admit(self.store, obj, obj["metadata"].get("namespace"))
            self.allocate_cluster_ip(obj)
        elif res.plural == "secrets":
            self.admit_secret(obj)
        elif res.plural == "persistentvolumeclaims":
            standin_volumes.admit_claim(self.store, obj)
        elif res.plural == "persistentvolumes":
            standin_volumes.admit_volume(obj)
        elif res.plural == "certificatesigningrequests":
            spec = obj.setdefault("spec", {})
            if user:
                spec.update(username=user.name, groups=user.groups)
            self.approve_and_sign(obj, user)

    def allocate_pod_cidrs(self, node):
        spec = node.setdefault("spec", {})
        if not self.node_cidr or spec.get("podCIDR"):
            return
        cidrs, masks = self.node_cidr
        used = {c for n in self.store.list("", "nodes")
                for c in dig(n, "spec", "podCIDRs", default=[]) or []}
        chosen = []
        for cidr, mask in zip(cidrs, masks):
            net = ipaddress.ip_network(cidr, strict=False)
            if mask < net.prefixlen:
                continue
            for sub in net.subnets(new_prefix=mask):
                if str(sub) not in used:
                    chosen.append(str(sub))
                    break
        if chosen:
            spec["podCIDR"], spec["podCIDRs"] = chosen[0], chosen

    def allocate_cluster_ip(self, svc):
        spec = svc.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        if spec.get("clusterIP") or spec["type"] == "ExternalName" or not self.service_cidrs:
            return
        used = {dig(s, "spec", "clusterIP") for s in self.store.list("", "services")}
        net = ipaddress.ip_network(self.service_cidrs[0], strict=False)
        for i, ip in enumerate(net.hosts()):
            if i >= 10 and str(ip) not in used:  # keep .1 (kubernetes) and .10 (dns) apart
                spec["clusterIP"] = str(ip)
                spec["clusterIPs"] = [str(ip)]
                return

    def approve_and_sign(self, csr, user):
        """csrapproving + csrsigning controllers, for kubelet client certificates."""
        spec, status = csr["spec"], csr.setdefault("status", {})
        try:
            req = standin_pki.x509.load_pem_x509_csr(unb64(spec.get("request", "")))
        except ValueError:
            raise api_error(422, "Invalid", "spec.request: Invalid value: []byte{...}: "
                                            "PEM block type must be CERTIFICATE REQUEST")
        cn, orgs = cert_subject(req)
        requester = user or ANONYMOUS
        if spec.get("signerName") == "kubernetes.io/kube-apiserver-client-kubelet" and \
                orgs == ["system:nodes"] and cn.startswith("system:node:") and \
                ("system:bootstrappers" in requester.groups or requester.name == cn):
            status["conditions"] = [{"type": "Approved", "status": "True",
                                     "reason": "AutoApproved",
                                     "message": "Auto approving kubelet client certificate "
                                                "after SubjectAccessReview.",
                                     "lastUpdateTime": now_ts(), "lastTransitionTime": now_ts()}]
        approved = any(c.get("type") == "Approved" and c.get("status") == "True"
                       for c in status.get("conditions") or [])
        if approved and not status.get("certificate") and self.signer:
            try:
                ca_cert = load_cert(read_file(self.signer[0], True))
                ca_key = load_key(read_file(self.signer[1], True))
            except (OSError, ValueError) as e:
                log_error(f"CSR signer unavailable: {e}")
                return
            cert = sign_cert(ca_cert, ca_key, req.public_key(), cn, orgs, client=True)
            status["certificate"] = b64(cert_pem(cert))

    def update_obj(self, res, ns, name, new, sub, old=None):
        old = old or self.store.get(res.group, res.plural, ns, name)
        if not old:
            raise not_found(res, name)
        rv = dig(new, "metadata", "resourceVersion")
        if rv and rv != old["metadata"].get("resourceVersion"):
            what = res.plural + ("." + res.group if res.group else "")
            raise api_error(409, "Conflict", f'Operation cannot be fulfilled on {what} "{name}": '
                                             f'the object has been modified; please apply your '
                                             f'changes to the latest version and try again')
        if sub == "status":
            merged = copy.deepcopy(old)
            merged["status"] = new.get("status", {})
        elif sub == "approval":
            merged = copy.deepcopy(old)
            merged.setdefault("status", {})["conditions"] = dig(new, "status", "conditions") or []
            self.approve_and_sign(merged, None)
        else:
            merged = copy.deepcopy(new)
            if res.plural in STATUS_SUBRESOURCE and "status" in old:
                merged["status"] = old["status"]
            if res.plural == "services":
                merged.setdefault("metadata", {})["name"] = name
                standin_services.admit(self.store, merged, ns)
        if res.plural == "secrets" and sub is None:
            self.admit_secret(merged)
        meta = merged.setdefault("metadata", {})
        for k in ("uid", "creationTimestamp", "name"):
            meta[k] = old["metadata"][k]
        if sub is None:
            self.admit_workload(res, merged)
        if res.group in GENERATION_GROUPS:  # a new spec is a new generation; status is not
            gen = int(old["metadata"].get("generation", 1))
            meta["generation"] = gen + 1 if sub is None and merged.get("spec") != old.get(
                "spec") else gen
        if res.namespaced:
            meta["namespace"] = ns
        merged["apiVersion"], merged["kind"] = res.gv, res.kind
        return self.store.put(res.group, res.plural, ns, name, merged)

    def delete_obj(self, res, ns, name, grace=None):
        """Deletes; a pod bound to a node is only marked (deletionTimestamp) for its kubelet to
        stop and then delete with grace 0 (pkg/registry/core/pod/strategy.go
        CheckGracefulDelete, pkg/registry/rest/delete.go BeforeDelete)."""
        if res.plural == "pods" and not res.group:
            pod = self.store.get(res.group, res.plural, ns, name)
            if pod is None:
                raise not_found(res, name)
            period = grace_period(pod, grace)
            if period > 0:
                return self.mark_terminating(res, ns, name, pod, period)
        obj = self.store.delete(res.group, res.plural, ns, name)
        if obj is None:
            raise not_found(res, name)
        if res.plural == "namespaces":  # namespace controller: delete the contents
            for r in self.resources():
                if r.namespaced:
                    for o in self.store.list(r.group, r.plural, name):
                        self.store.delete(r.group, r.plural, name, o["metadata"]["name"])
        return obj

    def mark_terminating(self, res, ns, name, pod, period):
        meta = pod.get("metadata") or {}
        if meta.get("deletionTimestamp") and \
                period >= int(meta.get("deletionGracePeriodSeconds", 0)):
            return pod  # a later delete may only shorten the grace period
        pod = copy.deepcopy(pod)
        pod["metadata"]["deletionTimestamp"] = time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + period))
        pod["metadata"]["deletionGracePeriodSeconds"] = period
        return self.store.put(res.group, res.plural, ns, name, pod)


def grace_period(pod, asked):
    """The seconds a pod is given to stop: the delete's gracePeriodSeconds, else the pod's
    terminationGracePeriodSeconds (default 30); 0 for a pod no node runs (unscheduled, or
    Succeeded/Failed)."""
    spec, phase = pod.get("spec") or {}, (pod.get("status") or {}).get("phase")
    if not spec.get("nodeName") or phase in ("Succeeded", "Failed"):
        return 0
    period = asked if asked is not None else spec.get("terminationGracePeriodSeconds", 30)
    try:
        return max(int(period), 0)
    except (TypeError, ValueError):
        return 30
