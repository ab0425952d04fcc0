"""TEST DOUBLE support: the stand-in kubelet's way to the node's REAL containerd.

It runs `minik-test-cri` (tests/cri-client, a CRI v1 client with JSON output) and returns the
decoded answers. The binary is found as $STANDIN_CRI_CLIENT, on PATH, or inside the kubelet's own
zipapp (make-kubernetes-dir.sh --cri-client puts it there), extracted once to /var/lib/standin.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

CLIENT_NAME = "minik-test-cri"
EXTRACT_DIR = "/var/lib/standin/bin"

# CRI enums (runtime/v1 api.proto)
SANDBOX_READY = 0
CONTAINER_CREATED, CONTAINER_RUNNING, CONTAINER_EXITED, CONTAINER_UNKNOWN = 0, 1, 2, 3
NAMESPACE_POD, NAMESPACE_CONTAINER, NAMESPACE_NODE = 0, 1, 2


class CriError(Exception):
    """A failed CRI call; the text is the gRPC error as Go clients print it."""


def find_client():
    path = os.environ.get("STANDIN_CRI_CLIENT") or shutil.which(CLIENT_NAME)
    if path:
        return path
    archive = sys.argv[0] if zipfile.is_zipfile(sys.argv[0]) else None
    if archive is None:
        return None
    with zipfile.ZipFile(archive) as z:
        if CLIENT_NAME not in z.namelist():
            return None
        data = z.read(CLIENT_NAME)
    target = os.path.join(EXTRACT_DIR, CLIENT_NAME)
    try:
        with open(target, "rb") as f:
            if f.read() == data:
                return target
    except OSError:
        pass
    os.makedirs(EXTRACT_DIR, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=EXTRACT_DIR)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o755)
    os.replace(tmp, target)
    return target


class Cri:
    def __init__(self, endpoint, client=None, timeout=10):
        self.endpoint = endpoint if "://" in endpoint else "unix://" + endpoint
        self.client = client or find_client()
        self.timeout = timeout

    def call(self, *args, timeout=None):
        if not self.client:
            raise CriError(f"no CRI client: {CLIENT_NAME} is not installed (test tool)")
        timeout = timeout or self.timeout
        cmd = [self.client, "--endpoint", self.endpoint, "--timeout", str(timeout), *args]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 60)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise CriError(str(e))
        if r.returncode != 0:
            raise CriError(r.stderr.strip() or f"{CLIENT_NAME} exited {r.returncode}")
        return json.loads(r.stdout or "null")

    def with_files(self, args, *docs):
        """Run a call whose trailing arguments are JSON request files."""
        paths = []
        try:
            for d in docs:
                fd, p = tempfile.mkstemp(prefix="cri-", suffix=".json")
                with os.fdopen(fd, "w") as f:
                    json.dump(d, f)
                paths.append(p)
            return self.call(*args, *paths)
        finally:
            for p in paths:
                os.unlink(p)

    # -- the calls the kubelet makes ---------------------------------------------------------
    def status(self):
        return self.call("status")

    def image_present(self, image):
        return bool((self.call("image", image) or {}).get("image"))

    def sandboxes(self):
        return (self.call("pods") or {}).get("items") or []

    def containers(self):
        return (self.call("ps") or {}).get("containers") or []

    def sandbox_status(self, sid):
        return self.call("inspectp", sid) or {}

    def container_status(self, cid):
        return self.call("inspect", cid) or {}

    def run_sandbox(self, config):
        return self.with_files(["runp"], config)["id"]

    def create_container(self, sid, config, sandbox_config):
        return self.with_files(["create", sid], config, sandbox_config)["id"]

    def start(self, cid):
        self.call("start", cid)

    def stop(self, cid, grace):
        """StopContainer: SIGTERM, SIGKILL after `grace` seconds (the kubelet's killContainer)."""
        self.call("stop", cid, "--grace", str(int(grace)), timeout=int(grace) + 10)

    def pull(self, image):
        """PullImage on the node's containerd; CriError with the runtime's text if it fails."""
        return (self.call("pull", image, timeout=120) or {}).get("image_ref", "")

    def remove_container(self, cid):
        self.call("rm", cid)

    def stop_sandbox(self, sid):
        self.call("stopp", sid)

    def remove_sandbox(self, sid):
        self.call("rmp", sid)

    def exec_sync(self, cid, cmd, timeout):
        """CRI ExecSync: {"stdout": [bytes], "stderr": [bytes], "exit_code": N}. Its own
        deadline: a command may run far longer than the other calls."""
        if not self.client:
            raise CriError(f"no CRI client: {CLIENT_NAME} is not installed (test tool)")
        argv = [self.client, "--endpoint", self.endpoint, "--timeout", str(timeout), "exec", cid,
                "--exec-timeout", str(timeout), "--", *cmd]
        try:
            r = subprocess.run(argv, capture_output=True, timeout=timeout + 30)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise CriError(str(e))
        if r.returncode != 0:
            raise CriError(r.stderr.decode("utf-8", "replace").strip() or
                           f"{CLIENT_NAME} exited {r.returncode}")
        return json.loads(r.stdout or b"null")


def runtime_problems(status):
    """Kubelet's NotReady message from a CRI Status answer (pkg/kubelet/kubelet.go
    updateRuntimeUp and nodestatus ReadyCondition): empty when RuntimeReady and NetworkReady."""
    conds = {c.get("type"): c for c in ((status or {}).get("status") or {}).get("conditions") or []}
    out = []
    rt = conds.get("RuntimeReady")
    if not rt or not rt.get("status"):
        out.append("container runtime status check may not have completed yet" if not rt else
                   f"container runtime not ready: RuntimeReady=false reason:{rt.get('reason', '')} "
                   f"message:{rt.get('message', '')}")
    net = conds.get("NetworkReady")
    if not net or not net.get("status"):
        net = net or {}
        out.append("container runtime network not ready: NetworkReady=false "
                   f"reason:{net.get('reason', '')} message:{net.get('message', '')}")
    return out
