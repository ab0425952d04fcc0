"""Tests of standin_volumes: claims wait for their first consumer, the scheduler picks the node
and the local-path provisioner makes the volume there, pods follow their volume's node, deleting
the claim deletes the volume, and what the real API server and scheduler refuse stays refused.
The helper pods' work on the node (mkdir, rm) runs on containerd in the e2e tests; here their
phase is set as the kubelet would report it."""
import os
import tempfile
import unittest

import yaml

import standin_controllers as ctl
import standin_volumes as sv
from test_standin_pods import CP_TAINT, node

ROOT = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(ROOT, "..", "..", "node-image", "manifests", "default-storage.yaml")


def claim(name="notes", modes=("ReadWriteOnce",), cls=None):
    spec = {"accessModes": list(modes), "resources": {"requests": {"storage": "64Mi"}}}
    if cls is not None:
        spec["storageClassName"] = cls
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
            "spec": spec}


def pod(name="notes", claim_name="notes", node_selector=None):
    spec = {"containers": [{"name": "c", "image": "x:1",
                            "volumeMounts": [{"name": "d", "mountPath": "/data"}]}],
            "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": claim_name}}]}
    if node_selector:
        spec["nodeSelector"] = node_selector
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


class VolumesTest(unittest.TestCase):
    def setUp(self):
        import standin_api
        import standin_store
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        store = standin_store.LocalStore(os.path.join(self.tmp.name, "state.json"))
        self.api = standin_api.Api(store, "v1.35.0", "127.0.0.1:6443", ["10.96.0.0/12"])
        for n in (node("cp", [CP_TAINT]), node("w1"), node("w2")):
            self.api.create_obj(self.res("nodes"), None, n, None)
        # minik's storage manifest, as minik applies it when it creates a cluster
        with open(MANIFEST) as f:
            docs = list(yaml.safe_load_all(f))
        for doc in docs:
            if not doc:
                continue
            group, _, version = doc["apiVersion"].rpartition("/")
            plural = {"Namespace": "namespaces", "ServiceAccount": "serviceaccounts",
                      "Role": "roles", "ClusterRole": "clusterroles",
                      "RoleBinding": "rolebindings", "ClusterRoleBinding": "clusterrolebindings",
                      "Deployment": "deployments", "StorageClass": "storageclasses",
                      "ConfigMap": "configmaps"}[doc["kind"]]
            res = self.api.find(group, version, plural)
            ns = doc["metadata"].get("namespace") if res.namespaced else None
            self.api.create_obj(res, ns, doc, None)

    def res(self, plural, group="", version="v1"):
        return self.api.find(group, version, plural)

    def get(self, plural, name, ns="default"):
        return self.api.store.get("", plural, ns, name)

    def run_kubelets(self, phase="Succeeded"):
        """What the nodes' kubelets report: the provisioner's pod Running, helpers finished."""
        for p in self.api.store.list("", "pods", sv.PROVISIONER_NS):
            if not p["spec"].get("nodeName"):
                continue
            labels = p["metadata"].get("labels") or {}
            want = "Running" if labels.get("app") == "local-path-provisioner" else phase
            if p.get("status", {}).get("phase") != want:
                p["status"] = {"phase": want}
                self.api.update_obj(self.res("pods"), sv.PROVISIONER_NS, p["metadata"]["name"],
                                    p, "status")

    def settle(self, passes=4):
        for _ in range(passes):
            ctl.reconcile(self.api)
            self.run_kubelets()

    def events(self, name, reason):
        return [e["message"] for e in self.api.store.list("", "events", "default")
                if e["involvedObject"]["name"] == name and e["reason"] == reason]

    def test_the_storage_class_is_minik_s(self):
        sc = self.api.store.get("storage.k8s.io", "storageclasses", None, "standard")
        self.assertEqual((sc["provisioner"], sc["volumeBindingMode"], sc["reclaimPolicy"]),
                         (sv.LOCAL_PATH, "WaitForFirstConsumer", "Delete"))

    def test_claim_waits_for_its_first_consumer(self):
        self.api.create_obj(self.res("persistentvolumeclaims"), "default", claim(), None)
        self.settle()
        pvc = self.get("persistentvolumeclaims", "notes")
        self.assertEqual(pvc["spec"]["storageClassName"], "standard")  # default class
        self.assertEqual(pvc["status"]["phase"], "Pending")
        self.assertNotIn("volumeName", pvc["spec"])
        self.assertEqual(self.api.store.list("", "persistentvolumes"), [])
        self.assertEqual(self.events("notes", "WaitForFirstConsumer"),
                         [sv.WAIT_FOR_FIRST_CONSUMER])

    def test_consumer_gets_a_volume_on_its_node_and_the_next_pod_follows(self):
        self.api.create_obj(self.res("persistentvolumeclaims"), "default", claim(), None)
        self.api.create_obj(self.res("pods"), "default", pod(), None)
        ctl.reconcile(self.api)
        pvc = self.get("persistentvolumeclaims", "notes")
        chosen = pvc["metadata"]["annotations"][sv.SELECTED_NODE]
        self.assertIn(chosen, ("w1", "w2"))
        # not bound to the node until its claim is bound (PreBind)
        self.assertNotIn("nodeName", self.get("pods", "notes")["spec"])
        self.settle()
        pvc = self.get("persistentvolumeclaims", "notes")
        self.assertEqual(pvc["status"]["phase"], "Bound")
        pv = self.api.store.get("", "persistentvolumes", None, pvc["spec"]["volumeName"])
        uid = pvc["metadata"]["uid"]
        self.assertEqual(pv["metadata"]["name"], f"pvc-{uid}")
        self.assertEqual(pv["spec"]["hostPath"]["path"],
                         f"/var/local-path-provisioner/pvc-{uid}_default_notes")
        self.assertEqual(sv.pv_node(pv), chosen)
        self.assertEqual((pv["status"]["phase"], pv["spec"]["claimRef"]["uid"]), ("Bound", uid))
        self.assertEqual(pvc["metadata"]["annotations"][sv.STORAGE_PROVISIONER], sv.LOCAL_PATH)
        self.assertEqual(self.get("pods", "notes")["spec"]["nodeName"], chosen)
        # the helper that made the directory ran on that node, and is gone
        helpers = [p for p in self.api.store.list("", "pods", sv.PROVISIONER_NS)
                   if p["metadata"]["name"].startswith("helper-pod-")]
        self.assertEqual(helpers, [])
        # a later pod with the same claim goes where the data is, even if other nodes are idle
        self.api.delete_obj(self.res("pods"), "default", "notes")
        for i in range(3):
            self.api.create_obj(self.res("pods"), "default", pod(f"again{i}"), None)
        ctl.reconcile(self.api)
        self.assertEqual({self.get("pods", f"again{i}")["spec"]["nodeName"] for i in range(3)},
                         {chosen})

    def test_helper_pod_runs_the_setup_script_on_the_chosen_node(self):
        self.api.create_obj(self.res("persistentvolumeclaims"), "default", claim(), None)
        self.api.create_obj(self.res("pods"), "default", pod(), None)
        ctl.reconcile(self.api)
        self.run_kubelets(phase="Pending")  # the provisioner runs; helpers not finished
        ctl.reconcile(self.api)
        uid = self.get("persistentvolumeclaims", "notes")["metadata"]["uid"]
        helper = self.api.store.get("", "pods", sv.PROVISIONER_NS,
                                    f"helper-pod-create-pvc-{uid}")
        self.assertIsNotNone(helper)
        chosen = self.get("persistentvolumeclaims", "notes")["metadata"]["annotations"][
            sv.SELECTED_NODE]
        spec = helper["spec"]
        self.assertEqual((spec["nodeName"], spec["restartPolicy"]), (chosen, "Never"))
        c = spec["containers"][0]
        self.assertEqual(c["image"], "docker.io/kindest/local-path-helper:v20260131-7181c60a")
        self.assertIn('mkdir -m 0777 -p "$VOL_DIR"', c["command"][-1])
        env = {e["name"]: e["value"] for e in c["env"]}
        self.assertEqual(env["VOL_DIR"], f"/var/local-path-provisioner/pvc-{uid}_default_notes")
        self.assertEqual(env["VOL_SIZE_BYTES"], str(64 << 20))
        self.assertEqual(spec["volumes"][0]["hostPath"]["path"], "/var/local-path-provisioner")
        # no volume until the helper succeeded
        self.assertEqual(self.api.store.list("", "persistentvolumes"), [])

    def test_nothing_is_provisioned_while_the_provisioner_is_down(self):
        self.api.create_obj(self.res("persistentvolumeclaims"), "default", claim(), None)
        self.api.create_obj(self.res("pods"), "default", pod(), None)
        for _ in range(3):
            ctl.reconcile(self.api)  # no kubelet: the provisioner's pod never runs
        self.assertEqual(self.get("persistentvolumeclaims", "notes")["status"]["phase"],
                         "Pending")
        self.assertEqual(len(self.events("notes", "ExternalProvisioning")), 1)
        self.assertIn("'rancher.io/local-path'", self.events("notes", "ExternalProvisioning")[0])

    def test_deleting_the_claim_deletes_the_volume_after_its_teardown(self):
        self.api.create_obj(self.res("persistentvolumeclaims"), "default", claim(), None)
        self.api.create_obj(self.res("pods"), "default", pod(), None)
        self.settle()
        pvc = self.get("persistentvolumeclaims", "notes")
        pv_name = pvc["spec"]["volumeName"]
        self.api.delete_obj(self.res("pods"), "default", "notes")
        self.api.delete_obj(self.res("persistentvolumeclaims"), "default", "notes")
        ctl.reconcile(self.api)
        pv = self.api.store.get("", "persistentvolumes", None, pv_name)
        self.assertEqual(pv["status"]["phase"], "Released")
        helper = self.api.store.get("", "pods", sv.PROVISIONER_NS,
                                    f"helper-pod-delete-{pv_name}")
        self.assertIn('rm -rf "$VOL_DIR"', helper["spec"]["containers"][0]["command"][-1])
        self.assertEqual(helper["spec"]["nodeName"], sv.pv_node(pv))
        self.settle()
        self.assertIsNone(self.api.store.get("", "persistentvolumes", None, pv_name))
        self.assertIsNone(self.api.store.get("", "pods", sv.PROVISIONER_NS,
                                             f"helper-pod-delete-{pv_name}"))

    def test_pod_naming_a_missing_claim_stays_pending_with_the_scheduler_s_text(self):
        self.api.create_obj(self.res("pods"), "default", pod(claim_name="nope"), None)
        self.settle()
        got = self.get("pods", "notes")
        self.assertNotIn("nodeName", got["spec"])
        self.assertEqual(got["status"]["phase"], "Pending")
        want = ('0/3 nodes are available: persistentvolumeclaim "nope" not found. preemption: '
                '0/3 nodes are available: 3 Preemption is not helpful for scheduling.')
        self.assertEqual(got["status"]["conditions"][0]["message"], want)
        self.assertEqual(self.events("notes", "FailedScheduling"), [want])

    def test_missing_class_and_immediate_claims_are_refused_as_the_scheduler_does(self):
        self.api.create_obj(self.res("persistentvolumeclaims"), "default",
                            claim("a", cls="gold"), None)
        self.api.create_obj(self.res("pods"), "default", pod("pa", "a"), None)
        self.api.create_obj(self.res("storageclasses", "storage.k8s.io"), None, {
            "metadata": {"name": "now"}, "provisioner": "example.com/x"}, None)
        self.api.create_obj(self.res("persistentvolumeclaims"), "default",
                            claim("b", cls="now"), None)
        self.api.create_obj(self.res("pods"), "default", pod("pb", "b"), None)
        self.settle()
        msg = lambda p: self.get("pods", p)["status"]["conditions"][0]["message"]
        self.assertIn('storageclass.storage.k8s.io "gold" not found', msg("pa"))
        self.assertIn("pod has unbound immediate PersistentVolumeClaims", msg("pb"))

    def test_read_write_many_is_refused_by_the_provisioner(self):
        self.api.create_obj(self.res("persistentvolumeclaims"), "default",
                            claim(modes=["ReadWriteMany"]), None)
        self.api.create_obj(self.res("pods"), "default", pod(), None)
        self.settle()
        self.assertEqual(self.get("persistentvolumeclaims", "notes")["status"]["phase"],
                         "Pending")
        self.assertEqual(self.events("notes", "ProvisioningFailed"), [
            'failed to provision volume with StorageClass "standard": '
            'Only support ReadWriteOnce access mode'])
        self.assertNotIn("nodeName", self.get("pods", "notes")["spec"])

    def test_node_affinity_conflict_keeps_the_pod_pending(self):
        self.api.create_obj(self.res("persistentvolumeclaims"), "default", claim(), None)
        self.api.create_obj(self.res("pods"), "default", pod(), None)
        self.settle()
        chosen = self.get("pods", "notes")["spec"]["nodeName"]
        other = "w2" if chosen == "w1" else "w1"
        self.api.create_obj(self.res("pods"), "default",
                            pod("elsewhere", node_selector={"kubernetes.io/hostname": other}),
                            None)
        self.settle()
        got = self.get("pods", "elsewhere")
        self.assertNotIn("nodeName", got["spec"])
        self.assertIn("1 node(s) didn't match PersistentVolume's node affinity",
                      got["status"]["conditions"][0]["message"])


class ResolveClaimsTest(unittest.TestCase):
    def api(self, objects):
        def get(path):
            if path not in objects:
                raise RuntimeError("404")
            return objects[path]
        return get

    def test_bound_claim_becomes_the_volume_s_path(self):
        get = self.api({
            "/api/v1/namespaces/ns/persistentvolumeclaims/notes": {
                "spec": {"volumeName": "pvc-1"}, "status": {"phase": "Bound"}},
            "/api/v1/persistentvolumes/pvc-1": {"spec": {"hostPath": {
                "path": "/var/local-path-provisioner/pvc-1_ns_notes",
                "type": "DirectoryOrCreate"}}}})
        p = pod()
        p["metadata"]["namespace"] = "ns"
        got = sv.resolve_claims(p, get)
        self.assertEqual(got["spec"]["volumes"][0], {"name": "d", "hostPath": {
            "path": "/var/local-path-provisioner/pvc-1_ns_notes", "type": "DirectoryOrCreate"}})
        self.assertIn("persistentVolumeClaim", p["spec"]["volumes"][0])  # input untouched

    def test_unbound_or_missing_claims_are_not_mounted(self):
        p = pod()
        p["metadata"]["namespace"] = "ns"
        with self.assertRaisesRegex(ValueError, "not found"):
            sv.resolve_claims(p, self.api({}))
        with self.assertRaisesRegex(ValueError, "not bound"):
            sv.resolve_claims(p, self.api({
                "/api/v1/namespaces/ns/persistentvolumeclaims/notes": {
                    "spec": {}, "status": {"phase": "Pending"}}}))

    def test_node_affinity_terms(self):
        pv = {"spec": {"nodeAffinity": {"required": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In",
                                   "values": ["w1"]}]}]}}}}
        self.assertTrue(sv.affinity_allows(pv, node("w1")))
        self.assertFalse(sv.affinity_allows(pv, node("w2")))
        self.assertTrue(sv.affinity_allows({"spec": {}}, node("w2")))
        self.assertEqual(sv.size_bytes("64Mi"), 64 << 20)
        self.assertEqual(sv.size_bytes("1G"), 10 ** 9)


if __name__ == "__main__":
    unittest.main()
