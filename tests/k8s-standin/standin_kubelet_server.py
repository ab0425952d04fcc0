"""TEST DOUBLE: the kubelet's authenticated HTTPS port 10250 (pkg/kubelet/server/server.go), for
the call the API server makes through it when someone runs `kubectl logs`: GET
/containerLogs/NAMESPACE/POD/CONTAINER. It reads the CRI log files containerd wrote under
/var/log/pods as pkg/kubelet/kuberuntime/logs does (each line `TIMESTAMP STREAM P|F TEXT`, P
lines joined to the next), honouring `tailLines`, `timestamps` and `previous`; `follow` returns
what is written so far. Clients must present a certificate from the cluster CA
(authentication.x509.clientCAFile, which kubeadm sets; the API server uses
apiserver-kubelet-client); the serving certificate is self-signed, as the kubelet's is without
serverTLSBootstrap, at /var/lib/kubelet/pki/kubelet.crt.
"""
import glob
import http.server
import os
import re
import socket
import ssl
import threading
import urllib.parse

import standin_exec
import standin_portforward

from standin_common import join_host_port, log_error, P, write_file
from standin_pki import cert_pem, key_pem, load_crypto, new_ca

LOG_ROOT = "/var/log/pods"
CERT = "/var/lib/kubelet/pki/kubelet.crt"
KEY = "/var/lib/kubelet/pki/kubelet.key"
PATH_RE = re.compile(r"^/containerLogs/([^/]+)/([^/]+)/([^/]+)$")
NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")  # DNS-1123, as the API allows


def log_lines(text, timestamps):
    """CRI log lines -> what `kubectl logs` prints."""
    out, partial, first_ts = [], "", None
    for line in text.splitlines():
        parts = line.split(" ", 3)
        if len(parts) < 3:
            continue
        ts, tag = parts[0], parts[2]
        first_ts = first_ts or ts  # a joined line carries its first part's time, as upstream
        partial += parts[3] if len(parts) > 3 else ""
        if tag == "P":
            continue
        out.append(f"{first_ts} {partial}" if timestamps else partial)
        partial, first_ts = "", None
    return out


def container_logs(ns, pod, container, query):
    """(status, text) for GET /containerLogs/ns/pod/container."""
    # The kubelet resolves the name to the pod it runs now; a pod of the same name made again
    # (a namespace deleted and re-created) has a new UID and folder: the newest one is it.
    dirs = sorted(glob.glob(P(f"{LOG_ROOT}/{glob.escape(ns)}_{glob.escape(pod)}_*")),
                  key=os.path.getmtime)
    if not dirs:
        return 404, f'pod "{pod}" does not exist\n'
    files = sorted(glob.glob(os.path.join(dirs[-1], glob.escape(container), "*.log")),
                   key=lambda f: int(re.sub(r"\D", "", os.path.basename(f)) or 0))
    if not files:
        return 404, f'container "{container}" not found in pod "{pod}"\n'
    previous = query.get("previous", ["false"])[0] == "true"
    if previous and len(files) < 2:
        return 400, f'previous terminated container "{container}" in pod "{pod}" not found\n'
    with open(files[-2] if previous else files[-1], "rb") as f:  # already under P()
        text = f.read().decode("utf-8", "replace")
    lines = log_lines(text, query.get("timestamps", ["false"])[0] == "true")
    tail = query.get("tailLines", [""])[0]
    if tail.isdigit():
        lines = lines[len(lines) - int(tail):] if int(tail) else []
    return 200, "".join(line + "\n" for line in lines)


def serving_context(node_name, client_ca):
    load_crypto()
    if not (os.path.exists(P(CERT)) and os.path.exists(P(KEY))):
        cert, key = new_ca(node_name, "ECDSA-P256", days=365)
        write_file(CERT, cert_pem(cert))
        write_file(KEY, key_pem(key), 0o600)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(P(CERT), P(KEY))
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(P(client_ca))
    return ctx


class Handler(http.server.BaseHTTPRequestHandler):
    cri = None  # standin_cri.Cri of this node's runtime, for /exec and /portForward
    dialer = None  # (sandbox id, port) -> socket in the pod; the CRI's when None

    def exec_request(self):
        url = urllib.parse.urlsplit(self.path)
        m = standin_exec.KUBELET_PATH.match(url.path)
        pf = standin_portforward.KUBELET_PATH.match(url.path)
        if pf:
            if not all(NAME_RE.match(urllib.parse.unquote(g)) for g in pf.groups()):
                standin_exec.plain(self, 400, f"invalid name in {url.path}\n")
            else:
                dialer = self.dialer or standin_portforward.cri_dialer(self.cri)
                standin_portforward.kubelet_portforward(self, self.cri, dialer)
            return True
        if not m:
            return False
        if not all(NAME_RE.match(urllib.parse.unquote(g)) for g in m.groups()):
            standin_exec.plain(self, 400, f"invalid name in {url.path}\n")
        else:
            standin_exec.kubelet_exec(self, self.cri)
        return True

    def do_POST(self):
        if not self.exec_request():
            standin_exec.plain(self, 404, "404 page not found\n")

    def do_GET(self):
        if self.exec_request():
            return
        url = urllib.parse.urlsplit(self.path)
        m = PATH_RE.match(url.path)
        names = [urllib.parse.unquote(g) for g in m.groups()] if m else []
        if not m:
            code, text = 404, "404 page not found\n"
        elif not all(NAME_RE.match(n) for n in names):  # never a path outside the pod's logs
            code, text = 400, f"invalid name in {url.path}\n"
        else:
            try:
                code, text = container_logs(*names, urllib.parse.parse_qs(url.query))
            except (OSError, ValueError) as e:
                code, text = 500, f"{e}\n"
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def start(node_name, addr, config, cri=None):
    """Serves port 10250 (`port` in the kubelet config) on `addr`; logs and goes on if it
    cannot, as the kubelet's other servers do."""
    port = int(config.get("port", 10250))
    client_ca = ((config.get("authentication") or {}).get("x509") or {}).get("clientCAFile")
    if not client_ca or not os.path.exists(P(client_ca)):
        log_error("kubelet server: no authentication.x509.clientCAFile: port "
                  f"{port} not served")
        return None

    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        daemon_threads = True

    class NodeHandler(Handler):
        pass
    NodeHandler.cri = cri

    try:
        srv = Server((addr, port), NodeHandler)
        srv.socket = serving_context(node_name, client_ca).wrap_socket(srv.socket,
                                                                       server_side=True)
    except (OSError, ssl.SSLError) as e:
        log_error(f"Failed to start kubelet server: listen tcp {join_host_port(addr, port)}: {e}")
        return None
    threading.Thread(target=srv.serve_forever, name="kubelet-server", daemon=True).start()
    return srv
