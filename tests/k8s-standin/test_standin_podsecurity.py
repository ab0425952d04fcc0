"""Tests of the stand-in's PodSecurity `baseline` admission: the real plugin's wording for each
check, the API server's 403 around it, and controllers whose pods are refused."""
import os
import tempfile
import unittest

import standin_controllers as ctl
import standin_podsecurity as psa

BASELINE = {psa.ENFORCE: "baseline"}


def pod(spec, name="x"):
    return {"metadata": {"name": name}, "spec": spec}


class ChecksTest(unittest.TestCase):
    def refusal(self, spec, labels=BASELINE):
        return psa.admit_pod(labels, pod(spec))

    def test_unlabelled_or_privileged_namespaces_allow_everything(self):
        spec = {"hostNetwork": True, "containers": [{"name": "c",
                                                     "securityContext": {"privileged": True}}]}
        self.assertIsNone(self.refusal(spec, {}))
        self.assertIsNone(self.refusal(spec, None))
        self.assertIsNone(self.refusal(spec, {psa.ENFORCE: "privileged"}))

    def test_each_check_words_its_refusal_as_upstream(self):
        head = 'violates PodSecurity "baseline:latest": '
        for spec, detail in [
            ({"containers": [{"name": "c", "securityContext": {"privileged": True}}]},
             'privileged (container "c" must not set securityContext.privileged=true)'),
            ({"containers": [{"name": "a", "securityContext": {"privileged": True}},
                             {"name": "b", "securityContext": {"privileged": True}}]},
             'privileged (containers "a", "b" must not set securityContext.privileged=true)'),
            ({"hostPID": True, "hostNetwork": True, "containers": [{"name": "c"}]},
             "host namespaces (hostNetwork, hostPID)"),
            ({"containers": [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 80}]}]},
             'hostPort (container "c" uses hostPort 80)'),
            ({"containers": [{"name": "c", "securityContext": {"procMount": "Unmasked"}}]},
             'procMount (container "c" must not set securityContext.procMount to "Unmasked")'),
            ({"securityContext": {"sysctls": [{"name": "kernel.core_pattern", "value": "x"}]},
              "containers": [{"name": "c"}]},
             "forbidden sysctls (kernel.core_pattern)"),
            ({"containers": [{"name": "c", "securityContext": {
                "capabilities": {"add": ["SYS_ADMIN", "NET_ADMIN", "CHOWN"]}}}]},
             'non-default capabilities (container "c" must not include "NET_ADMIN", '
             '"SYS_ADMIN" in securityContext.capabilities.add)'),
            ({"volumes": [{"name": "root", "hostPath": {"path": "/"}}],
              "containers": [{"name": "c"}]},
             'hostPath volumes (volume "root")'),
            ({"securityContext": {"seccompProfile": {"type": "Unconfined"}},
              "containers": [{"name": "c"}]},
             'seccompProfile (pod must not set securityContext.seccompProfile.type to '
             '"Unconfined")'),
        ]:
            self.assertEqual(self.refusal(spec), head + detail)

    def test_details_follow_upstream_check_order(self):
        spec = {"hostPID": True, "volumes": [{"name": "h", "hostPath": {"path": "/"}}],
                "initContainers": [{"name": "i", "securityContext": {"privileged": True}}],
                "containers": [{"name": "c"}]}
        self.assertEqual(
            psa.admit_pod({psa.ENFORCE: "baseline", psa.ENFORCE_VERSION: "v1.35"}, pod(spec)),
            'violates PodSecurity "baseline:v1.35": host namespaces (hostPID), privileged '
            '(container "i" must not set securityContext.privileged=true), hostPath volumes '
            '(volume "h")')

    def test_baseline_pods_pass(self):
        spec = {"containers": [{"name": "c", "image": "x", "ports": [{"containerPort": 8080}],
                                "securityContext": {"privileged": False, "capabilities": {
                                    "add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}}}],
                "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "n"}}],
                "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}
        self.assertIsNone(self.refusal(spec))


class AdmissionTest(unittest.TestCase):
    """Through the stand-in's in-process Api: what kubectl would get back."""

    def setUp(self):
        import standin_api
        import standin_store
        self.standin = standin_store
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        store = standin_store.LocalStore(os.path.join(self.tmp.name, "state.json"))
        self.api = standin_api.Api(store, "v1.35.0", "127.0.0.1:6443", ["10.96.0.0/12"])
        self.pods = self.api.find("", "v1", "pods")
        namespaces = self.api.find("", "v1", "namespaces")
        self.api.create_obj(namespaces, None, {"metadata": {"name": "open"}}, None)
        self.api.create_obj(namespaces, None, {"metadata": {
            "name": "tour", "labels": {psa.ENFORCE: "baseline", "minik.dev/tour": "basics"}}},
            None)

    def test_a_privileged_pod_is_forbidden_in_a_baseline_namespace_only(self):
        spec = {"containers": [{"name": "c", "image": "busybox",
                                "securityContext": {"privileged": True}}]}
        with self.assertRaises(self.standin.ApiError) as e:
            self.api.create_obj(self.pods, "tour", pod(spec, "root"), None)
        self.assertEqual(e.exception.code, 403)
        self.assertEqual(e.exception.reason, "Forbidden")
        self.assertEqual(str(e.exception),
                         'pods "root" is forbidden: violates PodSecurity "baseline:latest": '
                         'privileged (container "c" must not set securityContext.privileged=true)')
        self.assertIsNone(self.api.store.get("", "pods", "tour", "root"))
        self.api.create_obj(self.pods, "open", pod(spec, "root"), None)

    def test_a_workload_with_a_refused_template_gets_no_pods_and_a_failed_create_event(self):
        template = {"metadata": {"labels": {"app": "x"}},
                    "spec": {"hostNetwork": True, "containers": [{"name": "c", "image": "x:1"}]}}
        rs = {"metadata": {"name": "x"}, "spec": {"replicas": 2, "selector": {
            "matchLabels": {"app": "x"}}, "template": template}}
        self.api.create_obj(self.api.find("apps", "v1", "replicasets"), "tour", rs, None)
        ctl.reconcile(self.api)
        self.assertEqual(self.api.store.list("", "pods", "tour"), [])
        events = self.api.store.list("", "events", "tour")
        self.assertTrue(events)
        self.assertEqual(events[0]["reason"], "FailedCreate")
        self.assertIn("violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork)",
                      events[0]["message"])

    def test_the_builtin_labs_pods_are_admitted(self):
        agnhost = {"name": "hello", "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
                   "args": ["netexec", "--http-port=8080"], "ports": [{"containerPort": 8080}]}
        self.api.create_obj(self.pods, "tour", pod({
            "containers": [dict(agnhost, volumeMounts=[{"name": "notes", "mountPath": "/data"}])],
            "volumes": [{"name": "notes", "persistentVolumeClaim": {"claimName": "notes"}}]},
            "notes"), None)
        self.assertIsNotNone(self.api.store.get("", "pods", "tour", "notes"))


if __name__ == "__main__":
    unittest.main()
