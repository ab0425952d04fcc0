"""The EndpointSlice controller and the Service checks against the stand-in's real in-process
Api and store: endpoints follow pod readiness, a Service selecting nothing has no endpoints,
slices of a deleted Service go, and what the real API server refuses about node ports."""
import os
import tempfile
import unittest

import standin_api
import standin_endpointslice as eps
import standin_store
import standin_tables
from standin_store import ApiError


def pod(name, labels, ip=None, ready=True, node="w1", phase="Running", ports=None):
    p = {"metadata": {"name": name, "labels": labels},
         "spec": {"nodeName": node, "containers": [{"name": "c", "image": "x:1",
                                                    "ports": ports or []}]},
         "status": {"phase": phase, "conditions": [
             {"type": "Ready", "status": "True" if ready else "False"}]}}
    if ip:
        p["status"].update(podIP=ip, podIPs=[{"ip": ip}])
    return p


class ApiTest(unittest.TestCase):
    """The stand-in's in-process Api on a fresh state file, with a namespace t."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        store = standin_store.LocalStore(os.path.join(self.tmp.name, "state.json"))
        self.api = standin_api.Api(store, "v1.35.0", "127.0.0.1:6443", ["10.96.0.0/12"])
        self.pods = self.api.find("", "v1", "pods")
        self.svcs = self.api.find("", "v1", "services")
        self.api.create_obj(self.api.find("", "v1", "namespaces"), None,
                            {"metadata": {"name": "t"}}, None)


class EndpointSliceTest(ApiTest):
    def service(self, name="hello", selector=None, **spec):
        body = {"metadata": {"name": name}, "spec": dict(
            {"selector": selector if selector is not None else {"app": "hello"},
             "ports": [{"port": 80, "targetPort": 8080}]}, **spec)}
        return self.api.create_obj(self.svcs, "t", body, None)

    def slices(self, name="hello"):
        return [s for s in self.api.store.list("discovery.k8s.io", "endpointslices", "t")
                if s["metadata"]["labels"][eps.SERVICE_NAME] == name]

    def test_endpoints_follow_pod_readiness(self):
        self.service()
        for i, ready in enumerate((True, True, False)):
            self.api.create_obj(self.pods, "t", pod(f"hello-{i}", {"app": "hello"},
                                                    f"10.244.1.{i + 2}", ready), None)
        self.api.create_obj(self.pods, "t", pod("other", {"app": "other"}, "10.244.1.9"), None)
        self.api.create_obj(self.pods, "t", pod("no-ip", {"app": "hello"}), None)
        eps.reconcile(self.api)
        [sl] = self.slices()
        self.assertEqual(sl["addressType"], "IPv4")
        self.assertEqual(sl["ports"], [{"name": "", "port": 8080, "protocol": "TCP"}])
        self.assertEqual(sl["metadata"]["labels"][eps.MANAGED_BY],
                         "endpointslice-controller.k8s.io")
        self.assertEqual(sl["metadata"]["ownerReferences"][0]["kind"], "Service")
        got = {e["addresses"][0]: e["conditions"] for e in sl["endpoints"]}
        self.assertEqual(set(got), {"10.244.1.2", "10.244.1.3", "10.244.1.4"})
        self.assertEqual(got["10.244.1.4"], {"ready": False, "serving": False,
                                             "terminating": False})
        self.assertTrue(got["10.244.1.2"]["ready"])
        self.assertEqual(sl["endpoints"][0]["targetRef"]["kind"], "Pod")
        self.assertEqual(sl["endpoints"][0]["nodeName"], "w1")
        # a pod turning ready is seen on the next pass, in the same slice
        p = self.api.store.get("", "pods", "t", "hello-2")
        p["status"]["conditions"][0]["status"] = "True"
        self.api.update_obj(self.pods, "t", "hello-2", p, "status")
        eps.reconcile(self.api)
        [again] = self.slices()
        self.assertEqual(again["metadata"]["name"], sl["metadata"]["name"])
        self.assertTrue(all(e["conditions"]["ready"] for e in again["endpoints"]))

    def test_terminating_and_finished_pods(self):
        self.service()
        p = pod("going", {"app": "hello"}, "10.244.1.2")
        p["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        self.api.create_obj(self.pods, "t", p, None)
        self.api.create_obj(self.pods, "t", pod("done", {"app": "hello"}, "10.244.1.3",
                                                phase="Succeeded"), None)
        eps.reconcile(self.api)
        [sl] = self.slices()
        self.assertEqual(len(sl["endpoints"]), 1)
        self.assertEqual(sl["endpoints"][0]["conditions"],
                         {"ready": False, "serving": True, "terminating": True})

    def test_a_service_selecting_nothing_has_no_endpoints(self):
        self.service(selector={"app": "nobody"})
        self.api.create_obj(self.pods, "t", pod("hello-0", {"app": "hello"}, "10.244.1.2"),
                            None)
        eps.reconcile(self.api)
        [sl] = self.slices()
        self.assertEqual(sl["endpoints"], [])
        self.assertNotIn("ports", sl)
        row = standin_tables.endpointslice_row(sl)
        self.assertEqual(row[1:4], ["IPv4", "<unset>", "<none>"])

    def test_no_selector_and_external_name_are_left_alone(self):
        self.service("manual", selector={})
        self.service("ext", type="ExternalName", externalName="example.com")
        eps.reconcile(self.api)
        self.assertEqual(self.slices("manual") + self.slices("ext"), [])

    def test_named_target_port_and_deleted_service(self):
        self.service(ports=[{"name": "http", "port": 80, "targetPort": "web"}])
        self.api.create_obj(self.pods, "t", pod("a", {"app": "hello"}, "10.244.1.2", ports=[
            {"name": "web", "containerPort": 9090}]), None)
        self.api.create_obj(self.pods, "t", pod("b", {"app": "hello"}, "10.244.1.3"), None)
        eps.reconcile(self.api)
        # a pod without that port is an endpoint of a slice with no ports (getEndpointPorts)
        by_ports = {str(s.get("ports")): s for s in self.slices()}
        sl = by_ports[str([{"name": "http", "port": 9090, "protocol": "TCP"}])]
        self.assertEqual([e["addresses"] for e in sl["endpoints"]], [["10.244.1.2"]])
        self.assertEqual([e["addresses"] for e in by_ports["[]"]["endpoints"]],
                         [["10.244.1.3"]])
        self.api.delete_obj(self.svcs, "t", "hello")
        eps.reconcile(self.api)
        self.assertEqual(self.slices(), [])


class ApiServerSliceTest(ApiTest):
    def test_kubernetes_service_lists_ready_control_planes(self):
        nodes = self.api.find("", "v1", "nodes")
        for name, role, ready in (("cp", True, True), ("cp2", True, False), ("w", False, True)):
            n = self.api.create_obj(nodes, None, {"metadata": {"name": name, "labels": {
                "node-role.kubernetes.io/control-plane": ""} if role else {}}}, None)
            n["status"] = {"addresses": [{"type": "InternalIP",
                                          "address": f"172.18.0.{len(name) + role}"}],
                           "conditions": [{"type": "Ready",
                                           "status": "True" if ready else "False"}]}
            self.api.update_obj(nodes, None, name, n, "status")
        eps.reconcile(self.api)
        sl = self.api.store.get("discovery.k8s.io", "endpointslices", "default", "kubernetes")
        self.assertEqual([e["addresses"] for e in sl["endpoints"]], [["172.18.0.3"]])
        self.assertEqual(sl["ports"], [{"name": "https", "port": 6443, "protocol": "TCP"}])
        self.assertNotIn(eps.MANAGED_BY, sl["metadata"]["labels"])


class ServiceAdmissionTest(unittest.TestCase):
    """What kube-apiserver refuses about a Service's type and node ports, with its text."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        store = standin_store.LocalStore(os.path.join(self.tmp.name, "state.json"))
        self.api = standin_api.Api(store, "v1.35.0", "127.0.0.1:6443", ["10.96.0.0/12"])
        self.svcs = self.api.find("", "v1", "services")

    def create(self, name, **spec):
        body = {"metadata": {"name": name}, "spec": dict(
            {"selector": {"app": "x"}, "ports": [{"port": 80}]}, **spec)}
        return self.api.create_obj(self.svcs, "default", body, None)

    def refused(self, name, **spec):
        with self.assertRaises(ApiError) as e:
            self.create(name, **spec)
        self.assertEqual(e.exception.code, 422)
        return e.exception.status["message"]

    def test_node_port_allocated_in_range(self):
        s = self.create("np", type="NodePort")
        self.assertTrue(30000 <= s["spec"]["ports"][0]["nodePort"] <= 32767)
        self.assertTrue(s["spec"]["clusterIP"].startswith("10."))
        row = standin_tables.service_row(s)
        self.assertEqual(row[4], f'80:{s["spec"]["ports"][0]["nodePort"]}/TCP')
        lb = standin_tables.service_row(self.create("lb", type="LoadBalancer"))
        self.assertEqual(lb[3], "<pending>")

    def test_a_load_balancer_without_an_implementation_stays_pending(self):
        lb = self.create("lb", type="LoadBalancer")
        self.assertTrue(30000 <= lb["spec"]["ports"][0]["nodePort"] <= 32767)
        self.assertEqual(lb["spec"]["allocateLoadBalancerNodePorts"], True)
        self.assertEqual(lb["spec"]["externalTrafficPolicy"], "Cluster")
        self.assertEqual(lb["status"], {"loadBalancer": {}})
        self.assertEqual(standin_tables.service_row(lb)[3], "<pending>")
        bare = self.create("bare", type="LoadBalancer", allocateLoadBalancerNodePorts=False)
        self.assertNotIn("nodePort", bare["spec"]["ports"][0])
        self.assertEqual(self.create("plain")["status"], {"loadBalancer": {}})

    def test_node_port_outside_the_range_is_refused(self):
        msg = self.refused("bad", type="NodePort", ports=[{"port": 80, "nodePort": 40000}])
        self.assertEqual(msg, 'Service "bad" is invalid: spec.ports[0].nodePort: Invalid value: '
                              '40000: provided port is not in the valid range. The range of '
                              'valid ports is 30000-32767')
        self.assertIsNone(self.api.store.get("", "services", "default", "bad"))

    def test_node_port_taken_or_on_a_cluster_ip_service(self):
        self.create("first", type="NodePort", ports=[{"port": 80, "nodePort": 30080}])
        msg = self.refused("second", type="NodePort", ports=[{"port": 80, "nodePort": 30080}])
        self.assertTrue(msg.endswith("spec.ports[0].nodePort: Invalid value: 30080: provided "
                                     "port is already allocated"), msg)
        msg = self.refused("plain", ports=[{"port": 80, "nodePort": 30081}])
        self.assertIn("spec.ports[0].nodePort: Forbidden: may not be used when `type` is "
                      "'ClusterIP'", msg)
        msg = self.refused("odd", type="Magic")
        self.assertIn('spec.type: Unsupported value: "Magic"', msg)


if __name__ == "__main__":
    unittest.main()
