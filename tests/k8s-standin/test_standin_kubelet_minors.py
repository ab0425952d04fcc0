"""The stand-in kubelet refuses the flags and feature gates the real kubelet of the node's minor
refuses (standin_kubelet_minors.py has the data and its sources). Run from this directory:
python3 -m unittest -v test_standin_kubelet_minors
"""

import os
import unittest

from test_standin import Node

import standin_common
import standin_kubelet_minors
from standin_startup import check_feature_gates, check_flags

PINNED = ("v1.34.11", "v1.35.8", "v1.36.4", "v1.37.0")
PREFIX = "failed to set feature gates from initial flags-based config: "


def gates(**kw):
    return {"featureGates": kw}


class KubeletMinorsTest(unittest.TestCase):
    def test_gate_removed_in_135_is_refused_from_135_only(self):
        cfg = gates(StrictCostEnforcementForVAP=True)
        self.assertIsNone(check_feature_gates(cfg, {}, "v1.34.11"))
        for version in PINNED[1:]:
            self.assertEqual(check_feature_gates(cfg, {}, version),
                             PREFIX + "unrecognized feature gate: StrictCostEnforcementForVAP")

    def test_gate_removed_in_133_is_refused_on_every_pinned_minor(self):
        for version in PINNED:
            self.assertIn("unrecognized feature gate: AppArmor",
                          check_feature_gates({}, {"feature-gates": "AppArmor=true"}, version))
        self.assertIsNone(check_feature_gates(gates(AppArmor=True), {}, "v1.32.0"))

    def test_user_gate_removed_in_135(self):
        # A kubelet gate a user sets, gone in 1.35 (website: "not part of Kubernetes v1.35").
        cfg = gates(UserNamespacesPodSecurityStandards=True)
        self.assertIsNone(check_feature_gates(cfg, {}, "v1.34.11"))
        self.assertIn("unrecognized feature gate: UserNamespacesPodSecurityStandards",
                      check_feature_gates(cfg, {}, "v1.35.8"))

    def test_gate_removed_in_134(self):
        cfg = gates(DevicePluginCDIDevices=True)
        self.assertIsNone(check_feature_gates(cfg, {}, "v1.33.0"))
        self.assertIn("unrecognized", check_feature_gates(cfg, {}, "v1.34.11"))

    def test_ga_gate_locked_from_135(self):
        off = gates(InPlacePodVerticalScaling=False)
        self.assertIsNone(check_feature_gates(off, {}, "v1.34.11"))
        for version in PINNED[1:]:
            self.assertEqual(check_feature_gates(off, {}, version),
                             PREFIX + "cannot set feature gate InPlacePodVerticalScaling to "
                                      "false, feature is locked to true")
            self.assertIsNone(check_feature_gates(gates(InPlacePodVerticalScaling=True), {},
                                                  version))

    def test_every_entry_names_its_source(self):
        for name, spec in standin_kubelet_minors.GATES.items():
            self.assertTrue(spec.get("src"), name)
            self.assertLessEqual(set(spec), {"added", "removed", "locked", "src"}, name)
        for name, (minor, src) in standin_kubelet_minors.REMOVED_FLAGS.items():
            self.assertTrue(src and minor > 30, name)

    def test_gate_removed_in_137_and_one_whose_planned_removal_slipped(self):
        avds = gates(AnyVolumeDataSource=True)
        self.assertIsNone(check_feature_gates(avds, {}, "v1.36.4"))
        self.assertIn("unrecognized feature gate: AnyVolumeDataSource",
                      check_feature_gates(avds, {}, "v1.37.0"))
        # "remove in 1.37" in the source, but removed only in 1.38.0-alpha.1.
        self.assertIsNone(check_feature_gates(gates(KubeletTracing=True), {}, "v1.37.0"))
        self.assertIn("locked to true",
                      check_feature_gates(gates(KubeletTracing=False), {}, "v1.37.0"))

    def test_locked_gate_set_against_its_lock(self):
        # Locked since 1.32, still known in 1.34: false is refused with SetFromMap's wording.
        self.assertEqual(check_feature_gates(gates(StrictCostEnforcementForWebhooks=False), {},
                                             "v1.34.0"),
                         PREFIX + "cannot set feature gate StrictCostEnforcementForWebhooks "
                                  "to false, feature is locked to true")
        # GA in 1.34 but locked only from 1.35.
        dra = gates(DynamicResourceAllocation=False)
        self.assertIsNone(check_feature_gates(dra, {}, "v1.34.11"))
        self.assertIn("cannot set feature gate DynamicResourceAllocation to false, feature is "
                      "locked to true", check_feature_gates(dra, {}, "v1.35.8"))
        self.assertIsNone(check_feature_gates(gates(DynamicResourceAllocation=True), {},
                                              "v1.37.0"))

    def test_the_flag_overrides_the_config_file(self):
        cfg = gates(DynamicResourceAllocation=False)
        self.assertIsNone(check_feature_gates(
            cfg, {"feature-gates": "DynamicResourceAllocation=true"}, "v1.36.4"))

    def test_unknown_gate_is_refused_everywhere(self):
        for version in PINNED:
            self.assertIn("unrecognized feature gate: NoSuchGate",
                          check_feature_gates(gates(NoSuchGate=True), {}, version))

    def test_gates_minik_sets_are_accepted_on_every_pinned_minor(self):
        for version in PINNED:
            self.assertIsNone(check_feature_gates(gates(KubeletInUserNamespace=True), {},
                                                  version), version)

    def test_flags_minik_passes_are_accepted_on_every_pinned_minor(self):
        flags = {name: "x" for name in standin_kubelet_minors.MINIK_FLAGS}
        for version in PINNED:
            self.assertIsNone(check_flags(flags, version), version)

    def test_flag_removed_in_135(self):
        flags = {"pod-infra-container-image": "registry.k8s.io/pause:3.10"}
        self.assertIsNone(check_flags(flags, "v1.34.11"))
        for version in PINNED[1:]:
            self.assertEqual(check_flags(flags, version),
                             "failed to parse kubelet flag: unknown flag: "
                             "--pod-infra-container-image")

    def test_minor_of(self):
        self.assertEqual(standin_kubelet_minors.minor_of("v1.37.0-rc.1"), 37)
        self.assertIsNone(standin_kubelet_minors.minor_of("v2.0.0"))
        self.assertIsNone(standin_kubelet_minors.minor_of("garbage"))


class KubeletMinorsProcessTest(unittest.TestCase):
    """Through the kubelet's command line, with the stand-in stamped as each minor. Swap is
    simulated with failSwapOn left on, so a kubelet that passes the gate check stops right after
    it, at the swap check, instead of running."""

    @classmethod
    def setUpClass(cls):
        cls.node = Node("minors", "127.0.0.1")
        cls.node.write("/var/lib/kubelet/config.yaml",
                       "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
                       "featureGates:\n  StrictCostEnforcementForVAP: true\n")

    @classmethod
    def tearDownClass(cls):
        cls.node.cleanup()

    def kubelet_as(self, version):
        saved = standin_common.VERSION
        os.environ["STANDIN_SWAP"] = "1"
        standin_common.VERSION = version
        try:
            p = self.node.run("kubelet", "--config=/var/lib/kubelet/config.yaml", check=False,
                              inproc=True)
        finally:
            standin_common.VERSION = saved
            del os.environ["STANDIN_SWAP"]
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        return p.stderr

    def test_removed_gate_in_the_config_file_stops_the_kubelet_from_135(self):
        err = self.kubelet_as("v1.35.8")
        self.assertIn('err="failed to set feature gates from initial flags-based config: '
                      'unrecognized feature gate: StrictCostEnforcementForVAP"', err)
        err = self.kubelet_as("v1.34.11")
        self.assertNotIn("feature gate", err)
        self.assertIn("running with swap on is not supported", err)
