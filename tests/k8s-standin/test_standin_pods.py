"""Tests of the stand-in's pod worker and controllers that need no containerd: a fake CRI
records the calls and answers like containerd's CRI would."""
import os
import tempfile
import unittest

import standin_controllers as ctl
import standin_cri
import standin_pods as sp


class FakeCri:
    def __init__(self, images=(), network_ready=True):
        self.images = set(images)
        self.net = network_ready
        self.sbs, self.ctrs, self.calls = [], [], []

    def status(self):
        return {"status": {"conditions": [
            {"type": "RuntimeReady", "status": True, "reason": "", "message": ""},
            {"type": "NetworkReady", "status": self.net,
             "reason": "" if self.net else "NetworkPluginNotReady",
             "message": "" if self.net else "Network plugin returns error: cni plugin not "
                                            "initialized"}]}}

    def image_present(self, image):
        return image in self.images

    def sandboxes(self):
        return list(self.sbs)

    def containers(self):
        return list(self.ctrs)

    def sandbox_status(self, sid):
        return {"status": {"network": {"ip": "10.244.1.7", "additional_ips": []}}}

    def container_status(self, cid):
        return {"status": {"started_at": 1_700_000_000_000_000_000}}

    def run_sandbox(self, config):
        sid = f"sb{len(self.sbs)}"
        self.calls.append(("runp", config))
        self.sbs.append({"id": sid, "state": 0, "labels": config["labels"],
                         "metadata": config["metadata"], "created_at": 1})
        return sid

    def create_container(self, sid, config, sandbox_config):
        cid = f"c{len(self.ctrs)}"
        self.calls.append(("create", config))
        self.ctrs.append({"id": cid, "pod_sandbox_id": sid, "metadata": config["metadata"],
                          "state": 0, "image_ref": "sha256:x"})
        return cid

    def start(self, cid):
        self.calls.append(("start", cid))
        for c in self.ctrs:
            if c["id"] == cid:
                c["state"] = 1

    def stop_sandbox(self, sid):
        self.calls.append(("stopp", sid))

    def remove_sandbox(self, sid):
        self.calls.append(("rmp", sid))
        self.sbs = [s for s in self.sbs if s["id"] != sid]

    def remove_container(self, cid):
        self.calls.append(("rm", cid))


def pod(name="web", image="app:dev", policy=None, host_network=False, uid="u-1"):
    c = {"name": "main", "image": image}
    if policy:
        c["imagePullPolicy"] = policy
    return {"metadata": {"name": name, "namespace": "default", "uid": uid},
            "spec": {"containers": [c], "hostNetwork": host_network}}


class PodWorkerTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        sp.LOG_ROOT = os.path.join(self.tmp.name, "log")
        sp.PODS_ROOT = os.path.join(self.tmp.name, "pods")

    def worker(self, cri):
        w = sp.PodWorker(cri, "node-a", "172.18.0.3", {"clusterDNS": ["10.96.0.10"],
                                                        "cgroupRoot": "/kubelet"})
        w.runtime_problems()
        return w

    def test_missing_image_with_never_is_pending_never_running(self):
        cri = FakeCri(images=[])
        st = self.worker(cri).sync({"u-1": pod(policy="Never")})["u-1"]
        self.assertEqual(st["phase"], "Pending")
        waiting = st["containerStatuses"][0]["state"]["waiting"]
        self.assertEqual(waiting["reason"], "ErrImageNeverPull")
        self.assertIn('Container image "app:dev" is not present with pull policy of Never',
                      waiting["message"])
        self.assertFalse([c for c in cri.calls if c[0] == "create"])

    def test_missing_image_backs_off_like_a_failed_pull(self):
        cri = FakeCri(images=[])
        w = self.worker(cri)
        first = w.sync({"u-1": pod()})["u-1"]
        second = w.sync({"u-1": pod()})["u-1"]
        self.assertEqual(first["containerStatuses"][0]["state"]["waiting"]["reason"],
                         "ErrImagePull")
        self.assertEqual(second["containerStatuses"][0]["state"]["waiting"]["reason"],
                         "ImagePullBackOff")
        self.assertNotEqual(second["phase"], "Running")

    def test_latest_is_always_pulled_so_fails_without_a_registry(self):
        self.assertEqual(sp.pull_policy({"image": "busybox"}), "Always")
        self.assertEqual(sp.pull_policy({"image": "busybox:latest"}), "Always")
        self.assertEqual(sp.pull_policy({"image": "localhost:5000/app"}), "Always")
        self.assertEqual(sp.pull_policy({"image": "localhost:5000/app:1"}), "IfNotPresent")
        cri = FakeCri(images=["busybox:latest"])
        st = self.worker(cri).sync({"u-1": pod(image="busybox:latest")})["u-1"]
        self.assertEqual(st["phase"], "Pending")

    def test_present_image_runs_with_kubelet_paths_and_cgroup(self):
        cri = FakeCri(images=["app:dev"])
        st = self.worker(cri).sync({"u-1": pod()})["u-1"]
        self.assertEqual(st["phase"], "Running")
        self.assertEqual(st["podIP"], "10.244.1.7")
        self.assertEqual(st["containerStatuses"][0]["containerID"], "containerd://c0")
        runp = next(c[1] for c in cri.calls if c[0] == "runp")
        self.assertEqual(runp["log_directory"], f"{sp.LOG_ROOT}/default_web_u-1")
        self.assertEqual(runp["linux"]["cgroup_parent"],
                         "kubelet-kubepods-besteffort-podu_1.slice")
        self.assertEqual(runp["dns_config"]["servers"], ["10.96.0.10"])
        create = next(c[1] for c in cri.calls if c[0] == "create")
        self.assertEqual(create["log_path"], "main/0.log")
        self.assertTrue(os.path.isdir(f"{sp.LOG_ROOT}/default_web_u-1/main"))

    def test_no_cni_keeps_pod_network_pods_waiting_but_runs_host_network(self):
        cri = FakeCri(images=["app:dev"], network_ready=False)
        w = self.worker(cri)
        out = w.sync({"u-1": pod(), "u-2": pod("hn", host_network=True, uid="u-2")})
        self.assertEqual(out["u-1"]["phase"], "Pending")
        self.assertEqual(out["u-1"]["containerStatuses"][0]["state"]["waiting"]["reason"],
                         "ContainerCreating")
        self.assertEqual(out["u-2"]["phase"], "Running")
        self.assertEqual(out["u-2"]["podIP"], "172.18.0.3")

    def test_deleted_pod_sandbox_is_stopped_and_removed(self):
        cri = FakeCri(images=["app:dev"])
        w = self.worker(cri)
        w.sync({"u-1": pod()})
        w.sync({})
        self.assertIn(("stopp", "sb0"), cri.calls)
        self.assertIn(("rmp", "sb0"), cri.calls)
        self.assertEqual(cri.sbs, [])

    def test_unknown_api_pods_are_not_pruned(self):
        cri = FakeCri(images=["app:dev"])
        w = self.worker(cri)
        w.sync({"u-1": pod()})
        w.sync({}, prune=False)
        self.assertNotIn(("rmp", "sb0"), cri.calls)

    def test_qos_classes(self):
        g = {"spec": {"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}}
        b = {"spec": {"containers": [{"resources": {"requests": {"cpu": "100m"}}}]}}
        self.assertEqual(sp.qos_class(g), "Guaranteed")
        self.assertEqual(sp.cgroup_parent(g, "a-b"), "kubelet-kubepods-poda_b.slice")
        self.assertEqual(sp.qos_class(b), "Burstable")
        self.assertEqual(sp.cgroup_parent(b, "a"), "kubelet-kubepods-burstable-poda.slice")


class NodeReadinessTest(unittest.TestCase):
    def test_node_without_cni_is_not_ready_with_kubelets_message(self):
        problems = standin_cri.runtime_problems(FakeCri(network_ready=False).status())
        self.assertEqual(problems, [
            "container runtime network not ready: NetworkReady=false "
            "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not "
            "initialized"])

    def test_ready_runtime_and_network_have_no_problem(self):
        self.assertEqual(standin_cri.runtime_problems(FakeCri().status()), [])

    def test_runtime_down_is_a_problem(self):
        self.assertTrue(standin_cri.runtime_problems({}))


def node(name, taints=(), labels=None, cidr=None, ip=None):
    n = {"metadata": {"name": name, "labels": dict(labels or {}, **{
        "kubernetes.io/hostname": name})}, "spec": {"taints": list(taints)}}
    if cidr:
        n["spec"]["podCIDR"] = cidr
    if ip:
        n["status"] = {"addresses": [{"type": "InternalIP", "address": ip}]}
    return n


CP_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


class SchedulingTest(unittest.TestCase):
    def test_taints_need_tolerations(self):
        self.assertIn("untolerated taint", ctl.unfit_reason({}, node("cp", [CP_TAINT])))
        self.assertIsNone(ctl.unfit_reason(
            {"tolerations": [{"key": CP_TAINT["key"], "operator": "Exists",
                              "effect": "NoSchedule"}]}, node("cp", [CP_TAINT])))
        self.assertIsNone(ctl.unfit_reason({"tolerations": [{"operator": "Exists"}]},
                                           node("cp", [CP_TAINT])))
        self.assertIsNotNone(ctl.unfit_reason(
            {"tolerations": [{"key": "other", "operator": "Exists"}]}, node("cp", [CP_TAINT])))

    def test_node_selector(self):
        spec = {"nodeSelector": {"disk": "ssd"}}
        self.assertIsNotNone(ctl.unfit_reason(spec, node("w")))
        self.assertIsNone(ctl.unfit_reason(spec, node("w", labels={"disk": "ssd"})))

    def test_unschedulable_node_only_for_daemons(self):
        n = node("w")
        n["spec"]["unschedulable"] = True
        self.assertEqual(ctl.unfit_reason({}, n), "node(s) were unschedulable")
        self.assertIsNone(ctl.unfit_reason({}, n, daemon=True))

    def test_message_counts_reasons(self):
        msg = ctl.unschedulable_message(["a", "a", "b"], 3)
        self.assertTrue(msg.startswith("0/3 nodes are available: 2 a, 1 b."), msg)

    def test_nodes_file_lines(self):
        text = sp.nodes_lines([node("a", cidr="10.244.0.0/24", ip="172.18.0.2"), node("b")])
        self.assertEqual(text, "a 172.18.0.2 10.244.0.0/24\n")


class PodLogsTest(unittest.TestCase):
    def test_a_deleted_pods_log_folder_goes(self):
        with tempfile.TemporaryDirectory() as root:
            saved, sp.LOG_ROOT = sp.LOG_ROOT, root
            self.addCleanup(setattr, sp, "LOG_ROOT", saved)
            for uid in ("u1", "u2"):
                os.makedirs(os.path.join(root, f"t_client_{uid}", "client"))
            sp.remove_pod_logs("u1")
            self.assertEqual(os.listdir(root), ["t_client_u2"])
            sp.remove_pod_logs("*")  # a uid is a name, never a pattern
            self.assertEqual(os.listdir(root), ["t_client_u2"])


class ControllersTest(unittest.TestCase):
    """The controllers against the stand-in's real in-process Api and store."""

    def setUp(self):
        import standin_api
        import standin_store
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        store = standin_store.LocalStore(os.path.join(self.tmp.name, "state.json"))
        self.api = standin_api.Api(store, "v1.35.0", "127.0.0.1:6443", ["10.96.0.0/12"])
        nodes = self.api.find("", "v1", "nodes")
        for n in (node("cp", [CP_TAINT]), node("w1"), node("w2")):
            self.api.create_obj(nodes, None, n, None)

    def pods(self):
        return self.api.store.list("", "pods")

    def test_daemonset_pod_per_tolerated_node(self):
        ds = {"metadata": {"name": "agent"}, "spec": {"selector": {"matchLabels": {"a": "b"}},
              "template": {"metadata": {"labels": {"a": "b"}},
                           "spec": {"containers": [{"name": "c", "image": "x:1"}]}}}}
        self.api.create_obj(self.api.find("apps", "v1", "daemonsets"), "default", ds, None)
        ctl.reconcile(self.api)
        self.assertEqual(sorted(p["spec"]["nodeName"] for p in self.pods()), ["w1", "w2"])
        ctl.reconcile(self.api)
        self.assertEqual(len(self.pods()), 2)  # stable

    def test_deployment_replaces_deleted_pods_and_avoids_tainted_node(self):
        d = {"metadata": {"name": "web"}, "spec": {"replicas": 2, "selector": {
            "matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}},
                                                         "spec": {"containers": [
                                                             {"name": "c", "image": "x:1"}]}}}}
        self.api.create_obj(self.api.find("apps", "v1", "deployments"), "default", d, None)
        ctl.reconcile(self.api)
        pods = self.pods()
        self.assertEqual(len(pods), 2)
        self.assertEqual(sorted(p["spec"]["nodeName"] for p in pods), ["w1", "w2"])
        self.api.delete_obj(self.api.find("", "v1", "pods"), "default",
                            pods[0]["metadata"]["name"])
        ctl.reconcile(self.api)
        self.assertEqual(len(self.pods()), 2)
        self.assertNotIn(pods[0]["metadata"]["name"],
                         [p["metadata"]["name"] for p in self.pods()])

    def test_pod_nothing_fits_stays_pending_unschedulable(self):
        p = {"metadata": {"name": "p"}, "spec": {"nodeSelector": {"none": "x"},
                                                 "containers": [{"name": "c", "image": "x:1"}]}}
        self.api.create_obj(self.api.find("", "v1", "pods"), "default", p, None)
        ctl.reconcile(self.api)
        got = self.api.store.get("", "pods", "default", "p")
        self.assertNotIn("nodeName", got["spec"])
        cond = got["status"]["conditions"][0]
        self.assertEqual((cond["type"], cond["status"], cond["reason"]),
                         ("PodScheduled", "False", "Unschedulable"))
        self.assertIn("0/3 nodes are available", cond["message"])


if __name__ == "__main__":
    unittest.main()
