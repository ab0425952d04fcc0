"""Tests of the stand-in's storage and registry (standin_store) and its Table columns
(standin_tables): one cluster-wide resourceVersion bumped on every write as etcd3 storage does,
state that survives a restart, NotFound as the real API server words it, ROLES as kubectl shows
it."""
import os
import tempfile
import unittest

import standin_common
import standin_store as st
import standin_tables as tables


class StoreTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.path = os.path.join(self.tmp.name, "state.json")

    def test_writes_bump_one_resource_version_and_persist(self):
        s = st.LocalStore(self.path)
        a = s.put("", "configmaps", "default", "a", {"metadata": {"name": "a"}})
        b = s.put("apps", "deployments", "default", "b", {"metadata": {"name": "b"}})
        self.assertEqual(int(b["metadata"]["resourceVersion"]),
                         int(a["metadata"]["resourceVersion"]) + 1)
        s.delete("", "configmaps", "default", "a")
        again = st.LocalStore(self.path)
        self.assertIsNone(again.get("", "configmaps", "default", "a"))
        self.assertEqual(again.get("apps", "deployments", "default", "b")["metadata"]["name"], "b")
        self.assertEqual(again.rv, s.rv)

    def test_corrupt_state_fails_clearly(self):
        with open(self.path, "w") as f:
            f.write("{not json")
        with self.assertRaises(standin_common.Fail) as e:
            st.LocalStore(self.path)
        self.assertIn("is corrupt", str(e.exception))

    def test_not_found_as_the_api_server_words_it(self):
        deploy = next(r for r in st.BUILTIN_RESOURCES if r.plural == "deployments")
        e = st.not_found(deploy, "web")
        self.assertEqual(e.code, 404)
        self.assertEqual(str(e), 'deployments.apps "web" not found')


class TablesTest(unittest.TestCase):
    def test_roles_column(self):
        cp = {"metadata": {"labels": {"node-role.kubernetes.io/control-plane": ""}}}
        worker = {"metadata": {"labels": {"kubernetes.io/hostname": "w1"}}}
        self.assertEqual(tables.node_roles(cp), "control-plane")
        self.assertEqual(tables.node_roles(worker), "<none>")


if __name__ == "__main__":
    unittest.main()
