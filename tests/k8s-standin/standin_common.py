"""TEST DOUBLE: what every stand-in tool shares: the real tools' file paths (kubeadm's
cmd/kubeadm/app/constants: /etc/kubernetes, /var/lib/kubelet, ...) under STANDIN_ROOT, klog-style
log lines (k8s.io/klog/v2: "I1207 12:00:00.000000 PID standin] msg", filtered by --v), Go
durations (time.ParseDuration, Duration.String), and the pflag command-line rules the real
binaries share (--flag=value, --flag value, repeated flags, -n shorthands, `--` ends flags).
"""
import base64
import copy
import datetime
import ipaddress
import os
import re
import socket
import sys
import tempfile

import yaml




VERSION = "v1.35.0"  # make-kubernetes-dir.sh --version rewrites this line
KUSTOMIZE_VERSION = "v5.7.1"
ROOT = os.environ.get("STANDIN_ROOT", "").rstrip("/")
HEARTBEAT_SECONDS = float(os.environ.get("STANDIN_HEARTBEAT_SECONDS", "2"))
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
