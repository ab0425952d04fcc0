"""When the stand-in kubeadm waits for every control-plane component (standin_components.py)."""

import unittest

import standin_components


class WaitForAllComponents(unittest.TestCase):
    def test_from_1_33_as_kubeadm_turns_the_gate_on_by_default(self):
        # WaitForAllControlPlaneComponents: beta and on in 1.33 (kubeadm#2907), GA in 1.34.
        self.assertFalse(standin_components.waits_for_all_components("v1.32.11"))
        for version in ("v1.33.12", "v1.34.11", "v1.37.0"):
            self.assertTrue(standin_components.waits_for_all_components(version), version)


if __name__ == "__main__":
    unittest.main()
