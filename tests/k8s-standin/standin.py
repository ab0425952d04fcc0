#!/usr/bin/env python3
"""Kubernetes stand-in for minik's end-to-end tests. A TEST DOUBLE, never part of the product.

One self-contained file that behaves as `kubeadm`, `kubelet` or `kubectl` depending on the name it
is run as (the basename of argv[0]); `standin.py TOOL ARGS...` or env STANDIN_TOOL=TOOL also work.
It honours the contract minik relies on from the real programs (same paths, flags, files, API
shapes) but runs no containers: the "API server" is a thread of the kubelet, and cluster state is
a JSON file. See README.md next to this file for what is real, what is faked, and the contract.

Needs Python 3.11 + PyYAML + cryptography (Debian bookworm: python3-yaml, python3-cryptography).
Env knobs (tests only): STANDIN_ROOT (prefix for every absolute path; systemctl is emulated),
STANDIN_HEARTBEAT_SECONDS (default 2), STANDIN_NODE_GRACE_SECONDS (default 15),
STANDIN_WAIT_TIMEOUT (kubeadm waits, default 120), STANDIN_HEALTHZ_PORT (kubelet healthz override).
"""

import base64
import copy
import datetime
import hashlib
import hmac
import http.client
import http.server
import ipaddress
import json
import os
import random
import re
import shlex
import signal
import socket
import ssl
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

import yaml

import standin_auth
import standin_components
import standin_etcd
import standin_podsecurity
import standin_schema
import standin_startup
import standin_validate
import standin_pods

x509 = hashes = serialization = ec = rsa = padding = ExtendedKeyUsageOID = NameOID = None


def load_crypto():
    """Import `cryptography` on demand (kubeadm, kubelet); kubectl starts faster without it."""
    global x509, hashes, serialization, ec, rsa, padding, ExtendedKeyUsageOID, NameOID
    if x509 is None:
        from cryptography import x509 as _x509
        from cryptography.hazmat.primitives import hashes as _h, serialization as _s
        from cryptography.hazmat.primitives.asymmetric import ec as _ec, padding as _p, rsa as _r
        from cryptography.x509.oid import ExtendedKeyUsageOID as _eku, NameOID as _n
        x509, hashes, serialization, ec, rsa, padding = _x509, _h, _s, _ec, _r, _p
        ExtendedKeyUsageOID, NameOID = _eku, _n

VERSION = "v1.35.0"  # make-kubernetes-dir.sh --version rewrites this line
KUSTOMIZE_VERSION = "v5.7.1"
ROOT = os.environ.get("STANDIN_ROOT", "").rstrip("/")
HEARTBEAT_SECONDS = float(os.environ.get("STANDIN_HEARTBEAT_SECONDS", "2"))
NODE_GRACE_SECONDS = float(os.environ.get("STANDIN_NODE_GRACE_SECONDS", "15"))
WAIT_TIMEOUT = float(os.environ.get("STANDIN_WAIT_TIMEOUT", "120"))

# Real kubeadm paths (resolved under STANDIN_ROOT by P()).
KUBE_DIR = "/etc/kubernetes"
PKI = "/etc/kubernetes/pki"
MANIFESTS = "/etc/kubernetes/manifests"
KUBELET_DIR = "/var/lib/kubelet"
KUBELET_CONFIG = "/var/lib/kubelet/config.yaml"
KUBELET_FLAGS_ENV = "/var/lib/kubelet/kubeadm-flags.env"
ADMIN_CONF = "/etc/kubernetes/admin.conf"
KUBELET_CONF = "/etc/kubernetes/kubelet.conf"
BOOTSTRAP_KUBELET_CONF = "/etc/kubernetes/bootstrap-kubelet.conf"
STANDIN_DIR = "/var/lib/standin"
STATE_FILE = "/var/lib/standin/state.json"
STATIC_POD_STATUS = "/var/lib/standin/static-pods.json"
CONTAINERD_SOCK = "/run/containerd/containerd.sock"
KUBELET_PIDFILE = "/run/standin/kubelet.pid"  # STANDIN_ROOT mode only
KUBELET_LOG = "/var/log/kubelet.log"  # STANDIN_ROOT mode only

STATE_ENDPOINT_ANNOTATION = "standin.minik.test/state-endpoint"  # secondary apiservers
CP_LABEL = "node-role.kubernetes.io/control-plane"
EXCLUDE_LB_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers"
ADMIN_GROUPS = {"system:masters", "kubeadm:cluster-admins"}
TOKEN_RE = re.compile(r"^([a-z0-9]{6})\.([a-z0-9]{16})$")


# ----------------------------------------------------------------------------------------------
# Small helpers: paths, files, logging, time, YAML, networking
# ----------------------------------------------------------------------------------------------

class Fail(Exception):
    """A user-facing error: printed to stderr, exit code 1."""


def P(path):
    """Resolve a node path on this machine (under STANDIN_ROOT when testing on the host)."""
    return ROOT + path if ROOT and path.startswith("/") else path


VERBOSITY = 0


def klog(level, msg, sev="I"):
    """klog-like line on stderr; shown when level <= --v."""
    if level > VERBOSITY:
        return
    t = datetime.datetime.now()
    sys.stderr.write(f"{sev}{t:%m%d %H:%M:%S.%f} {os.getpid():>7} standin] {msg}\n")
    sys.stderr.flush()


def warn(msg):
    klog(0, msg, "W")


def log_error(msg):
    klog(0, msg, "E")


def read_file(path, binary=False):
    with open(P(path), "rb" if binary else "r") as f:
        return f.read()


def exists(path):
    return os.path.exists(P(path))


def write_file(path, data, mode=0o644, sync=True):
    """Atomic write (temp file [+ fsync] + rename), creating parent dirs."""
    real = P(path)
    os.makedirs(os.path.dirname(real), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(real), prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if sync:
                os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def remove_path(path):
    real = P(path)
    if os.path.isdir(real) and not os.path.islink(real):
        for entry in os.listdir(real):
            remove_path(os.path.join(path, entry))
        os.rmdir(real)
    elif os.path.lexists(real):
        os.unlink(real)


def now_ts():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_ts(s):
    try:
        return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
    except (TypeError, ValueError):
        return 0.0


def human_duration(seconds):
    """kubectl's HumanDuration (the AGE column)."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    s = max(s, 0)
    if s < 120:
        return f"{s}s"
    m = s // 60
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if m < 60:
        return f"{m}m"
    h = m // 60
    if h < 8:
        return f"{h}h{m % 60}m" if m % 60 else f"{h}h"
    if h < 48:
        return f"{h}h"
    if h < 24 * 8:
        return f"{h // 24}d{h % 24}h" if h % 24 else f"{h // 24}d"
    if h < 24 * 365 * 2:
        return f"{h // 24}d"
    if h < 24 * 365 * 8:
        return f"{h // 24 // 365}y{(h // 24) % 365}d"
    return f"{h // 24 // 365}y"


def parse_duration(s, default):
    """Go duration string ("24h0m0s", "4m", "30s", "1.5s") to seconds."""
    if s in (None, ""):
        return default
    if isinstance(s, (int, float)):
        return float(s)
    parts = re.findall(r"([0-9.]+)(ms|h|m|s)", str(s))
    if not parts or "".join(a + b for a, b in parts) != str(s):
        raise Fail(f'time: invalid duration "{s}"')
    mult = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    return sum(float(n) * mult[u] for n, u in parts)


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper, data):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def yaml_dump(obj):
    return yaml.dump(obj, Dumper=_Dumper, default_flow_style=False, sort_keys=False)


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


def unb64(s):
    return base64.b64decode(s)


def is_local_address(ip):
    """True if this machine can bind `ip` (what etcd/the apiserver would hit after an IP change)."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    fam = socket.AF_INET6 if addr.version == 6 else socket.AF_INET
    try:
        with socket.socket(fam, socket.SOCK_STREAM) as s:
            s.bind((str(addr), 0))
        return True
    except OSError:
        return False


def hostname():
    return socket.gethostname().lower()


def default_ip():
    """The node's primary address: the hostname's address, else the default-route source."""
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            ip = info[4][0]
            if not ip.startswith("127."):
                return ip
    except OSError:
        pass
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent
            return s.getsockname()[0]
    except OSError:
        return "127.0.0.1"


def split_host_port(hostport, default_port=None):
    hostport = str(hostport)
    m = re.match(r"^\[([^\]]+)\](?::(\d+))?$", hostport)
    if m:
        return m.group(1), int(m.group(2)) if m.group(2) else default_port
    if hostport.count(":") == 1:
        host, port = hostport.split(":")
        if not port.isdigit():
            raise Fail(f'invalid port in "{hostport}"')
        return host, int(port)
    return hostport, default_port


def join_host_port(host, port):
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"


def is_ip(s):
    try:
        ipaddress.ip_address(s)
        return True
    except ValueError:
        return False


DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def is_dns_subdomain(s):
    return isinstance(s, str) and len(s) <= 253 and bool(DNS1123_SUBDOMAIN.match(s))


def deep_merge(base, override):
    """Recursive dict merge (override wins); returns a new dict."""
    out = copy.deepcopy(base)
    for k, v in (override or {}).items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def dig(obj, *keys, default=None):
    for k in keys:
        if not isinstance(obj, dict) or k not in obj:
            return default
        obj = obj[k]
    return obj


# ----------------------------------------------------------------------------------------------
# PKI (real X.509 via `cryptography`)
# ----------------------------------------------------------------------------------------------

def new_key(algo="RSA-2048"):
    if algo in ("ECDSA-P256", "ECDSA"):
        return ec.generate_private_key(ec.SECP256R1())
    if algo == "ECDSA-P384":
        return ec.generate_private_key(ec.SECP384R1())
    m = re.match(r"^RSA-(2048|3072|4096)$", algo or "RSA-2048")
    if not m:
        raise Fail(f'encryptionAlgorithm: Unsupported value: "{algo}": supported values: '
                   '"ECDSA-P256", "ECDSA-P384", "RSA-2048", "RSA-3072", "RSA-4096"')
    return rsa.generate_private_key(public_exponent=65537, key_size=int(m.group(1)))


def key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def load_cert(pem):
    return x509.load_pem_x509_certificate(pem if isinstance(pem, bytes) else pem.encode())


def load_key(pem):
    return serialization.load_pem_private_key(pem if isinstance(pem, bytes) else pem.encode(), None)


def x509_name(cn, orgs=()):
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in orgs]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _validity(builder, days):
    now = datetime.datetime.now(datetime.timezone.utc)
    return builder.not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(
        now + datetime.timedelta(days=days))


def new_ca(cn, algo, days=3650):
    key = new_key(algo)
    name = x509_name(cn)
    b = x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(
        key.public_key()).serial_number(x509.random_serial_number())
    b = _validity(b, days)
    b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    b = b.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                      key_encipherment=True, data_encipherment=False,
                                      key_agreement=False, key_cert_sign=True, crl_sign=False,
                                      encipher_only=False, decipher_only=False), critical=True)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    return b.sign(key, hashes.SHA256()), key


def sign_cert(ca_cert, ca_key, public_key, cn, orgs=(), dns=(), ips=(), server=False,
              client=False, days=365):
    b = x509.CertificateBuilder().subject_name(x509_name(cn, orgs)).issuer_name(
        ca_cert.subject).public_key(public_key).serial_number(x509.random_serial_number())
    b = _validity(b, days)
    b = b.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    b = b.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                      key_encipherment=isinstance(public_key, rsa.RSAPublicKey),
                                      data_encipherment=False, key_agreement=False,
                                      key_cert_sign=False, crl_sign=False, encipher_only=False,
                                      decipher_only=False), critical=True)
    usages = ([ExtendedKeyUsageOID.SERVER_AUTH] if server else []) + (
        [ExtendedKeyUsageOID.CLIENT_AUTH] if client else [])
    b = b.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                        critical=False)
    sans = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return b.sign(ca_key, hashes.SHA256())


def ca_cert_hash(cert):
    """kubeadm's discovery hash: sha256 of the CA's DER SubjectPublicKeyInfo."""
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256:" + hashlib.sha256(spki).hexdigest()


def cert_sans(cert):
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], []
    return (ext.get_values_for_type(x509.DNSName),
            [str(i) for i in ext.get_values_for_type(x509.IPAddress)])


def cert_subject(cert):
    cn = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    orgs = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    return (cn[0] if cn else ""), orgs


def signed_by(cert, ca_cert):
    try:
        pub = ca_cert.public_key()
        if isinstance(pub, rsa.RSAPublicKey):
            pub.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                       cert.signature_hash_algorithm)
        else:
            pub.verify(cert.signature, cert.tbs_certificate_bytes,
                       ec.ECDSA(cert.signature_hash_algorithm))
        return True
    except Exception:
        return False


def pki_path(name, ext):
    return f"{PKI}/{name}.{ext}"


def write_pair(name, cert, key):
    write_file(pki_path(name, "key"), key_pem(key), 0o600)
    write_file(pki_path(name, "crt"), cert_pem(cert), 0o644)


def load_pair(name):
    return (load_cert(read_file(pki_path(name, "crt"), True)),
            load_key(read_file(pki_path(name, "key"), True)))


# ----------------------------------------------------------------------------------------------
# Kubeconfig files and the HTTPS API client
# ----------------------------------------------------------------------------------------------

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
        hdrs = {"Accept": "application/json", "User-Agent": f"standin/{VERSION}"}
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


# ----------------------------------------------------------------------------------------------
# kubeadm configuration: decoding, strict field checks, validation, defaults
# ----------------------------------------------------------------------------------------------

ANY = "any"
ARGS = "args"  # extraArgs / kubeletExtraArgs: map in v1beta3, [{name, value}] list in v1beta4


def kubeadm_schema(kind, v4):
    """Known fields per kubeadm kind (strict decoding). Nested `ANY` means not checked."""
    comp = {"extraArgs": ARGS, "extraVolumes": ANY}
    if v4:
        comp["extraEnvs"] = ANY
    node_reg = {"name": ANY, "criSocket": ANY, "taints": ANY, "kubeletExtraArgs": ARGS,
                "ignorePreflightErrors": ANY, "imagePullPolicy": ANY}
    if v4:
        node_reg["imagePullSerial"] = ANY
    endpoint = {"advertiseAddress": ANY, "bindPort": ANY}
    token = {"token": ANY, "description": ANY, "ttl": ANY, "expires": ANY, "usages": ANY,
             "groups": ANY}
    top = {"apiVersion": ANY, "kind": ANY}
    if kind == "InitConfiguration":
        s = dict(top, bootstrapTokens=[token], nodeRegistration=node_reg,
                 localAPIEndpoint=endpoint, certificateKey=ANY, skipPhases=ANY, patches=ANY)
        if v4:
            s.update(dryRun=ANY, timeouts=ANY)
        return s
    if kind == "ClusterConfiguration":
        local_etcd = {"imageRepository": ANY, "imageTag": ANY, "dataDir": ANY, "extraArgs": ARGS,
                      "serverCertSANs": ANY, "peerCertSANs": ANY}
        if v4:
            local_etcd["extraEnvs"] = ANY
        apiserver = dict(comp, certSANs=ANY)
        if not v4:
            apiserver["timeoutForControlPlane"] = ANY
        s = dict(top, etcd={"local": local_etcd, "external": ANY},
                 networking={"serviceSubnet": ANY, "podSubnet": ANY, "dnsDomain": ANY},
                 kubernetesVersion=ANY, controlPlaneEndpoint=ANY, apiServer=apiserver,
                 controllerManager=dict(comp), scheduler=dict(comp), dns=ANY,
                 certificatesDir=ANY, imageRepository=ANY, featureGates=ANY, clusterName=ANY)
        if v4:
            s.update(proxy=ANY, encryptionAlgorithm=ANY, certificateValidityPeriod=ANY,
                     caCertificateValidityPeriod=ANY)
        return s
    if kind == "JoinConfiguration":
        bt = {"token": ANY, "apiServerEndpoint": ANY, "caCertHashes": ANY,
              "unsafeSkipCAVerification": ANY}
        disc = {"bootstrapToken": bt, "file": ANY, "tlsBootstrapToken": ANY}
        if not v4:
            disc["timeout"] = ANY
        s = dict(top, nodeRegistration=node_reg, caCertPath=ANY, discovery=disc,
                 controlPlane={"localAPIEndpoint": endpoint, "certificateKey": ANY},
                 skipPhases=ANY, patches=ANY)
        if v4:
            s.update(dryRun=ANY, timeouts=ANY)
        return s
    return ANY  # ResetConfiguration / UpgradeConfiguration: accepted, not used


def _go_type(v):
    return "array" if isinstance(v, list) else "object" if isinstance(v, dict) else \
        "string" if isinstance(v, str) else "number" if isinstance(v, (int, float)) else "value"


def check_fields(schema, value, path, v4, errors):
    """Strict-decoding check: unknown fields and wrong shapes are errors."""
    if schema == ANY or value is None:
        return
    if schema == ARGS:
        if v4:
            ok = isinstance(value, list) and all(
                isinstance(a, dict) and set(a) <= {"name", "value"} and "name" in a for a in value)
            if not ok:
                errors.append(f'json: cannot unmarshal {_go_type(value)} into Go struct field '
                              f'{path} of type []v1beta4.Arg (kubeadm.k8s.io/v1beta4 wants a list '
                              f'of {{name, value}})')
        elif not isinstance(value, dict):
            errors.append(f'json: cannot unmarshal {_go_type(value)} into Go struct field {path} '
                          f'of type map[string]string (kubeadm.k8s.io/v1beta3 wants a map)')
        return
    if isinstance(schema, list):
        if not isinstance(value, list):
            errors.append(f"json: cannot unmarshal {_go_type(value)} into Go struct field {path} "
                          f"of type array")
            return
        for i, item in enumerate(value):
            check_fields(schema[0], item, f"{path}[{i}]", v4, errors)
        return
    if not isinstance(value, dict):
        errors.append(f"json: cannot unmarshal {_go_type(value)} into Go struct field {path} of "
                      f"type object")
        return
    for k, v in value.items():
        sub = f"{path}.{k}" if path else k
        if k not in schema:
            errors.append(f'strict decoding error: unknown field "{sub}"')
        else:
            check_fields(schema[k], v, sub, v4, errors)


KUBEADM_GROUP = "kubeadm.k8s.io"
KUBEADM_VERSIONS = ("v1beta3", "v1beta4")
OLD_KUBEADM_VERSIONS = {"v1alpha1": "v1.11", "v1alpha2": "v1.12", "v1alpha3": "v1.14",
                        "v1beta1": "v1.14", "v1beta2": "v1.22"}
KUBEADM_KINDS = {"InitConfiguration", "ClusterConfiguration", "JoinConfiguration",
                 "ResetConfiguration", "UpgradeConfiguration"}
COMPONENT_KINDS = {("kubelet.config.k8s.io/v1beta1", "KubeletConfiguration"),
                   ("kubeproxy.config.k8s.io/v1alpha1", "KubeProxyConfiguration")}
SEMVER_RE = re.compile(r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                       r"(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


def args_list(value):
    """extraArgs in either shape -> [(name, value)]."""
    if isinstance(value, dict):
        return [(str(k), "" if v is None else str(v)) for k, v in value.items()]
    return [(str(a["name"]), "" if a.get("value") is None else str(a["value"]))
            for a in value or []]


def merge_args(base, extra):
    """kubeadm's flag building: defaults overridden by extraArgs, sorted; returns ['--k=v']."""
    out = dict(base)
    dup = []
    seen = set()
    for k, v in extra:
        if k in seen:  # v1beta4 allows repeating a flag
            dup.append((k, v))
        else:
            out[k] = v
            seen.add(k)
    items = sorted(out.items()) + dup
    return [f"--{k}={v}" for k, v in items]


class KubeadmConfig:
    """The decoded documents of a kubeadm config file, with kubeadm's defaults applied."""

    def __init__(self, docs, path="<config>"):
        self.path = path
        self.docs = docs  # kind -> dict
        self.api_versions = {k: d.get("apiVersion") for k, d in docs.items()}

    # -- decoding ---------------------------------------------------------------------------
    @classmethod
    def load(cls, path, strict=False, allow_experimental=False):
        try:
            text = read_file(path)
        except FileNotFoundError:
            raise Fail(f'unable to read config from "{path}" : open {path}: no such file or '
                       f'directory')
        return cls.parse(text, path, strict, allow_experimental)

    @classmethod
    def parse(cls, text, path="<config>", strict=False, allow_experimental=False):
        """strict: `kubeadm config validate` (duplicate fields are errors, not warnings)."""
        try:
            raw = [d for d in yaml.safe_load_all(text) if d is not None]
        except yaml.YAMLError as e:
            raise Fail(f"error converting YAML to JSON: {e}")
        for dup in standin_validate.duplicate_fields(text):
            if strict:
                raise Fail(f'error decoding "{path}": strict decoding error: yaml: unmarshal '
                           f'errors:\n  {dup}')
            warn(f"[config] WARNING: strict decoding error: {dup}")
        docs, errors = {}, []
        for d in raw:
            if not isinstance(d, dict):
                raise Fail("invalid configuration: each YAML document must be an object")
            api, kind = d.get("apiVersion"), d.get("kind")
            if not api or not kind:
                raise Fail(f'invalid configuration for GroupVersionKind {api or ""}, '
                           f'Kind={kind or ""}: kind and apiVersion is mandatory information that '
                           f'must be specified')
            group, _, ver = str(api).rpartition("/")
            if group == KUBEADM_GROUP:
                if ver in OLD_KUBEADM_VERSIONS:
                    raise Fail(f'your configuration file uses an old API spec: "{api}" (kind: '
                               f'"{kind}"). Please use kubeadm {OLD_KUBEADM_VERSIONS[ver]} '
                               f'instead and run \'kubeadm config migrate --old-config old.yaml '
                               f'--new-config new.yaml\', which will write the new, similar spec '
                               f'using a newer API version.')
                matrix = standin_validate.check_api_version(api, kind, VERSION,
                                                            allow_experimental)
                if matrix:
                    raise Fail(matrix)
                if ver not in KUBEADM_VERSIONS or kind not in KUBEADM_KINDS:
                    raise Fail(f'no kind "{kind}" is registered for version "{api}" in scheme '
                               f'"k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31"')
                check_fields(kubeadm_schema(kind, ver == "v1beta4"), d, "", ver == "v1beta4",
                             errors)
            elif (api, kind) not in COMPONENT_KINDS:
                raise Fail(f'no kind "{kind}" is registered for version "{api}" (known: '
                           f'{KUBEADM_GROUP}/v1beta3|v1beta4 Init/Cluster/JoinConfiguration, '
                           f'kubelet.config.k8s.io/v1beta1 KubeletConfiguration, '
                           f'kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration)')
            if kind in docs:
                raise Fail(f"invalid configuration: kind {kind!r} is specified twice in YAML file")
            docs[kind] = d
        if errors:
            raise Fail(f'error decoding "{path}": ' + "; ".join(errors))
        return cls(docs, path)

    # -- accessors with kubeadm defaults ----------------------------------------------------
    def doc(self, kind):
        return self.docs.get(kind) or {}

    @property
    def init(self):
        return self.doc("InitConfiguration")

    @property
    def cluster(self):
        return self.doc("ClusterConfiguration")

    @property
    def join(self):
        return self.doc("JoinConfiguration")

    @property
    def kubelet(self):
        return self.doc("KubeletConfiguration")

    @property
    def kubeproxy(self):
        return self.doc("KubeProxyConfiguration")

    def kubernetes_version(self):
        v = str(self.cluster.get("kubernetesVersion") or VERSION)
        if not SEMVER_RE.match(v):
            raise Fail(f'couldn\'t parse Kubernetes version "{v}": could not parse "{v}" as '
                       f'version (kubernetesVersion must be a semantic version like v1.35.0; '
                       f'the stand-in is offline, so labels like "stable" are refused)')
        v = v if v.startswith("v") else "v" + v
        mine, want = semver_tuple(VERSION), semver_tuple(v)
        minimum = (mine[0], max(mine[1] - 1, 0), 0)
        if want < minimum:
            raise Fail(f"this version of kubeadm only supports deploying clusters with the "
                       f"control plane version >= v{minimum[0]}.{minimum[1]}.0. Current version: "
                       f"{v}")
        if want[:2] > mine[:2] and not getattr(self, "_warned", False):
            self._warned = True
            warn(f"[init] WARNING: Specified version to deploy ({v}) is greater than this "
                 f"version of kubeadm ({VERSION}); continuing")
        return v

    def cluster_name(self):
        return self.cluster.get("clusterName") or "kubernetes"

    def service_subnets(self):
        return [s.strip() for s in str(dig(self.cluster, "networking", "serviceSubnet",
                                           default="10.96.0.0/12")).split(",")]

    def pod_subnet(self):
        return dig(self.cluster, "networking", "podSubnet", default="") or ""

    def dns_domain(self):
        return dig(self.cluster, "networking", "dnsDomain", default="cluster.local")

    def control_plane_endpoint(self):
        return self.cluster.get("controlPlaneEndpoint") or ""

    def image_repository(self):
        return self.cluster.get("imageRepository") or "registry.k8s.io"

    def encryption_algorithm(self):
        return self.cluster.get("encryptionAlgorithm") or "RSA-2048"

    def component_args(self, component):
        if component == "etcd":
            return args_list(dig(self.cluster, "etcd", "local", "extraArgs"))
        return args_list(dig(self.cluster, component, "extraArgs"))

    def cert_sans(self):
        return [str(s) for s in dig(self.cluster, "apiServer", "certSANs", default=[]) or []]

    def skip_phases(self, kind):
        return set(self.doc(kind).get("skipPhases") or [])

    def wait_timeout(self, kind):
        t = dig(self.doc(kind), "timeouts", "controlPlaneComponentHealthCheck") or \
            dig(self.cluster, "apiServer", "timeoutForControlPlane")
        return parse_duration(t, WAIT_TIMEOUT) if t else WAIT_TIMEOUT


def semver_tuple(v):
    m = SEMVER_RE.match(v)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else (0, 0, 0)


def first_service_ip(cidr):
    net = ipaddress.ip_network(cidr, strict=False)
    return str(net.network_address + 1)


def node_registration(doc):
    nr = doc.get("nodeRegistration") or {}
    return {
        "name": (nr.get("name") or hostname()),
        "criSocket": nr.get("criSocket") or "unix:///var/run/containerd/containerd.sock",
        "taints": nr.get("taints"),
        "kubeletExtraArgs": args_list(nr.get("kubeletExtraArgs")),
    }


def validate_common(cfg, errors):
    for s in cfg.service_subnets():
        try:
            ipaddress.ip_network(s, strict=False)
        except ValueError:
            errors.append(f'networking.serviceSubnet: Invalid value: "{s}": couldn\'t parse subnet')
    if cfg.pod_subnet():
        for s in cfg.pod_subnet().split(","):
            try:
                ipaddress.ip_network(s.strip(), strict=False)
            except ValueError:
                errors.append(f'networking.podSubnet: Invalid value: "{s}": couldn\'t parse subnet')
    for i, san in enumerate(cfg.cert_sans()):
        if not (is_ip(san) or is_dns_subdomain(san.removeprefix("*."))):
            errors.append(f'apiServer.certSANs[{i}]: Invalid value: "{san}": altname is not a '
                          f'valid IP address, DNS label or a DNS label with subdomain wildcards')
    cpe = cfg.control_plane_endpoint()
    if cpe:
        try:
            host, port = split_host_port(cpe, 6443)
            if not (is_ip(host) or is_dns_subdomain(host)) or not 0 < port < 65536:
                raise Fail("bad")
        except Fail:
            errors.append(f'controlPlaneEndpoint: Invalid value: "{cpe}": must be a valid '
                          f'host[:port]')
    try:
        cfg.kubernetes_version()
    except Fail as e:
        errors.append(str(e))
    algo = cfg.encryption_algorithm()
    if algo not in ("RSA-2048", "RSA-3072", "RSA-4096", "ECDSA-P256", "ECDSA-P384"):
        errors.append(f'encryptionAlgorithm: Unsupported value: "{algo}"')


def validate_node_registration(nr, errors):
    if not is_dns_subdomain(nr["name"]):
        errors.append(f'nodeRegistration.name: Invalid value: "{nr["name"]}": a lowercase RFC '
                      f'1123 subdomain must consist of lower case alphanumeric characters, \'-\' '
                      f'or \'.\', and must start and end with an alphanumeric character')


def validate_endpoint(ep, path, errors):
    adv = (ep or {}).get("advertiseAddress")
    if adv and not is_ip(str(adv)):
        errors.append(f'{path}.advertiseAddress: Invalid value: "{adv}": cannot parse IP address')
    port = (ep or {}).get("bindPort", 6443)
    if not isinstance(port, int) or not 0 < port < 65536:
        errors.append(f'{path}.bindPort: Invalid value: {port!r}: port number is not valid')


def validate_init(cfg):
    errors = []
    validate_common(cfg, errors)
    for i, t in enumerate(cfg.init.get("bootstrapTokens") or []):
        if not TOKEN_RE.match(str(t.get("token", ""))):
            errors.append(f'bootstrapTokens[{i}].token: Invalid value: "{t.get("token", "")}": '
                          f'the bootstrap token is invalid (want ^[a-z0-9]{{6}}\\.[a-z0-9]{{16}}$)')
    validate_endpoint(cfg.init.get("localAPIEndpoint"), "localAPIEndpoint", errors)
    validate_node_registration(node_registration(cfg.init), errors)
    if errors:
        raise Fail("\n".join(errors))


def validate_join(cfg):
    errors = []
    j = cfg.join
    disc = j.get("discovery") or {}
    bt = disc.get("bootstrapToken")
    if not bt and not disc.get("file"):
        errors.append("discovery: Invalid value: \"\": bootstrapToken or file must be set")
    if bt:
        if not TOKEN_RE.match(str(bt.get("token", ""))):
            errors.append(f'discovery.bootstrapToken.token: Invalid value: "{bt.get("token", "")}"'
                          f': the bootstrap token is invalid')
        if not bt.get("apiServerEndpoint"):
            errors.append('discovery.bootstrapToken.apiServerEndpoint: Invalid value: "": '
                          'using token-based discovery without an apiServerEndpoint')
        hashes_ = bt.get("caCertHashes") or []
        for h in hashes_:
            if not re.match(r"^sha256:[0-9a-f]{64}$", str(h)):
                errors.append(f'discovery.bootstrapToken.caCertHashes: Invalid value: "{h}": '
                              f'invalid hash, expected "sha256:<64 hex digits>"')
        if not hashes_ and not bt.get("unsafeSkipCAVerification"):
            errors.append('discovery.bootstrapToken.caCertHashes: Invalid value: "": using '
                          'token-based discovery without caCertHashes can be unsafe. Set '
                          'unsafeSkipCAVerification as true in your kubeadm config file or pass '
                          '--discovery-token-unsafe-skip-ca-verification flag to continue')
    tls_token = disc.get("tlsBootstrapToken")
    if tls_token and not TOKEN_RE.match(str(tls_token)):
        errors.append(f'discovery.tlsBootstrapToken: Invalid value: "{tls_token}": the bootstrap '
                      f'token is invalid')
    if j.get("controlPlane") is not None:
        validate_endpoint(dig(j, "controlPlane", "localAPIEndpoint"),
                          "controlPlane.localAPIEndpoint", errors)
    validate_node_registration(node_registration(j), errors)
    if errors:
        raise Fail("\n".join(errors))


KUBELET_CONFIG_DEFAULTS = {
    "apiVersion": "kubelet.config.k8s.io/v1beta1",
    "kind": "KubeletConfiguration",
    "authentication": {"anonymous": {"enabled": False},
                       "webhook": {"cacheTTL": "0s", "enabled": True},
                       "x509": {"clientCAFile": "/etc/kubernetes/pki/ca.crt"}},
    "authorization": {"mode": "Webhook",
                      "webhook": {"cacheAuthorizedTTL": "0s", "cacheUnauthorizedTTL": "0s"}},
    "cgroupDriver": "systemd",
    "clusterDNS": ["10.96.0.10"],
    "clusterDomain": "cluster.local",
    "healthzBindAddress": "127.0.0.1",
    "healthzPort": 10248,
    "rotateCertificates": True,
    "staticPodPath": MANIFESTS,
}


def kubelet_config_for(cfg):
    """KubeletConfiguration as kubeadm writes it: its defaults + the user's document."""
    base = copy.deepcopy(KUBELET_CONFIG_DEFAULTS)
    svc = cfg.service_subnets()[0]
    net = ipaddress.ip_network(svc, strict=False)
    base["clusterDNS"] = [str(net.network_address + 10)]
    base["clusterDomain"] = cfg.dns_domain()
    return deep_merge(base, cfg.kubelet)


# ----------------------------------------------------------------------------------------------
# The API: resource registry, state store, authentication/authorization, REST handlers
# ----------------------------------------------------------------------------------------------

class Res:
    """One REST resource (what discovery reports)."""

    def __init__(self, group, version, plural, singular, kind, namespaced, short=()):
        self.group, self.version, self.plural, self.singular = group, version, plural, singular
        self.kind, self.namespaced, self.short = kind, namespaced, list(short)

    @property
    def gv(self):
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def display(self):  # kubectl's "kind.group" prefix, e.g. daemonset.apps
        return self.kind.lower() + ("." + self.group if self.group else "")


R = Res
BUILTIN_RESOURCES = [
    R("", "v1", "namespaces", "namespace", "Namespace", False, ["ns"]),
    R("", "v1", "nodes", "node", "Node", False, ["no"]),
    R("", "v1", "configmaps", "configmap", "ConfigMap", True, ["cm"]),
    R("", "v1", "secrets", "secret", "Secret", True),
    R("", "v1", "pods", "pod", "Pod", True, ["po"]),
    R("", "v1", "services", "service", "Service", True, ["svc"]),
    R("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", True, ["sa"]),
    R("", "v1", "endpoints", "endpoints", "Endpoints", True, ["ep"]),
    R("", "v1", "events", "event", "Event", True, ["ev"]),
    R("", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", False, ["pv"]),
    R("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", True,
      ["pvc"]),
    R("apps", "v1", "daemonsets", "daemonset", "DaemonSet", True, ["ds"]),
    R("apps", "v1", "deployments", "deployment", "Deployment", True, ["deploy"]),
    R("apps", "v1", "replicasets", "replicaset", "ReplicaSet", True, ["rs"]),
    R("apps", "v1", "statefulsets", "statefulset", "StatefulSet", True, ["sts"]),
    R("batch", "v1", "jobs", "job", "Job", True),
    R("batch", "v1", "cronjobs", "cronjob", "CronJob", True, ["cj"]),
    R("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", False),
    R("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding",
      "ClusterRoleBinding", False),
    R("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", True),
    R("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", True),
    R("storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", False, ["sc"]),
    R("storage.k8s.io", "v1", "csidrivers", "csidriver", "CSIDriver", False),
    R("certificates.k8s.io", "v1", "certificatesigningrequests", "certificatesigningrequest",
      "CertificateSigningRequest", False, ["csr"]),
    R("coordination.k8s.io", "v1", "leases", "lease", "Lease", True),
    R("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition",
      "CustomResourceDefinition", False, ["crd", "crds"]),
    R("networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy", True,
      ["netpol"]),
    R("networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", True, ["ing"]),
    R("networking.k8s.io", "v1", "ingressclasses", "ingressclass", "IngressClass", False),
    R("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", True),
    R("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", True,
      ["pdb"]),
    R("scheduling.k8s.io", "v1", "priorityclasses", "priorityclass", "PriorityClass", False,
      ["pc"]),
    R("node.k8s.io", "v1", "runtimeclasses", "runtimeclass", "RuntimeClass", False),
    R("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
      "validatingwebhookconfiguration", "ValidatingWebhookConfiguration", False),
    R("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations",
      "mutatingwebhookconfiguration", "MutatingWebhookConfiguration", False),
]
del R
STATUS_SUBRESOURCE = {"nodes", "pods", "namespaces", "daemonsets", "deployments", "replicasets",
                      "statefulsets", "certificatesigningrequests", "services", "jobs"}
ALL_CATEGORY = {"pods", "services", "daemonsets", "deployments", "replicasets", "statefulsets",
                "jobs", "cronjobs"}
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def crd_resources(crds):
    out = []
    for crd in crds:
        spec = crd.get("spec") or {}
        names = spec.get("names") or {}
        for v in spec.get("versions") or []:
            if v.get("served", True) and names.get("plural") and names.get("kind"):
                out.append(Res(spec.get("group", ""), v.get("name"), names["plural"],
                               names.get("singular") or names["kind"].lower(), names["kind"],
                               spec.get("scope") == "Namespaced", names.get("shortNames") or []))
    return out


class LocalStore:
    """Cluster state (the stand-in's "etcd"): one JSON file, rewritten atomically on change."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.RLock()
        try:
            data = json.loads(read_file(path))
        except FileNotFoundError:
            data = {}
        except ValueError as e:
            raise Fail(f"state file {path} is corrupt: {e}")
        self.rv = int(data.get("resourceVersion", 0))
        self.objects = data.get("objects", {})

    @staticmethod
    def key(group, plural, ns, name):
        return f"{group}/{plural}/{ns or ''}/{name}"

    def get(self, group, plural, ns, name):
        with self.lock:
            obj = self.objects.get(self.key(group, plural, ns, name))
            return copy.deepcopy(obj)

    def list(self, group, plural, ns=None):
        prefix = f"{group}/{plural}/"
        with self.lock:
            out = [copy.deepcopy(o) for k, o in self.objects.items() if k.startswith(prefix)
                   and (ns is None or k.split("/")[2] == ns)]
        return sorted(out, key=lambda o: (o["metadata"].get("namespace", ""),
                                          o["metadata"]["name"]))

    def put(self, group, plural, ns, name, obj):
        with self.lock:
            self.rv += 1
            obj["metadata"]["resourceVersion"] = str(self.rv)
            self.objects[self.key(group, plural, ns, name)] = copy.deepcopy(obj)
            self.save()
            return obj

    def delete(self, group, plural, ns, name):
        with self.lock:
            obj = self.objects.pop(self.key(group, plural, ns, name), None)
            if obj is not None:
                self.rv += 1
                self.save()
            return copy.deepcopy(obj)

    def save(self):
        # Atomic (rename) but not fsynced: heartbeats rewrite it often, and a container
        # restart keeps the page cache.
        write_file(self.path, json.dumps({"resourceVersion": self.rv, "objects": self.objects},
                                         separators=(",", ":")), 0o600, sync=False)


class User:
    def __init__(self, name, groups):
        self.name, self.groups = name, list(groups)

    @property
    def admin(self):
        return bool(ADMIN_GROUPS & set(self.groups))

    @property
    def node_name(self):
        if self.name.startswith("system:node:") and "system:nodes" in self.groups:
            return self.name[len("system:node:"):]
        return None


ANONYMOUS = User("system:anonymous", ["system:unauthenticated"])
PUBLIC_PATHS = {"/healthz", "/livez", "/readyz", "/version"}


def status_obj(code, reason, message, details=None):
    s = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
         "message": message, "reason": reason, "code": code}
    if details:
        s["details"] = details
    return s


def api_error(code, reason, message, details=None):
    return ApiError(code, status_obj(code, reason, message, details))


def not_found(res, name):
    plural = res.plural + ("." + res.group if res.group else "")
    return api_error(404, "NotFound", f'{plural} "{name}" not found',
                     {"name": name, "kind": res.plural, "group": res.group or None})


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws_detached(content, token_id, token_secret):
    """Detached HS256 JWS as the bootstrap signer puts in cluster-info (header..signature)."""
    header = b64url(json.dumps({"alg": "HS256", "kid": token_id}, separators=(",", ":")).encode())
    payload = b64url(content.encode())
    sig = hmac.new(token_secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}..{b64url(sig)}"


def parse_label_selector(sel):
    """'a=b,c!=d,e,!f,g in (x,y),h notin (z)' -> list of predicates over a labels dict."""
    preds = []
    for term in re.findall(r"[^,(]+(?:\([^)]*\))?", sel or ""):
        term = term.strip()
        if not term:
            continue
        m = re.match(r"^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$", term)
        if m:
            key, op, vals = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",")}
            if op == "in":
                preds.append(lambda l, k=key, v=vals: l.get(k) in v)
            else:
                preds.append(lambda l, k=key, v=vals: l.get(k) not in v)
        elif "!=" in term:
            k, v = (x.strip() for x in term.split("!=", 1))
            preds.append(lambda l, k=k, v=v: l.get(k) != v)
        elif "=" in term:
            k, v = (x.strip() for x in re.split(r"==?", term, 1))
            preds.append(lambda l, k=k, v=v: l.get(k) == v)
        elif term.startswith("!"):
            preds.append(lambda l, k=term[1:].strip(): k not in l)
        else:
            preds.append(lambda l, k=term: k in l)
    return preds


def field_value(obj, path):
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    return "" if cur is None else str(cur)


def matches_selectors(obj, labels_sel, fields_sel):
    labels = obj.get("metadata", {}).get("labels") or {}
    if not all(p(labels) for p in parse_label_selector(labels_sel)):
        return False
    for term in (fields_sel or "").split(","):
        term = term.strip()
        if not term:
            continue
        neg = "!=" in term
        k, v = (x.strip() for x in re.split(r"!=|==?", term, 1))
        if (field_value(obj, k) == v) == neg:
            return False
    return True


MERGE_KEYS = {"conditions": "type", "addresses": "type", "containers": "name",
              "initContainers": "name", "volumes": "name", "env": "name", "volumeMounts":
              "mountPath", "ports": "containerPort", "tolerations": "key"}


def merge_patch(target, patch, strategic=False):
    """RFC 7386 JSON merge patch; with strategic=True, lists with known merge keys merge by key."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if strategic and k.startswith("$"):
            continue  # $setElementOrder, $retainKeys, ... directives
        if v is None:
            out.pop(k, None)
        elif strategic and k in MERGE_KEYS and isinstance(v, list) and isinstance(out.get(k), list):
            mk = MERGE_KEYS[k]
            items = copy.deepcopy(out[k])
            for pv in v:
                if not isinstance(pv, dict) or mk not in pv:
                    items = copy.deepcopy(v)
                    break
                idx = next((i for i, it in enumerate(items)
                            if isinstance(it, dict) and it.get(mk) == pv[mk]), None)
                if pv.get("$patch") == "delete":
                    if idx is not None:
                        items.pop(idx)
                elif idx is None:
                    items.append(merge_patch({}, pv, True))
                else:
                    items[idx] = merge_patch(items[idx], pv, True)
            out[k] = items
        elif isinstance(v, dict):
            out[k] = merge_patch(out.get(k), v, strategic)
        else:
            out[k] = copy.deepcopy(v)
    return out


def three_way_patch(original, modified, current, path=""):
    """The strategic merge patch kubectl apply computes (k8s.io/apimachinery's
    strategicpatch.CreateThreeWayMergePatch, reduced to what the stand-in models): fields of
    `modified` that differ from `current`, nulls for fields the last apply set and this one drops,
    and `$patch: delete` entries for list items (by merge key) the last apply had. Status and
    server-owned metadata are never part of it."""
    original = original if isinstance(original, dict) else {}
    current = current if isinstance(current, dict) else {}
    patch = {}
    for k, v in modified.items():
        if not path and k == "status":
            continue
        if path == "metadata" and k not in ("labels", "annotations"):
            continue
        sub = f"{path}.{k}" if path else k
        if isinstance(v, dict) and isinstance(current.get(k), dict):
            d = three_way_patch(original.get(k), v, current[k], sub)
            if d:
                patch[k] = d
        elif k in MERGE_KEYS and isinstance(v, list) and isinstance(current.get(k), list) and \
                all(isinstance(i, dict) and MERGE_KEYS[k] in i for i in v):
            items = list_patch(MERGE_KEYS[k], original.get(k), v, current[k], sub)
            if items:
                patch[k] = items
        elif v != current.get(k):
            patch[k] = copy.deepcopy(v)
    for k in original:
        if k not in modified and k in current and not (not path and k == "status") and \
                not (path == "metadata" and k not in ("labels", "annotations")):
            patch[k] = None
    return patch


def list_patch(mk, original, modified, current, path):
    """A merge-keyed list's part of a three-way patch: changed items as patches of their own
    (named by their key), new items whole, items the last apply had and this one drops as
    `$patch: delete`."""
    by_key = lambda items: {i.get(mk): i for i in items or [] if isinstance(i, dict)}
    orig, cur = by_key(original), by_key(current)
    out = []
    for item in modified:
        key = item[mk]
        if key not in cur:
            out.append(copy.deepcopy(item))
            continue
        d = three_way_patch(orig.get(key), item, cur[key], path)
        if d:
            out.append({mk: key, **d})
    keep = {i[mk] for i in modified}
    out += [{mk: key, "$patch": "delete"} for key in orig if key not in keep and key in cur]
    return out


def strip_directives(obj):
    """A strategic merge patch without its `$` directives: what the strict decoder sees once
    the patch is applied (the directives never reach the object)."""
    if isinstance(obj, dict):
        return {k: strip_directives(v) for k, v in obj.items() if not k.startswith("$")}
    if isinstance(obj, list):
        return [strip_directives(v) for v in obj]
    return obj


def json_patch(target, ops):
    """RFC 6902 JSON patch (add/remove/replace/test/copy/move)."""
    doc = copy.deepcopy(target)

    def walk(path):
        parts = [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]
        parent = doc
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        return parent, parts[-1]

    for op in ops:
        try:
            kind = op["op"]
            if kind in ("copy", "move"):
                src_parent, src_key = walk(op["from"])
                val = src_parent[int(src_key)] if isinstance(src_parent, list) else src_parent[src_key]
                if kind == "move":
                    if isinstance(src_parent, list):
                        src_parent.pop(int(src_key))
                    else:
                        del src_parent[src_key]
                op = {"op": "add", "path": op["path"], "value": copy.deepcopy(val)}
                kind = "add"
            parent, key = walk(op["path"])
            if isinstance(parent, list):
                idx = len(parent) if key == "-" else int(key)
                if kind == "add":
                    parent.insert(idx, op["value"])
                elif kind == "remove":
                    parent.pop(idx)
                elif kind == "replace":
                    parent[idx] = op["value"]
                elif kind == "test" and parent[idx] != op["value"]:
                    raise ValueError("test failed")
            else:
                if kind in ("add", "replace"):
                    if kind == "replace" and key not in parent:
                        raise KeyError(key)
                    parent[key] = op["value"]
                elif kind == "remove":
                    del parent[key]
                elif kind == "test" and parent.get(key) != op["value"]:
                    raise ValueError("test failed")
        except (KeyError, IndexError, ValueError, TypeError) as e:
            raise api_error(422, "Invalid", f"the server rejected our request due to an error in "
                                            f"our request: json patch {op.get('op')} "
                                            f"{op.get('path')}: {e}")
    return doc


class Request:
    def __init__(self, method, path, query, headers, body, user):
        self.method, self.path, self.query, self.headers = method, path, query, headers
        self.body, self.user = body, user

    def q(self, name, default=None):
        v = self.query.get(name)
        return v[0] if v else default

    def json_body(self):
        try:
            ctype = self.headers.get("Content-Type", "")
            if "yaml" in ctype:
                return yaml.safe_load(self.body or b"{}")
            return json.loads(self.body or b"{}")
        except ValueError as e:
            raise api_error(400, "BadRequest", f"the body of the request was in an unknown "
                                               f"format: {e}")


class Api:
    """REST semantics over a LocalStore; used by the API-server thread that owns the state."""

    def __init__(self, store, version, endpoint, service_cidrs=(), signer=None, node_cidr=None):
        self.store = store
        self.version = version
        self.endpoint = endpoint  # "ip:port" this apiserver advertises
        self.service_cidrs = list(service_cidrs)
        self.signer = signer  # (cert_path, key_path) of the CSR signing CA, or None
        self.node_cidr = node_cidr  # ([cluster cidrs], mask) when --allocate-node-cidrs
        self.sa_key = standin_auth.signing_key(P(standin_auth.sa_key_path(PKI)))
        self.bootstrap_objects()

    # -- registry --------------------------------------------------------------------------
    def resources(self):
        return BUILTIN_RESOURCES + crd_resources(
            self.store.list("apiextensions.k8s.io", "customresourcedefinitions"))

    def find(self, group, version, plural):
        for r in self.resources():
            if r.group == group and r.version == version and r.plural == plural:
                return r
        return None

    def bootstrap_objects(self):
        """What a fresh kube-apiserver creates: system namespaces and the kubernetes Service."""
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            if not self.store.get("", "namespaces", None, ns):
                self.create_obj(self.find("", "v1", "namespaces"), None,
                                {"metadata": {"name": ns}}, None)
        if self.service_cidrs and not self.store.get("", "services", "default", "kubernetes"):
            host, port = split_host_port(self.endpoint, 6443)
            self.create_obj(self.find("", "v1", "services"), "default", {
                "metadata": {"name": "kubernetes", "labels": {
                    "component": "apiserver", "provider": "kubernetes"}},
                "spec": {"clusterIP": first_service_ip(self.service_cidrs[0]), "type": "ClusterIP",
                         "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                    "targetPort": port}]}}, None)

    # -- authentication --------------------------------------------------------------------
    def token_user(self, token):
        sa = standin_auth.token_identity(self.store, self.sa_key, token)
        if sa:
            return User(*sa)
        m = TOKEN_RE.match(token)
        if not m:
            return None
        secret = self.store.get("", "secrets", "kube-system", "bootstrap-token-" + m.group(1))
        if not secret or secret.get("type") != "bootstrap.kubernetes.io/token":
            return None
        data = {k: unb64(v).decode() for k, v in (secret.get("data") or {}).items()}
        if data.get("token-secret") != m.group(2) or \
                data.get("usage-bootstrap-authentication") != "true":
            return None
        if data.get("expiration") and parse_ts(data["expiration"]) < time.time():
            return None
        extra = [g for g in data.get("auth-extra-groups", "").split(",") if g]
        return User("system:bootstrap:" + m.group(1),
                    ["system:bootstrappers"] + extra + ["system:authenticated"])

    # -- authorization (RBAC + Node authorizer + NodeRestriction, simplified) --------------
    def authorize(self, user, verb, res, sub, ns, name, obj=None):
        if user.admin:
            return
        reads = verb in ("get", "list", "watch")
        node = user.node_name
        allowed = False
        if res.plural == "configmaps" and ns == "kube-public" and name == "cluster-info" and \
                verb == "get":
            allowed = True  # system:public-info-viewer style anonymous access
        elif node:
            if reads:
                allowed = res.plural != "secrets"
            elif res.plural == "nodes":
                allowed = name == node or (verb == "create" and dig(obj, "metadata", "name") == node)
            elif res.plural == "pods":
                allowed = dig(obj, "spec", "nodeName") == node
            elif res.plural == "leases":
                allowed = ns == "kube-node-lease" and (name or dig(obj, "metadata", "name")) == node
            elif res.plural in ("certificatesigningrequests", "events"):
                allowed = verb in ("create", "patch", "update")
        elif "system:bootstrappers" in user.groups:
            if res.plural == "certificatesigningrequests":
                allowed = verb in ("create", "get", "list", "watch")
            elif res.plural == "configmaps" and ns == "kube-system" and verb == "get":
                allowed = name in ("kubeadm-config", "kubelet-config", "kube-proxy")
            elif res.plural == "nodes":
                allowed = verb == "get"
        if not allowed:  # RBAC, as the real chain asks it after the Node authorizer
            allowed = standin_auth.allows(self.store, user.name, user.groups, verb, res.group,
                                          res.plural, sub, ns, name)
        if not allowed:
            what = f'{res.plural}{"." + res.group if res.group else ""}'
            target = f'{what} "{name}"' if name else what
            scope = f'in the namespace "{ns}"' if ns else "at the cluster scope"
            resource = res.plural + ("/" + sub if sub else "")
            raise api_error(403, "Forbidden", f'{target} is forbidden: User "{user.name}" cannot '
                                              f'{verb} resource "{resource}" in API group '
                                              f'"{res.group}" {scope}',
                            {"name": name, "kind": res.plural, "group": res.group})

    # -- views computed on read (what controllers would maintain) --------------------------
    def view(self, res, obj):
        if res.plural == "nodes":
            return self.node_view(obj)
        if res.plural == "configmaps" and obj["metadata"].get("namespace") == "kube-public" and \
                obj["metadata"]["name"] == "cluster-info":
            return self.cluster_info_view(obj)
        return obj

    def node_view(self, node):
        """Node lifecycle controller: stale heartbeats turn every condition Unknown."""
        conds = dig(node, "status", "conditions", default=[]) or []
        ready = next((c for c in conds if c.get("type") == "Ready"), None)
        if not ready or ready.get("status") == "Unknown":
            return node
        last = parse_ts(ready.get("lastHeartbeatTime"))
        if time.time() - last <= NODE_GRACE_SECONDS:
            return node
        since = datetime.datetime.fromtimestamp(last + NODE_GRACE_SECONDS, datetime.timezone.utc)
        for c in conds:
            c.update(status="Unknown", reason="NodeStatusUnknown",
                     message="Kubelet stopped posting node status.",
                     lastTransitionTime=since.strftime("%Y-%m-%dT%H:%M:%SZ"))
        return node

    def cluster_info_view(self, cm):
        """Bootstrap signer: a JWS of the kubeconfig for each signing token."""
        data = cm.setdefault("data", {})
        for k in [k for k in data if k.startswith("jws-kubeconfig-")]:
            del data[k]
        for s in self.store.list("", "secrets", "kube-system"):
            if s.get("type") != "bootstrap.kubernetes.io/token":
                continue
            d = {k: unb64(v).decode() for k, v in (s.get("data") or {}).items()}
            if d.get("usage-bootstrap-signing") != "true" or (
                    d.get("expiration") and parse_ts(d["expiration"]) < time.time()):
                continue
            data["jws-kubeconfig-" + d["token-id"]] = jws_detached(
                data.get("kubeconfig", ""), d["token-id"], d["token-secret"])
        return cm

    # -- object lifecycle ------------------------------------------------------------------
    def create_obj(self, res, ns, obj, user):
        if not isinstance(obj, dict):
            raise api_error(400, "BadRequest", "the request body must be an object")
        meta = obj.setdefault("metadata", {})
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + "".join(
                random.choice(string.ascii_lowercase + string.digits) for _ in range(5))
        name = meta.get("name")
        if not name:
            raise api_error(422, "Invalid", f"{res.kind} in version \"{res.version}\" cannot be "
                                            f"handled as a {res.kind}: name or generateName is "
                                            f"required", {"kind": res.kind})
        if res.namespaced:
            meta["namespace"] = ns
            namespace = self.store.get("", "namespaces", None, ns)
            if not namespace:
                raise api_error(404, "NotFound", f'namespaces "{ns}" not found',
                                {"name": ns, "kind": "namespaces"})
            if res.plural == "pods":
                denied = standin_podsecurity.admit_pod(namespace["metadata"].get("labels"), obj)
                if denied:
                    raise api_error(403, "Forbidden", f'pods "{name}" is forbidden: {denied}',
                                    {"name": name, "kind": "pods"})
        else:
            meta.pop("namespace", None)
        if self.store.get(res.group, res.plural, ns, name):
            what = res.plural + ("." + res.group if res.group else "")
            raise api_error(409, "AlreadyExists", f'{what} "{name}" already exists',
                            {"name": name, "group": res.group, "kind": res.plural})
        obj["apiVersion"], obj["kind"] = res.gv, res.kind
        meta.update(uid=str(uuid.uuid4()), creationTimestamp=now_ts())
        meta.pop("resourceVersion", None)
        self.on_create(res, obj, user)
        return self.store.put(res.group, res.plural, ns, name, obj)

    def on_create(self, res, obj, user):
        if res.plural == "namespaces":
            obj.setdefault("spec", {"finalizers": ["kubernetes"]})
            obj["status"] = {"phase": "Active"}
            obj["metadata"].setdefault("labels", {})[
                "kubernetes.io/metadata.name"] = obj["metadata"]["name"]
        elif res.plural == "nodes":
            self.allocate_pod_cidrs(obj)
        elif res.plural == "services":
            self.allocate_cluster_ip(obj)
        elif res.plural == "certificatesigningrequests":
            spec = obj.setdefault("spec", {})
            if user:
                spec.update(username=user.name, groups=user.groups)
            self.approve_and_sign(obj, user)

    def allocate_pod_cidrs(self, node):
        spec = node.setdefault("spec", {})
        if not self.node_cidr or spec.get("podCIDR"):
            return
        cidrs, masks = self.node_cidr
        used = {c for n in self.store.list("", "nodes")
                for c in dig(n, "spec", "podCIDRs", default=[]) or []}
        chosen = []
        for cidr, mask in zip(cidrs, masks):
            net = ipaddress.ip_network(cidr, strict=False)
            if mask < net.prefixlen:
                continue
            for sub in net.subnets(new_prefix=mask):
                if str(sub) not in used:
                    chosen.append(str(sub))
                    break
        if chosen:
            spec["podCIDR"], spec["podCIDRs"] = chosen[0], chosen

    def allocate_cluster_ip(self, svc):
        spec = svc.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        if spec.get("clusterIP") or spec["type"] == "ExternalName" or not self.service_cidrs:
            return
        used = {dig(s, "spec", "clusterIP") for s in self.store.list("", "services")}
        net = ipaddress.ip_network(self.service_cidrs[0], strict=False)
        for i, ip in enumerate(net.hosts()):
            if i >= 10 and str(ip) not in used:  # keep .1 (kubernetes) and .10 (dns) apart
                spec["clusterIP"] = str(ip)
                spec["clusterIPs"] = [str(ip)]
                return

    def approve_and_sign(self, csr, user):
        """csrapproving + csrsigning controllers, for kubelet client certificates."""
        spec, status = csr["spec"], csr.setdefault("status", {})
        try:
            req = x509.load_pem_x509_csr(unb64(spec.get("request", "")))
        except ValueError:
            raise api_error(422, "Invalid", "spec.request: Invalid value: []byte{...}: "
                                            "PEM block type must be CERTIFICATE REQUEST")
        cn, orgs = cert_subject(req)
        requester = user or ANONYMOUS
        if spec.get("signerName") == "kubernetes.io/kube-apiserver-client-kubelet" and \
                orgs == ["system:nodes"] and cn.startswith("system:node:") and \
                ("system:bootstrappers" in requester.groups or requester.name == cn):
            status["conditions"] = [{"type": "Approved", "status": "True",
                                     "reason": "AutoApproved",
                                     "message": "Auto approving kubelet client certificate "
                                                "after SubjectAccessReview.",
                                     "lastUpdateTime": now_ts(), "lastTransitionTime": now_ts()}]
        approved = any(c.get("type") == "Approved" and c.get("status") == "True"
                       for c in status.get("conditions") or [])
        if approved and not status.get("certificate") and self.signer:
            try:
                ca_cert = load_cert(read_file(self.signer[0], True))
                ca_key = load_key(read_file(self.signer[1], True))
            except (OSError, ValueError) as e:
                log_error(f"CSR signer unavailable: {e}")
                return
            cert = sign_cert(ca_cert, ca_key, req.public_key(), cn, orgs, client=True)
            status["certificate"] = b64(cert_pem(cert))

    def update_obj(self, res, ns, name, new, sub, old=None):
        old = old or self.store.get(res.group, res.plural, ns, name)
        if not old:
            raise not_found(res, name)
        rv = dig(new, "metadata", "resourceVersion")
        if rv and rv != old["metadata"].get("resourceVersion"):
            what = res.plural + ("." + res.group if res.group else "")
            raise api_error(409, "Conflict", f'Operation cannot be fulfilled on {what} "{name}": '
                                             f'the object has been modified; please apply your '
                                             f'changes to the latest version and try again')
        if sub == "status":
            merged = copy.deepcopy(old)
            merged["status"] = new.get("status", {})
        elif sub == "approval":
            merged = copy.deepcopy(old)
            merged.setdefault("status", {})["conditions"] = dig(new, "status", "conditions") or []
            self.approve_and_sign(merged, None)
        else:
            merged = copy.deepcopy(new)
            if res.plural in STATUS_SUBRESOURCE and "status" in old:
                merged["status"] = old["status"]
        meta = merged.setdefault("metadata", {})
        for k in ("uid", "creationTimestamp", "name"):
            meta[k] = old["metadata"][k]
        if res.namespaced:
            meta["namespace"] = ns
        merged["apiVersion"], merged["kind"] = res.gv, res.kind
        return self.store.put(res.group, res.plural, ns, name, merged)

    def delete_obj(self, res, ns, name):
        obj = self.store.delete(res.group, res.plural, ns, name)
        if obj is None:
            raise not_found(res, name)
        if res.plural == "namespaces":  # namespace controller: delete the contents
            for r in self.resources():
                if r.namespaced:
                    for o in self.store.list(r.group, r.plural, name):
                        self.store.delete(r.group, r.plural, name, o["metadata"]["name"])
        return obj

    # -- request entry point ---------------------------------------------------------------
    def serve(self, req):
        """Returns (code, content_type, body_bytes) or ("watch", generator)."""
        path = req.path.rstrip("/") or "/"
        if path in ("/healthz", "/livez", "/readyz") or path.startswith(("/livez/", "/readyz/",
                                                                          "/healthz/")):
            return self.health(path, req)
        if path == "/version":
            return 200, "application/json", json.dumps(version_info(self.version)).encode()
        if req.user is ANONYMOUS and not self.resource_path(path):
            raise api_error(403, "Forbidden", f'forbidden: User "system:anonymous" cannot get '
                                              f'path "{path}"')
        if path in ("/api", "/apis") or re.match(r"^/api/v1$|^/apis/[^/]+(/[^/]+)?$", path):
            return self.discovery(path, req)
        if path.startswith("/openapi/v3"):
            return self.openapi_v3(path)
        parsed = self.resource_path(path)
        if not parsed:
            raise api_error(404, "NotFound", "the server could not find the requested resource")
        return self.resource(req, *parsed)

    def health(self, path, req):
        if req.q("verbose") is not None:
            checks = ["ping", "log", "etcd", "poststarthook/start-apiserver-admission-initializer",
                      "poststarthook/bootstrap-controller"]
            text = "".join(f"[+]{c} ok\n" for c in checks) + path.strip("/").split("/")[0] + \
                " check passed\n"
            return 200, "text/plain; charset=utf-8", text.encode()
        return 200, "text/plain; charset=utf-8", b"ok"

    def discovery(self, path, req):
        # Aggregated discovery (apidiscovery.k8s.io) is not offered: reply legacy JSON with a
        # plain application/json Content-Type, which makes clients fall back.
        res = self.resources()
        if path == "/api":
            out = {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": self.endpoint}]}
        elif path == "/apis":
            groups = {}
            for r in res:
                if r.group:
                    groups.setdefault(r.group, [])
                    if r.version not in groups[r.group]:
                        groups[r.group].append(r.version)
            out = {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
                 "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]}}
                for g, vs in groups.items()]}
        else:
            parts = path.strip("/").split("/")
            if parts[0] == "apis" and len(parts) == 2:
                vs = [r.version for r in res if r.group == parts[1]]
                if not vs:
                    raise api_error(404, "NotFound", "the server could not find the requested "
                                                     "resource")
                vs = list(dict.fromkeys(vs))
                out = {"kind": "APIGroup", "apiVersion": "v1", "name": parts[1],
                       "versions": [{"groupVersion": f"{parts[1]}/{v}", "version": v} for v in vs],
                       "preferredVersion": {"groupVersion": f"{parts[1]}/{vs[0]}",
                                            "version": vs[0]}}
            else:
                group, version = ("", "v1") if parts[0] == "api" else (parts[1], parts[2])
                items = [r for r in res if r.group == group and r.version == version]
                if not items:
                    raise api_error(404, "NotFound", "the server could not find the requested "
                                                     "resource")
                resources = []
                for r in items:
                    entry = {"name": r.plural, "singularName": r.singular,
                             "namespaced": r.namespaced, "kind": r.kind, "verbs": VERBS}
                    if r.short:
                        entry["shortNames"] = r.short
                    if r.plural in ALL_CATEGORY:
                        entry["categories"] = ["all"]
                    resources.append(entry)
                    if r.plural in STATUS_SUBRESOURCE:
                        resources.append({"name": r.plural + "/status", "singularName": "",
                                          "namespaced": r.namespaced, "kind": r.kind,
                                          "verbs": ["get", "patch", "update"]})
                out = {"kind": "APIResourceList", "apiVersion": "v1",
                       "groupVersion": f"{group}/{version}" if group else version,
                       "resources": resources}
        return 200, "application/json", json.dumps(out).encode()

    def openapi_v3(self, path):
        """Just enough OpenAPI v3 for kubectl: every PATCH accepts ?fieldValidation, so kubectl
        validates on the server (which here is lenient) and needs no schemas. No /openapi/v2."""
        gvs = {r.gv: r for r in self.resources()}
        if path == "/openapi/v3":
            out = {"paths": {("api/" if "/" not in gv else "apis/") + gv: {
                "serverRelativeURL": f"/openapi/v3/{'api' if '/' not in gv else 'apis'}/{gv}"
                                     f"?hash={self.version}"} for gv in gvs}}
            return 200, "application/json", json.dumps(out).encode()
        gv = re.sub(r"^/openapi/v3/apis?/", "", path)
        if gv not in gvs:
            raise api_error(404, "NotFound", "the server could not find the requested resource")
        paths = {}
        for r in self.resources():
            if r.gv != gv:
                continue
            base = f"/apis/{r.gv}" if r.group else "/api/v1"
            scope = "/namespaces/{namespace}" if r.namespaced else ""
            paths[f"{base}{scope}/{r.plural}/{{name}}"] = {"patch": {
                "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version,
                                                    "kind": r.kind},
                "parameters": [{"name": "fieldValidation", "in": "query",
                                "schema": {"type": "string", "uniqueItems": True}}],
                "responses": {"200": {"description": "OK"}}}}
        out = {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": self.version},
               "paths": paths, "components": {"schemas": {}}}
        return 200, "application/json", json.dumps(out).encode()

    @staticmethod
    def resource_path(path):
        parts = path.strip("/").split("/")
        if parts[0] == "api" and len(parts) >= 3 and parts[1] == "v1":
            group, version, rest = "", "v1", parts[2:]
        elif parts[0] == "apis" and len(parts) >= 4:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            return None
        ns = None
        if rest[0] == "namespaces" and len(rest) >= 3 and not (
                len(rest) == 3 and rest[2] in ("status", "finalize")):
            ns, rest = rest[1], rest[2:]
        plural = rest[0]
        name = rest[1] if len(rest) > 1 else None
        sub = "/".join(rest[2:]) or None
        return group, version, plural, ns, name, sub

    def resource(self, req, group, version, plural, ns, name, sub):
        res = self.find(group, version, plural)
        if res is None or (ns and not res.namespaced):
            raise api_error(404, "NotFound", "the server could not find the requested resource")
        m = req.method
        if res.plural == "serviceaccounts" and sub == "token" and m == "POST" and name:
            self.authorize(req.user, "create", res, sub, ns, name)
            reply = standin_auth.token_request(self.store, self.sa_key, ns, name,
                                               req.json_body(), api_error)
            return 201, "application/json", json.dumps(reply).encode()
        verb = {"GET": "get" if name else ("watch" if req.q("watch") in ("1", "true") else
                                           "list"),
                "POST": "create", "PUT": "update", "PATCH": "patch",
                "DELETE": "delete" if name else "deletecollection"}.get(m)
        if verb is None or (verb == "create" and name) or \
                (verb in ("update", "patch") and not name):
            raise api_error(405, "MethodNotAllowed", "the server does not allow this method on "
                                                     "the requested resource")
        if res.namespaced and not ns and verb not in ("list", "watch"):
            raise api_error(404, "NotFound", "the server could not find the requested resource")
        user = req.user
        if verb in ("get", "list", "watch"):
            self.authorize(user, verb, res, sub, ns, name)
            if name:
                obj = self.store.get(res.group, res.plural, ns, name)
                if not obj:
                    raise not_found(res, name)
                return self.respond(req, res, self.view(res, obj), single=True)
            objs = [self.view(res, o) for o in self.store.list(res.group, res.plural, ns)
                    if matches_selectors(o, req.q("labelSelector"), req.q("fieldSelector"))]
            if verb == "watch":
                events = self.watch(req, res, ns)
                if "as=Table" in req.headers.get("Accept", ""):
                    events = ({"type": ev["type"], "object": self.table(
                        res, [ev["object"]], req.q("includeObject", "Metadata"))} for ev in events)
                return "watch", events
            return self.respond(req, res, objs, single=False)
        if verb in ("create", "update") or (verb == "patch" and sub is None):
            body = req.json_body()
            if verb == "patch" and "strategic" in req.headers.get("Content-Type", ""):
                body = strip_directives(body)
            strict = req.q("fieldValidation") == "Strict" and \
                standin_schema.strict_error(res.kind, res.version, body)
            if strict:  # checked on what the client sent, as the real decoder does
                raise api_error(400, "BadRequest", strict)
        if verb == "create":
            obj = req.json_body()
            self.authorize(user, verb, res, sub, ns, None, obj)
            return 201, "application/json", json.dumps(self.create_obj(res, ns, obj, user)).encode()
        if verb == "deletecollection":
            self.authorize(user, verb, res, sub, ns, None)
            for o in self.store.list(res.group, res.plural, ns):
                if matches_selectors(o, req.q("labelSelector"), req.q("fieldSelector")):
                    self.delete_obj(res, o["metadata"].get("namespace"), o["metadata"]["name"])
            return 200, "application/json", json.dumps(
                {"kind": "Status", "apiVersion": "v1", "status": "Success"}).encode()
        # One write at a time from read to store, as the API server's GuaranteedUpdate
        # compares and swaps: a write never lands on an object that changed under it.
        with self.store.lock:
            return self.write_one(req, res, verb, sub, ns, name, user)

    def write_one(self, req, res, verb, sub, ns, name, user):
        old = self.store.get(res.group, res.plural, ns, name)
        if verb == "delete":
            self.authorize(user, verb, res, sub, ns, name, old)
            self.delete_obj(res, ns, name)
            return 200, "application/json", json.dumps({
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "details": {"name": name, "group": res.group, "kind": res.plural,
                            "uid": old["metadata"]["uid"]}}).encode()
        if verb == "update":
            obj = req.json_body()
            self.authorize(user, verb, res, sub, ns, name, obj if old is None else old)
            return 200, "application/json", json.dumps(
                self.update_obj(res, ns, name, obj, sub, old)).encode()
        # patch
        ctype = req.headers.get("Content-Type", "").split(";")[0].strip()
        patch = req.json_body()
        if old is None:
            if ctype == "application/apply-patch+yaml":  # server-side apply may create
                self.authorize(user, "create", res, sub, ns, name, patch)
                patch.setdefault("metadata", {})["name"] = name
                return 201, "application/json", json.dumps(
                    self.create_obj(res, ns, patch, user)).encode()
            # Authorization comes before the handler: a caller who may not patch is refused
            # (403) whether or not the object exists.
            self.authorize(user, verb, res, sub, ns, name, patch)
            raise not_found(res, name)
        self.authorize(user, verb, res, sub, ns, name, old)
        if ctype == "application/json-patch+json":
            new = json_patch(old, patch)
        else:
            new = merge_patch(old, patch, strategic=ctype != "application/merge-patch+json")
        # A resourceVersion in the patch is a precondition (409 when stale); without one the
        # patch applies to the latest object, which is what merge_patch kept from `old`.
        new.setdefault("metadata", {}).setdefault("resourceVersion",
                                                  old["metadata"]["resourceVersion"])
        if sub is None and res.plural in STATUS_SUBRESOURCE and "status" in old:
            new["status"] = old["status"]
        merged = self.update_obj(res, ns, name, new, sub if sub in ("status",) else None, old)
        return 200, "application/json", json.dumps(merged).encode()

    def respond(self, req, res, objs, single):
        accept = req.headers.get("Accept", "")
        if "as=Table" in accept:
            table = self.table(res, [objs] if single else objs, req.q("includeObject", "Metadata"))
            return 200, "application/json", json.dumps(table).encode()
        if single:
            return 200, "application/json", json.dumps(objs).encode()
        out = {"kind": res.kind + "List", "apiVersion": res.gv,
               "metadata": {"resourceVersion": str(self.store.rv)}, "items": objs}
        return 200, "application/json", json.dumps(out).encode()

    def watch(self, req, res, ns):
        """A polling watch: ADDED for current objects (unless resourceVersion is given), then
        MODIFIED/ADDED/DELETED as they change, until timeoutSeconds."""
        timeout = min(float(req.q("timeoutSeconds", "60")), 600)
        since = int(req.q("resourceVersion") or 0)
        deadline = time.time() + timeout
        seen = {}

        def snapshot():
            return {(o["metadata"].get("namespace"), o["metadata"]["name"]): self.view(res, o)
                    for o in self.store.list(res.group, res.plural, ns)
                    if matches_selectors(o, req.q("labelSelector"), req.q("fieldSelector"))}

        first = True
        while time.time() < deadline:
            cur = snapshot()
            for k, o in cur.items():
                blob = json.dumps(o, sort_keys=True)
                if k not in seen:
                    if not first or since == 0 or int(o["metadata"]["resourceVersion"]) > since:
                        yield {"type": "ADDED", "object": o}
                elif seen[k] != blob:
                    yield {"type": "MODIFIED", "object": o}
                seen[k] = blob
            for k in [k for k in seen if k not in cur]:
                gone = json.loads(seen.pop(k))
                yield {"type": "DELETED", "object": gone}
            first = False
            time.sleep(0.25)

    # -- server-side printing (meta.k8s.io/v1 Table) ----------------------------------------
    def table(self, res, objs, include):
        cols, row = TABLE_PRINTERS.get(res.plural, TABLE_PRINTERS[None])
        rows = []
        for o in objs:
            r = {"cells": row(o)}
            if include == "Object":
                r["object"] = o
            elif include != "None":
                r["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                               "metadata": o.get("metadata", {})}
            rows.append(r)
        return {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
                "metadata": {"resourceVersion": str(self.store.rv)},
                "columnDefinitions": [{"name": n, "type": t, "format": f, "description": n,
                                       "priority": p} for n, t, f, p in cols],
                "rows": rows}


def age_of(o):
    return human_duration(time.time() - parse_ts(o["metadata"].get("creationTimestamp")))


def node_status_string(n):
    ready = next((c for c in dig(n, "status", "conditions", default=[]) or []
                  if c.get("type") == "Ready"), None)
    s = {"True": "Ready", "False": "NotReady"}.get((ready or {}).get("status"), "Unknown")
    return s + (",SchedulingDisabled" if dig(n, "spec", "unschedulable") else "")


def node_roles(n):
    roles = sorted(k.split("/", 1)[1] for k in (n["metadata"].get("labels") or {})
                   if k.startswith("node-role.kubernetes.io/") and k.split("/", 1)[1])
    role = (n["metadata"].get("labels") or {}).get("kubernetes.io/role")
    if role:
        roles.append(role)
    return ",".join(roles) or "<none>"


def node_row(n):
    addrs = dig(n, "status", "addresses", default=[]) or []
    ip = lambda t: next((a["address"] for a in addrs if a.get("type") == t), "<none>")
    info = dig(n, "status", "nodeInfo", default={}) or {}
    return [n["metadata"]["name"], node_status_string(n), node_roles(n), age_of(n),
            info.get("kubeletVersion", ""), ip("InternalIP"), ip("ExternalIP"),
            info.get("osImage", "<unknown>"), info.get("kernelVersion", "<unknown>"),
            info.get("containerRuntimeVersion", "<unknown>")]


def pod_row(p):
    statuses = dig(p, "status", "containerStatuses", default=[]) or []
    total = len(dig(p, "spec", "containers", default=[]) or []) or len(statuses)
    ready = sum(1 for s in statuses if s.get("ready"))
    restarts = sum(int(s.get("restartCount", 0)) for s in statuses)
    return [p["metadata"]["name"], f"{ready}/{total}", dig(p, "status", "phase", default="Pending"),
            restarts, age_of(p), dig(p, "status", "podIP", default="<none>"),
            dig(p, "spec", "nodeName", default="<none>"), "<none>", "<none>"]


def service_row(s):
    spec = s.get("spec") or {}
    ports = ",".join(f'{p.get("port")}/{p.get("protocol", "TCP")}' for p in spec.get("ports") or [])
    sel = ",".join(f"{k}={v}" for k, v in (spec.get("selector") or {}).items()) or "<none>"
    return [s["metadata"]["name"], spec.get("type", "ClusterIP"), spec.get("clusterIP", "<none>"),
            "<none>", ports or "<none>", age_of(s), sel]


S = "string"
TABLE_PRINTERS = {
    "nodes": ([("Name", S, "name", 0), ("Status", S, "", 0), ("Roles", S, "", 0),
               ("Age", S, "", 0), ("Version", S, "", 0), ("Internal-IP", S, "", 1),
               ("External-IP", S, "", 1), ("OS-Image", S, "", 1), ("Kernel-Version", S, "", 1),
               ("Container-Runtime", S, "", 1)], node_row),
    "pods": ([("Name", S, "name", 0), ("Ready", S, "", 0), ("Status", S, "", 0),
              ("Restarts", "string", "", 0), ("Age", S, "", 0), ("IP", S, "", 1),
              ("Node", S, "", 1), ("Nominated Node", S, "", 1), ("Readiness Gates", S, "", 1)],
             pod_row),
    "namespaces": ([("Name", S, "name", 0), ("Status", S, "", 0), ("Age", S, "", 0)],
                   lambda o: [o["metadata"]["name"], dig(o, "status", "phase", default="Active"),
                              age_of(o)]),
    "configmaps": ([("Name", S, "name", 0), ("Data", "integer", "", 0), ("Age", S, "", 0)],
                   lambda o: [o["metadata"]["name"],
                              len(o.get("data") or {}) + len(o.get("binaryData") or {}),
                              age_of(o)]),
    "secrets": ([("Name", S, "name", 0), ("Type", S, "", 0), ("Data", "integer", "", 0),
                 ("Age", S, "", 0)],
                lambda o: [o["metadata"]["name"], o.get("type", "Opaque"),
                           len(o.get("data") or {}), age_of(o)]),
    "services": ([("Name", S, "name", 0), ("Type", S, "", 0), ("Cluster-IP", S, "", 0),
                  ("External-IP", S, "", 0), ("Port(s)", S, "", 0), ("Age", S, "", 0),
                  ("Selector", S, "", 1)], service_row),
    None: ([("Name", S, "name", 0), ("Created At", S, "date", 0)],
           lambda o: [o["metadata"]["name"], o["metadata"].get("creationTimestamp", "")]),
}
del S


# ----------------------------------------------------------------------------------------------
# HTTPS serving: the API handler, and forwarding for secondary control planes
# ----------------------------------------------------------------------------------------------

def version_info(version):
    major, minor, _ = semver_tuple(version)
    return {"major": str(major), "minor": str(minor), "emulationMajor": str(major),
            "emulationMinor": str(minor), "minCompatibilityMajor": str(major),
            "minCompatibilityMinor": str(max(minor - 1, 0)), "gitVersion": version,
            "gitCommit": "standin", "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z",
            "goVersion": "go1.25.0", "compiler": "gc", "platform": "linux/amd64"}



class ApiHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, ssl_ctx, api=None, upstream=None, version=VERSION):
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


# ----------------------------------------------------------------------------------------------
# kubelet: node registration + heartbeats, static pods (the API server runs from its manifest)
# ----------------------------------------------------------------------------------------------

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
    return tail.split(":", 1)[1].split("@")[0] if ":" in tail else VERSION


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
        bind = f.get("bind-address") or (adv if ROOT else "::" if ":" in adv else "0.0.0.0")
        ctx = self.ssl_context()
        self.tls_stamp = self.stamp()
        endpoint = join_host_port(adv, port)
        owner = (dig(self.pod, "metadata", "annotations", default={}) or {}).get(
            STATE_ENDPOINT_ANNOTATION)
        api = upstream = etcd = None
        if self.etcd_pod is not None:
            # Stacked etcd: every member holds the state (standin_etcd.py).
            store = LocalStore(STATE_FILE)
            etcd = standin_etcd.attach(sys.modules[__name__], f, self.etcd_pod, store, port)
            api = self.make_api(store, endpoint)
            owner = None
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
        return Api(store, self.version, endpoint,
                   f.get("service-cluster-ip-range", "10.96.0.0/12").split(","), signer,
                   node_cidr)

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
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


KUBELET_LABELS = {"kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch",
                  "beta.kubernetes.io/os", "beta.kubernetes.io/arch",
                  "beta.kubernetes.io/instance-type", "node.kubernetes.io/instance-type",
                  "topology.kubernetes.io/region", "topology.kubernetes.io/zone",
                  "failure-domain.beta.kubernetes.io/region",
                  "failure-domain.beta.kubernetes.io/zone"}
KUBELET_LABEL_NAMESPACES = ("kubelet.kubernetes.io", "node.kubernetes.io")


def forbidden_node_labels(labels):
    """Labels the real kubelet refuses in --node-labels (kubernetes.io / k8s.io namespaces)."""
    bad = []
    for k in labels:
        ns = k.split("/", 1)[0] if "/" in k else ""
        if not (ns in ("kubernetes.io", "k8s.io") or ns.endswith((".kubernetes.io", ".k8s.io"))):
            continue
        if k in KUBELET_LABELS or any(ns == a or ns.endswith("." + a)
                                      for a in KUBELET_LABEL_NAMESPACES):
            continue
        bad.append(k)
    return bad


def parse_labels(s):
    out = {}
    for item in filter(None, (x.strip() for x in (s or "").split(","))):
        k, _, v = item.partition("=")
        out[k] = v
    return out


def machine_arch():
    m = os.uname().machine
    return {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm"}.get(m, m)


def read_first(paths, default=""):
    for p in paths:
        try:
            with open(p) as f:
                return f.read().strip()
        except OSError:
            pass
    return default


def os_image():
    text = read_first(["/etc/os-release"])
    m = re.search(r'^PRETTY_NAME="?([^"\n]*)"?', text, re.M)
    return m.group(1) if m else "Linux"


def containerd_version():
    if ROOT:
        return "containerd://standin"
    try:
        out = subprocess.run(["containerd", "--version"], capture_output=True, text=True,
                             timeout=5).stdout.split()
        return "containerd://" + (out[2] if len(out) > 2 else "unknown")
    except (OSError, subprocess.SubprocessError):
        return "containerd://unknown"


class Kubelet:
    def __init__(self, flags, config):
        self.flags, self.config = flags, config
        self.node_name = (flags.get("hostname-override") or hostname()).lower()
        self.node_ip = (flags.get("node-ip") or default_ip()).split(",")[0]
        self.labels = parse_labels(flags.get("node-labels"))
        self.kubeconfig = flags.get("kubeconfig", KUBELET_CONF)
        self.static_dir = config.get("staticPodPath") or MANIFESTS
        self.stop = threading.Event()
        self.client, self.client_stamp = None, None
        self.registered, self.node_uid = False, None
        self.conditions = {}
        self.apiserver, self.apiserver_key, self.apiserver_error = None, None, None
        self.retry_at = 0.0
        self.pods = {}  # static pod name -> {"phase":..., "message":...}
        self.components = {}  # kube-controller-manager, kube-scheduler (standin_components)
        self.mirrors = {}  # mirror pod name -> last posted JSON
        self.last_logged = {}
        self.runtime_version = containerd_version()

    def log_change(self, key, msg, error=True):
        """Log a recurring message only when it changes (or every 30 s)."""
        prev = self.last_logged.get(key)
        if prev and prev[0] == msg and time.time() - prev[1] < 30:
            return
        self.last_logged[key] = (msg, time.time())
        (log_error if error else lambda m: klog(0, m))(msg)

    # -- main loop -------------------------------------------------------------------------
    def run(self):
        self.start_healthz()
        self.pod_runner = standin_pods.attach(self, ROOT)  # pods on containerd, controllers
        next_status = 0.0
        while not self.stop.is_set():
            try:
                self.sync_static_pods()
            except Exception as e:
                self.log_change("static", f"static pods: {e}")
            if time.time() >= next_status:
                next_status = time.time() + HEARTBEAT_SECONDS
                try:
                    self.sync_node()
                except Exception as e:
                    self.log_change("node", f"node status: {e}")
            self.stop.wait(0.3)
        if self.apiserver:
            self.apiserver.stop()

    def start_healthz(self):
        port = int(os.environ.get("STANDIN_HEALTHZ_PORT") if ROOT and
                   os.environ.get("STANDIN_HEALTHZ_PORT") else self.config.get("healthzPort", 10248))
        if port == 0:
            return
        addr = self.config.get("healthzBindAddress", "127.0.0.1")

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *a):
                pass

        class Server(http.server.ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in addr else socket.AF_INET
            daemon_threads = True

        try:
            srv = Server((addr, port), H)
            threading.Thread(target=srv.serve_forever, daemon=True).start()
        except OSError as e:
            log_error(f"Failed to start healthz server: listen tcp "
                      f"{join_host_port(addr, port)}: {e}")

    # -- static pods ----------------------------------------------------------------------
    def read_manifests(self):
        out = {}
        d = P(self.static_dir)
        for fname in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if fname.startswith(".") or not fname.endswith((".yaml", ".yml", ".json")):
                continue
            try:
                with open(os.path.join(d, fname)) as f:
                    text = f.read()
                pod = yaml.safe_load(text)
            except (OSError, yaml.YAMLError) as e:
                self.log_change("manifest-" + fname, f"invalid static pod manifest {fname}: {e}")
                continue
            if isinstance(pod, dict) and pod.get("kind") == "Pod":
                binary, _, _ = pod_command_flags(pod)
                out[binary or fname] = (pod, text)
        return out

    def sync_static_pods(self):
        manifests = self.read_manifests()
        api = manifests.get("kube-apiserver")
        key = (api[1], (manifests.get("etcd") or (None, None))[1],
               (manifests.get("kube-controller-manager") or (None, None))[1]) if api else None
        if key != self.apiserver_key:  # manifest added, changed or removed: restart
            if self.apiserver:
                klog(0, "kube-apiserver manifest changed: stopping the running instance")
                self.apiserver.stop()
                self.apiserver = None
            self.apiserver_key, self.apiserver_error, self.retry_at = key, None, 0.0
        if api and not self.apiserver and time.time() >= self.retry_at:
            srv = KubeApiServer(api[0], (manifests.get("etcd") or (None,))[0],
                                (manifests.get("kube-controller-manager") or (None,))[0])
            try:
                srv.start()
                self.apiserver, self.apiserver_error = srv, None
            except (Fail, OSError) as e:
                self.apiserver_error = str(e)
                self.retry_at = time.time() + 5  # CrashLoopBackOff, kept short
                self.log_change("apiserver", f"static pod kube-apiserver failed: {e}")
        if self.apiserver:
            self.apiserver.reload_tls_if_changed()
        comp_status = self.sync_components(manifests)
        # Record per-pod status (mirror pods, and kubeadm's error messages).
        pods = {}
        for binary, (pod, _) in manifests.items():
            name = dig(pod, "metadata", "name", default=binary)
            if binary == "kube-apiserver":
                st = ("Running", "") if self.apiserver else ("Pending", self.apiserver_error or
                                                             "starting")
            elif binary in comp_status:
                st = comp_status[binary]
            elif binary == "etcd" and self.apiserver_error and \
                    self.apiserver_error.startswith("etcd:"):
                st = ("Pending", self.apiserver_error)
            else:
                st = ("Running", "")
            pods[name] = {"phase": st[0], "message": st[1], "pod": pod}
        if {k: (v["phase"], v["message"]) for k, v in pods.items()} != \
                {k: (v["phase"], v["message"]) for k, v in self.pods.items()}:
            try:
                write_file(STATIC_POD_STATUS, json.dumps(
                    {k: {"phase": v["phase"], "message": v["message"]}
                     for k, v in pods.items()}, indent=1))
            except OSError:
                pass
        self.pods = pods

    def sync_components(self, manifests):
        """Run the controller manager and scheduler manifests as API clients."""
        out = {}
        for binary in standin_components.HEALTH:
            pod = (manifests.get(binary) or (None,))[0]
            comp = self.components.get(binary)
            if comp is not None and comp.pod != pod:
                comp.stop()
                del self.components[binary]
                comp = None
            if pod is None:
                continue
            if comp is None:
                comp = self.components[binary] = standin_components.ClientComponent(
                    sys.modules[__name__], binary, pod)
            out[binary] = comp.sync(time.time())
        return out

    # -- node status ----------------------------------------------------------------------
    def api_client(self):
        """(Re)load the kubeconfig when it appears or changes (TLS is verified against its CA)."""
        try:
            st = os.stat(P(self.kubeconfig))
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            self.log_change("kubeconfig", f"waiting for {self.kubeconfig} (not written yet; the "
                                          f"TLS bootstrap is done by kubeadm join)", False)
            return None
        if stamp != self.client_stamp:
            self.client = ApiClient.from_kubeconfig(self.kubeconfig, timeout=5)
            self.client_stamp = stamp
        return self.client

    def readiness_problems(self):
        problems = []
        if not is_local_address(self.node_ip):
            problems.append(f'node IP "{self.node_ip}" not found in the host\'s network '
                            f'interfaces')
        sock = self.flags.get("container-runtime-endpoint", "unix://" + CONTAINERD_SOCK)
        sock = sock.removeprefix("unix://")
        if getattr(self, "pod_runner", None) and self.pod_runner.worker:
            problems += self.pod_runner.runtime_problems()  # CRI Status, as the real kubelet
        elif not ROOT and not os.path.exists(sock):
            problems.append(f"container runtime is down: rpc error: code = Unavailable desc = "
                            f"connection error: dial unix {sock}: connect: no such file or "
                            f"directory")
        return problems

    def condition(self, ctype, status, reason, message):
        prev = self.conditions.get(ctype)
        ts = now_ts()
        since = prev["lastTransitionTime"] if prev and prev["status"] == status else ts
        c = {"type": ctype, "status": status, "lastHeartbeatTime": ts,
             "lastTransitionTime": since, "reason": reason, "message": message}
        self.conditions[ctype] = c
        return c

    def node_status(self):
        problems = self.readiness_problems()
        conds = [
            self.condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                           "kubelet has sufficient memory available"),
            self.condition("DiskPressure", "False", "KubeletHasNoDiskPressure",
                           "kubelet has no disk pressure"),
            self.condition("PIDPressure", "False", "KubeletHasSufficientPID",
                           "kubelet has sufficient PID available"),
            self.condition("Ready", "False", "KubeletNotReady", "; ".join(problems))
            if problems else self.condition("Ready", "True", "KubeletReady",
                                            "kubelet is posting ready status"),
        ]
        if problems:
            self.log_change("ready", "Node not ready: " + "; ".join(problems))
        mem_kb = re.search(r"MemTotal:\s+(\d+)", read_first(["/proc/meminfo"]))
        st = os.statvfs(P("/var") if os.path.isdir(P("/var")) else "/")
        res = {"cpu": str(os.cpu_count() or 1),
               "memory": f"{mem_kb.group(1) if mem_kb else 0}Ki",
               "ephemeral-storage": f"{st.f_blocks * st.f_frsize // 1024}Ki",
               "hugepages-1Gi": "0", "hugepages-2Mi": "0", "pods": "110"}
        return {
            "conditions": conds,
            "addresses": [{"type": "InternalIP", "address": self.node_ip},
                          {"type": "Hostname", "address": self.node_name}],
            "capacity": res, "allocatable": dict(res),
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": machine_arch(), "bootID": read_first(
                    ["/proc/sys/kernel/random/boot_id"]),
                "containerRuntimeVersion": self.runtime_version,
                "kernelVersion": os.uname().release, "kubeProxyVersion": "",
                "kubeletVersion": VERSION,
                "machineID": read_first([P("/etc/machine-id"), "/etc/machine-id"]),
                "operatingSystem": "linux", "osImage": os_image(),
                "systemUUID": read_first([P("/sys/class/dmi/id/product_uuid"),
                                          "/sys/class/dmi/id/product_uuid"])},
        }

    def node_object(self):
        labels = {"beta.kubernetes.io/arch": machine_arch(), "beta.kubernetes.io/os": "linux",
                  "kubernetes.io/arch": machine_arch(), "kubernetes.io/hostname": self.node_name,
                  "kubernetes.io/os": "linux"}
        labels.update(self.labels)
        spec = {}
        if self.flags.get("provider-id"):
            spec["providerID"] = self.flags["provider-id"]
        taints = []
        for t in filter(None, self.flags.get("register-with-taints", "").split(",")):
            kv, _, effect = t.partition(":")
            k, _, v = kv.partition("=")
            taints.append({"key": k, "effect": effect, **({"value": v} if v else {})})
        if taints:
            spec["taints"] = taints
        return {"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": self.node_name, "labels": labels, "annotations": {
                    "node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
                "spec": spec, "status": self.node_status()}

    def sync_node(self):
        client = self.api_client()
        if client is None:
            return
        try:
            if not self.registered:
                node = self.node_object()
                try:
                    created = client.call("POST", "/api/v1/nodes", node)
                    klog(0, f'Successfully registered node "{self.node_name}"')
                except ApiError as e:
                    if e.code != 409:
                        raise
                    created = client.get(f"/api/v1/nodes/{self.node_name}")
                    klog(0, f'Node "{self.node_name}" was previously registered')
                    for c in dig(created, "status", "conditions", default=[]) or []:
                        self.conditions.setdefault(c.get("type"), c)
                self.registered, self.node_uid = True, created["metadata"]["uid"]
            client.call("PATCH", f"/api/v1/nodes/{self.node_name}/status",
                        {"status": self.node_status()},
                        content_type="application/strategic-merge-patch+json")
            self.last_logged.pop("node", None)
            self.sync_mirror_pods(client)
        except (ApiError, ConnError) as e:
            what = "Unable to register node with API server" if not self.registered else \
                "Error updating node status, will retry"
            self.log_change("node", f'{what}: node="{self.node_name}" err="{e}"')

    def sync_mirror_pods(self, client):
        """Mirror pods for static pods, as the real kubelet posts them."""
        want = {}
        for name, st in self.pods.items():
            pod = st["pod"]
            ns = dig(pod, "metadata", "namespace", default="kube-system")
            running = st["phase"] == "Running"
            src = json.dumps(pod, sort_keys=True)
            h = hashlib.sha256(src.encode()).hexdigest()[:32]
            meta = {"name": f"{name}-{self.node_name}", "namespace": ns,
                    "labels": dig(pod, "metadata", "labels", default={}) or {},
                    "annotations": dict(dig(pod, "metadata", "annotations", default={}) or {},
                                        **{"kubernetes.io/config.hash": h,
                                           "kubernetes.io/config.mirror": h,
                                           "kubernetes.io/config.source": "file"}),
                    "ownerReferences": [{"apiVersion": "v1", "kind": "Node",
                                         "name": self.node_name, "uid": self.node_uid,
                                         "controller": True}]}
            containers = dig(pod, "spec", "containers", default=[]) or []
            status = {"phase": st["phase"], "hostIP": self.node_ip, "podIP": self.node_ip,
                      "conditions": [{"type": "Ready", "status": str(running)}],
                      "containerStatuses": [{
                          "name": c.get("name"), "image": c.get("image"), "ready": running,
                          "restartCount": 0, "started": running,
                          "state": {"running": {}} if running else
                          {"waiting": {"reason": "CrashLoopBackOff", "message": st["message"]}}}
                          for c in containers]}
            cri_status = getattr(self, "pod_runner", None) and \
                self.pod_runner.static_status.get(name)
            if cri_status and running:  # the real container state, once the stand-in's is ok
                status = cri_status
            want[meta["name"]] = {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                                  "spec": dict(pod.get("spec") or {}, nodeName=self.node_name),
                                  "status": status}
        for name, pod in want.items():
            blob = json.dumps(pod, sort_keys=True)
            if self.mirrors.get(name) == blob:
                continue
            ns = pod["metadata"]["namespace"]
            try:
                client.call("POST", f"/api/v1/namespaces/{ns}/pods", pod)
            except ApiError as e:
                if e.code != 409:
                    raise
                cur = client.get(f"/api/v1/namespaces/{ns}/pods/{name}")
                pod["metadata"]["resourceVersion"] = cur["metadata"]["resourceVersion"]
                client.call("PUT", f"/api/v1/namespaces/{ns}/pods/{name}", pod)
                pod["metadata"].pop("resourceVersion")
            client.call("PATCH", f"/api/v1/namespaces/{ns}/pods/{name}/status",
                        {"status": pod["status"]},
                        content_type="application/merge-patch+json")
            self.mirrors[name] = blob
        for name in [n for n in self.mirrors if n not in want]:
            try:
                client.call("DELETE", f"/api/v1/namespaces/kube-system/pods/{name}")
            except ApiError:
                pass
            self.mirrors.pop(name)


def parse_flags(argv):
    """--k=v / --k v / --bool into a dict (last wins); returns (flags, positionals)."""
    flags, pos = {}, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--") and len(a) > 2:
            k, eq, v = a[2:].partition("=")
            if not eq:
                if i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                    v, i = argv[i + 1], i + 1
                else:
                    v = "true"
            flags[k] = v
        else:
            pos.append(a)
        i += 1
    return flags, pos


def kubelet_main(argv):
    global VERBOSITY
    load_crypto()
    flags, _ = parse_flags(argv)
    VERBOSITY = int(flags.get("v", "2"))
    if "version" in flags:
        print(f"Kubernetes {VERSION}")
        return 0
    err = standin_startup.check_flags(flags)
    if err:
        log_error(f'"command failed" err="{err}"')
        return 1
    cfg_path = flags.get("config")
    config = {}
    if cfg_path:
        try:
            config = yaml.safe_load(read_file(cfg_path))
        except FileNotFoundError:
            log_error(f'"command failed" err="failed to load kubelet config file, path: '
                      f'{cfg_path}, error: failed to load Kubelet config file {cfg_path}, error '
                      f'failed to read kubelet config file \\"{cfg_path}\\", error: open '
                      f'{cfg_path}: no such file or directory"')
            return 1
        except yaml.YAMLError as e:
            log_error(f'"command failed" err="failed to load kubelet config file: {e}"')
            return 1
        err = standin_startup.check_config(config, cfg_path)
        if err:
            log_error(f'"command failed" err="{err}"')
            return 1
    err = (standin_startup.check_swap(config, P) or
           standin_startup.check_runtime(P(flags.get("container-runtime-endpoint", "").
                                           removeprefix("unix://") or
                                           "/run/containerd/containerd.sock")))
    if err:
        log_error(f'"command failed" err="{err}"')
        return 1
    if config.get("cgroupDriver", "systemd") not in ("systemd", "cgroupfs"):
        log_error(f'"command failed" err="invalid cgroupDriver {config.get("cgroupDriver")!r}"')
        return 1
    # What stops a real kubelet at start-up on this host (cgroup v1, user namespace).
    import standin_kubelet_checks
    refused = standin_kubelet_checks.startup_error(
        VERSION, config, flags, mountinfo_path=P("/proc/self/mountinfo"),
        uid_map_path=P("/proc/self/uid_map"), sysctl_dir=P("/proc/sys"))
    if refused:
        for line in refused:
            log_error(line)
        return 1
    bad = forbidden_node_labels(parse_labels(flags.get("node-labels")))
    if bad:
        log_error(f'"command failed" err="unknown \'kubernetes.io\' or \'k8s.io\' labels '
                  f'specified with --node-labels: {bad}\\n--node-labels in the \'kubernetes.io\' '
                  f'namespace must begin with an allowed prefix (kubelet.kubernetes.io, '
                  f'node.kubernetes.io) or be in the specifically allowed set '
                  f'({", ".join(sorted(KUBELET_LABELS))})"')
        return 1
    kubelet = Kubelet(flags, config)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: kubelet.stop.set())
    klog(0, f"kubelet {VERSION} (stand-in) starting: node={kubelet.node_name} "
            f"node-ip={kubelet.node_ip} staticPodPath={kubelet.static_dir}")
    kubelet.run()
    return 0


# -- the kubelet unit: real systemctl in a node, emulated under STANDIN_ROOT ---------------------

def read_env_file(path):
    env = {}
    try:
        text = read_file(path)
    except OSError:
        return env
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            parts = shlex.split(v)
            env[k.strip()] = " ".join(parts) if len(parts) != 1 else parts[0]
    return env


def kubelet_unit_args():
    """ExecStart of kubelet.service + 10-kubeadm.conf."""
    args = [f"--bootstrap-kubeconfig={BOOTSTRAP_KUBELET_CONF}", f"--kubeconfig={KUBELET_CONF}",
            f"--config={KUBELET_CONFIG}"]
    args += shlex.split(read_env_file(KUBELET_FLAGS_ENV).get("KUBELET_KUBEADM_ARGS", ""))
    args += shlex.split(read_env_file("/etc/default/kubelet").get("KUBELET_EXTRA_ARGS", ""))
    return args


def emulated_kubelet_pid():
    try:
        pid = int(read_file(KUBELET_PIDFILE).strip())
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        with open(f"/proc/{pid}/environ", "rb") as f:
            ours = b"STANDIN_TOOL=kubelet" in f.read()
        return pid if state != "Z" and ours else None
    except (OSError, ValueError, IndexError):
        return None


def self_command():
    """argv that runs this program again; a .py file is imported so its bytecode is cached."""
    me = os.path.abspath(__file__)
    if me.endswith(".py"):
        return [sys.executable] + (["-S"] if sys.flags.no_site else []) + ["-c", "import sys; sys.path.insert(0, sys.argv[1]); import standin;"
                " sys.exit(standin.main(['standin'] + sys.argv[2:]))", os.path.dirname(me)]
    return [sys.executable, me]


def systemctl(action, unit="kubelet"):
    if not ROOT:
        r = subprocess.run(["systemctl", action, unit], capture_output=True, text=True)
        if r.returncode:
            raise Fail(f"systemctl {action} {unit} failed: {r.stderr.strip()}")
        return
    if unit != "kubelet":
        return
    pid = emulated_kubelet_pid()
    if pid and action in ("stop", "restart", "start"):
        if action == "start":
            return
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not emulated_kubelet_pid():
                break
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
    if action in ("start", "restart"):
        if not exists(KUBELET_CONFIG):  # ConditionPathExists=/var/lib/kubelet/config.yaml
            return
        os.makedirs(os.path.dirname(P(KUBELET_LOG)), exist_ok=True)
        log = open(P(KUBELET_LOG), "ab")
        env = dict(os.environ, STANDIN_TOOL="kubelet")
        proc = subprocess.Popen(self_command() + kubelet_unit_args(),
                                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True)
        log.close()
        write_file(KUBELET_PIDFILE, f"{proc.pid}\n")


# ----------------------------------------------------------------------------------------------
# kubeadm
# ----------------------------------------------------------------------------------------------

class Flags(dict):
    """name -> [values]; .one() gives the last value."""

    def one(self, name, default=None):
        v = self.get(name)
        return v[-1] if v else default

    def on(self, name):
        return self.one(name, "false") not in ("false", "0", "")


def parse_cli(argv, values, bools, short=None):
    """A cobra-like parser: --k=v, --k v, --bool, -x v, -xv, -x=v; unknown flags fail."""
    short = short or {}
    flags, pos = Flags(), []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            pos += argv[i + 1:]
            break
        if a.startswith("--"):
            name, eq, val = a[2:].partition("=")
        elif a.startswith("-") and len(a) > 1 and a[1] in short:
            name = short[a[1]]
            rest = a[2:]
            eq, val = ("=", rest.lstrip("=")) if rest else ("", "")
        elif a.startswith("-") and len(a) > 1:
            raise Fail(f"unknown shorthand flag: '{a[1]}' in {a}")
        else:
            pos.append(a)
            i += 1
            continue
        if name in bools:
            flags.setdefault(name, []).append(val if eq else "true")
        elif name in values:
            if not eq:
                if i + 1 >= len(argv):
                    raise Fail(f"flag needs an argument: --{name}")
                i += 1
                val = argv[i]
            flags.setdefault(name, []).append(val)
        else:
            raise Fail(f"unknown flag: --{name}")
        i += 1
    return flags, pos


def go_duration(seconds):
    s = float(seconds)
    h, rem = divmod(int(s), 3600)
    m, sec = divmod(rem, 60)
    frac = s - int(s)
    secs = f"{sec + frac:g}s"
    return (f"{h}h{m}m{secs}" if h else f"{m}m{secs}" if m else secs)


class ControlPlane:
    """Values kubeadm derives for a control-plane node (init, or join --control-plane)."""

    def __init__(self, cfg, node, adv, port):
        self.cfg, self.node, self.adv, self.port = cfg, node, adv, int(port)
        self.version = cfg.kubernetes_version()
        self.cluster_name = cfg.cluster_name()
        cpe = cfg.control_plane_endpoint()
        if cpe:
            host, p = split_host_port(cpe, self.port)
            cpe = join_host_port(host, p)
        self.cp_endpoint = cpe
        self.local_endpoint = join_host_port(adv, self.port)
        self.cp_url = "https://" + (cpe or self.local_endpoint)
        self.local_url = "https://" + self.local_endpoint
        self.algo = cfg.encryption_algorithm()

    def apiserver_sans(self):
        dns = {self.node, "kubernetes", "kubernetes.default", "kubernetes.default.svc",
               f"kubernetes.default.svc.{self.cfg.dns_domain()}"}
        ips = [first_service_ip(c) for c in self.cfg.service_subnets()] + [self.adv]
        extra = self.cfg.cert_sans()
        if self.cp_endpoint:
            extra = [split_host_port(self.cp_endpoint)[0]] + extra
        for san in extra:
            if is_ip(san):
                ips.append(str(ipaddress.ip_address(san)))
            else:
                dns.add(san)
        return sorted(dns), list(dict.fromkeys(ips))


def ensure_ca(name, cn, algo, create=True):
    if exists(pki_path(name, "crt")) and exists(pki_path(name, "key")):
        print(f"[certs] Using existing {name} certificate authority")
        return load_pair(name)
    if not create:
        raise Fail(f"failure loading {name} certificate authority: couldn't load the certificate "
                   f"file {pki_path(name, 'crt')}: open {pki_path(name, 'crt')}: no such file or "
                   f"directory")
    print(f'[certs] Generating "{name}" certificate and key')
    cert, key = new_ca(cn, algo)
    write_pair(name, cert, key)
    return cert, key


def ensure_leaf(name, ca, cn, algo, orgs=(), dns=(), ips=(), server=False, client=False,
                describe=False):
    """Reuse a valid existing cert (right CA, covers the SANs), else generate one."""
    ca_cert, ca_key = ca
    if exists(pki_path(name, "crt")) and exists(pki_path(name, "key")):
        cert, _ = load_pair(name)
        have_dns, have_ips = cert_sans(cert)
        missing = [d for d in dns if d not in have_dns] + [i for i in ips if i not in have_ips]
        if signed_by(cert, ca_cert) and not missing:
            print(f"[certs] Using existing {name} certificate and key on disk")
            return
        why = f"it is not valid for {missing}" if missing else "it is not signed by the CA"
        raise Fail(f"[certs] certificate {name} is invalid: the existing {pki_path(name, 'crt')} "
                   f"cannot be used because {why}; delete {pki_path(name, 'crt')} and "
                   f"{pki_path(name, 'key')} to have it regenerated")
    key = new_key(algo)
    cert = sign_cert(ca_cert, ca_key, key.public_key(), cn, orgs, dns, ips, server, client)
    write_pair(name, cert, key)
    print(f'[certs] Generating "{name}" certificate and key')
    if describe:
        print(f"[certs] {name} serving cert is signed for DNS names [{' '.join(dns)}] and IPs "
              f"[{' '.join(ips)}]")


def phase_certs(cp, only=None, joining=False):
    """Returns (ca_cert, ca_key)."""
    print(f'[certs] Using certificateDir folder "{PKI}"')
    ca = ensure_ca("ca", "kubernetes", cp.algo, create=not joining)
    dns, ips = cp.apiserver_sans()
    ensure_leaf("apiserver", ca, "kube-apiserver", cp.algo, dns=dns, ips=ips, server=True,
                describe=True)
    if only == "apiserver":
        return ca
    ensure_leaf("apiserver-kubelet-client", ca, "kube-apiserver-kubelet-client", cp.algo,
                orgs=["kubeadm:cluster-admins"], client=True)
    fp = ensure_ca("front-proxy-ca", "front-proxy-ca", cp.algo, create=not joining)
    ensure_leaf("front-proxy-client", fp, "front-proxy-client", cp.algo, client=True)
    etcd = ensure_ca("etcd/ca", "etcd-ca", cp.algo, create=not joining)
    etcd_sans = dict(dns=[cp.node, "localhost"],
                     ips=list(dict.fromkeys([cp.adv, "127.0.0.1", "::1"])))
    ensure_leaf("etcd/server", etcd, cp.node, cp.algo, server=True, client=True, describe=True,
                **etcd_sans)
    ensure_leaf("etcd/peer", etcd, cp.node, cp.algo, server=True, client=True, describe=True,
                **etcd_sans)
    ensure_leaf("etcd/healthcheck-client", etcd, "kube-etcd-healthcheck-client", cp.algo,
                client=True)
    ensure_leaf("apiserver-etcd-client", etcd, "kube-apiserver-etcd-client", cp.algo, client=True)
    if exists(pki_path("sa", "key")) and exists(pki_path("sa", "pub")):
        print('[certs] Using the existing "sa" key')
    elif joining:
        raise Fail(f"failure loading key for service account: couldn't load the private key file "
                   f"{pki_path('sa', 'key')}: no such file or directory")
    else:
        print('[certs] Generating "sa" key and public key')
        key = new_key(cp.algo if cp.algo.startswith("RSA") else "RSA-2048")
        write_file(pki_path("sa", "key"), key_pem(key), 0o600)
        write_file(pki_path("sa", "pub"), key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return ca


def write_kubeconfig_file(cp, ca, fname, user, orgs, server):
    path = f"{KUBE_DIR}/{fname}"
    ca_cert, ca_key = ca
    ca_data = cert_pem(ca_cert)
    if exists(path):
        cur = load_kubeconfig(path)
        if cur.ca_pem and cur.ca_pem.strip() != ca_data.strip():
            raise Fail(f'a kubeconfig file "{path}" exists already but has got the wrong CA cert')
        if cur.server != server:
            raise Fail(f'a kubeconfig file "{path}" exists already but has an unexpected API '
                       f'Server URL: expected: {server}, got: {cur.server}')
        print(f'[kubeconfig] Using existing kubeconfig file: "{path}"')
        return
    key = new_key(cp.algo)
    cert = sign_cert(ca_cert, ca_key, key.public_key(), user, orgs, client=True)
    print(f'[kubeconfig] Writing "{fname}" kubeconfig file')
    write_file(path, yaml_dump(make_kubeconfig(cp.cluster_name, server, ca_data, user,
                                               cert_pem(cert), key_pem(key))), 0o600)


def phase_kubeconfigs(cp, ca, joining=False):
    print(f'[kubeconfig] Using kubeconfig folder "{KUBE_DIR}"')
    write_kubeconfig_file(cp, ca, "admin.conf", "kubernetes-admin", ["kubeadm:cluster-admins"],
                          cp.cp_url)
    if not joining:
        write_kubeconfig_file(cp, ca, "super-admin.conf", "kubernetes-super-admin",
                              ["system:masters"], cp.cp_url)
        write_kubeconfig_file(cp, ca, "kubelet.conf", f"system:node:{cp.node}", ["system:nodes"],
                              standin_components.kubelet_server(VERSION, cp))
    write_kubeconfig_file(cp, ca, "controller-manager.conf", "system:kube-controller-manager", [],
                          cp.local_url)
    write_kubeconfig_file(cp, ca, "scheduler.conf", "system:kube-scheduler", [], cp.local_url)


def static_pod(component, image, command, probe, volumes, annotations=None):
    container = {
        "command": command, "image": image, "imagePullPolicy": "IfNotPresent",
        "livenessProbe": dict(probe, failureThreshold=8, initialDelaySeconds=10, periodSeconds=10,
                              timeoutSeconds=15),
        "name": component, "resources": {"requests": {"cpu": "100m" if component == "etcd"
                                                      else "250m"}},
        "startupProbe": dict(probe, failureThreshold=24, initialDelaySeconds=10,
                             periodSeconds=10, timeoutSeconds=15),
        "volumeMounts": [{"mountPath": m, "name": n, **({"readOnly": True} if ro else {})}
                         for n, _, m, ro, _ in volumes],
    }
    meta = {"labels": {"component": component, "tier": "control-plane"}, "name": component,
            "namespace": "kube-system"}
    if annotations:
        meta = {"annotations": annotations, **meta}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {
        "containers": [container], "hostNetwork": True, "priority": 2000001000,
        "priorityClassName": "system-node-critical",
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "volumes": [{"hostPath": {"path": h, "type": t}, "name": n} for n, h, _, _, t in volumes]},
        "status": {}}


CERT_VOLUMES = [("ca-certs", "/etc/ssl/certs", "/etc/ssl/certs", True, "DirectoryOrCreate"),
                ("etc-ca-certificates", "/etc/ca-certificates", "/etc/ca-certificates", True,
                 "DirectoryOrCreate"),
                ("k8s-certs", PKI, PKI, True, "DirectoryOrCreate"),
                ("usr-local-share-ca-certificates", "/usr/local/share/ca-certificates",
                 "/usr/local/share/ca-certificates", True, "DirectoryOrCreate"),
                ("usr-share-ca-certificates", "/usr/share/ca-certificates",
                 "/usr/share/ca-certificates", True, "DirectoryOrCreate")]


def phase_manifests(cp, state_endpoint=None, etcd_initial=None):
    cfg, repo, adv = cp.cfg, cp.cfg.image_repository(), cp.adv
    svc = ",".join(cfg.service_subnets())
    write = lambda name, pod: write_file(f"{MANIFESTS}/{name}.yaml", yaml_dump(pod), 0o600)
    print(f'[etcd] Creating static Pod manifest for local etcd in "{MANIFESTS}"')
    ip_url = lambda port: f"https://{join_host_port(adv, port)}"
    etcd_args = {
        "advertise-client-urls": ip_url(2379), "cert-file": f"{PKI}/etcd/server.crt",
        "client-cert-auth": "true", "data-dir": "/var/lib/etcd",
        "feature-gates": "InitialCorruptCheck=true",
        "initial-advertise-peer-urls": ip_url(2380),
        "initial-cluster": etcd_initial or f"{cp.node}={ip_url(2380)}",
        "key-file": f"{PKI}/etcd/server.key",
        "listen-client-urls": f"https://127.0.0.1:2379,{ip_url(2379)}",
        "listen-metrics-urls": "http://127.0.0.1:2381", "listen-peer-urls": ip_url(2380),
        "name": cp.node, "peer-cert-file": f"{PKI}/etcd/peer.crt", "peer-client-cert-auth": "true",
        "peer-key-file": f"{PKI}/etcd/peer.key", "peer-trusted-ca-file": f"{PKI}/etcd/ca.crt",
        "snapshot-count": "10000", "trusted-ca-file": f"{PKI}/etcd/ca.crt"}
    if etcd_initial:
        etcd_args["initial-cluster-state"] = "existing"
    write("etcd", static_pod(
        "etcd", f"{repo}/etcd:{ETCD_VERSION}",
        ["etcd"] + merge_args(etcd_args, cfg.component_args("etcd")),
        {"httpGet": {"host": "127.0.0.1", "path": "/livez", "port": 2381, "scheme": "HTTP"}},
        [("etcd-certs", f"{PKI}/etcd", f"{PKI}/etcd", False, "DirectoryOrCreate"),
         ("etcd-data", "/var/lib/etcd", "/var/lib/etcd", False, "DirectoryOrCreate")],
        {"kubeadm.kubernetes.io/etcd.advertise-client-urls": ip_url(2379)}))
    print(f'[control-plane] Using manifest folder "{MANIFESTS}"')
    print('[control-plane] Creating static Pod manifest for "kube-apiserver"')
    api_args = {
        "advertise-address": adv, "allow-privileged": "true",
        "authorization-mode": "Node,RBAC", "client-ca-file": f"{PKI}/ca.crt",
        "enable-admission-plugins": "NodeRestriction", "enable-bootstrap-token-auth": "true",
        "etcd-cafile": f"{PKI}/etcd/ca.crt", "etcd-certfile": f"{PKI}/apiserver-etcd-client.crt",
        "etcd-keyfile": f"{PKI}/apiserver-etcd-client.key",
        "etcd-servers": "https://127.0.0.1:2379",
        "kubelet-client-certificate": f"{PKI}/apiserver-kubelet-client.crt",
        "kubelet-client-key": f"{PKI}/apiserver-kubelet-client.key",
        "kubelet-preferred-address-types": "InternalIP,ExternalIP,Hostname",
        "proxy-client-cert-file": f"{PKI}/front-proxy-client.crt",
        "proxy-client-key-file": f"{PKI}/front-proxy-client.key",
        "requestheader-allowed-names": "front-proxy-client",
        "requestheader-client-ca-file": f"{PKI}/front-proxy-ca.crt",
        "requestheader-extra-headers-prefix": "X-Remote-Extra-",
        "requestheader-group-headers": "X-Remote-Group",
        "requestheader-username-headers": "X-Remote-User",
        "secure-port": str(cp.port),
        "service-account-issuer": f"https://kubernetes.default.svc.{cfg.dns_domain()}",
        "service-account-key-file": f"{PKI}/sa.pub",
        "service-account-signing-key-file": f"{PKI}/sa.key",
        "service-cluster-ip-range": svc, "tls-cert-file": f"{PKI}/apiserver.crt",
        "tls-private-key-file": f"{PKI}/apiserver.key"}
    annotations = {"kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint":
                   cp.local_endpoint}
    if state_endpoint:  # stand-in only: where this secondary's state lives
        annotations[STATE_ENDPOINT_ANNOTATION] = state_endpoint
    probe_host = adv
    write("kube-apiserver", static_pod(
        "kube-apiserver", f"{repo}/kube-apiserver:{cp.version}",
        ["kube-apiserver"] + merge_args(api_args, cfg.component_args("apiServer")),
        {"httpGet": {"host": probe_host, "path": "/livez", "port": cp.port, "scheme": "HTTPS"}},
        CERT_VOLUMES, annotations))
    print('[control-plane] Creating static Pod manifest for "kube-controller-manager"')
    kcm_args = {
        "authentication-kubeconfig": f"{KUBE_DIR}/controller-manager.conf",
        "authorization-kubeconfig": f"{KUBE_DIR}/controller-manager.conf",
        "bind-address": "127.0.0.1", "client-ca-file": f"{PKI}/ca.crt",
        "cluster-name": cp.cluster_name, "cluster-signing-cert-file": f"{PKI}/ca.crt",
        "cluster-signing-key-file": f"{PKI}/ca.key", "controllers": "*,bootstrapsigner,tokencleaner",
        "kubeconfig": f"{KUBE_DIR}/controller-manager.conf", "leader-elect": "true",
        "requestheader-client-ca-file": f"{PKI}/front-proxy-ca.crt",
        "root-ca-file": f"{PKI}/ca.crt", "service-account-private-key-file": f"{PKI}/sa.key",
        "service-cluster-ip-range": svc, "use-service-account-credentials": "true"}
    if cfg.pod_subnet():
        kcm_args.update({"allocate-node-cidrs": "true", "cluster-cidr": cfg.pod_subnet()})
    write("kube-controller-manager", static_pod(
        "kube-controller-manager", f"{repo}/kube-controller-manager:{cp.version}",
        ["kube-controller-manager"] + merge_args(kcm_args, cfg.component_args("controllerManager")),
        {"httpGet": {"host": "127.0.0.1", "path": "/healthz", "port": 10257, "scheme": "HTTPS"}},
        CERT_VOLUMES[:3] + [("kubeconfig", f"{KUBE_DIR}/controller-manager.conf",
                             f"{KUBE_DIR}/controller-manager.conf", True, "FileOrCreate")]))
    print('[control-plane] Creating static Pod manifest for "kube-scheduler"')
    sched_args = {"authentication-kubeconfig": f"{KUBE_DIR}/scheduler.conf",
                  "authorization-kubeconfig": f"{KUBE_DIR}/scheduler.conf",
                  "bind-address": "127.0.0.1", "kubeconfig": f"{KUBE_DIR}/scheduler.conf",
                  "leader-elect": "true"}
    write("kube-scheduler", static_pod(
        "kube-scheduler", f"{repo}/kube-scheduler:{cp.version}",
        ["kube-scheduler"] + merge_args(sched_args, cfg.component_args("scheduler")),
        {"httpGet": {"host": "127.0.0.1", "path": "/livez", "port": 10259, "scheme": "HTTPS"}},
        [("kubeconfig", f"{KUBE_DIR}/scheduler.conf", f"{KUBE_DIR}/scheduler.conf", True,
          "FileOrCreate")]))


def phase_kubelet_start(kubelet_cfg, nodereg):
    base = {"container-runtime-endpoint": nodereg["criSocket"]}
    if nodereg["name"] != hostname():
        base["hostname-override"] = nodereg["name"]
    args = " ".join(merge_args(base, nodereg["kubeletExtraArgs"]))
    print(f'[kubelet-start] Writing kubelet environment file with flags to file '
          f'"{KUBELET_FLAGS_ENV}"')
    write_file(KUBELET_FLAGS_ENV, f'KUBELET_KUBEADM_ARGS="{args}"\n')
    print(f'[kubelet-start] Writing kubelet configuration to file "{KUBELET_CONFIG}"')
    write_file(KUBELET_CONFIG, yaml_dump(kubelet_cfg))
    print("[kubelet-start] Starting the kubelet")
    systemctl("restart", "kubelet")


def wait_kubelet_healthy(kubelet_cfg, timeout):
    port = int(os.environ.get("STANDIN_HEALTHZ_PORT") if ROOT and
               os.environ.get("STANDIN_HEALTHZ_PORT") else kubelet_cfg.get("healthzPort", 10248))
    if port == 0:
        return
    addr = kubelet_cfg.get("healthzBindAddress", "127.0.0.1")
    url = f"http://{join_host_port(addr, port)}/healthz"
    print(f"[kubelet-check] Waiting for a healthy kubelet at {url}. This can take up to "
          f"{go_duration(timeout)}")
    start = time.time()

    def ok():
        conn = http.client.HTTPConnection(addr, port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200
        finally:
            conn.close()

    try:
        wait_until(ok, timeout, 0.2, "the kubelet")
    except Fail:
        raise Fail(f"[kubelet-check] The kubelet is not healthy after {go_duration(timeout)}\n\n"
                   f"Unfortunately, an error has occurred, likely caused by:\n"
                   f"\t- The kubelet is not running\n"
                   f"\t- The kubelet is unhealthy due to a misconfiguration of the node in some "
                   f"way (required cgroups disabled)\n\n"
                   f"If you are on a systemd-powered system, you can try to troubleshoot the "
                   f"error with the following commands:\n"
                   f"\t- 'systemctl status kubelet'\n\t- 'journalctl -xeu kubelet'\n"
                   f"error execution phase wait-control-plane: The HTTP call equal to "
                   f"'curl -sSL {url}' failed")
    print(f"[kubelet-check] The kubelet is healthy after {go_duration(round(time.time() - start, 3))}")


def wait_apiserver(cp, ca_pem, timeout):
    print(f"[control-plane-check] Waiting for healthy control plane components. This can take up "
          f"to {go_duration(timeout)}")
    url = f"{cp.local_url}/livez"
    print(f"[control-plane-check] Checking kube-apiserver at {url}")
    client = ApiClient(cp.local_url, ca_pem, timeout=3)
    start = time.time()
    try:
        wait_until(lambda: client.request("GET", "/livez")[0] == 200 and
                   client.request("GET", "/readyz")[0] == 200, timeout, 0.25, "kube-apiserver")
    except Fail as e:
        try:
            pods = json.loads(read_file(STATIC_POD_STATUS))
            detail = pods.get("kube-apiserver", {}).get("message") or "no error reported"
        except (OSError, ValueError):
            detail = "the kubelet has not reported any static pod (is it running?)"
        raise Fail(f"[control-plane-check] kube-apiserver is not healthy after "
                   f"{go_duration(timeout)}\n\n"
                   f"A control plane component may have crashed or exited when started by the "
                   f"container runtime.\nTo troubleshoot, list all containers using your "
                   f"preferred container runtimes CLI.\n"
                   f"error execution phase wait-control-plane: failed while waiting for the "
                   f"control plane to start: kube-apiserver check failed at {url}: {e}\n"
                   f"(stand-in) the kubelet reports kube-apiserver: {detail}")
    print(f"[control-plane-check] kube-apiserver is healthy after "
          f"{go_duration(round(time.time() - start, 3))}")


def upsert(client, path, obj):
    """Create, or replace what is there (kubeadm's CreateOrUpdate)."""
    try:
        return client.call("POST", path, obj)
    except ApiError as e:
        if e.code != 409:
            raise
    name = obj["metadata"]["name"]
    cur = client.get(f"{path}/{name}")
    obj["metadata"]["resourceVersion"] = cur["metadata"]["resourceVersion"]
    return client.call("PUT", f"{path}/{name}", obj)


def configmap(name, ns, data, labels=None):
    meta = {"name": name, "namespace": ns}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def mark_control_plane(client, node, taints, timeout):
    print(f"[mark-control-plane] Marking the node {node} as control-plane by adding the labels: "
          f"[{CP_LABEL} {EXCLUDE_LB_LABEL}]")
    want = [{"key": CP_LABEL, "effect": "NoSchedule"}] if taints is None else taints
    if want:
        print(f"[mark-control-plane] Marking the node {node} as control-plane by adding the "
              f"taints [{' '.join(t['key'] + ':' + t['effect'] for t in want)}]")
    cur = wait_until(lambda: client.get(f"/api/v1/nodes/{node}"), timeout, 0.3,
                     f'node "{node}" to register')
    have = dig(cur, "spec", "taints", default=[]) or []
    merged = have + [t for t in want if not any(h.get("key") == t.get("key") and
                                                h.get("effect") == t.get("effect") for h in have)]
    client.call("PATCH", f"/api/v1/nodes/{node}",
                {"metadata": {"labels": {CP_LABEL: "", EXCLUDE_LB_LABEL: ""}},
                 "spec": {"taints": merged}},
                content_type="application/strategic-merge-patch+json")


def bootstrap_token_secret(token, ttl="24h0m0s", description="", usages=None, groups=None):
    tid, secret = token.split(".")
    data = {"token-id": tid, "token-secret": secret}
    seconds = parse_duration(ttl, 86400)
    if seconds > 0:
        exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
        data["expiration"] = exp.strftime("%Y-%m-%dT%H:%M:%SZ")
    if description:
        data["description"] = description
    for u in usages or ["signing", "authentication"]:
        data[f"usage-bootstrap-{u}"] = "true"
    data["auth-extra-groups"] = ",".join(groups or
                                         ["system:bootstrappers:kubeadm:default-node-token"])
    return {"apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
            "metadata": {"name": f"bootstrap-token-{tid}", "namespace": "kube-system"},
            "data": {k: b64(v) for k, v in data.items()}}


def random_token():
    alphabet = string.ascii_lowercase + string.digits
    pick = lambda n: "".join(random.SystemRandom().choice(alphabet) for _ in range(n))
    return f"{pick(6)}.{pick(16)}"


def addons(client, cfg, skip):
    svc_net = ipaddress.ip_network(cfg.service_subnets()[0], strict=False)
    repo = cfg.image_repository()
    if "addon/coredns" not in skip and "addon" not in skip:
        ks = "/api/v1/namespaces/kube-system"
        upsert(client, f"{ks}/serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                                 "metadata": {"name": "coredns",
                                                              "namespace": "kube-system"}})
        upsert(client, f"{ks}/configmaps", configmap("coredns", "kube-system", {
            "Corefile": f".:53 {{\n    errors\n    health {{\n       lameduck 5s\n    }}\n    "
                        f"ready\n    kubernetes {cfg.dns_domain()} in-addr.arpa ip6.arpa {{\n"
                        f"       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n"
                        f"       ttl 30\n    }}\n    prometheus :9153\n    forward . "
                        f"/etc/resolv.conf {{\n       max_concurrent 1000\n    }}\n    cache 30 "
                        f"{{\n       disable success {cfg.dns_domain()}\n       disable denial "
                        f"{cfg.dns_domain()}\n    }}\n    loop\n    reload\n    loadbalance\n}}\n"}))
        upsert(client, "/apis/apps/v1/namespaces/kube-system/deployments", {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "coredns", "namespace": "kube-system",
                         "labels": {"k8s-app": "kube-dns"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
                     "template": {"metadata": {"labels": {"k8s-app": "kube-dns"}}, "spec": {
                         "serviceAccountName": "coredns", "priorityClassName":
                             "system-cluster-critical", "dnsPolicy": "Default",
                         "nodeSelector": {"kubernetes.io/os": "linux"},
                         "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                                         {"key": "node-role.kubernetes.io/control-plane",
                                          "effect": "NoSchedule"}],
                         "containers": [{
                                 "name": "coredns", "image": f"{repo}/coredns/coredns:"
                                                             f"{COREDNS_VERSION}",
                                 "args": ["-conf", "/etc/coredns/Corefile"]}]}}}})
        upsert(client, f"{ks}/services", {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kube-dns", "namespace": "kube-system", "labels": {
                "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                "kubernetes.io/name": "CoreDNS"}},
            "spec": {"clusterIP": str(svc_net.network_address + 10),
                     "selector": {"k8s-app": "kube-dns"},
                     "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                               {"name": "dns-tcp", "port": 53, "protocol": "TCP",
                                "targetPort": 53},
                               {"name": "metrics", "port": 9153, "protocol": "TCP",
                                "targetPort": 9153}]}})
        print("[addons] Applied essential addon: CoreDNS")
    if "addon/kube-proxy" not in skip and "addon" not in skip:
        proxy_cfg = deep_merge({"apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
                                "kind": "KubeProxyConfiguration",
                                "clusterCIDR": cfg.pod_subnet(),
                                "clientConnection": {"kubeconfig":
                                                     "/var/lib/kube-proxy/kubeconfig.conf"}},
                               cfg.kubeproxy)
        ks = "/api/v1/namespaces/kube-system"
        upsert(client, f"{ks}/serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                                 "metadata": {"name": "kube-proxy",
                                                              "namespace": "kube-system"}})
        upsert(client, f"{ks}/configmaps", configmap("kube-proxy", "kube-system",
                                                     {"config.conf": yaml_dump(proxy_cfg)},
                                                     {"app": "kube-proxy"}))
        upsert(client, "/apis/apps/v1/namespaces/kube-system/daemonsets", {
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "kube-proxy", "namespace": "kube-system",
                         "labels": {"k8s-app": "kube-proxy"}},
            "spec": {"selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
                     "template": {"metadata": {"labels": {"k8s-app": "kube-proxy"}}, "spec": {
                         "serviceAccountName": "kube-proxy", "hostNetwork": True,
                         "priorityClassName": "system-node-critical",
                         "nodeSelector": {"kubernetes.io/os": "linux"},
                         "tolerations": [{"operator": "Exists"}],
                         "containers": [{"name": "kube-proxy",
                                         "image": f"{repo}/kube-proxy:{cfg.kubernetes_version()}",
                                         "command": ["/usr/local/bin/kube-proxy",
                                                     "--config=/var/lib/kube-proxy/config.conf",
                                                     "--hostname-override=$(NODE_NAME)"],
                                         "env": [{"name": "NODE_NAME", "valueFrom": {
                                             "fieldRef": {"fieldPath": "spec.nodeName"}}}],
                                         "securityContext": {"privileged": True}}]}}}})
        print("[addons] Applied essential addon: kube-proxy")


ETCD_VERSION = "3.6.6-0"
COREDNS_VERSION = "v1.13.1"
PAUSE_VERSION = "3.10.1"


def effective_cluster_config(cp):
    """The ClusterConfiguration kubeadm uploads: the user's document with defaults filled in."""
    cfg = cp.cfg
    doc = copy.deepcopy(cfg.cluster) or {"apiVersion": "kubeadm.k8s.io/v1beta4",
                                         "kind": "ClusterConfiguration"}
    doc.setdefault("apiVersion", "kubeadm.k8s.io/v1beta4")
    doc.setdefault("kind", "ClusterConfiguration")
    doc["kubernetesVersion"] = cp.version
    doc["clusterName"] = cp.cluster_name
    doc.setdefault("certificatesDir", PKI)
    doc.setdefault("imageRepository", cfg.image_repository())
    net = doc.setdefault("networking", {})
    net.setdefault("dnsDomain", cfg.dns_domain())
    net.setdefault("serviceSubnet", ",".join(cfg.service_subnets()))
    if cp.cp_endpoint:
        doc["controlPlaneEndpoint"] = cp.cp_endpoint
    return doc


def preflight(checks_ports, files, dirs):
    errors = []
    for host, port in checks_ports:
        try:
            fam = socket.AF_INET6 if ":" in host else socket.AF_INET
            with socket.socket(fam, socket.SOCK_STREAM) as s:
                s.bind((host, port))
        except OSError:
            errors.append(f"[ERROR Port-{port}]: Port {port} is in use")
    for f in files:
        if exists(f):
            errors.append(f"[ERROR FileAvailable-{f.replace('/', '-')}]: {f} already exists")
    for d in dirs:
        if os.path.isdir(P(d)) and os.listdir(P(d)):
            errors.append(f"[ERROR DirAvailable-{d.replace('/', '-')}]: {d} is not empty")
    if errors:
        raise Fail("error execution phase preflight: [preflight] Some fatal errors occurred:\n\t"
                   + "\n\t".join(errors) + "\n[preflight] If you know what you are doing, you "
                   "can make a check non-fatal with `--ignore-preflight-errors=...`")


def kubeadm_init(flags):
    cfg = load_kubeadm_config(flags, "init")
    if "JoinConfiguration" in cfg.docs:
        warn(f"[config] WARNING: Ignored configuration document with GroupVersionKind "
             f"{cfg.api_versions['JoinConfiguration']}, Kind=JoinConfiguration")
    validate_init(cfg)
    init = cfg.init
    nr = node_registration(init)
    adv = dig(init, "localAPIEndpoint", "advertiseAddress") or default_ip()
    port = dig(init, "localAPIEndpoint", "bindPort", default=6443)
    cp = ControlPlane(cfg, nr["name"], adv, port)
    skip = cfg.skip_phases("InitConfiguration") | set(
        filter(None, ",".join(flags.get("skip-phases", [])).split(",")))
    timeout = cfg.wait_timeout("InitConfiguration")
    print(f"[init] Using Kubernetes version: {cp.version}")
    if "preflight" not in skip:
        print("[preflight] Running pre-flight checks")
        preflight([(adv, cp.port)], [f"{MANIFESTS}/{n}.yaml" for n in
                                     ("kube-apiserver", "kube-controller-manager",
                                      "kube-scheduler", "etcd")], ["/var/lib/etcd"])
        print("[preflight] Pulling images required for setting up a Kubernetes cluster")
    ca = phase_certs(cp)
    phase_kubeconfigs(cp, ca)
    phase_manifests(cp)
    kubelet_cfg = kubelet_config_for(cfg)
    phase_kubelet_start(kubelet_cfg, nr)
    print(f'[wait-control-plane] Waiting for the kubelet to boot up the control plane as static '
          f'Pods from directory "{MANIFESTS}"')
    wait_kubelet_healthy(kubelet_cfg, timeout)
    ca_data = cert_pem(ca[0])
    wait_apiserver(cp, ca_data, timeout)
    if standin_components.waits_for_all_components(VERSION):
        standin_components.wait_for_components(sys.modules[__name__], timeout)

    client = ApiClient.from_kubeconfig(ADMIN_CONF)
    ks = "/api/v1/namespaces/kube-system"
    print('[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the '
          '"kube-system" Namespace')
    upsert(client, f"{ks}/configmaps", configmap("kubeadm-config", "kube-system", {
        "ClusterConfiguration": yaml_dump(effective_cluster_config(cp))}))
    print('[kubelet] Creating a ConfigMap "kubelet-config" in namespace kube-system with the '
          'configuration for the kubelets in the cluster')
    upsert(client, f"{ks}/configmaps", configmap("kubelet-config", "kube-system",
                                                 {"kubelet": yaml_dump(kubelet_cfg)}))
    print("[upload-certs] Skipping phase. Please see --upload-certs")
    if "mark-control-plane" not in skip:
        mark_control_plane(client, cp.node, nr["taints"], timeout)
    skip_print = flags.on("skip-token-print")
    tokens = [t for t in init.get("bootstrapTokens") or []] or [{"token": random_token()}]
    if "bootstrap-token" not in skip:
        print(f"[bootstrap-token] Using token: "
              f"{'<value withheld>' if skip_print else tokens[0]['token']}")
        print("[bootstrap-token] Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles")
        for t in tokens:
            upsert(client, f"{ks}/secrets", bootstrap_token_secret(
                t["token"], t.get("ttl", "24h0m0s"), t.get("description", ""), t.get("usages"),
                t.get("groups")))
        print("[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get nodes")
        print("[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to post "
              "CSRs in order for nodes to get long term certificate credentials")
        print("[bootstrap-token] Configured RBAC rules to allow the csrapprover controller "
              "automatically approve CSRs from a Node Bootstrap Token")
        print("[bootstrap-token] Configured RBAC rules to allow certificate rotation for all node "
              "client certificates in the cluster")
        print('[bootstrap-token] Creating the "cluster-info" ConfigMap in the "kube-public" '
              'namespace')
        info = {"apiVersion": "v1", "clusters": [{"cluster": {
            "certificate-authority-data": b64(ca_data), "server": cp.cp_url}, "name": ""}],
            "contexts": None, "current-context": "", "kind": "Config", "preferences": {},
            "users": None}
        upsert(client, "/api/v1/namespaces/kube-public/configmaps",
               configmap("cluster-info", "kube-public", {"kubeconfig": yaml_dump(info)}))
    addons(client, cfg, skip)
    h = ca_cert_hash(ca[0])
    tok = "<value withheld>" if skip_print else tokens[0]["token"]
    join = f"kubeadm join {cp.cp_endpoint or cp.local_endpoint} --token {tok} \\\n" \
           f"\t--discovery-token-ca-cert-hash {h}"
    print("""
Your Kubernetes control-plane has initialized successfully!

To start using your cluster, you need to run the following as a regular user:

  mkdir -p $HOME/.kube
  sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config
  sudo chown $(id -u):$(id -g) $HOME/.kube/config

Alternatively, if you are the root user, you can run:

  export KUBECONFIG=/etc/kubernetes/admin.conf

You should now deploy a pod network to the cluster.
Run "kubectl apply -f [podnetwork].yaml" with one of the options listed at:
  https://kubernetes.io/docs/concepts/cluster-administration/addons/
""")
    if cp.cp_endpoint:
        print(f"""You can now join any number of control-plane nodes by copying certificate authorities
and service account keys on each node and then running the following as root:

  {join} \\
\t--control-plane
""")
    print(f"Then you can join any number of worker nodes by running the following on each as "
          f"root:\n\n{join}")
    return 0


def load_kubeadm_config(flags, command):
    path = flags.one("config")
    if path:
        for f in ("apiserver-advertise-address", "token", "control-plane-endpoint",
                  "pod-network-cidr", "service-cidr", "kubernetes-version"):
            if f in flags:
                raise Fail(f"can not mix '--config' with arguments [{f}]")
        return KubeadmConfig.load(path)
    # Flags only: build the equivalent v1beta4 documents.
    ver = "kubeadm.k8s.io/v1beta4"
    cluster = {"apiVersion": ver, "kind": "ClusterConfiguration"}
    if flags.one("kubernetes-version"):
        cluster["kubernetesVersion"] = flags.one("kubernetes-version")
    if flags.one("control-plane-endpoint"):
        cluster["controlPlaneEndpoint"] = flags.one("control-plane-endpoint")
    net = {}
    if flags.one("pod-network-cidr"):
        net["podSubnet"] = flags.one("pod-network-cidr")
    if flags.one("service-cidr"):
        net["serviceSubnet"] = flags.one("service-cidr")
    if net:
        cluster["networking"] = net
    nr = {}
    if flags.one("node-name"):
        nr["name"] = flags.one("node-name")
    if flags.one("cri-socket"):
        nr["criSocket"] = flags.one("cri-socket")
    docs = {"ClusterConfiguration": cluster}
    if command == "init":
        init = {"apiVersion": ver, "kind": "InitConfiguration", "nodeRegistration": nr,
                "localAPIEndpoint": {"bindPort": int(flags.one("apiserver-bind-port", "6443"))}}
        if flags.one("apiserver-advertise-address"):
            init["localAPIEndpoint"]["advertiseAddress"] = flags.one("apiserver-advertise-address")
        if flags.one("token"):
            init["bootstrapTokens"] = [{"token": flags.one("token")}]
        docs["InitConfiguration"] = init
    return KubeadmConfig(docs, "<flags>")


def join_config_from_flags(flags, pos):
    bt = {"apiServerEndpoint": pos[0] if pos else "",
          "token": flags.one("discovery-token") or flags.one("token", ""),
          "caCertHashes": flags.get("discovery-token-ca-cert-hash", []),
          "unsafeSkipCAVerification": flags.on("discovery-token-unsafe-skip-ca-verification")}
    j = {"apiVersion": "kubeadm.k8s.io/v1beta4", "kind": "JoinConfiguration",
         "discovery": {"bootstrapToken": bt}, "nodeRegistration": {}}
    if flags.one("node-name"):
        j["nodeRegistration"]["name"] = flags.one("node-name")
    if flags.on("control-plane"):
        ep = {"bindPort": int(flags.one("apiserver-bind-port", "6443"))}
        if flags.one("apiserver-advertise-address"):
            ep["advertiseAddress"] = flags.one("apiserver-advertise-address")
        j["controlPlane"] = {"localAPIEndpoint": ep}
    return KubeadmConfig({"JoinConfiguration": j}, "<flags>")


def discover(join_doc, timeout):
    """Token discovery: fetch cluster-info, check its JWS and the CA pin, then re-fetch over
    verified TLS. Returns (ca_pem, endpoint)."""
    bt = dig(join_doc, "discovery", "bootstrapToken")
    endpoint, token = bt["apiServerEndpoint"], bt["token"]
    host, port = split_host_port(endpoint, 6443)
    endpoint = join_host_port(host, port)
    tid, tsecret = token.split(".")
    path = "/api/v1/namespaces/kube-public/configmaps/cluster-info"
    print(f"[preflight] Discovering cluster-info from https://{endpoint}")
    insecure = ApiClient(f"https://{endpoint}", insecure=True, timeout=5)
    cm = wait_until(lambda: insecure.get(path), timeout, 1,
                    f'cluster-info ConfigMap from "https://{endpoint}"')
    data = cm.get("data") or {}
    kubeconfig = data.get("kubeconfig", "")
    sig = data.get(f"jws-kubeconfig-{tid}")
    if not sig:
        raise Fail(f'couldn\'t validate the identity of the API Server: there is no JWS signed '
                   f'token in the cluster-info ConfigMap. This token id "{tid}" is invalid for '
                   f'this cluster or it has expired. Use "kubeadm token create" on the '
                   f'control-plane node to create a new valid token')
    if not hmac.compare_digest(sig, jws_detached(kubeconfig, tid, tsecret)):
        raise Fail("couldn't validate the identity of the API Server: failed to verify JWS "
                   "signature of received cluster info object, can't trust this API Server")
    info = yaml.safe_load(kubeconfig) or {}
    ca_pem_ = unb64(info["clusters"][0]["cluster"]["certificate-authority-data"])
    pins = bt.get("caCertHashes") or []
    if pins:
        h = ca_cert_hash(load_cert(ca_pem_))
        if h not in pins:
            raise Fail(f'couldn\'t validate the identity of the API Server: cluster CA found in '
                       f'cluster-info ConfigMap is invalid: none of the public keys "{h}" are '
                       f'pinned')
    else:
        print("[preflight] WARNING: the cluster CA is not pinned (unsafeSkipCAVerification)")
    secure = ApiClient(f"https://{endpoint}", ca_pem_, timeout=5)
    try:
        again = secure.get(path)
    except (ApiError, ConnError) as e:
        raise Fail(f"couldn't validate the identity of the API Server: {e}")
    if dig(again, "data", "kubeconfig") != kubeconfig:
        raise Fail("couldn't validate the identity of the API Server: cluster-info changed "
                   "between the insecure and the secure request")
    print(f'[preflight] Cluster info signature and contents are valid and TLS certificate '
          f'validates against pinned roots, will use API Server "{endpoint}"')
    return ca_pem_, endpoint


SHARED_CP_FILES = ["ca.crt", "ca.key", "sa.key", "sa.pub", "front-proxy-ca.crt",
                   "front-proxy-ca.key", "etcd/ca.crt", "etcd/ca.key"]


def kubeadm_join(flags, pos):
    if flags.one("config"):
        cfg = KubeadmConfig.load(flags.one("config"))
        if "JoinConfiguration" not in cfg.docs:
            raise Fail(f'no JoinConfiguration found in config file "{flags.one("config")}"')
        for k in ("InitConfiguration", "ClusterConfiguration"):
            if k in cfg.docs:
                warn(f"[config] WARNING: Ignored configuration document with GroupVersionKind "
                     f"{cfg.api_versions[k]}, Kind={k}")
    else:
        cfg = join_config_from_flags(flags, pos)
    validate_join(cfg)
    j = cfg.join
    nr = node_registration(j)
    node = nr["name"]
    control_plane = j.get("controlPlane") is not None
    skip = cfg.skip_phases("JoinConfiguration")
    timeout = cfg.wait_timeout("JoinConfiguration")
    disc_timeout = parse_duration(dig(j, "discovery", "timeout") or
                                  dig(j, "timeouts", "discovery"), WAIT_TIMEOUT)
    cp_ep = dig(j, "controlPlane", "localAPIEndpoint", default={}) or {}
    adv = cp_ep.get("advertiseAddress") or default_ip()
    port = int(cp_ep.get("bindPort", 6443))
    if "preflight" not in skip:
        print("[preflight] Running pre-flight checks")
        preflight([(adv, port)] if control_plane else [],
                  [KUBELET_CONF, BOOTSTRAP_KUBELET_CONF] + ([] if control_plane else
                                                            [f"{PKI}/ca.crt"]),
                  [MANIFESTS] if control_plane else [])
    ca_data, endpoint = discover(j, disc_timeout)
    tok = ApiClient(f"https://{endpoint}", ca_data,
                    token=dig(j, "discovery", "tlsBootstrapToken") or
                    dig(j, "discovery", "bootstrapToken", "token"), timeout=10)
    print('[preflight] Reading configuration from the "kubeadm-config" ConfigMap in namespace '
          '"kube-system"...')
    print("[preflight] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' "
          "to re-upload it.")
    try:
        kcm = tok.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config")
        cluster_doc = yaml.safe_load(kcm["data"]["ClusterConfiguration"])
    except ApiError as e:
        raise Fail(f"unable to fetch the kubeadm-config ConfigMap: {e}")
    cluster_cfg = KubeadmConfig(dict(cfg.docs, ClusterConfiguration=cluster_doc))
    try:
        existing = tok.get(f"/api/v1/nodes/{node}")
        ready = next((c for c in dig(existing, "status", "conditions", default=[]) or []
                      if c.get("type") == "Ready"), {})
        if ready.get("status") == "True":
            raise Fail(f'a Node with name "{node}" and status "Ready" already exists in the '
                       f'cluster. You must delete the existing Node or change the name of this '
                       f'new joining Node')
    except ApiError as e:
        if e.code != 404:
            raise Fail(f"unable to check for an existing node: {e}")

    if control_plane:
        print("[preflight] Running pre-flight checks before initializing the new control plane "
              "instance")
        missing = [f for f in SHARED_CP_FILES if not exists(f"{PKI}/{f}")]
        if not cluster_cfg.control_plane_endpoint() or missing:
            why = []
            if not cluster_cfg.control_plane_endpoint():
                why.append("unable to add a new control plane instance to a cluster that doesn't "
                           "have a stable controlPlaneEndpoint address")
            why += [f"failure loading certificate for {f}: couldn't load {PKI}/{f}: no such file "
                    f"or directory" for f in missing]
            raise Fail("error execution phase preflight: \nOne or more conditions for hosting a "
                       "new control plane instance is not satisfied.\n\n" + "\n".join(why) +
                       "\n\nPlease ensure that:\n* The cluster has a stable controlPlaneEndpoint "
                       "address.\n* The certificates that must be shared among control plane "
                       "instances are provided.")
        if read_file(f"{PKI}/ca.crt", True).strip() != ca_data.strip():
            raise Fail(f"the cluster CA in {PKI}/ca.crt does not match the CA of the cluster "
                       f"found through discovery (cluster-info)")
        cp = ControlPlane(cluster_cfg, node, adv, port)
        ca = phase_certs(cp, joining=True)
        print(f'[certs] Valid certificates and keys now exist in "{PKI}"')
        phase_kubeconfigs(cp, ca, joining=True)
        admin = ApiClient.from_kubeconfig(ADMIN_CONF)
        etcd_initial = standin_etcd_join(admin, node, adv, port)
        phase_manifests(cp, etcd_initial=etcd_initial)

    try:
        kubelet_cfg = yaml.safe_load(tok.get(
            "/api/v1/namespaces/kube-system/configmaps/kubelet-config")["data"]["kubelet"])
    except (ApiError, KeyError) as e:
        raise Fail(f"unable to fetch the kubelet-config ConfigMap: {e}")
    if not exists(f"{PKI}/ca.crt"):
        write_file(f"{PKI}/ca.crt", ca_data)
    # TLS bootstrap (normally the kubelet's job): a real CSR, posted with the bootstrap token.
    write_file(BOOTSTRAP_KUBELET_CONF, yaml_dump(make_kubeconfig(
        "kubernetes", f"https://{endpoint}", ca_data, "tls-bootstrap-token-user",
        token=tok.token)), 0o600)
    key = ec.generate_private_key(ec.SECP256R1())
    csr = x509.CertificateSigningRequestBuilder().subject_name(
        x509_name(f"system:node:{node}", ["system:nodes"])).sign(key, hashes.SHA256())
    try:
        created = tok.call("POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", {
            "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
            "metadata": {"generateName": "csr-"},
            "spec": {"request": b64(csr.public_bytes(serialization.Encoding.PEM)),
                     "signerName": "kubernetes.io/kube-apiserver-client-kubelet",
                     "usages": ["digital signature", "client auth"]}})
        name = created["metadata"]["name"]
        done = wait_until(lambda: dig(tok.get(
            f"/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}"),
            "status", "certificate"), timeout, 0.5, f"certificate for CSR {name}")
    except ApiError as e:
        raise Fail(f"error execution phase kubelet-start: TLS bootstrap failed: {e}")
    server = standin_components.kubelet_server(VERSION, cp) if control_plane else \
        f"https://{endpoint}"
    write_file(KUBELET_CONF, yaml_dump(make_kubeconfig(
        "kubernetes", server, ca_data, "default-auth", unb64(done), key_pem(key))), 0o600)
    remove_path(BOOTSTRAP_KUBELET_CONF)
    phase_kubelet_start(kubelet_cfg, nr)
    wait_kubelet_healthy(kubelet_cfg, timeout)
    print("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap")
    kubelet_client = ApiClient.from_kubeconfig(KUBELET_CONF, timeout=5)
    wait_until(lambda: kubelet_client.get(f"/api/v1/nodes/{node}"), timeout, 0.3,
               f'node "{node}" to register')

    if control_plane:
        wait_apiserver(cp, ca_data, timeout)
        if standin_components.waits_for_all_components(VERSION):
            standin_components.wait_for_components(sys.modules[__name__], timeout)
        if "control-plane-join/mark-control-plane" not in skip:
            mark_control_plane(admin, node, nr["taints"], timeout)
        print("""
This node has joined the cluster and a new control plane instance was created:

* Certificate signing request was sent to apiserver and approval was received.
* The Kubelet was informed of the new secure connection details.
* Control plane label and taint were applied to the new node.
* The Kubernetes control plane instances scaled up.
* A new etcd member was added to the local/stacked etcd cluster.

To start administering your cluster from this node, you need to run the following as a regular user:

\tmkdir -p $HOME/.kube
\tsudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config
\tsudo chown $(id -u):$(id -g) $HOME/.kube/config

Run 'kubectl get nodes' to see this node join the cluster.
""")
    else:
        print("""
This node has joined the cluster:
* Certificate signing request was sent to apiserver and a response was received.
* The Kubelet was informed of the new secure connection details.

Run 'kubectl get nodes' on the control-plane to see this node join the cluster.
""")
    return 0


def standin_etcd_join(admin, node, adv, port):
    """kubeadm's control-plane-join/etcd phase: find the members from the etcd mirror pods'
    advertise-client-urls annotations and add this node as a member; fails like kubeadm when
    the cluster cannot take it. Returns etcd's --initial-cluster for the new member."""
    try:
        pods = admin.get("/api/v1/namespaces/kube-system/pods?labelSelector=component%3Detcd")
        endpoints = [p["metadata"]["annotations"]["kubeadm.kubernetes.io/etcd.advertise-client-urls"]
                     for p in pods.get("items", [])]
        if not endpoints:
            raise Fail("error execution phase control-plane-join/etcd: etcd cluster is not "
                       "healthy: no etcd endpoints found in the etcd static pods")
        peer = f"https://{join_host_port(adv, 2380)}"
        client = f"https://{join_host_port(adv, 2379)}"
        out = admin.call("POST", standin_etcd.PREFIX + "/members",
                         {"name": node, "peerURLs": [peer], "clientURL": client,
                          "apiPort": port}, timeout=30)
    except (ApiError, ConnError) as e:
        raise Fail(f"error execution phase control-plane-join/etcd: error creating local etcd "
                   f"static pod manifest file: etcdserver: could not add member {node}: {e}")
    print("[etcd] Announced new etcd member joining to the existing etcd cluster")
    return ",".join(f'{m["name"]}={m["peerURLs"][0]}' for m in out["members"])


def node_name_of_kubelet():
    """The node name kubeadm reset works on (the etcd member's name equals it)."""
    try:
        pod = yaml.safe_load(read_file(f"{MANIFESTS}/etcd.yaml"))
    except (OSError, yaml.YAMLError):
        return None
    return pod_command_flags(pod)[1].get("name")


def standin_etcd_leave(node):
    """kubeadm reset's remove-etcd-member phase: only with the cluster config, which kubeadm
    reads with the Node object (reset.go newResetData -> FetchInitConfigurationFromCluster ->
    getNodeRegistration: Nodes().Get); without it, kubeadm's warning and the member stays."""
    if not exists(f"{MANIFESTS}/etcd.yaml"):
        return
    try:
        admin = ApiClient.from_kubeconfig(ADMIN_CONF, timeout=10)
        admin.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config")
        try:
            admin.get(f"/api/v1/nodes/{node}")
        except ApiError as e:
            raise Fail(f"failed to get node registration: failed to get corresponding node: {e}")
    except (ApiError, ConnError, Fail, OSError) as e:
        warn(f"[reset] Unable to fetch the kubeadm-config ConfigMap from cluster: {e}")
        warn("[reset] No kubeadm config, using etcd pod spec to get data directory")
        return
    try:
        admin.call("DELETE", f"{standin_etcd.PREFIX}/members/{node}")
        print("[reset] Deleted contents of the etcd data directory: /var/lib/etcd")
    except (ApiError, ConnError) as e:
        warn(f"[reset] Failed to remove etcd member: {e}, please manually remove this etcd "
             f"member using etcdctl")


def kubeadm_reset(flags):
    if not flags.on("force"):
        sys.stdout.write("[reset] Are you sure you want to proceed? [y/N]: ")
        sys.stdout.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            raise Fail("aborted reset operation")
    node = node_name_of_kubelet()
    if node:
        standin_etcd_leave(node)
    print("[reset] Stopping the kubelet service")
    try:
        systemctl("stop", "kubelet")
    except Fail as e:
        warn(str(e))
    dirs = [MANIFESTS, KUBELET_DIR, PKI, "/var/lib/etcd", STANDIN_DIR]
    print(f"[reset] Deleting contents of directories: [{' '.join(dirs)}]")
    for d in dirs:
        if os.path.isdir(P(d)):
            for entry in os.listdir(P(d)):
                remove_path(f"{d}/{entry}")
    files = [f"{KUBE_DIR}/{f}" for f in ("admin.conf", "super-admin.conf", "kubelet.conf",
                                         "bootstrap-kubelet.conf", "controller-manager.conf",
                                         "scheduler.conf")]
    print(f"[reset] Deleting files: [{' '.join(files)}]")
    for f in files:
        remove_path(f)
    print("\nThe reset process does not clean CNI configuration. To do so, you must remove "
          "/etc/cni/net.d\n\nThe reset process does not reset or clean up iptables rules or IPVS "
          "tables.\n\nThe reset process does not clean your kubeconfig files and you must remove "
          "them manually.\nPlease, check the contents of the $HOME/.kube/config file.")
    return 0


def kubeadm_images(flags):
    version = flags.one("kubernetes-version")
    repo = flags.one("image-repository")
    if flags.one("config"):
        cfg = KubeadmConfig.load(flags.one("config"))
        version = version or cfg.kubernetes_version()
        repo = repo or cfg.image_repository()
    version = version or VERSION
    if not SEMVER_RE.match(version):
        raise Fail(f'couldn\'t parse Kubernetes version "{version}"')
    version = version if version.startswith("v") else "v" + version
    repo = repo or "registry.k8s.io"
    for img in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"):
        print(f"{repo}/{img}:{version}")
    print(f"{repo}/coredns/coredns:{COREDNS_VERSION}")
    print(f"{repo}/pause:{PAUSE_VERSION}")
    print(f"{repo}/etcd:{ETCD_VERSION}")
    return 0


def kubeadm_token(flags, pos):
    sub = pos[0] if pos else ""
    if sub == "generate":
        print(random_token())
        return 0
    client = ApiClient.from_kubeconfig(flags.one("kubeconfig", ADMIN_CONF))
    ks = "/api/v1/namespaces/kube-system/secrets"
    if sub == "create":
        token = pos[1] if len(pos) > 1 else random_token()
        if not TOKEN_RE.match(token):
            raise Fail(f'the bootstrap token "{token}" was not of the form '
                       f'"[a-z0-9]{{6}}.[a-z0-9]{{16}}"')
        upsert(client, ks, bootstrap_token_secret(token, flags.one("ttl", "24h0m0s"),
                                                  flags.one("description", "")))
        if flags.on("print-join-command"):
            info = client.get("/api/v1/namespaces/kube-public/configmaps/cluster-info")
            kc = yaml.safe_load(info["data"]["kubeconfig"])
            server = kc["clusters"][0]["cluster"]["server"].removeprefix("https://")
            h = ca_cert_hash(load_cert(unb64(
                kc["clusters"][0]["cluster"]["certificate-authority-data"])))
            print(f"kubeadm join {server} --token {token} --discovery-token-ca-cert-hash {h} ")
        else:
            print(token)
        return 0
    if sub == "list":
        rows = []
        for s in client.get(ks).get("items", []):
            if s.get("type") != "bootstrap.kubernetes.io/token":
                continue
            d = {k: unb64(v).decode() for k, v in s.get("data", {}).items()}
            exp = d.get("expiration", "")
            ttl = human_duration(parse_ts(exp) - time.time()) if exp else "<forever>"
            usages = ",".join(k.split("usage-bootstrap-")[1] for k, v in d.items()
                              if k.startswith("usage-bootstrap-") and v == "true")
            rows.append([f'{d["token-id"]}.{d["token-secret"]}', ttl, exp or "<never>", usages,
                         d.get("description", "<none>") or "<none>",
                         d.get("auth-extra-groups", "")])
        print_columns(["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"], rows)
        return 0
    if sub == "delete":
        for t in pos[1:]:
            tid = t.split(".")[0]
            client.call("DELETE", f"{ks}/bootstrap-token-{tid}")
            print(f'bootstrap token "{tid}" deleted')
        return 0
    raise Fail(f'unknown command "{sub}" for "kubeadm token"')


KUBEADM_VALUE_FLAGS = {"config", "v", "kubernetes-version", "skip-phases", "output",
                       "token", "discovery-token", "discovery-token-ca-cert-hash",
                       "apiserver-advertise-address", "apiserver-bind-port", "node-name",
                       "cri-socket", "ttl", "description", "image-repository",
                       "certificate-key", "kubeconfig", "control-plane-endpoint",
                       "pod-network-cidr", "service-cidr", "ignore-preflight-errors",
                       "cert-dir", "patches", "tls-bootstrap-token", "usages", "groups",
                       "feature-gates", "apiserver-cert-extra-sans"}
KUBEADM_BOOL_FLAGS = {"skip-token-print", "force", "print-join-command", "control-plane",
                      "discovery-token-unsafe-skip-ca-verification", "upload-certs",
                      "dry-run", "allow-experimental-api", "allow-deprecated-api",
                      "skip-certificate-key-print", "help", "cleanup-tmp-dir",
                      "allow-missing-template-keys", "show-managed-fields"}


def kubeadm_main(argv):
    global VERBOSITY
    load_crypto()
    flags, pos = parse_cli(argv, KUBEADM_VALUE_FLAGS, KUBEADM_BOOL_FLAGS,
                           {"o": "output", "f": "force", "v": "v"})
    VERBOSITY = int(flags.one("v", "0"))
    cmd = pos[0] if pos else ""
    if cmd == "version":
        out = flags.one("output", "")
        info = {"major": str(semver_tuple(VERSION)[0]), "minor": str(semver_tuple(VERSION)[1]),
                "gitVersion": VERSION, "gitCommit": "standin", "gitTreeState": "clean",
                "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.25.0", "compiler": "gc",
                "platform": f"linux/{machine_arch()}"}
        if out == "short":
            print(VERSION)
        elif out == "json":
            print(json.dumps({"clientVersion": info}, indent=2))
        elif out == "yaml":
            print(yaml_dump({"clientVersion": info}), end="")
        else:
            fields = ", ".join(f'{k[0].upper() + k[1:]}:"{v}"' for k, v in info.items())
            print(f"kubeadm version: &version.Info{{{fields}}}")
        return 0
    if cmd == "init" and pos[1:2] == ["phase"]:
        what = pos[2:]
        if what[:1] == ["certs"] and what[1:] in (["apiserver"], ["all"]):
            cfg = load_kubeadm_config(flags, "init")
            validate_init(cfg)
            nr = node_registration(cfg.init)
            cp = ControlPlane(cfg, nr["name"],
                              dig(cfg.init, "localAPIEndpoint", "advertiseAddress") or default_ip(),
                              dig(cfg.init, "localAPIEndpoint", "bindPort", default=6443))
            phase_certs(cp, only="apiserver" if what[1] == "apiserver" else None)
            return 0
        raise Fail(f"(stand-in) unsupported phase: kubeadm init phase {' '.join(what)} (supported:"
                   f" certs apiserver, certs all)")
    if cmd == "init":
        return kubeadm_init(flags)
    if cmd == "join":
        return kubeadm_join(flags, pos[1:])
    if cmd == "reset":
        return kubeadm_reset(flags)
    if cmd == "config" and pos[1:3] == ["images", "list"]:
        return kubeadm_images(flags)
    if cmd == "config" and pos[1:2] == ["validate"]:
        if not flags.one("config"):
            raise Fail("the --config flag is mandatory")
        cfg = KubeadmConfig.load(flags.one("config"), strict=True,
                                 allow_experimental=flags.on("allow-experimental-api"))
        if "InitConfiguration" in cfg.docs or "ClusterConfiguration" in cfg.docs:
            validate_init(cfg)
        if "JoinConfiguration" in cfg.docs:
            validate_join(cfg)
        print("ok")
        return 0
    if cmd == "token":
        return kubeadm_token(flags, pos[1:])
    raise Fail(f'unknown command "{cmd}" for "kubeadm" (stand-in supports: init, init phase certs '
               f'apiserver, join, reset, version, config images list, config validate, token)')


# ----------------------------------------------------------------------------------------------
# kubectl
# ----------------------------------------------------------------------------------------------

def print_columns(headers, rows, no_headers=False):
    table = ([headers] if not no_headers else []) + [[str(c) for c in r] for r in rows]
    if not table:
        return
    widths = [max(len(r[i]) for r in table if i < len(r)) for i in range(len(table[0]))]
    for r in table:
        print("   ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip())


# -- a small JSONPath (kubectl's flavour): {.a.b}, {..a}, [*], [n], [a:b], [?(@.k=="v")],
#    ['key'], {range ...}{end}, {"literal"}; text outside braces is printed as is.

def jp_tokenize(template):
    out, i, n = [], 0, len(template)
    while i < n:
        j = template.find("{", i)
        if j < 0:
            out.append(("text", template[i:]))
            break
        if j > i:
            out.append(("text", template[i:j]))
        depth, k, quote = 0, j, None
        while k < n:
            ch = template[k]
            if quote:
                if ch == "\\":
                    k += 1
                elif ch == quote:
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        if k >= n:
            raise Fail(f"error parsing jsonpath {template}, unclosed action")
        out.append(("expr", template[j + 1:k].strip()))
        i = k + 1
    return out


JP_STEP = re.compile(r"""\.\.(?P<rec>(?:\\.|[^.\[\]])+)|\.(?P<key>(?:\\.|[^.\[\]])+)|"""
                     r"""\[(?P<br>(?:'[^']*'|"[^"]*"|[^\]])*)\]""")


def jp_eval(expr, current):
    expr = expr.strip()
    if expr.startswith("$"):
        expr = expr[1:]
    if expr.startswith(("'", '"')):
        return [json.loads('"' + expr[1:-1].replace('"', '\\"') + '"')]
    nodes, pos = [current], 0
    while pos < len(expr):
        m = JP_STEP.match(expr, pos)
        if not m:
            raise Fail(f"error parsing jsonpath: unrecognized character in action: {expr[pos:]}")
        pos = m.end()
        nxt = []
        if m.group("rec") is not None:
            key = m.group("rec").replace("\\.", ".")
            stack = list(reversed(nodes))
            while stack:
                node = stack.pop()
                if isinstance(node, dict):
                    if key in node:
                        nxt.append(node[key])
                    stack.extend(reversed(list(node.values())))
                elif isinstance(node, list):
                    stack.extend(reversed(node))
        elif m.group("key") is not None:
            key = m.group("key").replace("\\.", ".")
            for node in nodes:
                if key == "*":
                    nxt += list(node.values()) if isinstance(node, dict) else \
                        node if isinstance(node, list) else []
                elif isinstance(node, dict) and key in node:
                    nxt.append(node[key])
        else:
            br = m.group("br").strip()
            for node in nodes:
                nxt += jp_bracket(br, node)
        nodes = nxt
    return nodes


def jp_bracket(br, node):
    if br == "*":
        return list(node.values()) if isinstance(node, dict) else list(node) \
            if isinstance(node, list) else []
    if br[:1] in ("'", '"'):
        key = br[1:-1]
        return [node[key]] if isinstance(node, dict) and key in node else []
    if br.startswith("?(") and br.endswith(")"):
        m = re.match(r"^@\.([\w.\-/\\]+)\s*(==|!=)\s*(.+)$|^@\.([\w.\-/\\]+)$", br[2:-1].strip())
        if not m or not isinstance(node, list):
            return []
        if m.group(4):
            return [x for x in node if jp_eval("." + m.group(4), x)]
        want = m.group(3).strip()
        want = want[1:-1] if want[:1] in ("'", '"') else want
        out = []
        for x in node:
            vals = [jp_str(v) for v in jp_eval("." + m.group(1), x)]
            hit = want in vals
            if hit == (m.group(2) == "=="):
                out.append(x)
        return out
    if not isinstance(node, list):
        return []
    if ":" in br:
        parts = [int(p) if p.strip() else None for p in br.split(":")]
        return node[slice(*parts[:3])]
    try:
        idx = int(br)
        return [node[idx]] if -len(node) <= idx < len(node) else []
    except ValueError:
        return []


def jp_str(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return "" if v is None else str(v)


def jp_render(tokens, current):
    out, i = [], 0
    while i < len(tokens):
        kind, val = tokens[i]
        if kind == "text":
            out.append(val)
        elif val.startswith("range "):
            depth, j = 1, i + 1
            while j < len(tokens):
                if tokens[j][0] == "expr" and tokens[j][1].startswith("range "):
                    depth += 1
                elif tokens[j] == ("expr", "end"):
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            body = tokens[i + 1:j]
            for item in jp_eval(val[6:], current):
                out.append(jp_render(body, item))
            i = j
        elif val != "end":
            out.append(" ".join(jp_str(v) for v in jp_eval(val, current)))
        i += 1
    return "".join(out)


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


class Kubectl:
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

    def version(self):
        client = version_info(VERSION)
        out = self.flags.one("output", "")
        server = None if self.flags.on("client") else self.client.get("/version")
        if out in ("json", "yaml"):
            data = {"clientVersion": client, "kustomizeVersion": KUSTOMIZE_VERSION}
            if server:
                data["serverVersion"] = server
            print(json.dumps(data, indent=2) if out == "json" else yaml_dump(data), end="\n"
                  if out == "json" else "")
            return 0
        print(f"Client Version: {VERSION}\nKustomize Version: {KUSTOMIZE_VERSION}")
        if server:
            print(f"Server Version: {server.get('gitVersion')}")
            skew = abs(semver_tuple(VERSION)[1] - semver_tuple(server.get("gitVersion", ""))[1])
            if skew > 1:
                sys.stderr.write(f"WARNING: version difference between client "
                                 f"({'.'.join(map(str, semver_tuple(VERSION)[:2]))}) and server "
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


def print_api_error(e):
    sys.stderr.write(f"Error from server ({e.reason or 'Unknown'}): {e}\n")


KUBECTL_COMMANDS = ("get, apply -f, create -f, create namespace, create token, delete, label, "
                    "annotate, taint, cordon, uncordon, drain, wait, patch, scale, version, "
                    "cluster-info")


def kubectl_main(argv):
    global VERBOSITY
    flags, pos = parse_cli(argv, KUBECTL_VALUE_FLAGS, KUBECTL_BOOL_FLAGS, KUBECTL_SHORT)
    VERBOSITY = int(flags.one("v", "0"))
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


# ----------------------------------------------------------------------------------------------
# Entry point
# ----------------------------------------------------------------------------------------------

TOOLS = {"kubeadm": kubeadm_main, "kubelet": kubelet_main, "kubectl": kubectl_main,
         "systemctl": lambda argv: systemctl(*argv[:2]) or 0}


def main(argv):
    tool = os.environ.pop("STANDIN_TOOL", "") or os.path.basename(argv[0]).removesuffix(".py")
    args = argv[1:]
    if tool not in TOOLS:
        if not args or args[0] not in TOOLS:
            sys.stderr.write("usage: standin.py {kubeadm|kubelet|kubectl} ARGS... (or install "
                             "this file as kubeadm, kubelet and kubectl)\n")
            return 2
        tool, args = args[0], args[1:]
    try:
        return TOOLS[tool](args) or 0
    except Fail as e:
        msg = str(e)
        if tool == "kubectl":
            sys.stderr.write(("" if msg.startswith("error") else "error: ") + msg + "\n")
        else:
            sys.stderr.write(msg + "\n")
            if tool == "kubeadm":
                sys.stderr.write("To see the stack trace of this error execute with --v=5 or "
                                 "higher\n")
        return 1
    except ConnError as e:
        sys.stderr.write(f"Unable to connect to the server: {e}\n" if tool == "kubectl" else
                         f"{e}\n")
        return 1
    except ApiError as e:
        sys.stderr.write(f"Error from server ({e.reason or 'Unknown'}): {e}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 141


if __name__ == "__main__":
    sys.exit(main(sys.argv))
