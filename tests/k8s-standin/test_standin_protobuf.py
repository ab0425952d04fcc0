"""Tests of the stand-in's protobuf request decoding (standin_protobuf): the envelope and field
numbers of k8s.io/apimachinery's protobuf serializer, Go's zero values dropped as JSON's
omitempty drops them, and hostile or unmodelled bodies refused rather than half-read. (The real
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
            "metadata": {"name": "tour", "creationTimestamp": None, "labels": {"team": "a"}}, "spec": {}, "status": {}})

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


if __name__ == "__main__":
    unittest.main()
