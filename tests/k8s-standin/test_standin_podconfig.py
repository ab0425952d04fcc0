"""Tests of standin_podconfig: ConfigMaps and Secrets as environment (resolved when the
container is made, never after) and as volumes written as AtomicWriter writes them (refreshed
each sync period), and the kubelet's refusals: a missing ConfigMap, Secret or key fails the
container with CreateContainerConfigError or keeps the pod ContainerCreating, unless optional.
The mount through CRI and the tmpfs are exercised on real nodes by the tour's e2e."""
import base64
import os
import tempfile
import unittest

import standin_podconfig as pc
import standin_pods as sp
from test_standin_pods import FakeCri


def cm(data):
    return {"kind": "ConfigMap", "metadata": {"name": "greeting"}, "data": data}


def secret(data):
    return {"kind": "Secret", "metadata": {"name": "db"},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}


def reader(env=None, env_from=None, volumes=None, mounts=None, uid="u-1"):
    c = {"name": "main", "image": "app:1", "env": env or [], "envFrom": env_from or [],
         "volumeMounts": mounts or []}
    return {"metadata": {"name": "reader", "namespace": "lab", "uid": uid},
            "spec": {"containers": [c], "volumes": volumes or []}}


def key_ref(kind, name, key, optional=None):
    ref = {"name": name, "key": key}
    if optional is not None:
        ref["optional"] = optional
    return {"name": "V", "valueFrom": {kind: ref}}


def env_of(pod, sources):
    return pc.environment(pod, pod["spec"]["containers"][0], sources, lambda p: "",
                          sp.expand)


class EnvironmentTest(unittest.TestCase):
    def test_key_refs_and_env_from_in_the_kubelets_order(self):
        pod = reader(env=[key_ref("configMapKeyRef", "greeting", "message"),
                          {"name": "M", "value": "$(V)!"},
                          {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db",
                                                                         "key": "password"}}},
                          {"name": "CFG_message", "value": "env wins"}],
                     env_from=[{"configMapRef": {"name": "greeting"}, "prefix": "CFG_"},
                               {"secretRef": {"name": "db"}}])
        src = {("configmaps", "greeting"): cm({"message": "hello", "bad key": "x"}),
               ("secrets", "db"): secret({"password": "s3cr3t"})}
        env = env_of(pod, src)
        self.assertEqual(env["V"], "hello")
        self.assertEqual(env["M"], "hello!")
        self.assertEqual(env["PW"], "s3cr3t")  # decoded, as the container sees it
        self.assertEqual(env["password"], "s3cr3t")
        self.assertEqual(env["CFG_message"], "env wins")
        self.assertNotIn("CFG_bad key", env)  # not a variable name: skipped

    def test_missing_configmap_or_key_is_the_kubelets_config_error(self):
        pod = reader(env=[key_ref("configMapKeyRef", "x", "k")])
        with self.assertRaises(pc.ConfigError) as e:
            env_of(pod, {("configmaps", "x"): None})
        self.assertEqual(str(e.exception), 'configmap "x" not found')
        with self.assertRaises(pc.ConfigError) as e:
            env_of(pod, {("configmaps", "x"): cm({"other": "1"})})
        self.assertEqual(str(e.exception), "couldn't find key k in ConfigMap lab/x")
        pod = reader(env=[key_ref("secretKeyRef", "db", "k")])
        with self.assertRaises(pc.ConfigError) as e:
            env_of(pod, {("secrets", "db"): None})
        self.assertEqual(str(e.exception), 'secret "db" not found')
        pod = reader(env_from=[{"secretRef": {"name": "db"}}])
        with self.assertRaises(pc.ConfigError):
            env_of(pod, {("secrets", "db"): None})

    def test_optional_references_are_skipped(self):
        pod = reader(env=[key_ref("configMapKeyRef", "x", "k", optional=True)],
                     env_from=[{"configMapRef": {"name": "y", "optional": True}}])
        self.assertEqual(env_of(pod, {("configmaps", "x"): None,
                                      ("configmaps", "y"): None}), {})

    def test_references_name_every_source(self):
        pod = reader(env=[key_ref("configMapKeyRef", "a", "k")],
                     env_from=[{"secretRef": {"name": "b"}}],
                     volumes=[{"name": "v", "configMap": {"name": "c"}},
                              {"name": "w", "secret": {"secretName": "d"}}])
        self.assertEqual(pc.references(pod), {("configmaps", "a"), ("secrets", "b"),
                                              ("configmaps", "c"), ("secrets", "d")})

    def test_fetch_keeps_not_found_apart_from_other_errors(self):
        class E(Exception):
            def __init__(self, code):
                super().__init__(code)
                self.code = code

        def get(path):
            raise E(404 if path.endswith("/x") else 403)
        pod = reader(env=[key_ref("configMapKeyRef", "x", "k")])
        self.assertEqual(pc.fetch(pod, get), {("configmaps", "x"): None})
        pod = reader(env=[key_ref("secretKeyRef", "db", "k")])
        with self.assertRaises(E):
            pc.fetch(pod, get)


class AtomicWriterTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.dir = os.path.join(self.tmp.name, "v")
        os.makedirs(self.dir)

    def read(self, name):
        with open(os.path.join(self.dir, name)) as f:
            return f.read()

    def test_the_data_symlink_dance(self):
        self.assertTrue(pc.atomic_write(self.dir, {"message": (b"hello", 0o644)}))
        self.assertEqual(os.readlink(os.path.join(self.dir, "message")), "..data/message")
        first = os.readlink(os.path.join(self.dir, "..data"))
        self.assertTrue(first.startswith(".."))
        self.assertEqual(self.read("message"), "hello")
        self.assertFalse(pc.atomic_write(self.dir, {"message": (b"hello", 0o644)}))
        self.assertTrue(pc.atomic_write(self.dir, {"message": (b"bonjour", 0o644),
                                                   "extra": (b"1", 0o600)}))
        second = os.readlink(os.path.join(self.dir, "..data"))
        self.assertNotEqual(first, second)
        self.assertFalse(os.path.exists(os.path.join(self.dir, first)))  # old set removed
        self.assertEqual(self.read("message"), "bonjour")
        self.assertEqual(os.stat(os.path.join(self.dir, "extra")).st_mode & 0o777, 0o600)
        pc.atomic_write(self.dir, {"extra": (b"1", 0o600)})
        self.assertFalse(os.path.lexists(os.path.join(self.dir, "message")))
        self.assertFalse(os.path.lexists(os.path.join(self.dir, "..data_tmp")))

    def test_paths_escaping_the_volume_are_refused(self):
        for bad in ("../etc/passwd", "/etc/passwd", "a/../../b", "..hidden", "a//b"):
            with self.assertRaises(pc.MountError, msg=bad):
                pc.atomic_write(self.dir, {bad: (b"x", 0o644)})
        self.assertEqual(os.listdir(self.dir), [])

    def test_items_and_missing_keys(self):
        vol = {"name": "cfg", "configMap": {"name": "greeting", "defaultMode": 0o400,
                                            "items": [{"key": "message", "path": "m/txt"}]}}
        src = {("configmaps", "greeting"): cm({"message": "hi", "other": "x"})}
        self.assertEqual(pc.payload(vol, src), {"m/txt": (b"hi", 0o400)})
        vol["configMap"]["items"] = [{"key": "nope"}]
        with self.assertRaises(pc.MountError) as e:
            pc.payload(vol, src)
        self.assertEqual(str(e.exception), 'MountVolume.SetUp failed for volume "cfg" : '
                                           'configmap references non-existent config key: nope')
        with self.assertRaises(pc.MountError) as e:
            pc.payload({"name": "s", "secret": {"secretName": "db"}}, {("secrets", "db"): None})
        self.assertIn('secret "db" not found', str(e.exception))
        self.assertEqual(pc.payload({"name": "s", "secret": {"secretName": "db",
                                                             "optional": True}},
                                    {("secrets", "db"): None}), {})

    def test_bad_base64_in_a_secret_is_refused(self):
        with self.assertRaises(pc.ConfigError):
            pc.data_of({"data": {"k": "not base64!"}}, "secrets")


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


class WorkerTest(unittest.TestCase):
    """Through the pod worker: the volume is refreshed each sync period, the environment is
    fixed at container creation."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        sp.LOG_ROOT = os.path.join(self.tmp.name, "log")
        sp.PODS_ROOT = os.path.join(self.tmp.name, "pods")
        os.environ.pop("STANDIN_CONFIG_SYNC", None)
        self.cri = FakeCri(images=["app:1"])
        self.w = sp.PodWorker(self.cri, "node-a", "172.18.0.3", {"syncFrequency": "10s"})
        self.w.volumes.tmpfs = lambda path: False
        self.clock = Clock()
        self.w.volumes.clock = self.clock
        self.w.runtime_problems()

    def pod(self, data, secret_data=None):
        p = reader(env=[key_ref("configMapKeyRef", "greeting", "message")],
                   volumes=[{"name": "cfg", "configMap": {"name": "greeting"}},
                            {"name": "sec", "secret": {"secretName": "db"}}],
                   mounts=[{"name": "cfg", "mountPath": "/etc/greeting"},
                           {"name": "sec", "mountPath": "/etc/db"}])
        p["standinSources"] = {("configmaps", "greeting"): cm(data) if data else None,
                               ("secrets", "db"): secret(secret_data or {"password": "s3cr3t"})}
        return p

    def file(self, kind, name, key):
        with open(f"{sp.PODS_ROOT}/u-1/volumes/kubernetes.io~{kind}/{name}/{key}") as f:
            return f.read()

    def env(self):
        creates = [c[1] for c in self.cri.calls if c[0] == "create"]
        return {e["key"]: e["value"] for e in creates[-1]["envs"]}

    def test_file_follows_the_configmap_env_stays(self):
        st = self.w.sync({"u-1": self.pod({"message": "hello"})})["u-1"]
        self.assertIn("running", st["containerStatuses"][0]["state"])
        self.assertEqual(self.file("configmap", "cfg", "message"), "hello")
        self.assertEqual(self.file("secret", "sec", "password"), "s3cr3t")  # decoded
        self.assertEqual(self.env()["V"], "hello")
        mounts = [c[1]["mounts"] for c in self.cri.calls if c[0] == "create"][-1]
        self.assertIn(f"{sp.PODS_ROOT}/u-1/volumes/kubernetes.io~configmap/cfg",
                      [m["host_path"] for m in mounts])
        # edited: not before the sync period, then the file only
        self.clock.t += 5
        self.w.sync({"u-1": self.pod({"message": "bonjour"})})
        self.assertEqual(self.file("configmap", "cfg", "message"), "hello")
        self.clock.t += 6
        self.w.sync({"u-1": self.pod({"message": "bonjour"})})
        self.assertEqual(self.file("configmap", "cfg", "message"), "bonjour")
        self.assertEqual(len([c for c in self.cri.calls if c[0] == "create"]), 1)
        self.assertEqual(self.env()["V"], "hello")

    def test_missing_configmap_fails_the_container_with_the_kubelets_reason(self):
        p = self.pod(None)
        p["spec"]["volumes"] = p["spec"]["volumes"][1:]
        p["spec"]["containers"][0]["volumeMounts"] = []
        st = self.w.sync({"u-1": p})["u-1"]
        waiting = st["containerStatuses"][0]["state"]["waiting"]
        self.assertEqual(waiting, {"reason": "CreateContainerConfigError",
                                   "message": 'configmap "greeting" not found'})
        self.assertEqual(st["phase"], "Pending")
        self.assertFalse([c for c in self.cri.calls if c[0] == "create"])

    def test_missing_configmap_volume_keeps_the_pod_creating(self):
        p = self.pod(None)
        p["spec"]["containers"][0]["env"] = []
        st = self.w.sync({"u-1": p})["u-1"]
        self.assertEqual(st["containerStatuses"][0]["state"]["waiting"]["reason"],
                         "ContainerCreating")
        self.assertIn('MountVolume.SetUp failed for volume "cfg" : configmap "greeting" '
                      'not found', self.w.errors["u-1"])
        self.assertFalse([c for c in self.cri.calls if c[0] == "runp"])

    def test_gone_pods_lose_their_files(self):
        self.w.sync({"u-1": self.pod({"message": "hello"})})
        self.assertTrue(os.path.isdir(f"{sp.PODS_ROOT}/u-1"))
        self.w.sync({})
        self.assertFalse(os.path.exists(f"{sp.PODS_ROOT}/u-1"))

    def test_sync_period_from_config_and_environment(self):
        self.assertEqual(pc.sync_period({}), pc.DEFAULT_SYNC)
        self.assertEqual(pc.sync_period({"syncFrequency": "1m"}), 60)
        os.environ["STANDIN_CONFIG_SYNC"] = "2s"
        self.addCleanup(os.environ.pop, "STANDIN_CONFIG_SYNC", None)
        self.assertEqual(pc.sync_period({"syncFrequency": "1m"}), 2)


class SecretAdmissionTest(unittest.TestCase):
    def test_string_data_is_encoded_into_data_and_dropped(self):
        obj = {"data": {"a": "eA=="}, "stringData": {"password": "s3cr3t", "a": "y"}}
        self.assertIsNone(pc.admit_secret(obj))
        self.assertEqual(obj, {"data": {"a": "eQ==", "password": "czNjcjN0"}})

    def test_data_that_is_not_base64_is_refused(self):
        self.assertIn("illegal base64", pc.admit_secret({"data": {"k": "not base64!"}}))

    def test_through_the_api(self):
        import standin_api
        import standin_store
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        store = standin_store.LocalStore(os.path.join(tmp.name, "state.json"))
        api = standin_api.Api(store, "v1.35.0", "127.0.0.1:6443", ["10.96.0.0/12"])
        api.create_obj(api.find("", "v1", "namespaces"), None,
                       {"metadata": {"name": "lab"}}, None)
        res = api.find("", "v1", "secrets")
        made = api.create_obj(res, "lab", {"metadata": {"name": "db"},
                                           "stringData": {"password": "s3cr3t"}}, None)
        self.assertEqual(made["data"], {"password": "czNjcjN0"})
        self.assertNotIn("stringData", made)
        new = dict(made, stringData={"password": "other"})
        self.assertEqual(api.update_obj(res, "lab", "db", new, None)["data"]["password"],
                         base64.b64encode(b"other").decode())
        with self.assertRaises(Exception) as e:
            api.create_obj(res, "lab", {"metadata": {"name": "bad"}, "data": {"k": "!!"}}, None)
        self.assertIn("illegal base64", str(e.exception))


class NodeAuthorizerTest(unittest.TestCase):
    """A node reads a Secret only when a pod bound to it names it, and never lists Secrets
    (plugin/pkg/auth/authorizer/node): the real Node authorizer's graph, in small."""

    def test_node_gets_only_the_secrets_its_pods_use(self):
        import standin_admission
        import standin_api
        import standin_store
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        store = standin_store.LocalStore(os.path.join(tmp.name, "state.json"))
        api = standin_api.Api(store, "v1.35.0", "127.0.0.1:6443", ["10.96.0.0/12"])
        p = reader(volumes=[{"name": "sec", "secret": {"secretName": "db"}}])
        p["spec"]["nodeName"] = "w1"
        store.put("", "pods", "lab", "reader", p)
        res = api.find("", "v1", "secrets")
        node = standin_admission.User("system:node:w1", ["system:nodes"])
        other = standin_admission.User("system:node:w2", ["system:nodes"])
        api.authorize(node, "get", res, None, "lab", "db")
        for user, verb, name in ((other, "get", "db"), (node, "get", "other"),
                                 (node, "list", None)):
            with self.assertRaises(Exception, msg=(user.name, verb, name)) as e:
                api.authorize(user, verb, res, None, "lab", name)
            self.assertIn("forbidden", str(e.exception))


if __name__ == "__main__":
    unittest.main()
