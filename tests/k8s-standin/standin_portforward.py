"""TEST DOUBLE: `kubectl port-forward` (pods/portforward), as the real kubectl 1.31+ speaks it:
a WebSocket whose subprotocol is SPDY/3.1+portforward.k8s.io and whose binary messages carry
the bytes of a SPDY/3.1 connection, or (kubectl's fallback when that upgrade is refused) a plain
SPDY/3.1 upgrade with X-Stream-Protocol-Version: portforward.k8s.io.

Upstream behaviour mirrored:
- kubectl (staging/src/k8s.io/kubectl/pkg/cmd/portforward/portforward.go): reads the pod (or
  the Service's first running pod, mapping the Service port to its targetPort) and itself
  refuses a pod that is not Running ("unable to forward port because pod is not running.
  Current status=Pending"); client-go tools/portforward/tunneling_dialer.go prefixes each
  protocol with "SPDY/3.1+" for the WebSocket and tunneling_connection.go writes each Write as
  one binary message; for each local connection it opens an error stream then a data stream,
  headers streamtype, port and requestid (portforward.go handleConnection).
- The API server (pkg/registry/core/pod/rest/subresources.go PortForwardREST,
  pkg/registry/core/pod/strategy.go PortForwardLocation): authorizes `create` on
  pods/portforward (for the WebSocket GET as well), 404 for a missing pod, 400 "pod X does not
  have a host assigned", a `ports` query value that is not a port is a 400; the request goes to
  the kubelet at the node's InternalIP:10250 as /portForward/NS/POD, upgraded to SPDY/3.1 with
  the apiserver-kubelet-client certificate. With the PortForwardWebsockets gate (beta, on, from
  1.31) the WebSocket is answered by the API server's tunneling handler
  (staging/src/k8s.io/apimachinery/pkg/util/proxy/tunneling.go), which upgrades to the kubelet
  with SPDY and tunnels its bytes: a kubelet that refuses is an ordinary HTTP error to kubectl,
  which then falls back to SPDY (httpstream.IsUpgradeFailure) and reports the same error.
- The kubelet (pkg/kubelet/server/server.go getPortForward; cri/streaming/portforward/
  httpstream.go): a pod it does not run is 404 "pod does not exist"; a request without the
  upgrade headers is 400 "unable to upgrade: missing upgrade headers in request"; each stream
  needs a port header that parses as a 16-bit port > 0 and a streamtype of error or data, else
  it is reset; an error and a data stream with the same requestid form a pair, forwarded by the
  runtime; a failure is written on the error stream as "error forwarding port P to pod S, uid
  U: ..." and both streams are closed when forwarding ends.
- containerd's CRI PortForward (internal/cri/server/sandbox_portforward_linux.go): dials
  localhost:PORT inside the sandbox's network namespace (tcp4, then tcp6) and copies both ways;
  "failed to connect to localhost:P inside namespace ..." when nothing listens.

Stand-in limits: no idle timeout (the kubelet's streamingConnectionIdleTimeout, 4h), no
flow-control windows, the pod UID in the kubelet path is not compared.
"""
import errno
import os
import re
import select
import socket
import ssl
import threading
import urllib.parse

import standin_spdy as spdy
from standin_common import join_host_port
from standin_exec import (accept_key, authorized_pod, frame, is_websocket, offered, pending,
                          plain, read_body, read_frame, read_head, relay)
from standin_store import api_error

PROTOCOL = "portforward.k8s.io"
TUNNEL = "SPDY/3.1+"  # k8s.io/apimachinery/pkg/util/portforward WebsocketsSPDYTunnelingPrefix
API_PATH = re.compile(r"^/api/v1/namespaces/([^/]+)/pods/([^/]+)/portforward$")
KUBELET_PATH = re.compile(r"^/portForward/([^/]+)/([^/]+)(?:/[0-9a-f-]+)?$")
CHUNK = 32 * 1024


def is_portforward_path(path):
    return API_PATH.match(path) is not None


# -- API server: pods/portforward -----------------------------------------------------------------
def portforward_location(api, user, path, query):
    """(kubelet address, path) for a pods/portforward request, or the real API error."""
    ns, name, pod = authorized_pod(api, user, API_PATH, path, "portforward")
    for value in query.get("ports") or []:
        if not (value.isdigit() and 0 < int(value) < 65536):
            raise api_error(400, "BadRequest", f'invalid port "{value}": must be 1-65535')
    node = (pod.get("spec") or {}).get("nodeName")
    if not node:
        raise api_error(400, "BadRequest", f"pod {name} does not have a host assigned")
    addrs = ((api.store.get("", "nodes", None, node) or {}).get("status") or {}).get(
        "addresses") or []
    ip = next((a["address"] for a in addrs if a.get("type") == "InternalIP"), node)
    kpath = "/portForward/" + "/".join(urllib.parse.quote(p, safe="") for p in (ns, name))
    return ip, kpath


def api_portforward(handler, api, user, method):
    """Serve pods/portforward: validate, upgrade to the kubelet with SPDY, then relay (raw for
    a SPDY client, inside WebSocket binary messages for a tunneling one)."""
    url = urllib.parse.urlsplit(handler.path)
    query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    ip, kpath = portforward_location(api, user, url.path.rstrip("/"), query)
    tunnel = is_websocket(handler.headers)
    wanted = [p[len(TUNNEL):] for p in offered(handler.headers) if p.startswith(TUNNEL)] \
        if tunnel else [v.strip() for h in handler.headers.get_all("X-Stream-Protocol-Version")
                        or [] for v in h.split(",")]
    if tunnel and not wanted:
        raise api_error(400, "BadRequest", "unable to upgrade: no SPDY tunneling subprotocol "
                                           f"offered ({TUNNEL}{PROTOCOL})")
    where = f"https://{join_host_port(ip, 10250)}{kpath}"
    try:
        from standin_client import ssl_client_context
        cert, key = api.kubelet_client or (None, None)
        ctx = ssl_client_context(cert_pem_=cert, key_pem_=key, insecure=True)
        kubelet = ctx.wrap_socket(socket.create_connection((ip, 10250), timeout=10),
                                  server_hostname=ip)
        head = [f"POST {kpath} HTTP/1.1", f"Host: {join_host_port(ip, 10250)}",
                "Connection: Upgrade", "Upgrade: SPDY/3.1", "Content-Length: 0"]
        head += [f"X-Stream-Protocol-Version: {p}" for p in wanted]
        kubelet.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        code, headers, raw_head = read_head(kubelet)
    except (OSError, ssl.SSLError, ValueError) as e:
        raise api_error(500, "InternalError", f'error dialing backend: Post "{where}": {e}')
    if code != 101:
        text = read_body(kubelet, headers).decode("utf-8", "replace").strip()
        kubelet.close()
        raise api_error(code, "BadRequest" if code == 400 else "InternalError", text)
    handler.close_connection = True
    if not tunnel:
        handler.connection.sendall(raw_head)
        return relay(handler.connection, kubelet)
    chosen = headers.get("x-stream-protocol-version") or PROTOCOL
    handler.send_response(101, "Switching Protocols")
    handler.send_header("Upgrade", "websocket")
    handler.send_header("Connection", "Upgrade")
    handler.send_header("Sec-WebSocket-Accept", accept_key(handler.headers["Sec-WebSocket-Key"]))
    handler.send_header("Sec-WebSocket-Protocol", TUNNEL + chosen)
    handler.end_headers()
    handler.wfile.flush()
    tunnel_relay(handler.connection, kubelet)


def tunnel_relay(client, kubelet):
    """Client WebSocket messages to kubelet bytes and back, one thread (TLS objects are not
    shared between threads); pings answered, a close frame ends it."""
    client.settimeout(None)
    kubelet.settimeout(None)
    try:
        while True:
            ready = [s for s in (client, kubelet) if pending(s)]
            if not ready:
                ready, _, _ = select.select([client, kubelet], [], [], 300)
                if not ready:
                    return
            for s in ready:
                if s is kubelet:
                    chunk = kubelet.recv(65536)
                    if not chunk:
                        client.sendall(frame(b"\x03\xe8", opcode=8))
                        return
                    client.sendall(frame(chunk))
                    continue
                opcode, payload = read_frame(client)
                if opcode == 9:
                    client.sendall(frame(payload, opcode=10))
                elif opcode == 8:
                    client.sendall(frame(payload[:2], opcode=8))
                    return
                elif opcode in (0, 2):
                    kubelet.sendall(payload)
                elif opcode == 1:  # tunneling_connection.go: "invalid message type received"
                    return
    except (OSError, ssl.SSLError, ValueError, ConnectionError):
        return
    finally:
        kubelet.close()


# -- kubelet: /portForward ------------------------------------------------------------------------
def find_sandbox(cri, ns, pod):
    """The ready sandbox of pod ns/pod on this node, or None."""
    from standin_cri import SANDBOX_READY
    for s in cri.sandboxes():
        meta = s.get("metadata") or {}
        if meta.get("namespace") == ns and meta.get("name") == pod and \
                s.get("state", SANDBOX_READY) == SANDBOX_READY:
            return s["id"]
    return None


def kubelet_portforward(handler, cri, dialer):
    """POST/GET /portForward/NS/POD[/UID] on port 10250. `dialer(sandbox_id, port)` returns a
    connected socket in the pod's network namespace, or raises OSError with the runtime's
    text."""
    ns, pod = (urllib.parse.unquote(g) for g in
               KUBELET_PATH.match(urllib.parse.urlsplit(handler.path).path).groups())
    try:
        sid = find_sandbox(cri, ns, pod) if cri is not None else None
    except Exception as e:  # CRI down
        return plain(handler, 500, str(e))
    if sid is None:
        return plain(handler, 404, "pod does not exist")
    conn_h = (handler.headers.get("Connection") or "").lower()
    if "upgrade" not in conn_h or "spdy/3.1" not in (handler.headers.get("Upgrade") or "").lower():
        return plain(handler, 400, "unable to upgrade: missing upgrade headers in request")
    asked = [v.strip() for h in handler.headers.get_all("X-Stream-Protocol-Version") or []
             for v in h.split(",")]
    if asked and PROTOCOL not in asked:
        return plain(handler, 403, f"unable to upgrade: unable to negotiate protocol: client "
                                   f"supports {asked}, server supports [{PROTOCOL}]")
    handler.send_response(101, "Switching Protocols")
    handler.send_header("Connection", "Upgrade")
    handler.send_header("Upgrade", "SPDY/3.1")
    handler.send_header("X-Stream-Protocol-Version", PROTOCOL)
    handler.end_headers()
    handler.wfile.flush()
    handler.close_connection = True
    Session(handler.connection, lambda port: dialer(sid, port), sid).run()


class Pair:
    def __init__(self):
        self.error = self.data = None
        self.pod = None  # the socket in the pod once both streams are there
        self.done = False


class Session:
    """One upgraded SPDY connection on the kubelet: streams paired by requestid, each pair
    forwarded to a port in the pod. One thread owns the client socket and every pod socket."""

    def __init__(self, sock, dial, pod_label):
        self.sock, self.dial, self.pod_label = sock, dial, pod_label
        self.framer = spdy.Framer()
        self.pairs = {}  # requestid -> Pair
        self.by_stream = {}  # stream id -> (Pair, "error"|"data")

    def send(self, raw):
        self.sock.sendall(raw)

    def run(self):
        self.sock.settimeout(None)
        try:
            while self.step():
                pass
        except (OSError, ssl.SSLError, spdy.ProtocolError):
            pass
        finally:
            for p in self.pairs.values():
                if p.pod is not None:
                    p.pod.close()

    def step(self):
        pods = {p.pod: p for p in self.pairs.values() if p.pod is not None}
        ready = [self.sock] if pending(self.sock) else \
            select.select([self.sock, *pods], [], [], 60)[0]
        for s in ready:
            if s is self.sock:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return False
                self.framer.feed(chunk)
                for f in list(self.framer.frames()):
                    if not self.on_frame(f):
                        return False
            else:
                self.from_pod(pods[s])
        return True

    def on_frame(self, f):
        if f[0] == "data":
            _, sid, flags, payload = f
            pair, kind = self.by_stream.get(sid, (None, None))
            if pair is not None and kind == "data" and pair.pod is not None:
                if payload:
                    pair.pod.sendall(payload)
                if flags & spdy.FLAG_FIN:
                    try:
                        pair.pod.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
            return True
        kind, flags, fields = f
        if kind == spdy.SYN_STREAM:
            self.on_stream(*fields)
        elif kind == spdy.PING:
            self.send(spdy.control(spdy.PING, 0, fields[1]))
        elif kind == spdy.RST_STREAM:
            pair, _ = self.by_stream.get(fields[0], (None, None))
            if pair is not None and pair.pod is not None:
                pair.pod.close()
                pair.pod, pair.done = None, True
        elif kind == spdy.GOAWAY:
            return False
        return True

    def reject(self, sid, text):
        """httpStreamReceived's error: the stream is reset (spdy connection.go newSpdyStream)."""
        self.send(spdy.control(spdy.RST_STREAM, 0, sid.to_bytes(4, "big") +
                               spdy.RST_CANCEL.to_bytes(4, "big")))
        self.send(self.framer.syn_reply(sid, fin=True))
        return text

    def on_stream(self, sid, headers):
        one = {k: v[0] for k, v in headers.items()}
        port, kind = one.get("port", ""), one.get("streamtype", "")
        if not port:
            return self.reject(sid, '"port" header is required')
        if not port.isdigit() or int(port) > 65535:
            return self.reject(sid, f'unable to parse "{port}" as a port')
        if int(port) < 1:
            return self.reject(sid, f'port "{port}" must be > 0')
        if not kind:
            return self.reject(sid, '"streamType" header is required')
        if kind not in ("error", "data"):
            return self.reject(sid, f'invalid stream type "{kind}"')
        self.send(self.framer.syn_reply(sid))
        rid = one.get("requestid") or str(sid if kind == "error" else sid - 2)
        pair = self.pairs.setdefault(rid, Pair())
        if getattr(pair, kind) is not None:  # httpStreamPair.add
            self.send(spdy.data(getattr(pair, kind), f"error processing stream for request "
                                f"{rid}: {kind} stream already assigned".encode()))
            return None
        setattr(pair, kind, sid)
        self.by_stream[sid] = (pair, kind)
        if pair.error is not None and pair.data is not None:
            self.forward(pair, int(port))
        return None

    def forward(self, pair, port):
        try:
            pair.pod = self.dial(port)
        except OSError as e:
            why = e.strerror or str(e)
            text = f"error forwarding port {port} to pod {self.pod_label}, uid : {why}"
            self.send(spdy.data(pair.error, text.encode()))
            self.finish(pair)

    def from_pod(self, pair):
        try:
            chunk = pair.pod.recv(CHUNK)
        except OSError:
            chunk = b""
        if chunk:
            self.send(spdy.data(pair.data, chunk))
            return
        pair.pod.close()
        pair.pod = None
        self.finish(pair)

    def finish(self, pair):
        """portForward's deferred Close of both streams: FIN on each."""
        if not pair.done:
            pair.done = True
            self.send(spdy.data(pair.data, b"", fin=True))
            self.send(spdy.data(pair.error, b"", fin=True))


def netns_of(cri, sid):
    """The sandbox's network namespace, from containerd's verbose sandbox info."""
    import json
    info = (cri.sandbox_status(sid).get("info") or {}).get("info") or "{}"
    data = json.loads(info)
    for ns in ((data.get("runtimeSpec") or {}).get("linux") or {}).get("namespaces") or []:
        if ns.get("type") == "network" and ns.get("path"):
            return ns["path"]
    return f"/proc/{int(data['pid'])}/ns/net"


def cri_dialer(cri):
    """The node's real dialer: into the sandbox's network namespace, as containerd does."""
    def dial(sid, port):
        try:
            path = netns_of(cri, sid)
        except Exception as e:  # the runtime's own error
            raise OSError(errno.EIO, f"failed to find sandbox {sid}: {e}")
        return dial_in_netns(path, sid, port)
    return dial


# -- the runtime's PortForward: localhost:PORT inside the sandbox's network namespace -----------
def dial_in_netns(ns_path, sandbox_id, port, timeout=5):
    """containerd's portForward: tcp4 then tcp6 to localhost inside the namespace; the socket
    stays in that namespace after the thread leaves it."""
    from standin_dns import in_netns

    def connect():
        errors = []
        for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            s = socket.socket(family, socket.SOCK_STREAM)
            s.settimeout(timeout)
            try:
                s.connect((host, port))
                s.settimeout(None)
                return s
            except OSError as e:
                s.close()
                fam = "tcp4" if family == socket.AF_INET else "tcp6"
                why = os.strerror(e.errno).lower() if e.errno else str(e)
                errors.append(f"dial {fam} {join_host_port(host, port)}: connect: {why}")
        raise OSError(
            errno.ECONNREFUSED,
            f'failed to execute portforward in network namespace "{ns_path}": failed to '
            f'connect to localhost:{port} inside namespace "{sandbox_id}", IPv4: '
            f"{errors[0]} IPv6 {errors[1]} ")

    return in_netns(ns_path, connect, "portforward-dial")
