"""Tests of the stand-in's ServiceAccount tokens (TokenRequest) and RBAC: a lab's identity gets
what its Role grants and the real API server's 401/403/404/422 for the rest."""
import os
import tempfile
import time
import unittest

import standin_admission
import standin_api
import standin_auth as auth
import standin_store

RBAC = "rbac.authorization.k8s.io"


class AuthTest(unittest.TestCase):
    def setUp(self):
        self.s = standin_admission
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        store = standin_store.LocalStore(os.path.join(self.tmp.name, "state.json"))
        self.api = standin_api.Api(store, "v1.35.0", "127.0.0.1:6443", ["10.96.0.0/12"])
        self.create("", "v1", "namespaces", None, {"metadata": {"name": "tour"}})
        self.create("", "v1", "serviceaccounts", "tour", {"metadata": {"name": "lab"}})
        self.create(RBAC, "v1", "roles", "tour", {"metadata": {"name": "lab"}, "rules": [
            {"apiGroups": ["", "apps"], "resources": ["pods", "deployments", "pods/log"],
             "verbs": ["get", "list", "watch", "create", "delete"]}]})
        self.create(RBAC, "v1", "rolebindings", "tour", {
            "metadata": {"name": "lab"},
            "roleRef": {"apiGroup": RBAC, "kind": "Role", "name": "lab"},
            "subjects": [{"kind": "ServiceAccount", "name": "lab"}]})
        self.create(RBAC, "v1", "clusterroles", None, {"metadata": {"name": "lab-view"}, "rules": [
            {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list"]}]})
        self.create(RBAC, "v1", "clusterrolebindings", None, {
            "metadata": {"name": "lab-view"},
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "lab-view"},
            "subjects": [{"kind": "ServiceAccount", "name": "lab", "namespace": "tour"}]})

    def create(self, group, version, plural, ns, obj):
        return self.api.create_obj(self.api.find(group, version, plural), ns, obj, None)

    def request(self, method, path, user, body=None):
        import json
        data = json.dumps(body).encode() if body is not None else b""
        req = standin_api.Request(method, path, {}, {}, data, user)
        return self.api.serve(req)

    def token(self, seconds=None):
        admin = self.s.User("kubernetes-admin", ["kubeadm:cluster-admins"])
        spec = {} if seconds is None else {"expirationSeconds": seconds}
        code, _, data = self.request("POST", "/api/v1/namespaces/tour/serviceaccounts/lab/token",
                                     admin, {"kind": "TokenRequest", "spec": spec})
        self.assertEqual(code, 201)
        import json
        return json.loads(data)

    def lab_user(self, seconds=None):
        user = self.api.token_user(self.token(seconds)["status"]["token"])
        self.assertIsNotNone(user)
        return user

    def forbidden(self, method, path, user):
        with self.assertRaises(standin_store.ApiError) as e:
            self.request(method, path, user, {"metadata": {"name": "x"}} if method == "POST"
                         else None)
        self.assertEqual(e.exception.code, 403)
        return str(e.exception)

    def test_token_request_issues_a_token_for_the_service_account(self):
        reply = self.token(8 * 3600)
        self.assertEqual(reply["spec"]["expirationSeconds"], 8 * 3600)
        user = self.api.token_user(reply["status"]["token"])
        self.assertEqual(user.name, "system:serviceaccount:tour:lab")
        self.assertEqual(user.groups, ["system:serviceaccounts", "system:serviceaccounts:tour",
                                       "system:authenticated"])
        self.assertFalse(user.admin)

    def test_token_request_refusals_are_worded_as_upstream(self):
        admin = self.s.User("kubernetes-admin", ["kubeadm:cluster-admins"])
        with self.assertRaises(standin_store.ApiError) as e:
            self.request("POST", "/api/v1/namespaces/tour/serviceaccounts/nope/token", admin, {})
        self.assertEqual((e.exception.code, str(e.exception)),
                         (404, 'serviceaccounts "nope" not found'))
        with self.assertRaises(standin_store.ApiError) as e:
            self.request("POST", "/api/v1/namespaces/tour/serviceaccounts/lab/token", admin,
                         {"spec": {"expirationSeconds": 60}})
        self.assertEqual(e.exception.code, 422)
        self.assertEqual(str(e.exception),
                         'TokenRequest.authentication.k8s.io "lab" is invalid: '
                         'spec.expirationSeconds: Invalid value: 60: may not specify a duration '
                         'less than 10 minutes')

    def test_forged_expired_or_orphaned_tokens_are_unauthorized(self):
        token = self.token()["status"]["token"]
        head, body, mac = token.split(".")
        self.assertIsNone(self.api.token_user(f"{head}.{body}.{mac[:-2]}AA"))
        self.assertIsNone(self.api.token_user(f"{head}.{auth.b64(b'{}')}.{mac}"))
        expired = auth.token_request(self.api.store, self.api.sa_key, "tour", "lab", {},
                                     standin_store.api_error, now=time.time() - 7200)["status"]["token"]
        self.assertIsNone(self.api.token_user(expired))
        self.api.delete_obj(self.api.find("", "v1", "serviceaccounts"), "tour", "lab")
        self.create("", "v1", "serviceaccounts", "tour", {"metadata": {"name": "lab"}})
        self.assertIsNone(self.api.token_user(token), "a token of the deleted account")

    def test_rbac_grants_the_role_in_its_namespace_and_the_cluster_role_everywhere(self):
        user = self.lab_user()
        self.assertEqual(self.request("GET", "/api/v1/namespaces/tour/pods", user)[0], 200)
        self.assertEqual(self.request("GET", "/api/v1/nodes", user)[0], 200)
        self.assertEqual(self.request("POST", "/apis/apps/v1/namespaces/tour/deployments", user,
                                      {"metadata": {"name": "d"}, "spec": {}})[0], 201)

    def test_rbac_refusals_carry_the_real_403_text(self):
        user = self.lab_user()
        self.assertEqual(
            self.forbidden("GET", "/api/v1/namespaces/kube-system/pods", user),
            'pods is forbidden: User "system:serviceaccount:tour:lab" cannot list resource '
            '"pods" in API group "" in the namespace "kube-system"')
        self.assertEqual(
            self.forbidden("DELETE", "/api/v1/namespaces/tour", user),
            'namespaces "tour" is forbidden: User "system:serviceaccount:tour:lab" cannot '
            'delete resource "namespaces" in API group "" at the cluster scope')
        self.assertEqual(
            self.forbidden("POST", f"/apis/{RBAC}/v1/clusterrolebindings", user),
            'clusterrolebindings.rbac.authorization.k8s.io is forbidden: User '
            '"system:serviceaccount:tour:lab" cannot create resource "clusterrolebindings" in '
            'API group "rbac.authorization.k8s.io" at the cluster scope')
        self.assertIn('cannot create resource "services"',
                      self.forbidden("POST", "/api/v1/namespaces/tour/services", user))
        self.assertIn('cannot patch resource "nodes"',
                      self.forbidden("PATCH", "/api/v1/nodes/n1", user))


class RuleTest(unittest.TestCase):
    def test_rule_matching_follows_upstream(self):
        rule = {"verbs": ["get"], "apiGroups": [""], "resources": ["pods", "*/status"],
                "resourceNames": ["a"]}
        self.assertTrue(auth.rule_allows(rule, "get", "", "pods", None, "a"))
        self.assertFalse(auth.rule_allows(rule, "get", "", "pods", None, "b"))
        self.assertFalse(auth.rule_allows(rule, "get", "", "pods", None, ""))  # a list
        self.assertTrue(auth.rule_allows(rule, "get", "", "nodes", "status", "a"))
        self.assertFalse(auth.rule_allows(rule, "get", "", "pods", "log", "a"))
        self.assertFalse(auth.rule_allows(rule, "get", "apps", "pods", None, "a"))
        star = {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}
        self.assertTrue(auth.rule_allows(star, "delete", "x", "y", "z", ""))

    def test_subjects(self):
        sa = "system:serviceaccount:tour:lab"
        self.assertTrue(auth.subject_applies({"kind": "ServiceAccount", "name": "lab"}, sa, [],
                                             "tour"))
        self.assertFalse(auth.subject_applies({"kind": "ServiceAccount", "name": "lab"}, sa, [],
                                              None))
        self.assertTrue(auth.subject_applies({"kind": "Group", "name": "g"}, "u", ["g"], None))
        self.assertTrue(auth.subject_applies({"kind": "User", "name": "u"}, "u", [], None))


if __name__ == "__main__":
    unittest.main()
