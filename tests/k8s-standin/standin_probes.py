"""TEST DOUBLE: the kubelet's readiness probes, run against the pod's real network namespace
(from the node, at the pod's IP, as the real kubelet does) or inside the container through
CRI ExecSync.

Mirrored (kubernetes/kubernetes):
- pkg/kubelet/prober/worker.go: one worker per container with a readiness probe; it waits
  initialDelaySeconds after the container started, probes every periodSeconds, and the result
  flips only after successThreshold successes or failureThreshold failures in a row
  (defaults 1 and 3, period 10 s, timeout 1 s: pkg/apis/core/v1/defaults.go). Until the first
  success a readiness result is Failure (prober/results: readiness starts not ready).
- pkg/probe/http/http.go: GET scheme://podIP:port/path with the probe's headers and
  "User-Agent: kube-probe/MAJOR.MINOR"; 200 <= status < 400 is success.
- pkg/probe/tcp/tcp.go: a TCP connection to podIP:port within the timeout is success.
- pkg/probe/exec + kuberuntime's ExecSync: exit code 0 is success.
- pkg/kubelet/prober/prober.go findPortByName: a named port is the container's port of that
  name; an unknown name fails the probe.
"""
import http.client
import socket
import threading
import time

import standin_common
from standin_cri import CriError

DEFAULTS = {"initialDelaySeconds": 0, "periodSeconds": 10, "timeoutSeconds": 1,
            "successThreshold": 1, "failureThreshold": 3}


def settings(probe):
    out = dict(DEFAULTS)
    for k in DEFAULTS:
        v = probe.get(k)
        if isinstance(v, int) and not isinstance(v, bool) and v > 0:
            out[k] = v
    return out


def resolve_port(port, container):
    """An int port, or a named containerPort (findPortByName); None when it does not exist."""
    if isinstance(port, int) and not isinstance(port, bool):
        return port if 0 < port < 65536 else None
    if isinstance(port, str) and port.isdigit():
        return int(port) if 0 < int(port) < 65536 else None
    for p in container.get("ports") or []:
        if p.get("name") == port:
            return p.get("containerPort")
    return None


def user_agent():
    parts = standin_common.VERSION.lstrip("v").split(".")
    return f"kube-probe/{parts[0]}.{parts[1] if len(parts) > 1 else 0}"


def run_http(action, host, container, timeout):
    port = resolve_port(action.get("port"), container)
    if port is None:
        return False, f"unable to find port {action.get('port')!r}"
    scheme = str(action.get("scheme", "HTTP")).upper()
    conn_class = http.client.HTTPSConnection if scheme == "HTTPS" else http.client.HTTPConnection
    kw = {}
    if scheme == "HTTPS":  # the kubelet does not verify probe certificates
        import ssl
        kw["context"] = ssl._create_unverified_context()
    target = action.get("host") or host
    path = action.get("path") or "/"
    headers = {"User-Agent": user_agent(), "Accept": "*/*"}
    for h in action.get("httpHeaders") or []:
        if h.get("name"):
            headers[h["name"]] = h.get("value", "")
    try:
        conn = conn_class(target, port, timeout=timeout, **kw)
        try:
            conn.request("GET", path if path.startswith("/") else "/" + path, headers=headers)
            code = conn.getresponse().status
        finally:
            conn.close()
    except (OSError, http.client.HTTPException) as e:
        return False, f'Get "{scheme.lower()}://{target}:{port}{path}": {e}'
    if 200 <= code < 400:
        return True, ""
    return False, f"HTTP probe failed with statuscode: {code}"


def run_tcp(action, host, container, timeout):
    port = resolve_port(action.get("port"), container)
    if port is None:
        return False, f"unable to find port {action.get('port')!r}"
    target = action.get("host") or host
    try:
        socket.create_connection((target, port), timeout=timeout).close()
        return True, ""
    except OSError as e:
        return False, f"dial tcp {target}:{port}: {e}"


def run_exec(action, cri, cid, timeout):
    cmd = action.get("command") or []
    if not cmd:
        return False, "exec probe has no command"
    try:
        r = cri.exec_sync(cid, cmd, timeout)
    except CriError as e:
        return False, str(e)
    code = int((r or {}).get("exit_code", 1))
    text = lambda k: bytes((r or {}).get(k) or []).decode("utf-8", "replace")  # CRI bytes
    return code == 0, "" if code == 0 else (f"command {cmd!r} exited with {code}: "
                                             f"{text('stdout')}{text('stderr')}")


def run_once(probe, cri, cid, host, container):
    """One probe: (success, message)."""
    timeout = settings(probe)["timeoutSeconds"]
    if "httpGet" in probe:
        return run_http(probe["httpGet"] or {}, host, container, timeout)
    if "tcpSocket" in probe:
        return run_tcp(probe["tcpSocket"] or {}, host, container, timeout)
    if "exec" in probe:
        return run_exec(probe["exec"] or {}, cri, cid, timeout)
    return False, "probe has no handler (httpGet, tcpSocket or exec)"


class Worker:
    """prober/worker.go for one container's readiness probe."""

    def __init__(self, probe, cri, cid, host, container, started_at=None, clock=time.time):
        self.probe, self.cri, self.cid, self.host, self.container = \
            probe, cri, cid, host, container
        self.s = settings(probe)
        self.started_at = started_at or clock()
        self.clock = clock
        self.ready = False
        self.message = ""
        self.run_count = 0
        self._streak = (None, 0)
        self.stop_event = threading.Event()

    def step(self):
        """One probe and its effect on the result."""
        if self.clock() < self.started_at + self.s["initialDelaySeconds"]:
            return
        ok, msg = run_once(self.probe, self.cri, self.cid, self.host, self.container)
        self.run_count += 1
        last, n = self._streak
        self._streak = (ok, n + 1 if last == ok else 1)
        if ok and self._streak[1] >= self.s["successThreshold"]:
            self.ready, self.message = True, ""
        elif not ok and self._streak[1] >= self.s["failureThreshold"]:
            self.ready, self.message = False, msg
        elif not ok and not self.ready:
            self.message = msg

    def loop(self):
        while not self.stop_event.is_set():
            try:
                self.step()
            except Exception as e:  # a broken probe is a failed probe, never a dead worker
                self.message = str(e)
            self.stop_event.wait(self.s["periodSeconds"] if self.run_count else 0.2)

    def start(self):
        threading.Thread(target=self.loop, name=f"probe-{self.cid[:12]}", daemon=True).start()
        return self

    def stop(self):
        self.stop_event.set()


class Prober:
    """prober_manager.go: workers added for running containers, removed when they go."""

    def __init__(self, cri):
        self.cri = cri
        self.workers = {}  # (pod uid, container name) -> Worker

    def readiness(self, uid, container, cid, host, started_at=None):
        """True/False for a running container (True without a readiness probe)."""
        probe = container.get("readinessProbe")
        if not probe:
            return True
        key = (uid, container.get("name"))
        w = self.workers.get(key)
        if w is None or w.cid != cid or w.host != host:
            if w is not None:
                w.stop()
            w = self.workers[key] = Worker(probe, self.cri, cid, host, container,
                                           started_at).start()
        return w.ready

    def forget(self, keep):
        """Stops the workers of containers not in `keep` ((uid, name) pairs still running)."""
        for key in [k for k in self.workers if k not in keep]:
            self.workers.pop(key).stop()
