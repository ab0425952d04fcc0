"""kube-proxy's iptables rules as the stand-in writes them: random spreading over the ready
endpoints, DNAT, NodePorts, REJECT for a Service without endpoints, stale chains removed; and
that the node's real iptables-restore accepts them (in a throw-away network namespace, when
this host can make one)."""
import re
import shutil
import subprocess
import unittest

import standin_kubeproxy as kp


def svc(name, ip, ports, kind="ClusterIP", ns="t"):
    return {"metadata": {"name": name, "namespace": ns},
            "spec": {"type": kind, "clusterIP": ip, "clusterIPs": [ip], "ports": ports}}


def eps(name, addrs, port=8080, ns="t", ready=True, pname=""):
    return {"metadata": {"name": name + "-x", "namespace": ns,
                         "labels": {"kubernetes.io/service-name": name}},
            "ports": [{"name": pname, "port": port, "protocol": "TCP"}],
            "endpoints": [{"addresses": [a], "conditions": {"ready": ready, "serving": True,
                                                            "terminating": not ready}}
                          for a in addrs]}


HELLO = svc("hello", "10.96.0.20", [{"port": 80, "targetPort": 8080, "protocol": "TCP"}])
THREE = eps("hello", ["10.244.1.2", "10.244.2.2", "10.244.2.3"])


class RulesTest(unittest.TestCase):
    def test_chain_names_are_kube_proxys_hashes(self):
        name = kp.svc_chain("t/hello", "tcp")
        self.assertRegex(name, r"^KUBE-SVC-[A-Z2-7]{16}$")
        self.assertNotEqual(name, kp.svc_chain("t/hello:http", "tcp"))
        self.assertNotEqual(kp.sep_chain("t/hello", "tcp", "10.244.1.2:8080"),
                            kp.sep_chain("t/hello", "tcp", "10.244.1.3:8080"))

    def test_chain_names_match_a_real_clusters(self):
        # what iptables-save shows on every kubeadm cluster for its two built-in Services
        self.assertEqual(kp.svc_chain("default/kubernetes:https", "tcp"),
                         "KUBE-SVC-NPX46M4PTMTKRN6Y")
        self.assertEqual(kp.svc_chain("kube-system/kube-dns:dns", "udp"),
                         "KUBE-SVC-TCOU7JCQXEZGVUNU")
        self.assertEqual(kp.svc_chain("kube-system/kube-dns:dns-tcp", "tcp"),
                         "KUBE-SVC-ERIFXISQEP7F7OF4")

    def test_cluster_ip_spreads_over_every_ready_endpoint(self):
        nat = kp.build([HELLO], [THREE], "10.244.0.0/16")["nat"]
        chain = kp.svc_chain("t/hello", "tcp")
        self.assertIn(f'-A KUBE-SERVICES -m comment --comment "t/hello cluster IP" -m tcp -p tcp '
                      f'-d 10.96.0.20/32 --dport 80 -j {chain}', nat)
        self.assertIn(f"-A {chain} -m comment --comment \"t/hello cluster IP\" -m tcp -p tcp "
                      f"-d 10.96.0.20/32 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ", nat)
        picks = re.findall(rf"^-A {chain} .*-> (\S+)\"(.*) -j (KUBE-SEP-\S+)$", nat, re.M)
        self.assertEqual([p[0] for p in picks],
                         ["10.244.1.2:8080", "10.244.2.2:8080", "10.244.2.3:8080"])
        self.assertEqual([p[1] for p in picks], [
            " -m statistic --mode random --probability 0.3333333333",
            " -m statistic --mode random --probability 0.5000000000", ""])
        for ep, _, sep in picks:
            self.assertIn(f"-A {sep} -m comment --comment t/hello -m tcp -p tcp -j DNAT "
                          f"--to-destination {ep}", nat)
        self.assertTrue(nat.rstrip().endswith("COMMIT"))
        last = [line for line in nat.splitlines() if line.startswith("-A KUBE-SERVICES")][-1]
        self.assertIn("--dst-type LOCAL -j KUBE-NODEPORTS", last)

    def test_not_ready_endpoints_are_left_out_and_none_means_reject(self):
        half = eps("hello", ["10.244.1.2"])
        half["endpoints"].append({"addresses": ["10.244.1.3"],
                                  "conditions": {"ready": False, "serving": False,
                                                 "terminating": False}})
        nat = kp.build([HELLO], [half])["nat"]
        self.assertIn("10.244.1.2:8080", nat)
        self.assertNotIn("10.244.1.3", nat)
        rules = kp.build([HELLO], [eps("hello", [])])
        self.assertNotIn("KUBE-SVC-", rules["nat"])
        self.assertIn('-A KUBE-SERVICES -m comment --comment "t/hello has no endpoints" -m tcp '
                      '-p tcp -d 10.96.0.20/32 --dport 80 -j REJECT', rules["filter"])
        # only terminating but still serving ones: used as the fallback
        going = kp.build([HELLO], [eps("hello", ["10.244.1.4"], ready=False)])["nat"]
        self.assertIn("--to-destination 10.244.1.4:8080", going)

    def test_node_port(self):
        np = svc("web", "10.96.0.30", [{"port": 80, "nodePort": 30080, "protocol": "TCP"}],
                 "NodePort")
        nat = kp.build([np], [eps("web", ["10.244.1.2"])])["nat"]
        ext, chain = kp.ext_chain("t/web", "tcp"), kp.svc_chain("t/web", "tcp")
        self.assertIn(f"-A KUBE-NODEPORTS -m comment --comment t/web -m tcp -p tcp --dport 30080 "
                      f"-j {ext}", nat)
        self.assertIn(f"-A {ext} -j {chain}", nat)
        self.assertIn(f"-A {ext} -m comment --comment \"masquerade traffic for t/web external "
                      f"destinations\" -j KUBE-MARK-MASQ", nat)

    def test_stale_chains_deleted_headless_and_external_name_skipped(self):
        headless = svc("db", "None", [{"port": 5432}])
        ext = {"metadata": {"name": "x", "namespace": "t"},
               "spec": {"type": "ExternalName", "externalName": "example.com"}}
        nat = kp.build([headless, ext], [], existing=["KUBE-SVC-OLDOLDOLDOLDOLDO",
                                                      "KUBE-SERVICES"])["nat"]
        self.assertIn(":KUBE-SVC-OLDOLDOLDOLDOLDO - [0:0]", nat)
        self.assertIn("-X KUBE-SVC-OLDOLDOLDOLDOLDO", nat)
        self.assertNotIn("-X KUBE-SERVICES", nat)
        self.assertNotIn("db", nat)

    def test_ipv6_family(self):
        v6 = svc("hello", "fd00:10:96::20", [{"port": 80, "protocol": "TCP"}])
        nat = kp.build([v6], [eps("hello", ["fd00:10:244:1::2"])], version=6)["nat"]
        self.assertIn("-d fd00:10:96::20/128 --dport 80", nat)
        self.assertIn("--to-destination [fd00:10:244:1::2]:8080", nat)
        self.assertNotIn("10.", kp.build([v6], [], version=4)["nat"])


@unittest.skipUnless(shutil.which("iptables-restore") and shutil.which("unshare"),
                     "needs iptables-restore and unshare")
class RealIptablesTest(unittest.TestCase):
    """The rules go through the real iptables-restore in a new network namespace."""

    def run_in_netns(self, script, stdin=""):
        return subprocess.run(["unshare", "-n", "sh", "-c", script], input=stdin,
                              capture_output=True, text=True, timeout=60)

    def test_iptables_restore_accepts_the_rules(self):
        probe = self.run_in_netns("iptables -t nat -L -n")
        if probe.returncode != 0:
            self.skipTest(f"no network namespace with iptables here: {probe.stderr.strip()}")
        np = svc("web", "10.96.0.30", [{"port": 80, "nodePort": 30080, "protocol": "TCP"}],
                 "NodePort")
        rules = kp.build([HELLO, np], [THREE, eps("web", [])], "10.244.0.0/16")
        done = self.run_in_netns("iptables-restore --noflush && iptables-save -t nat && "
                                 "iptables-save -t filter", rules["filter"] + rules["nat"])
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("--mode random --probability 0.33333333", done.stdout)
        self.assertIn("-j DNAT --to-destination 10.244.2.3:8080", done.stdout)
        self.assertIn('"t/web has no endpoints"', done.stdout)


if __name__ == "__main__":
    unittest.main()
