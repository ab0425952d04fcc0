"""Node lifecycle, taint eviction and DefaultTolerationSeconds as upstream (see
standin_nodelifecycle's docstring): a stopped kubelet's node goes Unknown after
--node-monitor-grace-period (from kube-controller-manager's manifest, default 50 s), gets the
unreachable taints, and its pods are deleted after their tolerationSeconds (at once without a
toleration, never with one that has no seconds)."""
import os
import tempfile
import time
import unittest

import standin_nodelifecycle as nl


def ts(t):
    return nl.ts(t)


def node(heartbeat, status="True", taints=None):
    return {"metadata": {"name": "w"}, "spec": {"taints": taints} if taints else {},
            "status": {"conditions": [
                {"type": "MemoryPressure", "status": "False", "lastHeartbeatTime": ts(heartbeat)},
                {"type": "Ready", "status": status, "lastHeartbeatTime": ts(heartbeat),
                 "lastTransitionTime": ts(heartbeat)}]}}


def pod(*tolerations):
    return {"metadata": {"name": "p", "namespace": "n"},
            "spec": {"nodeName": "w", "tolerations": list(tolerations)}}


def tol(key, seconds=None, effect="NoExecute", operator="Exists"):
    t = {"key": key, "operator": operator, "effect": effect}
    if seconds is not None:
        t["tolerationSeconds"] = seconds
    return t


class GraceTest(unittest.TestCase):
    def setUp(self):
        self.env = os.environ.pop("STANDIN_NODE_GRACE_SECONDS", None)

    def tearDown(self):
        if self.env is not None:
            os.environ["STANDIN_NODE_GRACE_SECONDS"] = self.env

    def test_the_flag_in_the_controller_managers_manifest_sets_it(self):
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(nl.grace_seconds(d), 50.0)  # upstream's default since 1.32
            path = os.path.join(d, "kube-controller-manager.yaml")
            with open(path, "w") as f:
                f.write("spec:\n  containers:\n  - command:\n    - kube-controller-manager\n"
                        "    - --node-monitor-grace-period=20s\n")
            self.assertEqual(nl.grace_seconds(d), 20.0)
            with open(path, "w") as f:
                f.write("    - --node-monitor-grace-period=1m30s\n")
            os.utime(path, (time.time() + 5, time.time() + 5))
            self.assertEqual(nl.grace_seconds(d), 90.0)

    def test_a_node_goes_unknown_only_after_the_grace_period(self):
        now = time.time()
        fresh = nl.view(node(now - 49), now, 50)
        self.assertEqual([c["status"] for c in fresh["status"]["conditions"]], ["False", "True"])
        self.assertNotIn("taints", fresh["spec"])
        stale = nl.view(node(now - 51), now, 50)
        ready = stale["status"]["conditions"][1]
        self.assertEqual((ready["status"], ready["reason"], ready["message"]),
                         ("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."))
        self.assertEqual(stale["status"]["conditions"][0]["status"], "Unknown")
        self.assertEqual(stale["spec"]["taints"], [
            {"key": nl.UNREACHABLE, "effect": "NoSchedule"},
            {"key": nl.UNREACHABLE, "effect": "NoExecute", "timeAdded": ts(now - 51 + 50)}])

    def test_not_ready_taints_and_back_to_ready(self):
        now = time.time()
        n = nl.view(node(now, "False"), now, 50)
        self.assertEqual([t["key"] for t in n["spec"]["taints"]], [nl.NOT_READY] * 2)
        # Ready again: the lifecycle taints go, the node's own stay.
        own = {"key": "dedicated", "value": "x", "effect": "NoSchedule"}
        n = nl.view(node(now, "True", [own, {"key": nl.UNREACHABLE, "effect": "NoExecute"}]),
                    now, 50)
        self.assertEqual(n["spec"]["taints"], [own])


class EvictionTest(unittest.TestCase):
    def tainted(self, added):
        return nl.view(node(added - 50), added, 50)  # Unknown since `added`

    def test_untolerated_now_tolerated_after_its_seconds_or_never(self):
        added = time.time() - 5
        n = self.tainted(added)
        self.assertEqual(nl.eviction_time(pod(), n), 0)
        # NoSchedule tolerations do not count against NoExecute taints.
        self.assertEqual(nl.eviction_time(pod(tol(nl.UNREACHABLE, effect="NoSchedule")), n), 0)
        when = nl.eviction_time(pod(tol(nl.UNREACHABLE, 10)), n)
        self.assertAlmostEqual(when, nl.parse_ts(ts(added)) + 10, delta=1)
        self.assertIsNone(nl.eviction_time(pod(tol(nl.UNREACHABLE)), n))
        # The smallest tolerationSeconds of the tolerations used (getMinTolerationTime).
        both = pod({"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 7})
        self.assertAlmostEqual(nl.eviction_time(both, n), nl.parse_ts(ts(added)) + 7, delta=1)
        # Negative seconds evict at once, from when the taint was added.
        self.assertLessEqual(nl.eviction_time(pod(tol(nl.UNREACHABLE, -3)), n), time.time())
        # A healthy node evicts nothing.
        self.assertIsNone(nl.eviction_time(pod(), nl.view(node(time.time()), time.time(), 50)))

    def test_default_toleration_seconds(self):
        p = nl.default_tolerations(pod())
        self.assertEqual(p["spec"]["tolerations"], [
            tol(nl.NOT_READY, 300), tol(nl.UNREACHABLE, 300)])
        # A pod's own toleration for a key is kept, and none added for it.
        p = nl.default_tolerations(pod(tol(nl.UNREACHABLE, 20)))
        self.assertEqual(p["spec"]["tolerations"], [tol(nl.UNREACHABLE, 20),
                                                    tol(nl.NOT_READY, 300)])
        p = nl.default_tolerations(pod({"operator": "Exists"}))
        self.assertEqual(p["spec"]["tolerations"], [{"operator": "Exists"}])


if __name__ == "__main__":
    unittest.main()
