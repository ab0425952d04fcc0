"""Tests of `kubectl exec` in the stand-in (standin_exec): WebSocket frames, the API server's
refusals (missing or wrong container name, no node; upstream texts), and the kubelet's /exec over
a v5.channel.k8s.io WebSocket with a fake CRI: stdout on channel 1, stderr on 2, the Status with
the exit code on 3, and the kubelet's refusals (pod unknown, container not running, no stream,
stdin, SPDY)."""
import base64
import http.server
import json
import os
import socket
import tempfile
import threading
import unittest

import standin_admission
import standin_api
import standin_exec as ex
import standin_kubelet_server
import standin_store
from standin_cri import CONTAINER_EXITED, CONTAINER_RUNNING

ADMIN = standin_admission.User("kubernetes-admin", ["kubeadm:cluster-admins"])
NOBODY = standin_admission.User("jane", ["system:authenticated"])


class FakeCri:
    """Two containers of pod app/web: c runs, d has exited."""

    def __init__(self):
        self.client, self.calls = "fake", []

    def sandboxes(self):
        return [{"id": "s1", "metadata": {"name": "web", "namespace": "app"}}]

    def containers(self):
        base = {"io.kubernetes.pod.namespace": "app", "io.kubernetes.pod.name": "web"}
        return [{"id": "c1", "state": CONTAINER_RUNNING,
                 "labels": dict(base, **{"io.kubernetes.container.name": "c"})},
                {"id": "d1", "state": CONTAINER_EXITED,
                 "labels": dict(base, **{"io.kubernetes.container.name": "d"})}]

    def exec_sync(self, cid, cmd, timeout):
        self.calls.append((cid, cmd))
        if cmd[0] == "boom":
            raise RuntimeError("rpc error: code = Unknown desc = exec failed")
        return {"stdout": list(b"out\n"), "stderr": list(b"err\n"), "exit_code": int(cmd[-1])}


def ws_request(port, path, protocols=("v5.channel.k8s.io",), extra=""):
    """A WebSocket client handshake as client-go sends it; returns (socket, status line+headers)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                  f"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                  f"Sec-WebSocket-Key: {key}\r\n"
                  f"Sec-WebSocket-Protocol: {','.join(protocols)}\r\n{extra}\r\n").encode())
    code, headers, _ = ex.read_head(sock)
    if code == 101:
        assert headers["sec-websocket-accept"] == ex.accept_key(key)
    return sock, code, headers


def read_all(sock):
    """Frames until close: {channel: bytes}."""
    out = {}
    while True:
        opcode, payload = ex.read_frame(sock)
        if opcode == 8:
            return out
        out[payload[0]] = out.get(payload[0], b"") + payload[1:]


class FramesTest(unittest.TestCase):
    def test_round_trip_masked_and_long(self):
        a, b = socket.socketpair()
        for payload in (b"", b"x" * 125, b"y" * 300, b"z" * 70000):
            a.sendall(ex.frame(payload, mask=b"\x01\x02\x03\x04"))
            self.assertEqual(ex.read_frame(b), (2, payload))
        a.close()
        b.close()

    def test_hostile_frames_refused(self):
        a, b = socket.socketpair()
        a.sendall(bytes([0x82, 127]) + (ex.MAX_FRAME + 1).to_bytes(8, "big"))
        self.assertRaises(ValueError, ex.read_frame, b)
        a.sendall(bytes([0x82, 10]) + b"abc")
        a.close()
        self.assertRaises(ConnectionError, ex.read_frame, b)
        b.close()

    def test_accept_key_is_rfc6455s_example(self):
        self.assertEqual(ex.accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")


class ApiServerTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        store = standin_store.LocalStore(os.path.join(tmp.name, "state.json"))
        self.api = standin_api.Api(store, "v1.35.0", "127.0.0.1:6443", ["10.96.0.0/12"])
        for pod in ({"metadata": {"name": "two", "namespace": "app"}, "spec": {
                "nodeName": "n1", "containers": [{"name": "a"}, {"name": "b"}]}},
                {"metadata": {"name": "one", "namespace": "app"},
                 "spec": {"containers": [{"name": "a"}]}}):
            store.put("", "pods", "app", pod["metadata"]["name"], pod)
        store.put("", "nodes", None, "n1", {"metadata": {"name": "n1"}, "status": {
            "addresses": [{"type": "InternalIP", "address": "10.0.0.7"}]}})

    def loc(self, name, user=ADMIN, **query):
        q = {k: v if isinstance(v, list) else [v] for k, v in query.items()}
        return ex.exec_location(self.api, user, f"/api/v1/namespaces/app/pods/{name}/exec", q)

    def refusal(self, name, **query):
        with self.assertRaises(standin_store.ApiError) as cm:
            self.loc(name, **query)
        return cm.exception.code, cm.exception.status["message"]

    def test_kubelet_url_from_the_pods_node(self):
        ip, path = self.loc("two", container="b", command=["sh", "-c", "echo hi"],
                            stdout="true", stderr="true")
        self.assertEqual(ip, "10.0.0.7")
        self.assertEqual(path, "/exec/app/two/b?command=sh&command=-c&command=echo+hi"
                               "&output=1&error=1")

    def test_refused_as_upstream_refuses(self):
        self.assertEqual(self.refusal("two"), (400, "a container name must be specified for "
                                                    "pod two, choose one of: [a b]"))
        self.assertEqual(self.refusal("two", container="x"),
                         (400, "container x is not valid for pod two"))
        self.assertEqual(self.refusal("one"), (400, "pod one does not have a host assigned"))
        self.assertEqual(self.refusal("nope")[0], 404)
        with self.assertRaises(standin_store.ApiError) as cm:
            self.loc("two", user=NOBODY, container="a")
        self.assertEqual(cm.exception.code, 403)
        self.assertIn('cannot create resource "pods/exec"', cm.exception.status["message"])


class KubeletTest(unittest.TestCase):
    def setUp(self):
        self.cri = FakeCri()

        class H(standin_kubelet_server.Handler):
            cri = self.cri
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.addCleanup(self.srv.server_close)
        self.addCleanup(self.srv.shutdown)
        self.port = self.srv.server_address[1]

    def exec(self, path, **kw):
        sock, code, headers = ws_request(self.port, path, **kw)
        try:
            if code != 101:
                return code, ex.read_body(sock, headers).decode()
            self.assertEqual(headers["sec-websocket-protocol"],
                             kw.get("protocols", ["v5.channel.k8s.io"])[0])
            sock.sendall(ex.frame(b"hb", opcode=9, mask=b"abcd"))  # client-go's heartbeat
            return code, read_all(sock)
        finally:
            sock.close()

    def test_output_and_exit_code_on_their_channels(self):
        code, chans = self.exec("/exec/app/web/c?command=sh&command=3&output=1&error=1")
        self.assertEqual(code, 101)
        self.assertEqual(chans[ex.STDOUT], b"out\n")
        self.assertEqual(chans[ex.STDERR], b"err\n")
        status = json.loads(chans[ex.ERROR])
        self.assertEqual(status["reason"], "NonZeroExitCode")
        self.assertEqual(status["details"]["causes"], [{"reason": "ExitCode", "message": "3"}])
        self.assertEqual(self.cri.calls, [("c1", ["sh", "3"])])
        code, chans = self.exec("/exec/app/web/c?command=true&command=0&output=1",
                                protocols=["v4.channel.k8s.io"])
        self.assertEqual(json.loads(chans[ex.ERROR]), {"metadata": {}, "status": "Success"})
        self.assertNotIn(ex.STDERR, chans)  # not asked for

    def test_runtime_errors_are_internal_errors(self):
        _, chans = self.exec("/exec/app/web/c?command=boom&output=1")
        status = json.loads(chans[ex.ERROR])
        self.assertEqual(status["reason"], "InternalError")
        self.assertIn("error executing command in container: exec failed", status["message"])
        _, chans = self.exec("/exec/app/web/c?command=sh&input=1&output=1")
        self.assertIn("stdin (-i) and TTY (-t) are not supported",
                      json.loads(chans[ex.ERROR])["message"])

    def test_kubelet_refusals(self):
        self.assertEqual(self.exec("/exec/app/gone/c?command=sh&output=1"),
                         (404, "pod does not exist"))
        self.assertEqual(self.exec("/exec/app/web/d?command=sh&output=1"),
                         (500, 'container not found ("d")'))
        self.assertEqual(self.exec("/exec/app/web/c?command=sh"),
                         (400, "you must specify at least 1 of stdin, stdout, stderr"))
        self.assertEqual(self.exec("/exec/app/web/c?command=sh&output=1",
                                   protocols=["channel.k8s.io"])[0], 400)
        self.assertEqual(self.exec("/exec/app/web/../c?command=sh&output=1")[0], 404)
        self.assertEqual(self.exec("/exec/app/w%2Feb/c?command=sh&output=1")[0], 400)
        self.assertEqual(self.cri.calls, [])


if __name__ == "__main__":
    unittest.main()
