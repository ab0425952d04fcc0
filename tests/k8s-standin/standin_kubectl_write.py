"""TEST DOUBLE: kubectl's commands that change objects (staging/src/k8s.io/kubectl/pkg/cmd):
apply (client-side three-way patch with the last-applied annotation, cmd/apply/patcher.go),
create, delete, label/annotate, taint, cordon/uncordon, drain (Eviction API, DaemonSet pods
skipped), wait --for, patch, scale, create namespace and create token, printing the real
"deployment.apps/x configured" style lines.
"""
import copy
import json
import os
import sys
import time
import urllib.parse

import yaml

from standin_client import ApiError
from standin_common import dig, Fail, parse_duration
from standin_jsonpath import jp_render, jp_tokenize
from standin_patch import three_way_patch


class KubectlWrite:
    """kubectl's write commands, mixed into standin_kubectl.Kubectl."""

    def manifests(self):
        files = self.flags.get("filename") or []
        if not files:
            raise Fail("must specify one of -f and -k")
        docs = []
        for f in files:
            if f == "-":
                srcs = [("STDIN", sys.stdin.read())]
            elif os.path.isdir(f):
                srcs = [(os.path.join(f, n), open(os.path.join(f, n)).read())
                        for n in sorted(os.listdir(f)) if n.endswith((".yaml", ".yml", ".json"))]
            else:
                try:
                    with open(f) as fh:
                        srcs = [(f, fh.read())]
                except OSError:
                    raise Fail(f'the path "{f}" does not exist')
            for src, text in srcs:
                try:
                    for d in yaml.safe_load_all(text):
                        if d is None:
                            continue
                        if d.get("kind", "").endswith("List") and "items" in d:
                            docs += [(i, src) for i in d["items"]]
                        else:
                            docs.append((d, src))
                except yaml.YAMLError as e:
                    raise Fail(f'error parsing {src}: {e}')
        return docs

    def apply_patch(self, res, ns, name, want, cur, strict):
        """kubectl apply's update, as k8s.io/kubectl/pkg/cmd/apply/patcher.go does it: a
        three-way strategic merge patch (last applied, wanted, live) sent as PATCH with no
        resourceVersion, so a concurrent status write can't make it conflict; on a 409 anyway
        it reads the object again and retries, up to maxPatchRetry (5) times. False when there
        is nothing to change."""
        for attempt in range(5):
            last = dig(cur, "metadata", "annotations",
                       "kubectl.kubernetes.io/last-applied-configuration")
            try:
                original = json.loads(last) if last else {}
            except ValueError:
                original = {}
            patch = three_way_patch(original, want, cur)
            if not patch:
                return False
            try:
                self.client.call("PATCH", self.path(res, ns, name) + strict, patch,
                                 content_type="application/strategic-merge-patch+json")
                return True
            except ApiError as e:
                if e.code != 409 or attempt == 4:
                    raise
            cur = self.client.get(self.path(res, ns, name))
        return True

    def apply(self, create=False):
        rc = 0
        for doc, src in self.manifests():
            if not isinstance(doc, dict) or not doc.get("kind") or not doc.get("apiVersion"):
                raise Fail(f'error validating "{src}": error validating data: [apiVersion not set, '
                           f'kind not set]')
            res = self.resolve_kind(doc["apiVersion"], doc["kind"], src)
            meta = doc.setdefault("metadata", {})
            ns = None
            if res.namespaced:
                ns = meta.get("namespace") or self.namespace
                if self.flags.one("namespace") and meta.get("namespace") and \
                        meta["namespace"] != self.flags.one("namespace"):
                    raise Fail(f'the namespace from the provided object "{meta["namespace"]}" '
                               f'does not match the namespace "{self.flags.one("namespace")}". '
                               f'You must pass \'--namespace={meta["namespace"]}\' to perform '
                               f'this operation.')
            name = meta.get("name", "")
            verb = "creating" if create else "applying"
            try:
                strict = "" if self.flags.one("validate") in ("false", "ignore") else \
                    "?fieldValidation=Strict"
                if create:
                    made = self.client.call("POST", self.path(res, ns) + strict, doc)
                    print(f"{res.display}/{made['metadata']['name']} created")
                    continue
                if not name:
                    raise Fail(f'error when retrieving current configuration of "{src}": '
                               f'resource name may not be empty')
                last = json.dumps(doc, sort_keys=True, separators=(",", ":"))
                want = copy.deepcopy(doc)
                want["metadata"].setdefault("annotations", {})[
                    "kubectl.kubernetes.io/last-applied-configuration"] = last + "\n"
                try:
                    cur = self.client.get(self.path(res, ns, name))
                except ApiError as e:
                    if e.code != 404:
                        raise
                    self.client.call("POST", self.path(res, ns) + strict, want)
                    print(f"{res.display}/{name} "
                          f"{'serverside-applied' if self.flags.on('server-side') else 'created'}")
                    continue
                if not self.apply_patch(res, ns, name, want, cur, strict):
                    print(f"{res.display}/{name} unchanged")
                    continue
                print(f"{res.display}/{name} "
                      f"{'serverside-applied' if self.flags.on('server-side') else 'configured'}")
            except ApiError as e:
                sys.stderr.write(f'Error from server ({e.reason or "Unknown"}): error when {verb} '
                                 f'"{src}": {e}\n')
                rc = 1
        return rc

    def delete(self, args):
        rc = 0
        if self.flags.get("filename"):
            targets = []
            for doc, src in self.manifests():
                res = self.resolve_kind(doc.get("apiVersion"), doc.get("kind"), src)
                ns = (doc["metadata"].get("namespace") or self.namespace) if res.namespaced \
                    else None
                targets.append((res, ns, doc["metadata"]["name"]))
        else:
            targets = []
            for res, names in self.targets(args):
                ns = self.ns_for(res)
                if not names:
                    if not (self.flags.on("all") or self.flags.one("selector")):
                        raise Fail("resource(s) were provided, but no name was specified")
                    names = [o["metadata"]["name"] for o in self.objects(res, [], ns)]
                    if not names:
                        print("No resources found")
                targets += [(res, ns, n) for n in names]
        for res, ns, name in targets:
            try:
                self.client.call("DELETE", self.path(res, ns, name))
                print(f'{res.display} "{name}" deleted')
            except ApiError as e:
                if e.code == 404 and self.flags.on("ignore-not-found"):
                    continue
                print_api_error(e)
                rc = 1
        return rc

    def edit_objects(self, args, min_specs=1):
        """Split 'TYPE NAME... SPEC...' / 'TYPE/NAME SPEC...'; returns (res, objects, specs)."""
        if not args:
            raise Fail("one or more resources must be specified as <resource> <name> or "
                       "<resource>/<name>")
        is_spec = lambda a: "=" in a or a.endswith("-") or ":" in a
        if "/" in args[0]:
            t, _, n = args[0].partition("/")
            res, names, specs = self.resolve(t), [n], args[1:]
        else:
            res = self.resolve(args[0])
            rest = args[1:]
            k = next((i for i, a in enumerate(rest) if is_spec(a)), len(rest))
            names, specs = rest[:k], rest[k:]
        if len(specs) < min_specs:
            raise Fail("at least one label update is required")
        if not names and not (self.flags.on("all") or self.flags.one("selector")):
            raise Fail("resource(s) were provided, but no name was specified")
        return res, self.objects(res, names, self.ns_for(res)), specs

    def label(self, args, field="labels", word="label"):
        """kubectl label / annotate (word: label|annotate)."""
        done_word = {"label": "labeled", "annotate": "annotated"}[word]
        res, objs, specs = self.edit_objects(args)
        for o in objs:
            cur = o["metadata"].get(field) or {}
            patch, changed, removed_only = {}, False, True
            for s in specs:
                if s.endswith("-") and "=" not in s:
                    k = s[:-1]
                    if k in cur:
                        patch[k], changed = None, True
                    else:
                        print(f'{word} "{k}" not found.')
                    continue
                removed_only = False
                k, _, v = s.partition("=")
                if k in cur and cur[k] != v and not self.flags.on("overwrite"):
                    raise Fail(f"'{k}' already has a value ({cur[k]}), and --overwrite is false")
                if cur.get(k) != v:
                    patch[k], changed = v, True
            name = o["metadata"]["name"]
            if changed:
                self.client.call("PATCH", self.path(res, o["metadata"].get("namespace"), name),
                                 {"metadata": {field: patch}},
                                 content_type="application/merge-patch+json")
            state = ("un" if removed_only else "") + done_word if changed else "not " + done_word
            print(f"{res.display}/{name} {state}")
        return 0

    def taint(self, args):
        if not args or args[0] not in ("node", "nodes", "no"):
            raise Fail("invalid resource type: only nodes can be tainted (kubectl taint nodes ...)")
        rest = args[1:]
        k = next((i for i, a in enumerate(rest) if ("=" in a or ":" in a or a.endswith("-"))),
                 len(rest))
        names, specs = rest[:k], rest[k:]
        if not specs:
            raise Fail("at least one taint update is required")
        add, remove = [], []
        for s in specs:
            if s.endswith("-"):
                kv, _, effect = s[:-1].partition(":")
                remove.append((kv.partition("=")[0], effect))
                continue
            kv, _, effect = s.partition(":")
            if effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
                raise Fail(f"invalid taint spec: {s}, unsupported taint effect" if effect else
                           f"invalid taint spec: {s}, unknown taint effect")
            key, _, value = kv.partition("=")
            t = {"key": key, "effect": effect}
            if value:
                t["value"] = value
            add.append(t)
        res = self.resolve("nodes")
        if not names and not (self.flags.on("all") or self.flags.one("selector")):
            raise Fail("resource(s) were provided, but no name was specified")
        rc = 0
        for node in self.objects(res, names, None):
            name = node["metadata"]["name"]
            taints = list(dig(node, "spec", "taints", default=[]) or [])
            for key, effect in remove:
                keep = [t for t in taints if not (t["key"] == key and
                                                  (not effect or t["effect"] == effect))]
                if len(keep) == len(taints):
                    sys.stderr.write(f'error: taint "{key}{":" + effect if effect else ""}" not '
                                     f'found\n')
                    rc = 1
                taints = keep
            for t in add:
                same = [x for x in taints if x["key"] == t["key"] and x["effect"] == t["effect"]]
                if same and not self.flags.on("overwrite"):
                    raise Fail(f"node {name} already has {t['key']} taint(s) with same effect(s) "
                               f"and --overwrite is false")
                taints = [x for x in taints if x not in same] + [t]
            if rc and not add:
                continue
            self.client.call("PATCH", self.path(res, None, name), {"spec": {"taints": taints}},
                             content_type="application/strategic-merge-patch+json")
            print(f"node/{name} {'tainted' if add else 'untainted'}")
        return rc

    def cordon(self, args, on, quiet=False):
        res = self.resolve("nodes")
        nodes = self.objects(res, args, None) if args or self.flags.one("selector") else []
        if not nodes:
            raise Fail("resource(s) were provided, but no name was specified")
        for n in nodes:
            name = n["metadata"]["name"]
            if bool(dig(n, "spec", "unschedulable")) == on:
                print(f"node/{name} already {'cordoned' if on else 'uncordoned'}")
                continue
            self.client.call("PATCH", self.path(res, None, name),
                             {"spec": {"unschedulable": True if on else None}},
                             content_type="application/strategic-merge-patch+json")
            print(f"node/{name} {'cordoned' if on else 'uncordoned'}")
        return 0

    def drain(self, args):
        self.cordon(args, True)
        pods_res = self.resolve("pods")
        for name in args:
            q = urllib.parse.urlencode({"fieldSelector": f"spec.nodeName={name}"})
            pods = self.client.get(f"/api/v1/pods?{q}").get("items", [])
            mirror = lambda p: "kubernetes.io/config.mirror" in (p["metadata"].get("annotations")
                                                                  or {})
            ds = lambda p: any(r.get("kind") == "DaemonSet"
                               for r in p["metadata"].get("ownerReferences") or [])
            victims = [p for p in pods if not mirror(p)]
            daemon = [p for p in victims if ds(p)]
            if daemon and not self.flags.on("ignore-daemonsets"):
                raise Fail(f'unable to drain node "{name}" due to error: cannot delete '
                           f'DaemonSet-managed Pods (use --ignore-daemonsets to ignore): '
                           + ", ".join(f"{p['metadata']['namespace']}/{p['metadata']['name']}"
                                       for p in daemon))
            if daemon:
                print("Warning: ignoring DaemonSet-managed Pods: " + ", ".join(
                    f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in daemon))
            for p in victims:
                if p in daemon:
                    continue
                pns, pname = p["metadata"]["namespace"], p["metadata"]["name"]
                print(f"evicting pod {pns}/{pname}")
                self.client.call("DELETE", self.path(pods_res, pns, pname))
                print(f"pod/{pname} evicted")
            print(f"node/{name} drained")
        return 0

    def wait(self, args):
        cond = self.flags.one("for", "")
        timeout = parse_duration(self.flags.one("timeout", "30s"), 30)
        targets = self.targets(args)
        deadline = time.time() + timeout

        def met(o):
            if cond.startswith("condition="):
                want = cond[len("condition="):]
                ctype, _, status = want.partition("=")
                status = (status or "true").lower()
                return any(c.get("type", "").lower() == ctype.lower() and
                           str(c.get("status", "")).lower() == status
                           for c in dig(o, "status", "conditions", default=[]) or [])
            if cond.startswith("jsonpath="):
                expr, _, value = cond[len("jsonpath="):].rpartition("=")
                got = jp_render(jp_tokenize(expr.strip("'")), o)
                return got == value
            raise Fail(f"unrecognized condition: {cond!r}")

        rc = 0
        for res, names in targets:
            ns = self.ns_for(res)
            if not names:
                if not (self.flags.on("all") or self.flags.one("selector")):
                    raise Fail("resource(s) were provided, but no name was specified")
                names = [o["metadata"]["name"] for o in self.objects(res, [], ns)]
            for name in names:
                while True:
                    try:
                        o = self.client.get(self.path(res, ns, name))
                        if cond != "delete" and met(o):
                            print(f"{res.display}/{name} condition met")
                            break
                    except ApiError as e:
                        if e.code == 404 and cond == "delete":
                            print(f"{res.display}/{name} condition met")
                            break
                        if e.code != 404:
                            raise
                    if time.time() >= deadline:
                        sys.stderr.write(f"error: timed out waiting for the condition on "
                                         f"{res.plural}/{name}\n")
                        rc = 1
                        break
                    time.sleep(0.5)
        return rc

    def patch(self, args):
        targets = self.targets(args)
        body = self.flags.one("patch")
        if body is None:
            raise Fail("must specify -p to patch")
        try:
            patch = yaml.safe_load(body)
        except yaml.YAMLError as e:
            raise Fail(f"unable to parse {body!r}: {e}")
        ctype = {"json": "application/json-patch+json", "merge": "application/merge-patch+json",
                 "strategic": "application/strategic-merge-patch+json"}.get(
            self.flags.one("type", "strategic"))
        for res, names in targets:
            for name in names:
                path = self.path(res, self.ns_for(res), name)
                before = self.client.get(path)
                after = self.client.call("PATCH", path, patch, content_type=ctype)
                same = before.get("metadata", {}).get("resourceVersion") == \
                    after.get("metadata", {}).get("resourceVersion")
                print(f"{res.display}/{name} patched{' (no change)' if same else ''}")
        return 0

    def scale(self, args):
        """kubectl scale TYPE NAME|TYPE/NAME --replicas=N: the scale subresource's effect (the
        desired count in spec.replicas), printed as the real kubectl does."""
        replicas = self.flags.one("replicas")
        if replicas is None:
            raise Fail("required flag(s) \"replicas\" not set")
        try:
            count = int(replicas)
        except ValueError:
            raise Fail(f'invalid argument "{replicas}" for "--replicas" flag: strconv.ParseInt: '
                       f'parsing "{replicas}": invalid syntax')
        if count < 0:
            raise Fail("The --replicas=COUNT flag is required, and COUNT must be greater than or "
                       "equal to 0")
        for res, names in self.targets(args):
            if res.plural not in ("deployments", "replicasets", "statefulsets",
                                  "replicationcontrollers"):
                raise Fail(f'no objects passed to scale {res.display} "{res.plural}" is not '
                           f'scalable')
            if not names:
                raise Fail("resource(s) were provided, but no name was specified")
            for name in names:
                self.client.call("PATCH", self.path(res, self.ns_for(res), name),
                                 {"spec": {"replicas": count}},
                                 content_type="application/merge-patch+json")
                print(f"{res.display}/{name} scaled")
        return 0

    def create_namespace(self, args):
        """kubectl create namespace NAME (the generator form; `create -f` is apply's path)."""
        if len(args) != 1:
            raise Fail("exactly one NAME is required, got %d" % len(args))
        res = self.resolve("namespaces")
        self.client.call("POST", self.path(res, None),
                         {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": args[0]}})
        print(f"namespace/{args[0]} created")
        return 0

    def create_token(self, args):
        """kubectl create token SA [--duration=D]: a TokenRequest; prints the token."""
        if len(args) != 1:
            raise Fail("exactly one NAME is required, got %d" % len(args))
        seconds = int(parse_duration(self.flags.one("duration"), 0))
        spec = {"expirationSeconds": seconds} if seconds else {}
        res = self.resolve("serviceaccounts")
        try:
            reply = self.client.call("POST", self.path(res, self.namespace, args[0], "token"),
                                     {"apiVersion": "authentication.k8s.io/v1",
                                      "kind": "TokenRequest", "spec": spec})
        except ApiError as e:
            raise Fail(f"failed to create token: {e}")
        print(reply["status"]["token"])
        return 0


def print_api_error(e):
    sys.stderr.write(f"Error from server ({e.reason or 'Unknown'}): {e}\n")
