"""Tests of the stand-in's pod worker and controllers that need no containerd: a fake CRI
records the calls and answers like containerd's CRI would."""
import http.server
import os
import tempfile
import threading
import time
import unittest

import standin_controllers as ctl
import standin_cri
import standin_pods as sp


class FakeCri:
    def __init__(self, images=(), network_ready=True, pullable=(), pod_ip="10.244.1.7"):
        self.images = set(images)
        self.pullable = set(pullable)
        self.net = network_ready
        self.pod_ip = pod_ip
        self.exit_codes = {}  # cid -> exit code once "exited"
        self.exec_code = 0
        self.sbs, self.ctrs, self.calls = [], [], []

    def pull(self, image):
        self.calls.append(("pull", image))
        if image not in self.pullable:  # what containerd says with no registry reachable
            raise standin_cri.CriError(
                f'rpc error: code = Unknown desc = failed to pull and unpack image "{image}": '
                f'failed to resolve reference "{image}": dial tcp: lookup registry.test: no '
                f'such host')
        self.images.add(image)
        return "sha256:pulled"

    def exec_sync(self, cid, cmd, timeout):
        self.calls.append(("exec", cid, tuple(cmd)))
        return {"exit_code": self.exec_code, "stdout": "", "stderr": ""}

    def stop(self, cid, grace):
        self.calls.append(("stop", cid, grace))
        self.exit(cid, 143)

    def exit(self, cid, code):
        for c in self.ctrs:
            if c["id"] == cid:
                c["state"] = 2
        self.exit_codes[cid] = code

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
        return {"status": {"network": {"ip": self.pod_ip, "additional_ips": []}}}

    def container_status(self, cid):
        if cid in self.exit_codes:
            now = time.time_ns()
            return {"status": {"started_at": now - 2_000_000_000, "finished_at": now,
                               "exit_code": self.exit_codes[cid]}}
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
        w.puller.start_thread = False  # pulls in line, so each sync's answer is known
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

    def test_pull_goes_to_the_runtime_and_its_error_is_shown_then_backs_off(self):
        cri = FakeCri(images=[])
        w = self.worker(cri)
        first = w.sync({"u-1": pod(image="app:typo")})["u-1"]["containerStatuses"][0]
        self.assertEqual(first["state"]["waiting"]["reason"], "ErrImagePull")
        self.assertIn('rpc error: code = Unknown desc = failed to pull and unpack image '
                      '"app:typo"', first["state"]["waiting"]["message"])
        second = w.sync({"u-1": pod(image="app:typo")})["u-1"]["containerStatuses"][0]
        self.assertEqual(second["state"]["waiting"], {
            "reason": "ImagePullBackOff", "message": 'Back-off pulling image "app:typo"'})
        self.assertEqual([c for c in cri.calls if c[0] == "pull"], [("pull", "app:typo")])
        self.assertFalse(second["ready"])

    def test_a_pull_that_works_runs_the_container(self):
        cri = FakeCri(images=[], pullable=["app:dev"])
        st = self.worker(cri).sync({"u-1": pod()})["u-1"]
        self.assertEqual(st["phase"], "Running")
        self.assertIn(("pull", "app:dev"), cri.calls)

    def test_crashed_container_restarts_then_waits_in_crash_loop_back_off(self):
        cri = FakeCri(images=["app:dev"])
        w = self.worker(cri)
        w.sync({"u-1": pod()})
        cri.exit("c0", 1)
        st = w.sync({"u-1": pod()})["u-1"]["containerStatuses"][0]
        self.assertEqual((st["restartCount"], list(st["state"])), (1, ["running"]))
        self.assertEqual(st["lastState"]["terminated"]["exitCode"], 1)
        cri.exit("c1", 2)
        st = w.sync({"u-1": pod()})["u-1"]
        c = st["containerStatuses"][0]
        self.assertEqual(c["state"]["waiting"], {
            "reason": "CrashLoopBackOff",
            "message": "back-off 10s restarting failed container=main pod=web_default(u-1)"})
        self.assertEqual(c["restartCount"], 1)
        self.assertEqual(c["lastState"]["terminated"]["exitCode"], 2)
        self.assertEqual(st["phase"], "Running")
        self.assertEqual(len([x for x in cri.calls if x[0] == "create"]), 2)

    def test_ready_follows_the_readiness_probe_and_keeps_its_transition_time(self):
        code = [500]

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(code[0] if self.path == "/ready" else 404)
                self.end_headers()

            def log_message(self, *a):
                pass
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.addCleanup(srv.server_close)
        self.addCleanup(srv.shutdown)
        p = pod()
        p["spec"]["containers"][0].update(
            ports=[{"name": "http", "containerPort": srv.server_address[1]}],
            readinessProbe={"httpGet": {"path": "/ready", "port": "http"},
                            "periodSeconds": 1, "failureThreshold": 1})
        cri = FakeCri(images=["app:dev"], pod_ip="127.0.0.1")
        w = self.worker(cri)

        def ready():
            return w.sync({"u-1": p})["u-1"]
        self.assertFalse(ready()["containerStatuses"][0]["ready"])
        time.sleep(1.5)
        st = ready()
        self.assertFalse(st["containerStatuses"][0]["ready"])  # 500: not ready
        cond = next(c for c in st["conditions"] if c["type"] == "Ready")
        self.assertEqual(cond["message"], "containers with unready status: [main]")
        code[0] = 200
        deadline = time.time() + 5
        while not ready()["containerStatuses"][0]["ready"] and time.time() < deadline:
            time.sleep(0.2)
        st = ready()
        self.assertTrue(st["containerStatuses"][0]["ready"])
        since = next(c for c in st["conditions"] if c["type"] == "Ready")["lastTransitionTime"]
        time.sleep(1.1)
        again = next(c for c in ready()["conditions"] if c["type"] == "Ready")
        self.assertEqual((again["status"], again["lastTransitionTime"]), ("True", since))

    def test_pod_marked_for_deletion_is_stopped_with_its_grace_period(self):
        cri = FakeCri(images=["app:dev"])
        w = self.worker(cri)
        w.sync({"u-1": pod()})
        p = pod()
        p["metadata"].update(deletionTimestamp="2026-12-07T10:00:00Z",
                             deletionGracePeriodSeconds=7)
        self.assertNotIn("u-1", w.sync({"u-1": p}))  # no status posted while stopping
        deadline = time.time() + 5
        while not w.terminated() and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(w.terminated(), {"u-1"})
        self.assertIn(("stop", "c0", 7), cri.calls)
        self.assertEqual(cri.sbs, [])

    def test_qos_classes(self):
        g = {"spec": {"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}}
        b = {"spec": {"containers": [{"resources": {"requests": {"cpu": "100m"}}}]}}
        self.assertEqual(sp.qos_class(g), "Guaranteed")
        self.assertEqual(sp.cgroup_parent(g, "a-b"), "kubelet-kubepods-poda_b.slice")
        self.assertEqual(sp.qos_class(b), "Burstable")
        self.assertEqual(sp.cgroup_parent(b, "a"), "kubelet-kubepods-burstable-poda.slice")


class ProbeTest(unittest.TestCase):
    def test_tcp_and_exec_probes_and_named_ports(self):
        import socket
        import standin_probes as pr
        ln = socket.socket()
        ln.bind(("127.0.0.1", 0))
        ln.listen()
        self.addCleanup(ln.close)
        port = ln.getsockname()[1]
        c = {"ports": [{"name": "web", "containerPort": port}]}
        self.assertEqual(pr.run_once({"tcpSocket": {"port": "web"}}, None, "c0", "127.0.0.1",
                                     c), (True, ""))
        ok, msg = pr.run_once({"tcpSocket": {"port": "nope"}}, None, "c0", "127.0.0.1", c)
        self.assertFalse(ok)
        self.assertIn("unable to find port", msg)
        ln2 = socket.socket()
        ln2.bind(("127.0.0.1", 0))
        closed = ln2.getsockname()[1]
        ln2.close()
        self.assertFalse(pr.run_once({"tcpSocket": {"port": closed}}, None, "c0", "127.0.0.1",
                                     c)[0])
        cri = FakeCri()
        self.assertTrue(pr.run_once({"exec": {"command": ["cat", "/ready"]}}, cri, "c0", "",
                                    c)[0])
        self.assertIn(("exec", "c0", ("cat", "/ready")), cri.calls)
        cri.exec_code = 1
        self.assertFalse(pr.run_once({"exec": {"command": ["cat", "/ready"]}}, cri, "c0", "",
                                     c)[0])
        self.assertFalse(pr.run_once({}, cri, "c0", "", c)[0])

    def test_thresholds_flip_the_result_only_after_enough_in_a_row(self):
        import standin_probes as pr
        results = []
        w = pr.Worker({"exec": {"command": ["x"]}, "successThreshold": 2,
                       "failureThreshold": 2}, None, "c0", "", {})
        orig = pr.run_once
        pr.run_once = lambda *a: (results.pop(0), "no")
        self.addCleanup(setattr, pr, "run_once", orig)
        seen = []
        for r in [True, True, False, True, False, False]:
            results.append(r)
            w.step()
            seen.append(w.ready)
        self.assertEqual(seen, [False, True, True, True, True, False])

    def test_initial_delay_holds_the_first_probe(self):
        import standin_probes as pr
        now = [100.0]
        w = pr.Worker({"exec": {"command": ["x"]}, "initialDelaySeconds": 5}, FakeCri(), "c0",
                      "", {}, started_at=100.0, clock=lambda: now[0])
        w.step()
        self.assertEqual(w.run_count, 0)
        now[0] = 105.0
        w.step()
        self.assertEqual((w.run_count, w.ready), (1, True))


class PodStatusColumnTest(unittest.TestCase):
    def test_status_column_shows_the_waiting_reason_and_terminating(self):
        import standin_tables as tb

        def p(state, ready=False, deleting=False):
            meta = {"name": "x"}
            if deleting:
                meta["deletionTimestamp"] = "2026-12-07T10:00:00Z"
            return {"metadata": meta, "status": {"phase": "Pending", "containerStatuses": [
                {"name": "c", "ready": ready, "state": state}]}}
        self.assertEqual(tb.pod_status(p({"waiting": {"reason": "ImagePullBackOff"}})),
                         "ImagePullBackOff")
        self.assertEqual(tb.pod_status(p({"waiting": {"reason": "CrashLoopBackOff"}})),
                         "CrashLoopBackOff")
        self.assertEqual(tb.pod_status(p({"terminated": {"exitCode": 2}})), "ExitCode:2")
        self.assertEqual(tb.pod_status(p({"running": {}}, True, deleting=True)), "Terminating")
        running = p({"running": {}}, True)
        running["status"]["phase"] = "Running"
        self.assertEqual(tb.pod_status(running), "Running")


class BackoffTest(unittest.TestCase):
    def test_crash_back_off_doubles_to_five_minutes_and_is_forgotten_after_ten(self):
        import standin_backoff as bo
        now = [1000.0]
        b = bo.CrashBackoff(clock=lambda: now[0])
        k = ("u", "c")
        self.assertTrue(b.restart_now(k, 999.0))  # the first crash restarts at once
        now[0] = 1005.0
        self.assertFalse(b.restart_now(k, 1004.0))  # died 1 s later: wait 10 s
        now[0] = 1015.0
        self.assertTrue(b.restart_now(k, 1004.0))
        self.assertEqual(b.get(k), 20)
        for _ in range(10):
            b.next(k, now[0])
        self.assertEqual(b.get(k), 300)
        now[0] = 3000.0
        self.assertTrue(b.restart_now(k, 2999.0))  # ran long enough: back to 10 s
        self.assertEqual(b.get(k), 10)


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
        import standin_scheduler as sched
        msg = sched.unschedulable_message({}, [("X", ["a"]), ("X", ["a"]), ("X", ["b"])])
        self.assertTrue(msg.startswith("0/3 nodes are available: 1 b, 2 a."), msg)

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
        """The pods that are not Terminating (a deleted pod bound to a node waits for its
        kubelet; no kubelet runs here)."""
        return [p for p in self.api.store.list("", "pods")
                if not p["metadata"].get("deletionTimestamp")]

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
        gone = self.api.store.get("", "pods", "default", pods[0]["metadata"]["name"])
        self.assertEqual(gone["metadata"]["deletionGracePeriodSeconds"], 30)  # Terminating

    def test_pods_are_deleted_gracefully_only_when_a_node_runs_them(self):
        res = self.api.find("", "v1", "pods")
        spec = {"containers": [{"name": "c", "image": "x:1"}]}
        self.api.create_obj(res, "default", {"metadata": {"name": "bound"}, "spec": dict(
            spec, nodeName="w1", terminationGracePeriodSeconds=5)}, None)
        self.api.create_obj(res, "default", {"metadata": {"name": "unbound"},
                                             "spec": dict(spec, schedulerName="none")}, None)
        self.api.delete_obj(res, "default", "unbound")
        self.assertIsNone(self.api.store.get("", "pods", "default", "unbound"))
        marked = self.api.delete_obj(res, "default", "bound")
        self.assertEqual(marked["metadata"]["deletionGracePeriodSeconds"], 5)
        again = self.api.delete_obj(res, "default", "bound", 60)  # may only shorten
        self.assertEqual(again["metadata"]["deletionGracePeriodSeconds"], 5)
        self.api.delete_obj(res, "default", "bound", 0)  # the kubelet, once stopped
        self.assertIsNone(self.api.store.get("", "pods", "default", "bound"))

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
        events = [e for e in self.api.store.list("", "events", "default")
                  if e["involvedObject"]["name"] == "p"]
        self.assertEqual([(e["type"], e["reason"], e["message"]) for e in events],
                         [("Warning", "FailedScheduling", cond["message"])])
        ctl.reconcile(self.api)  # the same failure again is not a second event
        self.assertEqual(len([e for e in self.api.store.list("", "events", "default")
                              if e["involvedObject"]["name"] == "p"]), 1)


if __name__ == "__main__":
    unittest.main()
