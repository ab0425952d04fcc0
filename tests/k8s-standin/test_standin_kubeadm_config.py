"""Tests of the stand-in's kubeadm configuration (standin_kubeadm_config) through the real
command lines: `kubeadm config validate` accepts what real kubeadm accepts and refuses, with its
words, what it refuses (cmd/kubeadm/app/util/config, apis/kubeadm/validation); also the tools'
refusals of what they don't know (restricted kubelet node labels, unknown commands)."""
import unittest

from test_standin import init_config, join_config, Node, TOKEN


class ConfigTest(unittest.TestCase):
    """kubeadm config decoding and validation (no processes are started)."""

    @classmethod
    def setUpClass(cls):
        cls.node = Node("cfg", "127.0.0.1", 6443)

    @classmethod
    def tearDownClass(cls):
        cls.node.cleanup()

    def validate(self, text):
        self.node.write("/kind/test.conf", text)
        return self.node.run("kubeadm", "config", "validate", "--config", "/kind/test.conf",
                             check=False, inproc=True)

    def assert_rejected(self, text, *needles):
        p = self.validate(text)
        self.assertNotEqual(p.returncode, 0, p.stdout)
        for n in needles:
            self.assertIn(n, p.stderr)

    def test_accepts_kind_style_configs(self):
        for ver in ("v1beta3", "v1beta4"):
            p = self.validate(init_config(self.node, ver))
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout.strip(), "ok")

    def test_rejects_removed_api_versions(self):
        for ver in ("v1beta2", "v1beta1"):
            self.assert_rejected(init_config(self.node, "v1beta3").replace(
                "kubeadm.k8s.io/v1beta3", f"kubeadm.k8s.io/{ver}"), "old API spec", ver)
        self.assert_rejected(init_config(self.node).replace("v1beta4", "v1beta9"),
                             'no kind "ClusterConfiguration" is registered')

    def test_rejects_unknown_kind(self):
        self.assert_rejected(init_config(self.node) + "---\napiVersion: kubeadm.k8s.io/v1beta4\n"
                                                      "kind: FooConfiguration\n",
                             'no kind "FooConfiguration"')
        self.assert_rejected("apiVersion: example.com/v1\nkind: Thing\n", 'no kind "Thing"')

    def test_rejects_bad_kubernetes_version(self):
        self.assert_rejected(init_config(self.node).replace("kubernetesVersion: v1.35.0",
                                                            "kubernetesVersion: banana"),
                             "couldn't parse Kubernetes version")
        self.assert_rejected(init_config(self.node).replace("kubernetesVersion: v1.35.0",
                                                            "kubernetesVersion: v1.20.0"),
                             "only supports deploying clusters with the control plane version")

    def test_rejects_wrong_extra_args_shape(self):
        v4_with_map = init_config(self.node, "v1beta3").replace("v1beta3", "v1beta4")
        self.assert_rejected(v4_with_map, "[]v1beta4.Arg")
        v3_with_list = init_config(self.node, "v1beta4").replace("v1beta4", "v1beta3")
        self.assert_rejected(v3_with_list, "map[string]string")

    def test_rejects_bad_token_and_unknown_fields(self):
        self.assert_rejected(init_config(self.node).replace(f'token: "{TOKEN}"\nlocal',
                                                            'token: "ABCDEF.0123"\nlocal'),
                             "bootstrapTokens[0].token", "the bootstrap token is invalid")
        self.assert_rejected(init_config(self.node).replace("clusterName:", "clusterNmae:"),
                             'unknown field "clusterNmae"')
        self.assert_rejected(init_config(self.node).replace(
            "  certSANs:", "  bogus: 1\n  certSANs:"), 'unknown field "apiServer.bogus"')

    def test_rejects_bad_addresses(self):
        self.assert_rejected(init_config(self.node).replace('advertiseAddress: "127.0.0.1"',
                                                            'advertiseAddress: "not-an-ip"'),
                             "localAPIEndpoint.advertiseAddress")
        self.assert_rejected(init_config(self.node, sans=("bad_name!",)), "apiServer.certSANs[0]")

    def test_join_needs_a_pin_or_unsafe(self):
        node = Node("w", "127.0.0.2")
        try:
            self.assert_rejected(join_config(node, "127.0.0.1:6443"),
                                 "unsafeSkipCAVerification")
            ok = self.validate(join_config(node, "127.0.0.1:6443", unsafe=True))
            self.assertEqual(ok.returncode, 0, ok.stderr)
        finally:
            node.cleanup()

    def test_version_and_images(self):
        self.assertEqual(self.node.run("kubeadm", "version", "-o", "short",
                                       inproc=True).stdout.strip(), "v1.35.0")
        images = self.node.run("kubeadm", "config", "images", "list", "--kubernetes-version",
                               "v1.34.2", inproc=True).stdout.split()
        self.assertIn("registry.k8s.io/kube-apiserver:v1.34.2", images)
        self.assertTrue(any(i.startswith("registry.k8s.io/etcd:") for i in images))
        self.assertTrue(any(i.startswith("registry.k8s.io/pause:") for i in images))

    def test_kubelet_refuses_restricted_node_labels(self):
        self.node.write("/var/lib/kubelet/config.yaml", "apiVersion: kubelet.config.k8s.io/"
                        "v1beta1\nkind: KubeletConfiguration\n")
        p = self.node.run("kubelet", "--config=/var/lib/kubelet/config.yaml",
                          "--node-labels=node-role.kubernetes.io/worker=", check=False,
                          timeout=20)
        self.assertEqual(p.returncode, 1)
        self.assertIn("unknown 'kubernetes.io' or 'k8s.io' labels", p.stderr)

    def test_unknown_commands_fail_clearly(self):
        p = self.node.run("kubectl", "--kubeconfig=/nope", "exec", "x", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('unknown command "exec"', p.stderr)
        p = self.node.run("kubeadm", "upgrade", "apply", check=False, inproc=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('unknown command "upgrade"', p.stderr)


if __name__ == "__main__":
    unittest.main()
