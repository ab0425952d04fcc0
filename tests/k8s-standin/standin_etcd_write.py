"""TEST DOUBLE support: the stand-in API server writes every object through to the node's REAL
etcd (Debian's etcd-server in the test image registry.k8s.io/etcd, run by the kubelet from
kubeadm's static pod), so `etcdctl get /registry/deployments/NS/NAME` and `etcdctl snapshot save`
work as on a real cluster.

What mirrors upstream:
- The client: kube-apiserver's --etcd-servers, --etcd-cafile, --etcd-certfile and
  --etcd-keyfile from its manifest (kubeadm: https://127.0.0.1:2379 and
  apiserver-etcd-client.{crt,key}), over verified TLS, as the real API server dials etcd.
- The keys: "/registry" (--etcd-prefix) + the resource's storage prefix + /NAMESPACE/NAME or
  /NAME (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go NamespaceKeyFunc,
  NoNamespaceKeyFunc). The prefix is the resource's name, except where the registry picked
  another: Services at /services/specs (pkg/registry/core/service/storage/storage.go), Endpoints
  at /services/endpoints (pkg/registry/core/endpoint/storage), Nodes at /minions
  (pkg/registry/core/node/storage), Ingresses at /ingress
  (pkg/registry/networking/ingress/storage); custom resources and CRDs at /GROUP/RESOURCE
  (staging/src/k8s.io/apiextensions-apiserver/pkg/registry/customresource,
  .../registry/customresourcedefinition).
- Deletions delete the key.

What differs: the values are the objects' JSON (apiVersion and kind included), which is what a
real API server stores with --storage-media-type=application/json and what it always stores
for custom resources; for built-in kinds a default real API server stores protobuf with the
"k8s\\0" magic prefix. JSON keeps `etcdctl get` readable for the labs without a protobuf
encoder for every kind. The stand-in's own state (standin_store.LocalStore, replicated by
standin_etcd) stays the source of truth: the API never reads from etcd, the writes go
through in order on one thread, and an etcd that was unreachable is brought up to date with a
full resync (stale /registry keys deleted) when it answers again. With several control planes
the real etcds form one real cluster: the stand-in's member changes (kubeadm join's learner,
its promotion, reset's removal) are made on the real etcd too (reconcile_members), and only the
member that leads in standin_etcd writes; real etcd replicates the keys with Raft.
"""
import base64
import http.client
import json
import ssl
import threading
import time
import urllib.parse

from standin_client import ssl_client_context
from standin_common import klog, read_file

PREFIX = "/registry"
SPECIAL = {("", "services"): "services/specs", ("", "endpoints"): "services/endpoints",
           ("", "nodes"): "minions", ("networking.k8s.io", "ingresses"): "ingress"}
INTERNAL_GROUPS = {"etcd"}  # the stand-in's own bookkeeping (standin_etcd.MEMBERS_KEY)


def registry_key(store_key, builtin):
    """'/registry/...' for a LocalStore key 'group/plural/ns/name', None for stand-in-only keys.
    `builtin`: {(group, plural)} of the built-in resources."""
    group, plural, ns, name = store_key.split("/", 3)
    if group in INTERNAL_GROUPS:
        return None
    if (group, plural) in SPECIAL:
        prefix = SPECIAL[(group, plural)]
    elif (group, plural) in builtin and group != "apiextensions.k8s.io":
        prefix = plural
    else:
        prefix = f"{group}/{plural}"
    return f"{PREFIX}/{prefix}/{ns}/{name}" if ns else f"{PREFIX}/{prefix}/{name}"


def b64(s):
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


def prefix_end(key):
    """etcd's range end for a prefix: the key with its last byte incremented."""
    raw = key.encode()
    return raw[:-1] + bytes([raw[-1] + 1])


class EtcdWriter:
    def __init__(self, store, builtin, servers, ca, cert, key, may_write=lambda: True):
        self.store, self.builtin, self.may_write = store, builtin, may_write
        url = urllib.parse.urlsplit(servers.split(",")[0])
        self.host, self.port = url.hostname, url.port or 2379
        self.ctx = ssl_client_context(ca, cert, key)
        self.pending = {}  # registry key -> JSON text, or None to delete
        self.cond = threading.Condition()
        self.synced = False
        self.stopped = False
        self.conn = None  # one kept-alive connection, as the real API server's gRPC client keeps
        self.io = threading.Lock()
        self.members = None  # () -> standin_etcd's member list, for reconcile_members
        self.members_error = None
        self.next_members = 0.0

    # -- from the store (under its lock) ---------------------------------------------------------
    def changed(self, store_key, obj):
        key = registry_key(store_key, self.builtin)
        if key is None:
            return
        with self.cond:
            self.pending[key] = None if obj is None else json.dumps(obj, separators=(",", ":"))
            self.cond.notify()

    def resync(self):
        with self.cond:
            self.synced = False
            self.cond.notify()

    # -- etcd's JSON gateway (/v3/kv/*), as etcdctl's gRPC calls -----------------------------------
    def call(self, path, body):
        with self.io:
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx,
                                                        timeout=5)
            try:
                self.conn.request("POST", path, json.dumps(body),
                                  {"Content-Type": "application/json"})
                resp = self.conn.getresponse()
                data = resp.read()
            except BaseException:
                self.conn.close()
                self.conn = None
                raise
        if resp.status != 200:
            raise OSError(f"etcd {path}: {resp.status} {data[:200]!r}")
        return json.loads(data or b"{}")

    def sync_members(self, now=False):
        """reconcile_members every few seconds (or `now`), logging a failure once."""
        if self.members is None or not (now or time.time() >= self.next_members):
            return
        self.next_members = time.time() + 5
        try:
            reconcile_members(self, self.members())
            self.members_error = None
        except (OSError, http.client.HTTPException, ssl.SSLError, ValueError, KeyError) as e:
            if str(e) != self.members_error:
                klog(1, f"etcd writer: real etcd members: {e} (retrying)")
                self.members_error = str(e)

    def put(self, key, value):
        self.call("/v3/kv/put", {"key": b64(key), "value": b64(value)})

    def delete(self, key):
        self.call("/v3/kv/deleterange", {"key": b64(key)})

    def keys(self):
        out = self.call("/v3/kv/range", {"key": b64(PREFIX + "/"),
                                         "range_end": b64(prefix_end(PREFIX + "/")),
                                         "keys_only": True})
        return {base64.b64decode(kv["key"]).decode() for kv in out.get("kvs") or []}

    def full_sync(self):
        with self.store.lock:
            want = {}
            for k, obj in self.store.objects.items():
                rk = registry_key(k, self.builtin)
                if rk is not None:
                    want[rk] = json.dumps(obj, separators=(",", ":"))
        with self.cond:
            self.pending.clear()  # everything is in `want`
        for k in self.keys() - set(want):
            self.delete(k)
        for k, v in want.items():
            self.put(k, v)

    # -- the writer thread ---------------------------------------------------------------------------
    def start(self):
        threading.Thread(target=self.loop, name="etcd-writer", daemon=True).start()

    def stop(self):
        with self.cond:
            self.stopped = True
            self.cond.notify()

    def loop(self):
        last_error = None
        while True:
            with self.cond:
                while not self.stopped and self.synced and not self.pending:
                    self.cond.wait(max(0.1, self.next_members - time.time()))
                    if not self.may_write():
                        self.synced = False
                    if time.time() >= self.next_members:
                        break
                if self.stopped:
                    return
            if not self.may_write():
                time.sleep(1)
                continue
            self.sync_members()
            try:
                if not self.synced:
                    self.full_sync()
                    self.synced = True
                    klog(0, f"etcd writer: /registry in sync with https://{self.host}:{self.port}")
                with self.cond:
                    batch, self.pending = self.pending, {}
                for i, (k, v) in enumerate(batch.items()):
                    try:
                        self.delete(k) if v is None else self.put(k, v)
                    except BaseException:
                        with self.cond:  # keep what was not written, unless newer
                            for k2, v2 in list(batch.items())[i:]:
                                self.pending.setdefault(k2, v2)
                        raise
                last_error = None
            except (OSError, http.client.HTTPException, ssl.SSLError, ValueError) as e:
                if str(e) != last_error:
                    klog(1, f"etcd writer: {e} (retrying)")
                    last_error = str(e)
                self.synced = False
                time.sleep(1)


def reconcile_members(writer, members):
    """Bring the real etcd's member list to the stand-in's (standin_etcd), matched by peer URL:
    add what is missing as a learner (as kubeadm's EtcdLearnerMode does), promote a learner the
    stand-in has promoted, remove what the stand-in removed. Real etcd refuses what it refuses
    (a learner not yet in sync, a change without quorum); the next pass tries again. Called on
    the leading member only."""
    real = writer.call("/v3/cluster/member/list", {}).get("members") or []
    want = {m["peerURLs"][0]: m for m in members if m.get("peerURLs")}
    by_peer = {u: r for r in real for u in r.get("peerURLs") or []}
    for peer, m in want.items():
        r = by_peer.get(peer)
        if r is None:
            writer.call("/v3/cluster/member/add", {"peerURLs": [peer], "isLearner": True})
        elif r.get("isLearner") and not m.get("isLearner"):
            writer.call("/v3/cluster/member/promote", {"ID": r["ID"]})
    for r in real:
        if not any(u in want for u in r.get("peerURLs") or []):
            writer.call("/v3/cluster/member/remove", {"ID": r["ID"]})


def attach(store, builtin, flags, may_write=lambda: True):
    """An EtcdWriter for an API server's store, from its --etcd-* flags; None without them."""
    servers = flags.get("etcd-servers")
    files = [flags.get(f) for f in ("etcd-cafile", "etcd-certfile", "etcd-keyfile")]
    if not servers or not all(files):
        return None
    try:
        ca, cert, key = (read_file(f, True) for f in files)
    except OSError as e:
        klog(0, f"etcd writer: {e}: not writing through to etcd")
        return None
    writer = EtcdWriter(store, builtin, servers, ca, cert, key, may_write)
    store.watchers.append(writer.changed)
    writer.start()
    return writer
