"""Stacked etcd in the stand-in (a test double; see README.md and standin_etcd.py): members,
quorum and the reset order, failing where real etcd and kubeadm fail.
Run from this directory:  python3 -m unittest -v test_standin_etcd
"""

import json
import textwrap
import unittest

import yaml

import standin_components

from test_standin import Node, free_port, init_config, join_config, wait_for

SHARED = ("ca.crt", "ca.key", "sa.key", "sa.pub", "front-proxy-ca.crt", "front-proxy-ca.key",
          "etcd/ca.crt", "etcd/ca.key")


class EtcdTest(unittest.TestCase):
    """Three control planes on loopback; the tests run in order against one cluster."""

    @classmethod
    def setUpClass(cls):
        cls.cps = [Node("kind-control-plane", "127.0.0.1", free_port())] + [
            Node(f"kind-control-plane{i}", f"127.0.0.{i + 8}", free_port()) for i in (2, 3, 4)]
        cls.cp1 = cls.cps[0]
        cls.cp1.write("/kind/kubeadm.conf", init_config(cls.cp1))
        cls.cp1.run("kubeadm", "init", "--config=/kind/kubeadm.conf", "--skip-token-print")
        for n in cls.cps[1:3]:
            cls.join(n)

    @classmethod
    def tearDownClass(cls):
        for n in cls.cps:
            n.cleanup()

    @classmethod
    def join(cls, n, check=True):
        for f in SHARED:
            n.write(f"/etc/kubernetes/pki/{f}", cls.cp1.read(f"/etc/kubernetes/pki/{f}"))
        n.write("/etc/kubernetes/admin.conf", cls.cp1.read("/etc/kubernetes/admin.conf"))
        n.write("/kind/kubeadm.conf", join_config(n, f"127.0.0.1:{cls.cp1.port}", unsafe=True,
                                                  control_plane=True))
        direct = yaml.safe_load(cls.cp1.read("/etc/kubernetes/admin.conf"))
        direct["clusters"][0]["cluster"]["server"] = f"https://{n.ip}:{n.port}"
        n.write("/etc/kubernetes/direct.conf", yaml.safe_dump(direct))
        return n.run("kubeadm", "join", "--config", "/kind/kubeadm.conf", check=check)

    def via(self, n, *args, check=True):
        """kubectl against n's own API server."""
        return n.run("kubectl", "--kubeconfig=/etc/kubernetes/direct.conf"
                     if n is not self.cp1 else "--kubeconfig=/etc/kubernetes/admin.conf",
                     *args, check=check)

    def members(self, n):
        out = json.loads(self.via(n, "get", "--raw", "/standin-etcd/members").stdout)
        return sorted((m["name"], bool(m.get("isLearner"))) for m in out["members"])

    def voters(self, n, names):
        return wait_for(lambda: self.members(n) == [(x, False) for x in sorted(names)],
                        20, what=f"etcd voters {names}")

    def test_01_join_adds_members(self):
        self.voters(self.cp1, [n.name for n in self.cps[:3]])
        manifest = self.cps[2].read("/etc/kubernetes/manifests/etcd.yaml")
        self.assertIn("--initial-cluster-state=existing", manifest)
        self.assertIn(f"kind-control-plane=https://127.0.0.1:2380", manifest)

    def test_01b_control_plane_kubelets_use_their_local_api(self):
        """ControlPlaneKubeletLocalMode (1.33+): kubelet.conf names the node's own API server,
        at init and at join --control-plane; the endpoint before 1.33."""
        for n in self.cps[:3]:
            conf = yaml.safe_load(n.read("/etc/kubernetes/kubelet.conf"))
            self.assertEqual(conf["clusters"][0]["cluster"]["server"],
                             f"https://{n.ip}:{n.port}", n.name)

        class CP:
            local_url, cp_url = "https://10.0.0.2:6443", "https://lb:6443"
        self.assertEqual(standin_components.kubelet_server("v1.32.9", CP), CP.cp_url)
        self.assertEqual(standin_components.kubelet_server("v1.33.0", CP), CP.local_url)

    def test_02_first_control_plane_down_minority(self):
        """Any one of three may go, the first included: another member leads."""
        cp2 = self.cps[1]
        self.cp1.stop()
        wait_for(lambda: self.via(cp2, "get", "--raw", "/readyz").stdout.strip() == "ok", 20,
                 what="readyz on cp2 with cp1 down")
        wait_for(lambda: self.via(cp2, "label", "node", "kind-control-plane2", "w=1",
                                  "--overwrite").returncode == 0, 20, what="a write via cp2")
        self.cp1.restart_kubelet()
        wait_for(lambda: self.via(self.cp1, "get", "--raw", "/livez").stdout.strip() == "ok", 30,
                 what=f"cp1 back: {self.cp1.kubelet_log()[-3000:]}")
        wait_for(lambda: json.loads(self.via(self.cp1, "get", "node", "kind-control-plane2",
                                             "-o", "json").stdout)["metadata"]["labels"]
                 .get("w") == "1", 20, what="cp1 caught up after its restart")

    def test_03_reset_with_the_node_removes_the_member(self):
        cp4 = self.cps[3]
        self.join(cp4)
        self.voters(self.cp1, [n.name for n in self.cps])
        p = cp4.run("kubeadm", "reset", "-f")
        self.assertNotIn("Unable to fetch", p.stderr)
        self.voters(self.cp1, [n.name for n in self.cps[:3]])
        self.cp1.kubectl("delete", "node", cp4.name)

    def test_04_reset_after_the_node_is_gone_keeps_the_member(self):
        """minik's old order (delete the Node, then reset): kubeadm cannot read the node
        registration, warns, and etcd keeps a dead member."""
        cp3 = self.cps[2]
        self.cp1.kubectl("delete", "node", cp3.name)
        p = cp3.run("kubeadm", "reset", "-f")
        self.assertIn("Unable to fetch the kubeadm-config ConfigMap from cluster", p.stderr)
        self.assertIn("failed to get corresponding node", p.stderr)
        self.voters(self.cp1, [n.name for n in self.cps[:3]])

    def test_05_no_quorum_refuses_writes_and_readyz(self):
        """With that dead member, losing one more of three leaves no quorum."""
        cp2 = self.cps[1]
        self.cp1.stop()
        wait_for(lambda: "etcd failed" in self.via(cp2, "get", "--raw", "/readyz",
                                                   check=False).stderr, 20,
                 what="readyz to fail without quorum")
        p = self.via(cp2, "label", "node", "kind-control-plane2", "w=2", "--overwrite",
                     check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("etcdserver: request timed out", p.stderr)
        # Nor can a control plane join (discovered through cp2): kubeadm cannot add its member.
        cp4 = self.cps[3]
        for f in SHARED:
            cp4.write(f"/etc/kubernetes/pki/{f}", self.cp1.read(f"/etc/kubernetes/pki/{f}"))
        cp4.write("/etc/kubernetes/admin.conf", self.cp1.read("/etc/kubernetes/admin.conf"))
        cp4.write("/kind/kubeadm.conf", join_config(cp4, f"{cp2.ip}:{cp2.port}", unsafe=True,
                                                    control_plane=True))
        try:
            p = cp4.run("kubeadm", "join", "--config", "/kind/kubeadm.conf", check=False)
            self.assertNotEqual(p.returncode, 0, p.stdout)
            self.assertIn("could not add member kind-control-plane4", p.stderr)
        finally:
            self.cp1.restart_kubelet()
        wait_for(lambda: self.via(cp2, "get", "--raw", "/readyz").stdout.strip() == "ok", 20,
                 what="quorum back with cp1")


    def test_06_apply_is_strict_about_fields(self):
        """kubectl asks for fieldValidation=Strict: a mis-indented manifest fails."""
        bad = textwrap.dedent("""\
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: bad, namespace: kube-system}
            spec:
              selector: {matchLabels: {app: bad}}
              template:
                metadata: {labels: {app: bad}}
                spec:
                  containers:
                  - name: c
                    image: busybox
                  imagePullPolicy: IfNotPresent
            """)
        self.cp1.write("/tmp/bad.yaml", bad)
        p = self.cp1.kubectl("apply", "-f", self.cp1.path("/tmp/bad.yaml"), check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('DaemonSet in version "v1" cannot be handled as a DaemonSet: strict '
                      'decoding error: unknown field "spec.template.spec.imagePullPolicy"', p.stderr)
        good = bad.replace("      imagePullPolicy:", "        imagePullPolicy:")
        self.cp1.write("/tmp/good.yaml", good)
        self.cp1.kubectl("apply", "-f", self.cp1.path("/tmp/good.yaml"))

    def test_07_controller_manager_and_scheduler_are_api_clients(self):
        """They dial the API with their own kubeconfigs; a broken one shows in the mirror pod
        (and 1.34+ kubeadm init/join wait for both: every init above passed that wait)."""
        status = lambda: json.loads(self.cp1.read("/var/lib/standin/static-pods.json"))
        wait_for(lambda: status()["kube-scheduler"]["phase"] == "Running", 20,
                 what="scheduler running")
        conf = yaml.safe_load(self.cp1.read("/etc/kubernetes/scheduler.conf"))
        good = yaml.safe_dump(conf)
        conf["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:1"
        self.cp1.write("/etc/kubernetes/scheduler.conf", yaml.safe_dump(conf))
        try:
            st = wait_for(lambda: status()["kube-scheduler"]["phase"] == "Pending" and
                          status()["kube-scheduler"], 20, what="scheduler failing")
            self.assertIn("failed to reach the API server with /etc/kubernetes/scheduler.conf",
                          st["message"])
        finally:
            self.cp1.write("/etc/kubernetes/scheduler.conf", good)
        wait_for(lambda: status()["kube-scheduler"]["phase"] == "Running", 20,
                 what="scheduler back")


if __name__ == "__main__":
    unittest.main()
