"""Stand-in (test double) for stacked etcd: membership, quorum and replication between the
control planes' API servers. Not etcd and not Raft; what it keeps of etcd is what minik can
get wrong:

- The member list. `kubeadm init` starts a one-member cluster (etcd's --initial-cluster);
  `kubeadm join --control-plane` adds a member, refused when the live members are no quorum
  (a membership change must be committed: "etcdserver: unhealthy cluster"); `kubeadm reset` removes it only when it can read the cluster config
  (cmd/kubeadm/app/cmd/phases/reset/removeetcdmember.go acts `if cfg != nil`). A member's peer
  URL is fixed when it is added: it lives in etcd's data, no file rewrite reaches it.
- Quorum. A member is live while its node's kubelet serves the API and answers at the peer
  URL's address. Without a majority of live members writes fail ("etcdserver: request timed
  out") and /readyz fails ("[-]etcd failed"), as on a real cluster.
- Every member holds the whole state. The live member with the newest copy leads: the other
  API servers forward to it, and it pushes its state to the others after each change, so the
  API survives the loss of any minority, the first control plane included.

Transport (stand-in only): members talk through their API servers' HTTPS port, at the host of
their peer URL, under /standin-etcd/, authenticated with the apiserver's kubelet-client
certificate (an admin). `kubectl get --raw /standin-etcd/members` shows the member list in the
shape of etcd's /v3/cluster/member/list.
"""

import hashlib
import http.client
import json
import threading
import time
import urllib.parse

PREFIX = "/standin-etcd"
MEMBERS_KEY = "etcd/members//members"  # inside the replicated state, so it travels with it


# Revisions per leadership term (see Etcd.new_term).
TERM = 10**9


def member_id(name, peer_url):
    return str(int.from_bytes(hashlib.sha256(f"{name} {peer_url}".encode()).digest()[:8], "big"))


def member(name, peer_url, client_url, api_port):
    return {"ID": member_id(name, peer_url), "name": name, "peerURLs": [peer_url],
            "clientURLs": [client_url] if client_url else [], "apiPort": int(api_port)}


def initial_members(flags, api_port):
    """etcd's --initial-cluster, for a member whose data dir is empty."""
    out = []
    for part in filter(None, flags.get("initial-cluster", "").split(",")):
        name, _, url = part.partition("=")
        client = flags.get("advertise-client-urls") if name == flags.get("name") else ""
        out.append(member(name, url, client, api_port))
    return out


class Etcd:
    """One member, inside its node's API server."""

    def __init__(self, sa, store, flags, api_port, tls_client):
        self.sa = sa  # the standin module
        self.store = store
        self.name = flags.get("name", "")
        self.peer_url = flags.get("initial-advertise-peer-urls", "")
        self.joining = flags.get("initial-cluster-state") == "existing"
        self.seed = initial_members(flags, api_port)
        self.tls_client = tls_client
        self.live = {self.name: self.store.rv}
        self.lock = threading.Lock()
        self.dirty = threading.Event()
        self.stopped = threading.Event()
        self.real = None  # standin_etcd_write.EtcdWriter: the node's real etcd, when it runs
        if not self.members() and not self.joining:
            self.set_members(self.seed)

    # -- state ------------------------------------------------------------------------------
    def members(self):
        obj = self.store.objects.get(MEMBERS_KEY)
        return list(obj["members"]) if obj else []

    def set_members(self, members):
        self.store.put("etcd", "members", None, "members",
                       {"metadata": {"name": "members"}, "members": members})

    def known(self):
        """Members to talk to: the list, or --initial-cluster while joining."""
        return self.members() or self.seed

    def quorum(self):
        """A majority of the voting members (learners don't vote) is live."""
        voters = [m for m in self.known() if not m.get("isLearner")]
        if not voters:
            return False
        live = [m for m in voters if m["name"] in self.live]
        return len(live) >= len(voters) // 2 + 1

    def leader(self):
        """The live member with the newest state (ties: list order), or None."""
        with self.lock:
            live = dict(self.live)
        order = [m["name"] for m in self.known()]
        best = [n for n in order if n in live]
        if not best:
            return None
        return max(best, key=lambda n: (live[n], -order.index(n)))

    def is_leader(self):
        return self.leader() == self.name and self.quorum()

    def endpoint_of(self, name):
        m = next((m for m in self.known() if m["name"] == name), None)
        if m is None:
            return None
        host = urllib.parse.urlsplit(m["peerURLs"][0]).hostname
        return self.sa.join_host_port(host, m["apiPort"])

    # -- peers --------------------------------------------------------------------------------
    def call(self, name, method, path, body=None, timeout=2):
        ep = self.endpoint_of(name)
        if ep is None:
            raise OSError(f"no member {name}")
        host, port = self.sa.split_host_port(ep)
        conn = http.client.HTTPSConnection(host, port, context=self.tls_client, timeout=timeout)
        try:
            data = json.dumps(body).encode() if body is not None else None
            conn.request(method, PREFIX + path, body=data,
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            out = resp.read()
            if resp.status != 200:
                raise OSError(f"{resp.status} {out[:200]!r}")
            return json.loads(out) if out else {}
        finally:
            conn.close()

    def start(self):
        threading.Thread(target=self.loop, name="etcd", daemon=True).start()

    def stop(self):
        self.stopped.set()
        self.dirty.set()

    def loop(self):
        leading = False
        while not self.stopped.is_set():
            self.probe()
            now_leading = self.is_leader()
            if now_leading and not leading:
                self.new_term()
            leading = now_leading
            if leading:
                self.push()
                self.promote()
            self.dirty.wait(1.0)
            self.dirty.clear()

    def new_term(self):
        """A new leader starts a term (Raft's, folded into the revision's high digits), so its
        state outranks every copy from an older term: a member that was down may have kept
        more changes than the new leader had, but older ones, and must not win them back."""
        with self.store.lock:
            self.store.rv = (self.store.rv // TERM + 1) * TERM
            self.store.save()

    def probe(self):
        live = {self.name: self.store.rv}
        for m in self.known():
            if m["name"] == self.name:
                continue
            try:
                st = self.call(m["name"], "GET", "/status", timeout=1)
                if st.get("name") == m["name"]:
                    live[m["name"]] = int(st.get("rv", 0))
            except (OSError, http.client.HTTPException, ValueError):
                pass
        with self.lock:
            self.live = live

    def push(self):
        """Send the state to every live member that is behind."""
        with self.lock:
            behind = [n for n, rv in self.live.items() if n != self.name and rv < self.store.rv]
        if not behind:
            return
        with self.store.lock:
            snap = {"rv": self.store.rv, "objects": self.store.objects}
            body = json.loads(json.dumps(snap))
        for n in behind:
            try:
                self.call(n, "POST", "/snapshot", body, timeout=5)
                with self.lock:
                    self.live[n] = body["rv"]
            except (OSError, http.client.HTTPException, ValueError) as e:
                self.sa.klog(2, f"etcd: could not send the state to {n}: {e}")

    def promote(self):
        """kubeadm (EtcdLearnerMode) adds a learner and promotes it once it has caught up."""
        members = self.members()
        with self.lock:
            ready = {n for n, rv in self.live.items() if rv >= self.store.rv - 1}
        if any(m.get("isLearner") and m["name"] in ready for m in members):
            self.set_members([dict(m, isLearner=False) if m["name"] in ready else m
                              for m in members])

    def changed(self):
        self.dirty.set()

    def reconcile_real(self):
        """The real etcd's members follow this list now (the writer's thread also does it every
        few seconds while this member leads: standin_etcd_write.reconcile_members)."""
        if self.real is not None:
            self.real.sync_members(now=True)

    # -- requests (from ApiHandler.dispatch) ---------------------------------------------------
    def local(self, method, path, body, user):
        """Answer /standin-etcd/status and /snapshot here; None for what the leader answers."""
        sub = path[len(PREFIX):]
        if not (user and user.admin):
            raise self.sa.api_error(403, "Forbidden", "etcd: admin credentials required")
        if sub == "/status" and method == "GET":
            return {"name": self.name, "rv": self.store.rv, "leader": self.leader(),
                    "members": self.members()}
        if sub == "/snapshot" and method == "POST":
            snap = json.loads(body or b"{}")
            with self.store.lock:
                if int(snap["rv"]) > self.store.rv:
                    self.store.rv = int(snap["rv"])
                    self.store.objects = snap["objects"]
                    self.store.save_local()
            return {"rv": self.store.rv}
        return None

    def serve(self, method, path, body):
        """Member operations, on the leader."""
        sub = path[len(PREFIX):]
        members = self.members()
        if sub == "/members" and method == "GET":
            return {"header": {"member_id": member_id(self.name, self.peer_url)},
                    "members": [{k: v for k, v in m.items() if k != "apiPort"}
                                for m in members]}
        if sub == "/members" and method == "POST":
            req = json.loads(body or b"{}")
            name, peer = req.get("name", ""), (req.get("peerURLs") or [""])[0]
            if any(peer in m["peerURLs"] for m in members):
                raise self.sa.api_error(409, "Conflict", "etcdserver: Peer URLs already exists")
            # A membership change is a committed entry: it needs a quorum of the current
            # members (kubeadm adds a learner, so etcd's started-members check for voters
            # does not apply until promotion).
            if not self.quorum():
                raise self.sa.api_error(503, "ServiceUnavailable", "etcdserver: unhealthy cluster")
            added = dict(member(name, peer, req.get("clientURL", ""), req.get("apiPort", 6443)),
                         isLearner=True)
            self.set_members(members + [added])
            self.reconcile_real()  # before the joining node starts its etcd
            return {"member": added, "members": members + [added]}
        if sub.startswith("/members/") and method == "DELETE":
            name = sub[len("/members/"):]
            left = [m for m in members if m["name"] != name]
            if len(left) == len(members):
                raise self.sa.api_error(404, "NotFound", "etcdserver: member not found")
            self.set_members(left)
            self.reconcile_real()
            return {"members": left}
        raise self.sa.api_error(404, "NotFound", "etcd: no such operation")

    def readyz(self):
        if self.quorum() and self.leader():
            return 200, "text/plain; charset=utf-8", b"ok"
        return 500, "text/plain; charset=utf-8", b"[-]etcd failed: reason withheld\n" \
                                                 b"readyz check failed\n"


def no_quorum_error(sa):
    return sa.api_error(500, "InternalError", "etcdserver: request timed out")


def attach(sa, server_flags, etcd_pod, store, api_port):
    """An Etcd member for an API server whose node has an etcd manifest: wraps the store so
    that each change is pushed to the other members."""
    _, ef, _ = sa.pod_command_flags(etcd_pod)
    f = server_flags
    ca = sa.read_file(f.get("client-ca-file"), True)
    cert = sa.read_file(f.get("kubelet-client-certificate",
                              sa.pki_path("apiserver-kubelet-client", "crt")), True)
    key = sa.read_file(f.get("kubelet-client-key",
                             sa.pki_path("apiserver-kubelet-client", "key")), True)
    etcd = Etcd(sa, store, ef, api_port, sa.ssl_client_context(ca, cert, key))
    etcd.creds = (ca, cert, key)
    etcd.upstreams = {}
    save = store.save
    store.save_local = save

    def save_and_push():
        save()
        etcd.changed()
    store.save = save_and_push
    return etcd


def route(h, etcd, method, path, body, user):
    """Before the API answers a request on a control plane: True when handled here (member
    operations, forwarding to the leader), False to serve it from the local copy."""
    sa = etcd.sa
    if path.startswith(PREFIX):
        out = etcd.local(method, path, body, user)
        if out is not None:
            h.send(200, "application/json", json.dumps(out).encode())
            return True
    leader = etcd.leader() if etcd.quorum() else None
    if path in sa.PUBLIC_PATHS:
        if path == "/readyz" and leader is None:
            h.send(*etcd.readyz())
            return True
        return False
    if leader is None:
        if method in ("GET", "HEAD") and not path.startswith(PREFIX):
            return False
        raise no_quorum_error(sa)
    if leader != etcd.name:
        ep = etcd.endpoint_of(leader)
        up = etcd.upstreams.get(ep)
        if up is None:
            up = etcd.upstreams[ep] = sa.Upstream(ep, *etcd.creds)
        up.forward(h, method, body, user)
        return True
    if path.startswith(PREFIX):
        if not (user and user.admin):
            raise sa.api_error(403, "Forbidden", "etcd: admin credentials required")
        h.send(200, "application/json", json.dumps(etcd.serve(method, path, body)).encode())
        return True
    return False
