"""Tests of the stand-in API server's watch: changes arrive in resourceVersion order, as a real
API server's watch cache replays etcd's revisions, not in the order a poll lists them (by
name), which told minik ui of a replacement pod before the deletion it replaces."""
import os
import tempfile
import unittest

import standin_api
import standin_store


def configmap(name, value="1"):
    return {"metadata": {"name": name}, "data": {"v": value}}


class WatchOrderTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        store = standin_store.LocalStore(os.path.join(self.tmp.name, "state.json"))
        self.api = standin_api.Api(store, "v1.35.0", "127.0.0.1:6443", ["10.96.0.0/12"])
        self.res = self.api.find("", "v1", "configmaps")

    def create(self, name):
        self.api.create_obj(self.res, "default", configmap(name), None)

    def watch(self, since):
        req = standin_api.Request("GET", "/api/v1/namespaces/default/configmaps",
                                  {"watch": ["1"], "resourceVersion": [str(since)],
                                   "timeoutSeconds": ["5"]}, {}, b"", None)
        return self.api.watch(req, self.res, "default")

    def test_changes_arrive_in_resource_version_order_not_by_name(self):
        since = self.api.store.rv
        self.create("zeta")
        self.create("alpha")
        events = self.watch(since)
        first = [next(events), next(events)]
        self.assertEqual([e["object"]["metadata"]["name"] for e in first], ["zeta", "alpha"])

        # Within one poll: zeta changed, then beta made, then alpha deleted.
        z = self.api.store.get("", "configmaps", "default", "zeta")
        z["data"]["v"] = "2"
        self.api.update_obj(self.res, "default", "zeta", z, None)
        self.create("beta")
        self.api.store.delete("", "configmaps", "default", "alpha")
        batch = [next(events) for _ in range(3)]
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"]) for e in batch],
                         [("MODIFIED", "zeta"), ("ADDED", "beta"), ("DELETED", "alpha")])
        versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in batch]
        self.assertEqual(versions, sorted(versions))
        # The deleted object carries the deletion's version, newer than the object's last write.
        self.assertEqual(versions[-1], self.api.store.rv)


if __name__ == "__main__":
    unittest.main()
