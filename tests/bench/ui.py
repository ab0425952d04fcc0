#!/usr/bin/env python3
"""Benchmark: `minik ui` with 500 pods: how long from an API change to the page's update, and
the server's memory.

    tests/bench/ui.py                  # needs Docker and minik/node:test (tests/e2e/prepare.sh)
    PODS=500 RUNS=20 MINIK=target/debug/minik tests/bench/ui.py

It creates a 1-node cluster, starts `minik ui --no-open`, and reads the page's event stream
(/events, the Server-Sent Events the page draws from) as the browser does. Latency: a bare pod
is created with kubectl, RUNS times; the time is from kubectl returning (the API server has
stored the pod) to the first snapshot that holds it. Memory: the server's resident set size
(VmRSS, /proc) before the pods, with PODS pods (a Deployment whose pods no node fits, so they
stay Pending: the API holds PODS pods without PODS containers on a laptop), and after a
subscriber left. Pod detail: RUNS requests of /pod (the API server's static pod: containerd's
listing in the node, the API's log tail), their time and size, before and with the pods (each
Pending pod also brings the scheduler's FailedScheduling Warning event, so the server holds
PODS Warning events too). The cluster is deleted at the end, whatever happens."""

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

PODS = int(os.environ.get("PODS", "500"))
RUNS = int(os.environ.get("RUNS", "20"))
IMAGE = os.environ.get("MINIK_TEST_NODE_IMAGE", "minik/node:test")
CLUSTER = os.environ.get("CLUSTER", f"bench-ui-{os.getpid()}")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOME = tempfile.mkdtemp(prefix="bench-ui-")
ENV = dict(os.environ, HOME=HOME, KUBECONFIG=os.path.join(HOME, "config"), CI="true")
ENV.pop("DISPLAY", None)
ENV.pop("WAYLAND_DISPLAY", None)


def minik_path():
    if os.environ.get("MINIK"):
        return os.environ["MINIK"]
    subprocess.run(["cargo", "build", "--quiet"], cwd=ROOT, check=True)
    return os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "debug", "minik")


def kubectl(*args, stdin=None):
    return subprocess.run(["kubectl", *args], env=ENV, input=stdin, check=True,
                          capture_output=True, text=True).stdout


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Stream(threading.Thread):
    """The page's event stream: each snapshot with the time it arrived."""

    def __init__(self, host, port, path):
        super().__init__(daemon=True)
        self.conn = http.client.HTTPConnection(host, port)
        self.conn.request("GET", path)
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200, self.resp.status
        self.latest = (0.0, {})
        self.cond = threading.Condition()

    def run(self):
        try:
            self.read()
        except (OSError, ValueError, AttributeError):  # closed by close(): the bench is over
            pass

    def read(self):
        for raw in self.resp:
            line = raw.decode()
            if line.startswith("data: "):
                snap = json.loads(line[6:])
                with self.cond:
                    self.latest = (time.monotonic(), snap)
                    self.cond.notify_all()

    def wait_for(self, test, limit=30.0):
        end = time.monotonic() + limit
        with self.cond:
            while not test(self.latest[1]):
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the page never showed it")
                self.cond.wait(left)
            return self.latest[0]

    def close(self):
        self.conn.close()


def pods(snap, prefix):
    return [p for p in snap.get("pods", []) if p["name"].startswith(prefix)]


def main():
    minik = minik_path()
    ui = None
    try:
        print(f"== creating a 1-node cluster {CLUSTER} on {IMAGE}", flush=True)
        subprocess.run([minik, "create", "--name", CLUSTER, "--image", IMAGE], env=ENV, check=True,
                       stdout=subprocess.DEVNULL)
        ui = subprocess.Popen([minik, "ui", "--name", CLUSTER, "--no-open"], env=ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        url = urllib.parse.urlsplit(ui.stdout.readline().strip())
        stream = Stream(url.hostname, url.port, "/events?" + url.query)
        stream.start()
        stream.wait_for(lambda s: s.get("api", {}).get("state") == "live" and s.get("nodes"))
        time.sleep(2)
        report("without", latency(stream, "before"))
        detail(url, stream, "without")
        before = rss_kib(ui.pid)

        manifest = {"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": "many", "namespace": "default"},
                    "spec": {"replicas": PODS, "selector": {"matchLabels": {"app": "many"}},
                             "template": {"metadata": {"labels": {"app": "many"}},
                                          "spec": {"nodeSelector": {"minik.bench/none": "x"},
                                                   "containers": [{"name": "c", "image": "none"}]}}}}
        started = time.monotonic()
        kubectl("apply", "-f", "-", stdin=json.dumps(manifest))
        shown = stream.wait_for(lambda s: len(pods(s, "many-")) >= PODS, limit=300)
        print(f"== {PODS} pods on the page {shown - started:.1f} s after kubectl apply", flush=True)
        time.sleep(3)
        with_pods = rss_kib(ui.pid)

        lat = latency(stream, "with")
        detail(url, stream, "with")
        stream.close()
        time.sleep(2)
        after_close = rss_kib(ui.pid)
        report("with", lat)
        print(f"server memory (VmRSS): {before / 1024:.1f} MiB with the system pods, "
              f"{with_pods / 1024:.1f} MiB with {PODS + RUNS} more pods, "
              f"{after_close / 1024:.1f} MiB after the page closed")
    finally:
        if ui is not None:
            ui.kill()
            ui.wait()
        subprocess.run([minik, "delete", "--name", CLUSTER], env=ENV, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def report(label, lat):
    p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))]
    print(f"API change -> page update, {len(lat)} runs {label} {PODS} pods: "
          f"median {statistics.median(lat):.0f} ms, p95 {p95:.0f} ms, max {lat[-1]:.0f} ms",
          flush=True)


def detail(url, stream, label):
    """RUNS times the page's pod detail (/pod) of the API server's static pod: its containers
    from the node's containerd and its log's last 20 lines; ms and bytes."""
    snap = stream.latest[1]
    pod = next(p for p in snap["pods"] if p["name"].startswith("kube-apiserver-"))
    path = (f"/pod?{url.query}&namespace=kube-system&pod={pod['name']}")
    times, size = [], 0
    for _ in range(RUNS):
        conn = http.client.HTTPConnection(url.hostname, url.port)
        started = time.monotonic()
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        times.append((time.monotonic() - started) * 1000)
        assert resp.status == 200, (resp.status, body[:200])
        size = len(body)
        conn.close()
    times.sort()
    print(f"pod detail (/pod {pod['name']}), {RUNS} runs {label} {PODS} pods: "
          f"median {statistics.median(times):.0f} ms, max {times[-1]:.0f} ms, {size} bytes",
          flush=True)


def latency(stream, prefix):
    """RUNS bare pods, one at a time: ms from kubectl returning to the page holding it."""
    lat = []
    for i in range(RUNS):
        name = f"{prefix}-{i}"
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": "default"},
               "spec": {"nodeSelector": {"minik.bench/none": "x"},
                        "containers": [{"name": "c", "image": "none"}]}}
        kubectl("apply", "-f", "-", stdin=json.dumps(pod))
        stored = time.monotonic()
        at = stream.wait_for(lambda s, n=name: any(p["name"] == n for p in s.get("pods", [])))
        lat.append((at - stored) * 1000)
    lat.sort()
    return lat


if __name__ == "__main__":
    sys.exit(main())
