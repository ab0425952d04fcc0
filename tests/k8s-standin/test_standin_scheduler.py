"""Tests of standin_scheduler and standin_resources: the filters refuse what the real
scheduler's refuse, the FailedScheduling text is the real one per release, allocatable is
the kubelet's, and the CRI resources are the kubelet's."""
import os
import tempfile
import unittest

import standin_controllers as ctl
import standin_resources as res
import standin_scheduler as sched

CP_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
CP_TOLERATION = {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists",
                 "effect": "NoSchedule"}


def node(name, taints=(), labels=None, cpu="2", memory="8Gi", pods="110"):
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": dict(labels or {}, **{
                "kubernetes.io/hostname": name})},
            "spec": {"taints": list(taints)},
            "status": {"allocatable": {"cpu": cpu, "memory": memory, "pods": pods,
                                       "ephemeral-storage": "100Gi"}}}


def pod(name="p", node_name=None, cpu=None, memory=None, limit_memory=None, **spec):
    resources = {}
    if cpu or memory:
        resources["requests"] = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    if limit_memory:
        resources["limits"] = {"memory": limit_memory}
    spec = dict(spec, containers=[{"name": "c", "image": "x:1", "resources": resources}])
    if node_name:
        spec["nodeName"] = node_name
    return {"metadata": {"name": name, "namespace": "default"}, "spec": spec,
            "status": {"phase": "Running"}}


CLUSTER = [node("cp", [CP_TAINT]), node("w1"), node("w2")]


class QuantityTest(unittest.TestCase):
    def test_units(self):
        self.assertEqual(res.milli("500m"), 500)
        self.assertEqual(res.milli("2"), 2000)
        self.assertEqual(res.milli("1.5"), 1500)
        self.assertEqual(res.milli("0.0001"), 1)  # rounded up, as MilliValue
        self.assertEqual(res.value("64Mi"), 64 * 2 ** 20)
        self.assertEqual(res.value("1G"), 10 ** 9)
        self.assertEqual(res.value("1e3"), 1000)
        self.assertEqual(res.value("128974848"), 128974848)

    def test_refuses_what_the_api_refuses(self):
        for bad in ("", "1.2.3", "64MB", "Mi", "1 Gi", "ten", "1ki", None):
            with self.assertRaises(res.QuantityError, msg=repr(bad)):
                res.parse(bad)

    def test_format_binary(self):
        self.assertEqual(res.format_binary(8 * 2 ** 30), "8Gi")
        self.assertEqual(res.format_binary(16384000 * 1024), "16000Mi")
        self.assertEqual(res.format_binary(16384001 * 1024), "16384001Ki")
        self.assertEqual(res.format_binary(1000), "1000")


class AllocatableTest(unittest.TestCase):
    CAP = {"cpu": "4", "memory": "16384004Ki", "ephemeral-storage": "102400004Ki",
           "pods": "110", "hugepages-2Mi": "0"}

    def test_kubelet_defaults(self):
        a = res.allocatable(self.CAP, {})
        self.assertEqual(a["cpu"], "4")
        self.assertEqual(a["pods"], "110")
        # memory.available<100Mi
        self.assertEqual(a["memory"], f"{16384004 - 102400}Ki")
        # nodefs.available<10%: bytes, as the real Quantity arithmetic prints them
        self.assertEqual(a["ephemeral-storage"],
                         str(102400004 * 1024 - int(102400004 * 1024 * 0.1)))

    def test_reservations_and_own_thresholds(self):
        a = res.allocatable(self.CAP, {"kubeReserved": {"cpu": "500m", "memory": "1Gi"},
                                       "systemReserved": {"cpu": "250m"},
                                       "evictionHard": {"memory.available": "200Mi"}})
        self.assertEqual(a["cpu"], "3250m")
        self.assertEqual(a["memory"], f"{16384004 - 1048576 - 204800}Ki")
        # an evictionHard without nodefs.available reserves no storage
        self.assertEqual(a["ephemeral-storage"], "102400004Ki")

    def test_kind_and_minik_keep_nothing_back(self):
        kind = {"evictionHard": {"imagefs.available": "0%", "nodefs.available": "0%",
                                 "nodefs.inodesFree": "0%"}}
        a = res.allocatable(self.CAP, kind)
        self.assertEqual((a["memory"], a["ephemeral-storage"]), ("16384004Ki", "102400004Ki"))
        merged = res.allocatable(self.CAP, dict(kind, mergeDefaultEvictionSettings=True))
        self.assertEqual(merged["memory"], f"{16384004 - 102400}Ki")
        self.assertEqual(merged["ephemeral-storage"], "102400004Ki")  # its own 0% stays


class FilterTest(unittest.TestCase):
    def test_control_plane_taint_needs_toleration(self):
        cp = node("cp", [CP_TAINT])
        self.assertEqual(sched.filter_node({}, cp, [], "v1.35.0"),
                         (sched.UNRESOLVABLE, ["node(s) had untolerated taint(s)"]))
        self.assertEqual(sched.filter_node({}, cp, [], "v1.33.0")[1],
                         ["node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"])
        self.assertIsNone(sched.filter_node({"tolerations": [CP_TOLERATION]}, cp, []))
        self.assertIsNone(sched.filter_node({"tolerations": [{"operator": "Exists"}]}, cp, []))
        for wrong in ({"key": "other", "operator": "Exists"},
                      dict(CP_TOLERATION, effect="NoExecute"),
                      {"key": CP_TAINT["key"], "operator": "Equal", "value": "x"}):
            self.assertIsNotNone(sched.filter_node({"tolerations": [wrong]}, cp, []), wrong)

    def test_prefer_no_schedule_does_not_filter(self):
        n = node("w", [{"key": "k", "effect": "PreferNoSchedule"}])
        self.assertIsNone(sched.filter_node({}, n, []))

    def test_node_selector_and_affinity(self):
        w = node("w", labels={"disk": "ssd", "gen": "3"})
        self.assertIsNone(sched.filter_node({"nodeSelector": {"disk": "ssd"}}, w, []))
        self.assertEqual(sched.filter_node({"nodeSelector": {"disk": "hdd"}}, w, [])[1],
                         ["node(s) didn't match Pod's node affinity/selector"])

        def aff(*exprs):
            return {"affinity": {"nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": list(exprs)}]}}}}
        self.assertIsNone(sched.filter_node(aff({"key": "gen", "operator": "Gt",
                                                 "values": ["2"]}), w, []))
        self.assertIsNotNone(sched.filter_node(aff({"key": "disk", "operator": "NotIn",
                                                    "values": ["ssd"]}), w, []))
        self.assertIsNotNone(sched.filter_node(
            {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{}]}}}}, w, []))  # an empty term matches nothing

    def test_taint_is_checked_before_affinity_and_resources(self):
        cp = node("cp", [CP_TAINT])
        st = sched.filter_node({"nodeSelector": {"x": "y"}, **pod(cpu="100")["spec"]}, cp, [])
        self.assertEqual(len(st[1]), 1)
        self.assertIn("taint", st[1][0])

    def test_requests_count_pods_already_there(self):
        w = node("w", cpu="2", memory="1Gi")
        there = [pod("a", "w", cpu="1500m", memory="512Mi"),
                 pod("done", "w", cpu="2"), pod("elsewhere", "w2", cpu="2")]
        there[1]["status"]["phase"] = "Succeeded"
        self.assertIsNone(sched.filter_node(pod(cpu="500m")["spec"], w, there))
        self.assertEqual(sched.filter_node(pod(cpu="501m", memory="600Mi")["spec"], w, there),
                         (sched.UNSCHEDULABLE, ["Insufficient cpu", "Insufficient memory"]))
        # more than the node's whole allocatable: preemption could not help (1.34+)
        self.assertEqual(sched.filter_node(pod(cpu="3")["spec"], w, there, "v1.35.0")[0],
                         sched.UNRESOLVABLE)
        self.assertEqual(sched.filter_node(pod(cpu="3")["spec"], w, there, "v1.33.0")[0],
                         sched.UNSCHEDULABLE)

    def test_limits_count_as_requests_and_pod_count(self):
        w = node("w", memory="100Mi", pods="1")
        self.assertEqual(sched.filter_node(pod(limit_memory="200Mi")["spec"], w, [])[1],
                         ["Insufficient memory"])
        self.assertEqual(sched.filter_node(pod()["spec"], w, [pod("a", "w")])[1],
                         ["Too many pods"])


class MessageTest(unittest.TestCase):
    def test_release_1_35_text(self):
        # As a real v1.35 cluster prints it for a pod asking more CPU than any node has.
        fits, msg = sched.schedule(pod(cpu="1000")["spec"], CLUSTER, [], "v1.35.0")
        self.assertEqual(fits, [])
        self.assertEqual(msg, "0/3 nodes are available: 1 node(s) had untolerated taint(s), "
                              "2 Insufficient cpu. no new claims to deallocate, preemption: "
                              "0/3 nodes are available: 3 Preemption is not helpful for "
                              "scheduling.")

    def test_release_1_33_text(self):
        # Before kubernetes#131345 and #134740: the taint named, Fit resolvable by preemption.
        msg = sched.schedule(pod(cpu="1000")["spec"], CLUSTER, [], "v1.33.0")[1]
        self.assertEqual(msg, "0/3 nodes are available: 1 node(s) had untolerated taint "
                              "{node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. "
                              "preemption: 0/3 nodes are available: 1 Preemption is not "
                              "helpful for scheduling, 2 No preemption victims found for "
                              "incoming pod.")

    def test_full_nodes_without_victims(self):
        full = [pod("a", "w1", cpu="2"), pod("b", "w2", cpu="2")]
        msg = sched.schedule(pod(cpu="1")["spec"], CLUSTER, full, "v1.35.0")[1]
        self.assertTrue(msg.endswith("preemption: 0/3 nodes are available: 1 Preemption is "
                                     "not helpful for scheduling, 2 No preemption victims "
                                     "found for incoming pod."), msg)

    def test_preemption_policy_never(self):
        spec = dict(pod(cpu="1000")["spec"], preemptionPolicy="Never")
        self.assertTrue(sched.schedule(spec, CLUSTER, [], "v1.35.0")[1].endswith(
            "no new claims to deallocate, preemption: not eligible due to "
            "preemptionPolicy=Never."))

    def test_fitting_nodes(self):
        self.assertEqual(sched.schedule({"tolerations": [CP_TOLERATION]}, CLUSTER, [])[0],
                         ["cp", "w1", "w2"])


class CriResourcesTest(unittest.TestCase):
    def test_memory_limit_and_cpu(self):
        c = {"resources": {"requests": {"cpu": "250m", "memory": "16Mi"},
                           "limits": {"cpu": "500m", "memory": "32Mi"}}}
        r = res.linux_resources(c, "Burstable", 8 * 2 ** 30)
        self.assertEqual(r["memory_limit_in_bytes"], 32 * 2 ** 20)
        self.assertEqual(r["cpu_shares"], 256)
        self.assertEqual((r["cpu_period"], r["cpu_quota"]), (100000, 50000))
        self.assertEqual(r["oom_score_adj"], 999)

    def test_qos_scores(self):
        self.assertEqual(res.linux_resources({}, "BestEffort", 1)["oom_score_adj"], 1000)
        self.assertEqual(res.linux_resources({}, "BestEffort", 1)["cpu_shares"], 2)
        self.assertNotIn("memory_limit_in_bytes", res.linux_resources({}, "BestEffort", 1))
        g = {"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}
        self.assertEqual(res.linux_resources(g, "Guaranteed", 2 ** 33)["oom_score_adj"], -997)


class SchedulerControllerTest(unittest.TestCase):
    """The controllers' scheduler against the real in-process Api."""

    def setUp(self):
        import standin_api
        import standin_store
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        store = standin_store.LocalStore(os.path.join(self.tmp.name, "state.json"))
        self.api = standin_api.Api(store, "v1.35.0", "127.0.0.1:6443", ["10.96.0.0/12"])
        for n in CLUSTER:
            self.api.create_obj(self.api.find("", "v1", "nodes"), None, n, None)

    def create(self, p):
        self.api.create_obj(self.api.find("", "v1", "pods"), "default", p, None)

    def test_binds_by_selector_and_toleration_and_records_events(self):
        nodes = self.api.find("", "v1", "nodes")
        w2 = self.api.store.get("", "nodes", None, "w2")
        w2["metadata"]["labels"]["disk"] = "ssd"
        self.api.update_obj(nodes, None, "w2", w2, None)
        self.create(pod("picky", nodeSelector={"disk": "ssd"}))
        self.create(pod("cp-ok", nodeSelector={"kubernetes.io/hostname": "cp"},
                        tolerations=[CP_TOLERATION]))
        self.create(pod("big", cpu="1000"))
        ctl.reconcile(self.api)
        get = lambda n: self.api.store.get("", "pods", "default", n)  # noqa: E731
        self.assertEqual(get("picky")["spec"]["nodeName"], "w2")
        self.assertEqual(get("cp-ok")["spec"]["nodeName"], "cp")
        self.assertNotIn("nodeName", get("big")["spec"])
        reasons = sorted((e["involvedObject"]["name"], e["reason"])
                         for e in self.api.store.list("", "events", "default"))
        self.assertEqual(reasons, [("big", "FailedScheduling"), ("cp-ok", "Scheduled"),
                                   ("picky", "Scheduled")])


if __name__ == "__main__":
    unittest.main()
