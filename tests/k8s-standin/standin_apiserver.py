"""TEST DOUBLE: kube-apiserver as a process: HTTPS serving with client-certificate
authentication (cmd/kube-apiserver flags: --client-ca-file, --tls-cert-file, --advertise-address,
--bind-address, --secure-port, --service-cluster-ip-range), started from its kubeadm static pod
manifest by the stand-in kubelet; secondary control planes forward to the node that owns the
state (the stand-in's replacement for a shared etcd), and /readyz fails when it cannot.
"""
import http.client
import http.server
import json
import os
import socket
import ssl
import sys
import threading
import time
import urllib.parse

import standin_all
import standin_common
import standin_etcd
import standin_etcd_write
import standin_exec
import standin_portforward
import standin_ipfamily
from standin_admission import ANONYMOUS, User
from standin_api import Api, PUBLIC_PATHS, Request, version_info
from standin_client import ApiError, ssl_client_context
from standin_common import (
    dig, exists, Fail, is_ip, is_local_address, join_host_port, klog, log_error, P, read_file,
    split_host_port, STATE_ENDPOINT_ANNOTATION, STATE_FILE)
from standin_pki import pki_path
from standin_store import api_error, BUILTIN_RESOURCES, LocalStore, status_obj


class ApiHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, ssl_ctx, api=None, upstream=None, version=standin_common.VERSION):
        self.address_family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        self.ssl_ctx = ssl_ctx  # swapped in place when the serving cert changes on disk
        self.api, self.upstream, self.version = api, upstream, version
        super().__init__(addr, ApiHandler)

    def get_request(self):
        sock, addr = self.socket.accept()
        # Headers and body go out in separate writes: without NODELAY, Nagle + delayed ACK
        # would add ~40 ms to every response.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.ssl_ctx.wrap_socket(sock, server_side=True,
                                        do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        klog(4, f"apiserver: connection from {client_address}: {sys.exc_info()[1]}")


class ApiHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "standin-kube-apiserver"
    sys_version = ""

    def setup(self):
        self.request.settimeout(60)
        self.request.do_handshake()  # in the worker thread, not the accept loop
        super().setup()

    def log_message(self, fmt, *args):
        klog(6, "apiserver: " + fmt % args)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def send(self, code, ctype, data, extra=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def authenticate(self):
        """x509 client cert (verified by TLS) > bearer bootstrap token > anonymous."""
        cert = self.request.getpeercert()
        if cert and cert.get("subject"):
            attrs = [a for rdn in cert["subject"] for a in rdn]
            cn = next((v for k, v in attrs if k == "commonName"), "")
            orgs = [v for k, v in attrs if k == "organizationName"]
            user = User(cn, orgs + ["system:authenticated"])
        else:
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Bearer "):
                etcd = getattr(self.server, "etcd", None)
                if self.server.upstream or (etcd is not None and not etcd.is_leader()):
                    return None  # passed through untouched; the state owner authenticates it
                user = self.server.api.token_user(auth[7:].strip())
                if user is None:
                    raise api_error(401, "Unauthorized", "Unauthorized")
            else:
                user = ANONYMOUS
        target = self.headers.get("Impersonate-User")
        if target:
            if not user.admin:
                raise api_error(403, "Forbidden", f'users "{target}" is forbidden: User '
                                                  f'"{user.name}" cannot impersonate resource '
                                                  f'"users" in API group "" at the cluster scope')
            groups = self.headers.get_all("Impersonate-Group") or []
            user = ANONYMOUS if target == "system:anonymous" else User(
                target, groups + ["system:authenticated"])
        return user

    def dispatch(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        try:
            user = self.authenticate()
            streaming = standin_exec.is_exec_path(path) or \
                standin_portforward.is_portforward_path(path)
            if streaming and self.server.api is not None:
                # Every stacked-etcd member holds the pods: exec is served where it arrives.
                if user is None:
                    user = self.server.api.token_user(
                        self.headers.get("Authorization", "")[7:].strip())
                    if user is None:
                        raise api_error(401, "Unauthorized", "Unauthorized")
                if standin_portforward.is_portforward_path(path):
                    return standin_portforward.api_portforward(self, self.server.api, user,
                                                               method)
                return standin_exec.api_exec(self, self.server.api, user, method)
            etcd = getattr(self.server, "etcd", None)
            if etcd is not None and standin_etcd.route(self, etcd, method, path, body, user):
                return
            if user is None and not self.server.upstream:  # a token, served from this copy
                user = self.server.api.token_user(
                    self.headers.get("Authorization", "")[7:].strip())
                if user is None:
                    raise api_error(401, "Unauthorized", "Unauthorized")
            if self.server.upstream:
                if path in PUBLIC_PATHS:
                    return self.send(*self.local_public(path))
                return self.server.upstream.forward(self, method, body, user)
            req = Request(method, url.path, urllib.parse.parse_qs(url.query, True), self.headers,
                          body, user)
            result = self.server.api.serve(req)
            if result[0] == "watch":
                return self.stream(result[1])
            code, ctype, data = result
        except ApiError as e:
            code, ctype, data = e.code, "application/json", json.dumps(e.status).encode()
        except Exception as e:  # keep serving; report like the real server does
            import traceback
            log_error("apiserver: " + traceback.format_exc())
            code, ctype = 500, "application/json"
            data = json.dumps(status_obj(500, "InternalError", f"Internal error occurred: {e}"))
            data = data.encode()
        self.send(code, ctype, data)

    def local_public(self, path):
        """A forwarding apiserver answers health/version itself; readyz needs its "etcd"."""
        if path == "/version":
            return 200, "application/json", json.dumps(version_info(self.server.version)).encode()
        if path == "/readyz" and not self.server.upstream.healthy():
            return 500, "text/plain; charset=utf-8", b"[-]etcd failed: reason withheld\n" \
                                                      b"readyz check failed\n"
        return 200, "text/plain; charset=utf-8", b"ok"

    def stream(self, events):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for ev in events:
                line = json.dumps(ev).encode() + b"\n"
                self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True


class Upstream:
    """How a secondary control plane's apiserver reaches the state owner (its "etcd"):
    requests from x509 clients are re-sent with impersonation headers using this apiserver's
    own admin-group client cert; bearer-token and anonymous requests are re-sent as they came."""

    def __init__(self, endpoint, ca_pem, cert_pem_, key_pem_):
        self.host, self.port = split_host_port(endpoint, 6443)
        self.with_cert = ssl_client_context(ca_pem, cert_pem_, key_pem_)
        self.plain = ssl_client_context(ca_pem)
        self._healthy = (0.0, False)

    def healthy(self):
        at, ok = self._healthy
        if time.time() - at > 1:
            try:
                conn = http.client.HTTPSConnection(self.host, self.port, context=self.plain,
                                                   timeout=2)
                conn.request("GET", "/readyz")
                ok = conn.getresponse().status == 200
                conn.close()
            except (OSError, http.client.HTTPException):
                ok = False
            self._healthy = (time.time(), ok)
        return ok

    def forward(self, handler, method, body, user):
        watch = "watch=" in handler.path
        anonymous = user is None or user.name == "system:anonymous"
        conn = http.client.HTTPSConnection(
            self.host, self.port, context=self.plain if anonymous else self.with_cert,
            timeout=660 if watch else 30)
        try:
            conn.putrequest(method, handler.path, skip_accept_encoding=True)
            for h in ("Accept", "Content-Type", "User-Agent"):
                if handler.headers.get(h):
                    conn.putheader(h, handler.headers[h])
            if user is None:
                conn.putheader("Authorization", handler.headers["Authorization"])
            elif not anonymous:
                conn.putheader("Impersonate-User", user.name)
                for g in user.groups:
                    if g != "system:authenticated":
                        conn.putheader("Impersonate-Group", g)
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            data = json.dumps(status_obj(503, "ServiceUnavailable",
                                         f"etcd unreachable: {e}")).encode()
            return handler.send(503, "application/json", data)
        try:
            if resp.getheader("Content-Length") is not None:
                return handler.send(resp.status, resp.getheader("Content-Type", "application/json"),
                                    resp.read())
            handler.send_response(resp.status)
            handler.send_header("Content-Type", resp.getheader("Content-Type", "application/json"))
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            while True:
                chunk = resp.read1(65536)
                if not chunk:
                    break
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                handler.wfile.flush()
            handler.wfile.write(b"0\r\n\r\n")
        except OSError:
            handler.close_connection = True
        finally:
            conn.close()






def pod_command_flags(pod):
    """{flag: value} and the binary of a static pod's first container."""
    c = (dig(pod, "spec", "containers", default=[{}]) or [{}])[0]
    argv = list(c.get("command") or []) + list(c.get("args") or [])
    flags = {}
    for a in argv[1:]:
        if a.startswith("--"):
            k, _, v = a[2:].partition("=")
            flags[k] = v
    return (argv[0] if argv else ""), flags, c.get("image", "")


def image_tag(image):
    tail = image.rsplit("/", 1)[-1]
    return tail.split(":", 1)[1].split("@")[0] if ":" in tail else standin_common.VERSION


class KubeApiServer:
    """Serves the API described by a kube-apiserver static pod manifest, in this process."""

    def __init__(self, pod, etcd_pod=None, kcm_pod=None):
        self.pod, self.etcd_pod, self.kcm_pod = pod, etcd_pod, kcm_pod
        _, self.flags, image = pod_command_flags(pod)
        self.version = image_tag(image)
        self.server = None
        self.tls_stamp = None

    def preflight(self):
        """What makes the real control plane crash-loop after a node IP change."""
        f = self.flags
        if self.etcd_pod is not None:
            _, ef, _ = pod_command_flags(self.etcd_pod)
            for key in ("listen-client-urls", "listen-peer-urls"):
                for url in filter(None, ef.get(key, "").split(",")):
                    u = urllib.parse.urlsplit(url)
                    if u.hostname and not is_local_address(u.hostname):
                        raise Fail(f"etcd: listen tcp {join_host_port(u.hostname, u.port)}: "
                                   f"bind: cannot assign requested address")
        adv = f.get("advertise-address", "")
        if not is_ip(adv):
            raise Fail(f'kube-apiserver: invalid --advertise-address "{adv}"')
        if not is_local_address(adv):
            raise Fail(f"kube-apiserver: --advertise-address={adv} is not an address of this "
                       f"node: listen tcp {join_host_port(adv, f.get('secure-port', '6443'))}: "
                       f"bind: cannot assign requested address")
        family = standin_ipfamily.service_family_problem(
            f.get("service-cluster-ip-range", "10.96.0.0/12"), adv)
        if family:
            raise Fail(f"kube-apiserver: {family}")

    def tls_files(self):
        f = self.flags
        return [f.get("tls-cert-file", ""), f.get("tls-private-key-file", ""),
                f.get("client-ca-file", "")]

    def ssl_context(self):
        cert, key, client_ca = self.tls_files()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            ctx.load_cert_chain(P(cert), P(key))
            ctx.load_verify_locations(P(client_ca))
        except (OSError, ssl.SSLError) as e:
            raise Fail(f"kube-apiserver: failed to load serving cert/key ({cert}, {key}) or "
                       f"client CA ({client_ca}): {e}")
        ctx.verify_mode = ssl.CERT_OPTIONAL
        return ctx

    def stamp(self):
        out = []
        for p in self.tls_files():
            try:
                st = os.stat(P(p))
                out.append((st.st_mtime_ns, st.st_size))
            except OSError:
                out.append(None)
        return out

    def start(self):
        self.preflight()
        f = self.flags
        adv, port = f["advertise-address"], int(f.get("secure-port", "6443"))
        # Host-side tests must not listen on every interface: default to the advertise address.
        bind = f.get("bind-address") or (adv if standin_common.ROOT else "::" if ":" in adv else "0.0.0.0")
        ctx = self.ssl_context()
        self.tls_stamp = self.stamp()
        endpoint = join_host_port(adv, port)
        owner = (dig(self.pod, "metadata", "annotations", default={}) or {}).get(
            STATE_ENDPOINT_ANNOTATION)
        api = upstream = etcd = None
        if self.etcd_pod is not None:
            # Stacked etcd: every member holds the state (standin_etcd.py).
            store = LocalStore(STATE_FILE)
            etcd = standin_etcd.attach(standin_all, f, self.etcd_pod, store, port)
            api = self.make_api(store, endpoint)
            owner = None
            if not standin_common.ROOT or os.environ.get("STANDIN_REAL_ETCD"):
                builtin = {(r.group, r.plural) for r in BUILTIN_RESOURCES}
                self.etcd_writer = standin_etcd_write.attach(store, builtin, f, etcd.is_leader)
                if self.etcd_writer is not None:
                    self.etcd_writer.members = etcd.members
                etcd.real = self.etcd_writer
        elif owner:
            cert = f.get("kubelet-client-certificate", pki_path("apiserver-kubelet-client", "crt"))
            key = f.get("kubelet-client-key", pki_path("apiserver-kubelet-client", "key"))
            upstream = Upstream(owner, read_file(f.get("client-ca-file"), True),
                                read_file(cert, True), read_file(key, True))
        else:
            api = self.make_api(LocalStore(STATE_FILE), endpoint)
        try:
            self.server = ApiHTTPServer((bind, port), ctx, api, upstream, self.version)
        except OSError as e:
            raise Fail(f"kube-apiserver: failed to listen on {join_host_port(bind, port)}: {e}")
        self.server.etcd = self.etcd = etcd
        if etcd is not None:
            etcd.start()
        threading.Thread(target=self.server.serve_forever, name="apiserver", daemon=True).start()
        mode = f"forwarding state to {owner}" if owner else f"state in {P(STATE_FILE)}"
        klog(0, f"kube-apiserver serving on https://{join_host_port(bind, port)} "
                f"(advertise {endpoint}, {self.version}, {mode})")

    def make_api(self, store, endpoint):
        f = self.flags
        signer = node_cidr = None
        if self.kcm_pod is not None:
            _, kf, _ = pod_command_flags(self.kcm_pod)
            if kf.get("cluster-signing-cert-file") and kf.get("cluster-signing-key-file"):
                signer = (kf["cluster-signing-cert-file"], kf["cluster-signing-key-file"])
            if kf.get("allocate-node-cidrs") == "true" and kf.get("cluster-cidr"):
                cidrs = kf["cluster-cidr"].split(",")
                masks = [int(kf.get("node-cidr-mask-size-ipv6" if ":" in c else
                                    "node-cidr-mask-size-ipv4",
                                    kf.get("node-cidr-mask-size", "64" if ":" in c else "24")))
                         for c in cidrs]
                node_cidr = (cidrs, masks)
        api = Api(store, self.version, endpoint,
                  f.get("service-cluster-ip-range", "10.96.0.0/12").split(","), signer, node_cidr)
        cert = f.get("kubelet-client-certificate", pki_path("apiserver-kubelet-client", "crt"))
        key = f.get("kubelet-client-key", pki_path("apiserver-kubelet-client", "key"))
        if exists(cert) and exists(key):
            api.kubelet_client = (read_file(cert, True), read_file(key, True))
        return api

    def reload_tls_if_changed(self):
        """The real apiserver reloads its serving certificate when the files change."""
        if self.server and self.stamp() != self.tls_stamp:
            try:
                self.server.ssl_ctx = self.ssl_context()
                self.tls_stamp = self.stamp()
                klog(0, "kube-apiserver: reloaded serving certificate")
            except Fail as e:
                log_error(str(e))

    def stop(self):
        if getattr(self, "etcd", None) is not None:
            self.etcd.stop()
        if getattr(self, "etcd_writer", None) is not None:
            self.etcd_writer.stop()
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
