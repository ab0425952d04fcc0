"""Tests for the Kubernetes stand-in (a test double; see README.md).

Run from this directory:  python3 -m unittest -v test_standin
Every node is a temp directory used as STANDIN_ROOT; all servers listen on 127.0.0.x only.
The real-kubectl checks use $KUBECTL or `kubectl` from PATH; they are skipped when there is none,
unless STANDIN_REQUIRE_REAL_KUBECTL=1 (then they fail).
"""

import base64
import contextlib
import hashlib
import http.client
import io
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "standin.py")
TOKEN = "abcdef.0123456789abcdef"
# Speed: subprocesses import standin.py (bytecode cached) instead of running it as a script,
# with -S and an explicit PYTHONPATH (skips site's .pth processing, slow on some hosts); kubectl
# runs in this process (see Node.inproc). MakeKubernetesDirTest runs real installed copies.
LAUNCH = (f"import sys; sys.path.insert(0, {HERE!r}); import standin; "
          f"sys.exit(standin.main(['standin'] + sys.argv[1:]))")
PYTHONPATH = os.pathsep.join(dict.fromkeys(
    os.path.dirname(os.path.dirname(m.__file__)) for m in (yaml, x509)))
sys.path.insert(0, HERE)
import standin  # noqa: E402  (for in-process kubectl)
import standin_client  # noqa: E402
import standin_common  # noqa: E402
NOT_LOCAL_IP = "203.0.113.77"  # TEST-NET-3: never an address of this machine


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def real_kubectl():
    path = shutil.which(os.environ.get("KUBECTL", "kubectl"))
    return path


def wait_for(fn, timeout=15, interval=0.2, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            value = fn()
            if value:
                return value
        except Exception as e:  # keep polling; report the last error
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last error: {last!r}")


class Node:
    """One stand-in node: a temp root with /kind/kubeadm.conf."""

    def __init__(self, name, ip, port=None):
        self.name, self.ip, self.port = name, ip, port
        self.root = tempfile.mkdtemp(prefix=f"standin-{name}-")
        self.healthz = free_port()

    def path(self, p):
        return self.root + p

    def env(self):
        return dict(os.environ, STANDIN_ROOT=self.root, STANDIN_HEARTBEAT_SECONDS="0.5",
                    PYTHONPATH=PYTHONPATH,
                    STANDIN_NODE_GRACE_SECONDS="3", STANDIN_WAIT_TIMEOUT="20",
                    STANDIN_HEALTHZ_PORT=str(self.healthz))

    def run(self, tool, *args, stdin=None, check=True, timeout=90, inproc=False):
        if tool == "kubectl" or inproc:
            return self.inproc(tool, *args, stdin=stdin, check=check)
        p = subprocess.run([sys.executable, "-S", "-c", LAUNCH, tool, *args], env=self.env(),
                           input=stdin, capture_output=True, text=True, timeout=timeout)
        return self.checked(p, tool, args, check)

    def inproc(self, tool, *args, stdin=None, check=True):
        """Run a stand-in tool inside this process with this node's root (fast)."""
        out, err = io.StringIO(), io.StringIO()
        saved = standin_common.ROOT, sys.stdin
        standin_common.ROOT, sys.stdin = self.root, io.StringIO(stdin or "")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                rc = standin.main(["standin", tool, *args])
        finally:
            standin_common.ROOT, sys.stdin = saved
        p = subprocess.CompletedProcess([tool, *args], rc, out.getvalue(), err.getvalue())
        return self.checked(p, tool, args, check)

    @staticmethod
    def checked(p, tool, args, check):
        if check and p.returncode != 0:
            raise AssertionError(f"{tool} {' '.join(args)} failed ({p.returncode}):\n"
                                 f"{p.stdout}\n{p.stderr}")
        return p

    def kubectl(self, *args, **kw):
        return self.run("kubectl", "--kubeconfig=/etc/kubernetes/admin.conf", *args, **kw)

    def write(self, p, text):
        os.makedirs(os.path.dirname(self.path(p)), exist_ok=True)
        with open(self.path(p), "w") as f:
            f.write(text)

    def read(self, p):
        with open(self.path(p)) as f:
            return f.read()

    def kubelet_log(self):
        try:
            return self.read("/var/log/kubelet.log")
        except OSError:
            return ""

    def restart_kubelet(self):
        self.run("systemctl", "restart", "kubelet")

    def stop(self):
        self.run("systemctl", "stop", "kubelet", check=False)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def init_config(node, api_version="v1beta4", extra_cluster="", sans=("localhost", "127.0.0.1")):
    if api_version == "v1beta4":
        args = """  extraArgs:
  - name: runtime-config
    value: ""
"""
        kubelet_args = f"""  kubeletExtraArgs:
  - name: node-ip
    value: "{node.ip}"
  - name: provider-id
    value: "kind://docker/kind/{node.name}"
  - name: node-labels
    value: ""
"""
    else:
        args = """  extraArgs:
    runtime-config: ""
"""
        kubelet_args = f"""  kubeletExtraArgs:
    node-ip: "{node.ip}"
    provider-id: "kind://docker/kind/{node.name}"
    node-labels: ""
"""
    return f"""# config generated by a test
apiVersion: kubeadm.k8s.io/{api_version}
kind: ClusterConfiguration
kubernetesVersion: v1.35.0
clusterName: "kind"
controlPlaneEndpoint: "127.0.0.1:{node.port}"
apiServer:
  certSANs: [{", ".join(sans)}]
{args}networking:
  podSubnet: "10.244.0.0/16"
  serviceSubnet: "10.96.0.0/16"
{extra_cluster}---
apiVersion: kubeadm.k8s.io/{api_version}
kind: InitConfiguration
bootstrapTokens:
- token: "{TOKEN}"
localAPIEndpoint:
  advertiseAddress: "{node.ip}"
  bindPort: {node.port}
nodeRegistration:
  name: {node.name}
  criSocket: "unix:///run/containerd/containerd.sock"
{kubelet_args}skipPhases: [preflight]
---
apiVersion: kubeadm.k8s.io/{api_version}
kind: JoinConfiguration
nodeRegistration:
  name: {node.name}
discovery:
  bootstrapToken:
    apiServerEndpoint: "127.0.0.1:{node.port}"
    token: "{TOKEN}"
    unsafeSkipCAVerification: true
skipPhases: [preflight]
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
cgroupRoot: /kubelet
failSwapOn: false
---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: "iptables"
"""


def join_config(node, endpoint, token=TOKEN, hashes=None, unsafe=False, control_plane=False,
                labels=""):
    disc = [f'    apiServerEndpoint: "{endpoint}"', f'    token: "{token}"']
    if hashes:
        disc.append("    caCertHashes: [" + ", ".join(f'"{h}"' for h in hashes) + "]")
    if unsafe:
        disc.append("    unsafeSkipCAVerification: true")
    cp = ""
    if control_plane:
        cp = (f"controlPlane:\n  localAPIEndpoint:\n    advertiseAddress: \"{node.ip}\"\n"
              f"    bindPort: {node.port}\n")
    return f"""apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
{cp}nodeRegistration:
  name: {node.name}
  kubeletExtraArgs:
  - name: node-ip
    value: "{node.ip}"
  - name: provider-id
    value: "kind://docker/kind/{node.name}"
  - name: node-labels
    value: "{labels}"
discovery:
  bootstrapToken:
{chr(10).join(disc)}
skipPhases: [preflight]
"""


def ca_hash(pem):
    cert = x509.load_pem_x509_certificate(pem.encode())
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256:" + hashlib.sha256(spki).hexdigest()


def subject(cert):
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    orgs = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    return cn, orgs


class _HTTPS(http.client.HTTPSConnection):
    """HTTPS to host:port, verifying the certificate for `name` (default: host)."""

    def __init__(self, host, port, ctx, name=None):
        super().__init__(host, port, context=ctx, timeout=5)
        self.name = name or host

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.name)


def https_get(host, port, path, ca_pem, server_hostname=None):
    """(status, body) over TLS verified against ca_pem, without a client certificate."""
    conn = _HTTPS(host, port, ssl.create_default_context(cadata=ca_pem), server_hostname)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


class MakeKubernetesDirTest(unittest.TestCase):
    def test_layout_and_executables(self):
        out = tempfile.mkdtemp(prefix="standin-kdir-")
        try:
            os.makedirs(os.path.join(out, "images"))
            open(os.path.join(out, "images", "keep.tar"), "w").close()
            subprocess.run([os.path.join(HERE, "make-kubernetes-dir.sh"), "--version", "v1.34.2",
                            out], check=True, capture_output=True)
            with open(os.path.join(out, "version")) as f:
                self.assertEqual(f.read(), "v1.34.2\n")
            self.assertTrue(os.path.exists(os.path.join(out, "images", "keep.tar")))
            env = dict(os.environ)
            env.pop("STANDIN_ROOT", None)
            bin_ = os.path.join(out, "bin")
            run = lambda *a: subprocess.run(a, capture_output=True, text=True, env=env,
                                            timeout=30)
            for tool in ("kubeadm", "kubelet", "kubectl"):
                self.assertTrue(os.access(os.path.join(bin_, tool), os.X_OK), tool)
            self.assertEqual(run(f"{bin_}/kubeadm", "version", "-o", "short").stdout, "v1.34.2\n")
            self.assertEqual(run(f"{bin_}/kubelet", "--version").stdout, "Kubernetes v1.34.2\n")
            self.assertIn("Client Version: v1.34.2",
                          run(f"{bin_}/kubectl", "version", "--client").stdout)
            bad = subprocess.run([os.path.join(HERE, "make-kubernetes-dir.sh"), "--version",
                                  "1.34", out], capture_output=True, text=True)
            self.assertNotEqual(bad.returncode, 0)
        finally:
            shutil.rmtree(out, ignore_errors=True)


class ClusterTest(unittest.TestCase):
    """init -> API -> join -> Ready, HA, restarts and IP changes, on loopback.
    The tests run in order (test_NN_*) against one cluster built in setUpClass."""

    @classmethod
    def setUpClass(cls):
        cls.cp = Node("kind-control-plane", "127.0.0.1", free_port())
        cls.worker = Node("kind-worker", "127.0.0.2")
        cls.cp2 = Node("kind-control-plane2", "127.0.0.3", free_port())
        cls.nodes = [cls.cp, cls.worker, cls.cp2]
        cls.cp.write("/kind/kubeadm.conf", init_config(cls.cp))
        start = time.time()
        cls.init = cls.cp.run("kubeadm", "init", "--config=/kind/kubeadm.conf",
                              "--skip-token-print", "--v=6", check=False)
        cls.init_seconds = time.time() - start
        cls.tmp = tempfile.mkdtemp(prefix="standin-host-")

    @classmethod
    def tearDownClass(cls):
        for n in cls.nodes:
            n.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        if self.init.returncode != 0:
            self.fail(f"kubeadm init failed:\n{self.init.stdout}\n{self.init.stderr}\n"
                      f"kubelet log:\n{self.cp.kubelet_log()}")

    # -- helpers ----------------------------------------------------------------------------
    def ca(self):
        return self.cp.read("/etc/kubernetes/pki/ca.crt")

    def node_json(self, name, via=None):
        out = (via or self.cp).kubectl("get", "node", name, "-o", "json").stdout
        return json.loads(out)

    def ready(self, name, via=None):
        conds = self.node_json(name, via)["status"]["conditions"]
        return next(c for c in conds if c["type"] == "Ready")

    def wait_ready_status(self, name, status, timeout=15):
        return wait_for(lambda: self.ready(name)["status"] == status and self.ready(name),
                        timeout, what=f"{name} Ready={status}")

    def host_kubeconfig(self, server):
        """admin.conf with the server rewritten, as minik exports it for the host."""
        cfg = yaml.safe_load(self.cp.read("/etc/kubernetes/admin.conf"))
        cfg["clusters"][0]["cluster"]["server"] = server
        path = os.path.join(self.tmp, f"kubeconfig-{abs(hash(server))}")
        with open(path, "w") as f:
            yaml.safe_dump(cfg, f)
        return path

    def real_kubectl(self, kubeconfig, *args, check=True):
        exe = real_kubectl()
        if not exe:
            if os.environ.get("STANDIN_REQUIRE_REAL_KUBECTL") == "1":
                self.fail("no real kubectl found (set KUBECTL or put kubectl on PATH)")
            self.skipTest("no real kubectl on PATH (set KUBECTL=...)")
        p = subprocess.run([exe, f"--kubeconfig={kubeconfig}",
                            f"--cache-dir={os.path.join(self.tmp, 'kube-cache')}",
                            "--request-timeout=10s", *args],
                           capture_output=True, text=True, timeout=60)
        if check and p.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed:\n{p.stdout}\n{p.stderr}")
        return p

    # -- tests ------------------------------------------------------------------------------
    def test_01_init_writes_kubeadm_files(self):
        out = self.init.stdout
        self.assertIn("[init] Using Kubernetes version: v1.35.0", out)
        self.assertIn("Your Kubernetes control-plane has initialized successfully!", out)
        self.assertIn("--token <value withheld>", out)
        self.assertIn("Ignored configuration document", self.init.stderr)  # JoinConfiguration
        self.assertLess(self.init_seconds, 20)
        cp = self.cp
        for f in ("pki/ca.crt", "pki/ca.key", "pki/apiserver.crt", "pki/apiserver.key",
                  "pki/sa.key", "pki/sa.pub", "pki/front-proxy-ca.crt", "pki/front-proxy-ca.key",
                  "pki/etcd/ca.crt", "pki/etcd/ca.key", "admin.conf", "super-admin.conf",
                  "kubelet.conf", "controller-manager.conf", "scheduler.conf",
                  "manifests/kube-apiserver.yaml", "manifests/etcd.yaml",
                  "manifests/kube-controller-manager.yaml", "manifests/kube-scheduler.yaml"):
            self.assertTrue(os.path.exists(cp.path("/etc/kubernetes/" + f)), f)
        ca = x509.load_pem_x509_certificate(self.ca().encode())
        api = x509.load_pem_x509_certificate(cp.read("/etc/kubernetes/pki/apiserver.crt").encode())
        self.assertEqual(api.issuer, ca.subject)
        sans = api.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = set(sans.get_values_for_type(x509.DNSName))
        ips = {str(i) for i in sans.get_values_for_type(x509.IPAddress)}
        self.assertLessEqual({"kubernetes", "kubernetes.default", "kubernetes.default.svc",
                              "kubernetes.default.svc.cluster.local", "kind-control-plane",
                              "localhost"}, dns)
        self.assertLessEqual({"10.96.0.1", "127.0.0.1"}, ips)
        # admin.conf: exactly one cluster/user/context, kubeadm's names, embedded data.
        admin = yaml.safe_load(cp.read("/etc/kubernetes/admin.conf"))
        self.assertEqual([c["name"] for c in admin["clusters"]], ["kind"])
        self.assertEqual([u["name"] for u in admin["users"]], ["kubernetes-admin"])
        self.assertEqual([c["name"] for c in admin["contexts"]], ["kubernetes-admin@kind"])
        self.assertEqual(admin["current-context"], "kubernetes-admin@kind")
        self.assertEqual(admin["clusters"][0]["cluster"]["server"], f"https://127.0.0.1:{cp.port}")
        self.assertEqual(base64.b64decode(admin["clusters"][0]["cluster"][
            "certificate-authority-data"]).decode().strip(), self.ca().strip())
        user = x509.load_pem_x509_certificate(base64.b64decode(
            admin["users"][0]["user"]["client-certificate-data"]))
        self.assertEqual(subject(user), ("kubernetes-admin", ["kubeadm:cluster-admins"]))
        kubelet = yaml.safe_load(cp.read("/etc/kubernetes/kubelet.conf"))
        kcert = x509.load_pem_x509_certificate(base64.b64decode(
            kubelet["users"][0]["user"]["client-certificate-data"]))
        self.assertEqual(subject(kcert), ("system:node:kind-control-plane", ["system:nodes"]))
        manifest = cp.read("/etc/kubernetes/manifests/kube-apiserver.yaml")
        for flag in ("--advertise-address=127.0.0.1", f"--secure-port={cp.port}",
                     "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
                     "--client-ca-file=/etc/kubernetes/pki/ca.crt",
                     "--service-cluster-ip-range=10.96.0.0/16", "--runtime-config="):
            self.assertIn(flag, manifest)
        flags = cp.read("/var/lib/kubelet/kubeadm-flags.env")
        self.assertRegex(flags, r'^KUBELET_KUBEADM_ARGS=".*--node-ip=127\.0\.0\.1.*"\n$')
        self.assertIn("--provider-id=kind://docker/kind/kind-control-plane", flags)
        kcfg = yaml.safe_load(cp.read("/var/lib/kubelet/config.yaml"))
        self.assertEqual(kcfg["kind"], "KubeletConfiguration")
        self.assertEqual(kcfg["cgroupRoot"], "/kubelet")
        self.assertEqual(kcfg["staticPodPath"], "/etc/kubernetes/manifests")

    def test_02_anonymous_and_token_access(self):
        port, ca = self.cp.port, self.ca()
        for path in ("/readyz", "/livez", "/healthz"):
            self.assertEqual(https_get("127.0.0.1", port, path, ca), (200, "ok"))
        code, body = https_get("127.0.0.1", port, "/version", ca)
        self.assertEqual(json.loads(body)["gitVersion"], "v1.35.0")
        code, body = https_get("127.0.0.1", port, "/api/v1/nodes", ca)
        self.assertEqual(code, 403)
        self.assertIn('User \\"system:anonymous\\" cannot list resource \\"nodes\\"', body)
        code, body = https_get("127.0.0.1", port,
                               "/api/v1/namespaces/kube-public/configmaps/cluster-info", ca)
        self.assertEqual(code, 200)
        data = json.loads(body)["data"]
        self.assertIn("jws-kubeconfig-abcdef", data)
        self.assertIn(f"server: https://127.0.0.1:{port}", data["kubeconfig"])
        # The serving cert verifies for every SAN, and not for a name outside them.
        self.assertEqual(https_get("127.0.0.1", port, "/readyz", ca, "localhost")[0], 200)
        self.assertEqual(https_get("127.0.0.1", port, "/readyz", ca, "kubernetes.default")[0], 200)
        with self.assertRaises(ssl.SSLCertVerificationError):
            https_get("127.0.0.1", port, "/readyz", ca, "not-a-san.example")

    def test_03_standin_kubectl(self):
        cp = self.cp
        # Once through the script itself (a separate process, as installed in the node).
        p = subprocess.run([sys.executable, STANDIN, "kubectl",
                            "--kubeconfig=/etc/kubernetes/admin.conf", "get", "nodes"],
                           env=cp.env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.splitlines()
        self.assertEqual(out[0].split(), ["NAME", "STATUS", "ROLES", "AGE", "VERSION"])
        self.assertEqual(out[1].split()[:3], ["kind-control-plane", "Ready", "control-plane"])
        # kind's waitforready query, quotes included as kind passes them (no shell).
        p = cp.kubectl("get", "nodes", "--selector=node-role.kubernetes.io/control-plane",
                       "-o=jsonpath='{.items..status.conditions[-1:].status}'")
        self.assertEqual(p.stdout, "'True'")
        self.assertEqual(cp.kubectl("get", "nodes", "-o", "jsonpath={.items[*].metadata.name}")
                         .stdout, "kind-control-plane")
        self.assertEqual(cp.kubectl("get", "nodes", "-o", "name").stdout, "node/kind-control-plane\n")
        self.assertIn("INTERNAL-IP", cp.kubectl("get", "nodes", "-o", "wide").stdout)
        node = self.node_json("kind-control-plane")
        self.assertEqual(node["spec"]["taints"], [
            {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}])
        self.assertEqual(node["spec"]["providerID"], "kind://docker/kind/kind-control-plane")
        self.assertEqual(node["spec"]["podCIDR"], "10.244.0.0/24")
        self.assertEqual(node["status"]["conditions"][-1]["type"], "Ready")
        self.assertIn({"type": "InternalIP", "address": "127.0.0.1"}, node["status"]["addresses"])
        self.assertEqual(node["status"]["nodeInfo"]["kubeletVersion"], "v1.35.0")
        # kind's single-node untaint, then label/cordon round trips.
        self.assertEqual(cp.kubectl("taint", "nodes", "--all",
                                    "node-role.kubernetes.io/control-plane-").stdout,
                         "node/kind-control-plane untainted\n")
        self.assertEqual(self.node_json("kind-control-plane")["spec"].get("taints", []), [])
        cp.kubectl("label", "nodes", "kind-control-plane",
                   "node.kubernetes.io/exclude-from-external-load-balancers-")
        self.assertEqual(cp.kubectl("label", "nodes", "kind-control-plane", "tier=db").stdout,
                         "node/kind-control-plane labeled\n")
        self.assertIn("Ready,SchedulingDisabled",
                      cp.kubectl("cordon", "kind-control-plane") and
                      cp.kubectl("get", "nodes").stdout)
        cp.kubectl("uncordon", "kind-control-plane")
        cp.kubectl("taint", "nodes", "kind-control-plane", "dedicated=infra:NoSchedule")
        self.assertEqual(self.node_json("kind-control-plane")["spec"]["taints"],
                         [{"key": "dedicated", "effect": "NoSchedule", "value": "infra"}])
        cp.kubectl("taint", "nodes", "kind-control-plane", "dedicated-")
        # apply / create of a CNI-like multi-document manifest.
        manifest = textwrap.dedent("""\
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: kindnet}
            rules: []
            ---
            apiVersion: v1
            kind: ServiceAccount
            metadata: {name: kindnet, namespace: kube-system}
            ---
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: kindnet, namespace: kube-system}
            spec:
              selector: {matchLabels: {app: kindnet}}
              template:
                metadata: {labels: {app: kindnet}}
                spec: {containers: [{name: kindnet-cni, image: kindest/kindnetd:v1}]}
            ---
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: standard, annotations: {storageclass.kubernetes.io/is-default-class: "true"}}
            provisioner: rancher.io/local-path
            """)
        out = cp.kubectl("create", "-f", "-", stdin=manifest).stdout
        self.assertEqual(out.splitlines(), [
            "clusterrole.rbac.authorization.k8s.io/kindnet created",
            "serviceaccount/kindnet created", "daemonset.apps/kindnet created",
            "storageclass.storage.k8s.io/standard created"])
        again = cp.kubectl("create", "-f", "-", stdin=manifest, check=False)
        self.assertEqual(again.returncode, 1)
        self.assertIn("(AlreadyExists)", again.stderr)
        # Like the real kubectl: objects made by create gain the last-applied annotation on the
        # first apply ("configured"); the next identical apply changes nothing.
        self.assertIn("daemonset.apps/kindnet configured",
                      cp.kubectl("apply", "-f", "-", stdin=manifest).stdout)
        self.assertIn("daemonset.apps/kindnet unchanged",
                      cp.kubectl("apply", "-f", "-", stdin=manifest).stdout)
        self.assertIn("daemonset.apps/kindnet configured", cp.kubectl(
            "apply", "-f", "-", stdin=manifest.replace("kindnetd:v1", "kindnetd:v2")).stdout)
        self.assertIn("kindnet", cp.kubectl("get", "ds", "-n", "kube-system").stdout)
        self.assertIn("standard", cp.kubectl("get", "storageclasses", "-o", "name").stdout)
        bad = cp.kubectl("apply", "-f", "-", stdin="apiVersion: example.com/v1\nkind: Widget\n"
                                                    "metadata: {name: w}\n", check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn('no matches for kind "Widget"', bad.stderr)
        self.assertIn("Server Version: v1.35.0", cp.kubectl("version").stdout)
        self.assertIn("Kubernetes control plane is running at https://127.0.0.1:",
                      cp.kubectl("cluster-info").stdout)
        self.assertEqual(cp.kubectl("get", "--raw", "/readyz").stdout, "ok\n")
        # What minik's tour has learners type: create namespace, then scale a Deployment.
        self.assertEqual(cp.kubectl("create", "namespace", "tour").stdout,
                         "namespace/tour created\n")
        self.assertIn("(AlreadyExists)",
                      cp.kubectl("create", "namespace", "tour", check=False).stderr)
        cp.kubectl("apply", "-n", "tour", "-f", "-", stdin=textwrap.dedent("""\
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: hello}
            spec:
              replicas: 1
              selector: {matchLabels: {app: hello}}
              template:
                metadata: {labels: {app: hello}}
                spec: {containers: [{name: hello, image: example.test/hello:1}]}
            """))
        self.assertEqual(cp.kubectl("scale", "-n", "tour", "deployment", "hello",
                                    "--replicas=3").stdout, "deployment.apps/hello scaled\n")
        got = json.loads(cp.kubectl("get", "-n", "tour", "deployment/hello", "-o", "json").stdout)
        self.assertEqual(got["spec"]["replicas"], 3)
        missing = cp.kubectl("scale", "-n", "tour", "deployment", "hello", check=False)
        self.assertEqual(missing.returncode, 1)
        self.assertIn('"replicas" not set', missing.stderr)
        self.assertIn("not scalable", cp.kubectl("scale", "configmap", "x", "--replicas=1",
                                                 check=False).stderr)
        cp.kubectl("delete", "namespace", "tour")

    def test_03b_apply_races_status_writes(self):
        """The flake of issue #19: a status write landing between kubectl apply's read and its
        write. The real kubectl sends a strategic merge patch without a resourceVersion, so
        the API server applies it to the latest object; only a stale precondition conflicts."""
        cp = self.cp
        ds = textwrap.dedent("""\
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: race, namespace: kube-system}
            spec:
              selector: {matchLabels: {app: race}}
              template:
                metadata: {labels: {app: race}}
                spec:
                  containers:
                  - {name: a, image: example.test/a:1, args: [--x]}
                  - {name: b, image: example.test/b:1}
            """)
        cp.kubectl("apply", "-f", "-", stdin=ds)
        real_get, writes = standin_client.ApiClient.get, []

        def racing_get(client, path, **kw):
            obj = real_get(client, path, **kw)
            if path.endswith("/daemonsets/race"):  # a status write gets there first
                # (a patch: the stand-in's DaemonSet controller writes status too)
                writes.append(client.call(
                    "PATCH", path + "/status",
                    {"status": {"observedGeneration": len(writes) + 7}},
                    content_type="application/merge-patch+json")["metadata"]["resourceVersion"])
            return obj
        standin_client.ApiClient.get = racing_get
        try:
            # image changed, container b dropped, a's args dropped: all three must land
            out = cp.kubectl("apply", "-f", "-", stdin=ds.replace("a:1", "a:2")
                             .replace(", args: [--x]", "").replace(
                                 "  - {name: b, image: example.test/b:1}\n", "")).stdout
        finally:
            standin_client.ApiClient.get = real_get
        self.assertEqual(out, "daemonset.apps/race configured\n")
        self.assertTrue(writes, "the racing status write never happened")
        got = json.loads(cp.kubectl("get", "ds", "race", "-n", "kube-system", "-o",
                                    "json").stdout)
        self.assertEqual(got["spec"]["template"]["spec"]["containers"],
                         [{"name": "a", "image": "example.test/a:2"}])
        # A resourceVersion in a patch is a precondition, as on the real API server.
        stale = cp.kubectl("patch", "ds", "race", "-n", "kube-system", "-p",
                           json.dumps({"metadata": {"resourceVersion": writes[0]},
                                       "spec": {"minReadySeconds": 1}}), check=False)
        self.assertEqual(stale.returncode, 1)
        self.assertIn("(Conflict)", stale.stderr)
        self.assertIn("the object has been modified", stale.stderr)
        cp.kubectl("delete", "ds", "race", "-n", "kube-system")

    def test_04_real_kubectl_over_verified_tls(self):
        kc = self.host_kubeconfig(f"https://localhost:{self.cp.port}")
        out = self.real_kubectl(kc, "get", "nodes").stdout.splitlines()
        self.assertEqual(out[0].split(), ["NAME", "STATUS", "ROLES", "AGE", "VERSION"])
        self.assertEqual(out[1].split()[:3], ["kind-control-plane", "Ready", "control-plane"])
        wide = self.real_kubectl(kc, "get", "nodes", "-o", "wide").stdout
        self.assertIn("INTERNAL-IP", wide)
        self.assertIn("127.0.0.1", wide)
        items = json.loads(self.real_kubectl(kc, "get", "nodes", "-o", "json").stdout)["items"]
        self.assertEqual([i["metadata"]["name"] for i in items], ["kind-control-plane"])
        self.assertEqual(self.real_kubectl(kc, "get", "--raw", "/readyz").stdout.strip(), "ok")
        self.assertIn("Server Version: v1.35.0", self.real_kubectl(kc, "version").stdout)
        self.assertIn(f"Kubernetes control plane is running at https://localhost:{self.cp.port}",
                      self.real_kubectl(kc, "cluster-info").stdout)
        ns = self.real_kubectl(kc, "get", "namespaces").stdout
        for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.assertIn(name, ns)
        self.assertIn("kube-apiserver-kind-control-plane",
                      self.real_kubectl(kc, "get", "pods", "-n", "kube-system").stdout)
        self.real_kubectl(kc, "label", "node", "kind-control-plane", "from-real-kubectl=yes")
        cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo}\ndata: {a: '1'}\n"
        path = os.path.join(self.tmp, "cm.yaml")
        for data, word in (("'1'", "created"), ("'2'", "configured"), ("'2'", "unchanged")):
            with open(path, "w") as f:
                f.write(cm.replace("'1'", data))
            self.assertIn(f"configmap/demo {word}",
                          self.real_kubectl(kc, "apply", "-f", path).stdout)
        self.assertIn('"a":"2"', self.cp.kubectl("get", "cm", "demo", "-o", "json").stdout
                      .replace(" ", ""))
        self.assertEqual(self.node_json("kind-control-plane")["metadata"]["labels"][
            "from-real-kubectl"], "yes")
        # TLS really is verified: a name outside the SANs is refused.
        bad = self.real_kubectl(kc, "--tls-server-name=not-a-san.example", "get", "nodes",
                                check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("certificate", bad.stderr)

    def test_05_join_worker_with_pinned_ca(self):
        w = self.worker
        w.write("/kind/kubeadm.conf", join_config(
            w, f"127.0.0.1:{self.cp.port}", hashes=[ca_hash(self.ca())], labels="tier=frontend"))
        p = w.run("kubeadm", "join", "--config=/kind/kubeadm.conf", "--v=6", check=False)
        self.assertEqual(p.returncode, 0, f"{p.stdout}\n{p.stderr}\n{w.kubelet_log()}")
        self.assertIn("This node has joined the cluster", p.stdout)
        self.assertIn("node/kind-worker condition met", self.cp.kubectl(
            "wait", "--for=condition=Ready", "nodes", "--all", "--timeout=20s").stdout)
        node = self.node_json("kind-worker")
        self.assertEqual(node["metadata"]["labels"]["tier"], "frontend")
        self.assertEqual(node["spec"]["providerID"], "kind://docker/kind/kind-worker")
        self.assertIn({"type": "InternalIP", "address": "127.0.0.2"}, node["status"]["addresses"])
        kubelet = yaml.safe_load(w.read("/etc/kubernetes/kubelet.conf"))
        self.assertEqual(kubelet["clusters"][0]["cluster"]["server"],
                         f"https://127.0.0.1:{self.cp.port}")
        self.assertEqual(w.read("/etc/kubernetes/pki/ca.crt").strip(), self.ca().strip())
        self.assertFalse(os.path.exists(w.path("/etc/kubernetes/bootstrap-kubelet.conf")))

    def test_06_join_failures(self):
        endpoint = f"127.0.0.1:{self.cp.port}"
        cases = [
            (dict(hashes=["sha256:" + "0" * 64]), "none of the public keys"),
            (dict(token="zzzzzz.0123456789abcdef", unsafe=True), "no JWS signed token"),
            (dict(token="abcdef.zzzzzzzzzzzzzzzz", unsafe=True), "failed to verify JWS"),
        ]
        for kw, needle in cases:
            n = Node("kind-worker9", "127.0.0.9")
            try:
                n.write("/kind/kubeadm.conf", join_config(n, endpoint, **kw))
                p = n.run("kubeadm", "join", "--config=/kind/kubeadm.conf", check=False,
                          inproc=True)
                self.assertNotEqual(p.returncode, 0, p.stdout)
                self.assertIn(needle, p.stderr)
                self.assertFalse(os.path.exists(n.path("/etc/kubernetes/kubelet.conf")))
            finally:
                n.cleanup()
        # A node name that is already Ready is refused.
        n = Node("kind-worker", "127.0.0.9")
        try:
            n.write("/kind/kubeadm.conf", join_config(n, endpoint, unsafe=True))
            p = n.run("kubeadm", "join", "--config=/kind/kubeadm.conf", check=False, inproc=True)
            self.assertIn('a Node with name "kind-worker" and status "Ready" already exists',
                          p.stderr)
        finally:
            n.cleanup()

    def test_07_join_second_control_plane(self):
        cp2 = self.cp2
        # What minik (like kind) does first: copy the shared pki files and admin.conf.
        for f in ("ca.crt", "ca.key", "sa.key", "sa.pub", "front-proxy-ca.crt",
                  "front-proxy-ca.key", "etcd/ca.crt", "etcd/ca.key"):
            cp2.write(f"/etc/kubernetes/pki/{f}", self.cp.read(f"/etc/kubernetes/pki/{f}"))
        cp2.write("/etc/kubernetes/admin.conf", self.cp.read("/etc/kubernetes/admin.conf"))
        cp2.write("/kind/kubeadm.conf", join_config(cp2, f"127.0.0.1:{self.cp.port}",
                                                    unsafe=True, control_plane=True))
        p = cp2.run("kubeadm", "join", "--config", "/kind/kubeadm.conf", "--v=6", check=False)
        self.assertEqual(p.returncode, 0, f"{p.stdout}\n{p.stderr}\n{cp2.kubelet_log()}")
        self.assertIn("a new control plane instance was created", p.stdout)
        # Its own apiserver answers from the same state, reads and writes.
        kc = cp2.path("/etc/kubernetes/direct.conf")
        cfg = yaml.safe_load(cp2.read("/etc/kubernetes/admin.conf"))
        cfg["clusters"][0]["cluster"]["server"] = f"https://127.0.0.3:{cp2.port}"
        cp2.write("/etc/kubernetes/direct.conf", yaml.safe_dump(cfg))
        out = cp2.run("kubectl", "--kubeconfig=/etc/kubernetes/direct.conf", "get", "nodes").stdout
        for name in ("kind-control-plane ", "kind-control-plane2", "kind-worker"):
            self.assertIn(name, out)
        cp2.run("kubectl", "--kubeconfig=/etc/kubernetes/direct.conf", "label", "node",
                "kind-worker", "written-via=cp2")
        self.assertEqual(self.node_json("kind-worker")["metadata"]["labels"]["written-via"], "cp2")
        self.assertIn("node-role.kubernetes.io/control-plane",
                      self.node_json("kind-control-plane2")["metadata"]["labels"])
        self.wait_ready_status("kind-control-plane2", "True")
        if real_kubectl():
            self.assertIn("kind-control-plane2", self.real_kubectl(kc, "get", "nodes").stdout)

    def test_08_stopped_kubelet_turns_node_unknown(self):
        self.worker.stop()
        c = self.wait_ready_status("kind-worker", "Unknown", timeout=15)
        self.assertEqual(c["reason"], "NodeStatusUnknown")
        self.assertIn("Unknown", self.cp.kubectl("get", "nodes").stdout)
        self.worker.restart_kubelet()
        self.wait_ready_status("kind-worker", "True")

    def test_09_node_ip_change_unfixed_then_fixed(self):
        w = self.worker
        flags = w.read("/var/lib/kubelet/kubeadm-flags.env")
        w.write("/var/lib/kubelet/kubeadm-flags.env", flags.replace("127.0.0.2", NOT_LOCAL_IP))
        w.restart_kubelet()
        c = self.wait_ready_status("kind-worker", "False")
        self.assertEqual(c["reason"], "KubeletNotReady")
        self.assertIn(f'node IP "{NOT_LOCAL_IP}" not found', c["message"])
        w.write("/var/lib/kubelet/kubeadm-flags.env", flags)
        w.restart_kubelet()
        self.wait_ready_status("kind-worker", "True")

    def test_10_apiserver_refuses_foreign_advertise_address(self):
        cp2 = self.cp2
        path = "/etc/kubernetes/manifests/kube-apiserver.yaml"
        good = cp2.read(path)
        ca = self.ca()
        cp2.write(path, good.replace("--advertise-address=127.0.0.3",
                                     f"--advertise-address={NOT_LOCAL_IP}"))
        wait_for(lambda: self._refused("127.0.0.3", cp2.port, ca), 10, what="apiserver to stop")
        message = wait_for(lambda: json.loads(cp2.read("/var/lib/standin/static-pods.json"))[
            "kube-apiserver"]["message"], 10, what="the kubelet to report the failure")
        self.assertIn(f"listen tcp {NOT_LOCAL_IP}:{cp2.port}: bind: cannot assign requested "
                      f"address", message)
        cp2.write(path, good)
        wait_for(lambda: https_get("127.0.0.3", cp2.port, "/readyz", ca)[0] == 200, 15,
                 what="apiserver to come back")

    @staticmethod
    def _refused(host, port, ca):
        try:
            https_get(host, port, "/readyz", ca)
            return False
        except OSError:
            return True

    def test_11_restart_keeps_state(self):
        cp = self.cp
        cp.restart_kubelet()
        wait_for(lambda: https_get("127.0.0.1", cp.port, "/readyz", self.ca())[0] == 200, 15,
                 what="apiserver after restart")
        names = cp.kubectl("get", "nodes", "-o", "jsonpath={.items[*].metadata.name}").stdout
        self.assertEqual(names.split(), ["kind-control-plane", "kind-control-plane2", "kind-worker"])
        self.assertEqual(self.node_json("kind-control-plane")["metadata"]["labels"]["tier"], "db")
        self.assertIn("kindnet", cp.kubectl("get", "ds", "-A").stdout)
        self.wait_ready_status("kind-control-plane", "True")
        state = json.loads(cp.read("/var/lib/standin/state.json"))
        self.assertIn("/nodes//kind-worker", state["objects"])

    def test_12_regenerate_apiserver_cert(self):
        cp = self.cp
        cfg = init_config(cp, sans=("localhost", "127.0.0.1", "added.example"))
        cp.write("/kind/kubeadm.conf", cfg)
        p = cp.run("kubeadm", "init", "phase", "certs", "apiserver", "--config",
                   "/kind/kubeadm.conf", check=False)
        self.assertNotEqual(p.returncode, 0)  # the existing cert lacks the new SAN
        self.assertIn("added.example", p.stderr)
        os.unlink(cp.path("/etc/kubernetes/pki/apiserver.crt"))
        os.unlink(cp.path("/etc/kubernetes/pki/apiserver.key"))
        p = cp.run("kubeadm", "init", "phase", "certs", "apiserver", "--config",
                   "/kind/kubeadm.conf")
        self.assertIn("added.example", p.stdout)
        # The running apiserver picks up the new serving cert.
        wait_for(lambda: https_get("127.0.0.1", cp.port, "/readyz", self.ca(),
                                   "added.example")[0] == 200, 10, what="reloaded cert")

    def test_13_reset_worker(self):
        w = self.worker
        self.cp.kubectl("drain", "kind-worker", "--ignore-daemonsets", "--delete-emptydir-data",
                        "--force")
        self.assertIn("SchedulingDisabled", self.cp.kubectl("get", "node", "kind-worker").stdout)
        w.run("kubeadm", "reset", "-f")
        for f in ("/etc/kubernetes/kubelet.conf", "/etc/kubernetes/pki/ca.crt",
                  "/var/lib/kubelet/config.yaml"):
            self.assertFalse(os.path.exists(w.path(f)), f)
        self.assertEqual(self.cp.kubectl("delete", "node", "kind-worker").stdout,
                         'node "kind-worker" deleted\n')
        self.assertNotIn("kind-worker", self.cp.kubectl("get", "nodes").stdout)

    def test_14_service_account_token_rbac_and_pod_security(self):
        """A lab's identity as minik's tour makes it: a ServiceAccount token from `kubectl create
        token`, allowed by its Role in its namespace only; the namespace under PodSecurity."""
        cp = self.cp
        lab = ("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: tour\n  labels:\n"
               "    pod-security.kubernetes.io/enforce: baseline\n---\n"
               "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: lab, namespace: tour}\n---\n"
               "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n"
               "metadata: {name: lab, namespace: tour}\n"
               "rules: [{apiGroups: [''], resources: [pods], verbs: [get, list, create]}]\n---\n"
               "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
               "metadata: {name: lab, namespace: tour}\n"
               "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: lab}\n"
               "subjects: [{kind: ServiceAccount, name: lab, namespace: tour}]\n")
        cp.write("/tmp/lab.yaml", lab)
        cp.kubectl("apply", "-f", cp.path("/tmp/lab.yaml"))
        short = cp.kubectl("create", "token", "lab", "-n", "tour", "--duration=1m", check=False)
        self.assertEqual(short.stderr, 'error: failed to create token: TokenRequest.authentication'
                         '.k8s.io "lab" is invalid: spec.expirationSeconds: Invalid value: 60: '
                         'may not specify a duration less than 10 minutes\n')
        token = cp.kubectl("create", "token", "lab", "-n", "tour", "--duration=8h").stdout.strip()
        cfg = yaml.safe_load(cp.read("/etc/kubernetes/admin.conf"))
        cfg["users"][0]["user"] = {"token": token}
        cp.write("/tmp/lab.conf", yaml.safe_dump(cfg))
        as_lab = ["--kubeconfig=/tmp/lab.conf"]
        self.assertIn("No resources found", cp.run("kubectl", *as_lab, "get", "pods", "-n",
                                                   "tour").stderr)
        denied = cp.run("kubectl", *as_lab, "get", "pods", "-n", "kube-system", check=False)
        self.assertEqual(denied.stderr, 'Error from server (Forbidden): pods is forbidden: User '
                         '"system:serviceaccount:tour:lab" cannot list resource "pods" in API '
                         'group "" in the namespace "kube-system"\n')
        pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: root}\nspec:\n  containers:\n"
               "  - {name: c, image: busybox, securityContext: {privileged: true}}\n")
        cp.write("/tmp/pod.yaml", pod)
        refused = cp.run("kubectl", *as_lab, "apply", "-n", "tour", "-f", cp.path("/tmp/pod.yaml"),
                         check=False)
        self.assertIn('pods "root" is forbidden: violates PodSecurity "baseline:latest": '
                      'privileged (container "c" must not set securityContext.privileged=true)',
                      refused.stderr)


if __name__ == "__main__":
    unittest.main()
