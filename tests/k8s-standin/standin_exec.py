"""TEST DOUBLE: `kubectl exec` (pods/exec) over WebSockets, non-interactive, as the real
kubectl 1.30+ speaks it (subprotocol v5.channel.k8s.io, falling back to SPDY only when the
upgrade is refused).

Upstream behaviour mirrored:
- The channel protocol (staging/src/k8s.io/apimachinery/pkg/util/remotecommand/constants.go,
  staging/src/k8s.io/apiserver/pkg/util/wsstream/conn.go): binary frames whose first byte is
  the channel: 0 stdin, 1 stdout, 2 stderr, 3 error (a metav1.Status in JSON from v4 on), 4
  resize, 255 close (v5: the client closes one of its streams). Success is
  {"metadata":{},"status":"Success"}; a non-zero exit is a Failure with reason NonZeroExitCode
  and a cause of type ExitCode carrying the code, which kubectl turns into "command terminated
  with exit code N" and its own exit status (pkg/kubelet/cri/streaming/remotecommand/exec.go
  ServeExec; client-go tools/remotecommand/v4.go errorDecoderV4).
- The API server (pkg/registry/core/pod/strategy.go streamLocation, ExecLocation;
  pkg/registry/core/pod/rest/subresources.go ExecREST): authorizes `create` on pods/exec (also
  for the WebSocket GET, AuthorizePodWebsocketUpgradeCreatePermission), refuses a missing or
  wrong container name and a pod without a node with the real 400 texts, and sends the request
  to the kubelet at the node's InternalIP:10250 as /exec/NS/POD/CONTAINER?command=..&output=1
  &error=1[&input=1][&tty=1], authenticated with its apiserver-kubelet-client certificate. For
  a v5 client the real API server ends the WebSocket itself and talks SPDY to the kubelet
  (StreamTranslatorHandler, TranslateStreamCloseWebsocketRequests): a kubelet that refuses the
  upgrade therefore reaches kubectl as an InternalError status "unable to upgrade connection:
  <kubelet's text>" on the error channel. The stand-in relays the kubelet's WebSocket stream
  byte for byte when the kubelet accepts (the kubelet speaks the same v5 protocol, as the real
  one's remotecommand server does), and writes that same InternalError when it refuses.
- The kubelet (pkg/kubelet/server/server.go getExec, pkg/kubelet/kubelet_pods.go GetExec /
  findContainer, pkg/kubelet/cri/streaming/errors.go WriteError): a pod it does not run is 404
  "pod does not exist"; a container that is not running is 500 `container not found ("C")`;
  "you must specify at least 1 of stdin, stdout, stderr" is 400. The command runs in the real
  container through CRI (ExecSync in tests/cri-client).

Stand-in limits: stdin (`-i`) and TTY (`-t`) are refused with an InternalError status (CRI
ExecSync has no stdin); output arrives when the command has finished, not while it runs; the
kubelet does not speak SPDY (kubectl only falls back to it after a refused WebSocket upgrade,
which the stand-in refuses the same way).
"""
import base64
import hashlib
import json
import re
import select
import socket
import ssl
import struct
import threading
import urllib.parse

from standin_common import join_host_port
from standin_store import api_error, not_found

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455
PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"]  # what the stand-in kubelet speaks
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
MAX_FRAME = 1 << 20
API_PATH = re.compile(r"^/api/v1/namespaces/([^/]+)/pods/([^/]+)/exec$")
KUBELET_PATH = re.compile(r"^/exec/([^/]+)/([^/]+)/(?:[0-9a-f-]+/)?([^/]+)$")  # optional pod UID
EXEC_TIMEOUT = 600


# -- WebSocket (RFC 6455) -----------------------------------------------------------------------
def accept_key(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def is_websocket(headers):
    return ("websocket" in (headers.get("Upgrade") or "").lower() and
            "upgrade" in (headers.get("Connection") or "").lower())


def offered(headers):
    return [p.strip() for h in headers.get_all("Sec-WebSocket-Protocol") or []
            for p in h.split(",") if p.strip()]


def frame(payload, opcode=2, mask=None):
    """One final frame; servers send unmasked frames, clients masked ones (`mask`: 4 bytes)."""
    head = bytes([0x80 | opcode])
    n = len(payload)
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 1 << 16:
        head += bytes([bit | 126]) + struct.pack(">H", n)
    else:
        head += bytes([bit | 127]) + struct.pack(">Q", n)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        head += mask
    return head + payload


def pending(sock):
    """Bytes TLS has decrypted but select() cannot see (0 for a plain socket)."""
    return sock.pending() if hasattr(sock, "pending") else 0


def recv_exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise ConnectionError("connection closed inside a WebSocket frame")
        out += chunk
    return out


def read_frame(sock):
    """(opcode, payload) of the next frame; refuses what a peer must not send."""
    b0, b1 = recv_exact(sock, 2)
    opcode, masked, n = b0 & 0x0F, b1 & 0x80, b1 & 0x7F
    if n == 126:
        n = struct.unpack(">H", recv_exact(sock, 2))[0]
    elif n == 127:
        n = struct.unpack(">Q", recv_exact(sock, 8))[0]
    if n > MAX_FRAME:
        raise ValueError(f"WebSocket frame of {n} bytes is larger than {MAX_FRAME}")
    mask = recv_exact(sock, 4) if masked else None
    payload = recv_exact(sock, n)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return opcode, payload


def status_json(status):
    return json.dumps(status, separators=(",", ":")).encode()


def success():
    return {"metadata": {}, "status": "Success"}


def internal_error(text):
    return {"metadata": {}, "status": "Failure", "message": f"Internal error occurred: {text}",
            "reason": "InternalError", "details": {"causes": [{"message": text}]}, "code": 500}


def exit_status(cmd, code):
    return {"metadata": {}, "status": "Failure",
            "message": f"command terminated with non-zero exit code: error executing command "
                       f"[{' '.join(cmd)}], exit code {code}",
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}


def handshake(handler, protocol):
    handler.send_response(101, "Switching Protocols")
    handler.send_header("Upgrade", "websocket")
    handler.send_header("Connection", "Upgrade")
    handler.send_header("Sec-WebSocket-Accept", accept_key(handler.headers["Sec-WebSocket-Key"]))
    handler.send_header("Sec-WebSocket-Protocol", protocol)
    handler.end_headers()
    handler.wfile.flush()


def pick_protocol(headers):
    return next((p for p in PROTOCOLS if p in offered(headers)), None)


def send_status_only(handler, status):
    """Accept the WebSocket and report `status` on the error channel, then close."""
    protocol = pick_protocol(handler.headers)
    handshake(handler, protocol)
    sock = handler.connection
    sock.sendall(frame(bytes([ERROR]) + status_json(status)))
    sock.sendall(frame(struct.pack(">H", 1000), opcode=8))
    handler.close_connection = True


# -- API server: pods/exec ------------------------------------------------------------------------
def is_exec_path(path):
    return API_PATH.match(path) is not None


def truthy(query, name):
    return (query.get(name) or [""])[-1] in ("1", "true", "True")


def authorized_pod(api, user, pattern, path, subresource):
    """(namespace, name, pod) of a pods/SUBRESOURCE request at `path` (matched by `pattern`),
    after the real server's checks: `create` on the subresource (RBAC), then the pod exists."""
    ns, name = (urllib.parse.unquote(g) for g in pattern.match(path).groups())
    res = api.find("", "v1", "pods")
    api.authorize(user, "create", res, subresource, ns, name)
    pod = api.store.get("", "pods", ns, name)
    if pod is None:
        raise not_found(res, name)
    return ns, name, pod


def exec_location(api, user, path, query):
    """The kubelet URL path for a pods/exec request, or the API error the real server gives."""
    ns, name, pod = authorized_pod(api, user, API_PATH, path, "exec")
    spec = pod.get("spec") or {}
    names = [c.get("name") for c in spec.get("containers") or []]
    container = (query.get("container") or [""])[-1]
    if not container:
        if len(names) == 1:
            container = names[0]
        else:
            text = f"a container name must be specified for pod {name}"
            if names:
                text += f", choose one of: [{' '.join(names)}]"
            inits = [c.get("name") for c in spec.get("initContainers") or []]
            if inits:
                text += f" or one of the init containers: [{' '.join(inits)}]"
            raise api_error(400, "BadRequest", text)
    elif container not in names + [c.get("name") for c in spec.get("initContainers") or []]:
        raise api_error(400, "BadRequest", f"container {container} is not valid for pod {name}")
    node = spec.get("nodeName")
    if not node:
        raise api_error(400, "BadRequest", f"pod {name} does not have a host assigned")
    params = [("command", c) for c in query.get("command") or []]
    for opt, param in (("stdin", "input"), ("stdout", "output"), ("stderr", "error"),
                       ("tty", "tty")):
        if truthy(query, opt):
            params.append((param, "1"))
    addrs = ((api.store.get("", "nodes", None, node) or {}).get("status") or {}).get(
        "addresses") or []
    ip = next((a["address"] for a in addrs if a.get("type") == "InternalIP"), node)
    kpath = "/exec/" + "/".join(urllib.parse.quote(p, safe="") for p in (ns, name, container))
    return ip, kpath + "?" + urllib.parse.urlencode(params)


def read_head(sock):
    """Status line and headers of an HTTP response, read without reading past them."""
    data = b""
    while not data.endswith(b"\r\n\r\n"):
        b = sock.recv(1)
        if not b:
            raise ConnectionError("kubelet closed the connection")
        data += b
        if len(data) > 65536:
            raise ValueError("kubelet response headers too long")
    lines = data.decode("latin-1").split("\r\n")
    code = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
    return code, headers, data


def read_body(sock, headers):
    n = int(headers.get("content-length") or 0)
    return recv_exact(sock, min(n, 65536)) if n else b""


def api_exec(handler, api, user, method):
    """Serve pods/exec on the API server: validate, open the kubelet, relay."""
    url = urllib.parse.urlsplit(handler.path)
    query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    ip, kpath = exec_location(api, user, url.path.rstrip("/"), query)
    where = f"https://{join_host_port(ip, 10250)}{kpath}"
    try:
        cert, key = api.kubelet_client or (None, None)
        from standin_client import ssl_client_context
        ctx = ssl_client_context(cert_pem_=cert, key_pem_=key, insecure=True)
        raw = socket.create_connection((ip, 10250), timeout=10)
        kubelet = ctx.wrap_socket(raw, server_hostname=ip)
        head = [f"{method} {kpath} HTTP/1.1", f"Host: {join_host_port(ip, 10250)}"]
        for h in ("Connection", "Upgrade", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
                  "Sec-WebSocket-Protocol", "X-Stream-Protocol-Version", "User-Agent"):
            for v in handler.headers.get_all(h) or []:
                head.append(f"{h}: {v}")
        head.append("Content-Length: 0")
        kubelet.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        code, headers, raw_head = read_head(kubelet)
    except (OSError, ssl.SSLError, ValueError) as e:
        raise api_error(500, "InternalError", f'error dialing backend: Get "{where}": {e}')
    if code != 101:
        text = read_body(kubelet, headers).decode("utf-8", "replace").strip()
        kubelet.close()
        if is_websocket(handler.headers) and "v5.channel.k8s.io" in offered(handler.headers):
            # StreamTranslatorHandler: the API server accepted the WebSocket, its SPDY
            # call to the kubelet failed.
            return send_status_only(handler, internal_error(f"unable to upgrade connection: "
                                                            f"{text}"))
        raise api_error(code, "BadRequest" if code == 400 else "InternalError", text)
    handler.connection.sendall(raw_head)
    handler.close_connection = True
    relay(handler.connection, kubelet)


def relay(a, b):
    """Copy bytes both ways until either side closes (one thread: SSL objects are not shared
    between threads)."""
    a.settimeout(None)
    b.settimeout(None)
    peer = {a: b, b: a}
    try:
        while True:
            ready = [s for s in (a, b) if pending(s)]
            if not ready:
                ready, _, _ = select.select([a, b], [], [], 300)
                if not ready:
                    return
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                peer[s].sendall(data)
    except (OSError, ssl.SSLError):
        return
    finally:
        b.close()


# -- kubelet: /exec ---------------------------------------------------------------------------------
def find_container(cri, ns, pod, container):
    """(pod known, id of the running container or None), from CRI as the kubelet's runtime
    cache has them."""
    from standin_cri import CONTAINER_RUNNING
    sandboxes = [s for s in cri.sandboxes() if (s.get("metadata") or {}).get("namespace") == ns
                 and (s.get("metadata") or {}).get("name") == pod]
    if not sandboxes:
        return False, None
    for c in cri.containers():
        labels = c.get("labels") or {}
        if (labels.get("io.kubernetes.pod.namespace") == ns and
                labels.get("io.kubernetes.pod.name") == pod and
                labels.get("io.kubernetes.container.name") == container and
                c.get("state") == CONTAINER_RUNNING):
            return True, c["id"]
    return True, None


def plain(handler, code, text):
    body = text.encode()
    handler.send_response(code)
    handler.send_header("Content-Type", "text/plain; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def kubelet_exec(handler, cri):
    """GET/POST /exec/NS/POD[/UID]/CONTAINER on the kubelet's port 10250."""
    url = urllib.parse.urlsplit(handler.path)
    m = KUBELET_PATH.match(url.path)
    query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    ns, pod, container = (urllib.parse.unquote(g) for g in m.groups())
    cmd = query.get("command") or []
    want = {p: (query.get(p) or [""])[-1] == "1" for p in ("input", "output", "error", "tty")}
    if cri is None:
        return plain(handler, 500, "no container runtime")
    try:
        known, cid = find_container(cri, ns, pod, container)
    except Exception as e:  # CRI down: the runtime's error, as WriteError reports it
        return plain(handler, 500, str(e))
    if not known:
        return plain(handler, 404, "pod does not exist")
    if cid is None:
        return plain(handler, 500, f'container not found ("{container}")')
    if not (want["input"] or want["output"] or want["error"]):
        return plain(handler, 400, "you must specify at least 1 of stdin, stdout, stderr")
    if not is_websocket(handler.headers):
        return plain(handler, 400, "the stand-in kubelet serves exec over WebSocket only "
                                   "(v5.channel.k8s.io, v4.channel.k8s.io), not SPDY")
    protocol = pick_protocol(handler.headers)
    if protocol is None:
        return plain(handler, 400, "unsupported WebSocket subprotocol: offered "
                                   f"{offered(handler.headers)}, supported {PROTOCOLS}")
    handshake(handler, protocol)
    handler.close_connection = True
    sock = handler.connection
    if want["input"] or want["tty"]:
        status = internal_error("the stand-in kubelet runs exec through CRI ExecSync: stdin "
                                "(-i) and TTY (-t) are not supported")
    elif not cmd:
        status = internal_error("error executing command in container: no command given")
    else:
        status = run_while_answering_pings(sock, cri, cid, cmd, want)
    try:
        sock.sendall(frame(bytes([ERROR]) + status_json(status)))
        sock.sendall(frame(struct.pack(">H", 1000), opcode=8))
    except OSError:
        pass


def run_while_answering_pings(sock, cri, cid, cmd, want):
    """ExecSync in a thread; this thread owns the socket and answers the client's heartbeat
    pings (client-go closes a WebSocket whose pings go unanswered)."""
    result = {}

    def run():
        try:
            result["out"] = cri.exec_sync(cid, cmd, EXEC_TIMEOUT)
        except Exception as e:
            result["error"] = str(e)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    sock.settimeout(None)
    while t.is_alive():
        ready = pending(sock) or select.select([sock], [], [], 0.2)[0]
        if ready:
            try:
                opcode, payload = read_frame(sock)
            except (OSError, ValueError):
                t.join()
                break
            if opcode == 9:
                sock.sendall(frame(payload, opcode=10))
            elif opcode == 8:
                t.join()
                break
    t.join()
    if "error" in result:  # the runtime's own text, without the gRPC wrapping
        text = re.sub(r"^rpc error: code = \w+ desc = ", "", result["error"])
        return internal_error(f"error executing command in container: {text}")
    out = result["out"] or {}
    if want["output"] and out.get("stdout"):
        sock.sendall(frame(bytes([STDOUT]) + bytes(out["stdout"])))
    if want["error"] and out.get("stderr"):
        sock.sendall(frame(bytes([STDERR]) + bytes(out["stderr"])))
    code = int(out.get("exit_code") or 0)
    return success() if code == 0 else exit_status(cmd, code)
