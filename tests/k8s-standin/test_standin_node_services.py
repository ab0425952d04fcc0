"""The node-side glue (standin_node_services): rules only while this node's kube-proxy pod runs
(a cluster made with kubeProxyMode: none has none, so no rules), only in the iptables mode,
and iptables-restore called with what standin_kubeproxy builds."""
import unittest

import standin_node_services as ns


class FakeClient:
    def __init__(self, mode=""):
        self.mode = mode
        self.paths = []

    def get(self, path):
        self.paths.append(path)
        if path.endswith("/configmaps/kube-proxy"):
            return {"data": {"config.conf": f"mode: {self.mode!r}\nclusterCIDR: 10.244.0.0/16\n"}}
        if path == "/api/v1/services":
            return {"items": [{"metadata": {"name": "hello", "namespace": "t"},
                               "spec": {"clusterIP": "10.96.0.20", "clusterIPs": ["10.96.0.20"],
                                        "ports": [{"port": 80, "protocol": "TCP"}]}}]}
        return {"items": []}


class FakeKubelet:
    config = {"clusterDomain": "cluster.local"}

    def __init__(self):
        self.logged = []

    def log_change(self, key, msg, error=True):
        self.logged.append(msg)


class Done:
    def __init__(self, stdout=""):
        self.returncode, self.stdout, self.stderr = 0, stdout, ""


def pod(app, phase="Running"):
    return {"metadata": {"namespace": "kube-system", "labels": {"k8s-app": app}},
            "status": {"phase": phase}}


class NodeServicesTest(unittest.TestCase):
    def setUp(self):
        self.kubelet = FakeKubelet()
        self.node = ns.NodeServices(self.kubelet, None)
        self.calls = []
        self.node.proxier.run = lambda argv, **kw: self.calls.append((argv, kw)) or Done()

    def sync(self, pods, client):
        statuses = {uid: p["status"] for uid, p in pods.items()}
        self.node.sync(client, pods, statuses)

    def test_no_kube_proxy_pod_no_rules(self):
        client = FakeClient()
        self.sync({"a": pod("other")}, client)
        self.assertEqual((self.calls, client.paths), ([], []))
        self.sync({"p": pod("kube-proxy", "Pending")}, client)
        self.assertEqual(self.calls, [])

    def test_a_running_kube_proxy_pod_writes_the_rules(self):
        self.sync({"p": pod("kube-proxy")}, FakeClient())
        restores = [kw["input"] for argv, kw in self.calls if argv[0] == "iptables-restore"]
        self.assertEqual(len(restores), 2)  # filter, then nat
        self.assertIn("-d 10.96.0.20/32 --dport 80 -j REJECT", restores[0])
        self.assertIn("*nat", restores[1])
        jumps = [argv for argv, _ in self.calls if argv[0] == "iptables" and "-C" in argv]
        self.assertIn(["iptables", "-w", "-t", "nat", "-C", "PREROUTING", "-m", "comment",
                       "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"], jumps)
        n = len(self.calls)
        self.sync({"p": pod("kube-proxy")}, FakeClient())
        self.assertEqual(len(self.calls), n)  # unchanged rules are not written again

    def test_other_modes_are_not_pretended(self):
        self.sync({"p": pod("kube-proxy")}, FakeClient("nftables"))
        self.assertEqual(self.calls, [])
        self.assertIn("mode 'nftables' is not modelled", self.kubelet.logged[0])


if __name__ == "__main__":
    unittest.main()
