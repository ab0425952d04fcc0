"""Tests of the write-through to the real etcd (standin_etcd_write): the keys real API servers use
(/registry/deployments/NS/NAME, /registry/minions/NAME, /registry/services/specs/..., custom
resources under their group), the stand-in's own bookkeeping never written, deletions deleting,
an etcd that was down resynced (stale keys removed), and nothing written while not leading."""
import base64
import json
import os
import tempfile
import time
import unittest

import standin_etcd_write as w
import standin_store

BUILTIN = {(r.group, r.plural) for r in standin_store.BUILTIN_RESOURCES}


class FakeEtcd(w.EtcdWriter):
    """The writer with etcd's /v3/kv gateway replaced by a dict (and a switch to fail)."""

    def __init__(self, store, may_write=lambda: True):
        self.store, self.builtin, self.may_write = store, BUILTIN, may_write
        import threading
        self.pending, self.cond, self.synced, self.stopped = {}, threading.Condition(), False, False
        self.host, self.port = "127.0.0.1", 2379
        self.kv, self.down, self.calls = {"/registry/pods/old/gone": "{}"}, False, []
        self.members, self.members_error, self.next_members = None, None, 0.0

    def call(self, path, body):
        if self.down:
            raise OSError("connection refused")
        key = base64.b64decode(body["key"]).decode()
        self.calls.append((path, key))
        if path == "/v3/kv/put":
            self.kv[key] = base64.b64decode(body["value"]).decode()
        elif path == "/v3/kv/deleterange":
            self.kv.pop(key, None)
        elif path == "/v3/kv/range":
            end = base64.b64decode(body["range_end"]).decode()
            return {"kvs": [{"key": w.b64(k)} for k in self.kv if key <= k < end]}
        return {}


def wait(cond, secs=5):
    end = time.time() + secs
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


class KeysTest(unittest.TestCase):
    def test_real_keys(self):
        k = lambda s: w.registry_key(s, BUILTIN)
        self.assertEqual(k("apps/deployments/ns/web"), "/registry/deployments/ns/web")
        self.assertEqual(k("/secrets/ns/s"), "/registry/secrets/ns/s")
        self.assertEqual(k("/nodes//n1"), "/registry/minions/n1")
        self.assertEqual(k("/services/ns/svc"), "/registry/services/specs/ns/svc")
        self.assertEqual(k("/endpoints/ns/svc"), "/registry/services/endpoints/ns/svc")
        self.assertEqual(k("networking.k8s.io/ingresses/ns/i"), "/registry/ingress/ns/i")
        self.assertEqual(k("/namespaces//app"), "/registry/namespaces/app")
        self.assertEqual(k("apiextensions.k8s.io/customresourcedefinitions//a.b.io"),
                         "/registry/apiextensions.k8s.io/customresourcedefinitions/a.b.io")
        self.assertEqual(k("b.io/widgets/ns/x"), "/registry/b.io/widgets/ns/x")
        self.assertIsNone(k("etcd/members//members"))

    def test_prefix_end(self):
        self.assertEqual(w.prefix_end("/registry/"), b"/registry0")


class WriterTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.store = standin_store.LocalStore(os.path.join(tmp.name, "state.json"))
        self.store.put("apps", "deployments", "ns", "web",
                       {"apiVersion": "apps/v1", "kind": "Deployment",
                        "metadata": {"name": "web", "namespace": "ns"}})
        self.store.put("etcd", "members", None, "members", {"metadata": {"name": "members"}})

    def start(self, **kw):
        e = FakeEtcd(self.store, **kw)
        self.store.watchers.append(e.changed)
        e.start()
        self.addCleanup(e.stop)
        return e

    def test_resync_then_each_change_in_order(self):
        e = self.start()
        self.assertTrue(wait(lambda: e.synced))
        self.assertEqual(set(e.kv), {"/registry/deployments/ns/web"})  # stale key deleted
        self.assertEqual(json.loads(e.kv["/registry/deployments/ns/web"])["kind"], "Deployment")
        self.store.put("", "secrets", "ns", "s", {"metadata": {"name": "s"}, "data": {"a": "YQ=="}})
        self.store.delete("apps", "deployments", "ns", "web")
        self.assertTrue(wait(lambda: set(e.kv) == {"/registry/secrets/ns/s"}), e.kv)

    def test_an_etcd_that_was_down_is_brought_up_to_date(self):
        e = self.start()
        self.assertTrue(wait(lambda: e.synced))
        e.down = True
        self.store.put("", "configmaps", "ns", "c", {"metadata": {"name": "c"}})
        self.assertTrue(wait(lambda: not e.synced))
        e.kv["/registry/pods/ns/stale"] = "{}"
        e.down = False
        self.assertTrue(wait(lambda: e.synced and "/registry/configmaps/ns/c" in e.kv), e.kv)
        self.assertNotIn("/registry/pods/ns/stale", e.kv)

    def test_nothing_written_while_not_leading(self):
        e = self.start(may_write=lambda: False)
        time.sleep(0.5)
        self.assertEqual(e.calls, [])


class FakeCluster:
    """etcd's /v3/cluster/member/* gateway over a list; refuses to promote an unsynced learner."""

    def __init__(self, members):
        self.members, self.synced, self.calls = members, set(), []

    def call(self, path, body):
        self.calls.append(path.rsplit("/", 1)[1])
        if path.endswith("/list"):
            return {"members": [dict(m) for m in self.members]}
        if path.endswith("/add"):
            self.members.append({"ID": str(len(self.members) + 1), "peerURLs": body["peerURLs"],
                                 "isLearner": body["isLearner"]})
        elif path.endswith("/promote"):
            if body["ID"] not in self.synced:
                raise OSError("etcdserver: can only promote a learner member which is in sync "
                              "with leader")
            next(m for m in self.members if m["ID"] == body["ID"])["isLearner"] = False
        elif path.endswith("/remove"):
            self.members = [m for m in self.members if m["ID"] != body["ID"]]
        return {}


class MembersTest(unittest.TestCase):
    def test_real_members_follow_the_standin_list(self):
        real = FakeCluster([{"ID": "1", "name": "cp1", "peerURLs": ["https://a:2380"]}])
        standin = [{"name": "cp1", "peerURLs": ["https://a:2380"]},
                   {"name": "cp2", "peerURLs": ["https://b:2380"], "isLearner": True}]
        w.reconcile_members(real, standin)
        self.assertEqual(real.members[1], {"ID": "2", "peerURLs": ["https://b:2380"],
                                           "isLearner": True})
        standin[1]["isLearner"] = False
        self.assertRaises(OSError, w.reconcile_members, real, standin)  # not in sync yet
        real.synced.add("2")
        w.reconcile_members(real, standin)
        self.assertFalse(real.members[1]["isLearner"])
        w.reconcile_members(real, standin[:1])
        self.assertEqual([m["ID"] for m in real.members], ["1"])
        real.calls.clear()
        w.reconcile_members(real, standin[:1])
        self.assertEqual(real.calls, ["list"])  # nothing to change


if __name__ == "__main__":
    unittest.main()
