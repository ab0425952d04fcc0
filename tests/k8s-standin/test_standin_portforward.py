"""Tests of `kubectl port-forward` in the stand-in (standin_spdy, standin_portforward): SPDY/3
frames and header compression, the API server's refusals (RBAC on pods/portforward, no pod, no
node, a bad port), the kubelet's /portForward over SPDY with its refusals (pod unknown, no
upgrade headers, bad port or stream type headers) and a stream pair forwarded to a port and
back, the runtime's error on the error stream, and the WebSocket tunnel carrying SPDY bytes."""
import http.server
import os
import socket
import struct
import tempfile
import threading
import unittest
import zlib

import standin_admission
import standin_api
import standin_exec as ex
import standin_kubelet_server
import standin_portforward as pf
import standin_spdy as spdy
import standin_store

ADMIN = standin_admission.User("kubernetes-admin", ["kubeadm:cluster-admins"])
RBAC = "rbac.authorization.k8s.io"


class SpdyTest(unittest.TestCase):
    def test_dictionary_is_spdy3s(self):
        # Its zlib dictionary id (Adler-32) is what a SPDY/3 header block's preamble names.
        self.assertEqual(len(spdy.DICTIONARY), 1423)
        self.assertEqual(zlib.adler32(spdy.DICTIONARY), 0xE3C6A7C2)
        self.assertTrue(spdy.DICTIONARY.startswith(b"\x00\x00\x00\x07options\x00\x00\x00\x04head"))

    def test_frames_round_trip_through_one_compression_stream(self):
        a, b = spdy.Framer(), spdy.Framer()
        raw = a.syn_stream(1, [("streamType", "error"), ("port", "80")], fin=False)
        raw += a.syn_stream(3, [("streamType", "data"), ("port", "80")])
        raw += spdy.data(3, b"hi", fin=True) + spdy.control(spdy.PING, 0, b"\x00\x00\x00\x01")
        b.feed(raw[:5])
        self.assertEqual(list(b.frames()), [])
        b.feed(raw[5:])
        got = list(b.frames())
        self.assertEqual(got[0], (spdy.SYN_STREAM, 0, (1, {"streamtype": ["error"],
                                                           "port": ["80"]})))
        self.assertEqual(got[1][2], (3, {"streamtype": ["data"], "port": ["80"]}))
        self.assertEqual(got[2], ("data", 3, spdy.FLAG_FIN, b"hi"))
        self.assertEqual(got[3][0], spdy.PING)

    def test_hostile_frames_refused(self):
        f = spdy.Framer()
        f.feed(struct.pack(">II", 0x80030001, spdy.MAX_FRAME + 1))
        self.assertRaises(spdy.ProtocolError, list, f.frames())
        f = spdy.Framer()
        f.feed(struct.pack(">II", 0x80020001, 0))  # SPDY/2
        self.assertRaises(spdy.ProtocolError, list, f.frames())
        f = spdy.Framer()
        f.feed(spdy.data(0, b"x"))
        self.assertRaises(spdy.ProtocolError, list, f.frames())
        f, g = spdy.Framer(), spdy.Framer()
        block = zlib.compressobj(9, zlib.DEFLATED, 15, 8, 0, spdy.DICTIONARY)
        raw = struct.pack(">I", 1) + struct.pack(">I", 4) + b"Port" + struct.pack(">I", 1) + b"1"
        body = struct.pack(">IIBB", 1, 0, 0, 0) + block.compress(raw) + block.flush(2)
        g.feed(spdy.control(spdy.SYN_STREAM, 0, body))
        with self.assertRaisesRegex(spdy.ProtocolError, "lowercased"):
            list(g.frames())


class ApiServerTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        store = standin_store.LocalStore(os.path.join(tmp.name, "state.json"))
        self.api = standin_api.Api(store, "v1.35.0", "127.0.0.1:6443", ["10.96.0.0/12"])
        for name, node in (("web", "n1"), ("pending", None)):
            spec = {"containers": [{"name": "a"}], **({"nodeName": node} if node else {})}
            store.put("", "pods", "app", name, {"metadata": {"name": name, "namespace": "app"},
                                                "spec": spec})
        store.put("", "nodes", None, "n1", {"metadata": {"name": "n1"}, "status": {
            "addresses": [{"type": "InternalIP", "address": "10.0.0.7"}]}})

    def create(self, group, plural, ns, obj):
        return self.api.create_obj(self.api.find(group, "v1", plural), ns, obj, None)

    def lab_user(self, resources):
        """A ServiceAccount of namespace app whose Role grants `resources` every verb."""
        self.create("", "namespaces", None, {"metadata": {"name": "app"}})
        self.create("", "serviceaccounts", "app", {"metadata": {"name": "lab"}})
        self.create(RBAC, "roles", "app", {"metadata": {"name": "lab"}, "rules": [
            {"apiGroups": [""], "resources": resources, "verbs": ["*"]}]})
        self.create(RBAC, "rolebindings", "app", {
            "metadata": {"name": "lab"}, "roleRef": {"apiGroup": RBAC, "kind": "Role",
                                                     "name": "lab"},
            "subjects": [{"kind": "ServiceAccount", "name": "lab"}]})
        return standin_admission.User("system:serviceaccount:app:lab",
                                      ["system:serviceaccounts", "system:serviceaccounts:app",
                                       "system:authenticated"])

    def loc(self, name, user=ADMIN, **query):
        q = {k: v if isinstance(v, list) else [v] for k, v in query.items()}
        return pf.portforward_location(self.api, user,
                                       f"/api/v1/namespaces/app/pods/{name}/portforward", q)

    def refusal(self, name, user=ADMIN, **query):
        with self.assertRaises(standin_store.ApiError) as cm:
            self.loc(name, user, **query)
        return cm.exception.code, cm.exception.status["message"]

    def test_kubelet_url_from_the_pods_node(self):
        self.assertEqual(self.loc("web", ports="8080"), ("10.0.0.7", "/portForward/app/web"))

    def test_refused_as_upstream_refuses(self):
        self.assertEqual(self.refusal("pending"), (400, "pod pending does not have a host "
                                                        "assigned"))
        self.assertEqual(self.refusal("gone"), (404, 'pods "gone" not found'))
        for bad in ("0", "65536", "http", "-1"):
            self.assertEqual(self.refusal("web", ports=bad)[0], 400, bad)

    def test_rbac_needs_create_on_pods_portforward(self):
        user = self.lab_user(["pods", "pods/exec", "pods/log"])
        code, text = self.refusal("web", user)
        self.assertEqual(code, 403)
        self.assertIn('User "system:serviceaccount:app:lab" cannot create resource '
                      '"pods/portforward" in API group "" in the namespace "app"', text)

    def test_a_role_granting_every_resource_covers_the_subresource(self):
        user = self.lab_user(["*"])
        self.assertEqual(self.loc("web", user)[0], "10.0.0.7")


class DialTest(unittest.TestCase):
    """The runtime's dial into a sandbox's network namespace (here this process's own)."""

    def test_connects_to_localhost_and_says_why_not_as_containerd_does(self):
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen()
            port = listener.getsockname()[1]
            with pf.dial_in_netns("/proc/self/ns/net", "sb1", port) as s:
                self.assertEqual(s.getpeername(), ("127.0.0.1", port))
        with self.assertRaises(OSError) as e:
            pf.dial_in_netns("/proc/self/ns/net", "sb1", port)
        self.assertIn('failed to connect to localhost:%d inside namespace "sb1"' % port,
                      str(e.exception))
        self.assertIn("dial tcp4 127.0.0.1:%d: connect: connection refused" % port,
                      str(e.exception))

    def test_a_namespace_that_is_gone_is_an_error_not_a_hang(self):
        with self.assertRaises(FileNotFoundError):
            pf.dial_in_netns("/proc/self/ns/no-such", "sb1", 80)


class FakeCri:
    def sandboxes(self):
        return [{"id": "s1", "metadata": {"name": "web", "namespace": "app"}, "state": 0},
                {"id": "s2", "metadata": {"name": "old", "namespace": "app"}, "state": 1}]


class Echo:
    """A server in "the pod": answers each connection with what it read, upper-cased, once the
    client has finished sending (as an HTTP server answers a request)."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            data = b""
            while chunk := c.recv(4096):
                data += chunk
            c.sendall(data.upper())
            c.close()


class SpdyClient:
    """What client-go's SPDY connection sends and reads, enough for these tests."""

    def __init__(self, sock):
        self.sock, self.framer = sock, spdy.Framer()

    def send(self, raw):
        self.sock.sendall(raw)

    def frames_until(self, done):
        got = []
        while not done(got):
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.framer.feed(chunk)
            got.extend(self.framer.frames())
        return got


class KubeletTest(unittest.TestCase):
    def setUp(self):
        self.echo = Echo()
        self.addCleanup(self.echo.sock.close)
        self.dialed = []

        def dial(sid, port):
            self.dialed.append((sid, port))
            if port == self.echo.port:
                return socket.create_connection(("127.0.0.1", port))
            raise OSError(111, f'failed to connect to localhost:{port} inside namespace "{sid}"')

        class H(standin_kubelet_server.Handler):
            cri = FakeCri()
            dialer = staticmethod(dial)
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.addCleanup(self.srv.server_close)
        self.addCleanup(self.srv.shutdown)

    def upgrade(self, path, headers="Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                                    "X-Stream-Protocol-Version: portforward.k8s.io\r\n"):
        sock = socket.create_connection(self.srv.server_address, timeout=10)
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\n{headers}Content-Length: 0\r\n\r\n"
                     .encode())
        code, head, _ = ex.read_head(sock)
        if code != 101:
            body = ex.read_body(sock, head).decode()
            sock.close()
            return code, body
        self.assertEqual(head["x-stream-protocol-version"], "portforward.k8s.io")
        self.addCleanup(sock.close)
        return code, SpdyClient(sock)

    def pair(self, c, port, rid, first=1):
        c.send(c.framer.syn_stream(first, [("streamType", "error"), ("port", str(port)),
                                           ("requestID", rid)]))
        c.send(spdy.data(first, b"", fin=True))  # client-go closes its side of the error stream
        c.send(c.framer.syn_stream(first + 2, [("streamType", "data"), ("port", str(port)),
                                               ("requestID", rid)]))

    def test_refusals(self):
        self.assertEqual(self.upgrade("/portForward/app/gone"), (404, "pod does not exist"))
        self.assertEqual(self.upgrade("/portForward/app/old"), (404, "pod does not exist"))
        self.assertEqual(self.upgrade("/portForward/app/web", headers=""),
                         (400, "unable to upgrade: missing upgrade headers in request"))
        self.assertEqual(self.upgrade("/portForward/app/w%2Feb")[0], 400)
        self.assertEqual(self.dialed, [])

    def test_a_pair_is_forwarded_to_the_port_and_back(self):
        _, c = self.upgrade("/portForward/app/web")
        self.pair(c, self.echo.port, "0")
        c.send(spdy.data(3, b"get /hostname"))
        c.send(spdy.data(3, b"", fin=True))
        c.send(spdy.control(spdy.PING, 0, b"\x00\x00\x00\x01"))
        got = c.frames_until(lambda g: sum(1 for f in g if f[0] == "data" and f[2]) >= 2)
        replies = [f[2][0] for f in got if f[0] == spdy.SYN_REPLY]
        self.assertEqual(replies, [1, 3])
        self.assertIn((spdy.PING, 0, (1, b"\x00\x00\x00\x01")), got)
        body = b"".join(f[3] for f in got if f[0] == "data" and f[1] == 3)
        self.assertEqual(body, b"GET /HOSTNAME")
        self.assertEqual(b"".join(f[3] for f in got if f[0] == "data" and f[1] == 1), b"")
        self.assertEqual(self.dialed, [("s1", self.echo.port)])

    def test_nothing_listening_is_reported_on_the_error_stream(self):
        _, c = self.upgrade("/portForward/app/web")
        self.pair(c, 9, "7")
        got = c.frames_until(lambda g: sum(1 for f in g if f[0] == "data" and f[2]) >= 2)
        text = b"".join(f[3] for f in got if f[0] == "data" and f[1] == 1).decode()
        self.assertEqual(text, 'error forwarding port 9 to pod s1, uid : failed to connect to '
                               'localhost:9 inside namespace "s1"')

    def test_bad_stream_headers_reset_the_stream(self):
        _, c = self.upgrade("/portForward/app/web")
        for sid, headers in ((1, [("streamType", "data"), ("port", "99999")]),
                             (3, [("streamType", "data"), ("port", "0")]),
                             (5, [("streamType", "stdin"), ("port", "80")]),
                             (7, [("streamType", "data")])):
            c.send(c.framer.syn_stream(sid, headers))
        got = c.frames_until(lambda g: sum(1 for f in g if f[0] == spdy.RST_STREAM) >= 4)
        self.assertEqual([f[2] for f in got if f[0] == spdy.RST_STREAM],
                         [(s, spdy.RST_CANCEL) for s in (1, 3, 5, 7)])
        self.assertEqual(self.dialed, [])


class TunnelTest(unittest.TestCase):
    def test_websocket_messages_carry_the_spdy_bytes_both_ways(self):
        client, server_side = socket.socketpair()
        kubelet_side, kubelet = socket.socketpair()
        t = threading.Thread(target=pf.tunnel_relay, args=(server_side, kubelet_side))
        t.start()
        client.sendall(ex.frame(b"spdy-bytes", mask=b"abcd"))
        self.assertEqual(kubelet.recv(100), b"spdy-bytes")
        kubelet.sendall(b"reply")
        self.assertEqual(ex.read_frame(client), (2, b"reply"))
        client.sendall(ex.frame(b"p", opcode=9, mask=b"abcd"))
        self.assertEqual(ex.read_frame(client), (10, b"p"))
        client.sendall(ex.frame(b"\x03\xe8", opcode=8, mask=b"abcd"))
        self.assertEqual(ex.read_frame(client)[0], 8)
        t.join(5)
        self.assertEqual(kubelet.recv(10), b"")  # the kubelet connection was closed
        for s in (client, server_side, kubelet):
            s.close()


if __name__ == "__main__":
    unittest.main()
