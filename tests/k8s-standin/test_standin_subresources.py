"""Tests of the subresources the real kubectl calls (standin_subresources), on the in-process
Api: the autoscaling/v1 Scale of a Deployment (kubectl scale), evictions (kubectl drain), pod
logs refused as upstream refuses them, and unknown subresources 404 instead of the object."""
import json
import os
import tempfile
import unittest

import standin_admission
import standin_api
import standin_store

ADMIN = standin_admission.User("kubernetes-admin", ["kubeadm:cluster-admins"])
DEPLOY = "/apis/apps/v1/namespaces/app/deployments/web"


class SubresourcesTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        store = standin_store.LocalStore(os.path.join(tmp.name, "state.json"))
        self.api = standin_api.Api(store, "v1.35.0", "127.0.0.1:6443", ["10.96.0.0/12"])
        self.call("POST", "/api/v1/namespaces", {"metadata": {"name": "app"}})
        self.call("POST", "/apis/apps/v1/namespaces/app/deployments", {
            "metadata": {"name": "web"}, "spec": {
                "replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                             "spec": {"containers": [{"name": "c", "image": "x"}]}}}})
        self.call("POST", "/api/v1/namespaces/app/pods", {
            "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x"}]}})

    def call(self, method, path, body=None, ctype="application/json"):
        data = json.dumps(body).encode() if body is not None else b""
        req = standin_api.Request(method, path, {}, {"Content-Type": ctype}, data, ADMIN)
        try:
            code, _, out = self.api.serve(req)
        except standin_store.ApiError as e:
            return e.code, e.status
        return code, json.loads(out)

    def test_scale_reads_and_patches_the_replicas(self):
        code, scale = self.call("GET", DEPLOY + "/scale")
        self.assertEqual((code, scale["kind"], scale["apiVersion"]), (200, "Scale", "autoscaling/v1"))
        self.assertEqual(scale["spec"], {"replicas": 2})
        self.assertEqual(scale["status"]["selector"], "app=web")
        code, scale = self.call("PATCH", DEPLOY + "/scale", {"spec": {"replicas": 3}},
                                "application/merge-patch+json")
        self.assertEqual((code, scale["spec"]["replicas"]), (200, 3))
        self.assertEqual(self.call("GET", DEPLOY)[1]["spec"]["replicas"], 3)
        code, status = self.call("PATCH", DEPLOY + "/scale", {"spec": {"replicas": -1}},
                                 "application/merge-patch+json")
        self.assertEqual(code, 422)
        self.assertIn("spec.replicas: Invalid value: -1: must be greater than or equal to 0",
                      status["message"])

    def test_a_new_spec_is_a_new_generation_status_is_not(self):
        gen = lambda: self.call("GET", DEPLOY)[1]["metadata"]["generation"]
        self.assertEqual(gen(), 1)
        self.call("PATCH", DEPLOY, {"spec": {"template": {"spec": {"containers": [
            {"name": "c", "image": "y"}]}}}}, "application/strategic-merge-patch+json")
        self.assertEqual(gen(), 2)
        self.call("PATCH", DEPLOY, {"metadata": {"labels": {"a": "b"}}},
                  "application/merge-patch+json")
        self.assertEqual(gen(), 2)
        code, _ = self.call("PUT", DEPLOY + "/status", {
            "metadata": {"name": "web"}, "status": {"observedGeneration": 2}})
        self.assertEqual((code, gen()), (200, 2))
        self.call("PATCH", DEPLOY + "/scale", {"spec": {"replicas": 5}},
                  "application/merge-patch+json")
        self.assertEqual(gen(), 3)

    def test_eviction_deletes_the_named_pod_only(self):
        path = "/api/v1/namespaces/app/pods/p/eviction"
        code, status = self.call("POST", path, {"apiVersion": "policy/v1", "kind": "Eviction",
                                                "metadata": {"name": "other"}})
        self.assertEqual(code, 400)
        self.assertIn("does not match", status["message"])
        self.assertEqual(self.call("POST", path, {"metadata": {"name": "p"}})[0], 201)
        self.assertEqual(self.call("GET", "/api/v1/namespaces/app/pods/p")[0], 404)

    def test_logs_of_an_unscheduled_pod_and_unknown_subresources(self):
        code, status = self.call("GET", "/api/v1/namespaces/app/pods/p/log")
        self.assertEqual((code, status["message"]), (400, "pod p does not have a host assigned"))
        self.assertEqual(self.call("GET", "/api/v1/namespaces/app/pods/p/bogus")[0], 404)


if __name__ == "__main__":
    unittest.main()
