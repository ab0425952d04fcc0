"""TEST DOUBLE: the stand-in's own kubectl (staging/src/k8s.io/kubectl/pkg/cmd): flags and
kubeconfig selection, resource name resolution through discovery (plural, singular, short
names, kind.group), `get` with -o wide/json/yaml/name/jsonpath and server-side Table columns,
`version` with its skew warning, `cluster-info`. The write commands are in
standin_kubectl_write. Only what minik's code paths and tests call.
"""
import json
import os
import sys
import urllib.parse

import standin_common
from standin_api import version_info
from standin_client import ApiClient, ApiError, load_kubeconfig
from standin_common import dig, Fail, KUSTOMIZE_VERSION, parse_cli, parse_duration, yaml_dump
from standin_jsonpath import jp_eval, jp_render, jp_str, jp_tokenize
from standin_kubeadm_config import semver_tuple
from standin_kubectl_write import KubectlWrite, print_api_error
from standin_store import BUILTIN_RESOURCES, Res


def print_columns(headers, rows, no_headers=False):
    table = ([headers] if not no_headers else []) + [[str(c) for c in r] for r in rows]
    if not table:
        return
    widths = [max(len(r[i]) for r in table if i < len(r)) for i in range(len(table[0]))]
    for r in table:
        print("   ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip())


KUBECTL_VALUE_FLAGS = {"kubeconfig", "duration", "namespace", "output", "filename", "selector",
                       "field-selector", "context", "request-timeout", "timeout", "for", "patch",
                       "type", "raw", "grace-period", "v", "server", "cluster", "user", "token",
                       "sort-by", "chunk-size", "field-manager", "label-columns", "cascade",
                       "pod-selector", "template", "dry-run", "validate", "certificate-authority",
                       "replicas"}
KUBECTL_BOOL_FLAGS = {"all-namespaces", "all", "overwrite", "ignore-daemonsets",
                      "delete-emptydir-data", "delete-local-data", "force", "ignore-not-found",
                      "show-labels", "no-headers", "client", "wait", "server-side",
                      "force-conflicts", "insecure-skip-tls-verify", "watch", "recursive",
                      "disable-eviction", "help", "show-kind", "allow-missing-template-keys"}
KUBECTL_SHORT = {"n": "namespace", "o": "output", "f": "filename", "l": "selector",
                 "A": "all-namespaces", "p": "patch", "v": "v", "w": "watch", "R": "recursive",
                 "L": "label-columns", "h": "help"}


class Kubectl(KubectlWrite):
    def __init__(self, flags):
        self.flags = flags
        path = flags.one("kubeconfig") or (os.environ.get("KUBECONFIG", "").split(":")[0]) or \
            os.path.expanduser("~/.kube/config")
        creds = load_kubeconfig(path, flags.one("context"))
        if flags.one("server"):
            creds.server = flags.one("server")
        if flags.one("token"):  # as kubectl: a client certificate in the kubeconfig still wins
            creds.token = flags.one("token")
        if flags.on("insecure-skip-tls-verify"):
            creds.insecure = True
        timeout = parse_duration(flags.one("request-timeout"), 30) or 30
        self.client = ApiClient.from_creds(creds, timeout=timeout)
        self.namespace = flags.one("namespace") or creds.namespace or "default"
        self._discovered = None

    # -- resource mapping -----------------------------------------------------------------
    def discovered(self):
        if self._discovered is None:
            found = []
            gvs = ["v1"] + [v["groupVersion"] for g in self.client.get("/apis").get("groups", [])
                            for v in g.get("versions", [])]
            for gv in gvs:
                group, _, version = gv.rpartition("/")
                lst = self.client.get(f"/apis/{gv}" if group else "/api/v1")
                for r in lst.get("resources", []):
                    if "/" not in r["name"]:
                        found.append(Res(group, version, r["name"], r.get("singularName") or
                                         r["kind"].lower(), r["kind"], r["namespaced"],
                                         r.get("shortNames") or []))
            self._discovered = found
        return self._discovered

    def resolve(self, name):
        name = name.lower()
        base, _, group = name.partition(".")
        for pool in (BUILTIN_RESOURCES, None):
            for r in pool if pool is not None else self.discovered():
                if base in (r.plural, r.singular, r.kind.lower(), *r.short) and \
                        (not group or r.group == group or r.group.startswith(group + ".")):
                    return r
        raise Fail(f'the server doesn\'t have a resource type "{name}"')

    def resolve_kind(self, api_version, kind, src):
        group, _, version = (api_version or "").rpartition("/")
        for pool in (BUILTIN_RESOURCES, None):
            for r in pool if pool is not None else self.discovered():
                if r.kind == kind and r.group == group and r.version == version:
                    return r
        raise Fail(f'resource mapping not found for name: "" namespace: "" from "{src}": no '
                   f'matches for kind "{kind}" in version "{api_version}"\nensure CRDs are '
                   f'installed first')

    def path(self, res, ns=None, name=None, sub=None):
        base = f"/apis/{res.group}/{res.version}" if res.group else "/api/v1"
        if res.namespaced and ns:
            base += f"/namespaces/{ns}"
        base += f"/{res.plural}"
        if name:
            base += f"/{urllib.parse.quote(name)}"
        if sub:
            base += f"/{sub}"
        return base

    def list_query(self):
        q = {}
        if self.flags.one("selector") is not None:
            q["labelSelector"] = self.flags.one("selector")
        if self.flags.one("field-selector") is not None:
            q["fieldSelector"] = self.flags.one("field-selector")
        return ("?" + urllib.parse.urlencode(q)) if q else ""

    def targets(self, args, allow_all=True):
        """[(Res, [names])] from 'type name...', 'type/name ...' or 'type' (+ --all/-l)."""
        if not args:
            raise Fail("You must provide one or more resources by argument or filename.")
        if "/" in args[0]:
            out = []
            for a in args:
                t, _, n = a.partition("/")
                out.append((self.resolve(t), [n]))
            return out
        return [(self.resolve(t), args[1:]) for t in args[0].split(",") if t]

    def objects(self, res, names, ns):
        """Objects by name, or all matching the selectors (in ns, or all namespaces)."""
        if names:
            return [self.client.get(self.path(res, ns, n)) for n in names]
        return self.client.get(self.path(res, ns) + self.list_query()).get("items", [])

    def ns_for(self, res):
        if not res.namespaced or self.flags.on("all-namespaces"):
            return None
        return self.namespace

    # -- commands ---------------------------------------------------------------------------
    def get(self, args):
        raw = self.flags.one("raw")
        if raw:
            code, _, body = self.client.request("GET", raw)
            if code >= 400:
                try:
                    raise ApiError(code, json.loads(body))
                except ValueError:
                    raise ApiError(code, {"message": body.decode(errors="replace").strip(),
                                          "reason": "", "code": code})
            sys.stdout.write(body.decode(errors="replace"))
            if not body.endswith(b"\n"):
                sys.stdout.write("\n")
            return 0
        out = self.flags.one("output", "")
        targets = self.targets(args)
        rc = 0
        if out in ("", "wide"):
            multi = len(targets) > 1
            for res, names in targets:
                rc |= self.print_table(res, names, out == "wide", multi)
            return rc
        items, errors = [], []
        for res, names in targets:
            for n in names or [None]:
                try:
                    items += self.objects(res, [n] if n else [], self.ns_for(res))
                except ApiError as e:
                    errors.append(e)
        single = len(targets) == 1 and len(targets[0][1]) == 1 and items
        data = items[0] if single else {"apiVersion": "v1", "items": items, "kind": "List",
                                        "metadata": {"resourceVersion": ""}}
        if out == "json":
            print(json.dumps(data, indent=4))
        elif out == "yaml":
            print(yaml_dump(data), end="")
        elif out == "name":
            for o in items:
                r = self.resolve_kind(o.get("apiVersion"), o.get("kind"), "server")
                print(f"{r.display}/{o['metadata']['name']}")
        elif out.startswith("jsonpath="):
            sys.stdout.write(jp_render(jp_tokenize(out[len("jsonpath="):]), data))
        elif out.startswith("custom-columns="):
            cols = [c.split(":", 1) for c in out[len("custom-columns="):].split(",")]
            rows = []
            for o in items:
                rows.append([" ".join(jp_str(v) for v in jp_eval(expr if expr.startswith(".")
                                                                 else "." + expr, o)) or "<none>"
                             for _, expr in cols])
            print_columns([h for h, _ in cols], rows, self.flags.on("no-headers"))
        else:
            raise Fail(f'unable to match a printer suitable for the output format "{out}", '
                       f'allowed formats are: custom-columns,json,jsonpath,name,wide,yaml')
        for e in errors:
            print_api_error(e)
        return 1 if errors else 0

    def print_table(self, res, names, wide, multi):
        ns = self.ns_for(res)
        accept = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}
        tables, rc = [], 0
        paths = [self.path(res, ns, n) for n in names] if names else \
            [self.path(res, ns) + self.list_query()]
        for p in paths:
            code, _, body = self.client.request("GET", p, headers=accept)
            obj = json.loads(body or b"{}")
            if code >= 400:
                print_api_error(ApiError(code, obj))
                rc = 1
                continue
            tables.append(obj)
        if not tables:
            return rc
        cols = [c for c in tables[0]["columnDefinitions"] if wide or c.get("priority", 0) == 0]
        idx = [tables[0]["columnDefinitions"].index(c) for c in cols]
        headers = [c["name"].upper() for c in cols]
        rows = []
        for t in tables:
            for r in t.get("rows", []):
                cells = [str(r["cells"][i]) for i in idx]
                meta = (r.get("object") or {}).get("metadata", {})
                if multi:
                    cells[0] = f"{res.display}/{cells[0]}"
                if res.namespaced and self.flags.on("all-namespaces"):
                    cells.insert(0, meta.get("namespace", ""))
                if self.flags.on("show-labels"):
                    cells.append(",".join(f"{k}={v}" for k, v in
                                          (meta.get("labels") or {}).items()) or "<none>")
                rows.append(cells)
        if res.namespaced and self.flags.on("all-namespaces"):
            headers.insert(0, "NAMESPACE")
        if self.flags.on("show-labels"):
            headers.append("LABELS")
        if not rows:
            if not names:
                where = f" in {ns} namespace" if ns else ""
                sys.stderr.write(f"No resources found{where}.\n" if where else
                                 "No resources found\n")
            return rc
        print_columns(headers, rows, self.flags.on("no-headers"))
        return rc

    def version(self):
        client = version_info(standin_common.VERSION)
        out = self.flags.one("output", "")
        server = None if self.flags.on("client") else self.client.get("/version")
        if out in ("json", "yaml"):
            data = {"clientVersion": client, "kustomizeVersion": KUSTOMIZE_VERSION}
            if server:
                data["serverVersion"] = server
            print(json.dumps(data, indent=2) if out == "json" else yaml_dump(data), end="\n"
                  if out == "json" else "")
            return 0
        print(f"Client Version: {standin_common.VERSION}\nKustomize Version: {KUSTOMIZE_VERSION}")
        if server:
            print(f"Server Version: {server.get('gitVersion')}")
            skew = abs(semver_tuple(standin_common.VERSION)[1] - semver_tuple(server.get("gitVersion", ""))[1])
            if skew > 1:
                sys.stderr.write(f"WARNING: version difference between client "
                                 f"({'.'.join(map(str, semver_tuple(standin_common.VERSION)[:2]))}) and server "
                                 f"exceeds the supported minor version skew of +/-1\n")
        return 0

    def cluster_info(self):
        self.client.get("/api")
        print(f"Kubernetes control plane is running at {self.client.server}")
        q = urllib.parse.urlencode({"labelSelector": "kubernetes.io/cluster-service=true"})
        for s in self.client.get(f"/api/v1/namespaces/kube-system/services?{q}").get("items", []):
            name = s["metadata"]["name"]
            label = (s["metadata"].get("labels") or {}).get("kubernetes.io/name", name)
            ports = dig(s, "spec", "ports", default=[]) or []
            suffix = f":{ports[0]['name']}" if ports and ports[0].get("name") else ""
            print(f"{label} is running at {self.client.server}/api/v1/namespaces/kube-system/"
                  f"services/{name}{suffix}/proxy")
        print("\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.")
        return 0


KUBECTL_COMMANDS = ("get, apply -f, create -f, create namespace, create token, delete, label, "
                    "annotate, taint, cordon, uncordon, drain, wait, patch, scale, version, "
                    "cluster-info")


def kubectl_main(argv):
    flags, pos = parse_cli(argv, KUBECTL_VALUE_FLAGS, KUBECTL_BOOL_FLAGS, KUBECTL_SHORT)
    standin_common.VERBOSITY = int(flags.one("v", "0"))
    cmd, args = (pos[0], pos[1:]) if pos else ("", [])
    if cmd == "version" and flags.on("client"):
        flags.pop("kubeconfig", None)
        k = object.__new__(Kubectl)
        k.flags = flags
        return Kubectl.version(k)
    if cmd not in ("get", "apply", "create", "delete", "label", "annotate", "taint", "cordon",
                   "uncordon", "drain", "wait", "patch", "scale", "version", "cluster-info"):
        raise Fail(f'unknown command "{cmd}" for "kubectl" (the stand-in supports: '
                   f'{KUBECTL_COMMANDS})')
    k = Kubectl(flags)
    try:
        if cmd == "get":
            return k.get(args)
        if cmd == "create" and args[:1] in (["namespace"], ["ns"]):
            return k.create_namespace(args[1:])
        if cmd == "create" and args[:1] == ["token"]:
            return k.create_token(args[1:])
        if cmd in ("apply", "create"):
            return k.apply(create=cmd == "create")
        if cmd == "delete":
            return k.delete(args)
        if cmd == "label":
            return k.label(args)
        if cmd == "annotate":
            return k.label(args, "annotations", "annotate")
        if cmd == "taint":
            return k.taint(args)
        if cmd in ("cordon", "uncordon"):
            return k.cordon(args, cmd == "cordon")
        if cmd == "drain":
            return k.drain(args)
        if cmd == "wait":
            return k.wait(args)
        if cmd == "patch":
            return k.patch(args)
        if cmd == "scale":
            return k.scale(args)
        if cmd == "version":
            return k.version()
        return k.cluster_info()
    except ApiError as e:
        print_api_error(e)
        return 1
