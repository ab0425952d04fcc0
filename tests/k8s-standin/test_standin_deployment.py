"""Tests of the stand-in's Deployment rollouts (standin_deployment, driven through
standin_controllers.reconcile against the real in-process Api): rolling updates bounded by
maxSurge/maxUnavailable, availability with minReadySeconds, a stalled rollout's progress
deadline, undo, Recreate, and the API server refusing what the real one refuses."""
import os
import tempfile
import time
import unittest

import standin_controllers as ctl
import standin_deployment as dep
from standin_store import ApiError
from test_standin_pods import node


def deployment(replicas=3, image="agnhost:2.53", **spec):
    return {"metadata": {"name": "hello"}, "spec": dict({
        "replicas": replicas, "selector": {"matchLabels": {"app": "hello"}},
        "template": {"metadata": {"labels": {"app": "hello"}},
                     "spec": {"containers": [{"name": "hello", "image": image}]}}}, **spec)}


class FencepostsTest(unittest.TestCase):
    def test_defaults_round_surge_up_and_unavailable_down(self):
        self.assertEqual(dep.resolve_fenceposts({"replicas": 3}), (1, 0))
        self.assertEqual(dep.resolve_fenceposts({"replicas": 10}), (3, 2))
        self.assertEqual(dep.resolve_fenceposts({"replicas": 4}), (1, 1))
        self.assertEqual(dep.resolve_fenceposts({"replicas": 1}), (1, 0))

    def test_both_zero_still_moves_one_at_a_time(self):
        spec = {"replicas": 3, "strategy": {"rollingUpdate": {"maxSurge": "10%",
                                                              "maxUnavailable": "10%"}}}
        self.assertEqual(dep.resolve_fenceposts(spec), (1, 0))
        spec["replicas"] = 1
        spec["strategy"]["rollingUpdate"]["maxSurge"] = 0
        self.assertEqual(dep.resolve_fenceposts(spec), (0, 1))

    def test_validation_refuses_what_the_api_server_refuses(self):
        def errors(surge, unavailable):
            return dep.validate({"strategy": {"rollingUpdate": {
                "maxSurge": surge, "maxUnavailable": unavailable}}})
        self.assertEqual(errors(1, 0), [])
        self.assertEqual(errors("25%", "25%"), [])
        self.assertIn("may not be 0 when `maxSurge` is 0", errors(0, 0)[0])
        self.assertIn("may not be 0 when `maxSurge` is 0", errors("0%", 0)[0])
        self.assertIn("must not be greater than 100%", errors(1, "150%")[0])
        self.assertIn("must be greater than or equal to 0", errors(-1, 1)[0])
        self.assertIn("a valid percent string", errors("abc", 1)[0])
        self.assertIn("Unsupported value", dep.validate({"strategy": {"type": "Canary"}})[0])

    def test_templates_compare_as_the_api_server_compares_defaulted_ones(self):
        a = deployment()["spec"]["template"]
        b = deployment()["spec"]["template"]
        b["metadata"]["labels"][dep.HASH_LABEL] = "x"
        b["spec"]["containers"][0]["resources"] = {}  # what `kubectl rollout undo` sends
        self.assertTrue(dep.equal_ignore_hash(a, b))
        b["spec"]["containers"][0]["image"] = "other"
        self.assertFalse(dep.equal_ignore_hash(a, b))

    def test_hash_is_stable_and_spelled_as_upstream(self):
        t = deployment()["spec"]["template"]
        h = dep.template_hash(t)
        self.assertEqual(h, dep.template_hash(t))
        self.assertTrue(set(h) <= set(dep.SAFE_ALPHABET), h)
        self.assertNotEqual(h, dep.template_hash(deployment(image="agnhost:2.52")["spec"][
            "template"]))


class RolloutTest(unittest.TestCase):
    def setUp(self):
        import standin_api
        import standin_store
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        store = standin_store.LocalStore(os.path.join(self.tmp.name, "state.json"))
        self.api = standin_api.Api(store, "v1.35.0", "127.0.0.1:6443", ["10.96.0.0/12"])
        for n in (node("w1"), node("w2"), node("w3")):
            self.api.create_obj(self.api.find("", "v1", "nodes"), None, n, None)
        self.deps = self.api.find("apps", "v1", "deployments")
        self.pods_res = self.api.find("", "v1", "pods")

    # -- helpers ---------------------------------------------------------------------------
    def create(self, d):
        return self.api.create_obj(self.deps, "default", d, None)

    def set_image(self, image):
        d = self.api.store.get("apps", "deployments", "default", "hello")
        d["spec"]["template"]["spec"]["containers"][0]["image"] = image
        self.api.update_obj(self.deps, "default", "hello", d, None)

    def pods(self):
        return [p for p in self.api.store.list("", "pods", "default")
                if not dep.is_terminating(p)]

    def rss(self):
        return {r["spec"]["template"]["spec"]["containers"][0]["image"]:
                r for r in self.api.store.list("apps", "replicasets", "default")}

    def sizes(self):
        return {img: r["spec"]["replicas"] for img, r in self.rss().items()}

    def make_ready(self, image=None, ago=0):
        """What the kubelet posts once a pod's readiness probe passes."""
        since = dep.now_text(time.time() - ago)
        for p in self.pods():
            if image and p["spec"]["containers"][0]["image"] != image:
                continue
            if ctl.is_ready(p):
                continue
            p["status"] = {"phase": "Running", "conditions": [
                {"type": "Ready", "status": "True", "lastTransitionTime": since}]}
            self.api.update_obj(self.pods_res, "default", p["metadata"]["name"], p, "status")

    def kubelet_stops_deleted_pods(self):
        for p in self.api.store.list("", "pods", "default"):
            if dep.is_terminating(p):
                self.api.delete_obj(self.pods_res, "default", p["metadata"]["name"], 0)

    def settle(self, passes=4, ready=None):
        for _ in range(passes):
            ctl.reconcile(self.api)
            self.kubelet_stops_deleted_pods()
            if ready:
                self.make_ready(ready, ago=60)

    def status(self):
        return self.api.store.get("apps", "deployments", "default", "hello")["status"]

    def progressing(self):
        return next(c for c in self.status()["conditions"] if c["type"] == "Progressing")

    # -- tests -----------------------------------------------------------------------------
    def test_rolling_update_replaces_pods_one_available_pod_at_a_time(self):
        self.create(deployment())
        self.settle(ready="agnhost:2.53")
        self.assertEqual(self.sizes(), {"agnhost:2.53": 3})
        self.assertEqual(self.progressing()["reason"], "NewReplicaSetAvailable")
        self.set_image("agnhost:2.52")
        ctl.reconcile(self.api)
        # 25% of 3: one pod over (rounded up), none under (rounded down)
        self.assertEqual(self.sizes(), {"agnhost:2.53": 3, "agnhost:2.52": 1})
        self.assertEqual(self.progressing()["reason"], "NewReplicaSetCreated")
        seen = []
        for _ in range(12):
            ctl.reconcile(self.api)
            sizes = self.sizes()
            seen.append(sizes)
            total = sum(sizes.values())
            available = self.status().get("availableReplicas", 0)
            self.assertLessEqual(total, 4, seen)
            self.assertGreaterEqual(available, 3, seen)
            self.make_ready("agnhost:2.52", ago=60)
        self.assertEqual(self.sizes(), {"agnhost:2.53": 0, "agnhost:2.52": 3}, seen)
        st = self.status()
        self.assertEqual((st["updatedReplicas"], st["availableReplicas"], st["replicas"]),
                         (3, 3, 3))
        self.assertEqual(self.progressing()["reason"], "NewReplicaSetAvailable")
        self.assertEqual(dep.revision(self.rss()["agnhost:2.52"]), 2)
        self.assertEqual(len(self.pods()), 3)

    def test_new_pods_that_never_become_ready_stall_with_the_old_pods_kept(self):
        self.create(deployment(progressDeadlineSeconds=30))
        self.settle(ready="agnhost:2.53")
        self.set_image("agnhost:2.53-typo")
        self.settle(passes=6)
        self.assertEqual(self.sizes(), {"agnhost:2.53": 3, "agnhost:2.53-typo": 1})
        self.assertEqual(sum(1 for p in self.pods() if ctl.is_ready(p)), 3)
        self.assertEqual(self.progressing()["status"], "True")
        # no progress for longer than progressDeadlineSeconds
        d = self.api.store.get("apps", "deployments", "default", "hello")
        for c in d["status"]["conditions"]:
            c["lastUpdateTime"] = dep.now_text(time.time() - 31)
        self.api.update_obj(self.deps, "default", "hello", d, "status")
        ctl.reconcile(self.api)
        cond = self.progressing()
        self.assertEqual((cond["status"], cond["reason"]), ("False", "ProgressDeadlineExceeded"))
        self.assertRegex(cond["message"], r'^ReplicaSet "hello-[a-z0-9]+" has timed out '
                                          r'progressing\.$')
        self.assertEqual(self.status()["unavailableReplicas"], 0)
        ctl.reconcile(self.api)  # it stays timed out, and nothing more is scaled
        self.assertEqual(self.progressing()["reason"], "ProgressDeadlineExceeded")
        self.assertEqual(self.sizes(), {"agnhost:2.53": 3, "agnhost:2.53-typo": 1})

    def test_undo_brings_the_old_template_back_as_the_newest_revision(self):
        self.create(deployment())
        self.settle(ready="agnhost:2.53")
        first = self.rss()["agnhost:2.53"]["metadata"]["name"]
        self.set_image("agnhost:2.53-typo")
        self.settle()
        self.set_image("agnhost:2.53")  # what `kubectl rollout undo` writes back
        self.settle(ready="agnhost:2.53")
        self.assertEqual(self.sizes(), {"agnhost:2.53": 3, "agnhost:2.53-typo": 0})
        rs = self.rss()["agnhost:2.53"]
        self.assertEqual(rs["metadata"]["name"], first)  # the same ReplicaSet, not a copy
        self.assertEqual(dep.revision(rs), 3)
        d = self.api.store.get("apps", "deployments", "default", "hello")
        self.assertEqual(dep.revision(d), 3)
        self.assertEqual(len(self.pods()), 3)

    def test_min_ready_seconds_holds_the_old_pods_until_the_new_ones_count_as_available(self):
        self.create(deployment(minReadySeconds=30))
        self.settle()
        self.make_ready(ago=60)
        self.settle()
        self.set_image("agnhost:2.52")
        self.settle()
        self.make_ready("agnhost:2.52", ago=0)  # Ready just now: not available yet
        self.settle(passes=3)
        self.assertEqual(self.sizes()["agnhost:2.53"], 3)
        self.assertEqual(self.rss()["agnhost:2.52"]["status"].get("availableReplicas", 0), 0)
        self.assertEqual(self.rss()["agnhost:2.52"]["status"]["readyReplicas"], 1)
        p = next(p for p in self.pods() if p["spec"]["containers"][0]["image"] ==
                 "agnhost:2.52")
        p["status"]["conditions"][0]["lastTransitionTime"] = dep.now_text(time.time() - 31)
        self.api.update_obj(self.pods_res, "default", p["metadata"]["name"], p, "status")
        self.settle(passes=2)
        self.assertEqual(self.sizes()["agnhost:2.53"], 2)

    def test_max_unavailable_lets_old_pods_go_before_new_ones_are_ready(self):
        self.create(deployment(replicas=4, strategy={"rollingUpdate": {
            "maxSurge": 0, "maxUnavailable": "50%"}}))
        self.settle(ready="agnhost:2.53")
        self.set_image("agnhost:2.52")
        self.settle(passes=3)
        self.assertEqual(self.sizes(), {"agnhost:2.53": 2, "agnhost:2.52": 2})
        self.assertLessEqual(len(self.pods()), 4)

    def test_scale_down_removes_pods_that_are_not_ready_first(self):
        self.create(deployment(replicas=3))
        self.settle()
        keep = {p["metadata"]["name"] for p in self.pods()[:2]}
        for p in self.pods():
            if p["metadata"]["name"] in keep:
                p["status"] = {"phase": "Running", "conditions": [
                    {"type": "Ready", "status": "True",
                     "lastTransitionTime": dep.now_text()}]}
                self.api.update_obj(self.pods_res, "default", p["metadata"]["name"], p,
                                    "status")
        d = self.api.store.get("apps", "deployments", "default", "hello")
        d["spec"]["replicas"] = 2
        self.api.update_obj(self.deps, "default", "hello", d, None)
        self.settle(passes=2)
        self.assertEqual({p["metadata"]["name"] for p in self.pods()}, keep)

    def test_recreate_starts_new_pods_only_when_the_old_are_gone(self):
        self.create(deployment(strategy={"type": "Recreate"}))
        self.settle(ready="agnhost:2.53")
        self.set_image("agnhost:2.52")
        ctl.reconcile(self.api)
        self.assertEqual(self.sizes(), {"agnhost:2.53": 0})
        ctl.reconcile(self.api)
        self.assertEqual(len(self.rss()), 1)  # old pods still Terminating: no new ReplicaSet
        self.settle(passes=3)
        self.assertEqual(self.sizes(), {"agnhost:2.53": 0, "agnhost:2.52": 3})

    def test_api_server_defaults_and_refuses_like_the_real_one(self):
        got = self.create(deployment())
        self.assertEqual(got["spec"]["strategy"], {"type": "RollingUpdate", "rollingUpdate": {
            "maxSurge": "25%", "maxUnavailable": "25%"}})
        self.assertEqual(got["spec"]["progressDeadlineSeconds"], 600)
        bad = deployment(strategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}})
        bad["metadata"]["name"] = "bad"
        with self.assertRaises(ApiError) as e:
            self.create(bad)
        self.assertEqual(e.exception.code, 422)
        self.assertEqual(e.exception.status["message"],
                         'Deployment.apps "bad" is invalid: spec.strategy.rollingUpdate.'
                         'maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0')
        d = self.api.store.get("apps", "deployments", "default", "hello")
        d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] = "101%"
        with self.assertRaises(ApiError):
            self.api.update_obj(self.deps, "default", "hello", d, None)


if __name__ == "__main__":
    unittest.main()
