"""Tests of the stand-in's protobuf request decoding (standin_protobuf): the envelope and field
numbers of k8s.io/apimachinery's protobuf serializer, Go's zero values dropped as JSON's
omitempty drops them (a zero metav1.Time is null, as Go writes it), and hostile or unmodelled
bodies refused rather than half-read. (The real
kubectl's own bodies are exercised in test_standin_real_kubectl.)"""
import unittest

import standin_protobuf as pb


def varint(n):
    out = b""
    while True:
        b, n = n & 0x7F, n >> 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def field(num, val):
    if isinstance(val, bool) or isinstance(val, int):
        return varint(num << 3) + varint(int(val))
    val = val.encode() if isinstance(val, str) else val
    return varint(num << 3 | 2) + varint(len(val)) + val


def envelope(api_version, kind, raw):
    type_meta = field(1, api_version) + field(2, kind)
    return pb.PREFIX + field(1, type_meta) + field(2, raw) + field(3, "") + field(4, "")


def entry(k, v):
    return field(1, k) + field(2, v)


class ProtobufTest(unittest.TestCase):
    def test_namespace_as_gogo_protobuf_writes_it(self):
        meta = (field(1, "tour") + field(2, "") + field(4, "") + field(7, 0) + field(8, b"") +
                field(11, entry("team", "a")))
        raw = field(1, meta) + field(2, b"") + field(3, b"")
        self.assertEqual(pb.decode(envelope("v1", "Namespace", raw)), {
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "tour", "creationTimestamp": None, "labels": {"team": "a"}},
            "spec": {}, "status": {}})

    def test_secret_bytes_become_base64_and_pointer_false_is_kept(self):
        raw = (field(1, field(1, "pw")) + field(2, entry("pw", b"s3cret")) + field(3, "Opaque") +
               field(5, False))
        obj = pb.decode(envelope("v1", "Secret", raw))
        self.assertEqual(obj["data"], {"pw": "czNjcmV0"})
        self.assertIs(obj["immutable"], False)

    def test_token_request_expiration(self):
        raw = field(1, b"") + field(2, field(4, 3600)) + field(3, b"")
        obj = pb.decode(envelope("authentication.k8s.io/v1", "TokenRequest", raw))
        self.assertEqual(obj["spec"], {"expirationSeconds": 3600})

    def test_hostile_and_unmodelled_bodies_are_refused(self):
        with self.assertRaisesRegex(ValueError, "expected prefix"):
            pb.decode(b'{"kind": "Namespace"}')
        with self.assertRaisesRegex(ValueError, "truncated"):
            pb.decode(pb.PREFIX + b"\x0a\xff")
        with self.assertRaisesRegex(ValueError, "truncated"):
            pb.decode(pb.PREFIX + b"\x0a")
        with self.assertRaises(pb.Unsupported):
            pb.decode(envelope("apps/v1", "DaemonSet", b""))
        with self.assertRaisesRegex(ValueError, "field 99 of Namespace is not modelled"):
            pb.decode(envelope("v1", "Namespace", field(99, "x")))
        with self.assertRaisesRegex(ValueError, "wire type"):
            pb.decode(envelope("v1", "Namespace", field(1, 5)))
        with self.assertRaisesRegex(ValueError, "wire type 5"):
            pb.decode(envelope("v1", "Namespace", b"\x0d\x00\x00\x00\x00"))

    def test_deployment_as_kubectl_create_writes_it(self):
        """kubectl create deployment's object: gogo writes every non-pointer field, so the
        empty strings, zeros and empty messages (status, strategy, resources) are all there."""
        container = (field(1, "agnhost") + field(2, "example.test/agnhost:1") + field(5, "") +
                     field(6, field(1, "") + field(2, 0) + field(3, 8080) + field(4, "") +
                           field(5, "")) + field(8, b"") + field(13, "") + field(14, "") +
                     field(16, False) + field(17, False) + field(18, False) + field(20, ""))
        labels = field(11, entry("app", "hello"))
        pod = field(1, field(8, b"") + labels) + field(2, field(2, container) + field(3, "") +
                                                       field(6, "") + field(11, False))
        spec = (field(1, 2) + field(2, field(1, entry("app", "hello"))) + field(3, pod) +
                field(4, field(1, "") + field(2, field(1, field(1, 1) + field(3, "25%")) +
                                                  field(2, field(2, 3)))) + field(5, 0) +
                field(7, False))
        raw = field(1, field(1, "hello") + labels) + field(2, spec) + field(3, field(1, 0))
        obj = pb.decode(envelope("apps/v1", "Deployment", raw))
        self.assertEqual(obj, {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "hello", "labels": {"app": "hello"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "hello"}},
                     "template": {"metadata": {"creationTimestamp": None,
                                               "labels": {"app": "hello"}},
                                  "spec": {"containers": [{
                                      "name": "agnhost", "image": "example.test/agnhost:1",
                                      "ports": [{"containerPort": 8080}], "resources": {}}]}},
                     "strategy": {"rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 3}}},
            "status": {}})

    def test_quantities_int_or_string_and_rbac(self):
        hard = field(1, entry("pods", field(1, "2"))) + field(1, entry("requests.cpu",
                                                                      field(1, "500m")))
        obj = pb.decode(envelope("v1", "ResourceQuota", field(1, b"") + field(2, hard)))
        self.assertEqual(obj["spec"], {"hard": {"pods": "2", "requests.cpu": "500m"}})
        pdb = field(1, field(1, 1) + field(3, "50%")) + field(3, field(2, 0))
        obj = pb.decode(envelope("policy/v1", "PodDisruptionBudget", field(2, pdb)))
        self.assertEqual(obj["spec"], {"minAvailable": "50%"})  # maxUnavailable 0 is dropped
        rule = field(1, "get") + field(2, "") + field(3, "pods")
        ref = field(1, "rbac.authorization.k8s.io") + field(2, "Role") + field(3, "r")
        subject = field(1, "User") + field(2, "rbac.authorization.k8s.io") + field(3, "alice")
        self.assertEqual(pb.decode(envelope("rbac.authorization.k8s.io/v1", "Role",
                                            field(2, rule)))["rules"],
                         [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}])
        binding = pb.decode(envelope("rbac.authorization.k8s.io/v1", "RoleBinding",
                                     field(2, subject) + field(3, ref)))
        self.assertEqual(binding["roleRef"]["kind"], "Role")
        self.assertEqual(binding["subjects"][0]["name"], "alice")

    def test_hostile_deployments_are_refused(self):
        """Each as the API server's 400 (a ValueError), never an IndexError, an OSError or a
        hang."""
        dep = lambda raw: pb.decode(envelope("apps/v1", "Deployment", raw))
        container = lambda extra: field(2, field(3, field(2, field(2, field(1, "c") + extra))))
        cases = [
            ("truncated varint", field(1, field(1, "x") + b"\x38\xff")),
            ("wire type 0 for a DeploymentSpec", field(2, 5)),
            ("wire type 2 for a \\*int", field(2, field(1, "two"))),
            ("field 99 of Container is not modelled", container(field(99, "x"))),
            ("field 10 of Container is not modelled", container(field(10, b""))),  # a probe
            ("truncated field", field(2, b"\x1a\x50" + b"\x00" * 4)),
            ("truncated field", b"\x12" + varint(1 << 62) + b"x"),
            ("integer overflow", field(2, b"\x08" + b"\xff" * 11 + b"\x01")),
            ("IntOrString type 7", field(2, field(4, field(2, field(1, field(1, 7)))))),
            ("field 3 of a map entry", field(2, field(2, field(1, entry("a", "b") +
                                                                   field(3, "c"))))),
            ("wire type 5", field(2, b"\x0d\x00\x00\x00\x00")),
            ("year outside of range", field(1, field(8, field(1, 1 << 62)))),
            ("year outside of range", field(1, field(8, field(1, (1 << 64) - (1 << 62))))),
        ]
        for why, raw in cases:
            with self.subTest(why=why), self.assertRaisesRegex(ValueError, why):
                dep(raw)


    def test_invalid_utf8_is_replaced_as_go_json_writes_it(self):
        obj = pb.decode(envelope("v1", "ConfigMap", field(1, field(1, b"a\xffb"))))
        self.assertEqual(obj["metadata"]["name"], "a\ufffdb")

    def test_mutated_bodies_only_ever_raise_value_error(self):
        """Random byte flips, cuts and insertions in a deployment body (a fixed seed): each
        decodes or is refused with a ValueError (the 400), nothing else escapes."""
        import random
        rnd = random.Random(7)
        spec = field(1, 2) + field(2, field(1, entry("app", "a"))) + field(3, field(
            1, field(11, entry("app", "a"))) + field(2, field(2, field(1, "c") + field(2, "c:1") +
                                                                field(6, field(3, 80)))))
        good = envelope("apps/v1", "Deployment", field(1, field(1, "d")) + field(2, spec))
        for _ in range(3000):
            body = bytearray(good)
            for _ in range(rnd.randint(1, 4)):
                i = rnd.randrange(len(pb.PREFIX), len(body))
                op = rnd.randrange(3)
                if op == 0:
                    body[i] = rnd.randrange(256)
                elif op == 1:
                    del body[i:i + rnd.randint(1, 8)]
                else:
                    body[i:i] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 4)))
                if len(body) <= len(pb.PREFIX):
                    break
            try:
                pb.decode(bytes(body))
            except ValueError:
                pass

if __name__ == "__main__":
    unittest.main()
