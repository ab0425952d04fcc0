"""The stand-in kubelet exits at start-up where the real one does (a test double; see
README.md and standin_startup.py). Run from this directory:
python3 -m unittest -v test_standin_startup
"""

import os
import stat
import tempfile
import unittest

from test_standin import Node

import standin_startup

GOOD = """apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
failSwapOn: false
"""


class KubeletStartupTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = Node("startup", "127.0.0.1")

    @classmethod
    def tearDownClass(cls):
        cls.node.cleanup()

    def kubelet(self, config, *flags):
        self.node.write("/var/lib/kubelet/config.yaml", config)
        p = self.node.run("kubelet", "--config=/var/lib/kubelet/config.yaml", *flags,
                          check=False, inproc=True)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        return p.stderr

    def test_unknown_flag(self):
        self.assertIn("unknown flag: --container-runtime",
                      self.kubelet(GOOD, "--container-runtime=remote"))

    def test_config_of_another_kind_or_version(self):
        err = self.kubelet(GOOD.replace("v1beta1", "v1alpha9"))
        self.assertIn('no kind "KubeletConfiguration" is registered for version '
                      '"kubelet.config.k8s.io/v1alpha9"', err)
        self.assertIn("Object 'Kind' is missing", self.kubelet("cgroupDriver: systemd\n"))

    def test_unknown_feature_gate(self):
        # CSIMigration went GA and was removed: today's kubelet does not know it.
        err = self.kubelet(GOOD + "featureGates:\n  CSIMigration: true\n")
        self.assertIn("unrecognized feature gate: CSIMigration", err)

    def test_swap_with_fail_swap_on(self):
        os.environ["STANDIN_SWAP"] = "1"
        try:
            err = self.kubelet(GOOD.replace("failSwapOn: false\n", ""))
            self.assertIn("running with swap on is not supported", err)
            self.assertIsNone(standin_startup.check_swap({"failSwapOn": False}, lambda p: p))
        finally:
            del os.environ["STANDIN_SWAP"]

    def test_runtime_without_its_cri_plugin(self):
        """containerd that skipped its CRI plugin (a bad config) keeps running; the kubelet's
        CRI handshake fails. `ctr plugins ls` here is a script printing containerd's table."""
        d = tempfile.mkdtemp()
        sock = os.path.join(d, "containerd.sock")
        open(sock, "w").close()
        ctr = os.path.join(d, "ctr")
        path = os.environ["PATH"]
        os.environ["PATH"] = d + os.pathsep + path
        try:
            for status, fails in (("error", True), ("ok", False)):
                with open(ctr, "w") as f:
                    f.write("#!/bin/sh\necho 'TYPE ID PLATFORMS STATUS'\n"
                            "echo 'io.containerd.grpc.v1 containers - ok'\n"
                            f"echo 'io.containerd.grpc.v1 cri linux/amd64 {status}'\n")
                os.chmod(ctr, stat.S_IRWXU)
                err = standin_startup.check_runtime(f"unix://{sock}")
                if fails:
                    self.assertIn("unknown service runtime.v1.RuntimeService", err)
                else:
                    self.assertIsNone(err)
        finally:
            os.environ["PATH"] = path

    def test_the_endpoint_comes_from_the_config_and_a_missing_socket_fails(self):
        config = {"containerRuntimeEndpoint": "unix:///run/elsewhere/containerd.sock"}
        endpoint = standin_startup.runtime_endpoint({}, config)
        self.assertEqual(endpoint, "unix:///run/elsewhere/containerd.sock")
        flag = {"container-runtime-endpoint": "unix:///run/flag.sock"}
        self.assertEqual(standin_startup.runtime_endpoint(flag, config), "unix:///run/flag.sock")
        err = standin_startup.check_runtime(endpoint, lambda p: "/nonexistent" + p)
        self.assertIn('endpoint "unix:///run/elsewhere/containerd.sock": rpc error: code = '
                      'Unavailable', err)
        self.assertIn("dial unix /run/elsewhere/containerd.sock: connect: no such file", err)
        self.assertIsNone(standin_startup.check_runtime(endpoint, lambda p: "/nonexistent" + p,
                                                        socket_required=False))


if __name__ == "__main__":
    unittest.main()
