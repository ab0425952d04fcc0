"""TEST DOUBLE: cluster DNS, in place of CoreDNS's kubernetes plugin (the coredns pods run a
placeholder image: tests/e2e/test-images). The kubelet process of the node a coredns pod runs
on opens UDP and TCP port 53 *inside that pod's network namespace* (setns on the sandbox's
/proc/PID/ns/net, in a short-lived thread) and answers there, so a pod's query to the kube-dns
Service's ClusterIP goes through the node's real kube-proxy rules to a coredns pod's address,
as on a real cluster. Learned from coredns/coredns plugin/kubernetes (and the Kubernetes DNS
spec, kubernetes/dns docs/specification.md), written here:

- `SVC.NS.svc.ZONE`: A/AAAA records of the Service's ClusterIPs of that family; a headless
  Service (clusterIP None) answers its ready endpoints' addresses (from EndpointSlices); an
  ExternalName Service answers a CNAME. TTL 30 (kubeadm's Corefile: `ttl 30`).
- `A-B-C-D.NS.pod.ZONE` (`pods insecure`): the address written in the name.
- A name in the zone that does not exist: NXDOMAIN; a name that exists with no record of that
  type: NOERROR and no answer (NODATA); both with the zone's SOA, authoritative.
- Names outside the zone go to the node's resolvers (`forward . /etc/resolv.conf`).
The search path that makes `hello` work from a pod in NS (NS.svc.ZONE svc.ZONE ZONE, ndots:5)
is in the resolv.conf the kubelet writes for the pod (standin_pods.sandbox_config).
Not modelled: SRV records, PTR records, endpoint hostnames of headless Services, EDNS0, DNSSEC.
"""
import ipaddress
import os
import select
import socket
import struct
import threading

CLONE_NEWNET = 0x40000000


def setns(fd):
    """setns(2) for a network namespace: os.setns from Python 3.12, libc's before."""
    if hasattr(os, "setns"):
        os.setns(fd, CLONE_NEWNET)
        return
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))

A, NS_T, CNAME, SOA, PTR, AAAA, SRV = 1, 2, 5, 6, 12, 28, 33
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP = 0, 1, 2, 3, 4
TTL = 30


class BadQuery(Exception):
    pass


def read_name(msg, off, depth=0):
    labels = []
    if depth > 10:
        raise BadQuery("pointer loop")
    while True:
        if off >= len(msg):
            raise BadQuery("name past the end")
        n = msg[off]
        if n == 0:
            return ".".join(labels), off + 1
        if n & 0xC0 == 0xC0:  # a pointer (questions rarely have them, but they may)
            if off + 1 >= len(msg):
                raise BadQuery("bad pointer")
            ptr = ((n & 0x3F) << 8) | msg[off + 1]
            name, _ = read_name(msg, ptr, depth + 1)
            labels.append(name)
            return ".".join(x for x in labels if x), off + 2
        if n > 63 or off + 1 + n > len(msg):
            raise BadQuery("bad label")
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n


def encode_name(name):
    out = b""
    for label in [x for x in name.strip(".").split(".") if x]:
        raw = label.encode("ascii", "replace")[:63]
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def parse_query(msg):
    """(id, flags, qname, qtype, qclass, question bytes) of a one-question query."""
    if len(msg) < 12:
        raise BadQuery("short header")
    qid, flags, qd = struct.unpack("!HHH", msg[:6])
    if flags & 0x8000 or qd != 1:
        raise BadQuery("not one question")
    name, off = read_name(msg, 12)
    if off + 4 > len(msg):
        raise BadQuery("short question")
    qtype, qclass = struct.unpack("!HH", msg[off:off + 4])
    return qid, flags, name, qtype, qclass, msg[12:off + 4]


def soa_rdata(zone):
    return encode_name(f"ns.dns.{zone}") + encode_name(f"hostmaster.{zone}") + struct.pack(
        "!IIIII", 1, 7200, 1800, 86400, TTL)


def rr(name_bytes, rtype, rdata, ttl=TTL):
    return name_bytes + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def ip_rdata(ip):
    return ipaddress.ip_address(ip).packed


class Records:
    """What the cluster's Services and EndpointSlices say, for lookups."""

    def __init__(self, services=(), slices=(), zone="cluster.local"):
        self.zone = zone.strip(".").lower()
        self.services = {(s["metadata"].get("namespace"), s["metadata"]["name"]): s
                         for s in services}
        self.slices = {}
        for sl in slices:
            key = (sl["metadata"].get("namespace"),
                   (sl["metadata"].get("labels") or {}).get("kubernetes.io/service-name"))
            self.slices.setdefault(key, []).append(sl)

    def ready_addresses(self, key):
        return [a for sl in self.slices.get(key, []) for ep in sl.get("endpoints") or []
                if (ep.get("conditions") or {}).get("ready", True) for a in ep.get("addresses")
                or []]

    def lookup(self, qname, qtype):
        """(rcode, [(rtype, rdata)]) for a name in the zone, or None for a name outside it."""
        name = qname.strip(".").lower()
        if name != self.zone and not name.endswith("." + self.zone):
            return None
        rel = name[:-len(self.zone)].rstrip(".")
        parts = rel.split(".") if rel else []
        if len(parts) == 3 and parts[2] == "svc":
            return self.service(parts[1], parts[0], qtype)
        if len(parts) == 3 and parts[2] == "pod":
            return self.pod(parts[0], qtype)
        if len(parts) <= 2 and (not parts or parts[-1] in ("svc", "pod")):
            return NOERROR, []  # the zone and its svc/pod/NS.svc branches exist, empty
        return NXDOMAIN, []

    def service(self, ns, name, qtype):
        svc = self.services.get((ns, name))
        if svc is None:
            return NXDOMAIN, []
        spec = svc.get("spec") or {}
        if spec.get("type") == "ExternalName":
            return NOERROR, [(CNAME, encode_name(spec.get("externalName", "")))]
        ips = [i for i in spec.get("clusterIPs") or [spec.get("clusterIP")] if i and i != "None"]
        if not ips:  # headless: the ready endpoints
            ips = self.ready_addresses((ns, name))
        return NOERROR, addresses(ips, qtype)

    def pod(self, dashed, qtype):
        text = dashed.replace("-", ".") if dashed.count("-") == 3 else dashed.replace("-", ":")
        try:
            return NOERROR, addresses([str(ipaddress.ip_address(text))], qtype)
        except ValueError:
            return NXDOMAIN, []


def addresses(ips, qtype):
    want = {A: 4, AAAA: 6}.get(qtype)
    return [(qtype, ip_rdata(i)) for i in ips if want and ipaddress.ip_address(i).version == want]


def respond(query, records, forward=None):
    """The response bytes to one query packet (None: drop it)."""
    try:
        qid, flags, qname, qtype, qclass, question = parse_query(query)
    except BadQuery:
        if len(query) < 2:
            return None
        return struct.pack("!HHHHHH", struct.unpack("!H", query[:2])[0], 0x8000 | FORMERR,
                           0, 0, 0, 0)
    rd = flags & 0x0100
    found = records.lookup(qname, qtype) if qclass == 1 else (NOTIMP, [])
    if found is None:
        answer = forward(query) if forward else None
        if answer is not None:
            return answer
        found, aa = (SERVFAIL, []), 0
    else:
        aa = 0x0400
    rcode, answers = found
    authority = []
    if not answers and rcode in (NOERROR, NXDOMAIN) and aa:
        authority = [rr(encode_name(records.zone), SOA, soa_rdata(records.zone))]
    head = struct.pack("!HHHHHH", qid, 0x8000 | aa | rd | 0x0080 | rcode, 1, len(answers),
                       len(authority), 0)
    return head + question + b"".join(rr(b"\xc0\x0c", t, d) for t, d in answers) + \
        b"".join(authority)


def upstream_servers(path="/etc/resolv.conf"):
    try:
        with open(path) as f:
            return [line.split()[1] for line in f
                    if line.startswith("nameserver") and len(line.split()) > 1]
    except OSError:
        return []


def forward_udp(query, servers=None, timeout=2.0):
    for server in servers if servers is not None else upstream_servers():
        fam = socket.AF_INET6 if ":" in server else socket.AF_INET
        with socket.socket(fam, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            try:
                s.sendto(query, (server, 53))
                return s.recv(65535)
            except OSError:
                continue
    return None


# -- serving inside a pod's network namespace ------------------------------------------------
def in_netns(ns_path, fn, name="netns"):
    """fn() called by a thread inside the network namespace at ns_path (setns affects only the
    calling thread, which enters, calls and leaves); sockets fn makes stay in that namespace.
    Returns what fn returns, or raises the OSError it (or entering) raised."""
    out = {}

    def run():
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        try:
            target = os.open(ns_path, os.O_RDONLY)
        except OSError as e:
            os.close(own)
            out["error"] = e
            return
        try:
            setns(target)
            out["value"] = fn()
        except OSError as e:
            out["error"] = e
        finally:
            try:
                setns(own)
            finally:
                os.close(own)
                os.close(target)

    t = threading.Thread(target=run, name=name)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def sockets_in_netns(ns_path, port=53):
    """UDP and TCP sockets bound to every address of the network namespace at ns_path."""
    return in_netns(ns_path, lambda: bind_both(port), "dns-bind")


def bind_both(port):
    """UDP and TCP on every address: one dual-stack IPv6 socket each, or IPv4 only where the
    kernel has no IPv6."""
    socks = []
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        try:
            s = socket.socket(socket.AF_INET6, kind)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            addr = ("::", port)
        except OSError:
            s = socket.socket(socket.AF_INET, kind)
            addr = ("0.0.0.0", port)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(addr)
        socks.append(s)
    socks[1].listen(16)
    return tuple(socks)


class Server:
    """One coredns pod's DNS service: answers from `self.records`, updated by the kubelet."""

    def __init__(self, socks, records):
        self.udp, self.tcp = socks
        self.records = records
        self.stopped = False
        threading.Thread(target=self.loop, name="dns", daemon=True).start()

    def loop(self):
        while not self.stopped:
            try:
                ready, _, _ = select.select([self.udp, self.tcp], [], [], 1.0)
            except (OSError, ValueError):
                return
            for s in ready:
                if s is self.udp:
                    self.serve_udp()
                else:
                    self.serve_tcp()

    def serve_udp(self):
        try:
            query, peer = self.udp.recvfrom(4096)
        except OSError:
            return
        threading.Thread(target=self.answer_udp, args=(query, peer), daemon=True).start()

    def answer_udp(self, query, peer):
        out = respond(query, self.records, forward_udp)
        if out is not None:
            try:
                self.udp.sendto(out, peer)
            except OSError:
                pass

    def serve_tcp(self):
        try:
            conn, _ = self.tcp.accept()
        except OSError:
            return
        threading.Thread(target=self.answer_tcp, args=(conn,), daemon=True).start()

    def answer_tcp(self, conn):
        with conn:
            conn.settimeout(5)
            try:
                head = conn.recv(2)
                if len(head) < 2:
                    return
                want, data = struct.unpack("!H", head)[0], b""
                while len(data) < want:
                    chunk = conn.recv(want - len(data))
                    if not chunk:
                        return
                    data += chunk
                out = respond(data, self.records, forward_udp)
                if out is not None:
                    conn.sendall(struct.pack("!H", len(out)) + out)
            except OSError:
                pass

    def stop(self):
        self.stopped = True
        for s in (self.udp, self.tcp):
            try:
                s.close()
            except OSError:
                pass
