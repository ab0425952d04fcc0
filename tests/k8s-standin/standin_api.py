"""TEST DOUBLE: the API server's REST handlers (staging/src/k8s.io/apiserver/pkg/endpoints):
discovery (/api, /apis, aggregated and legacy), /openapi/v3, health endpoints, and get, list,
watch, create, update, patch, delete on every resource, with the real response shapes (List
kinds, Table for `Accept: ...as=Table`, watch events, 409 Conflict on a stale resourceVersion,
422 Invalid on strict decoding errors).
"""
import json
import re
import time

import yaml

import standin_auth
import standin_protobuf
import standin_schema
import standin_subresources
from standin_admission import ANONYMOUS, ApiAdmission
from standin_common import P, PKI, split_host_port
from standin_kubeadm_config import first_service_ip, semver_tuple
from standin_patch import json_patch, matches_selectors, merge_patch, strip_directives
from standin_store import (
    ALL_CATEGORY, api_error, ApiError, BUILTIN_RESOURCES, crd_resources, not_found,
    STATUS_SUBRESOURCE,
    VERBS)
from standin_tables import TABLE_PRINTERS


PUBLIC_PATHS = {"/healthz", "/livez", "/readyz", "/version"}


def delete_options(req):
    """A DELETE's DeleteOptions body ({} without one)."""
    if not req.body:
        return {}
    try:
        body = req.json_body()
    except ApiError:
        return {}
    return body if isinstance(body, dict) else {}


def delete_grace(req):
    """gracePeriodSeconds of a DELETE: the query parameter, else the DeleteOptions body."""
    q = req.q("gracePeriodSeconds")
    if q is None:
        q = delete_options(req).get("gracePeriodSeconds")
    try:
        return None if q is None else int(q)
    except (TypeError, ValueError):
        raise api_error(400, "BadRequest", f"invalid gracePeriodSeconds: {q!r}")


class Request:
    def __init__(self, method, path, query, headers, body, user):
        self.method, self.path, self.query, self.headers = method, path, query, headers
        self.body, self.user = body, user

    def q(self, name, default=None):
        v = self.query.get(name)
        return v[0] if v else default

    def json_body(self):
        try:
            ctype = self.headers.get("Content-Type", "")
            if ctype.startswith(standin_protobuf.CONTENT_TYPE):  # the real kubectl's typed calls
                return standin_protobuf.decode(self.body or b"")
            if "yaml" in ctype:
                return yaml.safe_load(self.body or b"{}")
            return json.loads(self.body or b"{}")
        except standin_protobuf.Unsupported as e:
            raise api_error(415, "UnsupportedMediaType", str(e))
        except ValueError as e:
            raise api_error(400, "BadRequest", f"the body of the request was in an unknown "
                                               f"format: {e}")


class Api(ApiAdmission):
    """REST semantics over a LocalStore; used by the API-server thread that owns the state."""

    def __init__(self, store, version, endpoint, service_cidrs=(), signer=None, node_cidr=None):
        self.store = store
        self.version = version
        self.endpoint = endpoint  # "ip:port" this apiserver advertises
        self.service_cidrs = list(service_cidrs)
        self.signer = signer  # (cert_path, key_path) of the CSR signing CA, or None
        self.node_cidr = node_cidr  # ([cluster cidrs], mask) when --allocate-node-cidrs
        self.kubelet_client = None  # (cert PEM, key PEM) for the kubelets' port 10250
        self.sa_key = standin_auth.signing_key(P(standin_auth.sa_key_path(PKI)))
        self.bootstrap_objects()

    # -- registry --------------------------------------------------------------------------
    def resources(self):
        return BUILTIN_RESOURCES + crd_resources(
            self.store.list("apiextensions.k8s.io", "customresourcedefinitions"))

    def find(self, group, version, plural):
        for r in self.resources():
            if r.group == group and r.version == version and r.plural == plural:
                return r
        return None

    def bootstrap_objects(self):
        """What a fresh kube-apiserver creates: system namespaces and the kubernetes Service."""
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            if not self.store.get("", "namespaces", None, ns):
                self.create_obj(self.find("", "v1", "namespaces"), None,
                                {"metadata": {"name": ns}}, None)
        if self.service_cidrs and not self.store.get("", "services", "default", "kubernetes"):
            host, port = split_host_port(self.endpoint, 6443)
            self.create_obj(self.find("", "v1", "services"), "default", {
                "metadata": {"name": "kubernetes", "labels": {
                    "component": "apiserver", "provider": "kubernetes"}},
                "spec": {"clusterIP": first_service_ip(self.service_cidrs[0]), "type": "ClusterIP",
                         "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                    "targetPort": port}]}}, None)

    # -- request entry point ---------------------------------------------------------------
    def serve(self, req):
        """Returns (code, content_type, body_bytes) or ("watch", generator)."""
        path = req.path.rstrip("/") or "/"
        if path in ("/healthz", "/livez", "/readyz") or path.startswith(("/livez/", "/readyz/",
                                                                          "/healthz/")):
            return self.health(path, req)
        if path == "/version":
            return 200, "application/json", json.dumps(version_info(self.version)).encode()
        if req.user is ANONYMOUS and not self.resource_path(path):
            raise api_error(403, "Forbidden", f'forbidden: User "system:anonymous" cannot get '
                                              f'path "{path}"')
        if path in ("/api", "/apis") or re.match(r"^/api/v1$|^/apis/[^/]+(/[^/]+)?$", path):
            return self.discovery(path, req)
        if path.startswith("/openapi/v3"):
            return self.openapi_v3(path)
        parsed = self.resource_path(path)
        if not parsed:
            raise api_error(404, "NotFound", "the server could not find the requested resource")
        return self.resource(req, *parsed)

    def health(self, path, req):
        if req.q("verbose") is not None:
            checks = ["ping", "log", "etcd", "poststarthook/start-apiserver-admission-initializer",
                      "poststarthook/bootstrap-controller"]
            text = "".join(f"[+]{c} ok\n" for c in checks) + path.strip("/").split("/")[0] + \
                " check passed\n"
            return 200, "text/plain; charset=utf-8", text.encode()
        return 200, "text/plain; charset=utf-8", b"ok"

    def discovery(self, path, req):
        # Aggregated discovery (apidiscovery.k8s.io) is not offered: reply legacy JSON with a
        # plain application/json Content-Type, which makes clients fall back.
        res = self.resources()
        if path == "/api":
            out = {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": self.endpoint}]}
        elif path == "/apis":
            groups = {}
            for r in res:
                if r.group:
                    groups.setdefault(r.group, [])
                    if r.version not in groups[r.group]:
                        groups[r.group].append(r.version)
            out = {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
                 "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]}}
                for g, vs in groups.items()]}
        else:
            parts = path.strip("/").split("/")
            if parts[0] == "apis" and len(parts) == 2:
                vs = [r.version for r in res if r.group == parts[1]]
                if not vs:
                    raise api_error(404, "NotFound", "the server could not find the requested "
                                                     "resource")
                vs = list(dict.fromkeys(vs))
                out = {"kind": "APIGroup", "apiVersion": "v1", "name": parts[1],
                       "versions": [{"groupVersion": f"{parts[1]}/{v}", "version": v} for v in vs],
                       "preferredVersion": {"groupVersion": f"{parts[1]}/{vs[0]}",
                                            "version": vs[0]}}
            else:
                group, version = ("", "v1") if parts[0] == "api" else (parts[1], parts[2])
                items = [r for r in res if r.group == group and r.version == version]
                if not items:
                    raise api_error(404, "NotFound", "the server could not find the requested "
                                                     "resource")
                resources = []
                for r in items:
                    entry = {"name": r.plural, "singularName": r.singular,
                             "namespaced": r.namespaced, "kind": r.kind, "verbs": VERBS}
                    if r.short:
                        entry["shortNames"] = r.short
                    if r.plural in ALL_CATEGORY:
                        entry["categories"] = ["all"]
                    resources.append(entry)
                    if r.plural in STATUS_SUBRESOURCE:
                        resources.append({"name": r.plural + "/status", "singularName": "",
                                          "namespaced": r.namespaced, "kind": r.kind,
                                          "verbs": ["get", "patch", "update"]})
                    resources += standin_subresources.discovery_entries(r)
                out = {"kind": "APIResourceList", "apiVersion": "v1",
                       "groupVersion": f"{group}/{version}" if group else version,
                       "resources": resources}
        return 200, "application/json", json.dumps(out).encode()

    def openapi_v3(self, path):
        """Just enough OpenAPI v3 for kubectl: every PATCH accepts ?fieldValidation, so kubectl
        validates on the server (which here is lenient) and needs no schemas. No /openapi/v2."""
        gvs = {r.gv: r for r in self.resources()}
        if path == "/openapi/v3":
            out = {"paths": {("api/" if "/" not in gv else "apis/") + gv: {
                "serverRelativeURL": f"/openapi/v3/{'api' if '/' not in gv else 'apis'}/{gv}"
                                     f"?hash={self.version}"} for gv in gvs}}
            return 200, "application/json", json.dumps(out).encode()
        gv = re.sub(r"^/openapi/v3/apis?/", "", path)
        if gv not in gvs:
            raise api_error(404, "NotFound", "the server could not find the requested resource")
        paths = {}
        for r in self.resources():
            if r.gv != gv:
                continue
            base = f"/apis/{r.gv}" if r.group else "/api/v1"
            scope = "/namespaces/{namespace}" if r.namespaced else ""
            paths[f"{base}{scope}/{r.plural}/{{name}}"] = {"patch": {
                "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version,
                                                    "kind": r.kind},
                "parameters": [{"name": "fieldValidation", "in": "query",
                                "schema": {"type": "string", "uniqueItems": True}}],
                "responses": {"200": {"description": "OK"}}}}
        out = {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": self.version},
               "paths": paths, "components": {"schemas": {}}}
        return 200, "application/json", json.dumps(out).encode()

    @staticmethod
    def resource_path(path):
        parts = path.strip("/").split("/")
        if parts[0] == "api" and len(parts) >= 3 and parts[1] == "v1":
            group, version, rest = "", "v1", parts[2:]
        elif parts[0] == "apis" and len(parts) >= 4:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            return None
        ns = None
        if rest[0] == "namespaces" and len(rest) >= 3 and not (
                len(rest) == 3 and rest[2] in ("status", "finalize")):
            ns, rest = rest[1], rest[2:]
        plural = rest[0]
        name = rest[1] if len(rest) > 1 else None
        sub = "/".join(rest[2:]) or None
        return group, version, plural, ns, name, sub

    def resource(self, req, group, version, plural, ns, name, sub):
        res = self.find(group, version, plural)
        if res is None or (ns and not res.namespaced):
            raise api_error(404, "NotFound", "the server could not find the requested resource")
        m = req.method
        reply = standin_subresources.handle(self, req, res, ns, name, sub)
        if reply is not None:
            return reply
        if res.plural == "serviceaccounts" and sub == "token" and m == "POST" and name:
            self.authorize(req.user, "create", res, sub, ns, name)
            reply = standin_auth.token_request(self.store, self.sa_key, ns, name,
                                               req.json_body(), api_error)
            return 201, "application/json", json.dumps(reply).encode()
        verb = {"GET": "get" if name else ("watch" if req.q("watch") in ("1", "true") else
                                           "list"),
                "POST": "create", "PUT": "update", "PATCH": "patch",
                "DELETE": "delete" if name else "deletecollection"}.get(m)
        if verb is None or (verb == "create" and name) or \
                (verb in ("update", "patch") and not name):
            raise api_error(405, "MethodNotAllowed", "the server does not allow this method on "
                                                     "the requested resource")
        if res.namespaced and not ns and verb not in ("list", "watch"):
            raise api_error(404, "NotFound", "the server could not find the requested resource")
        user = req.user
        if verb in ("get", "list", "watch"):
            self.authorize(user, verb, res, sub, ns, name)
            if name:
                obj = self.store.get(res.group, res.plural, ns, name)
                if not obj:
                    raise not_found(res, name)
                return self.respond(req, res, self.view(res, obj), single=True)
            objs = [self.view(res, o) for o in self.store.list(res.group, res.plural, ns)
                    if matches_selectors(o, req.q("labelSelector"), req.q("fieldSelector"))]
            if verb == "watch":
                events = self.watch(req, res, ns)
                if "as=Table" in req.headers.get("Accept", ""):
                    include = req.q("includeObject", "Metadata")
                    events = (ev if ev["type"] == "BOOKMARK" else {
                        "type": ev["type"], "object": self.table(res, [ev["object"]], include)}
                        for ev in events)
                return "watch", events
            return self.respond(req, res, objs, single=False)
        if verb in ("create", "update") or (verb == "patch" and sub is None):
            body = req.json_body()
            if verb == "patch" and "strategic" in req.headers.get("Content-Type", ""):
                body = strip_directives(body)
            strict = req.q("fieldValidation") == "Strict" and \
                standin_schema.strict_error(res.kind, res.version, body)
            if strict:  # checked on what the client sent, as the real decoder does
                raise api_error(400, "BadRequest", strict)
        if verb == "create":
            obj = req.json_body()
            self.authorize(user, verb, res, sub, ns, None, obj)
            return 201, "application/json", json.dumps(self.create_obj(res, ns, obj, user)).encode()
        if verb == "deletecollection":
            self.authorize(user, verb, res, sub, ns, None)
            for o in self.store.list(res.group, res.plural, ns):
                if matches_selectors(o, req.q("labelSelector"), req.q("fieldSelector")):
                    self.delete_obj(res, o["metadata"].get("namespace"), o["metadata"]["name"])
            return 200, "application/json", json.dumps(
                {"kind": "Status", "apiVersion": "v1", "status": "Success"}).encode()
        # One write at a time from read to store, as the API server's GuaranteedUpdate
        # compares and swaps: a write never lands on an object that changed under it.
        with self.store.lock:
            return self.write_one(req, res, verb, sub, ns, name, user)

    def write_one(self, req, res, verb, sub, ns, name, user):
        old = self.store.get(res.group, res.plural, ns, name)
        if verb == "delete":
            self.authorize(user, verb, res, sub, ns, name, old)
            want_uid = delete_options(req).get("preconditions", {}).get("uid")
            if old and want_uid and want_uid != old["metadata"]["uid"]:
                raise api_error(409, "Conflict", f"Precondition failed: UID in precondition: "
                                                 f"{want_uid}, UID in object meta: "
                                                 f"{old['metadata']['uid']}")
            gone = self.delete_obj(res, ns, name, delete_grace(req))
            if (gone.get("metadata") or {}).get("deletionTimestamp") and \
                    self.store.get(res.group, res.plural, ns, name):
                return 200, "application/json", json.dumps(gone).encode()  # still terminating
            return 200, "application/json", json.dumps({
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "details": {"name": name, "group": res.group, "kind": res.plural,
                            "uid": old["metadata"]["uid"]}}).encode()
        if verb == "update":
            obj = req.json_body()
            self.authorize(user, verb, res, sub, ns, name, obj if old is None else old)
            return 200, "application/json", json.dumps(
                self.update_obj(res, ns, name, obj, sub, old)).encode()
        # patch
        ctype = req.headers.get("Content-Type", "").split(";")[0].strip()
        patch = req.json_body()
        if old is None:
            if ctype == "application/apply-patch+yaml":  # server-side apply may create
                self.authorize(user, "create", res, sub, ns, name, patch)
                patch.setdefault("metadata", {})["name"] = name
                return 201, "application/json", json.dumps(
                    self.create_obj(res, ns, patch, user)).encode()
            # Authorization comes before the handler: a caller who may not patch is refused
            # (403) whether or not the object exists.
            self.authorize(user, verb, res, sub, ns, name, patch)
            raise not_found(res, name)
        self.authorize(user, verb, res, sub, ns, name, old)
        if ctype == "application/json-patch+json":
            new = json_patch(old, patch)
        else:
            new = merge_patch(old, patch, strategic=ctype != "application/merge-patch+json")
        # A resourceVersion in the patch is a precondition (409 when stale); without one the
        # patch applies to the latest object, which is what merge_patch kept from `old`.
        new.setdefault("metadata", {}).setdefault("resourceVersion",
                                                  old["metadata"]["resourceVersion"])
        if sub is None and res.plural in STATUS_SUBRESOURCE and "status" in old:
            new["status"] = old["status"]
        merged = self.update_obj(res, ns, name, new, sub if sub in ("status",) else None, old)
        return 200, "application/json", json.dumps(merged).encode()

    def respond(self, req, res, objs, single):
        accept = req.headers.get("Accept", "")
        if "as=Table" in accept:
            table = self.table(res, [objs] if single else objs, req.q("includeObject", "Metadata"))
            return 200, "application/json", json.dumps(table).encode()
        if single:
            return 200, "application/json", json.dumps(objs).encode()
        out = {"kind": res.kind + "List", "apiVersion": res.gv,
               "metadata": {"resourceVersion": str(self.store.rv)}, "items": objs}
        return 200, "application/json", json.dumps(out).encode()

    def watch(self, req, res, ns):
        """A polling watch: ADDED for current objects (unless resourceVersion is given), then
        MODIFIED/ADDED/DELETED as they change, until timeoutSeconds. With sendInitialEvents
        (the watch-list the real kubectl 1.3x sends for `rollout status` and `wait`, KEP-3157)
        every current object comes first, then a BOOKMARK annotated k8s.io/initial-events-end,
        which such clients wait for before they read on."""
        timeout = min(float(req.q("timeoutSeconds", "60")), 600)
        since = int(req.q("resourceVersion") or 0)
        initial = req.q("sendInitialEvents") == "true"
        deadline = time.time() + timeout
        seen = {}

        def snapshot():
            return {(o["metadata"].get("namespace"), o["metadata"]["name"]): self.view(res, o)
                    for o in self.store.list(res.group, res.plural, ns)
                    if matches_selectors(o, req.q("labelSelector"), req.q("fieldSelector"))}

        first = True
        while time.time() < deadline:
            cur, batch = snapshot(), []
            for k, o in cur.items():
                blob = json.dumps(o, sort_keys=True)
                if k not in seen:
                    if not first or since == 0 or initial or \
                            int(o["metadata"]["resourceVersion"]) > since:
                        batch.append({"type": "ADDED", "object": o})
                elif seen[k] != blob:
                    batch.append({"type": "MODIFIED", "object": o})
                seen[k] = blob
            for k in [k for k in seen if k not in cur]:
                gone = json.loads(seen.pop(k))
                # The deletion's own resourceVersion, as the real DELETED event carries: not
                # known to a poll, so the newest, which orders it after what it saw change.
                gone["metadata"]["resourceVersion"] = str(self.store.rv)
                batch.append({"type": "DELETED", "object": gone})
            # A real watch delivers changes in resourceVersion order (the watch cache replays
            # etcd's revisions in order); a poll finds them by name, so it sorts them back.
            # Clients that pair a deletion with its replacement (minik ui's moves) rely on it.
            batch.sort(key=lambda e: int(e["object"]["metadata"]["resourceVersion"]))
            yield from batch
            if first and initial:
                yield {"type": "BOOKMARK", "object": {
                    "kind": res.kind, "apiVersion": res.gv, "metadata": {
                        "resourceVersion": str(self.store.rv),
                        "annotations": {"k8s.io/initial-events-end": "true"}}}}
            first = False
            time.sleep(0.25)

    # -- server-side printing (meta.k8s.io/v1 Table) ----------------------------------------
    def table(self, res, objs, include):
        cols, row = TABLE_PRINTERS.get(res.plural, TABLE_PRINTERS[None])
        rows = []
        for o in objs:
            r = {"cells": row(o)}
            if include == "Object":
                r["object"] = o
            elif include != "None":
                r["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                               "metadata": o.get("metadata", {})}
            rows.append(r)
        return {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
                "metadata": {"resourceVersion": str(self.store.rv)},
                "columnDefinitions": [{"name": n, "type": t, "format": f, "description": n,
                                       "priority": p} for n, t, f, p in cols],
                "rows": rows}






def version_info(version):
    major, minor, _ = semver_tuple(version)
    return {"major": str(major), "minor": str(minor), "emulationMajor": str(major),
            "emulationMinor": str(minor), "minCompatibilityMajor": str(major),
            "minCompatibilityMinor": str(max(minor - 1, 0)), "gitVersion": version,
            "gitCommit": "standin", "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z",
            "goVersion": "go1.25.0", "compiler": "gc", "platform": "linux/amd64"}
