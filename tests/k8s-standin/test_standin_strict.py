"""Tests that the stand-in refuses what real kubeadm refuses, per release (a test double; see
README.md). Run from this directory:  python3 -m unittest -v test_standin_strict
"""

import contextlib
import glob
import os
import sys
import unittest

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "golden", "kubeadm")
sys.path.insert(0, HERE)
import standin_common  # noqa: E402
import standin_kubeadm_config as kconfig  # noqa: E402


@contextlib.contextmanager
def stamped(version):
    """The stand-in as make-kubernetes-dir.sh --version VERSION builds it."""
    old, standin_common.VERSION = standin_common.VERSION, version
    try:
        yield
    finally:
        standin_common.VERSION = old


def kubeadm_validate(text, path="<config>"):
    """What `kubeadm config validate --config F` does: strict decoding, then validation."""
    cfg = kconfig.KubeadmConfig.parse(text, path, strict=True)
    if "InitConfiguration" in cfg.docs or "ClusterConfiguration" in cfg.docs:
        kconfig.validate_init(cfg)
    if "JoinConfiguration" in cfg.docs:
        kconfig.validate_join(cfg)
    return cfg


def read(path):
    with open(path) as f:
        return f.read()


def golden_version(text):
    for doc in yaml.safe_load_all(text):
        if doc and doc.get("kind") == "ClusterConfiguration":
            return doc["kubernetesVersion"]
    raise AssertionError("no ClusterConfiguration with a kubernetesVersion")


def kubeadm_api(text):
    return {d["apiVersion"] for d in yaml.safe_load_all(text)
            if d and d["apiVersion"].startswith("kubeadm.k8s.io/")}


class GoldenFilesTest(unittest.TestCase):
    """Every kubeadm config minik renders (tests/golden/kubeadm) is read by the kubeadm of its
    own kubernetesVersion, as `kubeadm config validate` would."""

    def test_goldens_validate_with_their_own_kubeadm(self):
        files = sorted(glob.glob(os.path.join(GOLDEN, "*.yaml")))
        self.assertGreaterEqual(len(files), 16, GOLDEN)
        for path in files:
            with self.subTest(golden=os.path.basename(path)):
                text = read(path)
                with stamped(golden_version(text)):
                    cfg = kubeadm_validate(text, path)
                self.assertTrue(cfg.docs)

    def test_goldens_are_release_specific(self):
        """The same files fail on the release that does not take their API version, so the
        test above would catch a wrong switch in minik's kubeadm_api_version."""
        for path in sorted(glob.glob(os.path.join(GOLDEN, "*.yaml"))):
            text = read(path)
            apis = kubeadm_api(text)
            with self.subTest(golden=os.path.basename(path)):
                if apis == {"kubeadm.k8s.io/v1beta3"}:
                    with stamped("v1.36.0"), self.assertRaises(standin_common.Fail) as e:
                        kubeadm_validate(text.replace(golden_version(text), "v1.36.0"))
                    self.assertIn('old API spec: "kubeadm.k8s.io/v1beta3"', str(e.exception))
                else:
                    self.assertEqual(apis, {"kubeadm.k8s.io/v1beta4"})
                    with stamped("v1.30.0"), self.assertRaises(standin_common.Fail) as e:
                        kubeadm_validate(text.replace(golden_version(text), "v1.30.0"))
                    self.assertIn('experimental API spec: "kubeadm.k8s.io/v1beta4" is not '
                                  'allowed', str(e.exception))


MINIMAL = """apiVersion: kubeadm.k8s.io/{api}
kind: ClusterConfiguration
kubernetesVersion: {version}
---
apiVersion: kubeadm.k8s.io/{api}
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 172.18.0.2
  bindPort: 6443
"""


class VersionMatrixTest(unittest.TestCase):
    """validateSupportedVersion per release (see standin_validate.py for the sources)."""

    def check(self, api, version, allow_experimental=False):
        with stamped(version):
            return kconfig.KubeadmConfig.parse(MINIMAL.format(api=api, version=version),
                                               strict=True,
                                               allow_experimental=allow_experimental)

    def test_v1beta4_is_experimental_before_1_31(self):
        for v in ("v1.28.15", "v1.29.14", "v1.30.14"):
            with self.assertRaises(standin_common.Fail) as e:
                self.check("v1beta4", v)
            self.assertIn("--allow-experimental-api", str(e.exception))
            self.check("v1beta4", v, allow_experimental=True)
        self.check("v1beta4", "v1.31.0")

    def test_v1beta3_is_gone_from_1_36(self):
        for v in ("v1.28.0", "v1.31.0", "v1.35.5"):
            self.check("v1beta3", v)
        for v in ("v1.36.0", "v1.37.0"):
            with self.assertRaises(standin_common.Fail) as e:
                self.check("v1beta3", v)
            self.assertIn("Please use kubeadm v1.35 instead", str(e.exception))

    def test_duplicate_fields_are_errors_for_validate_only(self):
        text = MINIMAL.format(api="v1beta4", version="v1.35.0") + "  bindPort: 6444\n"
        with stamped("v1.35.0"):
            with self.assertRaises(standin_common.Fail) as e:
                kconfig.KubeadmConfig.parse(text, strict=True)
            self.assertIn('key "bindPort" already set in map', str(e.exception))
            # init/join: kubeadm only warns (strictErrors=false); the last value wins.
            cfg = kconfig.KubeadmConfig.parse(text)
            self.assertEqual(cfg.init["localAPIEndpoint"]["bindPort"], 6444)


if __name__ == "__main__":
    unittest.main()
