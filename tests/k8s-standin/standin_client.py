"""TEST DOUBLE: kubeconfig files and the HTTPS client every stand-in tool uses, as client-go
does it (k8s.io/client-go/tools/clientcmd: current-context, embedded or file CA and client
certificate, bearer token; rest: verified TLS, Status bodies turned into errors such as
`Error from server (NotFound)`, "Unable to connect to the server" on connection failures).
"""
import http.client
import http.server
import json
import os
import ssl
import tempfile
import time
import urllib.parse

import yaml

import standin_common
from standin_common import b64, Fail, read_file, unb64


def make_kubeconfig(cluster, server, ca_pem, user, cert_pem_=None, key_pem_=None, token=None):
    creds = {}
    if cert_pem_:
        creds["client-certificate-data"] = b64(cert_pem_)
        creds["client-key-data"] = b64(key_pem_)
    if token:
        creds["token"] = token
    ctx = f"{user}@{cluster}"
    return {
        "apiVersion": "v1",
        "clusters": [{"cluster": {"certificate-authority-data": b64(ca_pem), "server": server},
                      "name": cluster}],
        "contexts": [{"context": {"cluster": cluster, "user": user}, "name": ctx}],
        "current-context": ctx,
        "kind": "Config",
        "preferences": {},
        "users": [{"name": user, "user": creds}],
    }


class Creds:
    """What a kubeconfig context resolves to."""

    def __init__(self, server, ca_pem=None, cert_pem_=None, key_pem_=None, token=None,
                 insecure=False, namespace=None):
        self.server, self.ca_pem, self.cert_pem, self.key_pem = server, ca_pem, cert_pem_, key_pem_
        self.token, self.insecure, self.namespace = token, insecure, namespace


def load_kubeconfig(path, context=None):
    try:
        cfg = yaml.safe_load(read_file(path)) or {}
    except FileNotFoundError:
        raise Fail(f"stat {path}: no such file or directory")
    base = os.path.dirname(path)

    def named(section, name):
        for item in cfg.get(section) or []:
            if item.get("name") == name:
                return item.get(section[:-1]) or {}
        return None

    ctx_name = context or cfg.get("current-context")
    ctx = named("contexts", ctx_name) if ctx_name else None
    if ctx is None:
        if context:
            raise Fail(f'context was not found for specified context: {context}')
        raise Fail("invalid configuration: no configuration has been provided, try setting "
                   "KUBERNETES_MASTER environment variable")
    cluster = named("clusters", ctx.get("cluster")) or {}
    user = named("users", ctx.get("user")) or {}

    def data(obj, key):
        if obj.get(key + "-data"):
            return unb64(obj[key + "-data"])
        if obj.get(key):
            p = obj[key] if obj[key].startswith("/") else os.path.join(base, obj[key])
            return read_file(p, True)
        return None

    if not cluster.get("server"):
        raise Fail("invalid configuration: no server found for cluster " + str(ctx.get("cluster")))
    return Creds(cluster["server"], data(cluster, "certificate-authority"),
                 data(user, "client-certificate"), data(user, "client-key"), user.get("token"),
                 bool(cluster.get("insecure-skip-tls-verify")), ctx.get("namespace"))


class ApiError(Exception):
    def __init__(self, code, status):
        self.code = code
        self.status = status if isinstance(status, dict) else {"message": str(status)}
        super().__init__(self.status.get("message") or f"HTTP {code}")

    @property
    def reason(self):
        return self.status.get("reason", "")


class ConnError(Exception):
    """Transport-level failure (refused, TLS verification, timeout)."""


def ssl_client_context(ca_pem=None, cert_pem_=None, key_pem_=None, insecure=False):
    if insecure:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif ca_pem:
        ctx = ssl.create_default_context(cadata=ca_pem.decode() if isinstance(ca_pem, bytes) else ca_pem)
    else:
        ctx = ssl.create_default_context()
    if cert_pem_:
        # load_cert_chain only takes paths: use short-lived private temp files.
        tmpdir = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
        fd, path = tempfile.mkstemp(dir=tmpdir, prefix="standin-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(cert_pem_ + b"\n" + key_pem_)
            ctx.load_cert_chain(path)
        finally:
            os.unlink(path)
    return ctx


class ApiClient:
    def __init__(self, server, ca_pem=None, cert_pem_=None, key_pem_=None, token=None,
                 insecure=False, timeout=10.0, extra_headers=None):
        u = urllib.parse.urlsplit(server)
        if u.scheme != "https" or not u.hostname:
            raise Fail(f'invalid server URL "{server}"')
        self.server = server.rstrip("/")
        self.host, self.port, self.prefix = u.hostname, u.port or 443, u.path.rstrip("/")
        self.token, self.timeout = token, timeout
        self.ctx = ssl_client_context(ca_pem, cert_pem_, key_pem_, insecure)
        self.extra_headers = extra_headers or {}

    @classmethod
    def from_creds(cls, c, **kw):
        return cls(c.server, c.ca_pem, c.cert_pem, c.key_pem, c.token, c.insecure, **kw)

    @classmethod
    def from_kubeconfig(cls, path, context=None, **kw):
        return cls.from_creds(load_kubeconfig(path, context), **kw)

    def request(self, method, path, body=None, headers=None, timeout=None):
        hdrs = {"Accept": "application/json", "User-Agent": f"standin/{standin_common.VERSION}"}
        hdrs.update(self.extra_headers)
        if self.token:
            hdrs["Authorization"] = "Bearer " + self.token
        hdrs.update(headers or {})
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx,
                                           timeout=timeout or self.timeout)
        try:
            conn.request(method, self.prefix + path, body=body, headers=hdrs)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        except ssl.SSLCertVerificationError as e:
            raise ConnError(f'{method} "{self.server}{path}": tls: failed to verify certificate: '
                            f'{e.verify_message}')
        except (OSError, http.client.HTTPException) as e:
            raise ConnError(f'{method} "{self.server}{path}": {e}')
        finally:
            conn.close()

    def call(self, method, path, body=None, content_type=None, ok=(200, 201, 202), **kw):
        headers = {"Content-Type": content_type} if content_type else None
        code, _, data = self.request(method, path, body, headers, **kw)
        try:
            obj = json.loads(data) if data else {}
        except ValueError:
            obj = {"message": data.decode(errors="replace").strip()}
        if code not in ok:
            if not isinstance(obj, dict) or "message" not in obj:
                obj = {"message": f"the server responded with HTTP {code}", "code": code}
            raise ApiError(code, obj)
        return obj

    def get(self, path, **kw):
        return self.call("GET", path, **kw)


def wait_until(fn, timeout, interval=0.5, what="condition"):
    """Poll fn() until it returns a truthy value; returns it, or raises Fail after timeout."""
    deadline = time.time() + timeout
    last = None
    while True:
        try:
            v = fn()
            if v:
                return v
        except (ApiError, ConnError, OSError) as e:
            last = e
        if time.time() >= deadline:
            raise Fail(f"timed out waiting for {what} after {timeout:.0f}s"
                       + (f": last error: {last}" if last else ""))
        time.sleep(interval)
